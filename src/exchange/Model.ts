/**
 * The venue-neutral domain model: what a trading program works with, whatever the exchange.
 * Nothing here knows a venue; each venue parses its wire shapes into these (`venues/<venue>/Parse.ts`).
 *
 * Prices, quantities, amounts and fees are exact {@link Decimal.Decimal}s (scaled bigints), never
 * floating point. Times are epoch milliseconds as the venue reports them.
 *
 * @since 0.1.0
 */
import { BigDecimal, Schema } from "effect"
import * as Decimal from "./Decimal.ts"

/** An exact decimal value in the domain (prices, quantities, amounts, fees). */
export const Amount = Schema.BigDecimal

/** Buy or sell. */
export const Side = Schema.Literals(["BUY", "SELL"])
export type Side = typeof Side.Type

/**
 * `LIMIT`: rests at its price. `LIMIT_MAKER`: post-only, rejected if it would trade on arrival.
 * `MARKET`: trades at once against the book, by base quantity or by quote amount.
 */
export const OrderType = Schema.Literals(["LIMIT", "LIMIT_MAKER", "MARKET"])
export type OrderType = typeof OrderType.Type

/**
 * How long a limit order lives. `GTC`: until filled or canceled. `IOC`: what trades at once, the
 * rest canceled. `FOK`: all at once or nothing. (A venue may spell these otherwise, e.g. as order
 * types: its `Parse.ts` and `<V>Rest.ts` map them.)
 */
export const TimeInForce = Schema.Literals(["GTC", "IOC", "FOK"])
export type TimeInForce = typeof TimeInForce.Type

/**
 * The lifecycle of an order. `NEW` and `PARTIALLY_FILLED` are open; the others are final. An order
 * canceled after some fills is `CANCELED` with its `filledQuantity` (each venue spells that its
 * own way; its parse maps it here).
 */
export const OrderStatus = Schema.Literals(["NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED"])
export type OrderStatus = typeof OrderStatus.Type

/** Whether an order in this status may still trade (and so must be canceled before shutdown). */
export const isOpenStatus = (status: OrderStatus): boolean => status === "NEW" || status === "PARTIALLY_FILLED"

/** Whether trading in an instrument is possible now. */
export const InstrumentStatus = Schema.Literals(["TRADING", "HALTED", "OFFLINE"])
export type InstrumentStatus = typeof InstrumentStatus.Type

/**
 * A tradable pair and the venue's rules for orders on it. `tickSize` is the price step,
 * `lotSize` the quantity step; an order's quantity must be at least `minQuantity` and its
 * notional (price x quantity, in the quote asset) at least `minNotional`.
 */
export class Instrument extends Schema.Class<Instrument>("scoped-exchange/exchange/Instrument")({
  symbol: Schema.String,
  baseAsset: Schema.String,
  quoteAsset: Schema.String,
  status: InstrumentStatus,
  tickSize: Amount,
  lotSize: Amount,
  minQuantity: Amount,
  minNotional: Amount,
  /** Largest notional of one order, when the venue sets one. */
  maxNotional: Schema.optional(Amount),
  /**
   * The step of a quote amount (a MARKET order by `quoteQuantity`), when the venue's differs
   * from the tick size; absent: the tick size (how each venue derives both: its `Parse.ts`).
   */
  quoteStep: Schema.optional(Amount),
  orderTypes: Schema.Array(OrderType),
  /** Fee rates as fractions (0.001 = 0.1%). */
  makerFeeRate: Amount,
  takerFeeRate: Amount
}) {
  /**
   * The canonical key of the pair, `BASE/QUOTE` (e.g. `BTC/USDT`), the same on every venue
   * whatever its spelling of the symbol (`BTCUSDT`, `BTC_USDT`): what matches instruments
   * across venues.
   */
  get key(): InstrumentKey {
    return instrumentKey(this.baseAsset, this.quoteAsset)
  }
}

/** A canonical pair key, `BASE/QUOTE` in upper case (see {@link Instrument.key}). */
export type InstrumentKey = `${string}/${string}`

/** The canonical key of the pair `base`/`quote`: `instrumentKey("btc", "USDT")` is `"BTC/USDT"`. */
export const instrumentKey = (base: string, quote: string): InstrumentKey => `${base.toUpperCase()}/${quote.toUpperCase()}`

/** One price level of a book: an absolute quantity at a price. */
export class BookLevel extends Schema.Class<BookLevel>("scoped-exchange/exchange/BookLevel")({
  price: Amount,
  quantity: Amount
}) {}

/** The best bid and ask of an instrument (the top of its book). */
export class Quote extends Schema.Class<Quote>("scoped-exchange/exchange/Quote")({
  symbol: Schema.String,
  bidPrice: Amount,
  bidQuantity: Amount,
  askPrice: Amount,
  askQuantity: Amount,
  /** Venue time of the update (ms), when known. */
  time: Schema.optional(Schema.Number)
}) {}

/** A public trade on the venue. `side` is the taker's side. */
export class Trade extends Schema.Class<Trade>("scoped-exchange/exchange/Trade")({
  symbol: Schema.String,
  price: Amount,
  quantity: Amount,
  side: Side,
  /** Trade time (ms). */
  time: Schema.Number,
  tradeId: Schema.optional(Schema.String)
}) {}

/** Free and locked amounts of one asset. */
export class Balance extends Schema.Class<Balance>("scoped-exchange/exchange/Balance")({
  asset: Schema.String,
  free: Amount,
  locked: Amount
}) {}

/** An order as the venue last reported it. */
export class Order extends Schema.Class<Order>("scoped-exchange/exchange/Order")({
  symbol: Schema.String,
  orderId: Schema.String,
  clientOrderId: Schema.String,
  side: Side,
  type: OrderType,
  timeInForce: TimeInForce,
  status: OrderStatus,
  /** Limit price; absent on market orders. */
  price: Schema.optional(Amount),
  /** Ordered base quantity; absent on a market buy by quote amount. */
  quantity: Schema.optional(Amount),
  /** Quote amount of a market order by amount. */
  quoteQuantity: Schema.optional(Amount),
  filledQuantity: Amount,
  /** Sum of price x quantity over the fills (quote asset). */
  filledQuoteQuantity: Amount,
  /** Creation time (ms). */
  time: Schema.Number,
  /** Last change (ms), when the venue says. */
  updateTime: Schema.optional(Schema.Number)
}) {
  get isOpen(): boolean {
    return isOpenStatus(this.status)
  }
  /** Average fill price, when anything filled. */
  get averagePrice(): BigDecimal.BigDecimal | undefined {
    return BigDecimal.isZero(this.filledQuantity)
      ? undefined
      : BigDecimal.divideUnsafe(this.filledQuoteQuantity, this.filledQuantity)
  }
}

/** One execution of one of our orders. */
export class Fill extends Schema.Class<Fill>("scoped-exchange/exchange/Fill")({
  symbol: Schema.String,
  orderId: Schema.String,
  clientOrderId: Schema.String,
  tradeId: Schema.String,
  side: Side,
  price: Amount,
  quantity: Amount,
  /** price x quantity (quote asset). */
  quoteQuantity: Amount,
  fee: Amount,
  feeAsset: Schema.String,
  isMaker: Schema.Boolean,
  /** Trade time (ms). */
  time: Schema.Number
}) {}

/**
 * A change to one of our orders, from the private stream or from a REST answer: the order's
 * state after the change. `lastFill` is set when the change was a trade.
 */
export class OrderUpdate extends Schema.Class<OrderUpdate>("scoped-exchange/exchange/OrderUpdate")({
  order: Order,
  /** Where the update came from: `stream` (private push) or `rest` (an answer or a reconciliation). */
  source: Schema.Literals(["stream", "rest"]),
  /** Venue time of the change (ms). */
  time: Schema.Number
}) {}

/** A change to one asset's balance, from the private stream or a reconciliation. */
export class BalanceUpdate extends Schema.Class<BalanceUpdate>("scoped-exchange/exchange/BalanceUpdate")({
  balance: Balance,
  /** Venue's reason for the change, as the venue words it, when given (e.g. `venues/mexc/PrivatePush.ts`). */
  reason: Schema.optional(Schema.String),
  time: Schema.Number
}) {}

/**
 * What to place. Exactly one of `quantity` (base) and `quoteQuantity` (quote, MARKET only) is set.
 * `clientOrderId` is generated when absent, and never reused.
 */
export interface OrderRequest {
  readonly symbol: string
  readonly side: Side
  readonly type: OrderType
  /** Default `GTC`; `IOC`/`FOK` apply to `LIMIT`. */
  readonly timeInForce?: TimeInForce | undefined
  readonly price?: Decimal.Decimal | undefined
  readonly quantity?: Decimal.Decimal | undefined
  readonly quoteQuantity?: Decimal.Decimal | undefined
  readonly clientOrderId?: string | undefined
  /**
   * What to do with a price, quantity or quote amount that is not a multiple of the instrument's
   * step: `reject` (default) fails with `FilterRejected`; `round` rounds prices toward the passive
   * side (bids down, asks up), quantities and quote amounts down (never more than asked).
   */
  readonly precision?: "reject" | "round" | undefined
}

/** Identifies one order: by the venue's id or by our client order id. */
export type OrderRef =
  | { readonly symbol: string; readonly orderId: string }
  | { readonly symbol: string; readonly clientOrderId: string }

/**
 * A consistent view of an order book at one version. Levels are best first. A view never changes
 * after it is handed out: later deltas make new views (the implementation decides how much it
 * copies; top-N access must not copy the whole book).
 */
export interface BookView {
  readonly symbol: string
  /** The venue's version of the book after the last applied change. */
  readonly version: bigint
  /** Best bid, if any. */
  readonly bestBid: BookLevel | undefined
  readonly bestAsk: BookLevel | undefined
  /** Top `n` bids, best first (not copied beyond `n`). */
  readonly bids: (n: number) => ReadonlyArray<BookLevel>
  readonly asks: (n: number) => ReadonlyArray<BookLevel>
  /** Venue time (ms) of the last applied change. */
  readonly time: number
}

export { Decimal }
