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

/**
 * An error `code`: a number, which live MEXC sometimes sends as a string (`"730002"`); decoded
 * to the number either way.
 */
export const ErrorCode = Schema.Union([Schema.Number, Schema.NumberFromString])

/**
 * `{"code": -2011, "msg": "Unknown order sent."}`: every 4xx error body. Some live bodies carry
 * more fields (`_extend`); extra fields are allowed.
 */
export const ErrorBody = Schema.Struct({ code: ErrorCode, msg: Schema.String })
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
  /** 1 all, 2 buy only, 3 sell only, 4 close: a number on the wire (live). */
  tradeSideType: Schema.Number
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

/** `DELETE /api/v3/order`. */
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

/**
 * Each element of `DELETE /api/v3/openOrders`, as live MEXC sends it: no client order ids, time
 * in force or order list id, and `status` is the state before the cancel (`NEW`).
 */
export const CanceledOpenOrder = Schema.Struct({
  symbol: Schema.String,
  orderId: Schema.String,
  price: Decimal,
  origQty: Decimal,
  type: OrderType,
  side: Side,
  executedQty: Decimal,
  cummulativeQuoteQty: Decimal,
  status: OrderStatus
})
export type CanceledOpenOrder = typeof CanceledOpenOrder.Type

/**
 * `GET /api/v3/order`, and each element of `GET /api/v3/openOrders` and `GET /api/v3/allOrders`,
 * as live MEXC sends it: `timeInForce`, `stopPrice` and `icebergQty` are `null`, `clientOrderId`
 * is `null` when none was given, `updateTime` may be `null`, `stpMode` is `""`, there is no
 * `origClientOrderId`, and `isWorking` stays `true` on closed orders.
 */
export const Order = Schema.Struct({
  symbol: Schema.String,
  orderId: Schema.String,
  orderListId: Schema.Number,
  clientOrderId: Schema.NullOr(Schema.String),
  price: Decimal,
  origQty: Decimal,
  executedQty: Decimal,
  cummulativeQuoteQty: Decimal,
  status: OrderStatus,
  timeInForce: Schema.NullOr(Schema.String),
  type: OrderType,
  side: Side,
  stopPrice: Schema.NullOr(Schema.String),
  icebergQty: Schema.optionalKey(Schema.NullOr(Schema.String)),
  time: Schema.Number,
  updateTime: Schema.NullOr(Schema.Number),
  isWorking: Schema.Boolean,
  stpMode: Schema.optionalKey(Schema.String),
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

/** `GET /api/v3/userDataStream`: the account's valid listen keys. */
export const ListenKeys = Schema.Struct({ listenKey: Schema.Array(Schema.String) })
export type ListenKeys = typeof ListenKeys.Type

/**
 * One element of `GET /api/v3/aggTrades`: `p` price, `q` quantity, `T` time (ms), `m` buyer was
 * the maker, `M` best match; `a`, `f`, `l` (trade ids) are `null` on MEXC.
 */
export const AggTrade = Schema.Struct({
  a: Schema.NullOr(Schema.Unknown),
  f: Schema.NullOr(Schema.Unknown),
  l: Schema.NullOr(Schema.Unknown),
  p: Decimal,
  q: Decimal,
  T: Schema.Number,
  m: Schema.Boolean,
  M: Schema.Boolean
})
export type AggTrade = typeof AggTrade.Type

/** One element of `GET /api/v3/klines`: `[openTime, open, high, low, close, volume, closeTime, quoteVolume]`. */
export const Kline = Schema.Tuple([Schema.Number, Decimal, Decimal, Decimal, Decimal, Decimal, Schema.Number, Decimal])
export type Kline = typeof Kline.Type

/** One element of `GET /api/v3/myTrades`: one fill of one of the account's orders. */
export const MyTrade = Schema.Struct({
  symbol: Schema.String,
  id: Schema.String,
  orderId: Schema.String,
  orderListId: Schema.Number,
  price: Decimal,
  qty: Decimal,
  quoteQty: Decimal,
  commission: Decimal,
  commissionAsset: Schema.String,
  time: Schema.Number,
  isBuyer: Schema.Boolean,
  isMaker: Schema.Boolean,
  isBestMatch: Schema.Boolean,
  isSelfTrade: Schema.Boolean,
  clientOrderId: Schema.NullOr(Schema.String)
})
export type MyTrade = typeof MyTrade.Type

/** `GET /api/v3/tradeFee`: the account's rates as numbers (fractions: 0.0005 = 0.05%). */
export const TradeFee = Schema.Struct({
  data: Schema.Struct({ makerCommission: Schema.Number, takerCommission: Schema.Number }),
  code: ErrorCode,
  msg: Schema.String,
  timestamp: Schema.Number
})
export type TradeFee = typeof TradeFee.Type

/** `DELETE /api/v3/order/all` (every open order of every symbol): `{"code":200,"msg":"success","timestamp":...}`. */
export const CancelAll = Schema.Struct({ code: ErrorCode, msg: Schema.String, timestamp: Schema.Number })
export type CancelAll = typeof CancelAll.Type

/**
 * One element of `POST /api/v3/batchOrders`, in the order sent: an acknowledgement, or the error
 * of that order alone (`{newClientOrderId, code, msg}`).
 */
export const BatchOrderResult = Schema.Union([
  Schema.Struct({
    symbol: Schema.String,
    orderId: Schema.String,
    orderListId: Schema.Number,
    newClientOrderId: Schema.optionalKey(Schema.String)
  }),
  Schema.Struct({ newClientOrderId: Schema.optionalKey(Schema.String), code: ErrorCode, msg: Schema.String })
])
export type BatchOrderResult = typeof BatchOrderResult.Type

/** WebSocket control answers: acks `{"id":0,"code":0,"msg":"<channels>"}` and pongs (`msg: "PONG"`). */
export const WsControlReply = Schema.Struct({ id: Schema.Number, code: Schema.Number, msg: Schema.String })
export type WsControlReply = typeof WsControlReply.Type
