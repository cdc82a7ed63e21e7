/**
 * The engine's internal order record and its MEXC-shaped views (REST `OrderView`, the
 * `PrivateOrdersV3Api` push). Internal to `src/sim/engine`: callers see only the views.
 *
 * @since 0.1.0
 */
import * as Decimal from "./Decimal.ts"
import type { SymbolSpec } from "./Symbols.ts"
import type { OrderSide, OrderStatus, OrderType, OrderView, PrivateOrderUpdate, TimeInForce } from "./Types.ts"

/** A price level of one side of a book: a FIFO of resting orders (doubly linked). @internal */
export interface Level {
  readonly price: bigint
  readonly priceText: string
  /** Sum of the remaining quantity of the orders here. */
  total: bigint
  head: Order | undefined
  tail: Order | undefined
}

/** An order. Mutable: the engine updates it in place as it fills. @internal */
export interface Order {
  readonly id: string
  readonly apiKey: string
  readonly spec: SymbolSpec
  readonly side: OrderSide
  readonly type: OrderType
  /** Limit price; 0 for MARKET. */
  readonly price: bigint
  /** Ordered quantity; 0 for a MARKET order by quote amount. */
  readonly origQty: bigint
  /** MARKET by quote amount: the amount; 0 otherwise. */
  readonly quoteOrderQty: bigint
  readonly clientOrderId: string | null
  readonly time: number
  updateTime: number
  status: OrderStatus
  executedQty: bigint
  cumQuote: bigint
  /** Quantity resting on the book (0 when not resting). */
  remaining: bigint
  /** What this order holds locked (quote for BUY, base for SELL). */
  locked: bigint
  lastIsMaker: boolean
  level: Level | undefined
  prev: Order | undefined
  next: Order | undefined
}

const timeInForceOf = (type: OrderType): TimeInForce =>
  type === "FILL_OR_KILL" ? "FOK" : type === "IMMEDIATE_OR_CANCEL" || type === "MARKET" ? "IOC" : "GTC"

/** The REST view of an order. */
export const view = (order: Order): OrderView => ({
  symbol: order.spec.name,
  orderId: order.id,
  orderListId: -1,
  clientOrderId: order.clientOrderId,
  price: Decimal.format(order.price),
  origQty: Decimal.format(order.origQty),
  executedQty: Decimal.format(order.executedQty),
  cummulativeQuoteQty: Decimal.format(order.cumQuote),
  status: order.status,
  timeInForce: timeInForceOf(order.type),
  type: order.type,
  side: order.side,
  stopPrice: "0",
  time: order.time,
  updateTime: order.updateTime,
  isWorking: order.level !== undefined,
  origQuoteOrderQty: Decimal.format(order.quoteOrderQty)
})

const orderTypeCode = {
  LIMIT: 1,
  LIMIT_MAKER: 2,
  IMMEDIATE_OR_CANCEL: 3,
  FILL_OR_KILL: 4,
  MARKET: 5
} as const

const statusCode = {
  NEW: 1,
  FILLED: 2,
  PARTIALLY_FILLED: 3,
  CANCELED: 4,
  PARTIALLY_CANCELED: 5
} as const

/** The `PrivateOrdersV3Api` view of an order, after a deal of `lastDealQty` if there was one. */
export const privateUpdate = (order: Order, lastDealQty: bigint | undefined): PrivateOrderUpdate => {
  const quantity = order.origQty
  const amount = order.quoteOrderQty > 0n ? order.quoteOrderQty : Decimal.mul(order.price, order.origQty)
  const open = order.status === "NEW" || order.status === "PARTIALLY_FILLED"
  const remainQty = open && order.origQty > 0n ? order.origQty - order.executedQty : 0n
  // What the order may still spend or earn: at its limit price, or the unspent quote budget.
  const remainAmount = !open
    ? 0n
    : order.quoteOrderQty > 0n
    ? Decimal.max(0n, order.quoteOrderQty - order.cumQuote)
    : Decimal.mul(order.price, remainQty)
  return {
    symbol: order.spec.name,
    id: order.id,
    clientId: order.clientOrderId ?? "",
    price: Decimal.format(order.price),
    quantity: Decimal.format(quantity),
    amount: Decimal.format(amount),
    avgPrice: Decimal.format(averagePrice(order)),
    orderType: orderTypeCode[order.type],
    tradeType: order.side === "BUY" ? 1 : 2,
    isMaker: lastDealQty !== undefined && order.lastIsMaker,
    remainAmount: Decimal.format(remainAmount),
    remainQuantity: Decimal.format(remainQty),
    lastDealQuantity: lastDealQty === undefined ? undefined : Decimal.format(lastDealQty),
    cumulativeQuantity: Decimal.format(order.executedQty),
    cumulativeAmount: Decimal.format(order.cumQuote),
    status: statusCode[order.status],
    createTime: order.time
  }
}

/** Average fill price, truncated to the symbol's price decimals plus 4 (0 when unfilled). */
export const averagePrice = (order: Order): bigint =>
  order.executedQty === 0n
    ? 0n
    : Decimal.roundDown(Decimal.div(order.cumQuote, order.executedQty), order.spec.priceDecimals + 4)

/** True while the order can still fill. */
export const isOpen = (order: Order): boolean => order.status === "NEW" || order.status === "PARTIALLY_FILLED"
