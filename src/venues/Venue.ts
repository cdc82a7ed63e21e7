/**
 * One function from a venue config to ready layers: the `PublicExchange` and the
 * `PrivateExchange` of that venue, sharing one rate limiter and one REST client (MEXC counts
 * quotas per account and IP, whichever side spends them).
 *
 * ```ts
 * // MEXC, credentials from MEXC_API_KEY / MEXC_API_SECRET:
 * const live = Venue.layer({ _tag: "mexc" })
 * // the embedded simulator, with its faults at hand (tests):
 * const sim = Venue.layerSim({ sim: { seed: 7 } })
 * // a standalone simulator (`npm run sim`), or MEXC through a proxy: every URL can be overridden
 * const standalone = Venue.layer({ _tag: "sim", restUrl: "http://127.0.0.1:8080", wsUrl: "ws://127.0.0.1:8080/ws" })
 * ```
 *
 * Configuration errors are found at start: a missing or malformed credential fails the layer with
 * `InvalidConfig` naming the variable, never its value. Credentials stay `Redacted` from `Config`
 * to the HMAC.
 *
 * The graph, and so the release order: the simulator (when embedded) and the WebSocket
 * constructor first, then the rate limiter, the REST client, the public exchange, and the private
 * exchange last: on close the private exchange goes first (its open orders canceled and
 * confirmed, its connection closed, its listen key deleted while REST is up), then the public
 * exchange, then REST and the rate limiter.
 *
 * @since 0.1.0
 */
import { Config, Effect, Layer, Option, Redacted, Schema } from "effect"
import { ExchangeError, InvalidConfig, Transport } from "../exchange/ExchangeError.ts"
import type { PrivateExchange } from "../exchange/PrivateExchange.ts"
import type { PublicExchange } from "../exchange/PublicExchange.ts"
import { SimExchange } from "../sim/index.ts"
import type { SimOptions } from "../sim/SimExchange.ts"
import * as NodeWebSocket from "../socket/NodeWebSocket.ts"
import * as MexcPrivate from "./mexc/MexcPrivate.ts"
import * as MexcPublic from "./mexc/MexcPublic.ts"
import * as MexcRest from "./mexc/MexcRest.ts"
import * as Quotas from "./mexc/Quotas.ts"

/**
 * MEXC Spot v3. Production URLs unless overridden (a proxy): `restUrl` (default
 * `https://api.mexc.com`), `wsUrl` (market data and, unless `privateWsUrl` is set, the user-data
 * stream; default `wss://wbs-api.mexc.com/ws`). Credentials: `MEXC_API_KEY`, `MEXC_API_SECRET`.
 */
export const MexcVenue = Schema.TaggedStruct("mexc", {
  restUrl: Schema.optional(Schema.String),
  wsUrl: Schema.optional(Schema.String),
  privateWsUrl: Schema.optional(Schema.String)
})
export type MexcVenue = typeof MexcVenue.Type

/**
 * The simulator. Without `restUrl` it is embedded (started and stopped with the layer, on a free
 * port; `seed` picks its market). With `restUrl` (and `wsUrl`) it is a standalone one
 * (`npm run sim`): credentials from `MEXC_API_KEY` / `MEXC_API_SECRET` when set, else the demo
 * account's.
 */
export const SimVenue = Schema.TaggedStruct("sim", {
  restUrl: Schema.optional(Schema.String),
  wsUrl: Schema.optional(Schema.String),
  privateWsUrl: Schema.optional(Schema.String),
  seed: Schema.optional(Schema.Number)
})
export type SimVenue = typeof SimVenue.Type

/** A venue to connect to. */
export const VenueConfig = Schema.Union([MexcVenue, SimVenue])
export type VenueConfig = typeof VenueConfig.Type

/** Settings of the parts, for tuning (all optional). */
export interface LayerOptions {
  readonly public?: MexcPublic.Options | undefined
  readonly private?: MexcPrivate.Options | undefined
  readonly rest?: Omit<MexcRest.Options, "baseUrl" | "credentials"> | undefined
}

/** The simulator's demo account (`npm run sim` prints it). */
export const simDemoCredentials: MexcRest.Credentials = {
  apiKey: Redacted.make("sim-key"),
  apiSecret: Redacted.make("sim-secret")
}

const configError = (variable: string, detail: string) =>
  new ExchangeError({ venue: "mexc", operation: "configuration", reason: new InvalidConfig({ variable, detail }) })

/**
 * Checks a credential without ever showing it: non-empty, printable ASCII, no whitespace (a
 * pasted key with a trailing newline or a quote is the usual mistake).
 */
const checkCredential = (variable: string, value: Redacted.Redacted<string>): Effect.Effect<Redacted.Redacted<string>, ExchangeError> => {
  const text = Redacted.value(value)
  if (text.length === 0) return Effect.fail(configError(variable, "is empty"))
  if (!/^[\x21-\x7e]+$/.test(text)) {
    return Effect.fail(configError(variable, "is malformed: it must be printable ASCII without spaces, quotes or newlines"))
  }
  if (/["']/.test(text)) return Effect.fail(configError(variable, "is malformed: it contains a quote"))
  return Effect.succeed(value)
}

const readCredential = (variable: string, required: boolean) =>
  Config.option(Config.Redacted(variable)).pipe(
    Effect.mapError(() => configError(variable, "could not be read")),
    Effect.flatMap((value) =>
      Option.isNone(value)
        ? required ? Effect.fail(configError(variable, "is not set")) : Effect.succeed(undefined)
        : Effect.map(checkCredential(variable, value.value), (checked) => checked)
    )
  )

/**
 * MEXC credentials from `Config` (`MEXC_API_KEY`, `MEXC_API_SECRET`), checked: `InvalidConfig`
 * naming the variable when one is missing or malformed; the value is never printed.
 */
export const credentialsFromConfig: Effect.Effect<MexcRest.Credentials, ExchangeError> = Effect.gen(function*() {
  const apiKey = (yield* readCredential("MEXC_API_KEY", true))!
  const apiSecret = (yield* readCredential("MEXC_API_SECRET", true))!
  return { apiKey, apiSecret }
})

/** Credentials from `Config` when both are set, else `fallback`; one set without the other is an error. */
const credentialsOr = (fallback: MexcRest.Credentials): Effect.Effect<MexcRest.Credentials, ExchangeError> =>
  Effect.gen(function*() {
    const apiKey = yield* readCredential("MEXC_API_KEY", false)
    const apiSecret = yield* readCredential("MEXC_API_SECRET", false)
    if (apiKey === undefined && apiSecret === undefined) return fallback
    if (apiKey === undefined) return yield* configError("MEXC_API_KEY", "is not set (MEXC_API_SECRET is)")
    if (apiSecret === undefined) return yield* configError("MEXC_API_SECRET", "is not set (MEXC_API_KEY is)")
    return { apiKey, apiSecret }
  })

interface Endpoints {
  readonly venue: string
  readonly restUrl: string
  readonly wsUrl: string
  readonly privateWsUrl: string
  readonly credentials: MexcRest.Credentials
}

/**
 * The two exchanges on explicit endpoints: one rate limiter and one REST client shared, the
 * public exchange built before the private one (so released after it).
 */
export const layerEndpoints = (
  endpoints: Endpoints,
  options: LayerOptions = {}
): Layer.Layer<PublicExchange | PrivateExchange, ExchangeError> => {
  const rest = MexcRest.layerNode({ ...options.rest, baseUrl: endpoints.restUrl, credentials: endpoints.credentials }).pipe(
    Layer.provideMerge(Quotas.layer)
  )
  const publicLayer = MexcPublic.layer({ venue: endpoints.venue, ...options.public, url: endpoints.wsUrl })
  const privateLayer = MexcPrivate.layer({ venue: endpoints.venue, ...options.private, wsUrl: endpoints.privateWsUrl })
  return privateLayer.pipe(
    Layer.provideMerge(publicLayer),
    Layer.provide(rest),
    Layer.provide(NodeWebSocket.layerConstructor())
  )
}

/** The venue's `PublicExchange` and `PrivateExchange` layers from its config. */
export const layer = (
  config: VenueConfig,
  options: LayerOptions = {}
): Layer.Layer<PublicExchange | PrivateExchange, ExchangeError> => {
  if (config._tag === "sim" && config.restUrl === undefined) {
    return Layer.fresh(layerSim({ sim: config.seed === undefined ? {} : { seed: config.seed }, ...options }))
  }
  return Layer.unwrap(Effect.gen(function*() {
    const credentials = config._tag === "mexc" ? yield* credentialsFromConfig : yield* credentialsOr(simDemoCredentials)
    const restUrl = config.restUrl ?? MexcRest.productionUrl
    const wsUrl = config.wsUrl ?? (config._tag === "sim" ? simWsUrl(restUrl) : MexcPublic.defaultUrl)
    return layerEndpoints({
      venue: config._tag,
      restUrl,
      wsUrl,
      privateWsUrl: config.privateWsUrl ?? wsUrl,
      credentials
    }, options)
  }))
}

/** A standalone simulator serves its WebSocket at `/ws` on the REST port. */
const simWsUrl = (restUrl: string): string => `${restUrl.replace(/^http/, "ws").replace(/\/+$/, "")}/ws`

/**
 * For tests: an embedded simulator (fresh, on a free port) and both exchanges wired to it, with
 * the `SimExchange` service at hand for its faults and its engine. Built simulator first, so it
 * is released last.
 *
 * ```ts
 * it.live("my strategy survives a dropped connection", () =>
 *   Effect.gen(function*() {
 *     const sim = yield* SimExchange.SimExchange
 *     const exchange = yield* PrivateExchange
 *     yield* sim.faults.dropConnections
 *     // ...
 *   }).pipe(Effect.provide(Venue.layerSim({ sim: { seed: 7 } }))))
 * ```
 */
export const layerSim = (
  options: LayerOptions & { readonly sim?: SimOptions | undefined } = {}
): Layer.Layer<PublicExchange | PrivateExchange | SimExchange.SimExchange, ExchangeError> =>
  Layer.unwrap(Effect.map(SimExchange.SimExchange, (sim) =>
    layerEndpoints({
      venue: "sim",
      restUrl: sim.restUrl,
      wsUrl: sim.wsUrl,
      privateWsUrl: sim.wsUrl,
      credentials: { apiKey: Redacted.make(sim.credentials.apiKey), apiSecret: sim.credentials.apiSecret }
    }, options)
  )).pipe(Layer.provideMerge(SimExchange.layer(options.sim).pipe(
    Layer.catch((cause) =>
      Layer.effect(SimExchange.SimExchange, Effect.fail(
        new ExchangeError({
          venue: "sim",
          operation: "start the simulator",
          reason: new Transport({ detail: cause instanceof Error ? cause.message : String(cause) })
        })
      ))
    )
  )))
