/**
 * The arbitrage state machine on two in-memory venues: the test plays both markets (books with
 * depth, refusals, lost answers, frozen balance answers) and checks what the strategy sent, what it
 * reported, and what it left behind.
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Deferred, Duration, Effect, Fiber, References } from "effect"
import { TestClock } from "effect/testing"
import * as Decimal from "../../src/exchange/Decimal.ts"
import * as ExchangeError from "../../src/exchange/ExchangeError.ts"
import type { Order } from "../../src/exchange/Model.ts"
import type * as Arbitrage from "../../src/arb/Arbitrage.ts"
import { cheap, d, dear, eventually, flat, hifi, market } from "./support.ts"

const fmt = (v: BigDecimal.BigDecimal | undefined) => v === undefined ? undefined : Decimal.format(v)
const quiet = Effect.provideService(References.MinimumLogLevel, "None")

const sides = (orders: ReadonlyArray<Order>) => orders.map((o) => `${o.side} ${fmt(o.quantity)}@${fmt(o.price)} ${o.timeInForce} ${o.status} ${fmt(o.filledQuantity)}`)

describe("Arbitrage", () => {
  it.live("buys on the cheap venue and sells on the dear one with IOC legs, both directions", () =>
    Effect.gen(function*() {
      const m = yield* market()
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      const first = yield* m.arb.run({ maxAttempts: 1 })
      assert.strictEqual(first.attempts, 1)
      const [a1] = yield* m.arb.attempts
      assert.strictEqual(a1!.outcome, "completed")
      assert.deepStrictEqual([a1!.buyVenue, a1!.sellVenue], ["alpha", "beta"])
      assert.deepStrictEqual(sides(yield* m.alpha.orders), ["BUY 10@0.6003 IOC FILLED 10"])
      assert.deepStrictEqual(sides(yield* m.beta.orders), ["SELL 10@0.6097 IOC FILLED 10"])
      const ids = a1!.legs.map((l) => l.clientOrderId)
      assert.deepStrictEqual(ids, [(yield* m.alpha.orders)[0]!.clientOrderId, (yield* m.beta.orders)[0]!.clientOrderId])
      assert.notStrictEqual(ids[0], ids[1])
      // 6.1 - 6 - fees (0.01 HIFI x 0.6 + 0.0061 USDT)
      assert.strictEqual(fmt(a1!.pnl), "0.0879")
      assert.strictEqual(fmt(a1!.positionAfter), "0")
      assert.isDefined(a1!.detectToAckMs)
      assert.deepStrictEqual(a1!.states.map((s) => s.state), ["Checking", "Submitting", "Complete"])

      // The other way round.
      yield* m.alpha.setBook("HIFIUSDT", dear())
      yield* m.beta.setBook("HIFIUSDT", cheap())
      yield* m.arb.run({ maxAttempts: 1 })
      const a2 = (yield* m.arb.attempts)[1]!
      assert.strictEqual(a2.outcome, "completed")
      assert.deepStrictEqual([a2.buyVenue, a2.sellVenue], ["beta", "alpha"])
      const summary = yield* m.arb.summary
      assert.strictEqual(summary.completed, 2)
      assert.strictEqual(fmt(summary.position), "0")
      assert.strictEqual(fmt(summary.pnl), "0.1758")
      assert.isFalse(summary.feesEstimated)
      yield* m.close
      const report = (yield* m.arb.stopReport)!
      assert.deepStrictEqual(report.venues.map((v) => [v.venue, v.openOrders, v.confirmed]), [["alpha", 0, true], ["beta", 0, true]])
      assert.strictEqual(report.inFlight, "none")
    }).pipe(quiet))

  it.live("a leg that breaks a venue's rule is caught before either leg goes out", () =>
    Effect.gen(function*() {
      const m = yield* market({ beta: { instruments: [hifi({ minNotional: d("10") })] } })
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      const run = yield* Effect.forkChild(m.arb.run({ maxAttempts: 1 }))
      yield* eventually("a rules skip", Effect.map(m.arb.summary, (s) => (s.skipped.rules ?? 0) >= 1))
      yield* Fiber.interrupt(run)
      assert.lengthOf(yield* m.alpha.orders, 0)
      assert.lengthOf(yield* m.beta.orders, 0)
      yield* m.close
    }).pipe(quiet))

  for (
    const [what, reason] of [
      ["post-only", new ExchangeError.FilterRejected({ symbol: "HIFIUSDT", filter: "postOnly", detail: "would take" })],
      ["below the venue's minimum", new ExchangeError.FilterRejected({ symbol: "HIFIUSDT", filter: "minQuantity", detail: "too small" })],
      ["insufficient balance", new ExchangeError.InsufficientBalance({ venueMessage: "Oversold" })]
    ] as const
  ) {
    it.live(`one leg rejected (${what}): the filled leg is flattened with an IOC and the loss recorded`, () =>
      Effect.gen(function*() {
        const m = yield* market()
        yield* m.alpha.setBook("HIFIUSDT", cheap())
        yield* m.beta.setBook("HIFIUSDT", dear())
        let placements = 0
        yield* m.beta.placeFault(() => placements++ === 0 ? { _tag: "Fail", reason } : undefined)
        yield* m.arb.run({ maxAttempts: 1 })
        const [a] = yield* m.arb.attempts
        assert.strictEqual(a!.outcome, "unwound")
        assert.isTrue(a!.oneLegged)
        assert.deepStrictEqual(a!.legs.map((l) => l.outcome), ["filled", "rejected"])
        assert.include(a!.legs[1]!.error!, reason.message)
        assert.deepStrictEqual(a!.states.map((s) => s.state), ["Checking", "Submitting", "OneLegged", "Unwinding"])
        // Hedged on the other venue (beta's bid 0.61 beats alpha's 0.599), at most 50 bps through.
        assert.lengthOf(a!.unwinds, 1)
        const u = a!.unwinds[0]!
        assert.deepStrictEqual([u.venue, u.side, fmt(u.quantity), fmt(u.price), u.outcome], ["beta", "SELL", "10", "0.607", "filled"])
        assert.strictEqual(fmt(a!.positionAfter), "0")
        assert.strictEqual((yield* m.arb.summary).oneLegged, 1)
        yield* m.close
      }).pipe(quiet))
  }

  it.live("a leg's answer lost: resolved by its client order id, never sent twice (also when not yet visible)", () =>
    Effect.gen(function*() {
      const m = yield* market()
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      yield* m.beta.placeFault(() => ({ _tag: "LoseAnswer", hiddenQueries: 2 }))
      yield* m.arb.run({ maxAttempts: 1 })
      const [a] = yield* m.arb.attempts
      assert.strictEqual(a!.outcome, "completed")
      assert.isTrue(a!.legs[1]!.resolvedByQuery)
      assert.strictEqual(a!.legs[1]!.outcome, "filled")
      assert.lengthOf(yield* m.beta.orders, 1)
      yield* m.close
    }).pipe(quiet))

  it.live("a leg whose outcome stays unknown is not unwound on a guess: the attempt is unresolved and the kill switch trips", () =>
    Effect.gen(function*() {
      const m = yield* market({ arb: { legTimeout: "200 millis", unwindTimeout: "200 millis" } })
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      // A 5xx with nothing behind it: no order on the venue, none on the stream, queries find nothing.
      yield* m.beta.placeFault(() => ({ _tag: "Fail", reason: new ExchangeError.Unavailable({ status: 502, detail: "bad gateway" }) }))
      const summary = yield* m.arb.run({ maxAttempts: 5 })
      assert.strictEqual(summary.attempts, 1)
      assert.include(summary.killed!, "unknown")
      const [a] = yield* m.arb.attempts
      assert.strictEqual(a!.outcome, "unresolved")
      assert.strictEqual(a!.legs[1]!.outcome, "unknown")
      assert.lengthOf(yield* m.alpha.orders, 1) // no unwind sent
      assert.lengthOf(yield* m.beta.orders, 0) // and the leg not sent again
      yield* m.close
      const report = (yield* m.arb.stopReport)!
      assert.deepStrictEqual(report.unresolved, [a!.legs[1]!.clientOrderId])
    }).pipe(quiet))

  it.live("a leg partly filled: the difference is unwound on the venue with the better price", () =>
    Effect.gen(function*() {
      const m = yield* market()
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      // Between detection and the sell leg, most of beta's bid goes: 6 left at 0.61, then 0.5.
      let placements = 0
      yield* m.beta.beforePlace((request) =>
        request.side === "SELL" && placements++ === 0 ? m.beta.setBook("HIFIUSDT", dear("6")) : Effect.void
      )
      yield* m.arb.run({ maxAttempts: 1 })
      const [a] = yield* m.arb.attempts
      assert.deepStrictEqual(a!.legs.map((l) => [l.outcome, fmt(l.filled)]), [["filled", "10"], ["partial", "6"]])
      assert.strictEqual(a!.outcome, "unwound")
      // beta's bids are now 0.5 (past the 50 bps bound); alpha's 0.599 is the better price.
      assert.deepStrictEqual(a!.unwinds.map((u) => [u.venue, u.side, fmt(u.filled)]), [["alpha", "SELL", "4"]])
      assert.strictEqual(fmt(a!.positionAfter), "0")
      // 6 x 0.61 + 4 x 0.599 - 10 x 0.6 - fees: the recorded result, below the expected 0.0879.
      assert.isTrue(BigDecimal.isLessThan(a!.pnl, a!.expectedProfit))
      yield* m.close
    }).pipe(quiet))

  it.live("a rate-limit refusal between the legs: unwound, counted, and the 429 kill switch stops new attempts", () =>
    Effect.gen(function*() {
      const m = yield* market({ arb: { max429: 1 } })
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      let placements = 0
      yield* m.beta.placeFault(() =>
        placements++ === 0 ? { _tag: "Fail", reason: new ExchangeError.RateLimited({ retryAfter: Duration.seconds(1) }) } : undefined
      )
      const summary = yield* m.arb.run({ maxAttempts: 10 })
      assert.strictEqual(summary.attempts, 1)
      assert.include(summary.killed!, "rate-limit")
      const [a] = yield* m.arb.attempts
      assert.strictEqual(a!.outcome, "unwound")
      assert.strictEqual(fmt(summary.position), "0")
      yield* m.close
    }).pipe(quiet))

  it.live("balances count own fills: a venue's stale balance answer does not let a second attempt through", () =>
    Effect.gen(function*() {
      // beta holds exactly one leg's worth of HIFI, and its balance answers are frozen.
      const m = yield* market({ beta: { balances: { USDT: "1000", HIFI: "10" } } })
      yield* m.beta.freezeBalances(true)
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      const run = yield* Effect.forkChild(m.arb.run({ maxAttempts: 2 }))
      yield* eventually("a balance skip", Effect.map(m.arb.summary, (s) => (s.skipped.balance ?? 0) >= 1))
      yield* Fiber.interrupt(run)
      assert.strictEqual((yield* m.arb.summary).attempts, 1)
      assert.lengthOf(yield* m.beta.orders, 1)
      // The venue still answers 10 HIFI; the truth is 0.
      assert.strictEqual(fmt(yield* m.beta.freeBalance("HIFI")), "0")
      yield* m.close
    }).pipe(quiet))

  it.live("threshold flapping: an edge hovering at the threshold fires one attempt, not one per crossing", () =>
    Effect.gen(function*() {
      const m = yield* market({
        alpha: { instruments: [hifi({ tickSize: d("0.00001"), takerFeeRate: d("0") })] },
        beta: { instruments: [hifi({ tickSize: d("0.00001"), takerFeeRate: d("0") })] },
        arb: { minProfitBps: 10, hysteresisBps: 2, limitBufferBps: 0 }
      })
      yield* m.alpha.setBook("HIFIUSDT", { bids: [["0.99", "1000"]], asks: [["1", "1000"]] })
      const run = yield* Effect.forkChild(m.arb.run())
      for (let i = 0; i < 8; i++) {
        const bid = i % 2 === 0 ? "1.00101" : "1.00099" // 10.1 bps, 9.9 bps
        const before = (yield* m.arb.summary).checked
        yield* m.beta.setBook("HIFIUSDT", { bids: [[bid, "1000"]], asks: [["1.002", "1000"]] })
        yield* eventually("the update checked", Effect.map(m.arb.summary, (s) => s.checked > before))
      }
      yield* Fiber.interrupt(run)
      const summary = yield* m.arb.summary
      assert.strictEqual(summary.attempts, 1)
      assert.isAtLeast(summary.skipped.hysteresis ?? 0, 3)
      yield* m.close
    }).pipe(quiet))

  it.effect("a stale book on one venue: no attempt on it; a venue silent past the limit trips the kill switch", () =>
    Effect.gen(function*() {
      const m = yield* market({ arb: { maxBookAge: "2 seconds", staleVenueAfter: "10 seconds" } })
      const settle = (what: string, condition: (s: Arbitrage.RunSummary) => boolean) =>
        Effect.gen(function*() {
          for (let i = 0; i < 500; i++) {
            if (condition(yield* m.arb.summary)) return
            yield* Effect.yieldNow
          }
          assert.fail(`never: ${what}`)
        })
      // No edge either way yet: alpha quotes 0.6 / 0.62, beta 0.61 / 0.611.
      yield* m.alpha.setBook("HIFIUSDT", { bids: [["0.6", "1000"]], asks: [["0.62", "1000"]] })
      yield* m.beta.setBook("HIFIUSDT", dear())
      const run = yield* Effect.forkChild(m.arb.run())
      yield* settle("first check", (s) => s.checked >= 1)
      yield* TestClock.adjust("3 seconds")
      // alpha turns cheap; beta's book is 3 s old.
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* settle("stale skip", (s) => (s.skipped["stale-book"] ?? 0) >= 1)
      assert.lengthOf(yield* m.alpha.orders, 0)
      assert.lengthOf(yield* m.beta.orders, 0)
      // beta fresh again: the attempt goes.
      yield* m.beta.setBook("HIFIUSDT", dear())
      yield* settle("an attempt", (s) => s.attempts >= 1)
      // Then both go silent past the limit.
      yield* TestClock.adjust("11 seconds")
      const summary = yield* Fiber.join(run)
      assert.include(summary.killed!, "no book update")
      yield* m.close
    }).pipe(quiet))

  it.live("stopped during an attempt: the attempt finishes, nothing is left open, the net position is reported", () =>
    Effect.gen(function*() {
      const m = yield* market()
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      const entered = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      yield* m.beta.beforePlace(() => Effect.andThen(Deferred.succeed(entered, undefined), Deferred.await(gate)))
      const run = yield* Effect.forkChild(m.arb.run({ maxAttempts: 1 }))
      yield* Deferred.await(entered)
      yield* Fiber.interrupt(run)
      const closing = yield* Effect.forkChild(m.close)
      yield* eventually("arb stopping", Effect.sync(() => m.lifecycle.includes("arb:stopping")))
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(closing)
      const report = (yield* m.arb.stopReport)!
      assert.strictEqual(report.inFlight, "finished")
      assert.isTrue(report.withinBudget)
      assert.deepStrictEqual(report.venues.map((v) => [v.venue, v.openOrders, v.confirmed, fmt(v.base)]), [
        ["alpha", 0, true, "10"],
        ["beta", 0, true, "-10"]
      ])
      assert.strictEqual(fmt(report.position), "0")
      assert.lengthOf(yield* m.alpha.openOrders, 0)
      assert.lengthOf(yield* m.beta.openOrders, 0)
      assert.strictEqual((yield* m.arb.attempts)[0]!.outcome, "completed")
    }).pipe(quiet))

  it.live("stopped with an attempt that overruns the budget: interrupted, then every order of ours canceled and confirmed", () =>
    Effect.gen(function*() {
      const m = yield* market({ arb: { stopBudget: "2500 millis", legTimeout: "30 seconds" } })
      yield* m.alpha.setBook("HIFIUSDT", cheap())
      yield* m.beta.setBook("HIFIUSDT", dear())
      const entered = yield* Deferred.make<void>()
      yield* m.beta.beforePlace(() => Effect.andThen(Deferred.succeed(entered, undefined), Effect.never))
      const run = yield* Effect.forkChild(m.arb.run({ maxAttempts: 1 }))
      yield* Deferred.await(entered)
      yield* Fiber.interrupt(run)
      yield* m.close
      const report = (yield* m.arb.stopReport)!
      assert.strictEqual(report.inFlight, "interrupted")
      assert.deepStrictEqual(report.venues.map((v) => [v.venue, v.openOrders, v.confirmed]), [["alpha", 0, true], ["beta", 0, true]])
      assert.strictEqual(fmt(report.position), "10") // alpha's leg filled; beta's never reached the venue
    }).pipe(quiet))
})

export { flat }
