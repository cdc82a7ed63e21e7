import { assert, describe, it } from "@effect/vitest"
import { makeSymbol, type PlaceOrderRequest, SimEngine } from "../../../src/sim/engine/index.ts"
import { bal, limit, makeTestEngine, ok, rejected, T0, TEST } from "./helpers.ts"

const codeOf = (engine: SimEngine, req: PlaceOrderRequest, apiKey = "bob") =>
  rejected(engine.placeOrder(apiKey, req, T0)).code

describe("order checks answer with MEXC's codes", () => {
  it("unknown symbol: 30014", () => {
    const engine = makeTestEngine()
    const refusal = rejected(engine.placeOrder("bob", { ...limit("BUY", "10", "1"), symbol: "NOPEUSDT" }, T0))
    assert.deepStrictEqual(refusal.toBody(), { code: 30014, msg: "invalid symbol" })
    assert.strictEqual(refusal.retryable, false)
  })

  it("mandatory parameters missing or empty: 700004, naming the parameter", () => {
    const engine = makeTestEngine()
    const missingPrice = rejected(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "BUY", type: "LIMIT", quantity: "1" }, T0))
    assert.strictEqual(missingPrice.code, 700004)
    assert.match(missingPrice.msg, /'price'/)
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "LIMIT", price: "10", quantity: "" }), 700004)
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "", type: "LIMIT", price: "10", quantity: "1" }), 700004)
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "MARKET" }), 700004)
  })

  it("bad side, type or number: 33333; zero: 400", () => {
    const engine = makeTestEngine()
    assert.strictEqual(codeOf(engine, { ...limit("BUY", "10", "1"), side: "HOLD" }), 33333)
    assert.strictEqual(codeOf(engine, { ...limit("BUY", "10", "1"), type: "STOP_LOSS" }), 33333)
    assert.strictEqual(codeOf(engine, limit("BUY", "1e1", "1")), 33333)
    assert.strictEqual(codeOf(engine, limit("BUY", "-10", "1")), 33333)
    assert.strictEqual(codeOf(engine, limit("BUY", "10", "abc")), 33333)
    assert.strictEqual(codeOf(engine, limit("BUY", "0", "1")), 400)
    assert.strictEqual(codeOf(engine, limit("BUY", "10", "0.000")), 400)
    assert.strictEqual(
      codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quantity: "1", quoteOrderQty: "10" }),
      33333
    )
  })

  it("too many decimals in price, quantity or quote amount: 33333; trailing zeros are fine", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10.5", "1"), T0))
    assert.strictEqual(codeOf(engine, limit("BUY", "10.001", "1")), 33333)
    assert.strictEqual(codeOf(engine, limit("BUY", "10", "1.0001")), 33333)
    assert.strictEqual(
      codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "5.001" }),
      33333
    )
    ok(engine.placeOrder("bob", limit("BUY", "10.00", "1.000"), T0))
  })

  it("below the minimum quantity or notional: 30002; above the maximum notional: 30003", () => {
    const engine = makeTestEngine()
    const tooSmall = SimEngine.make({
      symbols: [makeSymbol({ ...TEST, baseSizePrecision: "0.5" })],
      accounts: [{ apiKey: "bob", secret: "s" }]
    })
    const qty = rejected(tooSmall.placeOrder("bob", limit("BUY", "10", "0.4"), T0))
    assert.strictEqual(qty.code, 30002)
    assert.strictEqual(qty.msg, "The minimum transaction volume cannot be less than:0.5TEST")
    // 0.05 * 10 = 0.5 USDT, under the 1 USDT minimum notional.
    const notional = rejected(engine.placeOrder("bob", limit("BUY", "10", "0.05"), T0))
    assert.strictEqual(notional.code, 30002)
    assert.strictEqual(notional.msg, "The minimum transaction volume cannot be less than:1USDT")
    ok(engine.placeOrder("bob", limit("BUY", "10", "0.1"), T0))
    assert.strictEqual(codeOf(engine, limit("BUY", "1000", "100.001")), 30003)
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "0.5" }), 30002)
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "50001" }), 30003)
  })

  it("insufficient funds: 10101 for a BUY, 30005 Oversold for a SELL (as live), with nothing changed", () => {
    const engine = makeTestEngine()
    const version = engine.depthVersion("TESTUSDT")
    assert.strictEqual(codeOf(engine, limit("BUY", "100.01", "100")), 10101)
    assert.strictEqual(codeOf(engine, limit("SELL", "10", "100.001")), 30005)
    // Exactly the whole balance is fine.
    ok(engine.placeOrder("bob", limit("BUY", "100", "100"), T0))
    // ... and then nothing is free any more: locked funds are not spendable.
    assert.strictEqual(codeOf(engine, limit("BUY", "1", "1")), 10101)
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "0", locked: "10000" })
    assert.strictEqual(engine.depthVersion("TESTUSDT"), version! + 1)
  })

  it("MARKET orders check the balance against what the book would cost", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "5000", "3"), T0))
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quantity: "2.001" }), 10101)
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "10000.001" }), 33333)
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "10001" }), 10101)
    ok(engine.placeOrder("alice", limit("BUY", "1", "200"), T0))
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "SELL", type: "MARKET", quantity: "101" }), 30005)
    assert.strictEqual(codeOf(engine, { symbol: "TESTUSDT", side: "SELL", type: "MARKET", quoteOrderQty: "101" }), 30005)
  })

  it("a symbol that is not online refuses orders with 30016; a side it does not allow with 30001; a type it does not list with 30041", () => {
    const engine = SimEngine.make({
      symbols: [
        makeSymbol({ ...TEST, symbol: "OFFUSDT", status: "2" }),
        makeSymbol({ ...TEST, symbol: "BUYONLYUSDT", tradeSideType: "2" }),
        makeSymbol({ ...TEST, symbol: "LIMUSDT", orderTypes: ["LIMIT"], quoteOrderQtyMarketAllowed: false })
      ],
      accounts: [{ apiKey: "bob", secret: "s", balances: { USDT: "1000", TEST: "10" } }]
    })
    assert.strictEqual(codeOf(engine, { ...limit("BUY", "10", "1"), symbol: "OFFUSDT" }), 30016)
    assert.strictEqual(codeOf(engine, { ...limit("SELL", "10", "1"), symbol: "BUYONLYUSDT" }), 30001)
    ok(engine.placeOrder("bob", { ...limit("BUY", "10", "1"), symbol: "BUYONLYUSDT" }, T0))
    assert.strictEqual(codeOf(engine, { ...limit("BUY", "10", "1"), symbol: "LIMUSDT", type: "LIMIT_MAKER" }), 30041)
    ok(engine.placeOrder("bob", { ...limit("BUY", "10", "1"), symbol: "LIMUSDT" }, T0))
  })

  it("a client order id already used by an open order is refused; once closed it can be reused", () => {
    const engine = makeTestEngine()
    const first = ok(engine.placeOrder("bob", limit("BUY", "9", "1", { newClientOrderId: "mine-1" }), T0))
    assert.strictEqual(first.clientOrderId, "mine-1")
    const duplicate = rejected(engine.placeOrder("bob", limit("BUY", "9", "1", { newClientOrderId: "mine-1" }), T0))
    assert.strictEqual(duplicate.code, 33333)
    // Another account may use the same id.
    ok(engine.placeOrder("alice", limit("BUY", "9", "1", { newClientOrderId: "mine-1" }), T0))
    ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", origClientOrderId: "mine-1" }, T0))
    const again = ok(engine.placeOrder("bob", limit("BUY", "9", "1", { newClientOrderId: "mine-1" }), T0))
    assert.notStrictEqual(again.orderId, first.orderId)
    assert.strictEqual(codeOf(engine, limit("BUY", "9", "1", { newClientOrderId: "has space" })), 33333)
  })

  it("an unknown API key is refused with 10072", () => {
    const engine = makeTestEngine()
    assert.strictEqual(codeOf(engine, limit("BUY", "9", "1"), "mallory"), 10072)
  })

  it("a client account holds at most maxOpenOrders open orders: the next is refused with 30029, a cancel frees a slot", () => {
    const engine = makeTestEngine({ maxOpenOrders: 2 })
    const first = engine.placeOrder("bob", limit("BUY", "1", "1"), 0)
    assert.strictEqual(first._tag, "Success")
    assert.strictEqual(engine.placeOrder("bob", limit("BUY", "1", "1"), 0)._tag, "Success")
    assert.strictEqual(codeOf(engine, limit("BUY", "1", "1")), 30029)
    if (first._tag === "Success") engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: first.success.orderId }, 0)
    assert.strictEqual(engine.placeOrder("bob", limit("BUY", "1", "1"), 0)._tag, "Success")
  })
})
