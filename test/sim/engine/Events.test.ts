import { assert, describe, it } from "@effect/vitest"
import type { PrivateAccountUpdate, PrivateOrderUpdate, PublicTrade } from "../../../src/sim/engine/index.ts"
import { limit, makeTestEngine, ok, recordAccount, T0 } from "./helpers.ts"

describe("account events", () => {
  it("order updates follow an order from NEW through partial fill to partial cancel", () => {
    const engine = makeTestEngine()
    const bob = recordAccount(engine, "bob")
    const order = ok(engine.placeOrder("bob", limit("BUY", "10", "2", { newClientOrderId: "o-1" }), T0))
    ok(engine.placeOrder("alice", limit("SELL", "10", "0.5"), T0 + 1))
    ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: order.orderId }, T0 + 2))
    const updates = bob.events.flatMap((e) => (e._tag === "Order" ? [e.order] : []))
    const pick = (u: PrivateOrderUpdate) => [
      u.status,
      u.cumulativeQuantity,
      u.cumulativeAmount,
      u.remainQuantity,
      u.remainAmount,
      u.lastDealQuantity,
      u.avgPrice,
      u.isMaker
    ]
    assert.deepStrictEqual(updates.map(pick), [
      [1, "0", "0", "2", "20", undefined, "0", false],
      [3, "0.5", "5", "1.5", "15", "0.5", "10", true],
      [5, "0.5", "5", "0", "0", undefined, "10", false]
    ])
    for (const u of updates) {
      assert.deepStrictEqual(
        [u.id, u.clientId, u.price, u.quantity, u.amount, u.orderType, u.tradeType, u.createTime, u.symbol],
        [order.orderId, "o-1", "10", "2", "20", 1, 1, T0, "TESTUSDT"]
      )
    }
  })

  it("remainAmount is what the rest may spend at its limit price, even after a better-priced fill", () => {
    const engine = makeTestEngine()
    const bob = recordAccount(engine, "bob")
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("bob", limit("BUY", "11", "2"), T0))
    const last = bob.events.flatMap((e) => (e._tag === "Order" ? [e.order] : [])).at(-1)!
    assert.deepStrictEqual(
      [last.status, last.cumulativeAmount, last.remainQuantity, last.remainAmount, last.avgPrice, last.isMaker],
      [3, "10", "1", "11", "10", false]
    )
  })

  it("order type codes: LIMIT 1, LIMIT_MAKER 2, IOC 3, FOK 4, MARKET 5; SELL is tradeType 2", () => {
    const engine = makeTestEngine()
    const bob = recordAccount(engine, "bob")
    ok(engine.placeOrder("alice", limit("BUY", "9", "10"), T0))
    ok(engine.placeOrder("bob", limit("SELL", "11", "1"), T0))
    ok(engine.placeOrder("bob", { ...limit("SELL", "12", "1"), type: "LIMIT_MAKER" }, T0))
    ok(engine.placeOrder("bob", { ...limit("SELL", "9", "1"), type: "IMMEDIATE_OR_CANCEL" }, T0))
    ok(engine.placeOrder("bob", { ...limit("SELL", "9", "1"), type: "FILL_OR_KILL" }, T0))
    ok(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "SELL", type: "MARKET", quantity: "1" }, T0))
    const firsts = bob.events.flatMap((e) => (e._tag === "Order" && e.order.status === 1 ? [e.order] : []))
    assert.deepStrictEqual(firsts.map((u) => [u.orderType, u.tradeType]), [[1, 2], [2, 2], [3, 2], [4, 2], [5, 2]])
    const market = bob.events.flatMap((e) => (e._tag === "Order" && e.order.orderType === 5 ? [e.order] : []))
    assert.deepStrictEqual(market.map((u) => [u.status, u.price, u.cumulativeQuantity]), [[1, "0", "0"], [2, "0", "1"]])
  })

  it("balance updates say what moved and why, in MEXC's terms: ENTRUST_PLACE, ENTRUST (trade), TRADE_FEE, ENTRUST_CANCEL", () => {
    const engine = makeTestEngine()
    const bob = recordAccount(engine, "bob")
    const order = ok(engine.placeOrder("bob", limit("BUY", "10", "2"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0 + 1))
    ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: order.orderId }, T0 + 2))
    const balances = bob.events.flatMap((e) => (e._tag === "Balance" ? [e.balance] : []))
    const pick = (b: PrivateAccountUpdate) => [
      b.type,
      b.vcoinName,
      b.balanceAmount,
      b.balanceAmountChange,
      b.frozenAmount,
      b.frozenAmountChange,
      b.time
    ]
    assert.deepStrictEqual(balances.map(pick), [
      ["ENTRUST_PLACE", "USDT", "9980", "-20", "20", "20", T0],
      ["ENTRUST", "USDT", "9980", "0", "10", "-10", T0 + 1],
      // 1 TEST bought as maker, then its 0.1% fee: 0.999 received in all.
      ["ENTRUST", "TEST", "101", "1", "0", "0", T0 + 1],
      ["TRADE_FEE", "TEST", "100.999", "-0.001", "0", "0", T0 + 1],
      ["ENTRUST_CANCEL", "USDT", "9990", "10", "0", "-10", T0 + 2]
    ])
    assert.match(balances[0]!.coinId, /^[0-9a-f]{32}$/)
    assert.strictEqual(balances[0]!.coinId, balances[1]!.coinId)
    assert.notStrictEqual(balances[0]!.coinId, balances[2]!.coinId)
  })

  it("events of an account go only to that account's listeners", () => {
    const engine = makeTestEngine()
    const carol = recordAccount(engine, "carol")
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("bob", limit("BUY", "10", "1"), T0))
    assert.deepStrictEqual(carol.events, [])
  })
})

describe("public trades", () => {
  it("each fill is one trade at the maker's price, with the taker's side", () => {
    const engine = makeTestEngine()
    const trades: Array<PublicTrade> = []
    const stop = engine.subscribeTrades("TESTUSDT", (t) => trades.push(t))
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "10.1", "1"), T0))
    ok(engine.placeOrder("bob", limit("BUY", "11", "1.5"), T0 + 7))
    ok(engine.placeOrder("carol", limit("BUY", "9", "1"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "9", "0.25"), T0 + 8))
    stop()
    assert.deepStrictEqual(
      trades.map((t) => [t.price, t.quantity, t.tradeType, t.time]),
      [["10", "1", 1, T0 + 7], ["10.1", "0.5", 1, T0 + 7], ["9", "0.25", 2, T0 + 8]]
    )
    assert.strictEqual(new Set(trades.map((t) => t.tradeId)).size, 3)
  })
})

describe("listeners", () => {
  it("unsubscribing removes every listener; unsubscribe is idempotent", () => {
    const engine = makeTestEngine()
    const seen: Array<string> = []
    const stops = [
      engine.subscribeDepth("TESTUSDT", () => seen.push("depth")),
      engine.subscribeDepth("TESTUSDT", () => seen.push("depth2")),
      engine.subscribeTrades("TESTUSDT", () => seen.push("trade")),
      engine.subscribeAccount("bob", () => seen.push("bob"))
    ]
    assert.strictEqual(engine.listenerCount(), 4)
    ok(engine.placeOrder("bob", limit("BUY", "9", "1"), T0))
    assert(seen.includes("depth") && seen.includes("depth2") && seen.includes("bob"))
    for (const stop of stops) stop()
    for (const stop of stops) stop()
    assert.strictEqual(engine.listenerCount(), 0)
    seen.length = 0
    ok(engine.placeOrder("alice", limit("SELL", "9", "1"), T0))
    assert.deepStrictEqual(seen, [])
    // Subscribing again after everything was removed works.
    const again: Array<number> = []
    const stop = engine.subscribeDepth("TESTUSDT", (c) => again.push(c.version))
    ok(engine.placeOrder("bob", limit("BUY", "9", "1"), T0))
    stop()
    assert.deepStrictEqual(again, [engine.depthVersion("TESTUSDT")])
  })

  it("the same function subscribed twice is called twice and removed once per unsubscribe", () => {
    const engine = makeTestEngine()
    let calls = 0
    const listener = () => calls++
    const stopA = engine.subscribeTrades("TESTUSDT", listener)
    const stopB = engine.subscribeTrades("TESTUSDT", listener)
    ok(engine.placeOrder("alice", limit("SELL", "10", "2"), T0))
    ok(engine.placeOrder("bob", limit("BUY", "10", "1"), T0))
    assert.strictEqual(calls, 2)
    stopA()
    ok(engine.placeOrder("bob", limit("BUY", "10", "1"), T0))
    assert.strictEqual(calls, 3)
    stopB()
    assert.strictEqual(engine.listenerCount(), 0)
  })

  it("listeners run after the operation completes, and a throwing listener does not starve the others", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    const statusesSeenInListener: Array<string> = []
    const stopBad = engine.subscribeAccount("bob", () => {
      throw new Error("listener bug")
    })
    let received = 0
    const stopGood = engine.subscribeAccount("bob", (event) => {
      received++
      if (event._tag === "Order" && event.order.status === 1) {
        // The NEW update is delivered once the whole placement (including its fill) is done.
        const open = ok(engine.openOrders("bob", "TESTUSDT"))
        statusesSeenInListener.push(open.length === 0 ? "done" : "in-progress")
      }
    })
    assert.throws(() => engine.placeOrder("bob", limit("BUY", "10", "1"), T0), /listener bug/)
    // The order was placed and filled despite the throwing listener.
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.asks, [])
    assert(received >= 3)
    assert.deepStrictEqual(statusesSeenInListener, ["done"])
    stopBad()
    stopGood()
  })
})
