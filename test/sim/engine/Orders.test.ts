import { assert, describe, it } from "@effect/vitest"
import { demoAccount, SimEngine } from "../../../src/sim/engine/index.ts"
import { bal, limit, makeTestEngine, ok, rejected, T0 } from "./helpers.ts"

describe("cancel, query and open orders", () => {
  it("cancels by orderId or by origClientOrderId, answering with the canceled order", () => {
    const engine = makeTestEngine()
    const a = ok(engine.placeOrder("bob", limit("BUY", "9", "1"), T0))
    const b = ok(engine.placeOrder("bob", limit("BUY", "8", "1", { newClientOrderId: "b-1" }), T0 + 5))
    const canceledA = ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: a.orderId }, T0 + 10))
    assert.strictEqual(canceledA.status, "CANCELED")
    assert.strictEqual(canceledA.updateTime, T0 + 10)
    assert.strictEqual(canceledA.isWorking, false)
    const canceledB = ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", origClientOrderId: "b-1" }, T0 + 11))
    assert.strictEqual(canceledB.orderId, b.orderId)
    assert.strictEqual(canceledB.clientOrderId, "b-1")
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.bids, [])
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "10000", locked: "0" })
  })

  it("canceling twice, someone else's order, a wrong symbol or an unknown id: -2011", () => {
    const engine = makeTestEngine()
    const order = ok(engine.placeOrder("bob", limit("BUY", "9", "1"), T0))
    assert.strictEqual(rejected(engine.cancelOrder("alice", { symbol: "TESTUSDT", orderId: order.orderId }, T0)).code, -2011)
    ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: order.orderId }, T0))
    const again = rejected(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: order.orderId }, T0))
    assert.deepStrictEqual(again.toBody(), { code: -2011, msg: "Unknown order sent." })
    assert.strictEqual(rejected(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: "123" }, T0)).code, -2011)
    assert.strictEqual(rejected(engine.cancelOrder("bob", { symbol: "TESTUSDT", origClientOrderId: "nope" }, T0)).code, -2011)
    assert.strictEqual(rejected(engine.cancelOrder("bob", { symbol: "NOPE", orderId: order.orderId }, T0)).code, 30014)
    assert.strictEqual(rejected(engine.cancelOrder("bob", { symbol: "TESTUSDT" }, T0)).code, 700004)
    // A filled order cannot be canceled either.
    const sell = ok(engine.placeOrder("alice", limit("SELL", "9", "1"), T0))
    ok(engine.placeOrder("bob", limit("BUY", "9", "1"), T0))
    assert.strictEqual(rejected(engine.cancelOrder("alice", { symbol: "TESTUSDT", orderId: sell.orderId }, T0)).code, -2011)
  })

  it("cancel-all cancels every open order of the account on that symbol only", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("bob", limit("BUY", "9", "1"), T0))
    ok(engine.placeOrder("bob", limit("SELL", "11", "1"), T0))
    const alice = ok(engine.placeOrder("alice", limit("BUY", "9", "1"), T0))
    const canceled = ok(engine.cancelOpenOrders("bob", "TESTUSDT", T0))
    assert.deepStrictEqual(canceled.map((o) => [o.side, o.status]), [["BUY", "CANCELED"], ["SELL", "CANCELED"]])
    assert.deepStrictEqual(ok(engine.openOrders("bob")), [])
    assert.deepStrictEqual(ok(engine.openOrders("alice")).map((o) => o.orderId), [alice.orderId])
    assert.deepStrictEqual(ok(engine.cancelOpenOrders("bob", "TESTUSDT", T0)), [])
    assert.strictEqual(rejected(engine.cancelOpenOrders("bob", "NOPE", T0)).code, 30014)
  })

  it("query finds open and closed orders; openOrders lists open ones oldest first", () => {
    const engine = SimEngine.make()
    const key = demoAccount.apiKey
    const eth = ok(engine.placeOrder(key, { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", price: "3000", quantity: "0.01" }, T0))
    const btc = ok(engine.placeOrder(key, { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", price: "60000", quantity: "0.001" }, T0 + 1))
    const hifi = ok(engine.placeOrder(key, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.7", quantity: "10" }, T0 + 2))
    assert.deepStrictEqual(ok(engine.openOrders(key)).map((o) => o.orderId), [eth.orderId, btc.orderId, hifi.orderId])
    assert.deepStrictEqual(ok(engine.openOrders(key, "BTCUSDT")).map((o) => o.orderId), [btc.orderId])
    assert.strictEqual(rejected(engine.openOrders(key, "NOPE")).code, 30014)
    ok(engine.cancelOrder(key, { symbol: "ETHUSDT", orderId: eth.orderId }, T0 + 3))
    const queried = ok(engine.queryOrder(key, { symbol: "ETHUSDT", orderId: eth.orderId }))
    assert.strictEqual(queried.status, "CANCELED")
    assert.strictEqual(queried.time, T0)
    assert.strictEqual(queried.updateTime, T0 + 3)
    assert.strictEqual(queried.price, "3000")
    assert.strictEqual(queried.origQty, "0.01")
    assert.strictEqual(queried.orderListId, -1)
    assert.strictEqual(queried.stopPrice, "0")
    assert.strictEqual(rejected(engine.queryOrder(key, { symbol: "BTCUSDT", orderId: eth.orderId })).code, -2013, "a query of an order that does not exist is -2013")
    assert.notStrictEqual(eth.orderId, btc.orderId)
    assert.match(eth.orderId, /^C02__\d+$/)
  })

  it("keeps at most closedOrderRetention closed orders per account, oldest evicted first", () => {
    const engine = makeTestEngine({ closedOrderRetention: 2 })
    const ids = [1, 2, 3].map((i) => {
      const order = ok(engine.placeOrder("bob", limit("BUY", "9", "1", { newClientOrderId: `c${i}` }), T0))
      ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: order.orderId }, T0))
      return order.orderId
    })
    assert.strictEqual(rejected(engine.queryOrder("bob", { symbol: "TESTUSDT", orderId: ids[0]! })).code, -2013)
    assert.strictEqual(rejected(engine.queryOrder("bob", { symbol: "TESTUSDT", origClientOrderId: "c1" })).code, -2013)
    assert.strictEqual(ok(engine.queryOrder("bob", { symbol: "TESTUSDT", orderId: ids[1]! })).status, "CANCELED")
    assert.strictEqual(ok(engine.queryOrder("bob", { symbol: "TESTUSDT", origClientOrderId: "c3" })).orderId, ids[2])
  })
})

describe("accounts", () => {
  it("the default engine has the demo account funded with 10,000 USDT and each base asset", () => {
    const engine = SimEngine.make()
    assert.deepStrictEqual(engine.account("sim-key"), { apiKey: "sim-key", secret: "sim-secret" })
    assert.deepStrictEqual(engine.accounts(), [{ apiKey: "sim-key", secret: "sim-secret" }])
    const balances = engine.balances("sim-key")!
    assert.deepStrictEqual(balances.map((b) => b.asset), ["BTC", "ETH", "HIFI", "USDT"])
    assert.deepStrictEqual(balances.find((b) => b.asset === "USDT"), { asset: "USDT", free: "10000", locked: "0" })
    for (const b of balances) assert(Number(b.free) > 0)
    assert.deepStrictEqual(engine.symbols().map((s) => s.symbol), ["BTCUSDT", "ETHUSDT", "HIFIUSDT"])
  })

  it("adds accounts, refuses a duplicate key, and hides internal accounts from clients", () => {
    const engine = SimEngine.make()
    engine.addAccount({ apiKey: "k2", secret: "s2", balances: { USDT: "5" } })
    assert.deepStrictEqual(engine.balances("k2"), [{ asset: "USDT", free: "5", locked: "0" }])
    assert.throws(() => engine.addAccount({ apiKey: "k2", secret: "x" }))
    engine.addInternalAccount("__internal__")
    assert.strictEqual(engine.account("__internal__"), undefined)
    assert.strictEqual(engine.balances("__internal__"), undefined)
    assert.deepStrictEqual(engine.accounts().map((a) => a.apiKey), ["sim-key", "k2"])
    engine.setBalance("k2", "BTC", "0.5", T0)
    assert.deepStrictEqual(engine.balances("k2")!.map((b) => [b.asset, b.free]), [["BTC", "0.5"], ["USDT", "5"]])
  })

  it("exchangeInfo fields match what the engine enforces", () => {
    const engine = SimEngine.make()
    const btc = engine.symbol("BTCUSDT")!
    assert.strictEqual(btc.quoteAssetPrecision, 2)
    assert.strictEqual(btc.baseAssetPrecision, 6)
    // One tick finer than quoteAssetPrecision is refused; the minimum quantity is enforced.
    const key = "sim-key"
    assert.strictEqual(
      rejected(engine.placeOrder(key, { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", price: "60000.001", quantity: "0.001" }, T0)).code,
      33333
    )
    assert.strictEqual(
      rejected(engine.placeOrder(key, { symbol: "BTCUSDT", side: "SELL", type: "LIMIT", price: "1000000", quantity: "0.000009" }, T0)).code,
      30002
    )
  })
})
