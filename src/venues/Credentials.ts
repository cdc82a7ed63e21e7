/**
 * API credentials of a venue, read from `Config` and checked without ever being shown: both parts
 * stay `Redacted` from the environment to the signature.
 *
 * @since 0.1.0
 */
import { Config, Effect, Option, Redacted } from "effect"
import { ExchangeError, InvalidConfig } from "../exchange/ExchangeError.ts"

/** An API key and its secret, both `Redacted` from `Config` to the HMAC. */
export interface Credentials {
  readonly apiKey: Redacted.Redacted<string>
  readonly apiSecret: Redacted.Redacted<string>
}

/** The `Config` variables a venue reads its credentials from, e.g. `MEXC_API_KEY` / `MEXC_API_SECRET`. */
export interface Variables {
  readonly venue: string
  readonly apiKey: string
  readonly apiSecret: string
}

const configError = (venue: string, variable: string, detail: string) =>
  new ExchangeError({ venue, operation: "configuration", reason: new InvalidConfig({ variable, detail }) })

/**
 * Checks a credential without ever showing it: non-empty, printable ASCII, no whitespace (a
 * pasted key with a trailing newline or a quote is the usual mistake).
 */
const check = (
  venue: string,
  variable: string,
  value: Redacted.Redacted<string>
): Effect.Effect<Redacted.Redacted<string>, ExchangeError> => {
  const text = Redacted.value(value)
  if (text.length === 0) return Effect.fail(configError(venue, variable, "is empty"))
  if (!/^[\x21-\x7e]+$/.test(text)) {
    return Effect.fail(
      configError(venue, variable, "is malformed: it must be printable ASCII without spaces, quotes or newlines")
    )
  }
  if (/["']/.test(text)) return Effect.fail(configError(venue, variable, "is malformed: it contains a quote"))
  return Effect.succeed(value)
}

const read = (venue: string, variable: string, required: boolean) =>
  Config.option(Config.Redacted(variable)).pipe(
    Effect.mapError(() => configError(venue, variable, "could not be read")),
    Effect.flatMap((value) =>
      Option.isNone(value)
        ? required ? Effect.fail(configError(venue, variable, "is not set")) : Effect.succeed(undefined)
        : check(venue, variable, value.value)
    )
  )

/**
 * Both credentials from `Config`, checked: `InvalidConfig` naming the variable when one is missing
 * or malformed; the value is never printed.
 */
export const fromConfig = (variables: Variables): Effect.Effect<Credentials, ExchangeError> =>
  Effect.gen(function*() {
    const apiKey = (yield* read(variables.venue, variables.apiKey, true))!
    const apiSecret = (yield* read(variables.venue, variables.apiSecret, true))!
    return { apiKey, apiSecret }
  })

/**
 * Credentials from `Config` when both are set, else `fallback`; one set without the other is an
 * `InvalidConfig` naming the missing one.
 */
export const fromConfigOr = (variables: Variables, fallback: Credentials): Effect.Effect<Credentials, ExchangeError> =>
  Effect.gen(function*() {
    const apiKey = yield* read(variables.venue, variables.apiKey, false)
    const apiSecret = yield* read(variables.venue, variables.apiSecret, false)
    if (apiKey === undefined && apiSecret === undefined) return fallback
    if (apiKey === undefined) {
      return yield* configError(variables.venue, variables.apiKey, `is not set (${variables.apiSecret} is)`)
    }
    if (apiSecret === undefined) {
      return yield* configError(variables.venue, variables.apiSecret, `is not set (${variables.apiKey} is)`)
    }
    return { apiKey, apiSecret }
  })
