/**
 * The venue-neutral private connector against a port fake (no venue): client order ids in the
 * port's format, unknown outcomes of place and cancel resolved by query within the port's windows,
 * own open orders, reconciliation after a gap, a silent stream noticed, cancel on close with
 * confirmation (and an honest report when it cannot confirm), one stuck subscriber stalling
 * nothing, fills counted once and never beyond their order.
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Cause, Effect, Exit, Fiber, Latch, Option, Scope, Stream, Tracer } from "effect"
import * as PrivateConnector from "../../src/connector/PrivateConnector.ts"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { Fill } from "../../src/exchange/Model.ts"
import type { PrivateExchangeShape } from "../../src/exchange/PrivateExchange.ts"
import { ComponentRegistry, LeakCheck } from "../../src/lifecycle/index.ts"
import { waitUntil } from "../support/eventually.ts"
import { quiet } from "../support/quiet.ts"
import { collecting } from "./support/logs.ts"
import * as FakePrivatePort from "./support/FakePrivatePort.ts"

const d = Decimal.unsafeParse
const bid = (price = "0.5", quantity = "10") =>
  ({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d(price), quantity: d(quantity) }) as const

const fast: PrivateConnector.Options = {
  unknownOutcome: { deadline: "3 seconds", interval: "10 millis" },
  streamGrace: "300 millis",
  auditInterval: false
}

/** A connector on a fresh fake, in a scope the test closes (`close`). */
const open = (options: PrivateConnector.Options = {}) =>
  Effect.gen(function*() {
    const fake = FakePrivatePort.make()
    const scope = yield* Scope.make()
    const exchange = yield* PrivateConnector.make(fake.port, { ...fast, ...options }).pipe(Scope.provide(scope))
    return { fake, exchange, close: Scope.close(scope, Exit.void) }
  })

const record = <A>(stream: Stream.Stream<A, unknown>) =>
  Effect.gen(function*() {
    const seen: Array<A> = []
    yield* stream.pipe(Stream.runForEach((a) => Effect.sync(() => void seen.push(a))), Effect.ignore, Effect.forkScoped)
    yield* Effect.yieldNow
    return seen
  })

const run = <A, E>(body: Effect.Effect<A, E, Scope.Scope>, logs?: Array<string>) =>
  logs === undefined ? quiet(LeakCheck.scoped(body)) : collecting(LeakCheck.scoped(body), logs)

describe("PrivateConnector: orders", () => {
  it.live("places with a client order id in the port's format, never reused; own open orders follow", () =>
    run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open()
      const a = yield* exchange.placeOrder(bid())
      const b = yield* exchange.placeOrder(bid("0.49"))
      for (const order of [a, b]) {
        assert.isTrue(order.clientOrderId.startsWith("t-"))
        assert.isAtMost(order.clientOrderId.length, 30)
      }
      assert.notStrictEqual(a.clientOrderId, b.clientOrderId)
      const reused = yield* Effect.flip(exchange.placeOrder({ ...bid(), clientOrderId: a.clientOrderId }))
      assert.strictEqual(reused.reason._tag, "Rejected")
      assert.sameMembers((yield* exchange.ownOpenOrders).map((o) => o.orderId), [a.orderId, b.orderId])
      yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: a.orderId })
      assert.deepStrictEqual((yield* exchange.ownOpenOrders).map((o) => o.orderId), [b.orderId])
      assert.strictEqual(fake.orders.size, 2)
      yield* close
    })))

  it.live("a place whose answer is lost, not visible to the first queries: resolved by query, exactly one order", () =>
    run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open()
      fake.pushOrders = false // only queries can tell
      fake.faults.placeOrder.push("lost")
      const placing = yield* Effect.forkChild(exchange.placeOrder(bid()))
      yield* waitUntil("the order on the venue", () => fake.orders.size === 1)
      fake.invisibleFor.set([...fake.orders.keys()][0]!, 3)
      const placed = yield* Fiber.join(placing)
      assert.strictEqual(placed.status, "NEW")
      assert.strictEqual(fake.calls.placeOrder, 1, "never retried blindly")
      assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 1)
      yield* close
    })))

  it.live("a place that never reached the venue: 'not placed' once the window and lifetime have passed; safe to retry", () =>
    run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open()
      // The request never reached the venue, and its answer was lost: every query says unknown.
      fake.faults.placeOrder.push("lostNotPlaced")
      const error = yield* Effect.flip(exchange.placeOrder(bid()))
      assert.strictEqual(error.reason._tag, "Transport")
      assert.include(error.message, "was not placed")
      assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
      yield* close
    })))

  it.live("a cancel answered 'unknown order' racing a fill, the order not yet visible: returns the FILLED order", () =>
    run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open()
      const placed = yield* exchange.placeOrder(bid())
      yield* fake.fill(placed.clientOrderId, "10", "t1")
      fake.invisibleFor.set(placed.clientOrderId, 3)
      const final = yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: placed.orderId })
      assert.strictEqual(final.status, "FILLED")
      assert.isTrue(BigDecimal.equals(final.filledQuantity, d("10")))
      // The venue answered ("unknown order"): not an unknown outcome.
      assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 0)
      yield* close
    })))

  it.live("a cancel whose answer is lost: confirmed by query", () =>
    run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open()
      const placed = yield* exchange.placeOrder(bid())
      fake.faults.cancelOrder.push("lost")
      const canceled = yield* exchange.cancelOrder({ symbol: "HIFIUSDT", clientOrderId: placed.clientOrderId })
      assert.strictEqual(canceled.status, "CANCELED")
      assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 1)
      yield* close
    })))
})

describe("PrivateConnector: streams", () => {
  it.live("after a gap: what changed meanwhile is reconciled over REST (order and fill, source rest), counted", () =>
    run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open()
      const updates = yield* record(exchange.orderUpdates)
      const fills = yield* record(exchange.fills)
      const placed = yield* exchange.placeOrder(bid())
      fake.pushOrders = false
      yield* fake.fill(placed.clientOrderId, "10", "t1")
      fake.pushOrders = true
      yield* fake.resubscribe
      yield* waitUntil("the fill from reconciliation", () => fills.some((f) => f.tradeId === "t1"))
      assert.isTrue(updates.some((u) => u.order.orderId === placed.orderId && u.order.status === "FILLED" && u.source === "rest"))
      const stats = yield* exchange.stats
      assert.strictEqual(stats.reconciliations, 1)
      assert.isAtLeast(stats.userStreamSessions, 2)
      yield* close
    })))

  it.live("a stream silent about an order the venue acknowledged: restarted and reconciled", () => {
    const logs: Array<string> = []
    return run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open()
      fake.pushOrders = false
      yield* exchange.placeOrder(bid())
      yield* waitUntil("a restart", () => fake.restarts.length > 0)
      assert.isTrue(logs.some((l) => l.includes("the private stream is silent")))
      yield* Effect.repeat(exchange.stats, { until: (s) => s.reconciliations >= 1 }).pipe(Effect.timeout("5 seconds"))
      yield* close
    }), logs)
  })

  it.live("one stuck orderUpdates subscriber: the others see all 3,000 fills, placeOrder answers, the stuck one fails SubscriberOverflow", () =>
    run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open({ subscriberCapacity: 500 })
      const gate = Latch.makeUnsafe(false)
      const stuck = yield* exchange.orderUpdates.pipe(
        Stream.mapEffect((u) => Effect.as(gate.await, u)),
        Stream.runDrain,
        Effect.exit,
        Effect.forkScoped
      )
      const fills = yield* record(exchange.fills)
      const updates = yield* record(exchange.orderUpdates)
      const big = yield* exchange.placeOrder(bid("0.5", "3000"))
      for (let i = 1; i <= 3_000; i++) {
        yield* fake.fill(big.clientOrderId, "1", `t${i}`)
        if (i % 100 === 0) yield* waitUntil(`fill ${i}`, () => fills.length >= i)
      }
      assert.strictEqual(fills.length, 3_000)
      yield* waitUntil("FILLED for the other subscriber", () => updates.some((u) => u.order.status === "FILLED"))
      const next = yield* exchange.placeOrder(bid("0.4")).pipe(Effect.timeout("5 seconds"))
      assert.deepStrictEqual((yield* exchange.ownOpenOrders).map((o) => o.orderId), [next.orderId])
      yield* gate.open
      const exit = yield* Fiber.join(stuck)
      const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
      assert.strictEqual(Option.getOrThrow(error).reason._tag, "SubscriberOverflow")
      yield* close
    })), 60_000)

  it.live("fills: a copy (same identity) and a corrupted copy (beyond the order's quantity) never count twice", () => {
    const logs: Array<string> = []
    return run(Effect.gen(function*() {
      const { close, exchange, fake } = yield* open()
      const fills = yield* record(exchange.fills)
      const placed = yield* exchange.placeOrder(bid())
      const fill = yield* fake.fill(placed.clientOrderId, "10", "t1")
      yield* fake.emit([{ _tag: "Fill", fill }, { _tag: "Fill", fill: new Fill({ ...fill, tradeId: "t1x" }) }])
      const other = yield* exchange.placeOrder(bid("0.4"))
      yield* fake.fill(other.clientOrderId, "10", "t2")
      yield* waitUntil("the later fill", () => fills.some((f) => f.tradeId === "t2"))
      assert.deepStrictEqual(fills.map((f) => f.tradeId), ["t1", "t2"])
      assert.isTrue(logs.some((l) => l.includes("would exceed the order's quantity")))
      yield* close
    }), logs)
  })

  it.live("span names are PrivateExchange.* with a venue attribute", () => {
    const spans: Array<Tracer.NativeSpan> = []
    const tracer = Tracer.make({
      span(options) {
        const span = new Tracer.NativeSpan(options)
        spans.push(span)
        return span
      }
    })
    return run(Effect.gen(function*() {
      const { close, exchange } = yield* open()
      const placed = yield* exchange.placeOrder(bid())
      yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: placed.orderId })
      yield* close
      for (const name of ["PrivateExchange.placeOrder", "PrivateExchange.cancelOrder"]) {
        const span = spans.find((s) => s.name === name)
        assert.isDefined(span, name)
        assert.strictEqual(span!.attributes.get("venue"), "fake")
      }
      assert.isFalse(spans.some((s) => s.name.startsWith("Mexc")))
    }).pipe(Effect.provideService(Tracer.Tracer, tracer)))
  })
})

describe("PrivateConnector: cancel on close", () => {
  const closeWith = (prepare: (fake: FakePrivatePort.FakePrivatePort, exchange: PrivateExchangeShape) => Effect.Effect<void, unknown>) =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const registry = ComponentRegistry.make()
      const fake = yield* collecting(LeakCheck.scoped(Effect.gen(function*() {
        const { close, exchange, fake } = yield* open()
        yield* prepare(fake, exchange)
        yield* close
        return fake
      })), logs).pipe(Effect.provideService(ComponentRegistry.ComponentRegistry, registry))
      return { fake, logs, registry }
    })

  it.live("cancels and confirms every order of ours; nothing reported", () =>
    Effect.gen(function*() {
      const { fake, logs, registry } = yield* closeWith((_, exchange) =>
        Effect.asVoid(Effect.all([exchange.placeOrder(bid()), exchange.placeOrder(bid("0.49"))])))
      assert.isTrue([...fake.orders.values()].every((o) => !o.isOpen))
      assert.isTrue(logs.some((l) => l.includes("confirmed over REST that none is open")))
      assert.deepStrictEqual(registry.unconfirmed(), [])
    }))

  it.live("the venue unreachable at close (cancel and check fail): each order named at ERROR, reported, never 'confirmed'", () =>
    Effect.gen(function*() {
      const { fake, logs, registry } = yield* closeWith((fake, exchange) =>
        Effect.gen(function*() {
          yield* exchange.placeOrder(bid())
          yield* exchange.placeOrder(bid("0.49"))
          fake.faults.cancelOrder.push("unreachable", "unreachable")
          fake.faults.openOrders.push("unreachable")
        }))
      const open = [...fake.orders.values()].filter((o) => o.isOpen)
      assert.strictEqual(open.length, 2)
      assert.isFalse(logs.some((l) => l.includes("confirmed over REST")))
      for (const order of open) {
        assert.isTrue(logs.some((l) => l.startsWith("Error") && l.includes("order state unknown") && l.includes(order.clientOrderId)))
      }
      const [report] = registry.unconfirmed()
      assert.strictEqual(report?.items.length, 2)
      assert.strictEqual(report?.component, "private:fake-private")
    }))

  it.live("a cancel that fails but a check that succeeds and lists the order: reported left open", () =>
    Effect.gen(function*() {
      const { logs, registry } = yield* closeWith((fake, exchange) =>
        Effect.gen(function*() {
          yield* exchange.placeOrder(bid())
          fake.faults.cancelOrder.push("unreachable")
        }))
      assert.isTrue(logs.some((l) => l.startsWith("Error") && l.includes("order left open")))
      assert.isTrue(registry.unconfirmed()[0]!.items[0]!.endsWith("open"))
    }))
})
