/**
 * The Gate.io side's WebSocket against the reference (`gateio-wire.md`, "WebSocket v4"): envelope,
 * ping/pong, acks and refusals by request id, each public channel, the local-book procedure on
 * `spot.order_book_update` and `spot.obu`, private channels with per-subscribe auth, idle close.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { GateSim } from "../../../src/sim/index.ts"
import { connect, eventually, gatePublic, gateSigned, messages, privateRequest, request, updates, withGate } from "./support.ts"

const maker = { apiKey: "maker", secret: "maker-secret" }
const quiet = { market: false as const, accounts: [maker], fullPushChance: 0, rateLimits: { placement: { limit: 1000, windowMs: 1000 } } }
const order = (fields: Record<string, unknown>) => ({ currency_pair: "BTC_USDT", type: "limit", account: "spot", ...fields })

const answerTo = (client: { texts: ReadonlyArray<string> }, id: number) => eventually(() => messages(client).find((m) => m.id === id), "5 seconds", `answer ${id}`)

/** A local book kept by the documented procedure. */
class LocalBook {
  id = 0
  readonly bids = new Map<string, string>()
  readonly asks = new Map<string, string>()
  reset(id: number, bids: Array<[string, string]>, asks: Array<[string, string]>) {
    this.id = id
    this.bids.clear()
    this.asks.clear()
    for (const [p, q] of bids) this.bids.set(p, q)
    for (const [p, q] of asks) this.asks.set(p, q)
  }
  apply(push: { U: number; u: number; b: Array<[string, string]>; a: Array<[string, string]> }) {
    for (const [side, levels] of [[this.bids, push.b], [this.asks, push.a]] as const) {
      for (const [p, q] of levels) {
        if (Number(q) === 0) side.delete(p)
        else side.set(p, q)
      }
    }
    this.id = push.u
  }
  top(n: number) {
    const sort = (m: Map<string, string>, desc: boolean) =>
      [...m].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0]))).slice(0, n)
    return { bids: sort(this.bids, true), asks: sort(this.asks, false) }
  }
}

const placeMaker = (gate: GateSim.GateSimShape, side: string, price: string, amount = "0.01") =>
  gateSigned(gate, "POST", "/spot/orders", { credentials: maker, body: order({ side, amount, price }) })

describe("Gate WebSocket: control", () => {
  it.live("ping/pong, acks and refusals by id, unknown channel, bad JSON", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const client = yield* connect(gate.wsUrl)
        client.send({ time: Math.floor(Date.now() / 1000), channel: "spot.ping" })
        const pong = yield* eventually(() => messages(client).find((m) => m.channel === "spot.pong"))
        assert.deepInclude(pong, { channel: "spot.pong", event: "", error: null, result: null })
        assert.isNumber(pong.time)

        client.send(request("spot.trades", "subscribe", ["BTC_USDT"], 7))
        const ack = yield* answerTo(client, 7)
        assert.deepInclude(ack, { id: 7, channel: "spot.trades", event: "subscribe", error: null, result: { status: "success" } })
        assert.deepStrictEqual(ack.payload, ["BTC_USDT"])
        assert.isString(ack.conn_id)

        client.send(request("spot.trades", "subscribe", ["LUNARLENS_USDT"], 8))
        const refused = yield* answerTo(client, 8)
        assert.deepInclude(refused, { error: { code: 2, message: "unknown currency pair: LUNARLENS_USDT" }, result: { status: "fail" } })
        client.send(request("spot.nothing", "subscribe", ["BTC_USDT"], 9))
        assert.strictEqual((yield* answerTo(client, 9)).error.code, 2)
        client.send(request("spot.order_book_update", "subscribe", ["BTC_USDT", "1000ms"], 10))
        assert.strictEqual((yield* answerTo(client, 10)).error.code, 2)
        client.send("{not json")
        const bad = yield* eventually(() => messages(client).find((m) => m.error?.code === 1))
        assert.deepStrictEqual(bad.result, { status: "fail" })
        client.send(request("spot.trades", "unsubscribe", ["BTC_USDT"], 11))
        assert.deepInclude(yield* answerTo(client, 11), { event: "unsubscribe", result: { status: "success" } })
      })))

  it.live("a connection on which nothing travels is closed after the idle timeout", () =>
    withGate({ ...quiet, ws: { idleTimeout: "300 millis" } }, (gate) =>
      Effect.gen(function*() {
        const client = yield* connect(gate.wsUrl)
        const closed = yield* Effect.promise(() => client.closed)
        assert.strictEqual(closed.code, 1000)
      })))
})

describe("Gate WebSocket: public channels", () => {
  it.live("book ticker and trades", () =>
    withGate({ seed: 4 }, (gate) =>
      Effect.gen(function*() {
        const client = yield* connect(gate.wsUrl)
        client.send(request("spot.book_ticker", "subscribe", ["BTC_USDT"], 1))
        client.send(request("spot.trades", "subscribe", ["BTC_USDT"], 2))
        const ticker = (yield* eventually(() => updates(client, "spot.book_ticker")[0])).result
        assert.strictEqual(ticker.s, "BTC_USDT")
        assert.isNumber(ticker.t)
        assert.isNumber(ticker.u)
        assert.isTrue(Number(ticker.a) > Number(ticker.b))
        assert.isString(ticker.B)
        const trade = (yield* eventually(() => updates(client, "spot.trades")[0], "10 seconds")).result
        assert.isNumber(trade.id)
        assert.isNumber(trade.create_time)
        assert.match(trade.create_time_ms, /^[0-9]+\.[0-9]{3}$/)
        assert.include(["buy", "sell"], trade.side)
        assert.deepInclude(trade, { currency_pair: "BTC_USDT" })
        const message = updates(client, "spot.trades")[0]
        assert.isNumber(message.time)
        assert.isNumber(message.time_ms)
        client.send(request("spot.tickers", "subscribe", ["ETH_USDT"], 3))
        const tickers = (yield* eventually(() => updates(client, "spot.tickers")[0])).result
        assert.strictEqual(tickers.currency_pair, "ETH_USDT")
        assert.isTrue(Number(tickers.lowest_ask) > Number(tickers.highest_bid))
        for (const field of ["last", "change_percentage", "base_volume", "quote_volume", "high_24h", "low_24h"]) assert.isString(tickers[field], field)
      })))

  it.live("order_book_update: the documented local-book procedure gives the engine's book; U = previous u + 1", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        for (let i = 0; i < 5; i++) {
          yield* placeMaker(gate, "buy", String(60000 - i * 10))
          yield* placeMaker(gate, "sell", String(61000 + i * 10))
        }
        const client = yield* connect(gate.wsUrl)
        client.send(request("spot.order_book_update", "subscribe", ["BTC_USDT", "20ms"], 1))
        yield* answerTo(client, 1)
        yield* placeMaker(gate, "buy", "60005")
        const snapshot = (yield* gatePublic(gate, "/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true")).body
        for (let i = 0; i < 3; i++) {
          yield* placeMaker(gate, "sell", String(60990 - i * 5))
          yield* placeMaker(gate, "buy", String(59000 + i))
        }
        const target = gate.engine.depthVersion("BTC_USDT")!
        yield* eventually(() => updates(client, "spot.order_book_update").some((m) => m.result.u >= target), "5 seconds", `u >= ${target}: ${JSON.stringify(client.texts.slice(0, 3))} ${gate.engine.depthVersion("BTC_USDT")}`)
        const pushes = updates(client, "spot.order_book_update").map((m) => m.result)
        for (let i = 1; i < pushes.length; i++) assert.strictEqual(pushes[i].U, pushes[i - 1].u + 1)
        assert.deepInclude(pushes[0], { e: "depthUpdate", s: "BTC_USDT", l: "20" })
        assert.isNumber(pushes[0].E)

        const book = new LocalBook()
        book.reset(snapshot.id, snapshot.bids, snapshot.asks)
        const kept = pushes.filter((p) => p.u >= snapshot.id + 1)
        assert.isTrue(kept[0].U <= snapshot.id + 1 && snapshot.id + 1 <= kept[0].u)
        for (const push of kept) book.apply(push)
        const engine = gate.engine.depth("BTC_USDT", 100)!
        assert.strictEqual(book.id, engine.lastUpdateId)
        assert.deepStrictEqual(book.top(100), { bids: engine.bids.map(([p, q]) => [p, q]), asks: engine.asks.map(([p, q]) => [p, q]) })
      })))

  it.live("order_book_update: irregular full pushes (full: true, l levels, no U) replace the book", () =>
    withGate({ seed: 9, fullPushChance: 0.3 }, (gate) =>
      Effect.gen(function*() {
        const client = yield* connect(gate.wsUrl)
        client.send(request("spot.order_book_update", "subscribe", ["BTC_USDT", "100ms"], 1))
        const full = (yield* eventually(() => updates(client, "spot.order_book_update").find((m) => m.result.full === true), "10 seconds")).result
        assert.strictEqual(full.l, "100")
        assert.isUndefined(full.U)
        assert.isNumber(full.u)
        assert.isAbove(full.b.length, 0)
        // The stream continues from the full push's u.
        const next = yield* eventually(() => updates(client, "spot.order_book_update").map((m) => m.result).find((r) => r.u > full.u))
        assert.isTrue(next.full === true || next.U === full.u + 1)
      })))

  it.live("obu: the first push is full, then U = previous u + 1; a duplicate subscribe is refused", () =>
    withGate({ seed: 5, fullPushChance: 0 }, (gate) =>
      Effect.gen(function*() {
        const client = yield* connect(gate.wsUrl)
        client.send(request("spot.obu", "subscribe", ["ob.BTC_USDT.50"], 1))
        yield* answerTo(client, 1)
        yield* eventually(() => updates(client, "spot.obu").length >= 5)
        const pushes = updates(client, "spot.obu").map((m) => m.result)
        assert.deepInclude(pushes[0], { full: true, s: "ob.BTC_USDT.50" })
        assert.isUndefined(pushes[0].U)
        for (let i = 1; i < pushes.length; i++) {
          assert.isUndefined(pushes[i].full)
          assert.strictEqual(pushes[i].U, pushes[i - 1].u + 1)
        }
        client.send(request("spot.obu", "subscribe", ["ob.BTC_USDT.50"], 2))
        assert.deepInclude(yield* answerTo(client, 2), { error: { code: 2, message: "Alert sub ob.BTC_USDT.50" }, result: { status: "fail" } })
        // A second client joining later gets its own full push first.
        const late = yield* connect(gate.wsUrl)
        late.send(request("spot.obu", "subscribe", ["ob.BTC_USDT.400"], 1))
        const first = (yield* eventually(() => updates(late, "spot.obu")[0])).result
        assert.deepInclude(first, { full: true, s: "ob.BTC_USDT.400" })
      })))
})

describe("Gate WebSocket: private channels", () => {
  it.live("per-subscribe auth; orders put / finish, usertrades, balances", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const client = yield* connect(gate.wsUrl)
        const bad = privateRequest("spot.orders", "subscribe", ["BTC_USDT"], 1)
        bad.auth.SIGN = bad.auth.SIGN.replace(/^./, (c) => (c === "0" ? "1" : "0"))
        client.send(bad)
        assert.deepInclude(yield* answerTo(client, 1), { result: { status: "fail" } })
        assert.strictEqual((yield* answerTo(client, 1)).error.code, 4)
        const stale = privateRequest("spot.orders", "subscribe", ["BTC_USDT"], 2, undefined, Math.floor(Date.now() / 1000) - 120)
        client.send(stale)
        assert.strictEqual((yield* answerTo(client, 2)).error.code, 4)

        client.send(privateRequest("spot.orders", "subscribe", ["BTC_USDT"], 3))
        client.send(privateRequest("spot.usertrades", "subscribe", ["!all"], 4))
        client.send(privateRequest("spot.balances", "subscribe", [], 5))
        for (const id of [3, 4, 5]) assert.deepStrictEqual((yield* answerTo(client, id)).result, { status: "success" })

        const placed = (yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "buy", amount: "0.001", price: "60000", text: "t-ws1" }) })).body
        const put = (yield* eventually(() => updates(client, "spot.orders").find((m) => m.result[0].event === "put"))).result[0]
        assert.deepInclude(put, { id: placed.id, text: "t-ws1", event: "put", finish_as: "open", left: "0.001", side: "buy", time_in_force: "gtc" })
        assert.isString(put.create_time_ms)
        assert.isNumber(put.user)
        const created = yield* eventually(() => updates(client, "spot.balances").find((m) => m.result[0].change_type === "order-create"))
        assert.deepInclude(created.result[0], { currency: "USDT", available: "9940", freeze: "60", change: "0", freeze_change: "60" })

        yield* gateSigned(gate, "DELETE", `/spot/orders/${placed.id}`, { query: "currency_pair=BTC_USDT" })
        const finish = (yield* eventually(() => updates(client, "spot.orders").find((m) => m.result[0].event === "finish"))).result[0]
        assert.deepInclude(finish, { id: placed.id, finish_as: "cancelled", left: "0.001" })

        yield* placeMaker(gate, "sell", "65000", "0.002")
        const filled = (yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "buy", amount: "0.002", price: "65000" }) })).body
        const trade = (yield* eventually(() => updates(client, "spot.usertrades")[0])).result[0]
        assert.deepInclude(trade, { order_id: filled.id, currency_pair: "BTC_USDT", side: "buy", role: "taker", amount: "0.002", price: "65000", fee_currency: "BTC" })
        assert.isNumber(trade.id)
        const done = (yield* eventually(() => updates(client, "spot.orders").find((m) => m.result[0].id === filled.id && m.result[0].event === "finish"))).result[0]
        assert.deepInclude(done, { finish_as: "filled", left: "0", filled_amount: "0.002", fee: "0.000001" })
        assert.isTrue(updates(client, "spot.balances").some((m) => m.result[0].change_type === "order-match"))
        // The maker's fills are not this account's.
        assert.isFalse(updates(client, "spot.usertrades").some((m) => m.result[0].role === "maker"))
      })))
})
