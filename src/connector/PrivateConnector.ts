/**
 * The venue-neutral private side: a `PrivateExchange` driven by a venue's {@link PrivatePort}.
 * The rules below hold on every venue and live here once; the port supplies the venue's wire and
 * facts (see `PrivatePort.ts` for what a venue writes).
 *
 * What it guarantees (the reliability contract of DESIGN.md):
 * - **Validated orders**: each request is checked against its instrument (`OrderRules`) before
 *   anything is sent; every order carries a client order id in the venue's format, generated when
 *   the caller gives none, never reused by this process.
 * - **Unknown outcomes resolved, never retried blindly**: a place whose answer is lost (5xx,
 *   timeout, connection cut, unreadable answer) is resolved by asking the venue by client order
 *   id, on its own schedule, until a deadline. A venue may say "unknown order" for an order that
 *   exists but is not yet visible (the port's `visibilityWindow`), and a lost request may still
 *   arrive until its `requestLifetime` has passed: "unknown order" means "not placed" only once
 *   both have passed since the failure. Placed: the order is returned. Not placed: the call fails
 *   with `Transport` (retryable: the venue did nothing). Still unknown at the deadline:
 *   `Unavailable`, and the order stays tracked (canceled on close if it exists). See
 *   `internal/unknownOutcome.ts`.
 * - **Cancels resolved the same way**: a cancel whose answer is lost, or answered "unknown
 *   order", is an unknown outcome: the order may have just filled (a fill racing the cancel) or
 *   not be visible yet. It is queried (and canceled again while open) until the window has
 *   passed; a closed order is returned in its final state (a FILLED order, not an error).
 * - **Own open orders**: a view of this process's orders kept current from REST answers and the
 *   user stream (`ownOpenOrders`).
 * - **Cancel on close** (option `cancelOnClose`, default on): when the scope closes, every order
 *   this process placed that may still be open is canceled and confirmed, each logged by id,
 *   within the stop budget; what cannot be confirmed is named at ERROR and reported to the
 *   `ComponentRegistry` (see `internal/closeOut.ts`; the CLI exits 3).
 * - **Lossless streams, one buffer per subscriber**: `orderUpdates`, `fills`, `balanceUpdates`
 *   are `Topic.lossless` topics: the connector never waits for a subscriber; each has a buffer of
 *   `subscriberCapacity` updates and one that falls that far behind fails with
 *   `SubscriberOverflow`. A stuck subscriber cannot stall the own-orders view, the answers to
 *   `placeOrder`, cancel on close, or the other subscribers.
 * - **Gaps reconciled**: after a gap (a reconnect, a new session) open orders and balances are
 *   reconciled over REST (and the fills of orders that changed, from the trade history): what
 *   changed meanwhile is published with `source: "rest"`, so no fill is missed
 *   (`internal/reconciliation.ts`).
 * - **Fills counted once**: a fill is passed on once per the venue's identity of the trade, and
 *   never beyond its order's quantity: a corrupted copy cannot double a position
 *   (`internal/streamEvents.ts`).
 * - **A silent stream is noticed**: a REST answer about an order (place, cancel, or the periodic
 *   audit of open orders) must be followed by the stream's push about that order within
 *   `streamGrace`; when it is not, the stream is restarted (new session) and reconciled.
 *
 * This module holds the operations and the wiring; each rule above that is more than a few lines
 * lives in its own module under `internal/`, named beside it.
 *
 * Spans: `PrivateExchange.<operation>` with a `venue` attribute. Components in the lifecycle log,
 * in release order: `private:<name>` (cancel on close), then what the port's user stream holds
 * (its connection, session credentials, queue), then `hub:<name>`.
 *
 * @since 0.1.0
 */
import { BigDecimal, Clock, Duration, Effect, Exit, Queue, Result, type Scope, Stream } from "effect"
import {
  Closed,
  ExchangeError,
  type ExchangeErrorReason,
  Rejected,
  SubscriberOverflow,
  Unavailable
} from "../exchange/ExchangeError.ts"
import {
  Balance,
  BalanceUpdate,
  type Fill,
  type Instrument,
  Order,
  type OrderRef,
  type OrderRequest,
  OrderUpdate
} from "../exchange/Model.ts"
import * as OrderRules from "../exchange/OrderRules.ts"
import { PrivateExchange, type PrivateExchangeShape, type PrivateExchangeStats } from "../exchange/PrivateExchange.ts"
import { type HubError, StreamHub, Topic } from "../hub/index.ts"
import { monotonicMs } from "../internal/monotonic.ts"
import { ComponentRegistry, Lifecycle } from "../lifecycle/index.ts"
import { closeOut } from "./internal/closeOut.ts"
import { failureOf } from "./internal/failure.ts"
import * as Reconciliation from "./internal/reconciliation.ts"
import * as StreamEvents from "./internal/streamEvents.ts"
import * as UnknownOutcome from "./internal/unknownOutcome.ts"
import { OwnOrders } from "./OwnOrders.ts"
import type { PrivatePort, UserStream } from "./PrivatePort.ts"

/** How unknown outcomes are resolved. */
export interface UnknownOutcomeOptions {
  /** Overrides the port's visibility window (how long "unknown order" may mean "not yet visible"). */
  readonly visibilityWindow?: Duration.Input | undefined
  /** Overrides the port's request lifetime (how long a lost request may still be carried out). */
  readonly requestLifetime?: Duration.Input | undefined
  /** Give up resolving (and fail with `Unavailable`) this long after the failure. Default 15 s. */
  readonly deadline?: Duration.Input | undefined
  /** Pause between queries. Default 250 ms. */
  readonly interval?: Duration.Input | undefined
}

/** Options of {@link make}. */
export interface Options {
  /** Component name suffix. Default `<venue>-private`. */
  readonly name?: string | undefined
  /** Cancel (and confirm) this process's open orders when the scope closes. Default true. */
  readonly cancelOnClose?: boolean | undefined
  /** Stop budget of the `private:<name>` component (cancel on close). Default 10 s. */
  readonly stopBudget?: Duration.Input | undefined
  readonly unknownOutcome?: UnknownOutcomeOptions | undefined
  /** How long the stream may lag a REST answer about an order before it counts as silent. Default 5 s. */
  readonly streamGrace?: Duration.Input | undefined
  /** Period of the REST audit of own open orders while there are some; `false` to disable. Default 15 s. */
  readonly auditInterval?: Duration.Input | false | undefined
  /**
   * Buffer of each subscriber of `orderUpdates`, `fills` and `balanceUpdates`, in updates; one
   * this far behind fails with `SubscriberOverflow`. Default 10,000.
   */
  readonly subscriberCapacity?: number | undefined
}

/** Builds the service in the caller's scope (component `private:<name>`). */
export const make = (
  port: PrivatePort,
  options: Options = {}
): Effect.Effect<PrivateExchangeShape, ExchangeError, Scope.Scope> =>
  makeUnmanaged(port, options).pipe(
    Lifecycle.scoped({ name: `private:${options.name ?? `${port.venue}-private`}`, stopBudget: options.stopBudget ?? "10 seconds" })
  )

const ms = (input: Duration.Input | undefined, fallback: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

const makeUnmanaged = Effect.fnUntraced(function*(port: PrivatePort, options: Options) {
  const venue = port.venue
  const name = options.name ?? `${venue}-private`
  const component = `private:${name}`
  const visibilityMs = ms(options.unknownOutcome?.visibilityWindow, port.visibilityWindow)
  const lifetimeMs = ms(options.unknownOutcome?.requestLifetime, port.requestLifetime)
  const settleMs = Math.max(visibilityMs, lifetimeMs)
  const deadlineMs = ms(options.unknownOutcome?.deadline, "15 seconds")
  const intervalMs = ms(options.unknownOutcome?.interval, "250 millis")
  const streamGraceMs = ms(options.streamGrace, "5 seconds")
  const clock = yield* Clock.Clock
  const now = () => monotonicMs(clock)
  const error = (operation: string, reason: ExchangeErrorReason) => new ExchangeError({ venue, operation, reason })

  const view = new OwnOrders(port.clientOrderId.prefix, port.clientOrderId.maxLength)
  const balanceView = new Map<string, Balance>()
  const lossless = { ...Topic.lossless, capacity: options.subscriberCapacity ?? 10_000 }
  const ordersTopic = Topic.make<OrderUpdate>("orders", lossless)
  const fillsTopic = Topic.make<Fill>("fills", lossless)
  const balancesTopic = Topic.make<BalanceUpdate>("balances", lossless)
  const registry = yield* ComponentRegistry.ComponentRegistry
  const inFlight = new Set<string>()
  const instruments = new Map<string, Instrument>()
  let closing = false
  const stats = { ordersPlaced: 0, unknownOutcomesResolved: 0, reconciliations: 0, silentStreams: 0, malformed: 0 }

  const hub = yield* StreamHub.make({ name: `hub:${name}` })

  // --- publishing: every update goes through the user stream's queue, in order with it ---------
  let stream: UserStream | undefined
  const publishOrders = (updates: ReadonlyArray<OrderUpdate>): Effect.Effect<void> =>
    updates.length === 0 ? Effect.void : Effect.ignore(hub.publishAll(ordersTopic, updates))
  /** Publishes an order learned over REST, after what the stream already delivered. */
  const publishRest = (order: Order | undefined): Effect.Effect<void> =>
    order === undefined || stream === undefined
      ? Effect.void
      : stream.enqueue(publishOrders([new OrderUpdate({ order, source: "rest", time: order.updateTime ?? order.time })]))
  const publishLater = (run: Effect.Effect<void>): Effect.Effect<void> => stream === undefined ? Effect.void : stream.enqueue(run)

  const intake = StreamEvents.make({
    component,
    port,
    view,
    balanceView,
    instruments,
    publishOrders,
    publishFills: (fills) => Effect.ignore(hub.publishAll(fillsTopic, fills)),
    publishBalances: (updates) => Effect.ignore(hub.publishAll(balancesTopic, updates)),
    skipped: (count) => void (stats.malformed += count)
  })

  // --- the user stream and reconciliation ------------------------------------------------------
  const reconcileSignals = yield* Reconciliation.signals
  stream = yield* port.openUserStream({
    onEvents: intake.onEvents,
    onResubscribed: Effect.asVoid(Queue.offer(reconcileSignals, "gap"))
  })
  const userStream = stream
  yield* Reconciliation.start({
    component,
    port,
    view,
    inFlight,
    balanceView,
    now,
    streamGraceMs,
    auditInterval: options.auditInterval === false ? false : Duration.fromInputUnsafe(options.auditInterval ?? "15 seconds"),
    noteFill: intake.noteFill,
    reportProblems: intake.reportProblems,
    publishOrder: publishRest,
    publishFills: (fills) => publishLater(Effect.ignore(hub.publishAll(fillsTopic, fills))),
    publishBalances: (updates) => publishLater(Effect.ignore(hub.publishAll(balancesTopic, updates))),
    counted: () => void stats.reconciliations++,
    silent: () => void stats.silentStreams++
  }, userStream, reconcileSignals)

  // --- instruments -------------------------------------------------------------------------------
  const instrumentOf = (symbol: string): Effect.Effect<Instrument, ExchangeError> => {
    const known = instruments.get(symbol)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.flatMap(port.instruments([symbol]), (list) => {
      for (const instrument of list) instruments.set(instrument.symbol, instrument)
      const found = instruments.get(symbol)
      return found !== undefined
        ? Effect.succeed(found)
        : Effect.fail(error("placeOrder", new Rejected({ status: 0, venueMessage: `the venue did not list ${symbol}` })))
    })
  }

  // --- orders ------------------------------------------------------------------------------------
  const sleepInterval = Effect.sleep(Duration.millis(intervalMs))
  /** Applies a REST answer about an order, publishes it if it changed the view, answers the latest. */
  const learn = (order: Order, expectPush: boolean): Effect.Effect<Order> =>
    Effect.suspend(() => {
      const changed = view.apply(order)
      const entry = view.entryOf(order)
      if (changed !== undefined && entry !== undefined && expectPush) view.expectStream(entry, now() + streamGraceMs)
      return Effect.as(publishRest(changed), entry?.order ?? order)
    })
  const outcomes: UnknownOutcome.OutcomeContext = {
    component,
    port,
    view,
    windows: { visibilityMs, settleMs, deadlineMs, intervalMs },
    now,
    error,
    publishRest,
    learn,
    resolved: () => void stats.unknownOutcomesResolved++
  }

  const placeOrder = Effect.fn("PrivateExchange.placeOrder", { attributes: { venue } })(function*(request: OrderRequest) {
    if (closing) return yield* error("placeOrder", new Closed({ what: "the private exchange" }))
    const instrument = yield* instrumentOf(request.symbol)
    const checked = OrderRules.validate(instrument, request)
    if (Result.isFailure(checked)) return yield* error("placeOrder", checked.failure)
    const valid = checked.success
    if (request.clientOrderId !== undefined && view.wasUsed(request.clientOrderId)) {
      return yield* error("placeOrder", new Rejected({
        status: 0,
        venueMessage: `client order id ${request.clientOrderId} was already used by this process; ids are never reused`
      }))
    }
    const clientOrderId = request.clientOrderId ?? view.nextClientOrderId()
    view.prune() // closed orders beyond the newest 10,000 are forgotten (a long run must not grow)
    const entry = view.track(valid.symbol, clientOrderId, valid.quantity)
    inFlight.add(clientOrderId)
    return yield* Effect.gen(function*() {
      const exit = yield* Effect.exit(port.placeOrder({
        symbol: valid.symbol,
        side: valid.side,
        type: valid.type,
        timeInForce: valid.timeInForce,
        price: valid.price,
        quantity: valid.quantity,
        quoteQuantity: valid.quoteQuantity,
        clientOrderId
      }))
      if (Exit.isSuccess(exit)) {
        stats.ordersPlaced++
        const ack = exit.value
        const acked = new Order({
          symbol: valid.symbol,
          orderId: ack.orderId,
          clientOrderId,
          side: valid.side,
          type: valid.type,
          timeInForce: valid.timeInForce,
          status: "NEW",
          price: valid.price,
          quantity: valid.quantity,
          quoteQuantity: valid.quoteQuantity,
          filledQuantity: BigDecimal.fromBigInt(0n),
          filledQuoteQuantity: BigDecimal.fromBigInt(0n),
          time: ack.time
        })
        const changed = view.apply(acked)
        yield* publishRest(changed)
        // The stream pushes every new order; one that has not by then is a silent stream.
        if (changed !== undefined) view.expectStream(entry, now() + streamGraceMs)
        return entry.order ?? acked
      }
      const failure = failureOf(exit)
      if (failure._tag === "Interrupted") return yield* Effect.interrupt // stays tracked: resolved by reconciliation or on close
      if (UnknownOutcome.isOutcomeUnknown(failure.error.reason)) {
        const order = yield* UnknownOutcome.resolvePlacement(outcomes, valid.symbol, clientOrderId, failure.error)
        stats.ordersPlaced++
        return order
      }
      view.forget(clientOrderId) // refused: nothing was placed
      return yield* failure.error
    }).pipe(Effect.ensuring(Effect.sync(() => inFlight.delete(clientOrderId))))
  })

  const cancelOrder = Effect.fn("PrivateExchange.cancelOrder", { attributes: { venue } })(function*(ref: OrderRef) {
    const exit = yield* Effect.exit(port.cancelOrder(ref))
    if (Exit.isSuccess(exit)) return yield* learn(exit.value, true)
    const failure = failureOf(exit)
    if (failure._tag === "Interrupted") return yield* Effect.interrupt
    // A lost answer, and "unknown order" too: the order may be closed (a fill that raced the
    // cancel, whose final state the caller needs) or not yet visible; only queries tell.
    if (UnknownOutcome.isCancelOutcomeUnknown(failure.error.reason)) return yield* UnknownOutcome.resolveCancel(outcomes, ref, failure.error)
    return yield* failure.error
  })

  const queryOrder = Effect.fn("PrivateExchange.queryOrder", { attributes: { venue } })(function*(ref: OrderRef) {
    const order = yield* port.queryOrder(ref)
    return yield* learn(order, false)
  })

  const openOrders = Effect.fn("PrivateExchange.openOrders", { attributes: { venue } })(function*(symbol?: string) {
    const orders = yield* port.openOrders(symbol)
    for (const order of orders) yield* publishRest(view.apply(order))
    return orders
  })

  const cancelAll = Effect.fn("PrivateExchange.cancelAll", { attributes: { venue } })(function*(symbol: string) {
    const before = yield* port.openOrders(symbol)
    if (before.length === 0) return []
    let remaining: ReadonlyArray<Order> = before
    for (let round = 0; round < 5 && remaining.length > 0; round++) {
      if (round > 0) yield* sleepInterval
      yield* port.cancelOpenOrders(symbol).pipe(
        Effect.catchIf((e) => UnknownOutcome.isOutcomeUnknown(e.reason), () => Effect.void) // confirmed below
      )
      remaining = yield* port.openOrders(symbol)
    }
    if (remaining.length > 0) {
      return yield* error("cancelAll", new Unavailable({
        detail: `${remaining.length} order(s) still open on ${symbol} after cancelAll: ${remaining.map((o) => o.orderId).join(", ")}`
      }))
    }
    return yield* Effect.forEach(before, (order) =>
      port.queryOrder({ symbol, orderId: order.orderId }).pipe(
        Effect.flatMap((final) => learn(final, false)),
        Effect.orElseSucceed(() => order)
      ), { concurrency: 4 })
  })

  const balances = Effect.fn("PrivateExchange.balances", { attributes: { venue } })(function*() {
    const list = yield* port.balances
    for (const balance of list) balanceView.set(balance.asset, balance)
    return list
  })

  const balance = Effect.fn("PrivateExchange.balance", { attributes: { venue } })(function*(asset: string) {
    const list = yield* balances()
    return list.find((b) => b.asset === asset) ??
      new Balance({ asset, free: BigDecimal.fromBigInt(0n), locked: BigDecimal.fromBigInt(0n) })
  })

  // --- cancel on close: registered last, so it runs first, while REST and the stream are up -----
  const closeBudgetMs = Math.max(1_000, ms(options.stopBudget, "10 seconds") - 2_000)
  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      closing = true
      if (options.cancelOnClose === false) return Effect.void
      return closeOut({
        component,
        view,
        inFlight,
        budgetMs: closeBudgetMs,
        settleWaitMs: Math.min(deadlineMs, closeBudgetMs / 2),
        now,
        cancelOrder: (ref) => cancelOrder(ref),
        openOrders: (symbol) => port.openOrders(symbol),
        report: registry.reportUnconfirmed
      })
    })
  )

  const streamError = (operation: string) => (cause: HubError.HubError) =>
    cause.reason._tag === "SubscriberOverflow"
      ? error(operation, new SubscriberOverflow({ stream: operation, capacity: cause.reason.capacity }))
      : error(operation, new Closed({ what: "the private stream" }))
  const currentStats: Effect.Effect<PrivateExchangeStats> = Effect.map(userStream.reconnects, (reconnects) => ({
    ordersPlaced: stats.ordersPlaced,
    unknownOutcomesResolved: stats.unknownOutcomesResolved,
    userStreamSessions: userStream.sessions(),
    reconciliations: stats.reconciliations,
    reconnects
  }))

  return PrivateExchange.of({
    venue,
    balances: balances(),
    balance,
    placeOrder,
    cancelOrder,
    queryOrder,
    openOrders,
    cancelAll,
    ownOpenOrders: Effect.sync(() => view.open()),
    orderUpdates: hub.subscribe(ordersTopic, { name: "orderUpdates" }).pipe(Stream.mapError(streamError("orderUpdates"))),
    fills: hub.subscribe(fillsTopic, { name: "fills" }).pipe(Stream.mapError(streamError("fills"))),
    balanceUpdates: hub.subscribe(balancesTopic, { name: "balanceUpdates" }).pipe(Stream.mapError(streamError("balanceUpdates"))),
    stats: currentStats
  })
})
