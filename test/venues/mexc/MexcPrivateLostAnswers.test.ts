/**
 * The dangerous live cases, through the simulator's faults: a place carried out whose answer is
 * lost (connection cut, or delayed past the client's timeout), an order not yet visible to
 * queries, a private stream that goes silent while its pongs continue, a keep-alive answering
 * 730000. Exactly one order exists for one request, the caller learns its true state, no update
 * is lost.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { waitUntil } from "../../support/eventually.ts"
import { counterOrder, recordUpdates, simOpenOrders, withPrivate } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse
const bid = (price = "0.5") => ({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d(price), quantity: d("10") }) as const

/** Places and cancels one order so the instrument is cached and the next call is the place itself. */
const warmUp = (exchange: Parameters<Parameters<typeof withPrivate>[0]>[0]["exchange"]) =>
  Effect.flatMap(exchange.placeOrder(bid("0.4")), (o) => exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: o.orderId }))

describe("MexcPrivate: lost answers", () => {
  it.live("placed, then the connection is cut before the answer: resolved by query, exactly one order", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        yield* warmUp(exchange)
        yield* sim.faults.loseAnswers(1, { mode: "cut" })
        const placed = yield* exchange.placeOrder(bid())
        assert.strictEqual(placed.status, "NEW")
        assert.deepStrictEqual(simOpenOrders(sim).map((o) => o.orderId), [placed.orderId])
        assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 1)
      })
    ))

  it.live("placed, then the answer is delayed past the client's timeout: resolved by query, exactly one order", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        yield* warmUp(exchange)
        yield* sim.faults.loseAnswers(1, { mode: "delay", delayMs: 3_000 })
        const placed = yield* exchange.placeOrder(bid())
        assert.strictEqual(placed.status, "NEW")
        assert.deepStrictEqual(simOpenOrders(sim).map((o) => o.orderId), [placed.orderId])
      }), { rest: { timeout: "500 millis" } }))

  it.live("placed, answer lost, and not yet visible to queries: -2013 inside the window is not 'not placed'", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        yield* warmUp(exchange)
        yield* sim.faults.notYetVisible(800)
        yield* sim.faults.loseAnswers(1, { mode: "cut" })
        const placed = yield* exchange.placeOrder(bid())
        assert.strictEqual(placed.status, "NEW")
        assert.deepStrictEqual(simOpenOrders(sim).map((o) => o.orderId), [placed.orderId], "exactly one order")
      }), {
      private: {
        unknownOutcome: { visibilityWindow: "1 second", requestLifetime: "1 second", deadline: "5 seconds", interval: "50 millis" }
      }
    }))

  it.live("a cancel whose answer is lost: confirmed by query, the order is gone", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const placed = yield* exchange.placeOrder(bid())
        yield* sim.faults.loseAnswers(1, { mode: "cut" })
        const canceled = yield* exchange.cancelOrder({ symbol: "HIFIUSDT", clientOrderId: placed.clientOrderId })
        assert.strictEqual(canceled.status, "CANCELED")
        assert.deepStrictEqual(simOpenOrders(sim), [])
      })
    ))
})

describe("MexcPrivate: a stream that dies quietly", () => {
  it.live("a private stream silent while its pongs continue is noticed, restarted, and what it missed is delivered", () => {
    const logs: Array<string> = []
    return withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        yield* sim.faults.silencePrivate(true)
        const a = yield* exchange.placeOrder(bid("0.5"))
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.5", quantity: "10" })
        yield* waitUntil("the fill of the order placed during the silence", () =>
          updates.some((u) => u.order.orderId === a.orderId && u.order.status === "FILLED"))
        assert.isTrue(logs.some((l) => l.includes("the private stream is silent")), "noticed")
        assert.strictEqual(updates.find((u) => u.order.orderId === a.orderId && u.order.status === "FILLED")!.source, "rest")
        // Restarted on a new key; the new session is subscribed once its gap is reconciled too.
        const stats = yield* Effect.repeat(exchange.stats, { until: (s) => s.reconciliations >= 2 && s.userStreamSessions >= 2 }).pipe(
          Effect.timeout("10 seconds")
        )
        assert.isAtLeast(stats.reconnects, 1)
        yield* sim.faults.silencePrivate(false)
        const b = yield* exchange.placeOrder(bid("0.49"))
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.49", quantity: "10" })
        yield* waitUntil("a fill on the stream once it speaks again", () =>
          updates.some((u) => u.order.orderId === b.orderId && u.order.status === "FILLED" && u.source === "stream"))
      }), { logs })
  })

  it.live("a resting order filled while the stream is silent (nothing asked of REST): learned over REST, the stream restarted", () => {
    const logs: Array<string> = []
    return withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        const resting = yield* exchange.placeOrder(bid())
        yield* waitUntil("the order on the stream", () => updates.some((u) => u.order.orderId === resting.orderId))
        // Silent from here, and the caller asks nothing: the periodic audit of open orders (or,
        // if the place's own push was not in yet, the silence watch) has to find the fill.
        yield* sim.faults.silencePrivate(true)
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.5", quantity: "10" })
        yield* waitUntil("the fill, from the audit", () =>
          updates.some((u) => u.order.orderId === resting.orderId && u.order.status === "FILLED" && u.source === "rest"))
        yield* waitUntil("the silence noticed", () => logs.some((l) => l.includes("the private stream is silent")))
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
      }), { logs, private: { auditInterval: "500 millis" } })
  })

  it.live("a keep-alive answered 730000 renews the key and reconnects; orders still stream", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        yield* sim.faults.failKeepAlives(1)
        yield* Effect.repeat(exchange.stats, { until: (s) => s.userStreamSessions >= 2 && s.reconnects >= 1 }).pipe(Effect.timeout("10 seconds"))
        const placed = yield* exchange.placeOrder(bid())
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.5", quantity: "10" })
        yield* waitUntil("the fill on the new key's stream", () =>
          updates.some((u) => u.order.orderId === placed.orderId && u.order.status === "FILLED" && u.source === "stream"))
      }), { private: { keepAliveInterval: "300 millis" } }))
})
