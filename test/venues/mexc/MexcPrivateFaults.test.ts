/**
 * The MEXC private exchange through the simulator's faults: unknown outcomes of place and cancel
 * (5xx after the call was carried out or refused), listen keys that die, a private connection
 * dropped while orders fill. In each case exactly one order exists for one request, the caller
 * learns its true state, and no update is lost.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import type { Fill } from "../../../src/exchange/Model.ts"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { waitUntil } from "../../support/eventually.ts"
import { counterOrder, recordUpdates, simOpenOrders, withPrivate } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse
const bid = (price = "0.5") => ({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d(price), quantity: d("10") }) as const

describe("MexcPrivate: unknown outcomes", () => {
  it.live("a place answered 5xx after the venue placed it: resolved by query, exactly one order, returned", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        // Warm the instrument cache, so the fault hits the place itself.
        yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: (yield* exchange.placeOrder(bid("0.4"))).orderId })
        yield* sim.faults.failNextRest(1, { status: 503 })
        const placed = yield* exchange.placeOrder(bid())
        assert.strictEqual(placed.status, "NEW")
        const open = simOpenOrders(sim, "HIFIUSDT")
        assert.strictEqual(open.length, 1, "exactly one order for one request")
        assert.strictEqual(open[0]!.orderId, placed.orderId)
        assert.strictEqual(open[0]!.clientOrderId, placed.clientOrderId)
        assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 1)
        assert.deepStrictEqual((yield* exchange.ownOpenOrders).map((o) => o.orderId), [placed.orderId])
      })
    ))

  it.live("a place answered 5xx that the venue refused: 'not placed' only after the settle time, then safe to retry", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: (yield* exchange.placeOrder(bid("0.4"))).orderId })
        yield* sim.faults.failNextRest(1, { status: 503 })
        // More HIFI than the account holds: the engine refuses it, the fault still answers 503.
        const error = yield* Effect.flip(exchange.placeOrder({ symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: d("5"), quantity: d("50000") }))
        assert.strictEqual(error.reason._tag, "Transport")
        assert.isTrue(error.retryable)
        assert.include(error.message, "was not placed")
        assert.deepStrictEqual(simOpenOrders(sim), [])
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
      })
    ))

  it.live("a cancel answered 5xx: confirmed by query, the caller gets the final state", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const placed = yield* exchange.placeOrder(bid())
        yield* sim.faults.failNextRest(1, { status: 502 })
        const canceled = yield* exchange.cancelOrder({ symbol: "HIFIUSDT", clientOrderId: placed.clientOrderId })
        assert.strictEqual(canceled.status, "CANCELED")
        assert.strictEqual(canceled.orderId, placed.orderId)
        assert.deepStrictEqual(simOpenOrders(sim), [])
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
      })
    ))

  it.live("a cancel that races a fill answers the fill (final state), not an error", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const placed = yield* exchange.placeOrder(bid("0.6"))
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "MARKET", quantity: "10" })
        const final = yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: placed.orderId })
        assert.strictEqual(final.status, "FILLED")
        assert.strictEqual(Decimal.format(final.filledQuantity), "10")
        // Routine on a healthy venue (the simulator answers "unknown order" as MEXC does), and
        // answered: it is no unknown outcome (a 10-minute mm run on a healthy simulator
        // reported 10 of them, each a fill that raced a re-quote's cancel).
        assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 0)
      })
    ))
})

describe("MexcPrivate: the user-data stream", () => {
  it.live("survives listen-key expiry: a new key, a new connection, and no order update lost", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        const resting = yield* exchange.placeOrder(bid())
        yield* waitUntil("the new order on the stream", () => updates.some((u) => u.order.orderId === resting.orderId))
        const expired = yield* sim.faults.expireListenKeys
        assert.strictEqual(expired, 1)
        // Filled while the stream is down or coming back: learned from the stream or the reconciliation.
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.5", quantity: "10" })
        yield* waitUntil("the fill", () => updates.some((u) => u.order.orderId === resting.orderId && u.order.status === "FILLED"))
        // The stream on the new key carries a fill that REST has not told about.
        const after = yield* exchange.placeOrder(bid("0.45"))
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.45", quantity: "10" })
        yield* waitUntil("a fill on the new key's stream", () =>
          updates.some((u) => u.order.orderId === after.orderId && u.order.status === "FILLED" && u.source === "stream"))
        const stats = yield* exchange.stats
        assert.isAtLeast(stats.userStreamSessions, 2)
        assert.isAtLeast(stats.reconnects, 1)
      })
    ))

  it.live("a dropped private connection: fills during the gap are recovered by reconciliation", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        const fills: Array<Fill> = []
        yield* exchange.fills.pipe(Stream.runForEach((f) => Effect.sync(() => void fills.push(f))), Effect.forkScoped)
        const a = yield* exchange.placeOrder(bid("0.5"))
        const b = yield* exchange.placeOrder(bid("0.49"))
        yield* waitUntil("both acknowledged", () => [a, b].every((o) => updates.some((u) => u.order.orderId === o.orderId)))
        yield* sim.faults.refuseConnections(1)
        yield* sim.faults.dropConnections
        // Both fill while no private connection exists: no push can carry it.
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "MARKET", quantity: "20" })
        yield* waitUntil("both fills learned", () =>
          [a, b].every((o) => updates.some((u) => u.order.orderId === o.orderId && u.order.status === "FILLED")), 15_000)
        const gapUpdates = updates.filter((u) => u.order.status === "FILLED")
        assert.deepStrictEqual(gapUpdates.map((u) => u.source), ["rest", "rest"], "learned from the reconciliation")
        const stats = yield* exchange.stats
        assert.isAtLeast(stats.reconciliations, 1)
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
        // The fills themselves, from the account's trade history: each once.
        yield* waitUntil("both fills", () => [a, b].every((o) => fills.some((f) => f.orderId === o.orderId)))
        assert.deepStrictEqual(fills.map((f) => f.orderId).sort(), [a.orderId, b.orderId].sort())
        assert.deepStrictEqual(fills.map((f) => Decimal.format(f.quantity)), ["10", "10"])
      })
    ))
})
