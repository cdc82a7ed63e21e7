/**
 * Public data shapes of the simulated exchange engine: order requests, MEXC-shaped order views,
 * balances, depth snapshots and change sets, and the events the server turns into WebSocket pushes.
 *
 * Field names and value formats follow MEXC Spot v3 (`/work/shared/reference/mexc-wire.md`):
 * decimals are strings ("65000.12", never exponent notation), order ids are strings, times are
 * epoch milliseconds. The server can serialize these objects as they are.
 *
 * @since 0.1.0
 */

/** Order side. */
export type OrderSide = "BUY" | "SELL"

/** Order types MEXC Spot v3 accepts in `type`. */
export type OrderType = "LIMIT" | "MARKET" | "LIMIT_MAKER" | "IMMEDIATE_OR_CANCEL" | "FILL_OR_KILL"

/** All order types, in MEXC's order. */
export const orderTypes: ReadonlyArray<OrderType> = [
  "LIMIT",
  "MARKET",
  "LIMIT_MAKER",
  "IMMEDIATE_OR_CANCEL",
  "FILL_OR_KILL"
]

/** Order status as REST reports it. */
export type OrderStatus = "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "PARTIALLY_CANCELED"

/** Time in force as REST reports it (derived from the order type). */
export type TimeInForce = "GTC" | "IOC" | "FOK"

/**
 * A new order, with the REST parameters as the client sent them (strings, unvalidated): the
 * engine performs every check MEXC makes and answers with MEXC's code. Absent and empty
 * parameters are the same thing.
 */
export interface PlaceOrderRequest {
  readonly symbol: string
  readonly side: OrderSide | (string & {})
  readonly type: OrderType | (string & {})
  readonly quantity?: string | undefined
  readonly quoteOrderQty?: string | undefined
  readonly price?: string | undefined
  readonly newClientOrderId?: string | undefined
}

/** Which order to cancel or query: `orderId` wins when both are given. */
export interface OrderRef {
  readonly symbol: string
  readonly orderId?: string | undefined
  readonly origClientOrderId?: string | undefined
}

/**
 * An order as `GET /api/v3/order` returns it. The POST, DELETE and openOrders responses are
 * subsets of these fields (`transactTime` = `time`; `origClientOrderId` = `clientOrderId`).
 */
export interface OrderView {
  readonly symbol: string
  readonly orderId: string
  readonly orderListId: -1
  /** The client's `newClientOrderId`, or `null` when it sent none. */
  readonly clientOrderId: string | null
  /** The limit price; "0" for MARKET orders. */
  readonly price: string
  /** The ordered quantity; "0" for a MARKET order placed by `quoteOrderQty`. */
  readonly origQty: string
  readonly executedQty: string
  readonly cummulativeQuoteQty: string
  readonly status: OrderStatus
  readonly timeInForce: TimeInForce
  readonly type: OrderType
  readonly side: OrderSide
  readonly stopPrice: string
  readonly time: number
  readonly updateTime: number
  /** True while the order rests on the book. */
  readonly isWorking: boolean
  /** The `quoteOrderQty` of a MARKET order; "0" otherwise. */
  readonly origQuoteOrderQty: string
}

/** One asset of an account, as `GET /api/v3/account` lists it. */
export interface BalanceView {
  readonly asset: string
  readonly free: string
  readonly locked: string
}

/** An account the server can authenticate: the secret is kept so signatures can be checked. */
export interface AccountInfo {
  readonly apiKey: string
  readonly secret: string
}

/** What to create an account with. Balances default to the demo funding. */
export interface AccountSpec {
  readonly apiKey: string
  readonly secret: string
  /** asset -> free amount (decimal string). */
  readonly balances?: Readonly<Record<string, string>> | undefined
}

/** A price level: `[price, quantity]` as decimal strings. */
export type DepthLevel = readonly [price: string, quantity: string]

/** `GET /api/v3/depth`: `lastUpdateId` is the book version the snapshot reflects. */
export interface DepthSnapshot {
  readonly lastUpdateId: number
  /** Best (highest) first. */
  readonly bids: ReadonlyArray<DepthLevel>
  /** Best (lowest) first. */
  readonly asks: ReadonlyArray<DepthLevel>
}

/**
 * What `depthChangesSince(symbol, v)` answers:
 * - `Changes`: every level that changed in versions `fromVersion..toVersion` (`fromVersion = v + 1`),
 *   with its current absolute quantity ("0" = level removed). Exactly what a
 *   `PublicAggreDepthsV3Api` push carries, and continuous by construction: the next call with
 *   `toVersion` starts at `toVersion + 1`.
 * - `Unchanged`: nothing changed since `v` (no push is due).
 * - `TooOld`: `v` is older than the change log remembers; the feed cannot bridge it. Resume from
 *   `version` (clients will see a gap and resync from a snapshot, as MEXC's procedure says).
 */
export type DepthDelta =
  | {
    readonly _tag: "Changes"
    readonly fromVersion: number
    readonly toVersion: number
    /** Best first. */
    readonly bids: ReadonlyArray<DepthLevel>
    /** Best first. */
    readonly asks: ReadonlyArray<DepthLevel>
  }
  | { readonly _tag: "Unchanged"; readonly version: number }
  | { readonly _tag: "TooOld"; readonly version: number }

/** One level change, as delivered to `subscribeDepth` listeners. */
export interface LevelChange {
  readonly symbol: string
  readonly side: OrderSide
  readonly price: string
  /** Absolute quantity now at this price; "0" = level removed. */
  readonly quantity: string
  /** The book version this change produced. */
  readonly version: number
}

/** Best bid and ask (`ticker/bookTicker` and the book-ticker channel). Empty sides are "0". */
export interface BookTicker {
  readonly symbol: string
  readonly bidPrice: string
  readonly bidQty: string
  readonly askPrice: string
  readonly askQty: string
  readonly version: number
}

/** A public trade (`PublicAggreDealsV3Api` item). */
export interface PublicTrade {
  readonly symbol: string
  readonly price: string
  readonly quantity: string
  /** Taker side: 1 buy, 2 sell. */
  readonly tradeType: 1 | 2
  readonly time: number
  readonly tradeId: string
}

/** `PrivateOrdersV3Api` fields for one order update. */
export interface PrivateOrderUpdate {
  readonly symbol: string
  readonly id: string
  readonly clientId: string
  readonly price: string
  readonly quantity: string
  readonly amount: string
  readonly avgPrice: string
  /** 1 LIMIT, 2 POST_ONLY, 3 IOC, 4 FOK, 5 MARKET. */
  readonly orderType: 1 | 2 | 3 | 4 | 5
  /** 1 buy, 2 sell. */
  readonly tradeType: 1 | 2
  readonly isMaker: boolean
  readonly remainAmount: string
  readonly remainQuantity: string
  /** Quantity of the deal that caused this update, if one did. */
  readonly lastDealQuantity: string | undefined
  readonly cumulativeQuantity: string
  readonly cumulativeAmount: string
  /** 1 new, 2 filled, 3 partially filled, 4 canceled, 5 partially canceled. */
  readonly status: 1 | 2 | 3 | 4 | 5
  readonly createTime: number
}

/** `PrivateDealsV3Api` fields for one fill of one of the account's orders. */
export interface PrivateDeal {
  readonly symbol: string
  readonly price: string
  readonly quantity: string
  readonly amount: string
  /** 1 buy, 2 sell: this order's side. */
  readonly tradeType: 1 | 2
  readonly isMaker: boolean
  readonly isSelfTrade: boolean
  readonly tradeId: string
  readonly clientOrderId: string
  readonly orderId: string
  readonly feeAmount: string
  readonly feeCurrency: string
  readonly time: number
}

/** `PrivateAccountV3Api` fields for one asset's balance change. */
export interface PrivateAccountUpdate {
  readonly vcoinName: string
  readonly coinId: string
  /** Free amount after the change. */
  readonly balanceAmount: string
  readonly balanceAmountChange: string
  /** Locked amount after the change. */
  readonly frozenAmount: string
  readonly frozenAmountChange: string
  /**
   * What caused it, in MEXC's terms (`mexc-wire.md`, "Live behaviour"): "ENTRUST_PLACE" (an order
   * placed locks funds), "ENTRUST" (a trade moves them), "TRADE_FEE" (its fee), "ENTRUST_CANCEL"
   * (a cancel unlocks them), "DEPOSIT" (set by the simulator's admin).
   */
  readonly type: string
  readonly time: number
}

/** What a `subscribeAccount` listener receives. */
export type AccountEvent =
  | { readonly _tag: "Order"; readonly apiKey: string; readonly order: PrivateOrderUpdate }
  | { readonly _tag: "Deal"; readonly apiKey: string; readonly deal: PrivateDeal }
  | { readonly _tag: "Balance"; readonly apiKey: string; readonly balance: PrivateAccountUpdate }

/** Removes the listener it was returned for. Idempotent. */
export type Unsubscribe = () => void
