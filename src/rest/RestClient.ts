/**
 * A venue-neutral REST client over HTTP (Effect's `HttpClient`, or undici straight through a
 * {@link Transport}): one typed call per request, with the
 * venue's base URL, signing, a server-time offset, rate limiting and typed errors.
 *
 * A {@link Request} names its method, path, query parameters, an optional JSON body, whether it is
 * signed, whether it is safe (changes nothing at the venue), its rate-limit cost and the schema of
 * its answer. A {@link Venue} supplies the signer and the table that turns error answers into
 * {@link ExchangeError} reasons.
 *
 * What every call goes through, in order:
 * 1. the {@link RateLimiter} (each `cost` entry is taken before the request is sent, at once when
 *    it has room, else after a wait bounded by `quotaWait`; a 429 or 418 answer pauses those keys
 *    for `Retry-After`, for every caller);
 * 2. for a signed request, the venue's signer, which sees the method, the URL path, the encoded
 *    query and the body text exactly as they will be sent, and the venue time (`local clock +
 *    offset`, in the venue's {@link Venue.timestampUnit}); the query the signer answers is put on
 *    the request line byte for byte (no re-encoding), the body is sent as signed; the offset is
 *    measured at start (`serverTime` request, corrected by half the round trip) and
 *    measured again when the venue answers `TimestampOutsideWindow`, after which the request is
 *    sent once more (the venue refused it unseen, so resending cannot act twice);
 * 3. the HTTP exchange under a per-request timeout (`Unavailable` past it: the outcome is unknown),
 *    through the {@link Transport} in the context when there is one (`Transport.layerNode`: straight
 *    through undici, the timeout one timer that aborts the request), else through the `HttpClient`;
 * 4. the answer: 2xx read by the request's hand-written `parse` when it has one and the body fits,
 *    else decoded with the request's schema (`Decode`, keeping the body, when it does not fit); 429 `RateLimited`, 418 `Banned`, 5xx `Unavailable`; any other the venue's error table.
 *
 * Only safe requests retry on their own, on `Unavailable`, `Transport` and `RateLimited`, under a
 * bounded `Schedule`; a state-changing request is sent at most once (plus the one resend after a
 * refused timestamp) and its `Unavailable` reaches the caller, who must reconcile.
 *
 * Spans: each call is a `RestClient.request` span with the venue, method, path, whether it is
 * signed, the attempt count and the error's reason; each attempt under it a `RestClient.attempt`
 * span with its number, the time it waited for the rate limiter (`rest.quota_wait_ms`) and the
 * answer's status (`http.response.status_code`).
 * Parameters, headers and URLs are never put in a span or an error (they can carry a user-stream
 * session token or an API key); the HTTP client's own span, which records the full URL, is switched off.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Exit, Option, Schedule, Semaphore } from "effect"
import type { Schema, Scope } from "effect"
import { HttpClient } from "effect/http"
import type { HttpMethod } from "effect/http/HttpMethod"
import { Closed, ExchangeError, InvalidConfig, RateLimited, Unavailable } from "../exchange/ExchangeError.ts"
import type { ExchangeErrorReason } from "../exchange/ExchangeError.ts"
import { Lifecycle } from "../lifecycle/index.ts"
import type { RateLimiterShape, TakeOptions } from "../ratelimit/RateLimiter.ts"
import { RateLimiter } from "../ratelimit/RateLimiter.ts"
import type { RateLimitError } from "../ratelimit/RateLimitError.ts"
import { answerReason, decodeAnswer, limiterReason } from "./internal/answer.ts"
import { baseParts, requestBody, requestPath } from "./internal/encode.ts"
import { fromHttpClient, Transport } from "./Transport.ts"
import type { TransportShape } from "./Transport.ts"

/** Request parameters. `undefined` values are left out; the rest are sent in insertion order. */
export type Params = Readonly<Record<string, string | number | boolean | undefined>>

/** One REST request and how to read its answer. */
export interface Request<A> {
  readonly method: HttpMethod
  /** Path below the base URL, starting with `/` (e.g. `/depth`). */
  readonly path: string
  /** Query parameters, sent on the URL (for any method). */
  readonly params?: Params | undefined
  /**
   * A JSON body (`JSON.stringify`-ed once, sent as `application/json`, and given to the signer as
   * that exact text). Absent: no body, and the signer sees `""`.
   */
  readonly body?: unknown
  /** Signed with the venue's credentials (and the venue time). Default `false`. */
  readonly signed?: boolean | undefined
  /**
   * Changes nothing at the venue, so it may be sent again after an unknown outcome.
   * Default: `true` for GET, `false` otherwise.
   */
  readonly safe?: boolean | undefined
  /** Rate-limit quotas this request counts against, taken in order before each attempt. */
  readonly cost: ReadonlyArray<TakeOptions>
  /** Schema of the answer's JSON body. */
  readonly response: Schema.Decoder<A>
  /**
   * A hand-written check of a 2xx answer's parsed JSON, for hot endpoints: the value when the
   * body fits, `undefined` when it does not (then {@link response} decodes it, and its `Decode`
   * error says why). It must accept exactly what `response` accepts and answer the same value.
   */
  readonly parse?: ((json: unknown) => A | undefined) | undefined
  /** Timeout of one attempt (send and read the answer). Default: the client's `timeout`. */
  readonly timeout?: Duration.Input | undefined
}

/** What a venue's signer sees: the request as it will go on the wire. */
export interface SignInput {
  /** Upper-case HTTP method. */
  readonly method: HttpMethod
  /**
   * The URL path as sent: the base URL's own path followed by the request's (`/api/v2/orders` for
   * base `https://api.example.com/api/v2` and path `/orders`); no host, no query.
   */
  readonly path: string
  /** The encoded query string as it would be sent (no `?`); `""` when none. */
  readonly query: string
  /** The body text exactly as it will be sent; `""` when none. */
  readonly body: string
  /** Venue time (`local clock + measured offset`), in the venue's {@link Venue.timestampUnit}. */
  readonly timestamp: number
}

/** What a venue's signer answers for a signed request. */
export interface Signed {
  /**
   * The query string to send (the given one, or it with timestamp, signature, ... added). It is
   * put on the request line byte for byte, so what was signed is what the venue reads.
   */
  readonly query: string
  /** Headers to add (the API key, the signature, the timestamp). */
  readonly headers: Readonly<Record<string, string>>
}

/** The unit of the timestamp a venue's signer is given: epoch milliseconds or whole epoch seconds. */
export type TimestampUnit = "milliseconds" | "seconds"

/** An error answer as the venue's error table sees it. */
export interface ErrorAnswer {
  readonly status: number
  /** The body as text (maybe not JSON). */
  readonly body: string
  /** The request's path and parameters (to name the symbol or order the error is about). */
  readonly path: string
  readonly params: Params
  /** The request's JSON body, if it had one (to name the order an error is about). */
  readonly requestBody?: unknown
}

/** What a venue supplies to the client. */
export interface Venue {
  /** Venue name in errors and logs (the adapter's name). */
  readonly name: string
  /** Base URL without a trailing slash, e.g. `https://api.example.com` or `https://api.example.com/api/v2`. */
  readonly baseUrl: string
  /**
   * Signs a request as it will be sent (see {@link SignInput}). Fails, e.g. with `InvalidConfig`,
   * when the venue has no credentials.
   */
  readonly sign: (input: SignInput) => Effect.Effect<Signed, ExchangeErrorReason>
  /** Unit of the timestamp given to {@link sign}. Default `"milliseconds"`. */
  readonly timestampUnit?: TimestampUnit | undefined
  /** The venue's error table: a non-2xx answer other than 429, 418 and 5xx to a reason. */
  readonly errorReason: (answer: ErrorAnswer) => ExchangeErrorReason
  /** The venue's server-time request (answering epoch ms), used to measure the offset. */
  readonly serverTime: Request<number>
  /**
   * Whether a 2xx body is in fact an error (some venues answer some errors with HTTP 200 and an
   * error body): then it goes to {@link errorReason} instead of failing to decode. Default: never.
   */
  readonly isErrorBody?: ((body: string) => boolean) | undefined
}

/** Options of {@link make}. */
export interface Options {
  readonly venue: Venue
  /** Timeout of one attempt of a request. Default 10 s. */
  readonly timeout?: Duration.Input | undefined
  /**
   * Retries of a safe request after `Unavailable`, `Transport` or `RateLimited`: at most this
   * many, exponential backoff from `retryBase`. Default 3, from 200 ms.
   */
  readonly retries?: number | undefined
  readonly retryBase?: Duration.Input | undefined
  /**
   * Longest wait for the rate limiter's quota (a 418 ban pauses it for minutes to days); past it
   * the request fails `RateLimited` with the time left. Default 30 s.
   */
  readonly quotaWait?: Duration.Input | undefined
  /** Lifecycle component name. Default `rest:<venue>`. */
  readonly name?: string | undefined
  /** Stop budget of the component. Default 1 s. */
  readonly stopBudget?: Duration.Input | undefined
}

/** A running REST client. */
export interface RestClient {
  readonly venue: string
  /** Sends `request` (rate-limited, signed if asked, retried if safe) and decodes its answer. */
  readonly request: <A>(request: Request<A>) => Effect.Effect<A, ExchangeError>
  /** The venue's time now (ms): local wall clock plus the measured offset. */
  readonly serverTime: Effect.Effect<number>
  /** The measured offset (venue time minus local time, ms); 0 before the first measurement. */
  readonly offset: Effect.Effect<number>
  /** Measures the offset again; answers the new offset. */
  readonly syncTime: Effect.Effect<number, ExchangeError>
}

/** Characters `application/x-www-form-urlencoded` leaves as they are. */
const plainText = /^[\w*.-]*$/

/** One key or value encoded as `URLSearchParams` encodes it (most are plain and left alone). */
const encodePart = (text: string): string =>
  plainText.test(text) ? text : new URLSearchParams([["", text]]).toString().slice(1)

/**
 * Encodes parameters as a query string (`undefined` values left out), byte for byte as
 * `URLSearchParams` would, without building one for plain keys and values.
 */
export const encodeParams = (params: Params | undefined): string => {
  if (params === undefined) return ""
  let query = ""
  for (const key in params) {
    const value = params[key]
    if (value === undefined) continue
    query += `${query.length > 0 ? "&" : ""}${encodePart(key)}=${encodePart(String(value))}`
  }
  return query
}

/** `parse` applied to `body` as JSON; `undefined` when it is not JSON or does not fit. */
const parseFast = <A>(parse: (json: unknown) => A | undefined, body: string): A | undefined => {
  try {
    return parse(JSON.parse(body))
  } catch {
    return undefined
  }
}

/** Headers of every request: the answer is read as JSON. */
const acceptJson: Readonly<Record<string, string>> = { accept: "application/json" }
/** The content type of a JSON body (unless the signer set one). */
const jsonBody: Readonly<Record<string, string>> = { "content-type": "application/json" }

/** Whether `error` is a request that got no (whole) answer within its timeout (not an answered failure, not a refusal). */
export const isNoAnswer = (error: ExchangeError): boolean =>
  error.reason._tag === "Unavailable" && error.reason.timeoutMs !== undefined

/** A rate limiter failure that is the caller's bug (unknown quota, weight over the limit). */
class QuotaMisconfigured extends Error {}

/**
 * Starts a client in the caller's scope, as a lifecycle component (`rest:<venue>`): released before
 * the rate limiter and the HTTP client it uses. After release every call fails with `Closed`.
 * Measures the server-time offset at start with a single attempt: if that fails with an answer (or
 * a refused connection), the first signed request measures it; if the venue accepts the connection
 * but sends no answer within the request timeout, the start fails with `Unavailable` (its
 * `timeoutMs` set, its detail naming the base URL, the timeout and the request: see
 * {@link isNoAnswer}), so a silent venue costs one timeout at start, not one per retry.
 */
export const make = (options: Options): Effect.Effect<RestClient, ExchangeError, HttpClient.HttpClient | RateLimiter | Scope.Scope> =>
  makeUnmanaged(options).pipe(
    Lifecycle.scoped({ name: options.name ?? `rest:${options.venue.name}`, stopBudget: options.stopBudget ?? "1 second" })
  )

const makeUnmanaged = Effect.fnUntraced(function*(options: Options) {
  const venue = options.venue
  const limiter: RateLimiterShape = yield* RateLimiter
  const given = yield* Effect.serviceOption(Transport)
  // Straight through undici when a `Transport` is given (`Transport.layerNode`), else the `HttpClient`.
  const transport: TransportShape = Option.isSome(given) ? given.value : fromHttpClient(yield* HttpClient.HttpClient)
  const defaultTimeoutMs = Duration.toMillis(Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(10)))
  const retrySchedule = Schedule.max([
    Schedule.jittered(Schedule.exponential(Duration.fromInputUnsafe(options.retryBase ?? Duration.millis(200)))),
    Schedule.recurs(options.retries ?? 3)
  ])
  const quotaWait = Duration.fromInputUnsafe(options.quotaWait ?? Duration.seconds(30))
  /** `RateLimited` until the keys' pause ends (or, not paused, for one more `quotaWait`). */
  const quotaExhausted = (keys: ReadonlyArray<string>) =>
    Effect.flatMap(limiter.stats, (stats) => {
      let pausedMs = 0
      for (const key of stats.keys) if (keys.includes(key.key)) pausedMs = Math.max(pausedMs, key.pausedForMs)
      const reason = new RateLimited({ retryAfter: pausedMs > 0 ? Duration.millis(pausedMs) : quotaWait, by: "limiter" })
      waitedOut.add(reason)
      return Effect.fail(reason)
    })
  /** Reasons from a quota wait that ran out: already waited for, so not retried on their own. */
  const waitedOut = new WeakSet<object>()
  const isRetryableOnItsOwn = (error: ExchangeError): boolean => {
    const tag = error.reason._tag
    return tag === "Unavailable" || tag === "Transport" || (tag === "RateLimited" && !waitedOut.has(error.reason))
  }
  /** Venue time minus local time (ms); `undefined` until measured. */
  let offset: number | undefined = undefined
  let closed = false
  yield* Effect.addFinalizer(() => Effect.sync(() => void (closed = true)))

  /** A limiter failure: `Closed` / `Transport`, or a defect for the caller's bug. */
  const limiterFailure = (error: RateLimitError) => {
    const reason = limiterReason(error)
    return reason === undefined ? Effect.die(new QuotaMisconfigured(error.message)) : Effect.fail(reason)
  }

  const fail = (operation: string, reason: ExchangeErrorReason) => new ExchangeError({ venue: venue.name, operation, reason })

  /** Scheme, host and port of the base URL, and its own path (`undefined`: not a URL). */
  const base = baseParts(venue.baseUrl)
  const basePath = base?.path ?? ""
  const inSeconds = venue.timestampUnit === "seconds"
  const invalidBase = new InvalidConfig({ variable: "base URL", detail: "not a valid URL" })

  /**
   * Takes every quota of `cost` in order: at once while each has room (a plain call, no deadline
   * to keep), else from the first that has none by waiting, at most `quotaWait` each.
   */
  const takeQuota = (cost: ReadonlyArray<TakeOptions>): Effect.Effect<void, ExchangeErrorReason> =>
    Effect.clockWith((clock) => {
      for (let i = 0; i < cost.length; i++) {
        const granted = limiter.tryTakeUnsafe(cost[i]!, clock)
        if (granted === true) continue
        if (granted !== false) return limiterFailure(granted)
        return waitForQuota(cost, i)
      }
      return Effect.void
    })

  /** The quotas of `cost` from `from` on, the first of which has no room now; the wait is timed. */
  const waitForQuota = (cost: ReadonlyArray<TakeOptions>, from: number) =>
    Effect.gen(function*() {
      const waitedFrom = performance.now()
      for (let i = from; i < cost.length; i++) {
        const entry = cost[i]!
        if (i > from && (yield* Effect.catch(limiter.tryTake(entry), limiterFailure))) continue
        yield* limiter.take(entry).pipe(
          Effect.catch(limiterFailure),
          // A venue's ban can last days: past `quotaWait` the caller is told, rather than left waiting.
          Effect.timeoutOrElse({ duration: quotaWait, orElse: () => quotaExhausted(entry.keys) })
        )
      }
      yield* Effect.annotateCurrentSpan("rest.quota_wait_ms", Math.round((performance.now() - waitedFrom) * 10) / 10)
    })

  /** One attempt: take the quota, sign, send, read, classify. */
  const attempt = <A>(
    request: Request<A>,
    operation: string,
    query: string,
    body: string | undefined,
    timeoutMs: number,
    safe: boolean
  ) =>
    Effect.gen(function*() {
      if (closed) return yield* Effect.fail(new Closed({ what: `${venue.name} REST client` }))
      yield* takeQuota(request.cost)
      if (base === undefined) return yield* Effect.fail(invalidBase)
      let sent = query
      let headers: Readonly<Record<string, string>> = acceptJson
      if (request.signed === true) {
        const now = yield* venueNow
        const signed = yield* venue.sign({
          method: request.method,
          path: basePath + request.path,
          query,
          body: body ?? "",
          timestamp: inSeconds ? Math.floor(now / 1000) : now
        })
        sent = signed.query
        headers = { ...acceptJson, ...signed.headers }
      }
      if (body !== undefined && headers["content-type"] === undefined) headers = { ...headers, ...jsonBody }
      // The query goes on the request line byte for byte as signed (no re-encoding).
      const path = requestPath(base, request.path)
      const answer = yield* transport.send({
        method: request.method,
        origin: base.origin,
        path: sent.length > 0 ? `${path}?${sent}` : path,
        headers,
        body,
        safe,
        timeoutMs
      })
      yield* Effect.annotateCurrentSpan("http.response.status_code", answer.status)
      if (answer.status === 429 || answer.status === 418) {
        yield* limiter.onResponse({
          keys: request.cost.flatMap((cost) => cost.keys),
          status: answer.status,
          retryAfter: answer.headers["retry-after"]
        }).pipe(Effect.ignore)
      }
      if (answer.status >= 200 && answer.status < 300) {
        if (request.parse !== undefined) {
          const fast = parseFast(request.parse, answer.body)
          if (fast !== undefined) return fast
        }
        const decoded = yield* Effect.result(decodeAnswer(request.response, answer.body, operation))
        if (decoded._tag === "Success") return decoded.success
        if (venue.isErrorBody?.(answer.body) !== true) return yield* Effect.fail(decoded.failure)
      }
      return yield* Effect.clockWith((clock) =>
        Effect.fail(answerReason(answer, clock.currentTimeMillisUnsafe(), () =>
          venue.errorReason({
            status: answer.status,
            body: answer.body,
            path: basePath + request.path,
            params: request.params ?? {},
            requestBody: request.body
          })))
      )
    }).pipe(Effect.mapError((reason) => fail(operation, reason)))

  /** The venue time now, measuring the offset first if it never was. */
  const venueNow: Effect.Effect<number, ExchangeErrorReason> = Effect.clockWith((clock) =>
    offset !== undefined
      ? Effect.succeed(Math.round(clock.currentTimeMillisUnsafe() + offset))
      : Effect.map(
        Effect.mapError(remeasure(0), (error) => error.reason),
        () => Math.round(clock.currentTimeMillisUnsafe() + (offset ?? 0))
      )
  )

  /** Successful measurements so far; a caller that saw generation `n` measures only if still `n`. */
  let generation = 0
  const measuring = yield* Semaphore.make(1)
  /**
   * Measures again unless another caller did since generation `seen`: a burst of refused
   * timestamps costs one `serverTime` request, not one each.
   */
  const remeasure = (seen: number): Effect.Effect<void, ExchangeError> =>
    measuring.withPermits(1)(Effect.suspend(() => (generation !== seen ? Effect.void : Effect.asVoid(measure))))

  /**
   * GET the venue's time; offset = venue time - local time at the middle of the round trip.
   * `once`: a single attempt (at start, so that a venue that does not answer cannot hold up
   * startup through every retry).
   */
  const measureWith = (once: boolean): Effect.Effect<number, ExchangeError> => Effect.gen(function*() {
    const sentAt = yield* Clock.currentTimeMillis
    const sentMono = yield* Clock.monotonicTimeNanos
    const serverTime = yield* (once ? send({ ...venue.serverTime, safe: false }) : send(venue.serverTime))
    const rtt = Number((yield* Clock.monotonicTimeNanos) - sentMono) / 1e6
    const measured = serverTime - (sentAt + rtt / 2)
    offset = measured
    generation++
    yield* Effect.logDebug("server time offset measured").pipe(
      Effect.annotateLogs({ component: `rest:${venue.name}`, offset_ms: Math.round(measured), rtt_ms: Math.round(rtt) })
    )
    return measured
  }).pipe(Effect.withSpan("RestClient.syncTime"))
  const measure = measureWith(false)

  const send = <A>(request: Request<A>): Effect.Effect<A, ExchangeError> =>
    Effect.suspend((): Effect.Effect<A, ExchangeError> => {
      const operation = `${request.method} ${request.path}`
      const query = encodeParams(request.params)
      const body = requestBody(request.body)
      const timeoutMs = request.timeout === undefined ? defaultTimeoutMs : Duration.toMillis(Duration.fromInputUnsafe(request.timeout))
      const safe = request.safe ?? request.method === "GET"
      let attempts = 0
      // One span per attempt (quota wait, signing, the HTTP exchange), under `RestClient.request`.
      const once = Effect.suspend(() => {
        attempts++
        return Effect.withSpan(attempt(request, operation, query, body, timeoutMs, safe), "RestClient.attempt", {
          // The quota wait is 0 unless the limiter made the attempt wait (then `takeQuota` sets it).
          attributes: { "rest.attempt": attempts, "rest.quota_wait_ms": 0 },
          captureStackTrace: false
        })
      })
      // A refused timestamp: the venue did nothing. Measure the offset again and resend, once.
      const timed = request.signed === true
        ? Effect.suspend(() => {
          const seen = generation
          return Effect.catchIf(
            once,
            (error) => error.reason._tag === "TimestampOutsideWindow",
            (error) =>
              Effect.logWarning("timestamp outside the venue's window; measuring the server time again").pipe(
                Effect.annotateLogs({ component: `rest:${venue.name}`, operation }),
                Effect.andThen(Effect.catch(remeasure(seen), () => Effect.fail(error))),
                Effect.andThen(once)
              )
          )
        })
        : once
      const retried = safe ? Effect.retry(timed, { schedule: retrySchedule, while: isRetryableOnItsOwn }) : timed
      return Effect.onExit(retried, (exit) =>
        Exit.isSuccess(exit)
          ? Effect.annotateCurrentSpan("rest.attempts", attempts)
          : Effect.annotateCurrentSpan({
            "rest.attempts": attempts,
            ...(exit.cause.reasons[0]?._tag === "Fail" ? { "rest.error": exit.cause.reasons[0].error.reason._tag } : {})
          }))
    })

  // The `RestClient.request` span with its attributes from the start, as `Effect.withSpan` without a
  // call-site stack trace: `Effect.fn` captures an `Error` on every call (about a tenth of this
  // client's own CPU per request when profiled, issue 18); the caller's span (`MexcRest.newOrder`,
  // ...) names the call site.
  const request = <A>(request: Request<A>): Effect.Effect<A, ExchangeError> =>
    Effect.withSpan(send(request), "RestClient.request", {
      attributes: {
        "rest.venue": venue.name,
        "http.request.method": request.method,
        "url.path": request.path,
        "rest.signed": request.signed === true
      },
      captureStackTrace: false
    })

  // Measured at start. An answered failure (5xx, an error body) or a refused connection leaves it
  // to the first signed request; a venue that accepted the connection and said nothing for the
  // whole timeout fails the start (see `noAnswerAtStart`): every later request would wait as long.
  yield* measureWith(true).pipe(
    Effect.catch((error) =>
      error.reason._tag === "Unavailable" && error.reason.timeoutMs !== undefined
        ? Effect.fail(
          new ExchangeError({
            venue: venue.name,
            operation: "start-up",
            reason: new Unavailable({
              detail: `the venue at ${venue.baseUrl} did not answer within ${
                Duration.format(Duration.millis(error.reason.timeoutMs))
              } (${error.operation})`,
              timeoutMs: error.reason.timeoutMs
            })
          })
        )
        : Effect.logWarning("could not measure the server time at start; the first signed request will measure it").pipe(
          Effect.annotateLogs({ component: `rest:${venue.name}`, error: error.message })
        )
    )
  )

  return {
    venue: venue.name,
    request,
    serverTime: Effect.clockWith((clock) => Effect.succeed(Math.round(clock.currentTimeMillisUnsafe() + (offset ?? 0)))),
    offset: Effect.sync(() => offset ?? 0),
    syncTime: measure
  } satisfies RestClient
})

