/**
 * Price-time matching and settlement for one incoming (taker) order against one book.
 *
 * The taker walks the opposite side from the best level while the price is acceptable; inside
 * a level, resting orders fill oldest first. Every fill trades at the resting order's price,
 * charges the maker and taker rates of the symbol, and settles both accounts at once:
 * - fees are charged in the asset received (BUY pays in base, SELL in quote, as MEXC does),
 *   rounded up to the symbol's commission precision (never past the amount received);
 * - a resting order spends from what it locked; a taker spends from `free` (the engine checked
 *   beforehand that `free` covers the whole order at its limit price).
 *
 * @since 0.1.0
 */
import * as Decimal from "./Decimal.ts"
import { reject, type SimRejection } from "./Errors.ts"
import type { Account } from "./Ledger.ts"
import type { Order } from "./Order.ts"
import type { OrderBook } from "./OrderBook.ts"
import type { OrderSide } from "./Types.ts"
import type { ParsedOrder } from "./Validate.ts"

/** What matching needs from the engine. @internal */
export interface MatchEnv {
  account(apiKey: string): Account
  nextTradeId(): string
  /** Moves money and queues the balance push (no-op for internal accounts). */
  adjust(account: Account, asset: string, dFree: bigint, dLocked: bigint, type: string, now: number): void
  /** Queues the public trade push. */
  trade(symbol: string, price: bigint, qty: bigint, takerSide: OrderSide, tradeId: string, now: number): void
  /** Queues the private deal push for one side of a fill. */
  deal(order: Order, price: bigint, qty: bigint, notional: bigint, isMaker: boolean, isSelfTrade: boolean, fee: bigint, feeAsset: string, tradeId: string, now: number): void
  /** Queues the private order push, after a deal of `lastDealQty` if any. */
  orderUpdate(order: Order, lastDealQty: bigint | undefined): void
  /** Takes a finished order out of its account's open orders. */
  retire(order: Order): void
}

/** True when a taker at `limit` on `side` would trade with a resting order at `price`. */
export const crosses = (side: OrderSide, limit: bigint, price: bigint): boolean =>
  side === "BUY" ? price <= limit : price >= limit

/**
 * Quantity available to a taker on `side` up to `limit` (all prices when undefined), counting
 * no further than `enough`. Used for fill-or-kill.
 */
export const availableQty = (book: OrderBook, side: OrderSide, limit: bigint | undefined, enough: bigint): bigint => {
  const levels = book.sideOf(side === "BUY" ? "SELL" : "BUY").levels
  let sum = 0n
  for (let i = levels.length - 1; i >= 0 && sum < enough; i--) {
    const level = levels[i]!
    if (limit !== undefined && !crosses(side, limit, level.price)) break
    sum += level.total
  }
  return sum
}

/**
 * What a MARKET order would trade if it ran now: for a quantity, the quote it would cost or
 * earn; for a quote amount, the quantity it would need. Used for balance checks before matching.
 */
export const estimateMarket = (
  book: OrderBook,
  side: OrderSide,
  quantity: bigint,
  quoteAmount: bigint,
  qtyDecimals: number
): { readonly qty: bigint; readonly quote: bigint } => {
  const levels = book.sideOf(side === "BUY" ? "SELL" : "BUY").levels
  let qty = 0n
  let quote = 0n
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!
    let take: bigint
    if (quoteAmount > 0n) {
      take = Decimal.min(level.total, Decimal.roundDown(Decimal.div(quoteAmount - quote, level.price), qtyDecimals))
    } else {
      take = Decimal.min(level.total, quantity - qty)
    }
    if (take <= 0n) break
    qty += take
    quote += Decimal.mul(level.price, take)
  }
  return { qty, quote }
}

/**
 * The checks that need the book and the account, made before anything changes: post-only
 * crossing (-2010), MARKET into an empty side (30025), and funds (10101 for the quote of a BUY,
 * 30004 for the base of a SELL). A limit order needs its whole size at its limit price free;
 * a MARKET order what the book would cost now. Internal accounts skip the funds check.
 */
export const preTradeCheck = (book: OrderBook, account: Account, p: ParsedOrder): SimRejection | undefined => {
  const opposite = book.sideOf(p.side === "BUY" ? "SELL" : "BUY").best()
  if (p.type === "LIMIT_MAKER" && opposite !== undefined && crosses(p.side, p.price, opposite.price)) {
    return reject.wouldTakeLiquidity()
  }
  if (p.type === "MARKET" && opposite === undefined) return reject.noOpposingOrders()
  if (account.internal) return undefined
  const base = p.spec.config.baseAsset
  const quote = p.spec.config.quoteAsset
  if (p.type === "MARKET") {
    const estimate = estimateMarket(book, p.side, p.quantity, p.quoteOrderQty, p.spec.qtyDecimals)
    if (p.side === "BUY") {
      const cost = p.quoteOrderQty > 0n ? p.quoteOrderQty : estimate.quote
      return account.free(quote) < cost ? reject.insufficientBalance() : undefined
    }
    const needed = p.quoteOrderQty > 0n ? estimate.qty : p.quantity
    return account.free(base) < needed ? reject.insufficientPosition() : undefined
  }
  if (p.side === "BUY") {
    return account.free(quote) < Decimal.mul(p.price, p.quantity) ? reject.insufficientBalance() : undefined
  }
  return account.free(base) < p.quantity ? reject.insufficientPosition() : undefined
}

/**
 * Matches `taker` against the book until it is filled, its limit stops it, the book side is
 * empty or (by quote amount) the budget cannot buy one more lot. Updates both orders, settles
 * both accounts and queues every push. Leaves the taker's final status to the caller.
 */
export const match = (env: MatchEnv, book: OrderBook, taker: Order, limit: bigint | undefined, now: number): void => {
  const spec = taker.spec
  const opposite = book.sideOf(taker.side === "BUY" ? "SELL" : "BUY")
  const byQuote = taker.quoteOrderQty > 0n
  for (;;) {
    const level = opposite.best()
    if (level === undefined) break
    if (limit !== undefined && !crosses(taker.side, limit, level.price)) break
    let want: bigint
    if (byQuote) {
      want = Decimal.roundDown(Decimal.div(taker.quoteOrderQty - taker.cumQuote, level.price), spec.qtyDecimals)
    } else {
      want = taker.origQty - taker.executedQty
    }
    if (want <= 0n) break
    const maker = level.head!
    fill(env, book, taker, maker, level.price, Decimal.min(want, maker.remaining), now)
  }
}

const fill = (env: MatchEnv, book: OrderBook, taker: Order, maker: Order, price: bigint, qty: bigint, now: number) => {
  const notional = Decimal.mul(price, qty)
  const tradeId = env.nextTradeId()
  const selfTrade = taker.apiKey === maker.apiKey

  book.reduce(maker, qty)
  maker.executedQty += qty
  maker.cumQuote += notional
  maker.updateTime = now
  maker.lastIsMaker = true
  maker.status = maker.remaining === 0n ? "FILLED" : "PARTIALLY_FILLED"
  settle(env, maker, price, qty, notional, true, selfTrade, tradeId, now)
  if (maker.status === "FILLED") env.retire(maker)

  taker.executedQty += qty
  taker.cumQuote += notional
  taker.updateTime = now
  taker.lastIsMaker = false
  taker.status = taker.origQty > 0n && taker.executedQty === taker.origQty ? "FILLED" : "PARTIALLY_FILLED"
  settle(env, taker, price, qty, notional, false, selfTrade, tradeId, now)

  env.trade(taker.spec.name, price, qty, taker.side, tradeId, now)
}

const settle = (
  env: MatchEnv,
  order: Order,
  price: bigint,
  qty: bigint,
  notional: bigint,
  isMaker: boolean,
  selfTrade: boolean,
  tradeId: string,
  now: number
) => {
  const spec = order.spec
  const account = env.account(order.apiKey)
  const base = spec.config.baseAsset
  const quote = spec.config.quoteAsset
  const rate = isMaker ? spec.makerRate : spec.takerRate
  let fee: bigint
  let feeAsset: string
  if (order.side === "BUY") {
    // Capped at what the fill pays out: a commission precision coarser than the lot could
    // otherwise round a fee up past it and leave the balance negative.
    fee = Decimal.min(qty, Decimal.roundUp(Decimal.mulCeil(qty, rate), spec.baseFeeDecimals))
    feeAsset = base
    if (isMaker) {
      // A resting BUY locked price * qty at its own price, which is the trade price.
      order.locked -= notional
      env.adjust(account, quote, 0n, -notional, "ENTRUST", now)
    } else {
      env.adjust(account, quote, -notional, 0n, "ENTRUST", now)
    }
    env.adjust(account, base, qty, 0n, "ENTRUST", now)
    env.adjust(account, base, -fee, 0n, "TRADE_FEE", now)
  } else {
    fee = Decimal.min(notional, Decimal.roundUp(Decimal.mulCeil(notional, rate), spec.quoteFeeDecimals))
    feeAsset = quote
    if (isMaker) {
      order.locked -= qty
      env.adjust(account, base, 0n, -qty, "ENTRUST", now)
    } else {
      env.adjust(account, base, -qty, 0n, "ENTRUST", now)
    }
    env.adjust(account, quote, notional, 0n, "ENTRUST", now)
    env.adjust(account, quote, -fee, 0n, "TRADE_FEE", now)
  }
  env.deal(order, price, qty, notional, isMaker, selfTrade, fee, feeAsset, tradeId, now)
  env.orderUpdate(order, qty)
}
