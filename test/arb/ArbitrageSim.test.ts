/**
 * The strategy on two real simulators (MEXC's dialect over real HTTP and WebSocket on loopback,
 * different seeds), with the simulators' own faults: an order whose answer is lost (and not yet
 * visible to queries), a 429 between the legs. After each run, both simulators' engines are asked
 * for the demo account's open orders (none).
 *
 * A negative threshold makes every book update an attempt: the machinery runs whatever the market.
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Context, Effect, Exit, Layer, References, Result, Scope } from "effect"
import * as Arbitrage from "../../src/arb/Arbitrage.ts"
import { ArbVenues } from "../../src/arb/ArbVenues.ts"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { PrivateExchange } from "../../src/exchange/PrivateExchange.ts"
import { PublicExchange } from "../../src/exchange/PublicExchange.ts"
import { SimExchange } from "../../src/sim/index.ts"
import * as SimVenue from "../../src/sim/SimVenue.ts"

const d = Decimal.unsafeParse

const venue = (name: string, seed: number, scope: Scope.Scope) =>
  Effect.map(Layer.buildWithScope(SimVenue.layerSim({ name, sim: { seed } }), scope), (context) => ({
    arb: { name, public: Context.get(context, PublicExchange), private: Context.get(context, PrivateExchange) },
    sim: Context.get(context, SimExchange.SimExchange)
  }))

const openOrders = (sim: SimExchange.SimExchangeShape) => {
  const open = sim.engine.openOrders(sim.credentials.apiKey, "HIFIUSDT")
  return Result.isSuccess(open) ? open.success.length : -1
}

/** Two simulators and the strategy above them, in a scope the test closes. */
const setup = (options: Partial<Arbitrage.ArbitrageOptions> = {}) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const left = yield* venue("left", 5, scope)
    const right = yield* venue("right", 6, scope)
    const context = yield* Layer.buildWithScope(
      Arbitrage.layer({ base: "HIFI", quote: "USDT", size: d("20"), minProfitBps: -1000, cooldown: 0, maxLoss: d("1000"), ...options }),
      scope
    ).pipe(Effect.provideService(ArbVenues, ArbVenues.of({ venues: [left.arb, right.arb] })))
    return { left, right, arb: Context.get(context, Arbitrage.Arbitrage), close: Scope.close(scope, Exit.void) }
  })

describe("Arbitrage on two simulators", () => {
  it.live("a leg whose answer is lost (and not yet visible) is resolved by its client order id: no second order, no imbalance", () =>
    Effect.gen(function*() {
      const m = yield* setup()
      yield* m.left.sim.faults.loseAnswers(1)
      yield* m.left.sim.faults.notYetVisible(300)
      const summary = yield* m.arb.run({ maxAttempts: 3 })
      assert.strictEqual(summary.attempts, 3)
      assert.strictEqual(summary.unwindFailed, 0)
      assert.isTrue(BigDecimal.isZero(summary.position), Decimal.format(summary.position))
      const stats = yield* m.left.arb.private.stats
      assert.isAtLeast(stats.unknownOutcomesResolved, 1)
      // One order per leg sent: the lost one was never placed twice.
      const attempts = yield* m.arb.attempts
      const legs = attempts.flatMap((a) => [...a.legs, ...a.unwinds]).filter((l) => l.venue === "left")
      assert.strictEqual(stats.ordersPlaced, legs.length)
      yield* m.close
      const report = (yield* m.arb.stopReport)!
      assert.deepStrictEqual(report.venues.map((v) => [v.venue, v.openOrders, v.confirmed]), [["left", 0, true], ["right", 0, true]])
    }).pipe(Effect.provideService(References.MinimumLogLevel, "None")), 60_000)

  it.live("a 429 between the legs: the filled leg is flattened, and nothing is left open on either simulator", () =>
    Effect.gen(function*() {
      const m = yield* setup({ max429: 100 })
      // Once the books are synced (after a first attempt), the next REST call on the right is a leg.
      const summary = yield* m.arb.run({
        maxAttempts: 2,
        onAttempt: (a) => a.attempt === 1 ? m.right.sim.faults.failNextRest(1, { status: 429, retryAfterSeconds: 1 }) : Effect.void
      })
      const attempts = yield* m.arb.attempts
      const refused = attempts.flatMap((a) => a.legs).filter((l) => l.outcome === "rejected")
      assert.isAtLeast(refused.length, 1, JSON.stringify(attempts.map((a) => a.legs.map((l) => l.outcome))))
      for (const a of attempts.filter((a) => a.oneLegged)) assert.include(["unwound", "dust"], a.outcome)
      assert.isTrue(BigDecimal.isLessThanOrEqualTo(BigDecimal.abs(summary.position), d("40")))
      assert.strictEqual(openOrders(m.left.sim), 0)
      assert.strictEqual(openOrders(m.right.sim), 0)
      yield* m.close
      const report = (yield* m.arb.stopReport)!
      assert.deepStrictEqual(report.venues.map((v) => [v.openOrders, v.confirmed]), [[0, true], [0, true]])
    }).pipe(Effect.provideService(References.MinimumLogLevel, "None")), 60_000)
})
