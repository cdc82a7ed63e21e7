/**
 * Two in-memory venues (`alpha`, `beta`) listing HIFIUSDT with the arbitrage strategy above them,
 * built in a scope the test closes itself (to read the stop report afterwards).
 */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import * as Arbitrage from "../../src/arb/Arbitrage.ts"
import type { ArbitrageError } from "../../src/arb/ArbitrageError.ts"
import { ArbVenues } from "../../src/arb/ArbVenues.ts"
import * as Decimal from "../../src/exchange/Decimal.ts"
import type { Instrument } from "../../src/exchange/Model.ts"
import { Lifecycle } from "../../src/lifecycle/index.ts"
import * as MM from "../../src/mm/InMemoryExchange.ts"
import * as instruments from "../support/instruments.ts"

export const d = Decimal.unsafeParse

/** HIFIUSDT with a 0.1% taker fee. */
export const hifi = (fields: Parameters<typeof instruments.hifi>[0] = {}): Instrument =>
  instruments.hifi({ takerFeeRate: d("0.001"), ...fields })

export type Levels = ReadonlyArray<MM.LevelText>

/** A quiet pair: no edge either way. */
export const flat = { bids: [["0.5999", "1000"]], asks: [["0.6", "1000"]] } as const
/** Cheap to buy: ask 0.6 (depth `depth`), deeper asks at 0.61; deep bids at 0.599. */
export const cheap = (depth = "100") => ({ bids: [["0.599", "1000"]] as Levels, asks: [["0.6", depth], ["0.61", "1000"]] as Levels })
/** Dear to sell to: bid 0.61 (depth `depth`), then 0.5; deep asks at 0.611. */
export const dear = (depth = "100") => ({ bids: [["0.61", depth], ["0.5", "1000"]] as Levels, asks: [["0.611", "1000"]] as Levels })

export interface Market {
  readonly alpha: MM.InMemoryExchangeShape
  readonly beta: MM.InMemoryExchangeShape
  readonly arb: Arbitrage.ArbitrageShape
  readonly scope: Scope.Closeable
  /** Lifecycle events seen (`component:phase`). */
  readonly lifecycle: Array<string>
  /** Closes the scope: the strategy's shutdown, then both venues. */
  readonly close: Effect.Effect<void>
}

export interface MarketOptions {
  readonly alpha?: Partial<MM.InMemoryExchangeOptions> | undefined
  readonly beta?: Partial<MM.InMemoryExchangeOptions> | undefined
  readonly arb?: Partial<Arbitrage.ArbitrageOptions> | undefined
}

const venueOptions = (venue: string, extra: Partial<MM.InMemoryExchangeOptions> = {}): MM.InMemoryExchangeOptions => ({
  venue,
  instruments: [hifi()],
  balances: { USDT: "1000", HIFI: "1000" },
  enforceBalances: true,
  ...extra
})

/** Builds both venues (quiet books) and the strategy (size 10, no cooldown). */
export const market = (options: MarketOptions = {}): Effect.Effect<Market, ArbitrageError> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const lifecycle: Array<string> = []
    const build = Effect.gen(function*() {
      const alpha = yield* MM.make(venueOptions("alpha", options.alpha))
      const beta = yield* MM.make(venueOptions("beta", options.beta))
      yield* alpha.controls.setBook("HIFIUSDT", flat)
      yield* beta.controls.setBook("HIFIUSDT", flat)
      const venues = ArbVenues.of({
        venues: [
          { public: alpha.publicExchange, private: alpha.privateExchange },
          { public: beta.publicExchange, private: beta.privateExchange }
        ]
      })
      const context = yield* Layer.buildWithScope(
        Arbitrage.layer({ base: "HIFI", quote: "USDT", size: d("10"), cooldown: 0, ...options.arb }),
        scope
      ).pipe(Effect.provideService(ArbVenues, venues))
      return { alpha: alpha.controls, beta: beta.controls, arb: Context.get(context, Arbitrage.Arbitrage) }
    }).pipe(
      Scope.provide(scope),
      Effect.provideService(Lifecycle.LifecycleObserver, (e) => void lifecycle.push(`${e.component}:${e.phase}`))
    )
    const built = yield* Effect.onError(build, () => Scope.close(scope, Exit.void))
    return { ...built, scope, lifecycle, close: Scope.close(scope, Exit.void) }
  })

/** Polls `condition` (every 2 ms, real time) until it holds; dies after 10 s naming `what`. */
export const eventually = (what: string, condition: Effect.Effect<boolean>): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let i = 0; i < 5000; i++) {
      if (yield* condition) return
      yield* Effect.sleep("2 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })
