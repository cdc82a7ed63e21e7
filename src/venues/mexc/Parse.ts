/**
 * MEXC REST answers to domain values: pure functions, tested on saved payloads
 * (`test/fixtures/mexc/`).
 *
 * The answer schemas here read only the fields the domain needs, and accept what live MEXC sends
 * where its documentation says otherwise (mexc-wire.md, "Live behaviour"): `timeInForce`,
 * `stopPrice`, `clientOrderId` and `updateTime` may be `null`; `tradeSideType` and `status` may be
 * numbers or strings; extra fields come and go. `Schemas.ts` keeps the exact shapes (the simulator
 * is checked against those).
 *
 * Each parse function answers a `Result`: `Failure` with a description when a value is out of the
 * domain (an unknown status, a malformed decimal); the client turns it into a `Decode` error.
 *
 * @since 0.1.0
 */
import { BigDecimal, Option, Schema } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import type { InstrumentStatus, OrderStatus, OrderType, TimeInForce } from "../../exchange/Model.ts"
import { Balance, BookLevel, Fill, Instrument, Order, Quote } from "../../exchange/Model.ts"
import * as Validate from "../../exchange/Validate.ts"
import * as Parsing from "../../internal/Parsing.ts"
import { attempt, check, Invalid } from "../../internal/Parsing.ts"
import { readVersion } from "./PushParse.ts"

/** `GET depth`: a snapshot at `version` (MEXC `lastUpdateId`). Levels best first. */
export interface DepthSnapshot {
  readonly symbol: string
  readonly version: bigint
  readonly bids: ReadonlyArray<BookLevel>
  readonly asks: ReadonlyArray<BookLevel>
  /** Venue time of the snapshot (ms). */
  readonly time: number
}

/** `POST order`'s answer. */
export interface OrderAck {
  readonly symbol: string
  readonly orderId: string
  readonly clientOrderId: string
  /** Venue time the order was accepted (ms). */
  readonly time: number
}

// --- answer schemas (lenient) --------------------------------------------------------------------

const Text = Schema.String
const OptionalText = Schema.optional(Schema.NullOr(Schema.String))
const NumberOrText = Schema.Union([Schema.Number, Schema.String])
const OptionalNumber = Schema.optional(Schema.NullOr(Schema.Number))

/** `GET time`. */
export const ServerTimeAnswer = Schema.Struct({ serverTime: Schema.Number })

/** One symbol of `GET exchangeInfo`. */
export const SymbolAnswer = Schema.Struct({
  symbol: Text,
  status: NumberOrText,
  baseAsset: Text,
  quoteAsset: Text,
  baseAssetPrecision: Schema.Number,
  quoteAssetPrecision: Schema.Number,
  orderTypes: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  isSpotTradingAllowed: Schema.optional(Schema.NullOr(Schema.Boolean)),
  baseSizePrecision: Text,
  quoteAmountPrecision: Text,
  maxQuoteAmount: OptionalText,
  makerCommission: Schema.optional(Schema.NullOr(NumberOrText)),
  takerCommission: Schema.optional(Schema.NullOr(NumberOrText))
})
export type SymbolAnswer = typeof SymbolAnswer.Type

/** `GET exchangeInfo`. */
export const ExchangeInfoAnswer = Schema.Struct({ symbols: Schema.Array(SymbolAnswer) })

/** `GET depth`. */
export const DepthAnswer = Schema.Struct({
  lastUpdateId: NumberOrText,
  bids: Schema.Array(Schema.Tuple([Text, Text])),
  asks: Schema.Array(Schema.Tuple([Text, Text])),
  timestamp: OptionalNumber
})
export type DepthAnswer = typeof DepthAnswer.Type

/** `GET ticker/bookTicker` for one symbol. */
export const BookTickerAnswer = Schema.Struct({
  symbol: Text,
  bidPrice: OptionalText,
  bidQty: OptionalText,
  askPrice: OptionalText,
  askQty: OptionalText
})
export type BookTickerAnswer = typeof BookTickerAnswer.Type

/** `GET account`. */
export const AccountAnswer = Schema.Struct({
  balances: Schema.Array(Schema.Struct({ asset: Text, free: Text, locked: Text }))
})
export type AccountAnswer = typeof AccountAnswer.Type

/** `POST order`. */
export const NewOrderAnswer = Schema.Struct({
  symbol: Text,
  orderId: NumberOrText,
  transactTime: OptionalNumber
})
export type NewOrderAnswer = typeof NewOrderAnswer.Type

/**
 * `GET order`, `GET openOrders` elements, `DELETE order`, and `DELETE openOrders` elements (the last
 * two carry no times; `DELETE openOrders` no client order id and the status before the cancel).
 */
export const OrderAnswer = Schema.Struct({
  symbol: Text,
  orderId: NumberOrText,
  clientOrderId: OptionalText,
  origClientOrderId: OptionalText,
  price: OptionalText,
  origQty: OptionalText,
  executedQty: OptionalText,
  cummulativeQuoteQty: OptionalText,
  origQuoteOrderQty: OptionalText,
  status: Text,
  type: Text,
  side: Text,
  time: OptionalNumber,
  updateTime: OptionalNumber
})
export type OrderAnswer = typeof OrderAnswer.Type

// Hand-written checks of the hot answers (placing, cancelling and querying an order): the same
// fields and types as the schemas above, without the schema's per-call machinery. A body that
// does not fit answers `undefined`, and the schema decodes it again to explain why.

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)
const isNumberOrText = (value: unknown): boolean => typeof value === "string" || typeof value === "number"
const isOptionalText = (value: unknown): boolean => value === undefined || value === null || typeof value === "string"
const isOptionalNumber = (value: unknown): boolean => value === undefined || value === null || typeof value === "number"

/** A `POST order` answer checked by hand: the answer when it fits {@link NewOrderAnswer}, else `undefined`. */
export const newOrderAnswer = (json: unknown): NewOrderAnswer | undefined =>
  isObject(json) && typeof json.symbol === "string" && isNumberOrText(json.orderId) && isOptionalNumber(json.transactTime)
    ? json as unknown as NewOrderAnswer
    : undefined

const orderTexts = ["clientOrderId", "origClientOrderId", "price", "origQty", "executedQty", "cummulativeQuoteQty", "origQuoteOrderQty"] as const

/** An order answer checked by hand: the answer when it fits {@link OrderAnswer}, else `undefined`. */
export const orderAnswer = (json: unknown): OrderAnswer | undefined => {
  if (!isObject(json)) return undefined
  if (typeof json.symbol !== "string" || !isNumberOrText(json.orderId)) return undefined
  if (typeof json.status !== "string" || typeof json.type !== "string" || typeof json.side !== "string") return undefined
  if (!isOptionalNumber(json.time) || !isOptionalNumber(json.updateTime)) return undefined
  for (const key of orderTexts) if (!isOptionalText(json[key])) return undefined
  return json as unknown as OrderAnswer
}

/** `GET openOrders`. */
export const OrdersAnswer = Schema.Array(OrderAnswer)

/** `DELETE openOrders`: the orders canceled. */
export const CanceledOrdersAnswer = Schema.Array(Schema.Struct({ orderId: NumberOrText }))

/** One element of `GET myTrades`. */
export const TradeAnswer = Schema.Struct({
  symbol: Text,
  id: NumberOrText,
  orderId: NumberOrText,
  clientOrderId: OptionalText,
  price: Text,
  qty: Text,
  quoteQty: Text,
  commission: Text,
  commissionAsset: Text,
  time: Schema.Number,
  isBuyer: Schema.Boolean,
  isMaker: Schema.Boolean
})
export type TradeAnswer = typeof TradeAnswer.Type

/** `GET myTrades`. */
export const TradesAnswer = Schema.Array(TradeAnswer)

/** `POST`/`PUT`/`DELETE userDataStream`. */
export const ListenKeyAnswer = Schema.Struct({ listenKey: Text })

// --- parsing ---------------------------------------------------------------------------------------

/** A parse result: the value, or what was wrong. */
export type ParseResult<A> = Parsing.ParseResult<A>

const decimal = (text: string | number | null | undefined, field: string): Decimal.Decimal => {
  if (text === null || text === undefined) throw new Invalid(`${field} is missing`)
  const parsed = Decimal.parse(String(text).trim())
  if (Option.isNone(parsed)) throw new Invalid(`${field} is not a decimal number: ${JSON.stringify(text)}`)
  // Every number the venue sends is in range (an exponent like 1e999999999 is not).
  check(Validate.inRange(parsed.value, field))
  return parsed.value
}

/** A decimal that may be absent, empty or zero: `undefined` then. */
const positiveOrAbsent = (text: string | null | undefined, field: string): Decimal.Decimal | undefined => {
  if (text === null || text === undefined || text.trim() === "") return undefined
  const value = decimal(text, field)
  return BigDecimal.isPositive(value) ? value : undefined
}

/** `status`: `"1"`/`1`/`"ENABLED"` online, `"2"` paused, `"3"` offline. */
export const instrumentStatus = (status: string | number, spotAllowed: boolean | null | undefined): InstrumentStatus => {
  const text = String(status).trim().toUpperCase()
  const online = text === "1" || text === "ENABLED" || text === "TRADING"
  if (online) return spotAllowed === false ? "HALTED" : "TRADING"
  if (text === "3" || text === "OFFLINE" || text === "DISABLED") return "OFFLINE"
  return "HALTED"
}

const orderTypesOf = (types: ReadonlyArray<string> | null | undefined): Array<OrderType> => {
  const out: Array<OrderType> = []
  for (const t of types ?? []) {
    if ((t === "LIMIT" || t === "MARKET" || t === "LIMIT_MAKER") && !out.includes(t)) out.push(t)
  }
  return out
}

/**
 * An `exchangeInfo` symbol: tick size from `quoteAssetPrecision` (decimals of a price), lot size
 * from `baseAssetPrecision` (decimals of a quantity), minimum quantity `baseSizePrecision`,
 * minimum notional `quoteAmountPrecision`, maximum notional `maxQuoteAmount`.
 */
export const instrument = (s: SymbolAnswer): ParseResult<Instrument> =>
  attempt(() => {
    if (!Number.isInteger(s.quoteAssetPrecision) || s.quoteAssetPrecision < 0) {
      throw new Invalid(`quoteAssetPrecision is not a whole number: ${s.quoteAssetPrecision}`)
    }
    if (!Number.isInteger(s.baseAssetPrecision) || s.baseAssetPrecision < 0) {
      throw new Invalid(`baseAssetPrecision is not a whole number: ${s.baseAssetPrecision}`)
    }
    const maxNotional = positiveOrAbsent(s.maxQuoteAmount, "maxQuoteAmount")
    return new Instrument({
      symbol: s.symbol,
      baseAsset: s.baseAsset,
      quoteAsset: s.quoteAsset,
      status: instrumentStatus(s.status, s.isSpotTradingAllowed),
      tickSize: Decimal.stepOfPlaces(s.quoteAssetPrecision),
      lotSize: Decimal.stepOfPlaces(s.baseAssetPrecision),
      minQuantity: decimal(s.baseSizePrecision, "baseSizePrecision"),
      minNotional: decimal(s.quoteAmountPrecision, "quoteAmountPrecision"),
      ...(maxNotional === undefined ? {} : { maxNotional }),
      orderTypes: orderTypesOf(s.orderTypes),
      makerFeeRate: s.makerCommission == null ? Decimal.zero : decimal(s.makerCommission, "makerCommission"),
      takerFeeRate: s.takerCommission == null ? Decimal.zero : decimal(s.takerCommission, "takerCommission")
    })
  })

const levels = (rows: ReadonlyArray<readonly [string, string]>, side: string): Array<BookLevel> =>
  rows.map(([price, quantity], i) =>
    new BookLevel({ price: decimal(price, `${side}[${i}].price`), quantity: decimal(quantity, `${side}[${i}].quantity`) })
  )

/** `GET depth` to a snapshot at version `lastUpdateId`. `fallbackTime` when it carries no `timestamp`. */
export const depth = (symbol: string, d: DepthAnswer, fallbackTime: number): ParseResult<DepthSnapshot> =>
  attempt(() => {
    const text = String(d.lastUpdateId).trim()
    const version = readVersion(text)
    if (version === undefined) throw new Invalid(`lastUpdateId is not a version: ${JSON.stringify(d.lastUpdateId)}`)
    return {
      symbol,
      version,
      bids: levels(d.bids, "bids"),
      asks: levels(d.asks, "asks"),
      time: d.timestamp ?? fallbackTime
    }
  })

/** `GET ticker/bookTicker` to a quote; an empty side (null or empty) reads as zero. */
export const quote = (t: BookTickerAnswer, time: number): ParseResult<Quote> =>
  attempt(() => {
    const orZero = (text: string | null | undefined, field: string) =>
      text === null || text === undefined || text === "" ? Decimal.zero : decimal(text, field)
    const q = new Quote({
      symbol: t.symbol,
      bidPrice: orZero(t.bidPrice, "bidPrice"),
      bidQuantity: orZero(t.bidQty, "bidQty"),
      askPrice: orZero(t.askPrice, "askPrice"),
      askQuantity: orZero(t.askQty, "askQty"),
      time
    })
    check(Validate.quote(q))
    return q
  })

/** `GET account` to balances. */
export const balances = (a: AccountAnswer): ParseResult<Array<Balance>> =>
  attempt(() =>
    a.balances.map((b) => {
      const balance = new Balance({ asset: b.asset, free: decimal(b.free, `${b.asset}.free`), locked: decimal(b.locked, `${b.asset}.locked`) })
      check(
        Validate.asset(b.asset) ?? Validate.nonNegative(balance.free, `${b.asset}.free`) ??
          Validate.nonNegative(balance.locked, `${b.asset}.locked`)
      )
      return balance
    })
  )

/** `POST order` to its acknowledgement (the answer carries no client order id: ours is given). */
export const orderAck = (a: NewOrderAnswer, clientOrderId: string, fallbackTime: number): OrderAck => ({
  symbol: a.symbol,
  orderId: String(a.orderId),
  clientOrderId,
  time: a.transactTime ?? fallbackTime
})

/** MEXC's order `type` to the domain's type and time in force (MEXC spells IOC and FOK as types). */
export const orderType = (type: string): { readonly type: OrderType; readonly timeInForce: TimeInForce } | undefined => {
  switch (type) {
    case "LIMIT":
      return { type: "LIMIT", timeInForce: "GTC" }
    case "LIMIT_MAKER":
      return { type: "LIMIT_MAKER", timeInForce: "GTC" }
    case "MARKET":
      return { type: "MARKET", timeInForce: "GTC" }
    case "IMMEDIATE_OR_CANCEL":
      return { type: "LIMIT", timeInForce: "IOC" }
    case "FILL_OR_KILL":
      return { type: "LIMIT", timeInForce: "FOK" }
    default:
      return undefined
  }
}

/** MEXC's order statuses to the domain's: `PARTIALLY_CANCELED` is `CANCELED` with its fills. */
const orderStatuses: ReadonlyMap<string, OrderStatus> = new Map<string, OrderStatus>([
  ["NEW", "NEW"],
  ["PARTIALLY_FILLED", "PARTIALLY_FILLED"],
  ["FILLED", "FILLED"],
  ["CANCELED", "CANCELED"],
  ["PARTIALLY_CANCELED", "CANCELED"],
  ["REJECTED", "REJECTED"]
])

/**
 * An order answer to an {@link Order}. `clientOrderId` is `""` when the order has none (live sends
 * `null`). Answers without times (cancels) take `fallbackTime` as `time`. A market order has no
 * `price`; one by quote amount has `quoteQuantity` and no `quantity`.
 */
export const order = (o: OrderAnswer, fallbackTime: number): ParseResult<Order> =>
  attempt(() => {
    const kind = orderType(o.type)
    if (kind === undefined) throw new Invalid(`unknown order type ${JSON.stringify(o.type)}`)
    const status = orderStatuses.get(o.status)
    if (status === undefined) throw new Invalid(`unknown order status ${JSON.stringify(o.status)}`)
    if (o.side !== "BUY" && o.side !== "SELL") throw new Invalid(`unknown side ${JSON.stringify(o.side)}`)
    const isMarket = kind.type === "MARKET"
    const price = isMarket ? undefined : positiveOrAbsent(o.price, "price")
    const quantity = positiveOrAbsent(o.origQty, "origQty")
    const quoteQuantity = isMarket ? positiveOrAbsent(o.origQuoteOrderQty, "origQuoteOrderQty") : undefined
    const clientOrderId = o.clientOrderId || o.origClientOrderId || ""
    return new Order({
      symbol: o.symbol,
      orderId: String(o.orderId),
      clientOrderId,
      side: o.side,
      type: kind.type,
      timeInForce: kind.timeInForce,
      status,
      ...(price === undefined ? {} : { price }),
      ...(quantity === undefined ? {} : { quantity }),
      ...(quoteQuantity === undefined ? {} : { quoteQuantity }),
      filledQuantity: o.executedQty ? decimal(o.executedQty, "executedQty") : Decimal.zero,
      filledQuoteQuantity: o.cummulativeQuoteQty ? decimal(o.cummulativeQuoteQty, "cummulativeQuoteQty") : Decimal.zero,
      time: o.time ?? fallbackTime,
      ...(o.updateTime == null ? {} : { updateTime: o.updateTime })
    })
  })

/** A list of order answers; the first bad one fails the whole. */
export const orders = (list: ReadonlyArray<OrderAnswer>, fallbackTime: number): ParseResult<Array<Order>> =>
  Parsing.all(list, (o) => order(o, fallbackTime), (o) => `order ${String(o.orderId)}`)

/** `GET myTrades` elements to fills (`clientOrderId` `""` when none). */
export const fills = (list: ReadonlyArray<TradeAnswer>): ParseResult<Array<Fill>> =>
  attempt(() =>
    list.map((t) =>
      new Fill({
        symbol: t.symbol,
        orderId: String(t.orderId),
        clientOrderId: t.clientOrderId ?? "",
        tradeId: String(t.id),
        side: t.isBuyer ? "BUY" : "SELL",
        price: decimal(t.price, "price"),
        quantity: decimal(t.qty, "qty"),
        quoteQuantity: decimal(t.quoteQty, "quoteQty"),
        fee: decimal(t.commission, "commission"),
        feeAsset: t.commissionAsset,
        isMaker: t.isMaker,
        time: t.time
      })
    )
  )
