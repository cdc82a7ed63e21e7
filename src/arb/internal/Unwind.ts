/**
 * Where and how to flatten a position: an IOC at most `unwindSlippageBps` through the best price,
 * on whichever venue has the better executable price and the balance (unwind on the filled venue,
 * or hedge on the other), within both venues' rules. Pure; internal to `arb/`.
 */
import { BigDecimal, Result } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import type { OrderRequest, Side } from "../../exchange/Model.ts"
import * as OrderRules from "../../exchange/OrderRules.ts"
import * as Detect from "../Detect.ts"
import { abs, add, mul, type Runtime } from "./Runtime.ts"

/** An IOC that flattens `imbalance` on `r`, or undefined when `r` cannot (rules, book, balance). */
export const unwindOrder = (r: Runtime, imbalance: Decimal.Decimal, unwindSlippageBps: number): OrderRequest | undefined => {
  const side: Side = BigDecimal.isPositive(imbalance) ? "SELL" : "BUY"
  const qty = Decimal.roundToStep(abs(imbalance), r.instrument.lotSize, "down")
  if (!BigDecimal.isPositive(qty)) return undefined
  const view = r.book.view
  const best = side === "SELL" ? view?.bestBid : view?.bestAsk
  if (best === undefined) return undefined
  // Bounded slippage: at most `unwindSlippageBps` through the best price, on the tick.
  const price = Detect.limitPrice(side, best.price, unwindSlippageBps, r.instrument.tickSize)
  const request: OrderRequest = { symbol: r.symbol, side, type: "LIMIT", timeInForce: "IOC", price, quantity: qty }
  if (Result.isFailure(OrderRules.validate(r.instrument, request))) return undefined
  if (side === "SELL" && BigDecimal.isLessThan(r.ledger.availableBase, qty)) return undefined
  if (side === "BUY" && BigDecimal.isLessThan(r.ledger.availableQuote, mul(mul(qty, price), add(Decimal.unsafeParse("1"), r.takerFeeRate)))) return undefined
  return request
}

/** The venue with the better executable price for the unwind (unwind on the filled venue or hedge on the other). */
export const unwindVenue = (
runtimes: ReadonlyArray<Runtime>,
imbalance: Decimal.Decimal,
unwindSlippageBps: number
): { readonly r: Runtime; readonly request: OrderRequest } | undefined => {
  let chosen: { r: Runtime; request: OrderRequest; price: Decimal.Decimal } | undefined
  for (const r of runtimes) {
    const request = unwindOrder(r, imbalance, unwindSlippageBps)
    if (request === undefined) continue
    const levels = request.side === "SELL" ? r.book.view!.bids(Detect.maxDepth) : r.book.view!.asks(Detect.maxDepth)
    const price = Detect.executable(levels, request.quantity!)?.vwap ?? levels[levels.length - 1]?.price ?? request.price!
    const better = chosen === undefined ||
      (request.side === "SELL" ? BigDecimal.isGreaterThan(price, chosen.price) : BigDecimal.isLessThan(price, chosen.price))
    if (better) chosen = { r, request, price }
  }
  return chosen
}

/** Whether an imbalance is too small to trade on any venue. */
export const isDust = (runtimes: ReadonlyArray<Runtime>, imbalance: Decimal.Decimal): boolean =>
  runtimes.every((r) => {
    const qty = Decimal.roundToStep(abs(imbalance), r.instrument.lotSize, "down")
    if (BigDecimal.isLessThan(qty, r.instrument.minQuantity) || !BigDecimal.isPositive(qty)) return true
    const price = r.book.view?.bestBid?.price ?? r.book.view?.bestAsk?.price
    return price !== undefined && BigDecimal.isLessThan(mul(qty, price), r.instrument.minNotional)
  })
