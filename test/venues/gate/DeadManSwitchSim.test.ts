/**
 * Gate's dead-man switch through the private connector, on the Gate simulator over real HTTP and
 * WebSocket, with the simulator's time on a TestClock the test moves (the client keeps the live
 * clock; its REST goes through a proxy the test can cut):
 * - renewed while the private side lives: 12 s of venue time pass, more than twice the 5 s
 *   countdown, and no order is cancelled;
 * - the private side dies without closing (its REST cut off, so renewals stop reaching Gate while
 *   the process and its stream live on): once the countdown runs out the venue cancels every open
 *   order, and the order stream tells the user.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import { GateSim } from "../../../src/sim/index.ts"
import type * as GateRest from "../../../src/venues/gate/GateRest.ts"
import * as CuttableProxy from "../../support/CuttableProxy.ts"
import { waitUntil, waitUntilEffect } from "../../support/eventually.ts"
import { buildPrivate, buildRest, counterparty, quiet, recordUpdates, simOpenOrders, symbol } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse
const bid = (price: string) => ({ symbol, side: "BUY", type: "LIMIT", price: d(price), quantity: d("10") }) as const

/**
 * The Gate simulator on a TestClock set to now (signed requests carry the wall clock's time),
 * the demo account's REST through a cuttable proxy (counting the switch's accepted and failed
 * renewals), and GatePrivate with the switch on: 5 s, renewed every 100 ms of the client's time.
 */
const harness = Effect.gen(function*() {
  const simClock = yield* TestClock.make({ warningDelay: "1 hour" })
  yield* simClock.setTime(Date.now())
  const gate = Context.get(
    yield* Layer.build(Layer.fresh(GateSim.layer({ market: false, accounts: [counterparty] })).pipe(
      Layer.provide(Layer.succeed(Clock.Clock, simClock))
    )),
    GateSim.GateSim
  )
  const proxy = yield* CuttableProxy.make(gate.baseUrl)
  const rest = yield* buildRest(gate, { baseUrl: `${proxy.origin}/api/v4`, timeout: "1 second", retries: 0 })
  const renewals = { accepted: 0, failed: 0 }
  const counted: GateRest.GateRestShape = {
    ...rest,
    countdownCancelAll: (timeout, pair) =>
      rest.countdownCancelAll(timeout, pair).pipe(
        Effect.tap(() => Effect.sync(() => void (timeout > 0 && renewals.accepted++))),
        Effect.tapError(() => Effect.sync(() => void (timeout > 0 && renewals.failed++)))
      )
  }
  const exchange = yield* buildPrivate(gate, counted, { deadManSwitch: { timeoutSeconds: 5, renewEvery: "100 millis" } })
  /** Moves the venue's time by `ms`, in steps the simulator's 10 ms driver wakes for. */
  const advance = (ms: number) => simClock.adjust(`${ms} millis`)
  return { gate, proxy, exchange, renewals, advance }
})

describe("Gate dead-man switch through GatePrivate, on the simulator's clock", () => {
  it.live("renewed while the private side lives: 12 s of venue time, no order cancelled", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const { advance, exchange, gate, renewals } = yield* harness
      const a = yield* exchange.placeOrder(bid("0.5"))
      const b = yield* exchange.placeOrder(bid("0.49"))
      for (let round = 0; round < 4; round++) {
        yield* advance(3_000)
        // A renewal that started after the move: the switch now runs from the venue's new time.
        const seen = renewals.accepted
        yield* waitUntil("two renewals after the move", () => renewals.accepted >= seen + 2)
      }
      // Let the driver run at the latest time: it would fire a switch that ran out.
      for (let i = 0; i < 5; i++) yield* advance(10)
      assert.sameMembers(simOpenOrders(gate).map((o) => o.clientOrderId), [`t-${a.clientOrderId}`, `t-${b.clientOrderId}`])
      assert.strictEqual(renewals.failed, 0)
    }))), 30_000)

  it.live("the private side dies without closing (REST cut off): the venue cancels the orders once the countdown runs out", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const { advance, exchange, gate, proxy, renewals } = yield* harness
      const updates = yield* recordUpdates(exchange)
      const a = yield* exchange.placeOrder(bid("0.5"))
      const b = yield* exchange.placeOrder(bid("0.49"))
      yield* waitUntil("both orders on the stream", () => [a, b].every((o) => updates.some((u) => u.order.orderId === o.orderId)))
      proxy.cut()
      const failed = renewals.failed
      yield* waitUntil("a renewal that could not reach the venue", () => renewals.failed > failed)
      const accepted = renewals.accepted
      // Under 5 s after the last renewal Gate accepted: still armed, nothing cancelled.
      yield* advance(4_000)
      for (let i = 0; i < 5; i++) yield* advance(10)
      assert.strictEqual(simOpenOrders(gate).length, 2, "not before the countdown runs out")
      yield* advance(1_100)
      yield* waitUntilEffect("the venue cancelled the open orders", Effect.andThen(advance(10), Effect.sync(() => simOpenOrders(gate).length === 0)))
      assert.strictEqual(renewals.accepted, accepted, "no renewal reached the venue meanwhile")
      yield* waitUntil("the user told over the stream", () =>
        [a, b].every((o) => updates.some((u) => u.order.orderId === o.orderId && u.order.status === "CANCELED" && u.source === "stream")))
      proxy.restore()
    }))), 30_000)
})
