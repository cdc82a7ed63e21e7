/**
 * Gate REST answers to domain values, and domain orders to Gate's request, on the saved payloads in
 * `test/fixtures/gate/` (written from the documented shapes in gateio-wire.md); the error-label
 * table; client order ids as `text`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { GateClientOrderId, GateErrorLabels, GateParse, GateSchemas } from "../../../src/venues/gate/index.ts"
import { fixture } from "./fixtures.ts"
import { decode, fmt, ok } from "../../support/parsing.ts"

const d = Decimal.unsafeParse

const order = (name: string) => ok(GateParse.order(decode(GateSchemas.Order, fixture(name))))

describe("GateParse", () => {
  it("currency pairs -> instruments: steps from precisions, minimums, fee percent, trade status", () => {
    const pairs = decode(Schema.Array(GateSchemas.CurrencyPair), fixture("currency_pairs"))
    const [btc, newt, old] = pairs.map((p) => ok(GateParse.instrument(p)))
    assert.strictEqual(btc!.symbol, "BTC_USDT")
    assert.strictEqual(btc!.baseAsset, "BTC")
    assert.strictEqual(btc!.quoteAsset, "USDT")
    assert.strictEqual(btc!.status, "TRADING")
    assert.strictEqual(fmt(btc!.tickSize), "0.1", "precision 1")
    assert.strictEqual(fmt(btc!.lotSize), "0.000001", "amount_precision 6")
    assert.strictEqual(fmt(btc!.minQuantity), "0.00001")
    assert.strictEqual(fmt(btc!.minNotional), "3")
    assert.strictEqual(fmt(btc!.maxNotional), "5000000")
    assert.strictEqual(fmt(btc!.makerFeeRate), "0.002", "0.2 percent")
    assert.strictEqual(fmt(btc!.takerFeeRate), "0.002")
    assert.deepStrictEqual(btc!.orderTypes, ["LIMIT", "LIMIT_MAKER", "MARKET"])
    assert.strictEqual(newt!.status, "HALTED", "buyable only")
    assert.strictEqual(fmt(newt!.lotSize), "1", "amount_precision 0")
    assert.strictEqual(fmt(newt!.minQuantity), "1", "no min_base_amount: the lot")
    assert.strictEqual(fmt(newt!.minNotional), "0")
    assert.isUndefined(newt!.maxNotional, "null max_quote_amount: no limit")
    assert.strictEqual(old!.status, "OFFLINE")
    assert.isTrue(Result.isFailure(GateParse.instrument({ ...pairs[0]!, precision: -1 })))
    assert.isTrue(Result.isFailure(GateParse.instrument({ ...pairs[0]!, min_quote_amount: "3e" })))
  })

  it("order book with_id -> snapshot at its id, levels exact and best first; no id cannot sync", () => {
    const book = decode(GateSchemas.OrderBook, fixture("order_book"))
    const snapshot = ok(GateParse.bookSnapshot("BTC_USDT", book))
    assert.strictEqual(snapshot.version, 21474653071n)
    assert.strictEqual(snapshot.time, 1733400000120)
    assert.deepStrictEqual(snapshot.bids.map((l) => [fmt(l.price), fmt(l.quantity)]), [["96210.1", "1.521304"], ["96210", "0.000523"]])
    assert.deepStrictEqual(snapshot.asks.map((l) => fmt(l.price)), ["96210.2", "96210.5", "96212"])
    const { id: _id, ...withoutId } = book
    assert.isTrue(Result.isFailure(GateParse.bookSnapshot("BTC_USDT", withoutId)))
    assert.isTrue(Result.isFailure(GateParse.bookSnapshot("BTC_USDT", { ...book, bids: [["-1", "1"]] })), "negative price")
  })

  it("tickers -> quote; public trades -> trades with the taker's side and whole ms", () => {
    const [ticker] = decode(Schema.Array(GateSchemas.Ticker), fixture("tickers"))
    const quote = ok(GateParse.quote(ticker!, 5))
    assert.deepStrictEqual([fmt(quote.bidPrice), fmt(quote.bidQuantity), fmt(quote.askPrice), fmt(quote.askQuantity)], ["96210.1", "1.521304", "96210.2", "0.51"])
    const [trade] = decode(Schema.Array(GateSchemas.Trade), fixture("trades"))
    const parsed = ok(GateParse.trade(trade!))
    assert.strictEqual(parsed.side, "SELL")
    assert.strictEqual(parsed.time, 1733400000456, "the fraction of create_time_ms dropped")
    assert.strictEqual(parsed.tradeId, "9421883321")
    assert.strictEqual(fmt(parsed.quantity), "0.0021")
  })

  it("accounts -> balances", () => {
    const balances = ok(GateParse.balances(decode(Schema.Array(GateSchemas.AccountBalance), fixture("accounts"))))
    assert.deepStrictEqual(balances.map((b) => [b.asset, fmt(b.free), fmt(b.locked)]), [["USDT", "10250.5", "96.2101"], ["BTC", "0.5", "0"]])
  })

  it("an open GTC limit order: NEW, our client order id from its text, times in ms", () => {
    const o = order("order_open")
    assert.strictEqual(o.orderId, "822791036215")
    assert.strictEqual(o.clientOrderId, "se1a2b3c4d5em4x9q1")
    assert.strictEqual(o.status, "NEW")
    assert.strictEqual(o.type, "LIMIT")
    assert.strictEqual(o.timeInForce, "GTC")
    assert.strictEqual(o.side, "BUY")
    assert.strictEqual(fmt(o.price), "96000")
    assert.strictEqual(fmt(o.quantity), "0.001")
    assert.strictEqual(fmt(o.filledQuantity), "0")
    assert.strictEqual(o.time, 1733400000456)
    assert.isTrue(o.isOpen)
  })

  it("an IOC remainder (cancelled, finish_as ioc) is CANCELED with its partial fill, never FILLED", () => {
    const o = order("order_ioc_partial")
    assert.strictEqual(o.status, "CANCELED")
    assert.strictEqual(o.timeInForce, "IOC")
    assert.strictEqual(fmt(o.filledQuantity), "0.0051")
    assert.strictEqual(fmt(o.filledQuoteQuantity), "490.67202")
    assert.strictEqual(fmt(o.averagePrice), "96210.2")
    assert.isFalse(o.isOpen)
  })

  it("a market buy is sized in quote: quoteQuantity, no quantity; a hair short is CANCELED, not FILLED", () => {
    const o = order("order_market_buy")
    assert.strictEqual(o.type, "MARKET")
    assert.strictEqual(o.status, "CANCELED")
    assert.strictEqual(fmt(o.quoteQuantity), "100")
    assert.isUndefined(o.quantity)
    assert.isUndefined(o.price, "a market order has no price")
    assert.strictEqual(fmt(o.filledQuantity), "0.001039")
    assert.strictEqual(fmt(o.filledQuoteQuantity), "99.99999832")
    // An older answer without filled_amount: the base filled is filled_total / avg_deal_price.
    const { filled_amount: _f, ...older } = decode(GateSchemas.Order, fixture("order_market_buy"))
    const fromAverage = ok(GateParse.order({ ...older, filled_total: "192.6", avg_deal_price: "96300" }))
    assert.strictEqual(fmt(fromAverage.filledQuantity), "0.002")
  })

  it("a post-only that would have taken (poc) is LIMIT_MAKER, REJECTED; closed is FILLED; reserved text is no client id", () => {
    const poc = order("order_poc_rejected")
    assert.strictEqual(poc.type, "LIMIT_MAKER")
    assert.strictEqual(poc.status, "REJECTED")
    const closed = order("order_closed")
    assert.strictEqual(closed.status, "FILLED")
    assert.strictEqual(closed.clientOrderId, "", "apiv4 is Gate's, not a client order id")
    assert.strictEqual(closed.updateTime, 1733400009700)
    // Without filled_amount, the base filled is amount - left.
    const { filled_amount: _f, ...older } = decode(GateSchemas.Order, fixture("order_closed"))
    assert.strictEqual(fmt(ok(GateParse.order(older)).filledQuantity), "0.002")
  })

  it("every end of an order: status and finish_as to the domain status", () => {
    const base = decode(GateSchemas.Order, fixture("order_open"))
    const statusOf = (status: string, finish_as: string, filled = "0") =>
      ok(GateParse.order({ ...base, status, finish_as, filled_amount: filled } as GateParse.OrderFields)).status
    assert.strictEqual(statusOf("open", "open"), "NEW")
    assert.strictEqual(statusOf("open", "open", "0.0004"), "PARTIALLY_FILLED")
    assert.strictEqual(statusOf("closed", "filled", "0.001"), "FILLED")
    assert.strictEqual(statusOf("cancelled", "cancelled"), "CANCELED")
    assert.strictEqual(statusOf("cancelled", "cancelled", "0.0004"), "CANCELED", "partly filled, then canceled")
    for (const end of ["ioc", "fok", "stp", "small", "depth_not_enough", "trader_not_enough", "liquidate_cancelled", "unknown"]) {
      assert.strictEqual(statusOf("cancelled", end), "CANCELED", end)
    }
    assert.strictEqual(statusOf("cancelled", "poc"), "REJECTED")
    assert.isTrue(Result.isFailure(GateParse.order({ ...base, status: "weird" })))
    assert.isTrue(Result.isFailure(GateParse.order({ ...base, finish_as: "weird", status: "cancelled" })))
    assert.isTrue(Result.isFailure(GateParse.order({ ...base, time_in_force: "gtd" })))
    assert.isTrue(Result.isFailure(GateParse.order({ ...base, left: "0.002", filled_amount: undefined })), "left above amount")
    assert.isTrue(Result.isFailure(GateParse.order({ ...base, price: "abc" })))
  })

  it("my trades -> fills: maker or taker, fee, quote quantity, our client order id", () => {
    const [f] = ok(GateParse.fills(decode(Schema.Array(GateSchemas.Trade), fixture("my_trades"))))
    assert.strictEqual(f!.orderId, "822791036301")
    assert.strictEqual(f!.clientOrderId, "ioc-0001")
    assert.strictEqual(f!.tradeId, "9421883555")
    assert.strictEqual(f!.side, "BUY")
    assert.isFalse(f!.isMaker)
    assert.strictEqual(fmt(f!.quoteQuantity), "490.67202")
    assert.strictEqual(fmt(f!.fee), "0.0000102")
    assert.strictEqual(f!.feeAsset, "BTC")
    assert.strictEqual(f!.time, 1733400001002)
  })

  it("cancel-all answers decode as orders with their outcome", () => {
    const answer = decode(Schema.Array(GateSchemas.Order), fixture("cancel_all"))
    assert.isTrue(answer[0]!.succeeded)
    assert.strictEqual(ok(GateParse.orders(answer))[0]!.status, "CANCELED")
  })
})

describe("GateParse: the neutral domain checks (Validate)", () => {
  it("an amount out of range, a time that is not one, an empty id, a crossed ticker, a bad asset: refused with the reason", () => {
    const [trade] = decode(Schema.Array(GateSchemas.Trade), fixture("trades"))
    const reason = (r: Result.Result<unknown, string>) => (Result.isFailure(r) ? r.failure : "accepted")
    assert.include(reason(GateParse.trade({ ...trade!, amount: `1${"0".repeat(31)}` })), "out of range")
    assert.include(reason(GateParse.trade({ ...trade!, create_time_ms: "0" })), "is not a time")
    assert.include(reason(GateParse.trade({ ...trade!, id: "" })), "trade id")
    const [ticker] = decode(Schema.Array(GateSchemas.Ticker), fixture("tickers"))
    assert.include(reason(GateParse.quote({ ...ticker!, highest_bid: "96210.3" }, 1)), "not below best ask")
    const accounts = decode(Schema.Array(GateSchemas.AccountBalance), fixture("accounts"))
    assert.include(reason(GateParse.balances([{ ...accounts[0]!, currency: "US DT" }])), "not an asset code")
    const open = decode(GateSchemas.Order, fixture("order_open"))
    assert.include(reason(GateParse.order({ ...open, id: "" })), "order id")
    const pairs = decode(Schema.Array(GateSchemas.CurrencyPair), fixture("currency_pairs"))
    assert.include(reason(GateParse.instrument({ ...pairs[0]!, base: "" })), "asset")
  })
})

describe("Gate order requests", () => {
  const limit = { symbol: "BTC_USDT", side: "BUY" as const, type: "LIMIT" as const, timeInForce: "GTC" as const, price: d("96000"), quantity: d("0.001"), clientOrderId: "abc-1" }
  const body = (o: GateParse.NewOrder) => {
    const r = GateParse.orderRequest(o)
    if (Result.isFailure(r)) throw new Error(r.failure.message)
    return r.success
  }

  it("maps type and time in force: gtc, ioc, fok, post-only as poc, market as ioc", () => {
    assert.deepStrictEqual(body(limit), {
      text: "t-abc-1",
      currency_pair: "BTC_USDT",
      type: "limit",
      account: "spot",
      side: "buy",
      amount: "0.001",
      price: "96000",
      time_in_force: "gtc"
    })
    assert.strictEqual(body({ ...limit, timeInForce: "IOC" }).time_in_force, "ioc")
    assert.strictEqual(body({ ...limit, timeInForce: "FOK" }).time_in_force, "fok")
    assert.strictEqual(body({ ...limit, type: "LIMIT_MAKER" }).time_in_force, "poc")
    const marketSell = body({ ...limit, type: "MARKET", side: "SELL", price: undefined })
    assert.deepStrictEqual([marketSell.type, marketSell.time_in_force, marketSell.amount, marketSell.price], ["market", "ioc", "0.001", undefined])
    // It decodes as Gate's request shape.
    decode(GateSchemas.OrderRequest, body(limit))
  })

  it("sizes a market buy in quote, and refuses a market buy by base quantity", () => {
    const buy = body({ ...limit, type: "MARKET", price: undefined, quantity: undefined, quoteQuantity: d("100") })
    assert.deepStrictEqual([buy.type, buy.side, buy.amount], ["market", "buy", "100"])
    const byBase = GateParse.orderRequest({ ...limit, type: "MARKET", price: undefined })
    assert.isTrue(Result.isFailure(byBase))
    if (Result.isFailure(byBase)) assert.strictEqual(byBase.failure.filter, "orderType")
  })

  it("refuses a client order id Gate cannot carry", () => {
    const long = GateParse.orderRequest({ ...limit, clientOrderId: "x".repeat(29) })
    assert.isTrue(Result.isFailure(long))
    assert.isTrue(Result.isFailure(GateParse.orderRequest({ ...limit, clientOrderId: "a b" })))
    assert.isTrue(Result.isSuccess(GateParse.orderRequest({ ...limit, clientOrderId: "A".repeat(28) })))
  })
})

describe("GateClientOrderId", () => {
  it("is `t-` + at most 28 of [0-9A-Za-z_.-], and reads back without the prefix", () => {
    assert.deepStrictEqual(GateClientOrderId.toText("arb.0001_x-y"), Result.succeed("t-arb.0001_x-y"))
    assert.isTrue(Result.isFailure(GateClientOrderId.toText("")))
    assert.isTrue(Result.isFailure(GateClientOrderId.toText("é")))
    assert.strictEqual(GateClientOrderId.fromText("t-arb.0001"), "arb.0001")
    assert.strictEqual(GateClientOrderId.fromText("t-t-x"), "t-x", "only one prefix comes off")
    for (const reserved of ["apiv4", "web", "3", "101", "t-"]) assert.isUndefined(GateClientOrderId.fromText(reserved), reserved)
  })
})

describe("GateErrorLabels", () => {
  const errors = fixture("errors") as Record<string, unknown>
  const answer = (name: string, status: number, extra: Partial<{ path: string; params: Record<string, string>; requestBody: unknown }> = {}) =>
    GateErrorLabels.reasonFor({
      status,
      body: JSON.stringify(errors[name]),
      path: extra.path ?? "/api/v4/spot/orders",
      params: extra.params ?? {},
      requestBody: extra.requestBody
    })

  it("maps each label to its reason, naming the order and symbol it is about", () => {
    const notFound = answer("orderNotFound", 404, { path: "/api/v4/spot/orders/822791036215", params: { currency_pair: "BTC_USDT" } })
    assert.strictEqual(notFound._tag, "UnknownOrder")
    if (notFound._tag === "UnknownOrder") {
      assert.strictEqual(notFound.orderId, "822791036215")
      assert.strictEqual(notFound.symbol, "BTC_USDT")
      assert.include(notFound.venueMessage, "ORDER_NOT_FOUND")
    }
    const byText = answer("orderNotFound", 404, { path: "/api/v4/spot/orders/t-abc", params: { currency_pair: "BTC_USDT" } })
    if (byText._tag === "UnknownOrder") assert.strictEqual(byText.clientOrderId, "abc")
    else assert.fail(byText._tag)
    assert.strictEqual(answer("closed", 400)._tag, "UnknownOrder", "a cancel of a finished order: ask for its final state")
    assert.strictEqual(answer("signature", 401)._tag, "InvalidSignature")
    assert.strictEqual(answer("expired", 401)._tag, "TimestampOutsideWindow")
    assert.strictEqual(answer("balance", 400)._tag, "InsufficientBalance")
    const poc = answer("poc", 400, { requestBody: { currency_pair: "BTC_USDT", text: "t-m1" } })
    assert.strictEqual(poc._tag === "FilterRejected" ? `${poc.filter} ${poc.symbol}` : poc._tag, "postOnly BTC_USDT")
    const pair = answer("pair", 400, { params: { currency_pair: "NOPE_USDT" } })
    assert.strictEqual(pair._tag === "InvalidSymbol" ? `${pair.symbol} ${pair.venueMessage}` : pair._tag, "NOPE_USDT INVALID_CURRENCY_PAIR: Invalid currency pair NOPE_USDT")
    const small = answer("tooSmall", 400)
    assert.strictEqual(small._tag, "Rejected")
    assert.include(small.message, "The minimum is 3 USDT")
    assert.strictEqual(GateErrorLabels.reasonFor({ status: 400, body: "{\"label\":\"SERVER_ERROR\"}", path: "/", params: {} })._tag, "Unavailable")
    assert.strictEqual(GateErrorLabels.reasonFor({ status: 400, body: "{\"label\":\"TOO_FAST\"}", path: "/", params: {} }).retryable, true)
  })

  it("reads a body that is not Gate's: 401 is authentication, anything else Rejected with its start", () => {
    assert.strictEqual(GateErrorLabels.reasonFor({ status: 401, body: "<html>denied</html>", path: "/", params: {} })._tag, "InvalidSignature")
    const other = GateErrorLabels.reasonFor({ status: 403, body: "<html>blocked</html>", path: "/", params: {} })
    assert.strictEqual(other._tag, "Rejected")
    assert.include(other.message, "<html>blocked</html>")
  })
})
