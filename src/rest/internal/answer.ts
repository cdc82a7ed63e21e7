/**
 * Turning what came back (or did not) into a value or an `ExchangeError` reason.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option, Schema } from "effect"
import type { HttpClientError } from "effect/http"
import { Banned, Closed, Decode, InvalidConfig, RateLimited, Transport, Unavailable } from "../../exchange/ExchangeError.ts"
import type { ExchangeErrorReason } from "../../exchange/ExchangeError.ts"
import { parseRetryAfter } from "../../ratelimit/RateLimiter.ts"
import type { RateLimitError } from "../../ratelimit/RateLimitError.ts"

/** How much of a body an error keeps. */
const bodyLimit = 2_000

/** Parses `body` as JSON and decodes it with `schema`; `Decode` (keeping the body) otherwise. */
export const decodeAnswer = <A>(schema: Schema.Decoder<A>, body: string, what: string): Effect.Effect<A, Decode> => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (error) {
    return Effect.fail(new Decode({ what, body: body.slice(0, bodyLimit), detail: `not JSON (${(error as Error).message})` }))
  }
  return Effect.mapError(
    Schema.decodeUnknownEffect(schema)(json),
    (error) => new Decode({ what, body: body.slice(0, bodyLimit), detail: error.message })
  )
}

/** A 4xx/5xx answer to a reason: 429, 418 and 5xx here; the rest by the venue's table (`venueReason`). */
export const answerReason = (
  answer: { readonly status: number; readonly headers: Readonly<Record<string, string | undefined>>; readonly body: string },
  nowMs: number,
  venueReason: () => ExchangeErrorReason
): ExchangeErrorReason => {
  if (answer.status === 429 || answer.status === 418) {
    const retryAfter = Option.getOrElse(parseRetryAfter(answer.headers["retry-after"], nowMs), () => Duration.seconds(10))
    return answer.status === 429 ? new RateLimited({ retryAfter }) : new Banned({ retryAfter })
  }
  if (answer.status >= 500) {
    return new Unavailable({ status: answer.status, detail: firstLine(answer.body) })
  }
  return venueReason()
}

/** Error codes meaning the connection was never made: the venue cannot have seen the request. */
const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT"
])

const causeCode = (cause: unknown): string | undefined => {
  for (let c = cause, depth = 0; c !== undefined && c !== null && depth < 5; depth++) {
    if (typeof c === "object") {
      const code = (c as { code?: unknown }).code
      if (typeof code === "string") return code
      c = (c as { cause?: unknown }).cause
    } else {
      break
    }
  }
  return undefined
}

/**
 * An HTTP client failure to a reason. A connection that was never made is `Transport` (nothing
 * happened at the venue). A failure after that may have followed the venue acting on the request:
 * `Unavailable`, unless the request is safe (then it does not matter, and `Transport` says so).
 */
export const httpFailureReason = (error: HttpClientError.HttpClientError, safe: boolean): ExchangeErrorReason => {
  const reason = error.reason
  switch (reason._tag) {
    case "InvalidUrlError":
      return new InvalidConfig({ variable: "base URL", detail: "not a valid URL" })
    case "EncodeError":
      return new Transport({ detail: "could not encode the request" })
    case "TransportError":
      return transportFailure(reason.cause, safe)
    default:
      // The answer could not be read: the venue got the request.
      return new Unavailable({ detail: "the answer could not be read" })
  }
}

/**
 * A failed exchange (its `cause` as the HTTP stack threw it) to a reason: `Transport` when the
 * connection was never made or the request is safe, else `Unavailable` (the venue may have acted).
 */
export const transportFailure = (cause: unknown, safe: boolean): ExchangeErrorReason => {
  const code = causeCode(cause)
  const detail = code ?? (cause instanceof Error ? cause.message : "transport failure")
  if (code !== undefined && notSentCodes.has(code)) return new Transport({ detail })
  return safe ? new Transport({ detail }) : new Unavailable({ detail: `connection failed after sending: ${detail}` })
}

/**
 * A rate limiter failure to a reason: `Closed` when the limiter has shut down, `Transport` when
 * its store failed (nothing was sent). `undefined` for the caller's bugs (unknown quota, weight
 * over the limit), which are defects.
 */
export const limiterReason = (error: RateLimitError): ExchangeErrorReason | undefined => {
  switch (error.reason._tag) {
    case "LimiterClosed":
      return new Closed({ what: `rate limiter ${error.limiter}` })
    case "StoreFailed":
      return new Transport({ detail: `rate limiter store failed` })
    default:
      return undefined
  }
}

const firstLine = (body: string): string => {
  const line = body.split("\n", 1)[0] ?? ""
  return line.length === 0 ? "no body" : line.slice(0, 200)
}
