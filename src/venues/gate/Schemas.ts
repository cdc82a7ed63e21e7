/**
 * Gate.io Spot v4 wire shapes, REST and WebSocket JSON, as Gate sends them (gateio-wire.md): decimal
 * strings, string order ids in REST, an int trade id in `spot.usertrades`, `create_time_ms` a number
 * in REST orders but a string in WebSocket orders and in trades. Wire models only, kept apart from
 * the domain model: `Parse.ts`, `PushParse.ts` and `PrivatePush.ts` turn them into domain values,
 * and a simulator's answers can be checked against them. Extra fields are allowed everywhere (Gate
 * adds fields without notice).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** A decimal as Gate sends it: a string such as `"65000.12"`. */
export const Decimal = Schema.String.pipe(Schema.check(Schema.isPattern(/^-?\d+(\.\d+)?$/)))

/** A decimal or `null` (a missing limit on a currency pair). */
const NullableDecimal = Schema.NullOr(Decimal)

/** `[price, amount]`. */
export const Level = Schema.Tuple([Decimal, Decimal])

// --- REST ----------------------------------------------------------------------------------------

/** Every non-2xx body: `{label, message}` (some endpoints say `detail` instead of `message`). */
export const ErrorBody = Schema.Struct({
  label: Schema.String,
  message: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String)
})
export type ErrorBody = typeof ErrorBody.Type

/** `GET /spot/time`: epoch milliseconds. */
export const ServerTime = Schema.Struct({ server_time: Schema.Number })

/** `trade_status` of a currency pair. */
export const TradeStatus = Schema.Literals(["untradable", "buyable", "sellable", "tradable"])

/** One element of `GET /spot/currency_pairs`. */
export const CurrencyPair = Schema.Struct({
  id: Schema.String,
  base: Schema.String,
  quote: Schema.String,
  /** Fee in percent (`"0.2"` = 0.2%). */
  fee: Decimal,
  min_base_amount: Schema.optional(NullableDecimal),
  min_quote_amount: Schema.optional(NullableDecimal),
  max_base_amount: Schema.optional(NullableDecimal),
  max_quote_amount: Schema.optional(NullableDecimal),
  /** Decimals of an amount. */
  amount_precision: Schema.Number,
  /** Decimals of a price. */
  precision: Schema.Number,
  trade_status: TradeStatus,
  sell_start: Schema.optional(Schema.Number),
  buy_start: Schema.optional(Schema.Number)
})
export type CurrencyPair = typeof CurrencyPair.Type

/** One element of `GET /spot/tickers`. */
export const Ticker = Schema.Struct({
  currency_pair: Schema.String,
  last: Decimal,
  lowest_ask: Decimal,
  highest_bid: Decimal,
  lowest_size: Schema.optional(Decimal),
  highest_size: Schema.optional(Decimal),
  change_percentage: Schema.optional(Schema.String),
  base_volume: Schema.optional(Decimal),
  quote_volume: Schema.optional(Decimal),
  high_24h: Schema.optional(Decimal),
  low_24h: Schema.optional(Decimal)
})
export type Ticker = typeof Ticker.Type

/** `GET /spot/order_book`: `id` only with `with_id=true`; times in ms; bids high to low, asks low to high. */
export const OrderBook = Schema.Struct({
  id: Schema.optional(Schema.Number),
  current: Schema.Number,
  update: Schema.Number,
  asks: Schema.Array(Level),
  bids: Schema.Array(Level)
})
export type OrderBook = typeof OrderBook.Type

export const Side = Schema.Literals(["buy", "sell"])

/** One trade: public (`GET /spot/trades`) or ours (`GET /spot/my_trades`, with role, order and fee). */
export const Trade = Schema.Struct({
  id: Schema.String,
  /** Epoch seconds, as a string. */
  create_time: Schema.String,
  /** Epoch ms with a fraction, as a string (`"1548000000123.456"`). */
  create_time_ms: Schema.String,
  currency_pair: Schema.String,
  side: Side,
  amount: Decimal,
  price: Decimal,
  role: Schema.optional(Schema.Literals(["maker", "taker"])),
  order_id: Schema.optional(Schema.String),
  fee: Schema.optional(Decimal),
  fee_currency: Schema.optional(Schema.String),
  text: Schema.optional(Schema.String),
  sequence_id: Schema.optional(Schema.String)
})
export type Trade = typeof Trade.Type

/** One element of `GET /spot/accounts`. */
export const AccountBalance = Schema.Struct({
  currency: Schema.String,
  available: Decimal,
  locked: Decimal,
  update_id: Schema.optional(Schema.Number)
})
export type AccountBalance = typeof AccountBalance.Type

export const OrderType = Schema.Literals(["limit", "market"])
export const TimeInForce = Schema.Literals(["gtc", "ioc", "poc", "fok"])
export const OrderStatus = Schema.Literals(["open", "closed", "cancelled"])
/** How an order ended (`open` while it lives). `ioc` is an IOC remainder, not a fill. */
export const FinishAs = Schema.Literals([
  "open",
  "filled",
  "cancelled",
  "liquidate_cancelled",
  "small",
  "depth_not_enough",
  "trader_not_enough",
  "ioc",
  "poc",
  "fok",
  "stp",
  "unknown"
])

/** `POST /spot/orders` body (what we send). `amount` is quote for a market buy, base otherwise. */
export const OrderRequest = Schema.Struct({
  text: Schema.optional(Schema.String),
  currency_pair: Schema.String,
  type: OrderType,
  account: Schema.optional(Schema.String),
  side: Side,
  amount: Decimal,
  price: Schema.optional(Decimal),
  time_in_force: Schema.optional(TimeInForce),
  action_mode: Schema.optional(Schema.Literals(["ACK", "RESULT", "FULL"]))
})
export type OrderRequest = typeof OrderRequest.Type

/**
 * An order in REST answers (create 201, get, cancel, list). `create_time_ms`/`update_time_ms` are
 * numbers here; `create_time`/`update_time` are epoch-second strings.
 */
export const Order = Schema.Struct({
  id: Schema.String,
  text: Schema.String,
  create_time: Schema.String,
  update_time: Schema.String,
  create_time_ms: Schema.Number,
  update_time_ms: Schema.Number,
  status: OrderStatus,
  currency_pair: Schema.String,
  type: OrderType,
  account: Schema.String,
  side: Side,
  amount: Decimal,
  price: Decimal,
  time_in_force: TimeInForce,
  left: Decimal,
  filled_amount: Decimal,
  /** Quote amount filled. */
  filled_total: Decimal,
  avg_deal_price: Schema.optional(Decimal),
  fee: Schema.optional(Decimal),
  fee_currency: Schema.optional(Schema.String),
  finish_as: Schema.optional(FinishAs),
  /** Batch and cancel-all answers: per-order outcome. */
  succeeded: Schema.optional(Schema.Boolean),
  label: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String)
})
export type Order = typeof Order.Type

/** `GET /spot/open_orders`. */
export const OpenOrdersByPair = Schema.Array(Schema.Struct({
  currency_pair: Schema.String,
  total: Schema.Number,
  orders: Schema.Array(Order)
}))

/** `POST /spot/countdown_cancel_all` body and answer. */
export const CountdownCancelAllRequest = Schema.Struct({
  timeout: Schema.Number,
  currency_pair: Schema.optional(Schema.String)
})
export const CountdownCancelAll = Schema.Struct({ triggerTime: Schema.Number })

// --- WebSocket -----------------------------------------------------------------------------------

/** The `auth` of a private subscribe. */
export const ChannelAuth = Schema.Struct({
  method: Schema.Literal("api_key"),
  KEY: Schema.String,
  SIGN: Schema.String
})

/** A client request frame: subscribe, unsubscribe, or `spot.ping` (no event). */
export const WsRequest = Schema.Struct({
  time: Schema.Number,
  id: Schema.optional(Schema.Number),
  channel: Schema.String,
  event: Schema.optional(Schema.Literals(["subscribe", "unsubscribe"])),
  payload: Schema.optional(Schema.Array(Schema.String)),
  auth: Schema.optional(ChannelAuth)
})
export type WsRequest = typeof WsRequest.Type

/** `error` of a reply: 1 invalid body, 2 invalid argument, 3 server error, 4 authentication failed. */
export const WsError = Schema.Struct({ code: Schema.Number, message: Schema.String })

/**
 * Every server frame: acks (`event` subscribe/unsubscribe, `result: {status}`), pongs (`channel`
 * `spot.pong`), and pushes (`event: "update"`, `result` the channel's body).
 */
export const WsFrame = Schema.Struct({
  time: Schema.optional(Schema.Number),
  time_ms: Schema.optional(Schema.Number),
  id: Schema.optional(Schema.Number),
  channel: Schema.String,
  event: Schema.optional(Schema.String),
  error: Schema.optional(Schema.NullOr(WsError)),
  result: Schema.optional(Schema.Unknown)
})
export type WsFrame = typeof WsFrame.Type

/** `spot.book_ticker` result. `u` is the book's update id. */
export const BookTickerPush = Schema.Struct({
  t: Schema.Number,
  u: Schema.Number,
  s: Schema.String,
  b: Decimal,
  B: Decimal,
  a: Decimal,
  A: Decimal
})
export type BookTickerPush = typeof BookTickerPush.Type

/** `spot.trades` result: one public trade, `side` the taker's. */
export const TradePush = Schema.Struct({
  id: Schema.Number,
  create_time: Schema.Number,
  create_time_ms: Schema.String,
  side: Side,
  currency_pair: Schema.String,
  amount: Decimal,
  price: Decimal,
  range: Schema.optional(Schema.String)
})
export type TradePush = typeof TradePush.Type

/**
 * `spot.order_book_update` result: levels changed between update ids `U` and `u` (absolute amounts,
 * `"0"` removes). `full: true` (absent on increments) carries the whole book of `l` levels.
 */
export const OrderBookUpdatePush = Schema.Struct({
  t: Schema.Number,
  full: Schema.optional(Schema.Boolean),
  /** Depth of a full push (a number or a numeric string). */
  l: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
  e: Schema.optional(Schema.String),
  E: Schema.optional(Schema.Number),
  s: Schema.String,
  U: Schema.Number,
  u: Schema.Number,
  b: Schema.Array(Level),
  a: Schema.Array(Level)
})
export type OrderBookUpdatePush = typeof OrderBookUpdatePush.Type

/** `spot.orders` element. Times are strings here (numbers in REST). `event`: put, update, finish. */
export const OrderPush = Schema.Struct({
  id: Schema.String,
  text: Schema.String,
  create_time: Schema.String,
  update_time: Schema.String,
  create_time_ms: Schema.String,
  update_time_ms: Schema.String,
  currency_pair: Schema.String,
  type: OrderType,
  account: Schema.String,
  side: Side,
  amount: Decimal,
  price: Decimal,
  time_in_force: TimeInForce,
  left: Decimal,
  filled_amount: Schema.optional(Decimal),
  filled_total: Decimal,
  avg_deal_price: Schema.optional(Decimal),
  fee: Schema.optional(Decimal),
  fee_currency: Schema.optional(Schema.String),
  event: Schema.Literals(["put", "update", "finish"]),
  finish_as: Schema.optional(FinishAs),
  user: Schema.optional(Schema.Number)
})
export type OrderPush = typeof OrderPush.Type

/** `spot.usertrades` element: one fill of ours (`id` an int here). */
export const UserTradePush = Schema.Struct({
  id: Schema.Number,
  user_id: Schema.optional(Schema.Number),
  order_id: Schema.String,
  currency_pair: Schema.String,
  create_time: Schema.Number,
  create_time_ms: Schema.String,
  side: Side,
  amount: Decimal,
  role: Schema.Literals(["maker", "taker"]),
  price: Decimal,
  fee: Decimal,
  fee_currency: Schema.String,
  text: Schema.String
})
export type UserTradePush = typeof UserTradePush.Type

/** `spot.balances` element (all strings). `freeze` is the locked amount. */
export const BalancePush = Schema.Struct({
  timestamp: Schema.String,
  timestamp_ms: Schema.String,
  user: Schema.String,
  currency: Schema.String,
  change: Decimal,
  total: Decimal,
  available: Decimal,
  freeze: Schema.optional(Decimal),
  freeze_change: Schema.optional(Decimal),
  change_type: Schema.optional(Schema.String)
})
export type BalancePush = typeof BalancePush.Type
