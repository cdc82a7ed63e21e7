/**
 * Gate WebSocket frames: requests as Gate reads them, every server frame read (acks, refusals,
 * pongs, pushes), public pushes to depth deltas, quotes and trades, private pushes to orders, fills
 * and balances; on the saved frames in `test/fixtures/gate/ws.json`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { GatePrivatePush, GateProtocol, GatePushParse, GateSchemas } from "../../../src/venues/gate/index.ts"
import { fixture, wsFrame } from "./fixtures.ts"
import { fmt } from "../../support/parsing.ts"

const push = (name: string) => {
  const frame = GateProtocol.read(wsFrame(name))
  if (frame._tag !== "Push") throw new Error(`${name} is a ${frame._tag}`)
  return frame
}

describe("GateProtocol", () => {
  it("writes subscribe, unsubscribe (with auth when private) and ping frames Gate's shape", () => {
    const depth = GatePushParse.subscription("depth", "BTC_USDT", "100ms")
    const text = GateProtocol.request({ event: "subscribe", subscription: depth, time: 1733400000, id: 7 })
    assert.deepStrictEqual(JSON.parse(text), { time: 1733400000, id: 7, channel: "spot.order_book_update", event: "subscribe", payload: ["BTC_USDT", "100ms"] })
    const auth = { method: "api_key" as const, KEY: "key", SIGN: "abc" }
    const orders = GateProtocol.request({ event: "unsubscribe", subscription: GatePrivatePush.subscriptions[0]!, time: 5, id: 8, auth })
    const decoded = Schema.decodeUnknownSync(GateSchemas.WsRequest)(JSON.parse(orders))
    assert.deepStrictEqual([decoded.channel, decoded.event, decoded.payload, decoded.auth], ["spot.orders", "unsubscribe", ["!all"], auth])
    assert.deepStrictEqual(JSON.parse(GateProtocol.ping(9)), { time: 9, channel: "spot.ping" })
  })

  it("names a subscription by one key and reads it back", () => {
    const s = GatePushParse.subscription("depth", "BTC_USDT", "20ms")
    assert.strictEqual(GateProtocol.key(s), "spot.order_book_update|BTC_USDT,20ms")
    assert.deepStrictEqual(GateProtocol.subscriptionOf(GateProtocol.key(s)), s)
    assert.deepStrictEqual(GateProtocol.subscriptionOf("spot.balances|"), { channel: "spot.balances", payload: [] })
    assert.isUndefined(GateProtocol.subscriptionOf("nonsense"))
  })

  it("reads acks, refusals (with code and payload), pongs, upgrade, pushes and garbage", () => {
    assert.deepStrictEqual(GateProtocol.read(wsFrame("subscribeAck")), {
      _tag: "Ack",
      id: 7,
      channel: "spot.order_book_update",
      event: "subscribe",
      payload: ["BTC_USDT", "100ms"]
    })
    const refused = GateProtocol.read(wsFrame("refused"))
    assert.deepStrictEqual(refused, {
      _tag: "Refused",
      id: 8,
      channel: "spot.trades",
      event: "subscribe",
      code: 2,
      message: "unknown currency pair: NOPE_USDT",
      payload: ["NOPE_USDT"]
    })
    const auth = GateProtocol.read(wsFrame("authFailed"))
    assert.strictEqual(auth._tag === "Refused" ? `${auth.code} ${auth.message}` : auth._tag, "4 Authentication fail")
    assert.deepStrictEqual(GateProtocol.read(wsFrame("pong")), { _tag: "Pong" })
    assert.deepStrictEqual(GateProtocol.read("{\"time\":1,\"channel\":\"\",\"event\":\"upgrade\"}"), { _tag: "Upgrade" })
    assert.strictEqual(push("trade").timeMs, 1733400000160)
    assert.strictEqual(GateProtocol.read("not json")._tag, "Unreadable")
    assert.strictEqual(GateProtocol.read("[1,2]")._tag, "Unreadable")
    assert.strictEqual(GateProtocol.read("{\"channel\":\"spot.trades\",\"event\":\"update\"}")._tag, "Unreadable", "a push without result")
  })

  it("subscriptionProtocol: each frame carries the connection's request id and the time it is written; answers name their request", () => {
    let offset = 0
    const signed: Array<string> = []
    const protocol = GateProtocol.subscriptionProtocol({
      offsetMs: () => offset,
      auth: (channel, event, time) => {
        signed.push(`${channel} ${event} ${time}`)
        return channel === "spot.orders" ? { method: "api_key", KEY: "k", SIGN: "s" } : undefined
      }
    })
    const trades = GateProtocol.key(GatePushParse.subscription("trades", "BTC_USDT", "100ms"))
    const first = JSON.parse(protocol.subscribe([trades], { id: 1, nowMs: 1733400000_900 }) as string)
    offset = 61_000
    const second = JSON.parse(protocol.subscribe(["spot.orders|!all"], { id: 2, nowMs: 1733400000_000 }) as string)
    assert.deepStrictEqual([first.id, first.time, first.channel, first.payload, first.auth], [1, 1733400000, "spot.trades", ["BTC_USDT"], undefined])
    assert.deepStrictEqual([second.id, second.time, second.channel, second.payload, second.auth], [2, 1733400061, "spot.orders", ["!all"], { method: "api_key", KEY: "k", SIGN: "s" }])
    assert.deepStrictEqual(signed, ["spot.trades subscribe 1733400000", "spot.orders subscribe 1733400061"], "signed over the venue time it carries")
    const unsubscribe = JSON.parse(protocol.unsubscribe([trades], { id: 3, nowMs: 1733400000_000 }) as string)
    assert.deepStrictEqual([unsubscribe.event, unsubscribe.id], ["unsubscribe", 3])
    const ping = protocol.ping
    assert.isFunction(ping)
    if (typeof ping === "function") assert.deepStrictEqual(JSON.parse(ping({ id: 4, nowMs: 1733400005_000 }) as string), { time: 1733400066, channel: "spot.ping" })
    // An answer names its request by id; one without an id, by its echoed payload.
    const ack = (id: number | undefined, payload?: Array<string>) =>
      JSON.stringify({ time: 1, ...(id === undefined ? {} : { id }), channel: "spot.trades", event: "subscribe", ...(payload ? { payload } : {}), error: null, result: { status: "success" } })
    assert.deepStrictEqual(protocol.acknowledgement?.(ack(1, ["BTC_USDT"])), { requestId: 1 })
    assert.deepStrictEqual(protocol.acknowledgement?.(ack(undefined, ["ETH_USDT"])), ["spot.trades|ETH_USDT"])
    assert.isUndefined(protocol.acknowledgement?.(ack(undefined)))
    assert.isUndefined(protocol.refusal?.(ack(5)))
    const refusal = protocol.refusal?.(JSON.stringify({ time: 1, id: 2, channel: "spot.orders", event: "subscribe", error: { code: 4, message: "Authentication fail" }, result: null }))
    assert.deepStrictEqual(refusal, { message: "Authentication fail (code 4)", channels: [], requestId: 2 })
    assert.strictEqual(protocol.maxChannelsPerFrame, 1)
    assert.strictEqual(protocol.sessionEnd?.(JSON.stringify({ time: 1, channel: "", event: "upgrade" })), "the server asked for a reconnect (event upgrade)")
    assert.isUndefined(protocol.sessionEnd?.(wsFrame("trade")))
  })

  it("tells control replies from data cheaply, and Gate's pushes from garbage", () => {
    for (const name of ["subscribeAck", "refused", "authFailed", "pong"]) assert.isTrue(GateProtocol.isControl(wsFrame(name)), name)
    for (const name of ["depthUpdate", "bookTicker", "trade", "orders", "balances"]) {
      assert.isFalse(GateProtocol.isControl(wsFrame(name)), name)
      assert.isTrue(GateProtocol.isData(wsFrame(name)), name)
    }
    assert.isFalse(GateProtocol.isData("garbage"))
    assert.isFalse(GateProtocol.isData(new Uint8Array([1, 2])))
  })

  it("every saved frame fits Gate's documented frame shape", () => {
    for (const name of Object.keys(fixture("ws") as object)) Schema.decodeUnknownSync(GateSchemas.WsFrame)(JSON.parse(wsFrame(name)))
    Schema.decodeUnknownSync(GateSchemas.OrderBookUpdatePush)(push("depthUpdate").result)
    Schema.decodeUnknownSync(GateSchemas.OrderBookUpdatePush)(push("depthFull").result)
    Schema.decodeUnknownSync(GateSchemas.BookTickerPush)(push("bookTicker").result)
    Schema.decodeUnknownSync(GateSchemas.TradePush)(push("trade").result)
    Schema.decodeUnknownSync(Schema.Array(GateSchemas.OrderPush))(push("orders").result)
    Schema.decodeUnknownSync(Schema.Array(GateSchemas.UserTradePush))(push("userTrades").result)
    Schema.decodeUnknownSync(Schema.Array(GateSchemas.BalancePush))(push("balances").result)
  })
})

describe("GatePushParse", () => {
  it("an incremental depth push: update ids U..u, wire levels, not full", () => {
    const { channel, result } = push("depthUpdate")
    const delta = GatePushParse.parse(channel, result, "BTC_USDT")
    assert.deepStrictEqual(delta, {
      _tag: "DepthDelta",
      symbol: "BTC_USDT",
      fromVersion: 21474653072n,
      toVersion: 21474653074n,
      full: false,
      bids: [{ price: "96210.1", quantity: "1.4" }, { price: "96209.9", quantity: "0.3" }],
      asks: [{ price: "96210.5", quantity: "0" }],
      time: 1733400000139
    })
  })

  it("a full push is marked full; one without U replaces the book at u", () => {
    const { channel, result } = push("depthFull")
    const full = GatePushParse.parse(channel, result)
    assert.strictEqual(full._tag === "DepthDelta" ? `${full.full} ${full.fromVersion}..${full.toVersion}` : full._tag, "true 21474653075..21474653090")
    const { U: _u, ...noFirst } = result as Record<string, unknown>
    const bare = GatePushParse.depth(noFirst)
    assert.strictEqual(bare._tag === "DepthDelta" ? `${bare.full} ${bare.fromVersion}..${bare.toVersion}` : bare._tag, "true 21474653090..21474653090")
  })

  it("malformed depth pushes are named, never applied", () => {
    const { result } = push("depthUpdate")
    const r = result as Record<string, unknown>
    const bad = (change: Record<string, unknown>) => GatePushParse.depth({ ...r, ...change })._tag
    assert.strictEqual(bad({ U: undefined }), "Malformed", "an increment without U")
    assert.strictEqual(bad({ u: "21474653074" }), "Malformed", "u as a string")
    assert.strictEqual(bad({ U: 21474653075 }), "Malformed", "U after u")
    assert.strictEqual(bad({ u: -1 }), "Malformed")
    assert.strictEqual(bad({ b: [["96210.1"]] }), "Malformed")
    assert.strictEqual(bad({ a: [[96210.1, "1"]] }), "Malformed")
    assert.strictEqual(GatePushParse.depth(null)._tag, "Malformed")
    assert.strictEqual(GatePushParse.parse("spot.order_book_update", result, "ETH_USDT")._tag, "Malformed", "another symbol's push")
  })

  it("book ticker -> quote at the book's update id; a crossed or unreadable one is malformed", () => {
    const { channel, result } = push("bookTicker")
    const q = GatePushParse.parse(channel, result, "BTC_USDT")
    if (q._tag !== "QuoteUpdate") return assert.fail(q._tag)
    assert.strictEqual(q.version, 21474653074n)
    assert.deepStrictEqual([fmt(q.quote.bidPrice), fmt(q.quote.bidQuantity), fmt(q.quote.askPrice), fmt(q.quote.askQuantity)], ["96210.1", "1.4", "96210.2", "0.51"])
    assert.strictEqual(q.quote.time, 1733400000149)
    const r = result as Record<string, unknown>
    assert.strictEqual(GatePushParse.bookTicker({ ...r, b: "96210.2" })._tag, "Malformed", "bid = ask")
    assert.strictEqual(GatePushParse.bookTicker({ ...r, a: "NaN" })._tag, "Malformed")
    assert.strictEqual(GatePushParse.bookTicker({ ...r, b: "", B: "" })._tag, "QuoteUpdate", "an empty side is zero")
  })

  it("trades -> one trade with the taker's side", () => {
    const { channel, result } = push("trade")
    const t = GatePushParse.parse(channel, result, "BTC_USDT")
    if (t._tag !== "Trades") return assert.fail(t._tag)
    assert.strictEqual(t.trades.length, 1)
    assert.deepStrictEqual([t.trades[0]!.side, fmt(t.trades[0]!.price), t.trades[0]!.time, t.trades[0]!.tradeId], ["BUY", "96210.2", 1733400000158, "9421883322"])
    assert.strictEqual(GatePushParse.trades({ ...(result as object), price: "-1" })._tag, "Malformed")
    assert.strictEqual(GatePushParse.trades({ ...(result as object), price: 96210.2 })._tag, "Malformed", "a price as a number, not a decimal string")
    assert.strictEqual(GatePushParse.trades({ ...(result as object), amount: 0.1 })._tag, "Malformed")
    assert.strictEqual(GatePushParse.parse("spot.candlesticks", result)._tag, "Malformed")
  })
})

describe("GatePrivatePush", () => {
  it("spot.orders: put NEW, update PARTIALLY_FILLED, finish with ioc CANCELED (not FILLED)", () => {
    const read = GatePrivatePush.orders(push("orders").result)
    assert.deepStrictEqual(read.skipped, [])
    assert.deepStrictEqual(read.values.map((o) => [o.status, fmt(o.filledQuantity), o.clientOrderId]), [
      ["NEW", "0", "ioc-0001"],
      ["PARTIALLY_FILLED", "0.0051", "ioc-0001"],
      ["CANCELED", "0.0051", "ioc-0001"]
    ])
    assert.strictEqual(read.values[2]!.updateTime, 1733400001003, "string ms on the WebSocket")
  })

  it("spot.orders finish: filled is FILLED, poc REJECTED, and a bad element is skipped beside good ones", () => {
    const elements = push("orders").result as Array<Record<string, unknown>>
    const finish = elements[2]!
    const read = GatePrivatePush.orders([
      { ...finish, finish_as: "filled", left: "0", filled_amount: "0.01" },
      { ...finish, finish_as: "poc", time_in_force: "poc", filled_amount: "0", left: "0.01" },
      { ...finish, id: "bad", amount: "x" },
      "not an object"
    ])
    assert.deepStrictEqual(read.values.map((o) => o.status), ["FILLED", "REJECTED"])
    assert.strictEqual(read.skipped.length, 2)
    assert.include(read.skipped[0]!, "spot.orders bad")
    assert.deepStrictEqual(GatePrivatePush.orders({}).skipped, ["spot.orders: the result is not an array"])
  })

  it("spot.usertrades -> fills; spot.balances -> balance updates with the change type", () => {
    const fills = GatePrivatePush.userTrades(push("userTrades").result)
    assert.deepStrictEqual(fills.skipped, [])
    const f = fills.values[0]!
    assert.deepStrictEqual([f.tradeId, f.orderId, f.clientOrderId, f.isMaker, fmt(f.quantity), fmt(f.fee), f.time], ["5736713", "822791036301", "ioc-0001", false, "0.0051", "0.0000102", 1733400001002])
    const balances = GatePrivatePush.balances(push("balances").result)
    const b = balances.values[0]!
    assert.deepStrictEqual([b.balance.asset, fmt(b.balance.free), fmt(b.balance.locked), b.reason, b.time], ["USDT", "9759.7299", "96.2101", "order-match", 1733400001004])
    const { freeze: _f, ...noFreeze } = (push("balances").result as Array<Record<string, unknown>>)[0]!
    assert.strictEqual(fmt(GatePrivatePush.balances([noFreeze]).values[0]!.balance.locked), "96.2101", "total - available")
    assert.strictEqual(GatePrivatePush.balances([{ ...noFreeze, available: "-1" }]).skipped.length, 1)
  })
})
