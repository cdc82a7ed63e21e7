/**
 * Orders and the truth about them (issue 16, items 1, 2, 3, 10), on the real simulator over real
 * HTTP and WebSocket:
 * - a cancel answered "unknown order" while the order is not yet visible is an unknown outcome:
 *   a cancel racing a fill returns the FILLED order;
 * - cancel on close that cannot confirm (the IP banned at shutdown) says so: an ERROR per order,
 *   nothing reported as confirmed, the orders reported to the component registry;
 * - a stuck `orderUpdates` subscriber stalls nothing: other subscribers see all 3,000 fills and
 *   `placeOrder` answers; the stuck one fails with `SubscriberOverflow`;
 * - a copy of a fill, exact or with a corrupted trade id, never counts twice.
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Cause, Effect, Exit, Fiber, Latch, Option, Scope, Stream } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import type { Fill, OrderUpdate } from "../../../src/exchange/Model.ts"
import { ComponentRegistry, LeakCheck } from "../../../src/lifecycle/index.ts"
import { waitUntil } from "../../support/eventually.ts"
import { corruptingProxy } from "./support/corruptingProxy.ts"
import { buildPrivate, buildSim, counterOrder, quiet, simOpenOrders, withPrivate } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse
const bid = (price = "0.5", quantity = "10") =>
  ({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d(price), quantity: d(quantity) }) as const

describe("MexcPrivate: a cancel answered 'unknown order'", () => {
  it.live("a cancel racing a fill while the order is not yet visible returns the FILLED order", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        yield* sim.faults.notYetVisible(1_000)
        const placed = yield* exchange.placeOrder(bid())
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.5", quantity: "10" })
        // The venue answers the cancel -2011 (not open) and queries -2013 (not visible yet).
        const final = yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: placed.orderId })
        assert.strictEqual(final.status, "FILLED")
        assert.strictEqual(final.orderId, placed.orderId)
        assert.isTrue(BigDecimal.equals(final.filledQuantity, d("10")))
      }), {
      private: { unknownOutcome: { visibilityWindow: "1500 millis", requestLifetime: "600 millis", deadline: "5 seconds", interval: "50 millis" } }
    }))

  it.live("a cancel of an order that does not exist still fails UnknownOrder, once the window has passed", () =>
    withPrivate(({ exchange }) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: "999999999" }))
        assert.strictEqual(error.reason._tag, "UnknownOrder")
      })
    ))
})

describe("MexcPrivate: cancel on close that cannot confirm", () => {
  it.live("the IP banned at shutdown: each order named at ERROR, nothing 'confirmed', reported unconfirmed", () => {
    const logs: Array<string> = []
    const registry = ComponentRegistry.make()
    return quiet(
      LeakCheck.scoped(Effect.gen(function*() {
        const sim = yield* buildSim()
        const scope = yield* Scope.make()
        const exchange = yield* buildPrivate(sim).pipe(Scope.provide(scope))
        const a = yield* exchange.placeOrder(bid("0.5"))
        const b = yield* exchange.placeOrder(bid("0.49"))
        yield* sim.faults.failNextRest(10_000, { status: 418, retryAfterSeconds: 0 })

        yield* Scope.close(scope, Exit.void)

        // The truth: both are still open on the venue.
        assert.deepStrictEqual(simOpenOrders(sim).map((o) => o.orderId).sort(), [a.orderId, b.orderId].sort())
        assert.isFalse(logs.some((l) => l.includes("confirmed over REST")), "never 'confirmed' when it was not")
        for (const order of [a, b]) {
          assert.isTrue(
            logs.some((l) => l.startsWith("Error") && l.includes("cancel on close: order state unknown") && l.includes(order.clientOrderId)),
            `ERROR naming ${order.clientOrderId}:\n${logs.join("\n")}`
          )
        }
        assert.isTrue(logs.some((l) => l.startsWith("Error") && l.includes("0 order(s) left open, 2 unknown")))
        const reported = registry.unconfirmed()
        assert.strictEqual(reported.length, 1)
        assert.strictEqual(reported[0]!.what, "orders left open or unknown")
        assert.strictEqual(reported[0]!.items.length, 2)
        assert.isTrue(reported[0]!.items.some((i) => i.includes(a.clientOrderId) && i.endsWith("unknown")))
      })).pipe(Effect.provideService(ComponentRegistry.ComponentRegistry, registry)),
      logs
    )
  })

  it.live("a clean close reports nothing unconfirmed", () => {
    const registry = ComponentRegistry.make()
    return withPrivate(({ exchange }) => Effect.asVoid(exchange.placeOrder(bid()))).pipe(
      Effect.provideService(ComponentRegistry.ComponentRegistry, registry),
      Effect.tap(() => Effect.sync(() => assert.deepStrictEqual(registry.unconfirmed(), [])))
    )
  })
})

describe("MexcPrivate: one stuck subscriber", () => {
  it.live("a subscriber that never reads: the others see all 3,000 fills, placeOrder answers, the stuck one fails SubscriberOverflow", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        const gate = Latch.makeUnsafe(false)
        const stuck = yield* exchange.orderUpdates.pipe(
          Stream.mapEffect((u) => Effect.as(gate.await, u)),
          Stream.runDrain,
          Effect.exit,
          Effect.forkScoped
        )
        const fills: Array<Fill> = []
        const updates: Array<OrderUpdate> = []
        yield* exchange.fills.pipe(Stream.runForEach((f) => Effect.sync(() => void fills.push(f))), Effect.forkScoped)
        yield* exchange.orderUpdates.pipe(Stream.runForEach((u) => Effect.sync(() => void updates.push(u))), Effect.forkScoped)
        yield* Effect.yieldNow

        const big = yield* exchange.placeOrder(bid("0.5", "6000"))
        // 3,000 fills of 2 HIFI each, 100 at a time, each batch once the readers have it.
        for (let batch = 1; batch <= 30; batch++) {
          for (let i = 0; i < 100; i++) counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.5", quantity: "2" })
          yield* waitUntil(`fills of batch ${batch}`, () => fills.length >= batch * 100)
        }
        assert.strictEqual(fills.length, 3_000)
        assert.strictEqual(new Set(fills.map((f) => f.tradeId)).size, 3_000)
        yield* waitUntil("the order FILLED for the other subscriber", () =>
          updates.some((u) => u.order.orderId === big.orderId && u.order.status === "FILLED"))

        // The exchange's own side is not stalled: a place answers and the own-orders view is current.
        const next = yield* exchange.placeOrder(bid("0.4")).pipe(Effect.timeout("5 seconds"))
        assert.strictEqual(next.status, "NEW")
        assert.deepStrictEqual((yield* exchange.ownOpenOrders).map((o) => o.orderId), [next.orderId])

        yield* gate.open
        const exit = yield* Fiber.join(stuck)
        const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
        assert.strictEqual(Option.getOrThrow(error).reason._tag, "SubscriberOverflow")
      }), { private: { subscriberCapacity: 1_000 } }), 60_000)
})

describe("MexcPrivate: fills counted once", () => {
  it.live("an exact copy and a copy with a corrupted trade id of a fill: one fill reaches subscribers", () => {
    const logs: Array<string> = []
    return quiet(
      LeakCheck.scoped(Effect.gen(function*() {
        const sim = yield* buildSim()
        const proxy = yield* corruptingProxy(sim.wsUrl)
        const exchange = yield* buildPrivate(sim, { wsUrl: proxy.url })
        const fills: Array<Fill> = []
        const updates: Array<OrderUpdate> = []
        yield* exchange.fills.pipe(Stream.runForEach((f) => Effect.sync(() => void fills.push(f))), Effect.forkScoped)
        yield* exchange.orderUpdates.pipe(Stream.runForEach((u) => Effect.sync(() => void updates.push(u))), Effect.forkScoped)
        yield* Effect.yieldNow

        const placed = yield* exchange.placeOrder(bid())
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.5", quantity: "10" })
        yield* waitUntil("both copies sent", () => proxy.copiesSent() >= 2)
        // Frames are handled in order: once a later fill is in, the copies before it were handled.
        const later = yield* exchange.placeOrder(bid("0.6"))
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.6", quantity: "10" })
        yield* waitUntil("the later order's fill", () => fills.some((f) => f.orderId === later.orderId))
        assert.strictEqual(fills.filter((f) => f.orderId === later.orderId).length, 1)
        void updates
        const ofPlaced = fills.filter((f) => f.orderId === placed.orderId)
        assert.strictEqual(ofPlaced.length, 1, JSON.stringify(ofPlaced.map((f) => f.tradeId)))
        const total = ofPlaced.reduce((sum, f) => BigDecimal.sum(sum, f.quantity), BigDecimal.fromBigInt(0n))
        assert.isTrue(BigDecimal.equals(total, d("10")), "the position is the order's quantity, not twice it")
        assert.isTrue(logs.some((l) => l.includes("would exceed the order's quantity")), "the corrupted copy is reported")
      })),
      logs
    )
  })
})
