/**
 * The MEXC side's faults, produced on the Gate side: book-stream gaps, reorders, duplicates, a
 * stale snapshot, answers lost after placement, orders not yet visible, a silent private stream,
 * 429 bursts and unknown outcomes, dropped and refused connections, malformed frames; from code and
 * over the admin endpoint.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { GateSim } from "../../../src/sim/index.ts"
import { call, connect, eventually, gatePublic, gateSigned, messages, privateRequest, request, updates, withGate } from "./support.ts"

const maker = { apiKey: "maker", secret: "maker-secret" }
const quiet = { market: false as const, accounts: [maker], fullPushChance: 0, rateLimits: { placement: { limit: 1000, windowMs: 1000 } } }
const order = (fields: Record<string, unknown>) => ({ currency_pair: "BTC_USDT", type: "limit", account: "spot", ...fields })

let price = 50000
/** A maker order at a fresh price: one book change. */
const change = (gate: GateSim.GateSimShape) =>
  gateSigned(gate, "POST", "/spot/orders", { credentials: maker, body: order({ side: "buy", amount: "0.001", price: String(price++) }) })

const bookPushes = (client: { texts: ReadonlyArray<string> }) => updates(client, "spot.order_book_update").map((m) => m.result as { U: number; u: number })

/** Subscribes to BTC_USDT's 20 ms book and waits for a first push. */
const bookClient = (gate: GateSim.GateSimShape) =>
  Effect.gen(function*() {
    const client = yield* connect(gate.wsUrl)
    client.send(request("spot.order_book_update", "subscribe", ["BTC_USDT", "20ms"], 1))
    yield* eventually(() => messages(client).some((m) => m.id === 1))
    yield* change(gate)
    yield* eventually(() => bookPushes(client).length >= 1)
    return client
  })

/** Makes a change and waits until the feed pushed past it (or lost it to a fault that is now used up). */
const changeAndSettle = (gate: GateSim.GateSimShape, consumed: () => Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    yield* change(gate)
    for (let i = 0; i < 500 && !(yield* consumed()); i++) yield* Effect.sleep("10 millis")
  })

const pending = (gate: GateSim.GateSimShape, field: "depthGapsPending" | "depthReordersPending" | "depthDuplicatesPending") =>
  () => Effect.map(gate.faults.snapshot, (s) => s[field].length === 0)

describe("Gate faults: book streams", () => {
  it.live("gap: the push after the lost one starts past the previous u + 1", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const client = yield* bookClient(gate)
        yield* gate.faults.depthGap("BTC_USDT")
        yield* changeAndSettle(gate, pending(gate, "depthGapsPending"))
        const before = bookPushes(client).length
        yield* change(gate)
        yield* eventually(() => bookPushes(client).length > before)
        const pushes = bookPushes(client)
        assert.isTrue(pushes.some((p, i) => i > 0 && p.U > pushes[i - 1]!.u + 1), JSON.stringify(pushes))
      })))

  it.live("reorder: a push is held back and sent after the next one", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const client = yield* bookClient(gate)
        yield* gate.faults.reorderDepth("BTC_USDT")
        yield* changeAndSettle(gate, pending(gate, "depthReordersPending"))
        yield* change(gate)
        yield* eventually(() => bookPushes(client).length >= 3)
        const pushes = bookPushes(client)
        assert.isTrue(pushes.some((p, i) => i > 0 && p.U < pushes[i - 1]!.U), JSON.stringify(pushes))
      })))

  it.live("duplicate: a push is sent twice", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const client = yield* bookClient(gate)
        yield* gate.faults.duplicateDepth("BTC_USDT")
        yield* changeAndSettle(gate, pending(gate, "depthDuplicatesPending"))
        yield* eventually(() => bookPushes(client).length >= 3)
        const pushes = bookPushes(client)
        assert.isTrue(pushes.some((p, i) => i > 0 && p.U === pushes[i - 1]!.U && p.u === pushes[i - 1]!.u), JSON.stringify(pushes))
      })))

  it.live("stale snapshot: order_book's id is older than what the stream already pushed", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const client = yield* bookClient(gate)
        yield* gate.faults.staleSnapshot("BTC_USDT")
        const armedAt = gate.engine.depthVersion("BTC_USDT")!
        yield* change(gate)
        yield* eventually(() => bookPushes(client).some((p) => p.u > armedAt))
        const snapshot = (yield* gatePublic(gate, "/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true")).body
        assert.strictEqual(snapshot.id, armedAt)
        assert.isBelow(snapshot.id, Math.max(...bookPushes(client).map((p) => p.u)))
        const fresh = (yield* gatePublic(gate, "/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true")).body
        assert.strictEqual(fresh.id, gate.engine.depthVersion("BTC_USDT"))
      })))
})

describe("Gate faults: orders and REST", () => {
  it.live("answer lost after placement (cut): the client sees the connection drop, the order exists", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        yield* gate.faults.loseAnswers(1)
        const lost = yield* Effect.exit(Effect.flatMap(
          Effect.sync(() => gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "buy", amount: "0.001", price: "60000", text: "t-lost" }) })),
          (effect) => effect
        ))
        assert.strictEqual(lost._tag, "Failure")
        const found = yield* gateSigned(gate, "GET", "/spot/orders/t-lost", { query: "currency_pair=BTC_USDT" })
        assert.deepInclude(found.body, { text: "t-lost", status: "open" })
      })))

  it.live("not yet visible: a young order answers 404 ORDER_NOT_FOUND to queries", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        yield* gate.faults.notYetVisible(60_000)
        const placed = (yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "buy", amount: "0.001", price: "60000" }) })).body
        const hidden = yield* gateSigned(gate, "GET", `/spot/orders/${placed.id}`, { query: "currency_pair=BTC_USDT" })
        assert.deepStrictEqual([hidden.status, hidden.body.label], [404, "ORDER_NOT_FOUND"])
        yield* gate.faults.notYetVisible(0)
        assert.strictEqual((yield* gateSigned(gate, "GET", `/spot/orders/${placed.id}`, { query: "currency_pair=BTC_USDT" })).status, 200)
      })))

  it.live("429 burst with Retry-After, then calls pass; a 5xx answers a placement that was carried out", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        yield* gate.faults.failNextRest(2, { status: 429, retryAfterSeconds: 3 })
        for (let i = 0; i < 2; i++) {
          const limited = yield* gatePublic(gate, "/spot/time")
          assert.deepStrictEqual([limited.status, limited.body.label, limited.headers.get("retry-after")], [429, "TOO_MANY_REQUESTS", "3"])
        }
        assert.strictEqual((yield* gatePublic(gate, "/spot/time")).status, 200)
        yield* gate.faults.failNextRest(1, { status: 503 })
        const unknown = yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "buy", amount: "0.001", price: "60000", text: "t-503" }) })
        assert.strictEqual(unknown.status, 503)
        const found = yield* gateSigned(gate, "GET", "/spot/orders/t-503", { query: "currency_pair=BTC_USDT" })
        assert.strictEqual(found.body.status, "open")
      })))
})

describe("Gate faults: connections", () => {
  it.live("silent private stream: no order pushes while pongs go on", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const client = yield* connect(gate.wsUrl)
        client.send(privateRequest("spot.orders", "subscribe", ["!all"], 1))
        yield* eventually(() => messages(client).some((m) => m.id === 1))
        yield* gate.faults.silencePrivate(true)
        yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "buy", amount: "0.001", price: "60000" }) })
        // Pushes for the order would be queued before the REST answer; the pong comes after them.
        client.send({ time: Math.floor(Date.now() / 1000), channel: "spot.ping" })
        yield* eventually(() => messages(client).some((m) => m.channel === "spot.pong"))
        assert.deepStrictEqual(updates(client, "spot.orders"), [])
        yield* gate.faults.silencePrivate(false)
        yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "buy", amount: "0.001", price: "60001" }) })
        yield* eventually(() => updates(client, "spot.orders").length > 0)
      })))

  it.live("dropped connections (1006), refused connections (503), malformed frames, over the admin endpoint too", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const client = yield* connect(gate.wsUrl)
        const dropped = yield* call("POST", `${gate.baseUrl}/sim/faults/drop-connections`)
        assert.strictEqual(dropped.status, 200)
        assert.strictEqual((yield* Effect.promise(() => client.closed)).code, 1006)

        yield* gate.faults.refuseConnections(30)
        const refused = yield* Effect.exit(connect(gate.wsUrl))
        assert.strictEqual(refused._tag, "Failure")
        yield* gate.faults.reset

        const other = yield* connect(gate.wsUrl)
        yield* gate.faults.malformedFrames(1)
        other.send(request("spot.obu", "subscribe", ["ob.BTC_USDT.50"], 1))
        yield* eventually(() => other.texts.some((t) => t.startsWith(`{"time":1,"channel":"spot.`) && !t.endsWith("}")))

        const armed = yield* call("POST", `${gate.baseUrl}/sim/faults/depth-gap?symbol=BTC_USDT`)
        assert.deepStrictEqual(armed.body.depthGapsPending, ["BTC_USDT"])
        assert.deepStrictEqual((yield* call("GET", `${gate.baseUrl}/sim/faults`)).body.depthGapsPending, ["BTC_USDT"])
      })))

  it.live("faults on from the start: the private stream is silent", () =>
    withGate({ ...quiet, faults: { silentPrivate: true } }, (gate) =>
      Effect.gen(function*() {
        const snapshot = yield* gate.faults.snapshot
        assert.deepStrictEqual(snapshot.privateSilenced, ["*"])
      })))
})
