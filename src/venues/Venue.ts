/**
 * The venue registry: one function from a venue config to ready layers, over a record of
 * adapters ({@link adapters}: `{ mexc, gate }`, and whatever a program adds: `{ ...Venue.adapters, acme }`,
 * or the simulator's `SimVenue.adapters`). Each adapter builds its `PublicExchange` and
 * `PrivateExchange` sharing one rate limiter and one REST client (see `Adapter.ts` for the order).
 *
 * ```ts
 * // MEXC, credentials from MEXC_API_KEY / MEXC_API_SECRET:
 * const live = Venue.layer({ _tag: "mexc" })
 * // MEXC through a proxy: every URL can be overridden
 * const proxied = Venue.layer({ _tag: "mexc", restUrl: "http://127.0.0.1:8080", wsUrl: "ws://127.0.0.1:8080/ws" })
 * // the simulator (tests, demos): see `SimVenue` in `src/sim/`
 * ```
 *
 * Configuration errors are found at start: a missing or malformed credential fails the layer with
 * `InvalidConfig` naming the variable, never its value; a venue the record does not hold fails
 * with `InvalidConfig` naming the known ones. Credentials stay `Redacted` from `Config` to the HMAC.
 *
 * @since 0.1.0
 */
import { Effect, Layer, Schema } from "effect"
import { ExchangeError, InvalidConfig } from "../exchange/ExchangeError.ts"
import type { PrivateExchange } from "../exchange/PrivateExchange.ts"
import type { PublicExchange } from "../exchange/PublicExchange.ts"
import type * as Adapter from "./Adapter.ts"
import type * as Credentials from "./Credentials.ts"
import * as GateVenue from "./gate/GateVenue.ts"
import * as MexcVenue from "./mexc/MexcVenue.ts"

/** A record of adapters by the name a config (and the CLI's `--venue`) uses. */
export type Adapters = Readonly<Record<string, Adapter.Adapter>>

/** The venues this library connects to. */
export const adapters = {
  mexc: MexcVenue.adapter,
  gate: GateVenue.adapter
} as const satisfies Adapters

/**
 * A venue to connect to: `_tag` names its adapter; the URLs override the venue's production ones
 * (a proxy, a standalone simulator); `seed` is for simulated venues only.
 */
export interface VenueConfig {
  readonly _tag: string
  readonly restUrl?: string | undefined
  readonly wsUrl?: string | undefined
  readonly privateWsUrl?: string | undefined
  readonly seed?: number | undefined
}

/** The schema of a {@link VenueConfig} whose `_tag` is one of `registry`'s names. */
export const configSchema = <const A extends Adapters>(registry: A) =>
  Schema.Struct({
    _tag: Schema.Literals(Object.keys(registry) as Array<Extract<keyof A, string>>),
    restUrl: Schema.optional(Schema.String),
    wsUrl: Schema.optional(Schema.String),
    privateWsUrl: Schema.optional(Schema.String),
    seed: Schema.optional(Schema.Number)
  })

/** A config of one of {@link adapters}. */
export const VenueConfig = configSchema(adapters)

/** Settings of the parts that do not depend on the venue. */
export interface LayerOptions {
  readonly connection?: Adapter.ConnectionSettings | undefined
  /** Name of the instance (see `Adapter.Settings.name`); for several venues of one kind in a program. */
  readonly name?: string | undefined
  /** Credentials instead of the venue's `Config` variables. */
  readonly credentials?: Credentials.Credentials | undefined
  /** The venue's dead-man switch (see `Adapter.Settings.deadManSwitch`). Default: off. */
  readonly deadManSwitch?: Adapter.DeadManSwitchSettings | undefined
}

const adapterFor = (config: VenueConfig, registry: Adapters): Adapter.Adapter | ExchangeError => {
  const adapter = Object.hasOwn(registry, config._tag) ? registry[config._tag] : undefined
  if (adapter !== undefined) return adapter
  return new ExchangeError({
    venue: config._tag,
    operation: "configuration",
    reason: new InvalidConfig({ variable: "venue", detail: `unknown venue "${config._tag}" (known: ${Object.keys(registry).join(", ")})` })
  })
}

/** A layer that fails to build with `error`. */
const failed = <A>(error: ExchangeError): Layer.Layer<A, ExchangeError> =>
  Layer.unwrap(Effect.fail(error) as Effect.Effect<Layer.Layer<A>, ExchangeError>)

const settings = (config: VenueConfig, options: LayerOptions): Adapter.Settings => ({
  restUrl: config.restUrl,
  wsUrl: config.wsUrl,
  privateWsUrl: config.privateWsUrl,
  seed: config.seed,
  name: options.name,
  connection: options.connection,
  credentials: options.credentials,
  deadManSwitch: options.deadManSwitch
})

/** The venue's `PublicExchange` and `PrivateExchange` layers from its config. */
export const layer = (
  config: VenueConfig,
  options: LayerOptions = {},
  registry: Adapters = adapters
): Layer.Layer<PublicExchange | PrivateExchange, ExchangeError> => {
  const adapter = adapterFor(config, registry)
  return adapter instanceof ExchangeError ? failed(adapter) : adapter.exchanges(settings(config, options))
}

/** The venue's `PublicExchange` alone (no credentials needed). */
export const layerPublic = (
  config: VenueConfig,
  options: LayerOptions = {},
  registry: Adapters = adapters
): Layer.Layer<PublicExchange, ExchangeError> => {
  const adapter = adapterFor(config, registry)
  return adapter instanceof ExchangeError ? failed(adapter) : adapter.publicExchange(settings(config, options))
}

/**
 * MEXC credentials from `Config` (`MEXC_API_KEY`, `MEXC_API_SECRET`), checked: `InvalidConfig`
 * naming the variable when one is missing or malformed; the value is never printed.
 */
export const credentialsFromConfig = MexcVenue.adapter.credentials
