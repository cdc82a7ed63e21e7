/**
 * MEXC Spot v3 REST wire shapes, exactly as MEXC sends them (decimal strings, string order ids,
 * numeric `code` on errors). These are wire models, kept apart from the domain model: the real
 * MEXC client decodes responses with them, and the simulator's tests check its answers against
 * them and against saved payloads in `test/fixtures/mexc/`.
 *
 * Unknown extra fields are allowed (MEXC adds fields without notice).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** A decimal number as MEXC sends it: a string such as `"65000.12"`, never exponent notation. */
export const Decimal = Schema.String.pipe(Schema.check(Schema.isPattern(/^-?\d+(\.\d+)?$/)))

/** `{"code": -2011, "msg": "Unknown order sent."}`: every 4xx error body. */
export const ErrorBody = Schema.Struct({ code: Schema.Number, msg: Schema.String })
export type ErrorBody = typeof ErrorBody.Type

/** `GET /api/v3/ping`: `{}`. */
export const Ping = Schema.Struct({})

/** `GET /api/v3/time`. */
export const ServerTime = Schema.Struct({ serverTime: Schema.Number })
export type ServerTime = typeof ServerTime.Type

/** One symbol of `GET /api/v3/exchangeInfo`. */
export const SymbolInfo = Schema.Struct({
  symbol: Schema.String,
  status: Schema.String,
  baseAsset: Schema.String,
  baseAssetPrecision: Schema.Number,
  quoteAsset: Schema.String,
  quotePrecision: Schema.Number,
  quoteAssetPrecision: Schema.Number,
  baseCommissionPrecision: Schema.Number,
  quoteCommissionPrecision: Schema.Number,
  orderTypes: Schema.Array(Schema.String),
  quoteOrderQtyMarketAllowed: Schema.Boolean,
  isSpotTradingAllowed: Schema.Boolean,
  isMarginTradingAllowed: Schema.Boolean,
  quoteAmountPrecision: Decimal,
  baseSizePrecision: Decimal,
  permissions: Schema.Array(Schema.String),
  filters: Schema.Array(Schema.Unknown),
  maxQuoteAmount: Decimal,
  makerCommission: Decimal,
  takerCommission: Decimal,
  quoteAmountPrecisionMarket: Decimal,
  maxQuoteAmountMarket: Decimal,
  tradeSideType: Schema.String
})
export type SymbolInfo = typeof SymbolInfo.Type

/** `GET /api/v3/exchangeInfo`. */
export const ExchangeInfo = Schema.Struct({
  timezone: Schema.String,
  serverTime: Schema.Number,
  rateLimits: Schema.Array(Schema.Unknown),
  exchangeFilters: Schema.Array(Schema.Unknown),
  symbols: Schema.Array(SymbolInfo)
})
export type ExchangeInfo = typeof ExchangeInfo.Type

/** A `[price, quantity]` level. */
export const Level = Schema.Tuple([Decimal, Decimal])

/** `GET /api/v3/depth`. `lastUpdateId` is the book version the WS depth versions continue. */
export const Depth = Schema.Struct({
  lastUpdateId: Schema.Number,
  bids: Schema.Array(Level),
  asks: Schema.Array(Level),
  timestamp: Schema.Number
})
export type Depth = typeof Depth.Type

/** `GET /api/v3/ticker/bookTicker` (one symbol; without `symbol` an array of these). */
export const BookTicker = Schema.Struct({
  symbol: Schema.String,
  bidPrice: Decimal,
  bidQty: Decimal,
  askPrice: Decimal,
  askQty: Decimal
})
export type BookTicker = typeof BookTicker.Type

/** `GET /api/v3/ticker/price` (one symbol; without `symbol` an array of these). */
export const TickerPrice = Schema.Struct({ symbol: Schema.String, price: Decimal })
export type TickerPrice = typeof TickerPrice.Type

/** `GET /api/v3/ticker/24hr` (one symbol; without `symbol` an array of these). */
export const Ticker24h = Schema.Struct({
  symbol: Schema.String,
  priceChange: Decimal,
  priceChangePercent: Decimal,
  prevClosePrice: Decimal,
  lastPrice: Decimal,
  bidPrice: Decimal,
  bidQty: Decimal,
  askPrice: Decimal,
  askQty: Decimal,
  openPrice: Decimal,
  highPrice: Decimal,
  lowPrice: Decimal,
  volume: Decimal,
  quoteVolume: Schema.NullOr(Decimal),
  openTime: Schema.Number,
  closeTime: Schema.Number,
  count: Schema.NullOr(Schema.Number)
})
export type Ticker24h = typeof Ticker24h.Type

/** One element of `GET /api/v3/trades` (recent public trades, newest first). */
export const Trade = Schema.Struct({
  id: Schema.NullOr(Schema.Unknown),
  price: Decimal,
  qty: Decimal,
  quoteQty: Decimal,
  time: Schema.Number,
  isBuyerMaker: Schema.Boolean,
  isBestMatch: Schema.Boolean,
  tradeType: Schema.Literals(["BID", "ASK"])
})
export type Trade = typeof Trade.Type

/** Order side. */
export const Side = Schema.Literals(["BUY", "SELL"])

/** Order type. */
export const OrderType = Schema.Literals(["LIMIT", "MARKET", "LIMIT_MAKER", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL"])

/** Order status. */
export const OrderStatus = Schema.Literals(["NEW", "FILLED", "PARTIALLY_FILLED", "CANCELED", "PARTIALLY_CANCELED"])

/** `POST /api/v3/order`. */
export const NewOrder = Schema.Struct({
  symbol: Schema.String,
  orderId: Schema.String,
  orderListId: Schema.Number,
  price: Decimal,
  origQty: Decimal,
  type: OrderType,
  side: Side,
  transactTime: Schema.Number
})
export type NewOrder = typeof NewOrder.Type

/** `DELETE /api/v3/order`, and each element of `DELETE /api/v3/openOrders`. */
export const CanceledOrder = Schema.Struct({
  symbol: Schema.String,
  origClientOrderId: Schema.String,
  orderId: Schema.String,
  clientOrderId: Schema.String,
  price: Decimal,
  origQty: Decimal,
  executedQty: Decimal,
  cummulativeQuoteQty: Decimal,
  status: OrderStatus,
  timeInForce: Schema.String,
  type: OrderType,
  side: Side
})
export type CanceledOrder = typeof CanceledOrder.Type

/** `GET /api/v3/order`, and each element of `GET /api/v3/openOrders`. */
export const Order = Schema.Struct({
  ...CanceledOrder.fields,
  orderListId: Schema.Number,
  stopPrice: Schema.String,
  time: Schema.Number,
  updateTime: Schema.Number,
  isWorking: Schema.Boolean,
  origQuoteOrderQty: Decimal
})
export type Order = typeof Order.Type

/** One balance of `GET /api/v3/account`. */
export const Balance = Schema.Struct({ asset: Schema.String, free: Decimal, locked: Decimal })
export type Balance = typeof Balance.Type

/** `GET /api/v3/account`. */
export const Account = Schema.Struct({
  canTrade: Schema.Boolean,
  canWithdraw: Schema.Boolean,
  canDeposit: Schema.Boolean,
  updateTime: Schema.NullOr(Schema.Number),
  accountType: Schema.String,
  balances: Schema.Array(Balance),
  permissions: Schema.Array(Schema.String)
})
export type Account = typeof Account.Type

/** `POST`/`PUT`/`DELETE /api/v3/userDataStream`. */
export const ListenKey = Schema.Struct({ listenKey: Schema.String })
export type ListenKey = typeof ListenKey.Type

/** Futures `GET /api/v1/contract/detail`, called by some clients while loading markets. */
export const ContractDetail = Schema.Struct({
  success: Schema.Boolean,
  code: Schema.Number,
  data: Schema.Array(Schema.Unknown)
})

/** WebSocket control answers: acks `{"id":0,"code":0,"msg":"<channels>"}` and pongs (`msg: "PONG"`). */
export const WsControlReply = Schema.Struct({ id: Schema.Number, code: Schema.Number, msg: Schema.String })
export type WsControlReply = typeof WsControlReply.Type
