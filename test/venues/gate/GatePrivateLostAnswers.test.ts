/**
 * GatePrivate through the Gate simulator's answer faults, over real HTTP and WebSocket (the MEXC
 * cases of `MexcPrivateLostAnswers`, in Gate's wire):
 * - a cancel carried out whose answer is lost (connection cut, or held past the client's
 *   timeout) is an unknown outcome resolved by query: the caller and the order stream get the
 *   order's true final state, fills included, and the venue holds exactly that one order;
 * - a placement whose answer is lost while the venue does not yet show the order to queries
 *   (Gate's `ORDER_NOT_FOUND` for a young order): "not found" inside the visibility window is not
 *   "not placed"; each request ends as exactly one order, never placed twice.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import type { PrivateExchangeShape } from "../../../src/exchange/PrivateExchange.ts"
import { gateOrderId } from "../../../src/sim/server/gate/Wire.ts"
import { waitUntil } from "../../support/eventually.ts"
import { counterOrder, recordUpdates, simAllOrders, simOpenOrders, symbol, withPrivate } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse
const bid = (price = "0.5") => ({ symbol, side: "BUY", type: "LIMIT", price: d(price), quantity: d("10") }) as const

/** Places and cancels one order so the instrument is cached and the next call is the one under test. */
const warmUp = (exchange: PrivateExchangeShape) =>
  Effect.flatMap(exchange.placeOrder(bid("0.4")), (o) => exchange.cancelOrder({ symbol, orderId: o.orderId }))

/** The venue's orders of the demo account with this client order id (Gate's `text` is `t-` + it). */
const venueOrdersWith = (gate: Parameters<typeof simAllOrders>[0], clientOrderId: string) =>
  simAllOrders(gate).filter((o) => o.clientOrderId === `t-${clientOrderId}` || o.clientOrderId === clientOrderId)

describe("GatePrivate: a cancel whose answer is lost", () => {
  for (const loss of [{ mode: "cut" } as const, { mode: "delay", delayMs: 3_000 } as const]) {
    it.live(`carried out, answer ${loss.mode === "cut" ? "cut off" : "held past the client's timeout"}: resolved by query, the true final state, one order`, () =>
      withPrivate(({ exchange, gate }) =>
        Effect.gen(function*() {
          const updates = yield* recordUpdates(exchange)
          const placed = yield* exchange.placeOrder(bid("0.5"))
          // 4 of 10 fill before the cancel: the true final state is CANCELED with 4 filled.
          counterOrder(gate, { side: "SELL", price: "0.5", quantity: "4" })
          yield* waitUntil("the partial fill on the stream", () =>
            updates.some((u) => u.order.orderId === placed.orderId && u.order.status === "PARTIALLY_FILLED"))
          const before = (yield* exchange.stats).unknownOutcomesResolved
          yield* gate.faults.loseAnswers(1, loss)
          const canceled = yield* exchange.cancelOrder({ symbol, clientOrderId: placed.clientOrderId })
          assert.deepStrictEqual([canceled.orderId, canceled.status, Decimal.format(canceled.filledQuantity)], [placed.orderId, "CANCELED", "4"])
          assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, before + 1, "an unknown outcome, resolved")
          assert.deepStrictEqual(simOpenOrders(gate), [], "nothing left open")
          assert.strictEqual(venueOrdersWith(gate, placed.clientOrderId).length, 1, "exactly one order")
          yield* waitUntil("the final state on the order stream", () =>
            updates.some((u) => u.order.orderId === placed.orderId && u.order.status === "CANCELED"))
          const last = updates.filter((u) => u.order.orderId === placed.orderId).at(-1)!
          assert.deepStrictEqual([last.order.status, Decimal.format(last.order.filledQuantity)], ["CANCELED", "4"])
          assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
        }), loss.mode === "delay" ? { rest: { timeout: "500 millis" } } : {}))
  }
})

describe("GatePrivate: a placement whose answer is lost, not yet visible to queries", () => {
  it.live("ORDER_NOT_FOUND inside the visibility window is not 'not placed': each of 3 requests is exactly one order", () => {
    let notFound = 0
    return withPrivate(({ exchange, gate }) =>
      Effect.gen(function*() {
        yield* warmUp(exchange)
        // The stream is silenced, so the only way to learn the outcome is to ask REST, which
        // answers ORDER_NOT_FOUND for 1.5 s after each placement.
        yield* gate.faults.silencePrivate(true)
        yield* gate.faults.notYetVisible(1_500)
        yield* gate.faults.loseAnswers(3, { mode: "cut" })
        const placed = yield* Effect.forEach(["0.5", "0.49", "0.48"], (price) => exchange.placeOrder(bid(price)), { concurrency: "unbounded" })
        yield* gate.faults.silencePrivate(false)
        assert.deepStrictEqual(placed.map((o) => o.status), ["NEW", "NEW", "NEW"])
        assert.isAtLeast(notFound, 3, "the venue did answer 'not found' while the orders were young")
        for (const order of placed) {
          const atVenue = venueOrdersWith(gate, order.clientOrderId)
          assert.strictEqual(atVenue.length, 1, `exactly one order for ${order.clientOrderId}, never placed twice`)
          assert.strictEqual(gateOrderId(atVenue[0]!.orderId), order.orderId)
        }
        assert.strictEqual(simOpenOrders(gate).length, 3)
        assert.strictEqual(new Set(placed.map((o) => o.orderId)).size, 3)
        assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 3)
        assert.sameMembers((yield* exchange.ownOpenOrders).map((o) => o.orderId), placed.map((o) => o.orderId))
      }), {
      // Gate's default visibility window is 1 s (GatePrivate.visibilityWindow); this venue takes
      // 1.5 s, so the test widens it as a user would.
      private: {
        unknownOutcome: { visibilityWindow: "2 seconds", requestLifetime: "600 millis", deadline: "10 seconds", interval: "50 millis" },
        streamGrace: "10 seconds"
      },
      wrapRest: (rest) => ({
        ...rest,
        queryOrder: (ref) =>
          rest.queryOrder(ref).pipe(Effect.tapError((e) => Effect.sync(() => void (e.reason._tag === "UnknownOrder" && notFound++))))
      })
    })
  })

  it.live("an order the venue refused, the refusal lost: 'not placed' once the window has passed, safe to retry", () =>
    withPrivate(({ exchange, gate }) =>
      Effect.gen(function*() {
        yield* warmUp(exchange)
        // Refused by the venue (more HIFI than the account holds), and the refusal is lost.
        yield* gate.faults.failNextRest(1, { status: 503 })
        const error = yield* Effect.flip(exchange.placeOrder({ symbol, side: "SELL", type: "LIMIT", price: d("5"), quantity: d("50000") }))
        assert.strictEqual(error.reason._tag, "Transport")
        assert.include(error.message, "was not placed")
        assert.deepStrictEqual(simOpenOrders(gate), [])
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
      })))
})
