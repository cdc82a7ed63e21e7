/**
 * Gate.io Spot v4 wire to domain and back, for REST answers and the private pushes that carry the
 * same objects: pure functions, tested on saved payloads (`test/fixtures/gate/`).
 *
 * The rules that are Gate's (gateio-wire.md, "Order"):
 * - type and time in force: `limit` + `gtc`/`ioc`/`fok` is a LIMIT order with that time in force,
 *   `limit` + `poc` ("pending or cancelled") is post-only, LIMIT_MAKER; `market` orders are IOC
 *   (Gate takes only `ioc` or `fok` on them), sent as `ioc`;
 * - sizes: a market **buy**'s `amount` is the quote to spend, every other `amount` is base; so a
 *   market buy must be sized with `quoteQuantity`, a market sell with `quantity`;
 * - status: `open` is NEW until something fills, then PARTIALLY_FILLED; `closed` is FILLED;
 *   `cancelled` is every other end **whether or not it partly filled**, including an IOC remainder
 *   (`finish_as: "ioc"`) and a market buy a hair short of its quote amount: CANCELED, with what did
 *   fill in `filledQuantity`, never FILLED; `finish_as: "poc"` (a post-only order that would have
 *   taken) is REJECTED. WebSocket order pushes carry no `status`: `event` `put`/`update` are open,
 *   `finish` reads `finish_as` the same way (`filled`, or no `finish_as` and nothing left, FILLED);
 * - client order ids travel as `text` (see `ClientOrderId.ts`);
 * - times: `create_time_ms`/`update_time_ms` are numbers in REST and strings in WebSocket order
 *   pushes; trades' `create_time_ms` is a string with a fraction: all read as whole epoch ms.
 *
 * Every function answers a `Result`: a `Failure` describes what was out of the domain (a decimal
 * that does not parse, a negative amount, an unknown enum value); the client turns it into a
 * `Decode` error and a stream counts and skips it.
 *
 * @since 0.1.0
 */
import { BigDecimal, Option, Result } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import { FilterRejected } from "../../exchange/ExchangeError.ts"
import * as Validate from "../../exchange/Validate.ts"
import * as Parsing from "../../internal/Parsing.ts"
import { attempt, check, Invalid } from "../../internal/Parsing.ts"
import type { InstrumentStatus, OrderStatus, OrderType, Side, TimeInForce } from "../../exchange/Model.ts"
import { Balance, BookLevel, Fill, Instrument, Order, Quote, Trade } from "../../exchange/Model.ts"
import type * as OrderRules from "../../exchange/OrderRules.ts"
import * as ClientOrderId from "./ClientOrderId.ts"
import * as Schemas from "./Schemas.ts"

/** A parse result: the value, or what was wrong. */
export type ParseResult<A> = Parsing.ParseResult<A>


const decimalOf = (text: string | null | undefined, field: string): Decimal.Decimal => {
  if (text === null || text === undefined) throw new Invalid(`${field} is missing`)
  const parsed = Decimal.parse(text.trim())
  if (Option.isNone(parsed)) throw new Invalid(`${field} is not a decimal number: ${JSON.stringify(text)}`)
  return parsed.value
}

/** A decimal >= 0, in range. */
const amount = (text: string | null | undefined, field: string): Decimal.Decimal => {
  const value = decimalOf(text, field)
  check(Validate.nonNegative(value, field))
  return value
}

/** A decimal > 0, in range. */
const positive = (text: string | null | undefined, field: string): Decimal.Decimal => {
  const value = decimalOf(text, field)
  check(Validate.positive(value, field))
  return value
}

/** An optional decimal: absent, `null` or empty is `undefined`. */
const optionalAmount = (text: string | null | undefined, field: string): Decimal.Decimal | undefined =>
  text === null || text === undefined || text.trim() === "" ? undefined : amount(text, field)

/** Epoch ms from a number or a string (with or without a fraction), floored. */
export const millis = (value: number | string | undefined, field: string): number => {
  const n = typeof value === "string" ? Number(value.trim()) : value
  if (n === undefined || !Number.isFinite(n) || n < 0 || (typeof value === "string" && value.trim() === "")) {
    throw new Invalid(`${field} is not a time: ${JSON.stringify(value)}`)
  }
  const ms = Math.floor(n)
  check(Validate.time(ms, field))
  return ms
}

const sideOf = (side: string): Side => {
  if (side === "buy") return "BUY"
  if (side === "sell") return "SELL"
  throw new Invalid(`unknown side ${JSON.stringify(side)}`)
}

/** Our client order id from an order's `text` (`""` when it carries none of ours). */
const clientOrderIdOf = (text: string | undefined): string =>
  text === undefined ? "" : ClientOrderId.fromText(text) ?? ""

// --- instruments, market data, balances ----------------------------------------------------------

/** `trade_status`: `tradable` trades; `buyable`/`sellable` (one side only) is HALTED; `untradable` OFFLINE. */
export const instrumentStatus = (status: string): InstrumentStatus =>
  status === "tradable" ? "TRADING" : status === "untradable" ? "OFFLINE" : "HALTED"

const places = (value: number, field: string): number => {
  if (!Number.isInteger(value) || value < 0 || value > 30) throw new Invalid(`${field} is not a number of decimals: ${value}`)
  return value
}

/**
 * A currency pair: tick 10^-`precision`, lot 10^-`amount_precision`, minimum quantity
 * `min_base_amount` (the lot when absent), minimum notional `min_quote_amount`, maximum notional
 * `max_quote_amount`; `fee` is a percent and is both the maker and the taker rate (Gate's account
 * fee tier may be lower: `GET /wallet/fee`).
 */
export const instrument = (pair: Schemas.CurrencyPair): ParseResult<Instrument> =>
  attempt(() => {
    check(Validate.id(pair.id, "currency pair") ?? Validate.asset(pair.base) ?? Validate.asset(pair.quote))
    const lotSize = Decimal.stepOfPlaces(places(pair.amount_precision, "amount_precision"))
    const maxNotional = optionalAmount(pair.max_quote_amount, "max_quote_amount")
    const feeRate = BigDecimal.normalize(BigDecimal.divideUnsafe(amount(pair.fee, "fee"), BigDecimal.fromBigInt(100n)))
    return new Instrument({
      symbol: pair.id,
      baseAsset: pair.base,
      quoteAsset: pair.quote,
      status: instrumentStatus(pair.trade_status),
      tickSize: Decimal.stepOfPlaces(places(pair.precision, "precision")),
      lotSize,
      minQuantity: optionalAmount(pair.min_base_amount, "min_base_amount") ?? lotSize,
      minNotional: optionalAmount(pair.min_quote_amount, "min_quote_amount") ?? Decimal.zero,
      ...(maxNotional === undefined || !BigDecimal.isPositive(maxNotional) ? {} : { maxNotional }),
      orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET"],
      makerFeeRate: feeRate,
      takerFeeRate: feeRate
    })
  })

/** An order book snapshot at update id `version`: levels best first. */
export interface BookSnapshot {
  readonly symbol: string
  readonly version: bigint
  readonly bids: ReadonlyArray<BookLevel>
  readonly asks: ReadonlyArray<BookLevel>
  /** Venue time of the book's last change (ms). */
  readonly time: number
}

const levels = (rows: ReadonlyArray<readonly [string, string]>, side: string): Array<BookLevel> =>
  rows.map(([price, quantity], i) =>
    new BookLevel({ price: positive(price, `${side}[${i}].price`), quantity: amount(quantity, `${side}[${i}].amount`) })
  )

/** `GET /spot/order_book?with_id=true` to a snapshot at its `id` (a book without `id` cannot sync). */
export const bookSnapshot = (symbol: string, book: Schemas.OrderBook): ParseResult<BookSnapshot> =>
  attempt(() => {
    if (book.id === undefined || !Number.isSafeInteger(book.id) || book.id < 0) {
      throw new Invalid(`the order book has no usable id (asked with_id=true): ${JSON.stringify(book.id)}`)
    }
    return {
      symbol,
      version: BigInt(book.id),
      bids: levels(book.bids, "bids"),
      asks: levels(book.asks, "asks"),
      time: millis(book.update, "update")
    }
  })

/** A `GET /spot/tickers` element to the best bid and ask (sizes zero when the answer has none). */
export const quote = (ticker: Schemas.Ticker, time: number): ParseResult<Quote> =>
  attempt(() => {
    const q = new Quote({
      symbol: ticker.currency_pair,
      bidPrice: amount(ticker.highest_bid, "highest_bid"),
      bidQuantity: optionalAmount(ticker.highest_size, "highest_size") ?? Decimal.zero,
      askPrice: amount(ticker.lowest_ask, "lowest_ask"),
      askQuantity: optionalAmount(ticker.lowest_size, "lowest_size") ?? Decimal.zero,
      time
    })
    check(Validate.quote(q))
    return q
  })

/** `GET /spot/accounts` to balances. */
export const balances = (accounts: ReadonlyArray<Schemas.AccountBalance>): ParseResult<Array<Balance>> =>
  attempt(() =>
    accounts.map((a) => {
      check(Validate.asset(a.currency))
      return new Balance({ asset: a.currency, free: amount(a.available, `${a.currency}.available`), locked: amount(a.locked, `${a.currency}.locked`) })
    })
  )

/** A public trade (REST `GET /spot/trades` or the `spot.trades` push): `side` is the taker's. */
export const trade = (t: {
  readonly id: string | number
  readonly currency_pair: string
  readonly create_time_ms: string
  readonly side: string
  readonly amount: string
  readonly price: string
}): ParseResult<Trade> =>
  attempt(() => {
    check(Validate.id(String(t.id), "trade id"))
    return new Trade({
      symbol: t.currency_pair,
      price: positive(t.price, "price"),
      quantity: positive(t.amount, "amount"),
      side: sideOf(t.side),
      time: millis(t.create_time_ms, "create_time_ms"),
      tradeId: String(t.id)
    })
  })

// --- orders --------------------------------------------------------------------------------------

/** Gate's `type` and `time_in_force` to the domain's type and time in force. */
export const orderType = (type: string, timeInForce: string): { readonly type: OrderType; readonly timeInForce: TimeInForce } => {
  if (type === "market") return { type: "MARKET", timeInForce: "GTC" }
  if (type !== "limit") throw new Invalid(`unknown order type ${JSON.stringify(type)}`)
  switch (timeInForce) {
    case "gtc":
      return { type: "LIMIT", timeInForce: "GTC" }
    case "ioc":
      return { type: "LIMIT", timeInForce: "IOC" }
    case "fok":
      return { type: "LIMIT", timeInForce: "FOK" }
    case "poc":
      return { type: "LIMIT_MAKER", timeInForce: "GTC" }
    default:
      throw new Invalid(`unknown time_in_force ${JSON.stringify(timeInForce)}`)
  }
}

/** Every `finish_as` Gate sends (the wire schema's list). */
const finishes: ReadonlySet<string> = new Set(Schemas.FinishAs.literals)

/** How a finished order ended: `filled` FILLED, `poc` REJECTED, any other end CANCELED. */
const finalStatus = (finishAs: string | undefined, nothingLeft: boolean): OrderStatus => {
  if (finishAs !== undefined && !finishes.has(finishAs)) throw new Invalid(`unknown finish_as ${JSON.stringify(finishAs)}`)
  if (finishAs === "filled") return "FILLED"
  if (finishAs === "poc") return "REJECTED"
  if (finishAs === undefined || finishAs === "open") return nothingLeft ? "FILLED" : "CANCELED"
  return "CANCELED"
}

/**
 * The domain status of an order: from REST's `status` (with `finish_as`), or from a push's `event`
 * (which has no status).
 */
export const orderStatus = (
  o: { readonly status?: string | undefined; readonly event?: string | undefined; readonly finish_as?: string | undefined },
  filled: boolean,
  nothingLeft: boolean
): OrderStatus => {
  const state = o.status ?? (o.event === "finish" ? "finished" : o.event === "put" || o.event === "update" ? "open" : o.event)
  switch (state) {
    case "open":
      return filled ? "PARTIALLY_FILLED" : "NEW"
    case "closed":
      return "FILLED"
    case "cancelled":
      return finalStatus(o.finish_as, false)
    case "finished":
      return finalStatus(o.finish_as, nothingLeft)
    default:
      throw new Invalid(`unknown order status ${JSON.stringify(o.status ?? o.event)}`)
  }
}

/** The fields an order has in REST answers and `spot.orders` pushes alike. */
export interface OrderFields {
  readonly id: string
  readonly text: string
  readonly create_time_ms: number | string
  readonly update_time_ms: number | string
  readonly currency_pair: string
  readonly type: string
  readonly side: string
  readonly amount: string
  readonly price: string
  readonly time_in_force: string
  readonly left: string
  readonly filled_amount?: string | undefined
  readonly filled_total: string
  readonly avg_deal_price?: string | undefined
  readonly status?: string | undefined
  readonly event?: string | undefined
  readonly finish_as?: string | undefined
}

/**
 * A REST order or a `spot.orders` element to an {@link Order}. A market buy has `quoteQuantity`
 * (its `amount`) and no `quantity`; its filled base is `filled_amount`, or `filled_total /
 * avg_deal_price` where an older answer has no `filled_amount`. Every other order's filled base is
 * `filled_amount`, or `amount - left`.
 */
export const order = (o: OrderFields): ParseResult<Order> =>
  attempt(() => {
    check(Validate.id(o.id, "order id"))
    const kind = orderType(o.type, o.time_in_force)
    const side = sideOf(o.side)
    const isMarket = kind.type === "MARKET"
    const size = positive(o.amount, "amount")
    const left = amount(o.left, "left")
    const filledQuote = amount(o.filled_total, "filled_total")
    const quoteSized = isMarket && side === "BUY"
    let filled = optionalAmount(o.filled_amount, "filled_amount")
    if (filled === undefined) {
      if (quoteSized) {
        const average = optionalAmount(o.avg_deal_price, "avg_deal_price")
        filled = average === undefined || !BigDecimal.isPositive(average)
          ? Decimal.zero
          : BigDecimal.divideUnsafe(filledQuote, average)
      } else {
        filled = BigDecimal.subtract(size, left)
        if (BigDecimal.isNegative(filled)) throw new Invalid(`left ${o.left} exceeds amount ${o.amount}`)
      }
    }
    const status = orderStatus(o, BigDecimal.isPositive(filled), BigDecimal.isZero(left))
    const price = isMarket ? undefined : positive(o.price, "price")
    return new Order({
      symbol: o.currency_pair,
      orderId: o.id,
      clientOrderId: clientOrderIdOf(o.text),
      side,
      type: kind.type,
      timeInForce: kind.timeInForce,
      status,
      ...(price === undefined ? {} : { price }),
      ...(quoteSized ? { quoteQuantity: size } : { quantity: size }),
      filledQuantity: BigDecimal.normalize(filled),
      filledQuoteQuantity: filledQuote,
      time: millis(o.create_time_ms, "create_time_ms"),
      updateTime: millis(o.update_time_ms, "update_time_ms")
    })
  })

/** A list of orders; the first bad one fails the whole. */
export const orders = (list: ReadonlyArray<OrderFields>): ParseResult<Array<Order>> =>
  Parsing.all(list, order, (o) => `order ${o.id}`)

/** The fields a fill has in `GET /spot/my_trades` and `spot.usertrades` alike. */
export interface FillFields {
  readonly id: string | number
  readonly order_id?: string | undefined
  readonly currency_pair: string
  readonly create_time_ms: string
  readonly side: string
  readonly role?: string | undefined
  readonly amount: string
  readonly price: string
  readonly fee?: string | undefined
  readonly fee_currency?: string | undefined
  readonly text?: string | undefined
}

/** One of our trades to a {@link Fill} (`quoteQuantity` = price x amount). */
export const fill = (t: FillFields): ParseResult<Fill> =>
  attempt(() => {
    const orderId = t.order_id
    if (orderId === undefined) throw new Invalid("order_id is missing")
    check(Validate.id(orderId, "order_id") ?? Validate.id(String(t.id), "trade id"))
    if (t.role !== "maker" && t.role !== "taker") throw new Invalid(`unknown role ${JSON.stringify(t.role)}`)
    const price = positive(t.price, "price")
    const quantity = positive(t.amount, "amount")
    return new Fill({
      symbol: t.currency_pair,
      orderId,
      clientOrderId: clientOrderIdOf(t.text),
      tradeId: String(t.id),
      side: sideOf(t.side),
      price,
      quantity,
      quoteQuantity: BigDecimal.normalize(BigDecimal.multiply(price, quantity)),
      fee: amount(t.fee ?? "0", "fee"),
      feeAsset: t.fee_currency ?? "",
      isMaker: t.role === "maker",
      time: millis(t.create_time_ms, "create_time_ms")
    })
  })

/** A list of fills; the first bad one fails the whole. */
export const fills = (list: ReadonlyArray<FillFields>): ParseResult<Array<Fill>> =>
  Parsing.all(list, fill, (t) => `trade ${t.id}`)

// --- domain to wire ------------------------------------------------------------------------------

/** A validated order with its client order id: what `POST /spot/orders` is built from. */
export interface NewOrder extends Omit<OrderRules.ValidOrder, "rounded"> {
  readonly clientOrderId: string
}

/** Gate's `type` and `time_in_force` for a domain type and time in force. */
export const wireOrderType = (
  type: OrderType,
  timeInForce: TimeInForce
): { readonly type: "limit" | "market"; readonly time_in_force: "gtc" | "ioc" | "poc" | "fok" } => {
  if (type === "MARKET") return { type: "market", time_in_force: "ioc" }
  if (type === "LIMIT_MAKER") return { type: "limit", time_in_force: "poc" }
  return { type: "limit", time_in_force: timeInForce === "IOC" ? "ioc" : timeInForce === "FOK" ? "fok" : "gtc" }
}

/**
 * The `POST /spot/orders` body for a validated order, in the spot account. A market buy must be
 * sized in quote (`quoteQuantity`) and a market sell in base (`quantity`): Gate reads `amount` that
 * way, so the other sizing is refused here (`FilterRejected` `orderType`) rather than misread there.
 * A client order id Gate cannot carry is refused too (`FilterRejected` `venue`).
 */
export const orderRequest = (order: NewOrder): Result.Result<Schemas.OrderRequest, FilterRejected> => {
  const reject = (filter: FilterRejected["filter"], detail: string) =>
    Result.fail(new FilterRejected({ symbol: order.symbol, filter, detail }))
  const text = ClientOrderId.toText(order.clientOrderId)
  if (Result.isFailure(text)) return reject("venue", text.failure)
  const wire = wireOrderType(order.type, order.timeInForce)
  let size: Decimal.Decimal | undefined
  if (order.type === "MARKET" && order.side === "BUY") {
    if (order.quoteQuantity === undefined) return reject("orderType", "Gate sizes a market buy in the quote asset: give quoteQuantity, not quantity")
    size = order.quoteQuantity
  } else {
    if (order.quantity === undefined) return reject("orderType", `Gate sizes a ${order.type === "MARKET" ? "market sell" : "limit order"} in the base asset: give quantity`)
    size = order.quantity
  }
  if (order.type !== "MARKET" && order.price === undefined) return reject("orderType", `a ${order.type} order needs a price`)
  return Result.succeed({
    text: text.success,
    currency_pair: order.symbol,
    type: wire.type,
    account: "spot",
    side: order.side === "BUY" ? "buy" : "sell",
    amount: Decimal.format(size),
    ...(order.type === "MARKET" || order.price === undefined ? {} : { price: Decimal.format(order.price) }),
    time_in_force: wire.time_in_force
  })
}
