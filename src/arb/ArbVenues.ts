/**
 * The two venues an arbitrage trades on, each as the pair of services every venue serves
 * (`PublicExchange`, `PrivateExchange`). Each venue is its own subgraph (limiter, REST,
 * connections, hubs), built in this layer's scope one after the other and released in reverse,
 * after the strategy above them (the layer graph is the shutdown order).
 *
 * ```ts
 * const venues = ArbVenues.layer(mexcLayer, gateLayer) // each a Layer<PublicExchange | PrivateExchange>
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { PrivateExchange, type PrivateExchangeShape } from "../exchange/PrivateExchange.ts"
import { PublicExchange, type PublicExchangeShape } from "../exchange/PublicExchange.ts"

/** One venue: its market data and its account. */
export interface ArbVenue {
  /** The venue's name in reports; default: the public exchange's `venue`. */
  readonly name?: string | undefined
  readonly public: PublicExchangeShape
  readonly private: PrivateExchangeShape
}

export interface ArbVenuesShape {
  readonly venues: readonly [ArbVenue, ArbVenue]
}

/** The two venues of an arbitrage. */
export class ArbVenues extends Context.Service<ArbVenues, ArbVenuesShape>()("scoped-exchange/arb/ArbVenues") {}

/** Two venues from two venue layers, built in order (`a` first, released last). */
export const layer = <E1, R1, E2, R2>(
  a: Layer.Layer<PublicExchange | PrivateExchange, E1, R1>,
  b: Layer.Layer<PublicExchange | PrivateExchange, E2, R2>
): Layer.Layer<ArbVenues, E1 | E2, R1 | R2> =>
  Layer.effect(
    ArbVenues,
    Effect.gen(function*() {
      const scope = yield* Effect.scope
      const first = yield* Layer.buildWithScope(a, scope)
      const second = yield* Layer.buildWithScope(b, scope)
      const venue = (context: Context.Context<PublicExchange | PrivateExchange>): ArbVenue => ({
        public: Context.get(context, PublicExchange),
        private: Context.get(context, PrivateExchange)
      })
      return ArbVenues.of({ venues: [venue(first), venue(second)] })
    })
  )
