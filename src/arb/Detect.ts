/**
 * Opportunity detection between two venues' books: pure functions, no effects, cheap enough to
 * run on every book update.
 *
 * For a size, each side of a book has two prices (as hummingbot's `get_quote_price` /
 * `get_order_price`): the volume-weighted average over the levels the size takes (what the leg is
 * expected to pay or receive, used for profit) and the worst level it reaches (what the IOC limit
 * must be to get filled), to which a bounded buffer is added before rounding to the tick.
 *
 * A direction (buy on one venue, sell on the other) is an {@link Opportunity} when, after both
 * venues' taker fees, the profit is at least `minProfitBps` of the buy notional and at least
 * `minProfitAbs` in the quote asset, and both legs pass both venues' rules (tick, lot, minimum
 * quantity and notional) as they would be sent. {@link Hysteresis} keeps an edge that hovers at
 * the threshold from firing attempt after attempt.
 *
 * @since 0.1.0
 */
import { BigDecimal, Result } from "effect"
import * as Decimal from "../exchange/Decimal.ts"
import type { BookLevel, BookView, Instrument, OrderRequest, Side } from "../exchange/Model.ts"
import * as OrderRules from "../exchange/OrderRules.ts"

/** What a size costs (or brings) on one side of a book. */
export interface Executable {
  /** Volume-weighted average price over the levels the size takes. */
  readonly vwap: Decimal.Decimal
  /** The worst level's price the size reaches. */
  readonly worst: Decimal.Decimal
  /** Levels taken. */
  readonly levels: number
}

/** Levels read from a book side at most (enough for any sane size; bounded work per update). */
export const maxDepth = 50

/**
 * The executable price of `quantity` against `levels` (best first): VWAP and worst level, or
 * `undefined` when the levels do not hold the quantity.
 */
export const executable = (levels: ReadonlyArray<BookLevel>, quantity: Decimal.Decimal): Executable | undefined => {
  let left = quantity
  let notional = Decimal.zero
  let worst: Decimal.Decimal | undefined
  let taken = 0
  for (const level of levels) {
    if (!BigDecimal.isPositive(left)) break
    const qty = BigDecimal.min(left, level.quantity)
    notional = BigDecimal.sum(notional, BigDecimal.multiply(qty, level.price))
    left = BigDecimal.subtract(left, qty)
    worst = level.price
    taken++
  }
  if (BigDecimal.isPositive(left) || worst === undefined) return undefined
  return { vwap: BigDecimal.normalize(BigDecimal.divideUnsafe(notional, quantity)), worst, levels: taken }
}

/** One venue as detection sees it. */
export interface VenueSide {
  readonly venue: string
  readonly instrument: Instrument
  readonly book: BookView
  /** Taker fee rate used for this venue (fraction, 0.001 = 0.1%). */
  readonly takerFeeRate: Decimal.Decimal
}

/** Detection settings. */
export interface DetectOptions {
  /** Base quantity of each leg (already a multiple of both venues' lot sizes). */
  readonly quantity: Decimal.Decimal
  /** Smallest net profit, in basis points of the buy notional. */
  readonly minProfitBps: number
  /** Smallest net profit in the quote asset; absent, only `minProfitBps` applies. */
  readonly minProfitAbs?: Decimal.Decimal | undefined
  /** How far past the worst level the IOC limit goes, in bps (bounded slippage). */
  readonly limitBufferBps: number
}

/** A profitable direction with both legs ready to send. */
export interface Opportunity {
  readonly buyVenue: string
  readonly sellVenue: string
  readonly quantity: Decimal.Decimal
  readonly buy: Executable
  readonly sell: Executable
  /** IOC limits: worst level plus the buffer, on the tick. */
  readonly buyLimit: Decimal.Decimal
  readonly sellLimit: Decimal.Decimal
  /** Both venues' fees in the quote asset, at the VWAPs. */
  readonly fees: Decimal.Decimal
  /** sell VWAP x q - buy VWAP x q - fees (quote asset). */
  readonly profit: Decimal.Decimal
  /** profit / (buy VWAP x q), in basis points. */
  readonly edgeBps: number
  /** The two legs as they will be sent (validated against both venues' rules). */
  readonly buyRequest: OrderRequest
  readonly sellRequest: OrderRequest
}

/** Why a direction is not an opportunity. */
export type NoOpportunity =
  | { readonly _tag: "NoBook"; readonly venue: string }
  | { readonly _tag: "Crossed"; readonly venue: string }
  | { readonly _tag: "NotEnoughDepth"; readonly venue: string }
  | { readonly _tag: "BelowThreshold"; readonly edgeBps: number; readonly profit: Decimal.Decimal }
  | { readonly _tag: "Rules"; readonly venue: string; readonly detail: string }

const bps = BigDecimal.fromNumberUnsafe(10_000)

const withBps = (price: Decimal.Decimal, bpsValue: number, up: boolean): Decimal.Decimal => {
  const factor = BigDecimal.divideUnsafe(BigDecimal.fromNumberUnsafe(bpsValue), bps)
  const delta = BigDecimal.multiply(price, factor)
  return up ? BigDecimal.sum(price, delta) : BigDecimal.subtract(price, delta)
}

/**
 * A limit `bufferBps` past `worst` on the aggressive side (a buy up, a sell down), on the tick: the
 * buffer is rounded toward `worst` so it never exceeds the bound, and the limit is never less
 * aggressive than `worst` itself (which lies on the tick).
 */
export const limitPrice = (side: Side, worst: Decimal.Decimal, bufferBps: number, tickSize: Decimal.Decimal): Decimal.Decimal => {
  const buy = side === "BUY"
  const raw = withBps(worst, bufferBps, buy)
  const rounded = Decimal.roundToStep(raw, tickSize, buy ? "down" : "up")
  return buy ? BigDecimal.max(rounded, worst) : BigDecimal.min(rounded, worst)
}

/** Basis points of `part` over `whole` as a number (for thresholds and reports). */
export const toBps = (part: Decimal.Decimal, whole: Decimal.Decimal): number =>
  BigDecimal.isZero(whole) ? 0 : BigDecimal.toNumberUnsafe(BigDecimal.divideUnsafe(BigDecimal.multiply(part, bps), whole))

const isCrossed = (book: BookView): boolean =>
  book.bestBid !== undefined && book.bestAsk !== undefined && BigDecimal.isGreaterThanOrEqualTo(book.bestBid.price, book.bestAsk.price)

/** Evaluates one direction: buy on `buy`'s asks, sell on `sell`'s bids. */
export const evaluate = (buy: VenueSide, sell: VenueSide, options: DetectOptions): Result.Result<Opportunity, NoOpportunity> => {
  for (const side of [buy, sell]) {
    if (side.book.bestBid === undefined || side.book.bestAsk === undefined) return Result.fail({ _tag: "NoBook", venue: side.venue })
    if (isCrossed(side.book)) return Result.fail({ _tag: "Crossed", venue: side.venue })
  }
  const quantity = options.quantity
  const bought = executable(buy.book.asks(maxDepth), quantity)
  if (bought === undefined) return Result.fail({ _tag: "NotEnoughDepth", venue: buy.venue })
  const sold = executable(sell.book.bids(maxDepth), quantity)
  if (sold === undefined) return Result.fail({ _tag: "NotEnoughDepth", venue: sell.venue })
  const buyNotional = BigDecimal.multiply(bought.vwap, quantity)
  const sellNotional = BigDecimal.multiply(sold.vwap, quantity)
  const fees = BigDecimal.normalize(
    BigDecimal.sum(BigDecimal.multiply(buyNotional, buy.takerFeeRate), BigDecimal.multiply(sellNotional, sell.takerFeeRate))
  )
  const profit = BigDecimal.normalize(BigDecimal.subtract(BigDecimal.subtract(sellNotional, buyNotional), fees))
  const edgeBps = toBps(profit, buyNotional)
  if (edgeBps < options.minProfitBps || (options.minProfitAbs !== undefined && BigDecimal.isLessThan(profit, options.minProfitAbs))) {
    return Result.fail({ _tag: "BelowThreshold", edgeBps, profit })
  }
  const buyLimit = limitPrice("BUY", bought.worst, options.limitBufferBps, buy.instrument.tickSize)
  const sellLimit = limitPrice("SELL", sold.worst, options.limitBufferBps, sell.instrument.tickSize)
  const buyRequest: OrderRequest = {
    symbol: buy.instrument.symbol,
    side: "BUY",
    type: "LIMIT",
    timeInForce: "IOC",
    price: buyLimit,
    quantity
  }
  const sellRequest: OrderRequest = {
    symbol: sell.instrument.symbol,
    side: "SELL",
    type: "LIMIT",
    timeInForce: "IOC",
    price: sellLimit,
    quantity
  }
  // Both legs are checked before either is sent: a leg a venue would refuse makes a one-legged trade.
  for (const [side, request] of [[buy, buyRequest], [sell, sellRequest]] as const) {
    const checked = OrderRules.validate(side.instrument, request)
    if (Result.isFailure(checked)) return Result.fail({ _tag: "Rules", venue: side.venue, detail: checked.failure.message })
  }
  return Result.succeed({
    buyVenue: buy.venue,
    sellVenue: sell.venue,
    quantity,
    buy: bought,
    sell: sold,
    buyLimit,
    sellLimit,
    fees,
    profit,
    edgeBps,
    buyRequest,
    sellRequest
  })
}

/**
 * The leg size both venues accept: `size` rounded down to a multiple of both lot sizes (when one
 * lot is a multiple of the other, the coarser one), or `undefined` when the lots share no step
 * the size can be put on, or the rounded size is zero.
 */
export const commonQuantity = (size: Decimal.Decimal, a: Instrument, b: Instrument): Decimal.Decimal | undefined => {
  const coarse = BigDecimal.isGreaterThanOrEqualTo(a.lotSize, b.lotSize) ? a.lotSize : b.lotSize
  const fine = coarse === a.lotSize ? b.lotSize : a.lotSize
  if (!Decimal.isMultipleOf(coarse, fine)) return undefined
  const quantity = Decimal.roundToStep(size, coarse, "down")
  return BigDecimal.isPositive(quantity) ? quantity : undefined
}

/**
 * A Schmitt trigger per direction against threshold flapping (hummingbot#3341: ~15 entries a
 * minute at the threshold, burning fees). An edge at or above `minProfitBps` may fire an attempt;
 * after an attempt in a direction, the next one in that direction needs the opportunity to have
 * closed first (the edge fell below `minProfitBps - hysteresisBps`), or the edge to stand clearly
 * above the threshold (at least `minProfitBps + hysteresisBps`). With `hysteresisBps` 0 every
 * update at the threshold may fire.
 */
export class Hysteresis {
  private readonly armed = new Map<string, boolean>()
  readonly minProfitBps: number
  readonly hysteresisBps: number
  constructor(minProfitBps: number, hysteresisBps: number) {
    this.minProfitBps = minProfitBps
    this.hysteresisBps = hysteresisBps
  }

  /** Feeds the current edge of a direction (bps); true when an attempt may fire now. */
  allows(direction: string, edgeBps: number): boolean {
    if (edgeBps < this.minProfitBps - this.hysteresisBps) this.armed.set(direction, true)
    if (edgeBps < this.minProfitBps) return false
    return (this.armed.get(direction) ?? true) || edgeBps >= this.minProfitBps + this.hysteresisBps
  }

  /** Records that an attempt fired in `direction`: it must close or widen before the next. */
  fired(direction: string): void {
    if (this.hysteresisBps > 0) this.armed.set(direction, false)
  }
}
