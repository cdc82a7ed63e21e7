/**
 * GatePrivate end to end on the Gate simulator (REST and WebSocket over loopback): the
 * venue-neutral private connector driven by Gate's wire. Orders of every type (LIMIT, IOC, FOK,
 * post-only, market buy in quote, market sell in base) and what the stream says of them; fills
 * while the private connection is down learned by reconciliation; a placement whose answer is lost resolved by its client order id (exactly one order,
 * also when it filled at once and Gate no longer finds its text on the path); a cancel racing a
 * fill; a silent private stream noticed and reconciled; cancel-on-close confirmed; the secret in no
 * log; the release order.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Stream } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import type { Lifecycle } from "../../../src/lifecycle/index.ts"
import type { GateSim } from "../../../src/sim/index.ts"
import { waitUntil } from "../../support/eventually.ts"
import { counterOrder, recordUpdates, simOpenOrders as ourOpenOrders, symbol, withPrivate as withGate } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse

const bid = (price = "0.5", quantity = "10") => ({ symbol, side: "BUY", type: "LIMIT", price: d(price), quantity: d(quantity) }) as const

describe("GatePrivate on the Gate simulator", () => {
  it.live("orders of every type, as the stream and REST tell them; own open orders; fills once", () =>
    withGate(({ exchange, gate }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        const fills: Array<string> = []
        yield* exchange.fills.pipe(Stream.runForEach((f) => Effect.sync(() => void fills.push(`${f.clientOrderId} ${Decimal.format(f.quantity)}`))), Effect.forkScoped)
        const resting = yield* exchange.placeOrder(bid("0.5"))
        assert.strictEqual(resting.status, "NEW")
        yield* waitUntil("the resting order reported", () => updates.some((u) => u.order.orderId === resting.orderId))
        assert.deepStrictEqual((yield* exchange.ownOpenOrders).map((o) => o.orderId), [resting.orderId])
        // IOC against 4 of 10: CANCELED with 4 filled, never FILLED.
        counterOrder(gate, { side: "SELL", price: "0.6", quantity: "4" })
        const ioc = yield* exchange.placeOrder({ ...bid("0.6"), timeInForce: "IOC" })
        yield* waitUntil("the IOC's end", () => updates.some((u) => u.order.orderId === ioc.orderId && u.order.status === "CANCELED"))
        const iocEnd = updates.find((u) => u.order.orderId === ioc.orderId && u.order.status === "CANCELED")!
        assert.strictEqual(Decimal.format(iocEnd.order.filledQuantity), "4")
        assert.isFalse(updates.some((u) => u.order.orderId === ioc.orderId && u.order.status === "FILLED"))
        // Post-only that would take: refused; one that rests: NEW.
        counterOrder(gate, { side: "SELL", price: "0.7", quantity: "10" })
        const crossing = yield* Effect.exit(exchange.placeOrder({ ...bid("0.7"), type: "LIMIT_MAKER" }))
        assert.isTrue(Exit.isFailure(crossing))
        const maker = yield* exchange.placeOrder({ ...bid("0.45"), type: "LIMIT_MAKER" })
        assert.strictEqual(maker.type, "LIMIT_MAKER")
        // A market buy sized in quote takes from the 0.7 ask.
        const market = yield* exchange.placeOrder({ symbol, side: "BUY", type: "MARKET", quoteQuantity: d("3.5") })
        yield* waitUntil("the market order's end", () => updates.some((u) => u.order.orderId === market.orderId && !u.order.isOpen))
        yield* waitUntil("the fills", () => fills.length >= 2)
        assert.include(fills, `${ioc.clientOrderId} 4`)
        assert.include(fills, `${market.clientOrderId} 5`)
        assert.strictEqual(new Set(fills).size, fills.length, "each fill once")
        yield* exchange.cancelOrder({ symbol, clientOrderId: resting.clientOrderId })
        yield* exchange.cancelOrder({ symbol, orderId: maker.orderId })
        assert.deepStrictEqual(ourOpenOrders(gate), [])
      })))

  it.live("FOK that cannot fill whole ends with nothing filled; one that can is FILLED; a market sell sized in base", () =>
    withGate(({ exchange, gate }) =>
      Effect.gen(function*() {
        counterOrder(gate, { side: "SELL", price: "0.6", quantity: "4" })
        const killed = yield* exchange.placeOrder({ ...bid("0.6"), timeInForce: "FOK" })
        const killedEnd = killed.isOpen ? yield* exchange.queryOrder({ symbol, orderId: killed.orderId }) : killed
        // Gate: status cancelled, finish_as fok.
        assert.deepStrictEqual([killedEnd.status, Decimal.format(killedEnd.filledQuantity)], ["CANCELED", "0"], "fill or kill: nothing of it filled")
        const filled = yield* exchange.placeOrder({ ...bid("0.6", "4"), timeInForce: "FOK" })
        const filledEnd = filled.isOpen ? yield* exchange.queryOrder({ symbol, orderId: filled.orderId }) : filled
        assert.deepStrictEqual([filledEnd.status, Decimal.format(filledEnd.filledQuantity)], ["FILLED", "4"])
        // Sell what was bought, at market, sized in HIFI.
        counterOrder(gate, { side: "BUY", price: "0.55", quantity: "10" })
        const sold = yield* exchange.placeOrder({ symbol, side: "SELL", type: "MARKET", quantity: d("4") })
        const soldEnd = sold.isOpen ? yield* exchange.queryOrder({ symbol, orderId: sold.orderId }) : sold
        assert.deepStrictEqual([soldEnd.status, Decimal.format(soldEnd.filledQuantity)], ["FILLED", "4"])
        assert.deepStrictEqual(ourOpenOrders(gate), [])
      })))

  it.live("a dropped private connection: fills while none exists are learned by reconciliation, each once", () =>
    withGate(({ exchange, gate }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        const fills: Array<string> = []
        yield* exchange.fills.pipe(Stream.runForEach((f) => Effect.sync(() => void fills.push(`${f.orderId} ${Decimal.format(f.quantity)}`))), Effect.forkScoped)
        const a = yield* exchange.placeOrder(bid("0.5"))
        const b = yield* exchange.placeOrder(bid("0.49"))
        yield* waitUntil("both on the stream", () => [a, b].every((o) => updates.some((u) => u.order.orderId === o.orderId)))
        yield* gate.faults.refuseConnections(1)
        yield* gate.faults.dropConnections
        // Both fill while no private connection exists: no push can carry it.
        counterOrder(gate, { side: "SELL", price: "0.49", quantity: "20" })
        yield* waitUntil("both fills learned", () =>
          [a, b].every((o) => updates.some((u) => u.order.orderId === o.orderId && u.order.status === "FILLED")), 15_000)
        const filled = updates.filter((u) => u.order.status === "FILLED")
        assert.deepStrictEqual(filled.map((u) => u.source), ["rest", "rest"], "learned from the reconciliation")
        assert.isAtLeast((yield* exchange.stats).reconciliations, 1)
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
        yield* waitUntil("both fills", () => fills.length >= 2)
        assert.sameMembers(fills, [`${a.orderId} 10`, `${b.orderId} 10`], "each fill once")
      })))

  it.live("malformed private pushes (unparsable, wrong types, impossible values) are counted and skipped; the order's end and its fill still arrive, once", () => {
    const logs: Array<string> = []
    return withGate(({ exchange, gate }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        const fills: Array<string> = []
        yield* exchange.fills.pipe(Stream.runForEach((f) => Effect.sync(() => void fills.push(`${f.orderId} ${Decimal.format(f.quantity)}`))), Effect.forkScoped)
        // The next three private frames (the order's put, its balance change, ...) are spoilt.
        yield* gate.faults.malformedFrames(3)
        const placed = yield* exchange.placeOrder(bid("0.5"))
        counterOrder(gate, { side: "SELL", price: "0.5", quantity: "10" })
        yield* waitUntil("the order's end", () => updates.some((u) => u.order.orderId === placed.orderId && u.order.status === "FILLED"), 15_000)
        yield* waitUntil("its fill", () => fills.length >= 1, 15_000)
        assert.deepStrictEqual(fills, [`${placed.orderId} 10`], "the fill once")
        // Counted in the connector's WARN lines (`skipped: n` per batch).
        const skipped = logs.filter((l) => l.includes("skipped private push(es)")).reduce((n, l) => n + Number(/"skipped":(\d+)/.exec(l)?.[1] ?? 0), 0)
        assert.strictEqual(skipped, 3, `each spoilt frame counted once:\n${logs.join("\n")}`)
        assert.deepStrictEqual(yield* exchange.ownOpenOrders, [])
      }), { logs })
  })

  it.live("a placement whose answer is lost is resolved by its client order id: exactly one order", () =>
    withGate(({ exchange, gate }) =>
      Effect.gen(function*() {
        yield* Effect.flatMap(exchange.placeOrder(bid("0.4")), (o) => exchange.cancelOrder({ symbol, orderId: o.orderId }))
        yield* gate.faults.loseAnswers(1, { mode: "cut" })
        const placed = yield* exchange.placeOrder(bid("0.5"))
        assert.strictEqual(placed.status, "NEW")
        assert.strictEqual(ourOpenOrders(gate).length, 1, "exactly one order")
        assert.deepStrictEqual((yield* exchange.ownOpenOrders).map((o) => o.orderId), [placed.orderId])
        assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 1)
      })))

  it.live("an IOC whose answer is lost filled at once: found among finished orders by its client order id", () =>
    withGate(({ exchange, gate }) =>
      Effect.gen(function*() {
        counterOrder(gate, { side: "SELL", price: "0.6", quantity: "10" })
        yield* gate.faults.loseAnswers(1, { mode: "cut" })
        const ioc = yield* exchange.placeOrder({ ...bid("0.6"), timeInForce: "IOC" })
        assert.strictEqual(ioc.status, "FILLED")
        assert.deepStrictEqual(ourOpenOrders(gate), [])
        assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 1)
      })))

  it.live("a cancel racing a fill answers the FILLED order, not an error", () =>
    withGate(({ exchange, gate }) =>
      Effect.gen(function*() {
        const placed = yield* exchange.placeOrder(bid("0.5"))
        counterOrder(gate, { side: "SELL", price: "0.5", quantity: "10" })
        const result = yield* exchange.cancelOrder({ symbol, orderId: placed.orderId })
        assert.strictEqual(result.status, "FILLED")
        assert.strictEqual((yield* exchange.stats).unknownOutcomesResolved, 0, "the venue answered")
      })))

  it.live("a private stream silent while its pongs continue is noticed, restarted, and what it missed is delivered", () => {
    const logs: Array<string> = []
    return withGate(({ exchange, gate }) =>
      Effect.gen(function*() {
        const updates = yield* recordUpdates(exchange)
        yield* gate.faults.silencePrivate(true)
        const a = yield* exchange.placeOrder(bid("0.5"))
        counterOrder(gate, { side: "SELL", price: "0.5", quantity: "10" })
        yield* waitUntil("the fill of the order placed during the silence", () =>
          updates.some((u) => u.order.orderId === a.orderId && u.order.status === "FILLED"))
        assert.isTrue(logs.some((l) => l.includes("the private stream is silent")), "noticed")
        // Restarted; the new session is subscribed and its gap reconciled before the venue speaks again.
        yield* Effect.repeat(exchange.stats, { until: (s) => s.reconciliations >= 2 && s.userStreamSessions >= 2 }).pipe(Effect.timeout("10 seconds"))
        yield* gate.faults.silencePrivate(false)
        const b = yield* exchange.placeOrder(bid("0.49"))
        counterOrder(gate, { side: "SELL", price: "0.49", quantity: "10" })
        yield* waitUntil("a fill on the stream once it speaks again", () =>
          updates.some((u) => u.order.orderId === b.orderId && u.order.status === "FILLED" && u.source === "stream"))
        assert.isAtLeast((yield* exchange.stats).userStreamSessions, 2)
      }), { logs })
  })

  it.live("cancel on close: every open order canceled and confirmed; the secret in no log; the release order", () => {
    const logs: Array<string> = []
    const events: Array<Lifecycle.LifecycleEvent> = []
    let gateRef: GateSim.GateSimShape | undefined
    return Effect.gen(function*() {
      yield* withGate(({ exchange, gate }) =>
        Effect.gen(function*() {
          gateRef = gate
          yield* exchange.placeOrder(bid("0.5"))
          yield* exchange.placeOrder(bid("0.45"))
          assert.strictEqual(ourOpenOrders(gate).length, 2)
        }), { logs, events })
      assert.deepStrictEqual(ourOpenOrders(gateRef!), [], "nothing left open")
      const secret = Redacted.value(gateRef!.credentials.apiSecret)
      for (const line of logs) assert.notInclude(line, secret)
      // The service's release (cancel on close) starts first, while the connection and REST are up;
      // the stream's parts go next, then REST and the limiter.
      const stopping = events.filter((e) => e.phase === "stopping").map((e) => e.component)
      const at = (c: string) => {
        const i = stopping.indexOf(c)
        assert.isAtLeast(i, 0, `${c} stopping (${stopping.join(", ")})`)
        return i
      }
      assert.strictEqual(stopping[0], "private:gate-private")
      assert.isBelow(at("connection:gate-private"), at("queue:gate-private"))
      assert.isBelow(at("queue:gate-private"), at("hub:gate-private"))
      assert.isBelow(at("hub:gate-private"), at("rest:gate"))
      assert.isBelow(at("rest:gate"), at("ratelimit:gate"))
      const confirmed = logs.findIndex((l) => l.includes("confirmed"))
      const connectionStops = logs.findIndex((l) => l.includes("stopping") && l.includes("connection:gate-private"))
      assert.isAtLeast(confirmed, 0, "cancel on close confirmed in the log")
      assert.isBelow(confirmed, connectionStops, "confirmed while the private connection was still up")
    })
  })
})
