/**
 * 200 attempts on two in-memory venues under seeded faults: refusals (429, post-only, balance),
 * answers lost (some not yet visible to queries), partial fills (depth taken between detection
 * and the leg). The run must end with the position within the declared imbalance limit, every
 * one-legged attempt unwound (or left as dust below every venue's minimum), and nothing open.
 *
 * `ARB_FAULT_REPORT=1` prints the outcome counts (for the closing note).
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Duration, Effect, References } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"
import * as ExchangeError from "../../src/exchange/ExchangeError.ts"
import type { OrderRequest } from "../../src/exchange/Model.ts"
import type { PlaceFault } from "../../src/mm/InMemoryExchange.ts"
import { cheap, d, dear, market } from "./support.ts"

/** mulberry32: a small seeded generator, so the run is the same every time. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe("Arbitrage under faults", () => {
  it.live("200 attempts: position within the limit, every one-legged attempt unwound, nothing left open", () =>
    Effect.gen(function*() {
      const random = seeded(21)
      const maxImbalance = d("20")
      const m = yield* market({
        alpha: { balances: { USDT: "100000", HIFI: "100000" } },
        beta: { balances: { USDT: "100000", HIFI: "100000" } },
        arb: {
          maxImbalance,
          ordersPerSecond: 100_000,
          maxOneLegged: 1_000,
          max429: 1_000,
          maxLoss: d("1000"),
          unwindTries: 5,
          legTimeout: "2 seconds"
        }
      })
      const faults = { refused: 0, lost: 0, thinned: 0 }
      const fault = (request: OrderRequest): PlaceFault | undefined => {
        const x = random()
        if (x < 0.04) {
          faults.refused++
          return { _tag: "Fail", reason: new ExchangeError.RateLimited({ retryAfter: Duration.millis(100) }) }
        }
        if (x < 0.07) {
          faults.refused++
          return { _tag: "Fail", reason: new ExchangeError.FilterRejected({ symbol: request.symbol, filter: "postOnly", detail: "would take" }) }
        }
        if (x < 0.09) {
          faults.refused++
          return { _tag: "Fail", reason: new ExchangeError.InsufficientBalance({ venueMessage: "Oversold" }) }
        }
        if (x < 0.15) {
          faults.lost++
          return { _tag: "LoseAnswer", hiddenQueries: Math.floor(random() * 3) }
        }
        return undefined
      }
      yield* m.alpha.placeFault(fault)
      yield* m.beta.placeFault(fault)
      // Between detection and a leg, the book it takes may thin out (a partial fill).
      let direction = 0
      const thin = (venue: "alpha" | "beta") => (request: OrderRequest) => {
        if (random() >= 0.1) return Effect.void
        faults.thinned++
        const depth = String(Math.ceil(random() * 9))
        const isCheap = (direction === 0) === (venue === "alpha")
        const book = isCheap ? cheap(depth) : dear(depth)
        return request.side === (isCheap ? "BUY" : "SELL") ? (venue === "alpha" ? m.alpha : m.beta).setBook("HIFIUSDT", book) : Effect.void
      }
      yield* m.alpha.beforePlace(thin("alpha"))
      yield* m.beta.beforePlace(thin("beta"))
      const reset = Effect.gen(function*() {
        direction = random() < 0.5 ? 0 : 1
        yield* m.alpha.setBook("HIFIUSDT", direction === 0 ? cheap() : dear())
        yield* m.beta.setBook("HIFIUSDT", direction === 0 ? dear() : cheap())
      })
      yield* reset
      const summary = yield* m.arb.run({ maxAttempts: 200, onAttempt: () => reset })
      const attempts = yield* m.arb.attempts
      assert.strictEqual(summary.attempts, 200)
      assert.isUndefined(summary.killed)
      const counts: Record<string, number> = {}
      for (const a of attempts) counts[a.outcome] = (counts[a.outcome] ?? 0) + 1
      for (const a of attempts.filter((a) => a.oneLegged)) {
        assert.include(["unwound", "dust"], a.outcome, `attempt ${a.attempt}`)
      }
      assert.isAtMost(counts["unwind-failed"] ?? 0, 0)
      assert.isAtMost(counts.unresolved ?? 0, 0)
      // The faults happened: one-legged attempts, answers resolved by query, partial fills.
      assert.isAtLeast(summary.oneLegged, 10)
      assert.isTrue(attempts.some((a) => a.legs.some((l) => l.resolvedByQuery)))
      assert.isTrue(attempts.some((a) => a.legs.some((l) => l.outcome === "partial")))
      assert.isTrue(BigDecimal.isLessThanOrEqualTo(BigDecimal.abs(summary.position), maxImbalance))
      yield* m.close
      const report = (yield* m.arb.stopReport)!
      assert.deepStrictEqual(report.venues.map((v) => [v.venue, v.openOrders, v.confirmed]), [["alpha", 0, true], ["beta", 0, true]])
      assert.lengthOf(yield* m.alpha.openOrders, 0)
      assert.lengthOf(yield* m.beta.openOrders, 0)
      assert.isTrue(BigDecimal.isLessThanOrEqualTo(BigDecimal.abs(report.position), maxImbalance))
      if (process.env.ARB_FAULT_REPORT === "1") {
        console.log(JSON.stringify({
          outcomes: counts,
          oneLegged: summary.oneLegged,
          faults,
          position: Decimal.format(summary.position),
          pnl: Decimal.format(summary.pnl),
          resolvedByQuery: attempts.flatMap((a) => [...a.legs, ...a.unwinds]).filter((l) => l.resolvedByQuery).length,
          rejectedLegs: attempts.flatMap((a) => a.legs).filter((l) => l.outcome === "rejected").length,
          partialLegs: attempts.flatMap((a) => a.legs).filter((l) => l.outcome === "partial").length
        }))
      }
    }).pipe(Effect.provideService(References.MinimumLogLevel, "None")), 60_000)
})
