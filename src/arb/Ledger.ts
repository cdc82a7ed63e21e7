/**
 * What the strategy knows of its own money on each venue: the free balances it started with (one
 * REST answer each, at start), moved by every order of its own as soon as the order is final
 * (its filled quantity and quote amount, fees at the venue's taker rate until the fills bring the
 * real ones), less what the attempt in flight has reserved. A venue's balance answer can lag its
 * fills (hummingbot PR#6505: "insufficient balance 0.0000" right after an arbitrage), so after
 * start the strategy never asks the venue what it holds: it counts.
 *
 * Also the position: base bought less base sold over every venue (gross fills; fees are costs in
 * the PnL, not position), which a one-legged attempt moves off zero and an unwind brings back.
 *
 * Plain mutable state owned by one strategy; no effects.
 *
 * @since 0.1.0
 */
import { BigDecimal } from "effect"
import * as Decimal from "../exchange/Decimal.ts"
import type { Fill, Order, Side } from "../exchange/Model.ts"

/** A fee as charged, in one asset. */
export interface FeeAmount {
  readonly asset: string
  readonly amount: Decimal.Decimal
}

/** An order of the strategy's, as the ledger tracks it. */
export interface OwnOrder {
  readonly venue: string
  readonly symbol: string
  readonly clientOrderId: string
  readonly side: Side
  /** Latest known state; `undefined` while the placement's outcome is unknown. */
  order: Order | undefined
  /** Fills seen on the private stream, by trade id (duplicates dropped). */
  readonly fills: Map<string, Fill>
  /** Whether the final state has been applied to the balances. */
  applied: boolean
}

const add = (a: Decimal.Decimal, b: Decimal.Decimal): Decimal.Decimal => BigDecimal.normalize(BigDecimal.sum(a, b))
const sub = (a: Decimal.Decimal, b: Decimal.Decimal): Decimal.Decimal => BigDecimal.normalize(BigDecimal.subtract(a, b))

/** Sum of fills' quantity. */
export const filledByFills = (own: OwnOrder): Decimal.Decimal => {
  let total = Decimal.zero
  for (const f of own.fills.values()) total = BigDecimal.sum(total, f.quantity)
  return BigDecimal.normalize(total)
}

/** Filled base quantity as far as known (the order's state, or its fills when they say more). */
export const filledOf = (own: OwnOrder): Decimal.Decimal => {
  const byOrder = own.order?.filledQuantity ?? Decimal.zero
  const byFills = filledByFills(own)
  return BigDecimal.max(byOrder, byFills)
}

/** Quote amount of the fills as far as known. */
export const filledQuoteOf = (own: OwnOrder): Decimal.Decimal => {
  const byOrder = own.order?.filledQuoteQuantity ?? Decimal.zero
  let byFills = Decimal.zero
  for (const f of own.fills.values()) byFills = BigDecimal.sum(byFills, f.quoteQuantity)
  return BigDecimal.max(byOrder, BigDecimal.normalize(byFills))
}

/**
 * The order's fee in the quote asset: the fills' fees when the fills cover what the order filled
 * (base fees valued at the fill price), else the taker rate on the filled quote amount
 * (`estimated` true). Fees in a third asset are not valued (`other`).
 */
export const feeInQuote = (
  own: OwnOrder,
  baseAsset: string,
  quoteAsset: string,
  takerFeeRate: Decimal.Decimal
): { readonly fee: Decimal.Decimal; readonly estimated: boolean; readonly other: ReadonlyArray<FeeAmount> } => {
  const filled = own.order?.filledQuantity ?? Decimal.zero
  if (own.fills.size > 0 && BigDecimal.isGreaterThanOrEqualTo(filledByFills(own), filled)) {
    let fee = Decimal.zero
    const other: Array<FeeAmount> = []
    for (const f of own.fills.values()) {
      if (f.feeAsset === quoteAsset) fee = BigDecimal.sum(fee, f.fee)
      else if (f.feeAsset === baseAsset) fee = BigDecimal.sum(fee, BigDecimal.multiply(f.fee, f.price))
      else if (BigDecimal.isPositive(f.fee)) other.push({ asset: f.feeAsset, amount: f.fee })
    }
    return { fee: BigDecimal.normalize(fee), estimated: false, other }
  }
  return { fee: BigDecimal.normalize(BigDecimal.multiply(filledQuoteOf(own), takerFeeRate)), estimated: true, other: [] }
}

/** One venue's balances as the strategy counts them. */
export class VenueLedger {
  readonly venue: string
  readonly baseAsset: string
  readonly quoteAsset: string
  readonly takerFeeRate: Decimal.Decimal
  /** Free balances at start (REST). */
  readonly startBase: Decimal.Decimal
  readonly startQuote: Decimal.Decimal
  /** Gross movement from own fills since start. */
  baseDelta: Decimal.Decimal = Decimal.zero
  quoteDelta: Decimal.Decimal = Decimal.zero
  /** Estimated fees in the quote asset applied to the balance check. */
  feesQuote: Decimal.Decimal = Decimal.zero
  /** Held by the attempt in flight. */
  reservedBase: Decimal.Decimal = Decimal.zero
  reservedQuote: Decimal.Decimal = Decimal.zero

  constructor(venue: string, baseAsset: string, quoteAsset: string, takerFeeRate: Decimal.Decimal, startBase: Decimal.Decimal, startQuote: Decimal.Decimal) {
    this.venue = venue
    this.baseAsset = baseAsset
    this.quoteAsset = quoteAsset
    this.takerFeeRate = takerFeeRate
    this.startBase = startBase
    this.startQuote = startQuote
  }

  /** Base free for a new order: start + own fills - reserved. */
  get availableBase(): Decimal.Decimal {
    return sub(add(this.startBase, this.baseDelta), this.reservedBase)
  }

  /** Quote free for a new order: start + own fills - estimated fees - reserved. */
  get availableQuote(): Decimal.Decimal {
    return sub(sub(add(this.startQuote, this.quoteDelta), this.feesQuote), this.reservedQuote)
  }

  /** Applies a final order's fills (once). */
  apply(own: OwnOrder): void {
    if (own.applied || own.order === undefined || own.order.isOpen) return
    own.applied = true
    const base = own.order.filledQuantity
    const quote = own.order.filledQuoteQuantity
    if (own.side === "BUY") {
      this.baseDelta = add(this.baseDelta, base)
      this.quoteDelta = sub(this.quoteDelta, quote)
    } else {
      this.baseDelta = sub(this.baseDelta, base)
      this.quoteDelta = add(this.quoteDelta, quote)
    }
    this.feesQuote = add(this.feesQuote, BigDecimal.multiply(quote, this.takerFeeRate))
  }
}

/** Whether `order` is at least as far along as `known` (stream and REST answers interleave). */
export const isNewer = (known: Order | undefined, next: Order): boolean => {
  if (known === undefined) return true
  if (!known.isOpen) return false
  const cmp = BigDecimal.Order(next.filledQuantity, known.filledQuantity)
  return cmp > 0 || (cmp === 0 && (!next.isOpen || next.status === known.status || known.status === "NEW"))
}
