/**
 * Several venues in one program, reached by name: each its own subgraph (rate limiter, REST
 * client, connections, queues, hubs), built in the order given and released in reverse, every
 * venue after whatever sits above them (a strategy built on `Venues` finishes, unwinds and cancels
 * on every venue while every venue is still up).
 *
 * ```ts
 * const venues = Venues.layerConfig({ mexc: { _tag: "mexc" }, gate: { _tag: "gate" } }, registry)
 * Effect.gen(function*() {
 *   const mexc = yield* Venues.get("mexc")
 *   const book = mexc.public.orderBook("BTCUSDT")
 * })
 * ```
 *
 * Instruments are matched across venues by `Instrument.key` (base/quote), never by the venue's
 * spelling of the symbol.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option } from "effect"
import { ExchangeError, InvalidConfig } from "../exchange/ExchangeError.ts"
import { PrivateExchange } from "../exchange/PrivateExchange.ts"
import type { PrivateExchangeShape } from "../exchange/PrivateExchange.ts"
import { PublicExchange } from "../exchange/PublicExchange.ts"
import type { PublicExchangeShape } from "../exchange/PublicExchange.ts"
import * as Venue from "./Venue.ts"

/** One venue's exchanges. */
export interface VenueExchanges {
  /** The name the venue was registered under. */
  readonly name: string
  readonly public: PublicExchangeShape
  /** `undefined` for a venue built public-only. */
  readonly private: PrivateExchangeShape | undefined
}

export interface VenuesShape {
  /** The venues' names, in build order. */
  readonly names: ReadonlyArray<string>
  /** One venue's exchanges; `InvalidConfig` for a name that was not registered. */
  readonly get: (name: string) => Effect.Effect<VenueExchanges, ExchangeError>
}

/** The venues of a program, by name. */
export class Venues extends Context.Service<Venues, VenuesShape>()("scoped-exchange/venues/Venues") {}

/** One venue's exchanges (see {@link VenuesShape.get}). */
export const get = (name: string): Effect.Effect<VenueExchanges, ExchangeError, Venues> =>
  Effect.flatMap(Venues, (venues) => venues.get(name))

/** What builds one venue: both exchanges, or the public one alone. */
export type VenueLayer =
  | Layer.Layer<PublicExchange | PrivateExchange, ExchangeError>
  | Layer.Layer<PublicExchange, ExchangeError>

/**
 * The venues built from `layers`, each fresh (nothing shared between venues), in the record's
 * order; released in reverse. A venue that fails to build fails the layer (those built before it
 * are released).
 */
export const layer = (layers: Readonly<Record<string, VenueLayer>>): Layer.Layer<Venues, ExchangeError> =>
  Layer.effect(
    Venues,
    Effect.gen(function*() {
      const built = new Map<string, VenueExchanges>()
      for (const [name, venueLayer] of Object.entries(layers)) {
        const context = yield* Layer.build(Layer.fresh(venueLayer as Layer.Layer<PublicExchange, ExchangeError>))
        built.set(name, {
          name,
          public: Context.get(context, PublicExchange),
          private: Option.getOrUndefined(Context.getOption(context as Context.Context<never>, PrivateExchange))
        })
      }
      const names = [...built.keys()]
      return Venues.of({
        names,
        get: (name) => {
          const venue = built.get(name)
          return venue !== undefined ? Effect.succeed(venue) : Effect.fail(
            new ExchangeError({
              venue: name,
              operation: "Venues.get",
              reason: new InvalidConfig({ variable: "venue", detail: `no venue "${name}" in this program (have: ${names.join(", ")})` })
            })
          )
        }
      })
    })
  )

/**
 * The venues from their configs through the registry `Venue.layer` uses: each built under its
 * record key as instance name (`rest:<key>`, `ratelimit:<key>`, ...), both exchanges.
 */
export const layerConfig = (
  configs: Readonly<Record<string, Venue.VenueConfig>>,
  registry: Venue.Adapters = Venue.adapters,
  options: Omit<Venue.LayerOptions, "name"> = {}
): Layer.Layer<Venues, ExchangeError> =>
  layer(Object.fromEntries(
    Object.entries(configs).map(([name, config]) => [name, Venue.layer(config, { ...options, name }, registry)])
  ))
