/**
 * MEXC REST answers to domain values, on the saved payloads in `test/fixtures/mexc/` and on the
 * shapes live MEXC sends (nulls, numbers where the docs show strings); and the error-code table.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { MexcErrorCodes, MexcParse } from "../../../src/venues/mexc/index.ts"
import { fixture } from "./fixtures.ts"
import { decode, fmt, ok } from "../../support/parsing.ts"

describe("MexcParse", () => {
  it("exchangeInfo symbol -> Instrument: steps from precisions, minimums, fees, status", () => {
    const info = decode(MexcParse.ExchangeInfoAnswer, fixture("exchangeInfo"))
    const btc = ok(MexcParse.instrument(info.symbols[0]!))
    assert.strictEqual(btc.symbol, "BTCUSDT")
    assert.strictEqual(btc.baseAsset, "BTC")
    assert.strictEqual(btc.quoteAsset, "USDT")
    assert.strictEqual(btc.status, "TRADING")
    assert.strictEqual(fmt(btc.tickSize), "0.01", "quoteAssetPrecision 2")
    assert.strictEqual(fmt(btc.lotSize), "0.000001", "baseAssetPrecision 6")
    assert.strictEqual(fmt(btc.minQuantity), "0.000001", "baseSizePrecision")
    assert.strictEqual(fmt(btc.minNotional), "1", "quoteAmountPrecision")
    assert.strictEqual(fmt(btc.maxNotional), "2000000")
    assert.deepStrictEqual(btc.orderTypes, ["LIMIT", "MARKET", "LIMIT_MAKER"])
    assert.strictEqual(fmt(btc.makerFeeRate), "0")
    assert.strictEqual(fmt(btc.takerFeeRate), "0.0005")
  })

  it("exchangeInfo: live shapes (numeric tradeSideType and status, ENABLED, nulls) and every status", () => {
    const base = (fixture("exchangeInfo") as { symbols: Array<Record<string, unknown>> }).symbols[0]!
    const live = decode(MexcParse.SymbolAnswer, { ...base, status: 1, tradeSideType: 1, maxQuoteAmount: null, orderTypes: null })
    const parsed = ok(MexcParse.instrument(live))
    assert.strictEqual(parsed.status, "TRADING")
    assert.isUndefined(parsed.maxNotional)
    assert.deepStrictEqual(parsed.orderTypes, [])
    assert.strictEqual(MexcParse.instrumentStatus("ENABLED", true), "TRADING")
    assert.strictEqual(MexcParse.instrumentStatus("1", false), "HALTED", "spot trading not allowed")
    assert.strictEqual(MexcParse.instrumentStatus("2", true), "HALTED")
    assert.strictEqual(MexcParse.instrumentStatus("3", true), "OFFLINE")
    const bad = decode(MexcParse.SymbolAnswer, { ...base, baseSizePrecision: "1e" })
    assert.isTrue(Result.isFailure(MexcParse.instrument(bad)))
  })

  it("depth -> DepthSnapshot at lastUpdateId, levels exact, best first", () => {
    const snapshot = ok(MexcParse.depth("BTCUSDT", decode(MexcParse.DepthAnswer, fixture("depth")), 0))
    assert.strictEqual(snapshot.version, 43870454931n)
    assert.strictEqual(snapshot.time, 1732200000123)
    assert.deepStrictEqual(snapshot.bids.map((l) => [fmt(l.price), fmt(l.quantity)]), [["96210.01", "1.521304"], ["96210", "0.000523"]])
    assert.deepStrictEqual(snapshot.asks.map((l) => fmt(l.price)), ["96210.02", "96210.5"])
    const big = ok(MexcParse.depth("X", { lastUpdateId: "9007199254740993", bids: [], asks: [], timestamp: null }, 5))
    assert.strictEqual(big.version, 9007199254740993n, "a version above 2^53 sent as a string stays exact")
    assert.strictEqual(big.time, 5)
    const impossible = MexcParse.depth("X", { lastUpdateId: "18446744073709551615", bids: [], asks: [], timestamp: null }, 5)
    assert.isTrue(Result.isFailure(impossible), "a snapshot at 2^64 - 1 cannot be right")
  })

  it("account -> balances", () => {
    const balances = ok(MexcParse.balances(decode(MexcParse.AccountAnswer, fixture("account"))))
    assert.deepStrictEqual(balances.map((b) => [b.asset, fmt(b.free), fmt(b.locked)]), [["USDT", "9990.5", "9"], ["BTC", "0.1", "0"]])
  })

  it("order answers -> Order: query, open orders, cancel, and the new-order acknowledgement", () => {
    const queried = ok(MexcParse.order(decode(MexcParse.OrderAnswer, fixture("queryOrder")), 0))
    assert.strictEqual(queried.orderId, "C02__481937457916551168071")
    assert.strictEqual(queried.clientOrderId, "bot-1")
    assert.strictEqual(queried.status, "PARTIALLY_FILLED")
    assert.strictEqual(queried.type, "LIMIT")
    assert.strictEqual(queried.timeInForce, "GTC")
    assert.strictEqual(fmt(queried.price), "90000")
    assert.strictEqual(fmt(queried.quantity), "0.0001")
    assert.strictEqual(fmt(queried.filledQuantity), "0.00005")
    assert.strictEqual(fmt(queried.filledQuoteQuantity), "4.5")
    assert.strictEqual(fmt(queried.averagePrice), "90000")
    assert.strictEqual(queried.time, 1732200000456)
    assert.strictEqual(queried.updateTime, 1732200001789)
    assert.isTrue(queried.isOpen)

    const open = ok(MexcParse.orders(decode(MexcParse.OrdersAnswer, fixture("openOrders")), 0))
    assert.strictEqual(open.length, 1)
    assert.strictEqual(open[0]!.clientOrderId, "")
    assert.strictEqual(open[0]!.side, "SELL")

    const canceled = ok(MexcParse.order(decode(MexcParse.OrderAnswer, fixture("cancelOrder")), 1732200009999))
    assert.strictEqual(canceled.status, "CANCELED")
    assert.strictEqual(canceled.time, 1732200009999, "a cancel answer carries no time: the answer's")
    assert.isFalse(canceled.isOpen)

    // MEXC's PARTIALLY_CANCELED is not a domain status: CANCELED, with what was filled.
    const partly = ok(MexcParse.order(
      decode(MexcParse.OrderAnswer, { ...(fixture("cancelOrder") as object), status: "PARTIALLY_CANCELED", executedQty: "3" }),
      0
    ))
    assert.strictEqual(partly.status, "CANCELED")
    assert.strictEqual(Decimal.format(partly.filledQuantity), "3")

    const all = decode(MexcParse.CanceledOrdersAnswer, fixture("cancelOpenOrders"))
    assert.deepStrictEqual(all.map((o) => String(o.orderId)), ["C02__481937457916551168072"])

    const ack = MexcParse.orderAck(decode(MexcParse.NewOrderAnswer, fixture("newOrder")), "mine-1", 0)
    assert.deepStrictEqual(ack, { symbol: "BTCUSDT", orderId: "C02__481937457916551168071", clientOrderId: "mine-1", time: 1732200000456 })
  })

  it("order answers as live sends them: nulls, no origClientOrderId, DELETE openOrders' short shape", () => {
    const live = {
      symbol: "BTCUSDT",
      orderId: "C02__1",
      orderListId: -1,
      clientOrderId: null,
      price: "0",
      origQty: "0",
      executedQty: "0.002",
      cummulativeQuoteQty: "120.5",
      status: "FILLED",
      timeInForce: null,
      type: "MARKET",
      side: "BUY",
      stopPrice: null,
      icebergQty: null,
      time: 1,
      updateTime: null,
      isWorking: true,
      stpMode: "",
      origQuoteOrderQty: "121",
      _extend: {}
    }
    const market = ok(MexcParse.order(decode(MexcParse.OrderAnswer, live), 0))
    assert.strictEqual(market.clientOrderId, "")
    assert.strictEqual(market.type, "MARKET")
    assert.isUndefined(market.price, "a market order has no price")
    assert.isUndefined(market.quantity, "bought by quote amount")
    assert.strictEqual(fmt(market.quoteQuantity), "121")
    assert.isUndefined(market.updateTime)

    const ioc = ok(MexcParse.order(decode(MexcParse.OrderAnswer, { ...live, type: "IMMEDIATE_OR_CANCEL", price: "60000", origQty: "0.01" }), 0))
    assert.deepStrictEqual([ioc.type, ioc.timeInForce, fmt(ioc.price)], ["LIMIT", "IOC", "60000"])
    const fok = ok(MexcParse.order(decode(MexcParse.OrderAnswer, { ...live, type: "FILL_OR_KILL", price: "60000", origQty: "0.01" }), 0))
    assert.deepStrictEqual([fok.type, fok.timeInForce], ["LIMIT", "FOK"])

    const shortShape = {
      symbol: "BTCUSDT",
      orderId: "C02__2",
      price: "100000",
      origQty: "0.0002",
      type: "LIMIT",
      side: "SELL",
      executedQty: "0",
      cummulativeQuoteQty: "0",
      status: "NEW"
    }
    const beforeCancel = ok(MexcParse.order(decode(MexcParse.OrderAnswer, shortShape), 7))
    assert.strictEqual(beforeCancel.status, "NEW", "DELETE openOrders reports the state before the cancel")
    assert.strictEqual(beforeCancel.time, 7)

    assert.isTrue(Result.isFailure(MexcParse.order(decode(MexcParse.OrderAnswer, { ...live, status: "EXPIRED_IN_MATCH" }), 0)))
    assert.isTrue(Result.isFailure(MexcParse.order(decode(MexcParse.OrderAnswer, { ...live, type: "STOP_LIMIT" }), 0)))
  })

  it("myTrades -> Fill", () => {
    const trades = decode(MexcParse.TradesAnswer, [{
      symbol: "BTCUSDT",
      id: "fa3cd6b0a0a24ef8a8e1d0b11e5d4c3b",
      orderId: "C02__3",
      orderListId: -1,
      price: "60000.5",
      qty: "0.001",
      quoteQty: "60.0005",
      commission: "0.03",
      commissionAsset: "USDT",
      time: 1732200000000,
      isBuyer: false,
      isMaker: true,
      isBestMatch: true,
      isSelfTrade: false,
      clientOrderId: null
    }])
    const [fill] = ok(MexcParse.fills(trades))
    assert.strictEqual(fill!.side, "SELL")
    assert.strictEqual(fill!.tradeId, "fa3cd6b0a0a24ef8a8e1d0b11e5d4c3b")
    assert.strictEqual(fill!.clientOrderId, "")
    assert.strictEqual(fmt(fill!.fee), "0.03")
    assert.isTrue(fill!.isMaker)
  })
})

describe("MexcErrorCodes", () => {
  const answer = (body: unknown, params: Record<string, string> = {}, status = 400) => ({
    status,
    body: typeof body === "string" ? body : JSON.stringify(body),
    path: "/api/v3/order",
    params
  })

  it("maps each code to its reason, reading string codes too", () => {
    const reason = (code: number | string, params?: Record<string, string>) =>
      MexcErrorCodes.reasonFor(answer({ code, msg: "m" }, params))._tag
    assert.strictEqual(reason(700003), "TimestampOutsideWindow")
    assert.strictEqual(reason("700003"), "TimestampOutsideWindow")
    assert.strictEqual(reason(700002), "InvalidSignature")
    assert.strictEqual(reason(602), "InvalidSignature")
    assert.strictEqual(reason(30005), "InsufficientBalance")
    assert.strictEqual(reason(10101), "InsufficientBalance")
    assert.strictEqual(reason(30004), "InsufficientBalance")
    assert.strictEqual(reason(-2011), "UnknownOrder")
    assert.strictEqual(reason("-2013"), "UnknownOrder")
    assert.strictEqual(reason(10007), "InvalidSymbol")
    assert.strictEqual(reason(30014), "InvalidSymbol")
    assert.strictEqual(reason(30021), "InvalidSymbol")
    assert.strictEqual(reason(-1121), "InvalidSymbol")
    assert.strictEqual(reason(30002), "FilterRejected")
    assert.strictEqual(reason(-2010), "FilterRejected")
    assert.strictEqual(reason(730000), "Rejected")
    assert.strictEqual(reason(33333), "Rejected")
  })

  it("keeps what the caller needs: the order ids, the symbol, the venue's code and message", () => {
    const unknown = MexcErrorCodes.reasonFor(answer({ code: -2013, msg: "Order does not exist." }, { symbol: "BTCUSDT", origClientOrderId: "c-1" }))
    assert.strictEqual(unknown._tag, "UnknownOrder")
    if (unknown._tag === "UnknownOrder") {
      assert.deepStrictEqual([unknown.symbol, unknown.clientOrderId, unknown.orderId, unknown.code], ["BTCUSDT", "c-1", undefined, -2013])
      assert.include(unknown.message, "Order does not exist.")
    }
    const post = MexcErrorCodes.reasonFor(answer({ code: -2010, msg: "Order would immediately match and take." }, { symbol: "BTCUSDT" }))
    assert.isTrue(post._tag === "FilterRejected" && post.filter === "postOnly" && post.symbol === "BTCUSDT")
    const dead = MexcErrorCodes.reasonFor(answer({ code: "730000", msg: "Invalid listenKey", _extend: null }))
    assert.isTrue(dead._tag === "Rejected" && dead.code === 730000)
  })

  it("recognises an error body sent with HTTP 200, and only that", () => {
    assert.isTrue(MexcErrorCodes.isErrorBody(JSON.stringify({ code: 10007, msg: "bad symbol" })))
    assert.isTrue(MexcErrorCodes.isErrorBody(JSON.stringify({ code: "-1121", msg: "Invalid symbol." })))
    assert.isFalse(MexcErrorCodes.isErrorBody(JSON.stringify({ code: 200, msg: "success" })))
    assert.isFalse(MexcErrorCodes.isErrorBody(JSON.stringify({ code: 0, msg: "" })))
    assert.isFalse(MexcErrorCodes.isErrorBody(JSON.stringify({ success: true, code: 0, data: [] })))
    assert.isFalse(MexcErrorCodes.isErrorBody(JSON.stringify({ lastUpdateId: 1, bids: [], asks: [] })))
  })

  it("an answer that is not MEXC's JSON (a WAF page) is Rejected with its text", () => {
    const waf = MexcErrorCodes.reasonFor(answer("<html>403 Forbidden</html>", {}, 403))
    assert.isTrue(waf._tag === "Rejected" && waf.status === 403 && waf.venueMessage.includes("403 Forbidden"))
    assert.strictEqual(MexcErrorCodes.reasonFor(answer("", {}, 401))._tag, "InvalidSignature")
  })
})
