/**
 * A market-making cycle on one instrument, speaking only `PublicExchange` and `PrivateExchange`:
 *
 * 1. read the instrument (status, steps, minimums);
 * 2. buy LIMIT_MAKER (post-only) at the best bid for `quoteQuantity` of the quote asset, the base
 *    quantity rounded down to the lot size and checked against the minimum quantity and notional;
 * 3. wait for the fill on the private order stream; when the best bid moves away from the order's
 *    price first, cancel it (confirmed by the venue's answer or a query) and quote again for what
 *    is left; a post-only order rejected because it would have crossed is quoted again at the next
 *    touch; a fill that races the cancel is counted from the order's final state;
 * 4. once bought, sell what the buy delivered (net of fees charged in the base asset) LIMIT_MAKER at
 *    the best ask the same way;
 * 5. summarise: each order with its fill price, fees, request-to-ack and request-to-fill times, and
 *    the cycle's PnL.
 *
 * Each leg is a small explicit state machine (`Quoting` -> `Resting` -> `Cancelling` -> `Quoting`
 * ... -> `Done`), one handler per state.
 *
 * The strategy owns its orders: the service's scope has a finalizer that cancels every order it
 * placed that is still open (or whose placement has no known outcome) and confirms each is gone,
 * within `stopBudget`, before the exchanges below it close (the layer graph is the shutdown order).
 * An order's placement is never interrupted half-way: interrupting a cycle waits for the answer,
 * so the finalizer knows the order and cancels it.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const mm = yield* MarketMaker.MarketMaker
 *   const summary = yield* mm.runCycle
 *   yield* Effect.log(Summary.format(summary))
 * }).pipe(Effect.provide(MarketMaker.layer({ symbol: "HIFIUSDT", quoteQuantity: Decimal.unsafeParse("2.1") })))
 * ```
 *
 * @since 0.1.0
 */
import { BigDecimal, Context, Duration, Effect, Exit, Layer, Metric, Option, Queue, Random, Stream } from "effect"

import * as Decimal from "../exchange/Decimal.ts"
import type { ExchangeError } from "../exchange/ExchangeError.ts"
import type { Fill, Instrument, Order, OrderStatus, OrderUpdate, Quote, Side } from "../exchange/Model.ts"
import { PrivateExchange } from "../exchange/PrivateExchange.ts"
import { PublicExchange } from "../exchange/PublicExchange.ts"
import { Lifecycle } from "../lifecycle/index.ts"
import * as MarketMakerMetrics from "./MarketMakerMetrics.ts"
import {
  BelowMinimum,
  FillTimeout,
  fromExchange,
  MarketMakerError,
  NotTradable,
  TooManyRejections
} from "./MarketMakerError.ts"

/** How to run the market maker. */
export interface MarketMakerOptions {
  readonly symbol: string
  /** Amount of the quote asset each cycle buys with (e.g. 2.1 USDT). Must be positive. */
  readonly quoteQuantity: Decimal.Decimal
  /**
   * Longest one leg (the buy, or the sell) waits for its fill, re-quotes included. Past it the
   * resting order is canceled and the cycle fails with `FillTimeout` (a buy that filled partly
   * still sells what it got). Default 60 s.
   */
  readonly fillTimeout?: Duration.Input | undefined
  /** Budget of the finalizer that cancels and confirms what is still open. Default 5 s. */
  readonly stopBudget?: Duration.Input | undefined
  /** Post-only rejections in a row after which a leg gives up with `TooManyRejections`. Default 20. */
  readonly maxRejections?: number | undefined
  /** How long to wait for a filled order's fills (they carry the fees) after its final update. Default 2 s. */
  readonly feeWait?: Duration.Input | undefined
}

/** Why an order stopped resting. */
export type OrderEnd =
  | "filled"
  /** Canceled because the touch moved away (the cycle quoted again). */
  | "requote"
  /** Canceled at the fill timeout. */
  | "timeout"
  /** Post-only order rejected: it would have crossed. */
  | "rejected"
  /** Ended by the venue (canceled or rejected without our asking). */
  | "venue"
  /** Canceled by the strategy's finalizer at shutdown. */
  | "shutdown"
  /** Still open or unresolved. */
  | "open"

/** One order of a cycle, as the summary shows it. Times in milliseconds. */
export interface OrderRecord {
  readonly clientOrderId: string
  readonly orderId: string | undefined
  readonly side: Side
  readonly price: Decimal.Decimal
  readonly quantity: Decimal.Decimal
  /** The venue's last known status; `undefined` when the placement's outcome is not known. */
  readonly status: OrderStatus | undefined
  readonly filledQuantity: Decimal.Decimal
  readonly filledQuoteQuantity: Decimal.Decimal
  /** Average fill price, when anything filled. */
  readonly averagePrice: Decimal.Decimal | undefined
  /** Fees charged, per asset, from the fills seen on the private stream. */
  readonly fees: ReadonlyArray<{ readonly asset: string; readonly amount: Decimal.Decimal }>
  /** From sending the request to the venue's acknowledgement. */
  readonly ackMs: number | undefined
  /** From sending the request to seeing the order completely filled. */
  readonly fillMs: number | undefined
  readonly end: OrderEnd
  /** Why the venue refused the order (post-only would cross, insufficient balance, ...), when it did. */
  readonly rejection: string | undefined
}

/** One cycle: its orders and what it earned. Amounts are exact decimals. */
export interface CycleSummary {
  /** 1 for the first cycle of this service. */
  readonly cycle: number
  readonly symbol: string
  readonly baseAsset: string
  readonly quoteAsset: string
  readonly orders: ReadonlyArray<OrderRecord>
  /** Base quantity bought and the quote spent on it. */
  readonly bought: Decimal.Decimal
  readonly boughtQuote: Decimal.Decimal
  /** Base quantity sold and the quote received. */
  readonly sold: Decimal.Decimal
  readonly soldQuote: Decimal.Decimal
  /** Fees per asset over every order of the cycle. */
  readonly fees: ReadonlyArray<{ readonly asset: string; readonly amount: Decimal.Decimal }>
  /** Base left over: bought, less fees charged in the base asset, less sold. */
  readonly unsold: Decimal.Decimal
  /**
   * The price the unsold base is valued at: the mid ((best bid + best ask) / 2) when the summary
   * was made, or, before any quote arrived, the average buy price.
   */
  readonly mark: { readonly price: Decimal.Decimal; readonly source: "mid" | "average buy" }
  /**
   * Profit in the quote asset, marked to market: quote received - quote spent - fees charged in
   * the quote asset + the unsold base valued at `mark` (fees charged in the base asset are in
   * `unsold`). Not realized until that base is sold.
   */
  readonly pnl: Decimal.Decimal
  /** Whether the cycle bought and sold to the end (false when it failed or was interrupted). */
  readonly completed: boolean
  readonly durationMs: number
}

export interface MarketMakerShape {
  readonly symbol: string
  /** Runs one buy-then-sell cycle. Fails with `MarketMakerError` (the orders are canceled first). */
  readonly runCycle: Effect.Effect<CycleSummary, MarketMakerError>
  /**
   * Checks, at the current best bid, that the configured quote amount buys at least the
   * instrument's minimums (what each cycle checks before it places anything): fails with
   * `BelowMinimum` otherwise. For a caller that wants a configuration error before any cycle.
   */
  readonly checkSize: Effect.Effect<void, MarketMakerError>
  /** The cycle running now or the last one, as far as it got (for a report after a failure). */
  readonly lastCycle: Effect.Effect<CycleSummary | undefined>
  /** Orders this strategy placed that are open, or whose placement outcome is not yet known. */
  readonly openOrders: Effect.Effect<ReadonlyArray<OrderRecord>>
}

/** The market maker. */
export class MarketMaker extends Context.Service<MarketMaker, MarketMakerShape>()("scoped-exchange/mm/MarketMaker") {}

// ---------------------------------------------------------------------------------------------
// Order tracking

interface Tracked {
  readonly clientOrderId: string
  readonly side: Side
  readonly price: Decimal.Decimal
  readonly quantity: Decimal.Decimal
  /** Latest known state (the ack, then stream updates, then the cancel's or a query's answer). */
  order: Order | undefined
  readonly fills: Map<string, Fill>
  readonly requestedAt: number
  ackAt: number | undefined
  filledAt: number | undefined
  end: OrderEnd
  rejection: string | undefined
}

type Event =
  | { readonly _tag: "Update"; readonly update: OrderUpdate }
  | { readonly _tag: "Fill"; readonly fill: Fill }
  | { readonly _tag: "Quote"; readonly quote: Quote }
  | { readonly _tag: "StreamFailed"; readonly stream: "quotes" | "orders"; readonly error: ExchangeError }

const isFinal = (order: Order | undefined): boolean => order !== undefined && !order.isOpen

const now = (): number => performance.now()

const sumAmounts = (values: Iterable<Decimal.Decimal>): Decimal.Decimal => {
  let total = Decimal.zero
  for (const v of values) total = BigDecimal.sum(total, v)
  return BigDecimal.normalize(total)
}

const feesOf = (fills: Iterable<Fill>): Map<string, Decimal.Decimal> => {
  const out = new Map<string, Decimal.Decimal>()
  for (const f of fills) out.set(f.feeAsset, BigDecimal.normalize(BigDecimal.sum(out.get(f.feeAsset) ?? Decimal.zero, f.fee)))
  return out
}

const filledOf = (t: Tracked): Decimal.Decimal => t.order?.filledQuantity ?? Decimal.zero

const toRecord = (t: Tracked): OrderRecord => ({
  clientOrderId: t.clientOrderId,
  orderId: t.order?.orderId,
  side: t.side,
  price: t.price,
  quantity: t.quantity,
  status: t.order?.status,
  filledQuantity: filledOf(t),
  filledQuoteQuantity: t.order?.filledQuoteQuantity ?? Decimal.zero,
  averagePrice: t.order?.averagePrice,
  fees: [...feesOf(t.fills.values())].map(([asset, amount]) => ({ asset, amount })),
  ackMs: t.ackAt === undefined ? undefined : t.ackAt - t.requestedAt,
  fillMs: t.filledAt === undefined ? undefined : t.filledAt - t.requestedAt,
  end: t.end,
  rejection: t.rejection
})

/** Whether `update` is at least as far along as what we know (streams and REST may interleave). */
const isNewer = (known: Order | undefined, next: Order): boolean => {
  if (known === undefined) return true
  if (isFinal(known)) return false
  const cmp = BigDecimal.Order(next.filledQuantity, known.filledQuantity)
  return cmp > 0 || (cmp === 0 && (isFinal(next) || next.status === known.status || known.status === "NEW"))
}

// ---------------------------------------------------------------------------------------------
// The leg state machine

type LegState =
  | { readonly _tag: "Quoting" }
  | { readonly _tag: "Resting"; readonly tracked: Tracked }
  | { readonly _tag: "Cancelling"; readonly tracked: Tracked; readonly because: "requote" | "timeout" }
  | { readonly _tag: "Done"; readonly timedOut: boolean }

interface Leg {
  readonly side: Side
  readonly target: Decimal.Decimal
  /** This leg's orders (also appended to the cycle's list). */
  readonly orders: Array<Tracked>
  readonly cycleOrders: Array<Tracked>
  readonly deadline: number
  rejections: number
  timedOut: boolean
}

const legFilled = (leg: Leg): Decimal.Decimal => sumAmounts(leg.orders.map(filledOf))

/** Builds the market maker in the current scope. */
export const make = Effect.fnUntraced(function*(options: MarketMakerOptions) {
  const pub = yield* PublicExchange
  const priv = yield* PrivateExchange
  const symbol = options.symbol
  const fail = fromExchange(symbol)
  const fillTimeoutMs = Duration.toMillis(Duration.fromInputUnsafe(options.fillTimeout ?? Duration.seconds(60)))
  const stopBudget = Duration.fromInputUnsafe(options.stopBudget ?? Duration.seconds(5))
  const maxRejections = options.maxRejections ?? 20
  const feeWaitMs = Duration.toMillis(Duration.fromInputUnsafe(options.feeWait ?? Duration.seconds(2)))
  if (!BigDecimal.isPositive(options.quoteQuantity)) {
    return yield* new MarketMakerError({
      symbol,
      reason: new BelowMinimum({ symbol, detail: `the quote quantity must be positive (got ${Decimal.format(options.quoteQuantity)})` })
    })
  }

  // Asked of the venue before anything is subscribed: an unknown symbol fails here.
  const instrument = yield* pub.instrument(symbol).pipe(Effect.mapError(fail))
  const tradable = checkTradable(instrument)
  if (tradable !== undefined) return yield* new MarketMakerError({ symbol, reason: tradable })

  // Every order this strategy placed, by client order id; `owned` holds those not known final.
  const tracked = new Map<string, Tracked>()
  const owned = new Map<string, Tracked>()
  const idPrefix = `mm${(yield* Random.nextIntBetween(0, 36 ** 6)).toString(36)}`
  let idCounter = 0
  let latestQuote: Quote | undefined
  let quotesFailed: ExchangeError | undefined

  // One queue of everything the legs wait on. The private streams are subscribed here, before any
  // order is placed (they carry what happens after they start); the public quotes too.
  const events = yield* Queue.unbounded<Event>()
  const feed = <A>(stream: Stream.Stream<A, ExchangeError>, name: "quotes" | "orders", wrap: (a: A) => Event) =>
    stream.pipe(
      Stream.runForEachArray((batch) => Queue.offerAll(events, batch.map(wrap))),
      Effect.catch((error) => Queue.offer(events, { _tag: "StreamFailed", stream: name, error })),
      Effect.forkScoped
    )
  yield* feed(priv.orderUpdates, "orders", (update) => ({ _tag: "Update", update }))
  yield* feed(priv.fills, "orders", (fill) => ({ _tag: "Fill", fill }))
  yield* feed(pub.quotes(symbol), "quotes", (quote) => ({ _tag: "Quote", quote }))

  const apply = (event: Event): Effect.Effect<void> => {
    switch (event._tag) {
      case "Quote":
        latestQuote = event.quote
        return Effect.void
      case "Update": {
        const t = tracked.get(event.update.order.clientOrderId)
        if (t !== undefined) applyOrder(t, event.update.order)
        return Effect.void
      }
      case "Fill": {
        const t = tracked.get(event.fill.clientOrderId)
        if (t !== undefined) t.fills.set(event.fill.tradeId, event.fill)
        return Effect.void
      }
      case "StreamFailed":
        if (event.stream === "quotes") quotesFailed = event.error
        return Effect.logWarning(`${event.stream} stream failed: ${event.error.message}`)
    }
  }
  const applyOrder = (t: Tracked, order: Order) => {
    if (!isNewer(t.order, order)) return
    t.order = order
    if (t.filledAt === undefined && order.status === "FILLED") t.filledAt = now()
    if (isFinal(order)) owned.delete(t.clientOrderId)
  }
  const applyAll = (batch: ReadonlyArray<Event>) => Effect.forEach(batch, apply, { discard: true })
  /** Applies whatever is queued, without waiting. */
  const drain = Effect.flatMap(Queue.clear(events), applyAll)
  /** Waits up to `ms` for events and applies them; false when nothing came. */
  const awaitEvents = (ms: number): Effect.Effect<boolean> =>
    Queue.takeAll(events).pipe(
      Effect.timeoutOption(Duration.millis(Math.max(0, ms))),
      Effect.flatMap(Option.match({ onNone: () => Effect.succeed(false), onSome: (batch) => Effect.as(applyAll(batch), true) }))
    )

  const quotesFailure = () =>
    quotesFailed === undefined ? Effect.void : Effect.fail(fail(quotesFailed))

  /** The current touch, waiting for a first quote until `deadline`. */
  const touch = (side: Side, deadline: number): Effect.Effect<Quote, MarketMakerError> =>
    Effect.gen(function*() {
      yield* drain
      while (latestQuote === undefined) {
        yield* quotesFailure()
        const left = deadline - now()
        if (left <= 0 || !(yield* awaitEvents(left))) {
          if (latestQuote !== undefined) break
          return yield* new MarketMakerError({
            symbol,
            reason: new FillTimeout({ symbol, side, timeoutMs: fillTimeoutMs, filled: "0" })
          })
        }
      }
      yield* quotesFailure()
      return latestQuote
    })

  const priceOf = (side: Side, quote: Quote): Decimal.Decimal => side === "BUY" ? quote.bidPrice : quote.askPrice

  /** `undefined` when `quantity` at `price` meets the instrument's minimums, else which one it misses. */
  const sizeProblem = (quantity: Decimal.Decimal, price: Decimal.Decimal): string | undefined => {
    if (BigDecimal.isLessThan(quantity, instrument.minQuantity) || BigDecimal.isZero(quantity)) {
      return `below the minimum quantity ${Decimal.format(instrument.minQuantity)} ${instrument.baseAsset}`
    }
    const notional = BigDecimal.multiply(quantity, price)
    if (BigDecimal.isLessThan(notional, instrument.minNotional)) {
      return `a notional of ${Decimal.format(notional)} ${instrument.quoteAsset}, below the minimum ${Decimal.format(instrument.minNotional)} ${instrument.quoteAsset}`
    }
    return undefined
  }

  /**
   * Cancels `t` and returns once the venue says it is final. An order that filled before the
   * cancel arrived answers "unknown order": its final state is then asked for.
   */
  const cancelConfirmed = (t: Tracked): Effect.Effect<void, ExchangeError> =>
    Effect.gen(function*() {
      const ref = { symbol, clientOrderId: t.clientOrderId }
      const answer = yield* priv.cancelOrder(ref).pipe(
        Effect.catchIf(
          (e) => e.reason._tag === "UnknownOrder",
          () => priv.queryOrder(ref)
        )
      )
      applyOrder(t, answer)
      // A cancel answered while the venue still lists the order open: ask until it is final.
      let attempts = 0
      while (!isFinal(t.order) && attempts < 10) {
        attempts++
        applyOrder(t, yield* priv.queryOrder(ref))
      }
      yield* drain
    }).pipe(
      Effect.catchIf(
        // Never placed (its placement failed for good): nothing to cancel.
        (e) => e.reason._tag === "UnknownOrder" && t.order === undefined,
        () => Effect.sync(() => owned.delete(t.clientOrderId))
      )
    )

  // --- metrics -----------------------------------------------------------------------------------
  /** Adds `n` to an order metric of this symbol and `side`. */
  const record = (metric: Metric.Metric<number, unknown>, side: Side, n = 1) =>
    Metric.update(Metric.withAttributes(metric, { symbol, side }), n)
  /** Counts a confirmed end of `t` after a cancel: filled before it arrived, or canceled. */
  const recordCancelEnd = (t: Tracked) =>
    t.order === undefined
      ? Effect.void // never placed: nothing ended
      : record(t.order.status === "FILLED" ? MarketMakerMetrics.ordersFilled : MarketMakerMetrics.ordersCanceled, t.side)

  // --- the leg's states -------------------------------------------------------------------------

  const quoting = (leg: Leg): Effect.Effect<LegState, MarketMakerError> =>
    Effect.gen(function*() {
      const quote = yield* touch(leg.side, leg.deadline)
      const price = priceOf(leg.side, quote)
      const remaining = BigDecimal.subtract(leg.target, legFilled(leg))
      const quantity = Decimal.roundToStep(remaining, instrument.lotSize, "down")
      if (!BigDecimal.isPositive(quantity) || sizeProblem(quantity, price) !== undefined) {
        return { _tag: "Done", timedOut: false } as const
      }
      const t: Tracked = {
        clientOrderId: `${idPrefix}-${++idCounter}`,
        side: leg.side,
        price,
        quantity,
        order: undefined,
        fills: new Map(),
        requestedAt: now(),
        ackAt: undefined,
        filledAt: undefined,
        end: "open",
        rejection: undefined
      }
      tracked.set(t.clientOrderId, t)
      owned.set(t.clientOrderId, t)
      leg.orders.push(t)
      leg.cycleOrders.push(t)
      // Not interruptible half-way: an interrupted request would leave an order we may not know.
      const placed = yield* priv.placeOrder({
        symbol,
        side: leg.side,
        type: "LIMIT_MAKER",
        price,
        quantity,
        clientOrderId: t.clientOrderId
      }).pipe(Effect.uninterruptible, Effect.exit)
      if (Exit.isFailure(placed)) {
        const error = Exit.findErrorOption(placed)
        if (Option.isSome(error) && isPostOnlyRejection(error.value)) {
          t.end = "rejected"
          t.rejection = error.value.reason.message
          owned.delete(t.clientOrderId)
          yield* record(MarketMakerMetrics.ordersRejected, leg.side)
          return yield* rejected(leg, error.value.message)
        }
        if (Option.isSome(error) && isRefusal(error.value)) {
          // Refused outright: nothing was placed. It stays owned, so the finalizer's check by
          // client order id confirms that.
          t.end = "rejected"
          t.rejection = error.value.reason.message
        }
        // Unknown outcome or a refusal: the finalizer still checks this client order id.
        return yield* Effect.failCause(placed.cause).pipe(Effect.mapError(fail))
      }
      t.ackAt = now()
      applyOrder(t, placed.value)
      yield* record(MarketMakerMetrics.ordersPlaced, leg.side)
      yield* record(MarketMakerMetrics.orderAckTime, leg.side, t.ackAt - t.requestedAt)
      yield* Effect.logInfo(
        `${leg.side} ${Decimal.format(quantity)} ${symbol} @ ${Decimal.format(price)} placed (${placed.value.orderId}, ack ${Math.round(t.ackAt - t.requestedAt)} ms)`
      )
      return { _tag: "Resting", tracked: t } as const
    })

  const rejected = (leg: Leg, detail: string): Effect.Effect<LegState, MarketMakerError> =>
    Effect.gen(function*() {
      leg.rejections++
      if (leg.rejections >= maxRejections) {
        return yield* new MarketMakerError({
          symbol,
          reason: new TooManyRejections({ symbol, side: leg.side, count: leg.rejections, detail })
        })
      }
      yield* Effect.logInfo(`${leg.side} post-only order would have crossed; quoting again at the next touch`)
      // Wait for the book to move (or the deadline), then quote again.
      const before = latestQuote
      while (latestQuote === before && now() < leg.deadline) {
        yield* quotesFailure()
        yield* awaitEvents(leg.deadline - now())
      }
      return { _tag: "Quoting" } as const
    })

  const resting = (leg: Leg, t: Tracked): Effect.Effect<LegState, MarketMakerError> =>
    Effect.gen(function*() {
      while (true) {
        yield* drain
        if (isFinal(t.order)) {
          const order = t.order!
          if (order.status === "FILLED") {
            t.end = "filled"
            yield* record(MarketMakerMetrics.ordersFilled, t.side)
            yield* Effect.logInfo(`${t.side} ${order.orderId} filled ${Decimal.format(order.filledQuantity)} @ ${fmtAvg(order)}`)
          } else {
            t.end = "venue"
            if (BigDecimal.isZero(order.filledQuantity)) {
              // Canceled or rejected by the venue without a fill: treat like a post-only rejection.
              return yield* rejected(leg, `order ${order.orderId} ended ${order.status}`)
            }
          }
          return { _tag: "Quoting" } as const
        }
        yield* quotesFailure()
        if (latestQuote !== undefined && !BigDecimal.equals(priceOf(t.side, latestQuote), t.price)) {
          return { _tag: "Cancelling", tracked: t, because: "requote" } as const
        }
        const left = leg.deadline - now()
        if (left <= 0) return { _tag: "Cancelling", tracked: t, because: "timeout" } as const
        yield* awaitEvents(left)
      }
    })

  const cancelling = (leg: Leg, t: Tracked, because: "requote" | "timeout"): Effect.Effect<LegState, MarketMakerError> =>
    Effect.gen(function*() {
      const touchNow = latestQuote === undefined ? "?" : Decimal.format(priceOf(t.side, latestQuote))
      yield* cancelConfirmed(t).pipe(Effect.mapError(fail))
      yield* recordCancelEnd(t)
      const order = t.order
      const filled = order?.status === "FILLED"
      t.end = filled ? "filled" : because
      yield* Effect.logInfo(
        filled
          ? `${t.side} ${order!.orderId} filled before its cancel (${Decimal.format(order!.filledQuantity)} @ ${fmtAvg(order!)})`
          : because === "requote"
          ? `${t.side} ${order?.orderId ?? t.clientOrderId} canceled (touch moved ${Decimal.format(t.price)} -> ${touchNow}, filled ${Decimal.format(filledOf(t))}); quoting again`
          : `${t.side} ${order?.orderId ?? t.clientOrderId} canceled at the fill timeout (filled ${Decimal.format(filledOf(t))})`
      )
      if (because === "timeout" && !filled) {
        leg.timedOut = true
        return { _tag: "Done", timedOut: true } as const
      }
      return { _tag: "Quoting" } as const
    })

  const runLeg = (side: Side, target: Decimal.Decimal, cycleOrders: Array<Tracked>): Effect.Effect<Leg, MarketMakerError> =>
    Effect.gen(function*() {
      const leg: Leg = { side, target, orders: [], cycleOrders, deadline: now() + fillTimeoutMs, rejections: 0, timedOut: false }
      let state: LegState = { _tag: "Quoting" }
      while (state._tag !== "Done") {
        switch (state._tag) {
          case "Quoting":
            state = yield* quoting(leg)
            break
          case "Resting":
            state = yield* resting(leg, state.tracked)
            break
          case "Cancelling":
            state = yield* cancelling(leg, state.tracked, state.because)
            break
        }
      }
      return leg
    })

  /** Waits (bounded) until the fills of every filled order are in: they carry the fees. */
  const awaitFees = (orders: ReadonlyArray<Tracked>) =>
    Effect.gen(function*() {
      const deadline = now() + feeWaitMs
      const missing = () =>
        orders.some((t) => BigDecimal.isLessThan(sumAmounts([...t.fills.values()].map((f) => f.quantity)), filledOf(t)))
      yield* drain
      while (missing() && now() < deadline) yield* awaitEvents(deadline - now())
      if (missing()) yield* Effect.logWarning("some fills (and their fees) did not arrive on the private stream in time")
    })

  let cycles = 0
  let current: { readonly cycle: number; readonly startedAt: number; readonly orders: Array<Tracked>; completed: boolean } | undefined

  const summarize = (c: NonNullable<typeof current>): CycleSummary => {
    const buys = c.orders.filter((t) => t.side === "BUY")
    const sells = c.orders.filter((t) => t.side === "SELL")
    const bought = sumAmounts(buys.map(filledOf))
    const boughtQuote = sumAmounts(buys.map((t) => t.order?.filledQuoteQuantity ?? Decimal.zero))
    const sold = sumAmounts(sells.map(filledOf))
    const soldQuote = sumAmounts(sells.map((t) => t.order?.filledQuoteQuantity ?? Decimal.zero))
    const fees = feesOf(c.orders.flatMap((t) => [...t.fills.values()]))
    const baseFees = fees.get(instrument.baseAsset) ?? Decimal.zero
    const quoteFees = fees.get(instrument.quoteAsset) ?? Decimal.zero
    const unsold = BigDecimal.normalize(BigDecimal.subtract(BigDecimal.subtract(bought, baseFees), sold))
    const avgBuy = BigDecimal.isZero(bought) ? Decimal.zero : BigDecimal.divideUnsafe(boughtQuote, bought)
    const mark = latestQuote === undefined
      ? { price: Decimal.roundToStep(avgBuy, Decimal.stepOfPlaces(12), "nearest"), source: "average buy" as const }
      : {
        price: BigDecimal.normalize(BigDecimal.divideUnsafe(BigDecimal.sum(latestQuote.bidPrice, latestQuote.askPrice), BigDecimal.fromNumberUnsafe(2))),
        source: "mid" as const
      }
    const pnl = BigDecimal.normalize(
      BigDecimal.sum(BigDecimal.subtract(BigDecimal.subtract(soldQuote, boughtQuote), quoteFees), BigDecimal.multiply(unsold, mark.price))
    )
    return {
      cycle: c.cycle,
      symbol,
      baseAsset: instrument.baseAsset,
      quoteAsset: instrument.quoteAsset,
      orders: c.orders.map(toRecord),
      bought,
      boughtQuote,
      sold,
      soldQuote,
      fees: [...fees].map(([asset, amount]) => ({ asset, amount })),
      unsold,
      mark,
      pnl: Decimal.roundToStep(pnl, Decimal.stepOfPlaces(12), "nearest"),
      completed: c.completed,
      durationMs: now() - c.startedAt
    }
  }

  /** The base quantity the quote amount buys at the current best bid, checked against the minimums. */
  const sizedTarget = Effect.fnUntraced(function*() {
    const quote = yield* touch("BUY", now() + fillTimeoutMs)
    const bid = quote.bidPrice
    const target = Decimal.roundToStep(BigDecimal.divideUnsafe(options.quoteQuantity, bid), instrument.lotSize, "down")
    const problem = sizeProblem(target, bid)
    if (problem !== undefined) {
      return yield* new MarketMakerError({
        symbol,
        reason: new BelowMinimum({
          symbol,
          detail: `${Decimal.format(options.quoteQuantity)} ${instrument.quoteAsset} at ${Decimal.format(bid)} buys ${Decimal.format(target)} ${instrument.baseAsset}: ${problem}`
        })
      })
    }
    return target
  })

  const runCycle = Effect.fn("MarketMaker.runCycle")(function*() {
    const c = { cycle: ++cycles, startedAt: now(), orders: [] as Array<Tracked>, completed: false }
    current = c
    yield* Effect.annotateCurrentSpan({ symbol, cycle: c.cycle })
    const target = yield* sizedTarget()
    const buy = yield* runLeg("BUY", target, c.orders)
    const buyOrders = buy.orders
    yield* awaitFees(buyOrders)
    const bought = legFilled(buy)
    if (BigDecimal.isZero(bought)) {
      return yield* new MarketMakerError({
        symbol,
        reason: new FillTimeout({ symbol, side: "BUY", timeoutMs: fillTimeoutMs, filled: "0" })
      })
    }
    const baseFees = feesOf(buyOrders.flatMap((t) => [...t.fills.values()])).get(instrument.baseAsset) ?? Decimal.zero
    const toSell = Decimal.roundToStep(BigDecimal.subtract(bought, baseFees), instrument.lotSize, "down")
    const sellQuote = yield* touch("SELL", now() + fillTimeoutMs)
    const sellProblem = sizeProblem(toSell, sellQuote.askPrice)
    if (sellProblem !== undefined) {
      yield* Effect.logWarning(`not selling ${Decimal.format(toSell)} ${instrument.baseAsset} at ${Decimal.format(sellQuote.askPrice)}: ${sellProblem}`)
    } else {
      const sell = yield* runLeg("SELL", toSell, c.orders)
      yield* awaitFees(sell.orders)
      if (sell.timedOut) {
        return yield* new MarketMakerError({
          symbol,
          reason: new FillTimeout({ symbol, side: "SELL", timeoutMs: fillTimeoutMs, filled: Decimal.format(legFilled(sell)) })
        })
      }
    }
    c.completed = true
    const summary = summarize(c)
    yield* Effect.annotateCurrentSpan({ "mm.orders": summary.orders.length, "mm.pnl": Decimal.format(summary.pnl) })
    return summary
  }, (effect) =>
    Effect.onExit(effect, (exit) =>
      Effect.suspend(() => {
        const c = current
        if (c === undefined) return Effect.void
        const attributes = { symbol, outcome: Exit.isSuccess(exit) ? "completed" : "failed" }
        return Effect.andThen(
          Metric.update(Metric.withAttributes(MarketMakerMetrics.cycles, attributes), 1),
          Metric.update(Metric.withAttributes(MarketMakerMetrics.cycleTime, attributes), now() - c.startedAt)
        )
      })))

  // The strategy's finalizer: registered last, so it runs first when this scope closes, while the
  // streams and the exchanges below are still up.
  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      const open = [...owned.values()]
      if (open.length === 0) return
      yield* Effect.logInfo(`canceling ${open.length} open order(s) on ${symbol}`)
      yield* Effect.forEach(open, (t) =>
        cancelConfirmed(t).pipe(
          Effect.tap(() => {
            if (t.end === "open") t.end = t.order?.status === "FILLED" ? "filled" : "shutdown"
            return Effect.andThen(recordCancelEnd(t), Effect.logInfo(
              `order ${t.order?.orderId ?? "(not placed)"} (${t.clientOrderId}) ${t.order?.status ?? "never placed"}, filled ${Decimal.format(filledOf(t))}`
            ))
          }),
          Effect.catch((error) =>
            Effect.logWarning(`order ${t.order?.orderId ?? "?"} (${t.clientOrderId}): cancel not confirmed: ${error.message}`)
          )
        ), { concurrency: "unbounded", discard: true }).pipe(
        Effect.timeoutOption(stopBudget),
        Effect.flatMap(Option.match({
          onSome: () => Effect.void,
          onNone: () =>
            Effect.logWarning(
              `cancellation of ${[...owned.keys()].join(", ")} not confirmed within ${Duration.format(stopBudget)}`
            )
        }))
      )
    })
  )

  return MarketMaker.of({
    symbol,
    runCycle: runCycle(),
    checkSize: Effect.asVoid(sizedTarget()).pipe(Effect.withSpan("MarketMaker.checkSize")),
    lastCycle: Effect.sync(() => current === undefined ? undefined : summarize(current)),
    openOrders: Effect.sync(() => [...owned.values()].map(toRecord))
  })
})

const fmtAvg = (order: Order): string => {
  const avg = order.averagePrice
  return avg === undefined ? "-" : Decimal.format(Decimal.roundToStep(avg, Decimal.stepOfPlaces(12), "nearest"))
}

/** The venue refused the order outright (no outcome to resolve): balance, filters, other 4xx. */
const isRefusal = (error: ExchangeError): boolean =>
  error.reason._tag === "InsufficientBalance" || error.reason._tag === "FilterRejected" ||
  error.reason._tag === "Rejected" || error.reason._tag === "InvalidSymbol"

const isPostOnlyRejection = (error: ExchangeError): boolean =>
  error.reason._tag === "FilterRejected" && error.reason.filter === "postOnly"

const checkTradable = (instrument: Instrument): NotTradable | undefined => {
  if (instrument.status !== "TRADING") {
    return new NotTradable({ symbol: instrument.symbol, detail: `status ${instrument.status}` })
  }
  if (!instrument.orderTypes.includes("LIMIT_MAKER")) {
    return new NotTradable({ symbol: instrument.symbol, detail: "the venue does not accept LIMIT_MAKER (post-only) orders on it" })
  }
  return undefined
}

/**
 * The market maker as a lifecycle component (`mm`): built on the `PublicExchange` and
 * `PrivateExchange` it is given, released (its orders canceled and confirmed) before them.
 */
export const layer = (options: MarketMakerOptions): Layer.Layer<MarketMaker, MarketMakerError, PublicExchange | PrivateExchange> =>
  Layer.effect(MarketMaker, make(options)).pipe(
    Lifecycle.component({
      name: "mm",
      // The component's budget leaves room past the finalizer's own, so it reports what it could not confirm.
      stopBudget: Duration.sum(Duration.fromInputUnsafe(options.stopBudget ?? Duration.seconds(5)), Duration.seconds(1))
    })
  )

