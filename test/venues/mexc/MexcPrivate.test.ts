/**
 * The MEXC private exchange against the simulator over real HTTP and WebSocket: order round
 * trips of every type, rules checked before sending, the stream and the REST answers agreeing.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import type { ExchangeError } from "../../../src/exchange/ExchangeError.ts"
import { waitUntil } from "../../support/eventually.ts"
import { counterOrder, recordUpdates, simOpenOrders, withPrivate } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse

const failureOf = <A>(effect: Effect.Effect<A, ExchangeError>) => Effect.flip(effect)

describe("MexcPrivate against the simulator", () => {
  it.live("LIMIT round trip: ack, stream push, query, own open orders, cancel confirmed", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        const placed = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.5"), quantity: d("10") })
        assert.strictEqual(placed.status, "NEW")
        assert.match(placed.clientOrderId, /^se[0-9a-z]+$/)
        assert.strictEqual(Decimal.format(placed.price!), "0.5")
        assert.deepStrictEqual(simOpenOrders(sim, "HIFIUSDT").map((o) => o.orderId), [placed.orderId])
        const own = yield* exchange.ownOpenOrders
        assert.deepStrictEqual(own.map((o) => o.orderId), [placed.orderId])
        const queried = yield* exchange.queryOrder({ symbol: "HIFIUSDT", clientOrderId: placed.clientOrderId })
        assert.strictEqual(queried.orderId, placed.orderId)
        assert.strictEqual(queried.status, "NEW")

        const canceled = yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: placed.orderId })
        assert.strictEqual(canceled.status, "CANCELED")
        assert.strictEqual(canceled.clientOrderId, placed.clientOrderId)
        assert.deepStrictEqual(simOpenOrders(sim, "HIFIUSDT"), [])
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
        yield* waitUntil("the cancel on the stream", () => updates.some((u) => u.order.status === "CANCELED"))
        // One update per change, whichever of REST and the stream told first.
        const statuses = updates.filter((u) => u.order.orderId === placed.orderId).map((u) => u.order.status)
        assert.deepStrictEqual(statuses, ["NEW", "CANCELED"])
      })
    ))

  it.live("MARKET by quantity and by quote amount, IOC and FOK, LIMIT that trades: final states as the venue has them", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.61", quantity: "100" })
        counterOrder(sim, { symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: "0.59", quantity: "100" })

        const byQuantity = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quantity: d("5") })
        const byAmount = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quoteQuantity: d("3.05") })
        const ioc = yield* exchange.placeOrder({
          symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", timeInForce: "IOC", price: d("0.59"), quantity: d("200")
        })
        const fok = yield* exchange.placeOrder({
          symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", timeInForce: "FOK", price: d("0.59"), quantity: d("500")
        })
        const crossing = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.61"), quantity: d("10") })

        const final = (orderId: string) => exchange.queryOrder({ symbol: "HIFIUSDT", orderId })
        const q1 = yield* final(byQuantity.orderId)
        assert.strictEqual(q1.status, "FILLED")
        assert.strictEqual(Decimal.format(q1.filledQuantity), "5")
        const q2 = yield* final(byAmount.orderId)
        assert.strictEqual(q2.status, "FILLED")
        assert.strictEqual(Decimal.format(q2.filledQuantity), "5")
        assert.strictEqual(Decimal.format(q2.filledQuoteQuantity), "3.05")
        const q3 = yield* final(ioc.orderId)
        assert.strictEqual(q3.status, "CANCELED", "IOC: 100 traded, the rest canceled (MEXC's PARTIALLY_CANCELED)")
        assert.strictEqual(Decimal.format(q3.filledQuantity), "100")
        const q4 = yield* final(fok.orderId)
        assert.strictEqual(q4.status, "CANCELED", "FOK: not enough at once, nothing traded")
        assert.strictEqual(Decimal.format(q4.filledQuantity), "0")
        const q5 = yield* final(crossing.orderId)
        assert.strictEqual(q5.status, "FILLED")
        assert.strictEqual(q5.averagePrice && Decimal.format(q5.averagePrice), "0.61")
        assert.deepStrictEqual(simOpenOrders(sim), [])
      })
    ))

  it.live("LIMIT_MAKER rests when it would not trade and is refused (postOnly) when it would", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.61", quantity: "100" })
        const resting = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT_MAKER", price: d("0.6"), quantity: d("10") })
        assert.strictEqual((yield* exchange.queryOrder({ symbol: "HIFIUSDT", orderId: resting.orderId })).status, "NEW")
        const refused = yield* failureOf(
          exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT_MAKER", price: d("0.61"), quantity: d("10") })
        )
        assert.strictEqual(refused.reason._tag, "FilterRejected")
        assert.strictEqual(refused.reason._tag === "FilterRejected" && refused.reason.filter, "postOnly")
        assert.deepStrictEqual(simOpenOrders(sim, "HIFIUSDT").map((o) => o.orderId), [resting.orderId])
        assert.deepStrictEqual((yield* exchange.ownOpenOrders).map((o) => o.orderId), [resting.orderId])
      })
    ))

  it.live("precision and minimum rejections happen before sending: nothing reaches the venue", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const tick = yield* failureOf(exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.50001"), quantity: d("10") }))
        assert.strictEqual(tick.reason._tag === "FilterRejected" && tick.reason.filter, "tickSize")
        const minimum = yield* failureOf(exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.5"), quantity: d("0.5") }))
        assert.strictEqual(minimum.reason._tag === "FilterRejected" && minimum.reason.filter, "minQuantity")
        const notional = yield* failureOf(exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.05"), quantity: d("10") }))
        assert.strictEqual(notional.reason._tag === "FilterRejected" && notional.reason.filter, "minNotional")
        const unknown = yield* failureOf(exchange.placeOrder({ symbol: "NOPEUSDT", side: "BUY", type: "LIMIT", price: d("1"), quantity: d("10") }))
        assert.strictEqual(unknown.reason._tag, "InvalidSymbol")
        assert.deepStrictEqual(simOpenOrders(sim), [])
        assert.strictEqual((yield* exchange.stats).ordersPlaced, 0)

        const rounded = yield* exchange.placeOrder({
          symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.50009"), quantity: d("10.009"), precision: "round"
        })
        assert.strictEqual(Decimal.format(rounded.price!), "0.5")
        assert.strictEqual(Decimal.format(rounded.quantity!), "10")
        assert.deepStrictEqual(simOpenOrders(sim).map((o) => [o.price, o.origQty]), [["0.5", "10"]])
      })
    ))

  it.live("client order ids: generated unique, a caller's id is used, and never reused", () =>
    withPrivate(({ exchange }) =>
      Effect.gen(function*() {
        const a = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.5"), quantity: d("10") })
        const b = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.5"), quantity: d("10") })
        assert.notStrictEqual(a.clientOrderId, b.clientOrderId)
        const mine = yield* exchange.placeOrder({
          symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.5"), quantity: d("10"), clientOrderId: "my-order-1"
        })
        assert.strictEqual(mine.clientOrderId, "my-order-1")
        yield* exchange.cancelOrder({ symbol: "HIFIUSDT", clientOrderId: "my-order-1" })
        const again = yield* failureOf(exchange.placeOrder({
          symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.5"), quantity: d("10"), clientOrderId: "my-order-1"
        }))
        assert.strictEqual(again.reason._tag, "Rejected")
        assert.include(again.message, "never reused")
      })
    ))

  it.live("cancelAll leaves no open order, confirmed over REST, and answers each order's final state", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        for (const price of ["0.5", "0.51", "0.52"]) {
          yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d(price), quantity: d("10") })
        }
        const canceled = yield* exchange.cancelAll("HIFIUSDT")
        assert.strictEqual(canceled.length, 3)
        assert.deepStrictEqual(canceled.map((o) => o.status), ["CANCELED", "CANCELED", "CANCELED"])
        assert.deepStrictEqual(yield* exchange.openOrders("HIFIUSDT"), [])
        assert.deepStrictEqual(simOpenOrders(sim), [])
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
      })
    ))
})
