/**
 * Two-venue arbitrage on one instrument, speaking only the `PublicExchange` / `PrivateExchange`
 * shapes of two venues ({@link ArbVenues}). The instrument is matched on each venue by its
 * canonical key (base/quote), never by the venue's spelling of the symbol.
 *
 * One attempt at a time, as a state machine with a deadline on every state that waits:
 *
 * ```
 * Idle -> Checking -> Submitting -> Complete ----------------------> Cooldown -> Idle
 *                                -> OneLegged -> Unwinding -------> Cooldown -> Idle
 * ```
 *
 * - **Checking** (on each book update, synchronous): both books fresh (age, version going
 *   forward), both private streams up, no order of ours unresolved (so the counted balances
 *   include every own fill); both directions evaluated ({@link Detect.evaluate}: VWAP for profit,
 *   worst level plus a bounded buffer as the IOC limit, both venues' fees, rules of both venues);
 *   hysteresis; the position imbalance after a worst case within `maxImbalance`; balances
 *   reserved on both venues; the order budget reserved on both venues for both legs and one
 *   unwind each. Anything short: counted as skipped, nothing sent.
 * - **Submitting** (deadline `legTimeout`): both IOC legs sent at once, each with its client order
 *   id. A leg's answer that is lost (`Unavailable`, or no answer by the deadline) is resolved by
 *   asking the venue for that client order id, again until the deadline; it is never sent twice.
 *   An acknowledged leg still open is awaited on the private stream, then queried, then canceled.
 * - **Complete**: both legs filled the same quantity (or neither filled).
 * - **OneLegged -> Unwinding** (deadline `unwindTimeout`): the whole position imbalance is
 *   flattened with IOC orders at most `unwindSlippageBps` through the best price, on whichever
 *   venue has the better price and the balance (unwinding on the filled venue, or hedging on the
 *   other); a remainder below every venue's minimum is carried as dust; the loss is recorded.
 * - **Cooldown** (`cooldown`): then Idle.
 *
 * Risk: kill switches stop new attempts (the one in flight finishes): `maxOneLegged` one-legged
 * attempts, a loss of `maxLoss` (quote asset, inventory marked at the mid), a venue stale for
 * `staleVenueAfter` or whose private stream failed, `max429` rate-limit refusals, an imbalance
 * over `maxImbalance` left after an unwind.
 *
 * Shutdown: the strategy is a lifecycle component above both venues. On close it finishes (or,
 * past its budget, interrupts) the attempt in flight, cancels every order of its own still open
 * or unresolved on either venue, confirms over REST that none is left, resolves what it can by
 * client order id, and reports the net position per venue ({@link StopReport}).
 *
 * @since 0.1.0
 */
import { BigDecimal, Clock, Context, Deferred, Duration, Effect, Exit, Fiber, Layer, Metric, Option, Queue, Random, Result, Scope, Stream, type Tracer } from "effect"
import * as Decimal from "../exchange/Decimal.ts"
import { instrumentKey, type Order } from "../exchange/Model.ts"
import { SlidingWindow } from "../ratelimit/SlidingWindow.ts"
import { Lifecycle } from "../lifecycle/index.ts"
import { ArbitrageError, fromExchange, InstrumentNotListed, InvalidOptions, NotTradable, VenuesInvalid } from "./ArbitrageError.ts"
import * as Metrics from "./ArbitrageMetrics.ts"
import { ArbVenues } from "./ArbVenues.ts"
import * as Detect from "./Detect.ts"
import * as Legs from "./internal/Legs.ts"
import { abs, add, isFinal, millis, mul, type Runtime, sub, type Trigger, two } from "./internal/Runtime.ts"
import { isDust, unwindVenue } from "./internal/Unwind.ts"
import { feeInQuote, filledOf, filledQuoteOf, type OwnOrder, VenueLedger } from "./Ledger.ts"
import type { AttemptOutcome, AttemptRecord, LegRecord, RunOptions, RunSummary, State, StopReport } from "./Records.ts"

export type {
  AttemptOutcome,
  AttemptRecord,
  LegOutcome,
  LegRecord,
  LegRole,
  RunOptions,
  RunSummary,
  State,
  StopReport,
  VenuePosition
} from "./Records.ts"

/** How to run the arbitrage. Durations accept `Duration.Input` ("3 seconds", millis as a number). */
export interface ArbitrageOptions {
  /** Canonical instrument key: base and quote asset (e.g. HIFI, USDT). */
  readonly base: string
  readonly quote: string
  /** Base quantity of each leg; rounded down to both venues' lot sizes. */
  readonly size: Decimal.Decimal
  /** Smallest net edge after both fees, in bps of the buy notional. Default 10. */
  readonly minProfitBps?: number | undefined
  /** Smallest net profit per attempt, quote asset. Default: none (only `minProfitBps`). */
  readonly minProfitAbs?: Decimal.Decimal | undefined
  /** Hysteresis around `minProfitBps`, in bps (see {@link Detect.Hysteresis}). Default 2. */
  readonly hysteresisBps?: number | undefined
  /** IOC limit = worst level of the size plus this many bps. Default 5. */
  readonly limitBufferBps?: number | undefined
  /** Taker fee rate per venue name, overriding the instrument's (fraction: 0.001 = 0.1%). */
  readonly takerFeeRates?: Readonly<Record<string, Decimal.Decimal>> | undefined
  /** Oldest book an attempt may use. Default 2 s. */
  readonly maxBookAge?: Duration.Input | undefined
  /** Deadline of Submitting: both legs final (answers lost included). Default 3 s. */
  readonly legTimeout?: Duration.Input | undefined
  /** Deadline of Unwinding. Default 4 s. */
  readonly unwindTimeout?: Duration.Input | undefined
  /** How far past the best price an unwind IOC may go, in bps. Default 50. */
  readonly unwindSlippageBps?: number | undefined
  /** Unwind orders per one-legged attempt at most. Default 3. */
  readonly unwindTries?: number | undefined
  /** Pause after each attempt. Default 250 ms. */
  readonly cooldown?: Duration.Input | undefined
  /** Orders the strategy sends per venue per second at most (its own budget). Default 5. */
  readonly ordersPerSecond?: number | undefined
  /** Largest |base bought - base sold| over both venues. Default 2 x size. */
  readonly maxImbalance?: Decimal.Decimal | undefined
  /** Kill switch: one-legged attempts. Default 3. */
  readonly maxOneLegged?: number | undefined
  /** Kill switch: loss in the quote asset, inventory marked at the mid. Default 10. */
  readonly maxLoss?: Decimal.Decimal | undefined
  /** Kill switch: rate-limit refusals (HTTP 429) of our orders. Default 3. */
  readonly max429?: number | undefined
  /** Kill switch: a venue whose book has not updated for this long. Default 10 s. */
  readonly staleVenueAfter?: Duration.Input | undefined
  /** Budget of the shutdown: finish the attempt in flight, cancel, confirm, report. Default 10 s. */
  readonly stopBudget?: Duration.Input | undefined
}

export interface ArbitrageShape {
  /** The venues' symbols, in venue order. */
  readonly symbols: ReadonlyArray<{ readonly venue: string; readonly symbol: string }>
  /** Runs until the attempts or duration are done, or a kill switch trips. */
  readonly run: (options?: RunOptions) => Effect.Effect<RunSummary>
  /** The summary so far. */
  readonly summary: Effect.Effect<RunSummary>
  readonly attempts: Effect.Effect<ReadonlyArray<AttemptRecord>>
  readonly state: Effect.Effect<State>
  /** Set once the shutdown ran. */
  readonly stopReport: Effect.Effect<StopReport | undefined>
}

/** The arbitrage strategy. */
export class Arbitrage extends Context.Service<Arbitrage, ArbitrageShape>()("scoped-exchange/arb/Arbitrage") {}

// ---------------------------------------------------------------------------------------------

const invalid = (detail: string) => new ArbitrageError({ reason: new InvalidOptions({ detail }) })

/** Builds the strategy in the current scope. */
export const make = Effect.fnUntraced(function*(options: ArbitrageOptions) {
  const { venues } = yield* ArbVenues
  // Elapsed time on the fiber's clock (monotonic): book ages and deadlines follow a TestClock in tests.
  const clock = yield* Clock.Clock
  const now = (): number => Number(clock.monotonicTimeNanosUnsafe()) / 1e6
  const minProfitBps = options.minProfitBps ?? 10
  const hysteresisBps = options.hysteresisBps ?? 2
  const limitBufferBps = options.limitBufferBps ?? 5
  const maxBookAgeMs = millis(options.maxBookAge ?? "2 seconds")
  const legTimeoutMs = millis(options.legTimeout ?? "3 seconds")
  const unwindTimeoutMs = millis(options.unwindTimeout ?? "4 seconds")
  const unwindSlippageBps = options.unwindSlippageBps ?? 50
  const unwindTries = options.unwindTries ?? 3
  const cooldown = Duration.fromInputUnsafe(options.cooldown ?? "250 millis")
  const ordersPerSecond = options.ordersPerSecond ?? 5
  const maxOneLegged = options.maxOneLegged ?? 3
  const maxLoss = options.maxLoss ?? Decimal.unsafeParse("10")
  const max429 = options.max429 ?? 3
  const staleVenueAfterMs = millis(options.staleVenueAfter ?? "10 seconds")
  const stopBudget = Duration.fromInputUnsafe(options.stopBudget ?? "10 seconds")
  for (const [name, value] of [["minProfitBps", minProfitBps], ["hysteresisBps", hysteresisBps], ["limitBufferBps", limitBufferBps], ["unwindSlippageBps", unwindSlippageBps]] as const) {
    if (!Number.isFinite(value) || (name !== "minProfitBps" && value < 0)) return yield* invalid(`${name} must be a finite number${name === "minProfitBps" ? "" : " >= 0"} (got ${value})`)
  }
  if (!BigDecimal.isPositive(options.size)) return yield* invalid(`the size must be positive (got ${Decimal.format(options.size)})`)
  if (ordersPerSecond < 2) return yield* invalid(`ordersPerSecond must be at least 2: a leg and an unwind (got ${ordersPerSecond})`)
  if (unwindTries < 1) return yield* invalid(`unwindTries must be at least 1 (got ${unwindTries})`)

  const names = venues.map((v) => v.name ?? v.public.venue)
  if (names[0] === names[1]) {
    return yield* new ArbitrageError({ reason: new VenuesInvalid({ detail: `the two venues must differ (both are ${names[0]})` }) })
  }

  // --- start-up: the instrument on each venue by base/quote, and the balances we start from ---
  const runtimes: Array<Runtime> = []
  const key = instrumentKey(options.base, options.quote)
  for (const [index, venue] of venues.entries()) {
    const name = names[index]!
    const listed = yield* venue.public.instruments.pipe(Effect.mapError(fromExchange))
    const instrument = listed.find((i) => i.key === key)
    if (instrument === undefined) {
      return yield* new ArbitrageError({ reason: new InstrumentNotListed({ venue: name, base: options.base, quote: options.quote }) })
    }
    if (instrument.status !== "TRADING") {
      return yield* new ArbitrageError({ reason: new NotTradable({ venue: name, symbol: instrument.symbol, detail: `status ${instrument.status}` }) })
    }
    if (!instrument.orderTypes.includes("LIMIT")) {
      return yield* new ArbitrageError({ reason: new NotTradable({ venue: name, symbol: instrument.symbol, detail: "no LIMIT orders (IOC legs need them)" }) })
    }
    const takerFeeRate = options.takerFeeRates?.[name] ?? instrument.takerFeeRate
    const base = yield* venue.private.balance(options.base).pipe(Effect.mapError(fromExchange))
    const quote = yield* venue.private.balance(options.quote).pipe(Effect.mapError(fromExchange))
    runtimes.push({
      name,
      venue,
      instrument,
      symbol: instrument.symbol,
      takerFeeRate,
      ledger: new VenueLedger(name, options.base, options.quote, takerFeeRate, base.free, quote.free),
      book: { view: undefined, receivedAt: 0, continuous: true, failed: undefined },
      privateFailed: undefined,
      budget: new SlidingWindow(ordersPerSecond, 1000),
      metrics: Metrics.forVenue(name)
    })
  }
  const quantity = Detect.commonQuantity(options.size, runtimes[0]!.instrument, runtimes[1]!.instrument)
  if (quantity === undefined) {
    return yield* invalid(
      `size ${Decimal.format(options.size)} ${options.base} fits no common lot of ${runtimes.map((r) => `${r.name} (lot ${Decimal.format(r.instrument.lotSize)})`).join(" and ")}`
    )
  }
  for (const r of runtimes) {
    if (BigDecimal.isLessThan(quantity, r.instrument.minQuantity)) {
      return yield* invalid(`size ${Decimal.format(quantity)} ${options.base} is below ${r.name}'s minimum quantity ${Decimal.format(r.instrument.minQuantity)}`)
    }
  }
  const maxImbalance = options.maxImbalance ?? mul(quantity, two)
  if (BigDecimal.isLessThan(maxImbalance, quantity)) {
    return yield* invalid(`maxImbalance ${Decimal.format(maxImbalance)} is below the leg size ${Decimal.format(quantity)}: no attempt could start`)
  }
  const detectOptions: Detect.DetectOptions = { quantity, minProfitBps, minProfitAbs: options.minProfitAbs, limitBufferBps }
  const hysteresis = new Detect.Hysteresis(minProfitBps, hysteresisBps)
  const byName = new Map(runtimes.map((r) => [r.name, r]))

  // --- own orders, fed by both private streams (subscribed before anything is placed) ---------
  const own = new Map<string, OwnOrder>()
  const unresolved = new Set<string>()
  const idPrefix = `arb${(yield* Random.nextIntBetween(0, 36 ** 5)).toString(36)}`
  let idCounter = 0
  let rateLimitedCount = 0
  const { awaitFinal, leg, onOrder, refresh, resolveByClientId, resolveUnresolved } = Legs.make({
    own,
    unresolved,
    byName,
    now,
    legTimeoutMs,
    nextClientOrderId: () => `${idPrefix}${(++idCounter).toString(36)}`,
    onRateLimited: () => void rateLimitedCount++
  })

  const triggers = yield* Queue.sliding<Trigger>(1)
  for (const [index, r] of runtimes.entries()) {
    yield* r.venue.private.orderUpdates.pipe(
      Stream.runForEach((update) => Effect.sync(() => onOrder(update.order))),
      Effect.catch((error) => Effect.sync(() => void (r.privateFailed = error))),
      Effect.forkScoped
    )
    yield* r.venue.private.fills.pipe(
      Stream.runForEach((fill) =>
        Effect.sync(() => {
          const o = own.get(fill.clientOrderId)
          if (o !== undefined) o.fills.set(fill.tradeId, fill)
        })
      ),
      Effect.catch((error) => Effect.sync(() => void (r.privateFailed = error))),
      Effect.forkScoped
    )
    yield* r.venue.public.orderBook(r.symbol).pipe(
      Stream.runForEach((view) => {
        const book = r.book
        const previous = book.view
        if (previous !== undefined && view.version === previous.version) return Effect.void
        book.continuous = previous === undefined || view.version > previous.version
        book.view = view
        book.receivedAt = now()
        return Queue.offer(triggers, { venue: index, version: view.version })
      }),
      Effect.catch((error) => Effect.sync(() => void (r.book.failed = error))),
      Effect.forkScoped
    )
  }

  // --- state -------------------------------------------------------------------------------------
  let state: State = "Idle"
  const records: Array<AttemptRecord> = []
  let detectedCount = 0
  let checkedCount = 0
  const skipped: Record<string, number> = {}
  let killed: string | undefined
  let oneLeggedCount = 0
  let stopping = false
  let stopReport: StopReport | undefined
  let startedAt = now()
  let inFlight: Fiber.Fiber<AttemptRecord> | undefined
  // Attempts run in a scope of their own, made before the finalizer below: the finalizer awaits
  // the one in flight, and only then does this scope close (interrupting what overran).
  const attemptScope = yield* Scope.fork(yield* Effect.scope, "sequential")

  const skip = (reason: string) =>
    Effect.suspend(() => {
      skipped[reason] = (skipped[reason] ?? 0) + 1
      return Metric.update(Metrics.skipped(reason), 1)
    })
  const kill = (reason: string) =>
    Effect.suspend(() => {
      if (killed !== undefined) return Effect.void
      killed = reason
      return Effect.logWarning(`kill switch: ${reason}; no new attempts`)
    })

  const position = (): Decimal.Decimal => runtimes.reduce((sum, r) => add(sum, r.ledger.baseDelta), Decimal.zero)

  const mark = (): Decimal.Decimal | undefined => {
    const mids: Array<Decimal.Decimal> = []
    for (const r of runtimes) {
      const v = r.book.view
      if (v?.bestBid !== undefined && v.bestAsk !== undefined) mids.push(BigDecimal.divideUnsafe(add(v.bestBid.price, v.bestAsk.price), two))
    }
    if (mids.length === 0) return undefined
    return Decimal.roundToStep(BigDecimal.divideUnsafe(mids.reduce(add, Decimal.zero), BigDecimal.fromNumberUnsafe(mids.length)), Decimal.stepOfPlaces(12), "nearest")
  }

  /** PnL of a set of own orders: quote flow - fees + base flow at `markPrice`. */
  const pnlOf = (orders: Iterable<OwnOrder>, markPrice: Decimal.Decimal | undefined) => {
    let quoteFlow = Decimal.zero
    let baseFlow = Decimal.zero
    let fees = Decimal.zero
    let estimated = false
    for (const o of orders) {
      const r = byName.get(o.venue)!
      const filled = filledOf(o)
      const filledQuote = filledQuoteOf(o)
      if (o.side === "BUY") {
        baseFlow = add(baseFlow, filled)
        quoteFlow = sub(quoteFlow, filledQuote)
      } else {
        baseFlow = sub(baseFlow, filled)
        quoteFlow = add(quoteFlow, filledQuote)
      }
      const fee = feeInQuote(o, options.base, options.quote, r.takerFeeRate)
      fees = add(fees, fee.fee)
      if (fee.estimated && BigDecimal.isPositive(filled)) estimated = true
    }
    const marked = markPrice === undefined ? Decimal.zero : mul(baseFlow, markPrice)
    const pnl = Decimal.roundToStep(add(sub(quoteFlow, fees), marked), Decimal.stepOfPlaces(12), "nearest")
    return { pnl, fees, estimated }
  }

  // --- Checking ------------------------------------------------------------------------------------

  interface Planned {
    readonly opportunity: Detect.Opportunity
    readonly buy: Runtime
    readonly sell: Runtime
    readonly trigger: Trigger
    readonly detectedAt: number
  }

  /** Guards, detection, hysteresis, risk, reservations: a plan to send, or undefined (counted). */
  const check = (trigger: Trigger): Effect.Effect<Planned | undefined> =>
    Effect.gen(function*() {
      const t = now()
      for (const r of runtimes) {
        if (r.book.view === undefined) return undefined
      }
      // Both directions; the better edge first.
      const sides = runtimes.map((r): Detect.VenueSide => ({ venue: r.name, instrument: r.instrument, book: r.book.view!, takerFeeRate: r.takerFeeRate }))
      const results = [Detect.evaluate(sides[0]!, sides[1]!, detectOptions), Detect.evaluate(sides[1]!, sides[0]!, detectOptions)]
      checkedCount++
      let best: Detect.Opportunity | undefined
      for (const [i, result] of results.entries()) {
        const direction = i === 0 ? `${sides[0]!.venue}>${sides[1]!.venue}` : `${sides[1]!.venue}>${sides[0]!.venue}`
        if (Result.isSuccess(result)) {
          detectedCount++
          yield* Metric.update(Metrics.detected, 1)
          if (!hysteresis.allows(direction, result.success.edgeBps)) {
            yield* skip("hysteresis")
            continue
          }
          if (best === undefined || result.success.edgeBps > best.edgeBps) best = result.success
        } else {
          const edge = result.failure._tag === "BelowThreshold" ? result.failure.edgeBps : Number.NEGATIVE_INFINITY
          hysteresis.allows(direction, edge)
          if (result.failure._tag === "Rules") yield* skip("rules")
        }
      }
      if (best === undefined) return undefined
      yield* Metric.update(Metrics.edgeBps, best.edgeBps)
      if (killed !== undefined || stopping) return yield* Effect.as(skip("stopped"), undefined)
      // Freshness: both books recent and going forward, both private streams up, every own order
      // resolved (the counted balances include all own fills).
      for (const r of runtimes) {
        const age = t - r.book.receivedAt
        yield* Metric.update(r.metrics.bookAge, age)
        if (r.book.failed !== undefined || r.privateFailed !== undefined) return yield* Effect.as(skip("stream-down"), undefined)
        if (age > maxBookAgeMs) return yield* Effect.as(skip("stale-book"), undefined)
        if (!r.book.continuous) return yield* Effect.as(skip("book-discontinuity"), undefined)
      }
      if (unresolved.size > 0) {
        yield* resolveUnresolved
        if (unresolved.size > 0) return yield* Effect.as(skip("unresolved-order"), undefined)
      }
      const buy = byName.get(best.buyVenue)!
      const sell = byName.get(best.sellVenue)!
      // Risk: even if only one leg fills and nothing unwinds, the imbalance stays within the limit.
      if (BigDecimal.isGreaterThan(add(abs(position()), quantity), maxImbalance)) return yield* Effect.as(skip("imbalance"), undefined)
      const quoteNeeded = mul(mul(quantity, best.buyLimit), add(Decimal.unsafeParse("1"), buy.takerFeeRate))
      if (BigDecimal.isLessThan(buy.ledger.availableQuote, quoteNeeded)) return yield* Effect.as(skip("balance"), undefined)
      if (BigDecimal.isLessThan(sell.ledger.availableBase, quantity)) return yield* Effect.as(skip("balance"), undefined)
      // The order budget of both venues, for both legs and one unwind on each: reserved now, or
      // not at all (a rate limit between the legs is what leaves a leg alone).
      const at = now()
      if (buy.budget.waitFor(2, at) > 0 || sell.budget.waitFor(2, at) > 0) return yield* Effect.as(skip("quota"), undefined)
      buy.budget.add(2, at)
      sell.budget.add(2, at)
      buy.ledger.reservedQuote = quoteNeeded
      sell.ledger.reservedBase = quantity
      hysteresis.fired(`${best.buyVenue}>${best.sellVenue}`)
      return { opportunity: best, buy, sell, trigger, detectedAt: t }
    })

  // --- legs --------------------------------------------------------------------------------------

  // --- Unwinding ----------------------------------------------------------------------------------

  const unwind = Effect.fn("Arbitrage.unwind")(function*(until: number) {
    const legs: Array<Legs.LegResult> = []
    for (let i = 0; i < unwindTries; i++) {
      const imbalance = position()
      yield* Effect.annotateCurrentSpan({ imbalance: Decimal.format(imbalance), tries: i })
      if (BigDecimal.isZero(imbalance) || isDust(runtimes, imbalance) || now() >= until) break
      const target = unwindVenue(runtimes, imbalance, unwindSlippageBps)
      if (target === undefined) break
      // The budget reserved one unwind per venue; a further try waits for room, within the deadline.
      const wait = target.r.budget.waitFor(1, now())
      if (wait > 0) {
        if (now() + wait >= until) break
        yield* Effect.sleep(Duration.millis(wait))
      }
      target.r.budget.add(1, now())
      legs.push(yield* leg(target.r, "unwind", target.request, until))
    }
    const left = position()
    yield* Effect.annotateCurrentSpan({ left: Decimal.format(left) })
    const outcome: AttemptOutcome = BigDecimal.isZero(left) ? "unwound" : isDust(runtimes, left) ? "dust" : "unwind-failed"
    return { legs, outcome }
  })

  // --- one attempt ---------------------------------------------------------------------------------

  const attempt = Effect.fn("Arbitrage.attempt")(function*(n: number, plan: Planned) {
    const { opportunity: opp, buy, sell, detectedAt } = plan
    const states: Array<{ state: State; atMs: number }> = []
    const enter = (s: State) => {
      state = s
      states.push({ state: s, atMs: now() - detectedAt })
    }
    enter("Checking")
    yield* Effect.annotateCurrentSpan({
      attempt: n,
      buyVenue: buy.name,
      sellVenue: sell.name,
      quantity: Decimal.format(opp.quantity),
      edgeBps: opp.edgeBps,
      "trigger.venue": runtimes[plan.trigger.venue]!.name,
      "trigger.version": plan.trigger.version.toString()
    })
    yield* Metric.update(Metrics.submitted, 1)
    enter("Submitting")
    const until = now() + legTimeoutMs
    const [bought, sold] = yield* Effect.all([
      leg(buy, "buy", opp.buyRequest, until),
      leg(sell, "sell", opp.sellRequest, until)
    ], { concurrency: 2 })
    buy.ledger.reservedQuote = Decimal.zero
    sell.ledger.reservedBase = Decimal.zero
    const acks = [bought.ackAt, sold.ackAt]
    const detectToAckMs = acks.every((a) => a !== undefined) ? Math.max(...(acks as Array<number>)) - detectedAt : undefined
    if (detectToAckMs !== undefined) yield* Metric.update(Metrics.detectToAck, detectToAckMs)
    // A leg whose outcome is unknown is looked for until the unwind deadline: unwinding a leg that
    // did trade (but was not seen) would make the position one-sided instead of flat.
    const unwindUntil = now() + unwindTimeoutMs
    for (const l of [bought, sold]) {
      if (l.record.outcome !== "unknown") continue
      const r = byName.get(l.record.venue)!
      const found = yield* resolveByClientId(r, l.record.clientOrderId, unwindUntil)
      if (found !== undefined) {
        onOrder(found)
        if (found.isOpen) yield* awaitFinal(r, l.own, yield* Deferred.make<Order>(), now())
      }
    }
    const legRecords = [bought, sold].map((l) => refresh(l.record, l.own))
    const boughtQty = filledOf(bought.own)
    const soldQty = filledOf(sold.own)
    const legsEqual = BigDecimal.equals(boughtQty, soldQty)
    let outcome: AttemptOutcome
    let unwinds: Array<{ record: LegRecord; own: OwnOrder }> = []
    if (legRecords.some((l) => l.outcome === "unknown")) {
      enter("OneLegged")
      outcome = "unresolved"
      yield* kill(`attempt ${n}: the outcome of ${legRecords.filter((l) => l.outcome === "unknown").map((l) => `${l.clientOrderId} on ${l.venue}`).join(", ")} is unknown`)
    } else if (legsEqual) {
      enter("Complete")
      outcome = BigDecimal.isZero(boughtQty) ? "missed" : "completed"
      if (outcome === "completed") yield* Metric.update(Metrics.completed, 1)
    } else {
      // One-legged: flatten the whole position (with any dust an earlier attempt left).
      enter("OneLegged")
      oneLeggedCount++
      yield* Metric.update(Metrics.oneLegged, 1)
      yield* Effect.logWarning(
        `attempt ${n}: one-legged: bought ${Decimal.format(boughtQty)} on ${buy.name} (${bought.record.outcome}), sold ${Decimal.format(soldQty)} on ${sell.name} (${sold.record.outcome}); unwinding ${Decimal.format(position())} ${options.base}`
      )
      enter("Unwinding")
      const result = yield* unwind(Math.max(unwindUntil, now() + 1000))
      unwinds = result.legs
      outcome = result.outcome
    }
    const markPrice = mark()
    const pnl = pnlOf([bought.own, sold.own, ...unwinds.map((u) => u.own)], markPrice).pnl
    yield* Effect.annotateCurrentSpan({ outcome, pnl: Decimal.format(pnl) })
    const record: AttemptRecord = {
      attempt: n,
      buyVenue: buy.name,
      sellVenue: sell.name,
      quantity: opp.quantity,
      edgeBps: opp.edgeBps,
      expectedProfit: opp.profit,
      legs: legRecords,
      unwinds: unwinds.map((u) => u.record),
      outcome,
      oneLegged: !legsEqual,
      positionAfter: position(),
      pnl,
      detectToAckMs,
      durationMs: now() - detectedAt,
      states,
      trigger: { venue: runtimes[plan.trigger.venue]!.name, version: plan.trigger.version.toString() }
    }
    records.push(record)
    return record
  })

  /** A span for the book update that triggered an attempt, which the attempt's span links to. */
  const triggerSpan = (plan: Planned): Effect.Effect<Tracer.Span> =>
    Effect.gen(function*() {
      const r = runtimes[plan.trigger.venue]!
      const span = yield* Effect.makeSpan("Arbitrage.bookUpdate", {
        root: true,
        attributes: { venue: r.name, symbol: r.symbol, version: plan.trigger.version.toString(), ageMs: plan.detectedAt - r.book.receivedAt }
      })
      span.end(yield* Clock.currentTimeNanos, Exit.void)
      return span
    })

  const checkKillSwitches = Effect.gen(function*() {
    if (oneLeggedCount >= maxOneLegged) yield* kill(`${oneLeggedCount} one-legged attempts (limit ${maxOneLegged})`)
    if (rateLimitedCount >= max429) yield* kill(`${rateLimitedCount} rate-limit refusals (limit ${max429})`)
    const loss = summarize().pnl
    if (BigDecimal.isLessThanOrEqualTo(loss, BigDecimal.negate(maxLoss))) yield* kill(`loss ${Decimal.format(loss)} ${options.quote} (limit ${Decimal.format(maxLoss)})`)
    if (BigDecimal.isGreaterThan(abs(position()), maxImbalance)) {
      yield* kill(`position imbalance ${Decimal.format(position())} ${options.base} over the limit ${Decimal.format(maxImbalance)}`)
    }
    const t = now()
    for (const r of runtimes) {
      if (r.privateFailed !== undefined) yield* kill(`${r.name}: private stream failed: ${r.privateFailed.message}`)
      if (r.book.failed !== undefined) yield* kill(`${r.name}: order book failed: ${r.book.failed.message}`)
      else if (r.book.view !== undefined && t - r.book.receivedAt > staleVenueAfterMs) {
        yield* kill(`${r.name}: no book update for ${Math.round(t - r.book.receivedAt)} ms (limit ${staleVenueAfterMs} ms)`)
      }
    }
  })

  const summarize = (): RunSummary => {
    const markPrice = mark()
    const { fees, estimated, pnl } = pnlOf(own.values(), markPrice)
    const count = (outcome: AttemptOutcome) => records.filter((r) => r.outcome === outcome).length
    return {
      base: options.base,
      quote: options.quote,
      attempts: records.length,
      completed: count("completed"),
      missed: count("missed"),
      oneLegged: records.filter((r) => r.oneLegged).length,
      unwound: count("unwound"),
      dust: count("dust"),
      unwindFailed: count("unwind-failed"),
      detected: detectedCount,
      checked: checkedCount,
      skipped: { ...skipped },
      pnl,
      fees,
      feesEstimated: estimated,
      mark: markPrice,
      position: position(),
      venues: runtimes.map((r) => ({ venue: r.name, symbol: r.symbol, base: r.ledger.baseDelta, quote: r.ledger.quoteDelta })),
      killed,
      durationMs: now() - startedAt,
      detectToAckMs: records.flatMap((r) => r.detectToAckMs === undefined ? [] : [r.detectToAckMs])
    }
  }

  // --- the run loop ----------------------------------------------------------------------------------

  const run = Effect.fn("Arbitrage.run")(function*(runOptions: RunOptions = {}) {
    startedAt = now()
    const maxAttempts = runOptions.maxAttempts ?? 0
    const endAt = runOptions.duration === undefined ? Number.POSITIVE_INFINITY : now() + millis(runOptions.duration)
    const started = records.length
    yield* Effect.annotateCurrentSpan({ symbols: runtimes.map((r) => `${r.name}:${r.symbol}`).join(","), maxAttempts })
    while (killed === undefined && (maxAttempts === 0 || records.length - started < maxAttempts)) {
      state = "Idle"
      const left = endAt - now()
      if (left <= 0) break
      // A watchdog tick at least once a second, so a silent venue trips its kill switch.
      const trigger = yield* Queue.take(triggers).pipe(Effect.timeoutOption(Duration.millis(Math.min(left, 1000))))
      yield* checkKillSwitches
      if (Option.isNone(trigger) || killed !== undefined) continue
      state = "Checking"
      const plan = yield* check(trigger.value)
      if (plan === undefined) continue
      const link = yield* triggerSpan(plan)
      // The attempt runs in its own fiber: interrupting the run (a signal) does not cut it short;
      // the shutdown awaits it within its budget.
      const fiber = yield* attempt(records.length + 1, plan).pipe(Effect.linkSpans(link, { relationship: "triggered-by" }), Effect.forkIn(attemptScope))
      inFlight = fiber
      const record = yield* Fiber.join(fiber)
      inFlight = undefined
      if (runOptions.onAttempt !== undefined) yield* runOptions.onAttempt(record)
      yield* checkKillSwitches
      state = "Cooldown"
      yield* Effect.sleep(cooldown)
    }
    state = "Idle"
    return summarize()
  })

  // --- shutdown ---------------------------------------------------------------------------------------

  const shutdown = Effect.gen(function*() {
    stopping = true
    let inFlightEnd: StopReport["inFlight"] = "none"
    const fiber = inFlight
    if (fiber !== undefined) {
      const budget = Math.max(0, Duration.toMillis(stopBudget) - 2000)
      const done = yield* Fiber.await(fiber).pipe(Effect.timeoutOption(Duration.millis(budget)))
      if (Option.isSome(done)) inFlightEnd = "finished"
      else {
        inFlightEnd = "interrupted"
        yield* Fiber.interrupt(fiber)
      }
    }
    // Cancel every order of ours not known final (open, or unresolved), then confirm over REST.
    const open = [...own.values()].filter((o) => !isFinal(o.order))
    let canceled = 0
    yield* Effect.forEach(open, (o) => {
      const r = byName.get(o.venue)!
      return r.venue.private.cancelOrder({ symbol: o.symbol, clientOrderId: o.clientOrderId }).pipe(
        Effect.tap((order) => Effect.sync(() => {
          canceled++
          onOrder(order)
        })),
        Effect.catch((error) =>
          error.reason._tag === "UnknownOrder"
            ? Effect.void
            : Effect.logWarning(`${o.venue}: cancel of ${o.clientOrderId} not confirmed: ${error.message}`)
        )
      )
    }, { concurrency: "unbounded", discard: true })
    yield* Effect.forEach([...unresolved], (id) => {
      const o = own.get(id)!
      return Effect.map(resolveByClientId(byName.get(o.venue)!, id, now() + 500), (order) => {
        if (order !== undefined) onOrder(order)
      })
    }, { concurrency: "unbounded", discard: true })
    const venuesReport = yield* Effect.forEach(runtimes, (r) =>
      r.venue.private.openOrders(r.symbol).pipe(
        Effect.map((orders) => ({ openOrders: orders.filter((o) => own.has(o.clientOrderId)).length, confirmed: true })),
        Effect.catch((error) =>
          Effect.as(Effect.logWarning(`${r.name}: open orders not confirmed: ${error.message}`), {
            openOrders: [...own.values()].filter((o) => o.venue === r.name && !isFinal(o.order)).length,
            confirmed: false
          })
        ),
        Effect.map((found) => ({ venue: r.name, symbol: r.symbol, base: r.ledger.baseDelta, quote: r.ledger.quoteDelta, ...found }))
      ), { concurrency: "unbounded" })
    return { inFlight: inFlightEnd, canceled, venues: venuesReport, unresolved: [...unresolved], position: position() }
  })

  yield* Effect.addFinalizer(() =>
    shutdown.pipe(
      Effect.timeoutOption(stopBudget),
      Effect.flatMap(Option.match({
        onSome: (report) => {
          stopReport = { ...report, withinBudget: true }
          const lines = report.venues.map((v) =>
            `${v.venue}: net ${Decimal.format(v.base)} ${options.base}, ${Decimal.format(v.quote)} ${options.quote}; open orders ${v.openOrders}${v.confirmed ? " (confirmed)" : " (NOT confirmed)"}`
          )
          return Effect.logInfo(`arb stopped: ${lines.join("; ")}; position ${Decimal.format(report.position)} ${options.base}`)
        },
        onNone: () => {
          stopReport = {
            inFlight: inFlight === undefined ? "none" : "interrupted",
            canceled: 0,
            venues: runtimes.map((r) => ({
              venue: r.name,
              symbol: r.symbol,
              base: r.ledger.baseDelta,
              quote: r.ledger.quoteDelta,
              openOrders: [...own.values()].filter((o) => o.venue === r.name && !isFinal(o.order)).length,
              confirmed: false
            })),
            unresolved: [...unresolved],
            position: position(),
            withinBudget: false
          }
          return Effect.logWarning(`arb shutdown not done within ${Duration.format(stopBudget)}`)
        }
      }))
    )
  )

  return Arbitrage.of({
    symbols: runtimes.map((r) => ({ venue: r.name, symbol: r.symbol })),
    run: (runOptions) => run(runOptions),
    summary: Effect.sync(summarize),
    attempts: Effect.sync(() => records.slice()),
    state: Effect.sync(() => state),
    stopReport: Effect.sync(() => stopReport)
  })
})

/**
 * The strategy as a lifecycle component (`arb`) above the two venues of {@link ArbVenues}: released
 * (attempt finished, orders canceled and confirmed, position reported) before them.
 */
export const layer = (options: ArbitrageOptions): Layer.Layer<Arbitrage, ArbitrageError, ArbVenues> =>
  Layer.effect(Arbitrage, make(options)).pipe(
    Lifecycle.component({
      name: "arb",
      stopBudget: Duration.sum(Duration.fromInputUnsafe(options.stopBudget ?? "10 seconds"), Duration.seconds(1))
    })
  )
