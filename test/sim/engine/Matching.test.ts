import { assert, describe, it } from "@effect/vitest"
import { makeSymbol, SimEngine } from "../../../src/sim/engine/index.ts"
import { bal, limit, makeTestEngine, ok, recordAccount, rejected, T0 } from "./helpers.ts"

describe("matching: crossing and partial fills", () => {
  it("a crossing BUY trades at the resting order's price, partially filling the maker", () => {
    const engine = makeTestEngine()
    const sell = ok(engine.placeOrder("alice", limit("SELL", "10", "2"), T0))
    assert.strictEqual(sell.status, "NEW")
    assert.deepStrictEqual(bal(engine, "alice", "TEST"), { free: "98", locked: "2" })

    const buy = ok(engine.placeOrder("bob", limit("BUY", "10.5", "1.5"), T0 + 1))
    assert.strictEqual(buy.status, "FILLED")
    assert.strictEqual(buy.executedQty, "1.5")
    assert.strictEqual(buy.cummulativeQuoteQty, "15")
    assert.strictEqual(buy.isWorking, false)

    const maker = ok(engine.queryOrder("alice", { symbol: "TESTUSDT", orderId: sell.orderId }))
    assert.strictEqual(maker.status, "PARTIALLY_FILLED")
    assert.strictEqual(maker.executedQty, "1.5")
    assert.strictEqual(maker.isWorking, true)
    assert.strictEqual(maker.updateTime, T0 + 1)

    const depth = engine.depth("TESTUSDT", 10)!
    assert.deepStrictEqual(depth.asks, [["10", "0.5"]])
    assert.deepStrictEqual(depth.bids, [])
  })

  it("the unfilled rest of a crossing LIMIT order rests at its own price", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10", "2"), T0))
    const buy = ok(engine.placeOrder("bob", limit("BUY", "10", "3"), T0))
    assert.strictEqual(buy.status, "PARTIALLY_FILLED")
    assert.strictEqual(buy.executedQty, "2")
    assert.strictEqual(buy.isWorking, true)
    const depth = engine.depth("TESTUSDT")!
    assert.deepStrictEqual(depth.bids, [["10", "1"]])
    assert.deepStrictEqual(depth.asks, [])
    // 20 spent on the fill, 10 locked for the resting 1.
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "9970", locked: "10" })
  })

  it("a taker sweeps several levels best first and pays each level's price", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10.02", "1"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "10.1", "1"), T0))
    const buy = ok(engine.placeOrder("bob", limit("BUY", "10.05", "2"), T0))
    assert.strictEqual(buy.status, "FILLED")
    assert.strictEqual(buy.cummulativeQuoteQty, "20.02")
    // Price improvement: bob locked nothing and paid 20.02, not 20.10.
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "9979.98", locked: "0" })
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.asks, [["10.1", "1"]])
  })

  it("non-crossing orders rest on both sides, best first", () => {
    const engine = makeTestEngine()
    for (const price of ["9.9", "9.95", "9.8"]) ok(engine.placeOrder("alice", limit("BUY", price, "1"), T0))
    for (const price of ["10.2", "10.05", "10.1"]) ok(engine.placeOrder("bob", limit("SELL", price, "1"), T0))
    const depth = engine.depth("TESTUSDT")!
    assert.deepStrictEqual(depth.bids.map(([p]) => p), ["9.95", "9.9", "9.8"])
    assert.deepStrictEqual(depth.asks.map(([p]) => p), ["10.05", "10.1", "10.2"])
    assert.deepStrictEqual(engine.depth("TESTUSDT", 2)!.bids.length, 2)
    const ticker = engine.bookTicker("TESTUSDT")!
    assert.deepStrictEqual(
      [ticker.bidPrice, ticker.bidQty, ticker.askPrice, ticker.askQty],
      ["9.95", "1", "10.05", "1"]
    )
  })
})

describe("matching: price-time priority", () => {
  it("better prices fill first; at one price, older orders fill first", () => {
    const engine = makeTestEngine({
      accounts: ["alice", "bob", "carol", "dave"].map((apiKey) => ({
        apiKey,
        secret: "s",
        balances: { USDT: "10000", TEST: "100" }
      }))
    })
    const a = ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    const b = ok(engine.placeOrder("bob", limit("SELL", "10", "1"), T0 + 1))
    const c = ok(engine.placeOrder("carol", limit("SELL", "9.99", "1"), T0 + 2))
    const dave = recordAccount(engine, "dave")
    ok(engine.placeOrder("dave", limit("BUY", "10", "2.5"), T0 + 3))

    const deals = dave.events.flatMap((e) => (e._tag === "Deal" ? [[e.deal.price, e.deal.quantity]] : []))
    assert.deepStrictEqual(deals, [["9.99", "1"], ["10", "1"], ["10", "0.5"]])
    const status = (key: string, orderId: string) =>
      ok(engine.queryOrder(key, { symbol: "TESTUSDT", orderId })).status
    assert.strictEqual(status("carol", c.orderId), "FILLED")
    assert.strictEqual(status("alice", a.orderId), "FILLED")
    assert.strictEqual(status("bob", b.orderId), "PARTIALLY_FILLED")
  })

  it("a cancel removes an order from the middle of a level without disturbing the queue", () => {
    const engine = makeTestEngine()
    const first = ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    const middle = ok(engine.placeOrder("bob", limit("SELL", "10", "2"), T0))
    const last = ok(engine.placeOrder("carol", limit("SELL", "10", "3"), T0))
    ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: middle.orderId }, T0))
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.asks, [["10", "4"]])
    ok(engine.placeOrder("bob", limit("BUY", "10", "1.5"), T0))
    assert.strictEqual(ok(engine.queryOrder("alice", { symbol: "TESTUSDT", orderId: first.orderId })).status, "FILLED")
    assert.strictEqual(ok(engine.queryOrder("carol", { symbol: "TESTUSDT", orderId: last.orderId })).executedQty, "0.5")
  })
})

describe("matching: LIMIT_MAKER (post-only)", () => {
  it("is rejected with -2010 when it would cross, and rests when it would not", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    const version = engine.depthVersion("TESTUSDT")
    const refused = rejected(engine.placeOrder("bob", { ...limit("BUY", "10", "1"), type: "LIMIT_MAKER" }, T0))
    assert.strictEqual(refused.code, -2010)
    assert.strictEqual(refused.reason, "WouldTakeLiquidity")
    assert.strictEqual(engine.depthVersion("TESTUSDT"), version)
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "10000", locked: "0" })

    const rests = ok(engine.placeOrder("bob", { ...limit("BUY", "9.99", "1"), type: "LIMIT_MAKER" }, T0))
    assert.strictEqual(rests.status, "NEW")
    assert.strictEqual(rests.timeInForce, "GTC")
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.bids, [["9.99", "1"]])
    const sellRefused = rejected(engine.placeOrder("carol", { ...limit("SELL", "9.5", "1"), type: "LIMIT_MAKER" }, T0))
    assert.strictEqual(sellRefused.code, -2010)
  })
})

describe("matching: FILL_OR_KILL and IMMEDIATE_OR_CANCEL", () => {
  it("FOK fills completely or not at all, leaving book and balances untouched", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "10.01", "1"), T0))
    const version = engine.depthVersion("TESTUSDT")

    const killed = ok(engine.placeOrder("bob", { ...limit("BUY", "10.01", "3"), type: "FILL_OR_KILL" }, T0))
    assert.strictEqual(killed.status, "CANCELED")
    assert.strictEqual(killed.executedQty, "0")
    assert.strictEqual(killed.timeInForce, "FOK")
    assert.strictEqual(engine.depthVersion("TESTUSDT"), version)
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "10000", locked: "0" })

    // Enough quantity exists, but not within the limit price.
    const priced = ok(engine.placeOrder("bob", { ...limit("BUY", "10", "2"), type: "FILL_OR_KILL" }, T0))
    assert.strictEqual(priced.status, "CANCELED")

    const filled = ok(engine.placeOrder("bob", { ...limit("BUY", "10.01", "2"), type: "FILL_OR_KILL" }, T0))
    assert.strictEqual(filled.status, "FILLED")
    assert.strictEqual(filled.cummulativeQuoteQty, "20.01")
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.asks, [])
  })

  it("IOC fills what it can and cancels the rest; nothing rests, nothing stays locked", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "10.5", "1"), T0))
    const ioc = ok(engine.placeOrder("bob", { ...limit("BUY", "10", "3"), type: "IMMEDIATE_OR_CANCEL" }, T0))
    assert.strictEqual(ioc.status, "PARTIALLY_CANCELED")
    assert.strictEqual(ioc.executedQty, "1")
    assert.strictEqual(ioc.timeInForce, "IOC")
    assert.strictEqual(ioc.isWorking, false)
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.bids, [])
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.asks, [["10.5", "1"]])
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "9990", locked: "0" })
    assert.deepStrictEqual(ok(engine.openOrders("bob", "TESTUSDT")), [])

    const none = ok(engine.placeOrder("bob", { ...limit("BUY", "10", "1"), type: "IMMEDIATE_OR_CANCEL" }, T0))
    assert.strictEqual(none.status, "CANCELED")
    assert.strictEqual(none.executedQty, "0")
  })
})

describe("matching: MARKET orders", () => {
  it("by quantity: walks the book, and cancels what the book cannot fill", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "11", "1"), T0))
    const buy = ok(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quantity: "1.5" }, T0))
    assert.strictEqual(buy.status, "FILLED")
    assert.strictEqual(buy.price, "0")
    assert.strictEqual(buy.origQty, "1.5")
    assert.strictEqual(buy.cummulativeQuoteQty, "15.5")
    assert.strictEqual(buy.timeInForce, "IOC")

    ok(engine.placeOrder("alice", limit("BUY", "9", "1"), T0))
    const sell = ok(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "SELL", type: "MARKET", quantity: "3" }, T0))
    assert.strictEqual(sell.status, "PARTIALLY_CANCELED")
    assert.strictEqual(sell.executedQty, "1")
    assert.strictEqual(sell.cummulativeQuoteQty, "9")
    assert.deepStrictEqual(engine.depth("TESTUSDT")!.bids, [])
  })

  it("by quoteOrderQty: spends the amount down to the last whole lot", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("alice", limit("SELL", "11", "5"), T0))
    const exact = ok(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "21" }, T0))
    assert.strictEqual(exact.status, "FILLED")
    assert.strictEqual(exact.executedQty, "2")
    assert.strictEqual(exact.cummulativeQuoteQty, "21")
    assert.strictEqual(exact.origQty, "0")
    assert.strictEqual(exact.origQuoteOrderQty, "21")

    // 10 / 11 = 0.909 lots; 0.001 of quote is left over, less than one lot's price: FILLED.
    const rounded = ok(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "10" }, T0))
    assert.strictEqual(rounded.status, "FILLED")
    assert.strictEqual(rounded.executedQty, "0.909")
    assert.strictEqual(rounded.cummulativeQuoteQty, "9.999")
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "9969.001", locked: "0" })
  })

  it("by quoteOrderQty: SELL sells base until the amount is reached; an empty book cancels the rest", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("BUY", "10", "5"), T0))
    const sell = ok(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "SELL", type: "MARKET", quoteOrderQty: "25" }, T0))
    assert.strictEqual(sell.status, "FILLED")
    assert.strictEqual(sell.executedQty, "2.5")
    const rest = ok(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "SELL", type: "MARKET", quoteOrderQty: "50" }, T0))
    assert.strictEqual(rest.status, "PARTIALLY_CANCELED")
    assert.strictEqual(rest.executedQty, "2.5")
    assert.strictEqual(rest.cummulativeQuoteQty, "25")
  })

  it("into an empty side is refused with 30025", () => {
    const engine = makeTestEngine()
    const refused = rejected(engine.placeOrder("bob", { symbol: "TESTUSDT", side: "BUY", type: "MARKET", quantity: "1" }, T0))
    assert.strictEqual(refused.code, 30025)
  })
})

describe("balances and fees", () => {
  it("a resting order locks what it may spend; cancel unlocks it", () => {
    const engine = makeTestEngine()
    const buy = ok(engine.placeOrder("bob", limit("BUY", "9", "2"), T0))
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "9982", locked: "18" })
    const sell = ok(engine.placeOrder("bob", limit("SELL", "11", "3"), T0))
    assert.deepStrictEqual(bal(engine, "bob", "TEST"), { free: "97", locked: "3" })

    // A partial fill of the resting BUY spends from the lock.
    ok(engine.placeOrder("alice", limit("SELL", "9", "0.5"), T0))
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "9982", locked: "13.5" })

    const canceled = ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: buy.orderId }, T0))
    assert.strictEqual(canceled.status, "PARTIALLY_CANCELED")
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "9995.5", locked: "0" })
    ok(engine.cancelOrder("bob", { symbol: "TESTUSDT", orderId: sell.orderId }, T0))
    // 0.5 bought at 9, minus the 0.1% maker fee in TEST (0.0005).
    assert.deepStrictEqual(bal(engine, "bob", "TEST"), { free: "100.4995", locked: "0" })
  })

  it("charges the maker and taker rates in the asset each side receives", () => {
    const engine = makeTestEngine()
    const alice = recordAccount(engine, "alice")
    const bob = recordAccount(engine, "bob")
    ok(engine.placeOrder("alice", limit("SELL", "10", "2", { newClientOrderId: "ask-1" }), T0))
    ok(engine.placeOrder("bob", limit("BUY", "10", "2"), T0))
    // alice (maker, SELL) receives 20 USDT and pays 0.1%: 0.02 USDT.
    assert.deepStrictEqual(bal(engine, "alice", "USDT"), { free: "10019.98", locked: "0" })
    assert.deepStrictEqual(bal(engine, "alice", "TEST"), { free: "98", locked: "0" })
    // bob (taker, BUY) receives 2 TEST and pays 0.2%: 0.004 TEST.
    assert.deepStrictEqual(bal(engine, "bob", "TEST"), { free: "101.996", locked: "0" })
    assert.deepStrictEqual(bal(engine, "bob", "USDT"), { free: "9980", locked: "0" })

    const aliceDeal = alice.events.find((e) => e._tag === "Deal")!
    const bobDeal = bob.events.find((e) => e._tag === "Deal")!
    assert(aliceDeal._tag === "Deal" && bobDeal._tag === "Deal")
    assert.deepStrictEqual(
      [aliceDeal.deal.isMaker, aliceDeal.deal.feeAmount, aliceDeal.deal.feeCurrency, aliceDeal.deal.clientOrderId],
      [true, "0.02", "USDT", "ask-1"]
    )
    assert.deepStrictEqual([bobDeal.deal.isMaker, bobDeal.deal.feeAmount, bobDeal.deal.feeCurrency], [false, "0.004", "TEST"])
    assert.strictEqual(aliceDeal.deal.tradeId, bobDeal.deal.tradeId)
    assert.strictEqual(aliceDeal.deal.isSelfTrade, false)
  })

  it("rounds a fee up to the symbol's commission precision", () => {
    const symbol = makeSymbol({
      symbol: "FEEUSDT",
      baseAsset: "FEE",
      quoteAsset: "USDT",
      baseAssetPrecision: 3,
      quoteAssetPrecision: 2,
      baseSizePrecision: "0.001",
      quoteAmountPrecision: "0.01",
      baseCommissionPrecision: 4,
      quoteCommissionPrecision: 2,
      makerCommission: "0",
      takerCommission: "0.002"
    })
    const engine = SimEngine.make({
      symbols: [symbol],
      accounts: [{ apiKey: "a", secret: "s" }, { apiKey: "b", secret: "s" }].map((a) => ({
        ...a,
        balances: { USDT: "100", FEE: "100" }
      }))
    })
    ok(engine.placeOrder("a", { symbol: "FEEUSDT", side: "SELL", type: "LIMIT", price: "10", quantity: "1" }, T0))
    const b = recordAccount(engine, "b")
    // 0.001 * 0.002 = 0.000002 FEE, rounded up to 4 decimals: 0.0001.
    ok(engine.placeOrder("b", { symbol: "FEEUSDT", side: "BUY", type: "LIMIT", price: "10", quantity: "0.001" }, T0))
    const deal = b.events.find((e) => e._tag === "Deal")!
    assert(deal._tag === "Deal")
    assert.strictEqual(deal.deal.feeAmount, "0.0001")
    assert.deepStrictEqual(bal(engine, "b", "FEE"), { free: "100.0009", locked: "0" })
    // Maker rate 0: the seller pays nothing.
    assert.deepStrictEqual(bal(engine, "a", "USDT"), { free: "100.01", locked: "0" })
  })

  it("a self-trade settles both sides on one account and is flagged", () => {
    const engine = makeTestEngine()
    const alice = recordAccount(engine, "alice")
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    ok(engine.placeOrder("alice", limit("BUY", "10", "1"), T0))
    const deals = alice.events.flatMap((e) => (e._tag === "Deal" ? [e.deal] : []))
    assert.strictEqual(deals.length, 2)
    assert(deals.every((d) => d.isSelfTrade))
    // Only the fees leave: 0.01 USDT (maker, SELL) and 0.002 TEST (taker, BUY).
    assert.deepStrictEqual(bal(engine, "alice", "USDT"), { free: "9999.99", locked: "0" })
    assert.deepStrictEqual(bal(engine, "alice", "TEST"), { free: "99.998", locked: "0" })
  })
})

describe("matching: fees never exceed what a fill pays out", () => {
  it("a fee rounded up to a coarse commission precision is capped at the amount received", () => {
    const DUST = makeSymbol({
      symbol: "DUSTUSDT",
      baseAsset: "DUST",
      quoteAsset: "USDT",
      baseAssetPrecision: 3,
      quoteAssetPrecision: 2,
      baseSizePrecision: "0.001",
      quoteAmountPrecision: "0.001",
      quoteAmountPrecisionMarket: "0.001",
      makerCommission: "0.002",
      takerCommission: "0.002",
      baseCommissionPrecision: 2,
      quoteCommissionPrecision: 2
    })
    const engine = SimEngine.make({
      symbols: [DUST],
      accounts: [
        { apiKey: "alice", secret: "a", balances: { DUST: "1" } },
        { apiKey: "bob", secret: "b", balances: { USDT: "1" } }
      ]
    })
    const alice = recordAccount(engine, "alice")
    const bob = recordAccount(engine, "bob")
    ok(engine.placeOrder("alice", { symbol: "DUSTUSDT", side: "SELL", type: "LIMIT", price: "1", quantity: "0.001" }, T0))
    ok(engine.placeOrder("bob", { symbol: "DUSTUSDT", side: "BUY", type: "LIMIT", price: "1", quantity: "0.001" }, T0))
    // 0.002 * 0.001 rounded up to 2 decimals is 0.01, more than the 0.001 each side receives.
    assert.deepStrictEqual(bal(engine, "bob", "DUST"), { free: "0", locked: "0" })
    assert.deepStrictEqual(bal(engine, "alice", "USDT"), { free: "0", locked: "0" })
    const fees = (events: typeof alice.events) => events.flatMap((e) => e._tag === "Deal" ? [e.deal.feeAmount] : [])
    assert.deepStrictEqual(fees(alice.events), ["0.001"])
    assert.deepStrictEqual(fees(bob.events), ["0.001"])
  })
})
