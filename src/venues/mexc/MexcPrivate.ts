/**
 * The MEXC `PrivateExchange`: balances, orders and the account's live streams, on `MexcRest` and
 * the user-data stream (see `internal/UserDataStream.ts`).
 *
 * What it guarantees (the reliability contract of DESIGN.md):
 * - **Validated orders**: each request is checked against its instrument (`OrderRules`) before
 *   anything is sent; every order carries a client order id, generated when the caller gives
 *   none, never reused by this process.
 * - **Unknown outcomes resolved, never retried blindly**: a place whose answer is lost (5xx,
 *   timeout, connection cut, unreadable answer) is resolved by asking MEXC by client order id, on
 *   its own schedule, until a deadline. MEXC answers -2013 for an order that does not exist *or is
 *   not yet visible* (up to ~1 s after placement), and a lost request may still arrive until its
 *   `recvWindow` has passed: -2013 means "not placed" only once both the visibility window and the
 *   request's lifetime have passed since the failure. Placed: the order is returned. Not placed:
 *   the call fails with `Transport` (retryable: the venue did nothing). Still unknown at the
 *   deadline: `Unavailable`, and the order stays tracked (canceled on close if it exists). A cancel
 *   whose answer is lost is confirmed by query (and sent again while the order is still open).
 * - **Own open orders**: a view of this process's orders kept current from REST answers and the
 *   private stream (`ownOpenOrders`).
 * - **Cancel on close** (option `cancelOnClose`, default on): when the service's scope closes,
 *   every order this process placed that may still be open is canceled and confirmed gone (by its
 *   answer, or by an open-orders check that succeeded), each logged by id, within the stop
 *   budget. What cannot be confirmed (venue unreachable, IP banned, the check failed: a failed
 *   check is never an empty list) is named in an ERROR line per order, counted, and reported to
 *   the `ComponentRegistry` (`unconfirmed`), from which the CLI exits 3. MEXC spot has no
 *   cancel-on-disconnect.
 * - **A cancel answered "unknown order"** (-2011) is an unknown outcome like a lost answer: the
 *   order may have just filled (a fill racing the cancel) or not be visible yet. It is queried
 *   until the visibility window has passed; a closed order is returned in its final state.
 * - **Lossless streams, one buffer per subscriber**: `orderUpdates`, `fills`, `balanceUpdates`
 *   are `Topic.lossless` topics: the exchange never waits for a subscriber; each subscriber has a
 *   buffer of `subscriberCapacity` updates, and one that falls that far behind is dropped, its
 *   stream failing with `SubscriberOverflow`. A stuck subscriber cannot stall the own-orders view,
 *   the answers to `placeOrder`, cancel on close, or the other subscribers. After a gap (a
 *   reconnect, a new listen key) open orders and balances are reconciled over REST (and the fills
 *   of orders that changed, from `myTrades`): what changed meanwhile is published with
 *   `source: "rest"`, so no fill is missed.
 * - **Fills counted once**: a fill is passed on once per trade (MEXC's identity: symbol and trade
 *   id), and never beyond its order's quantity: a corrupted copy cannot double a position.
 * - **A silent stream is noticed**: a REST answer about an order (place, cancel, or the periodic
 *   audit of open orders) must be followed by the stream's push about that order within
 *   `streamGrace`; when it is not, the session is restarted with a new key and reconciled.
 *
 * Components in the lifecycle log, in release order: `private:<name>` (cancel on close) then
 * `connection:<name>`, `listenKey:<name>` (deleted while REST is up), `queue:<name>`,
 * `hub:<name>`; the REST client and rate limiter are the caller's and go after.
 *
 * @since 0.1.0
 */
import { BigDecimal, Clock, Duration, Effect, Exit, Layer, Queue, Result, Schedule, type Scope, Stream } from "effect"
import type * as Socket from "effect/socket/Socket"
import {
  Closed,
  ExchangeError,
  type ExchangeErrorReason,
  Rejected,
  SubscriberOverflow,
  Transport,
  Unavailable
} from "../../exchange/ExchangeError.ts"
import {
  Balance,
  BalanceUpdate,
  type Fill,
  type Instrument,
  Order,
  type OrderRef,
  type OrderRequest,
  OrderUpdate
} from "../../exchange/Model.ts"
import * as OrderRules from "../../exchange/OrderRules.ts"
import { PrivateExchange, type PrivateExchangeShape, type PrivateExchangeStats } from "../../exchange/PrivateExchange.ts"
import { type HubError, StreamHub, Topic } from "../../hub/index.ts"
import { ComponentRegistry, Lifecycle } from "../../lifecycle/index.ts"
import type * as Connection from "../../socket/Connection.ts"
import { monotonicMs } from "../../internal/monotonic.ts"
import { OwnOrders } from "./internal/OwnOrders.ts"
import * as UserDataStream from "./internal/UserDataStream.ts"
import { MexcRest, type MexcRestShape } from "./MexcRest.ts"
import { decodePush } from "./Proto.ts"
import * as PrivatePush from "./PrivatePush.ts"

/** MEXC's private WebSocket (the listen key is appended as `?listenKey=`). */
export const productionWsUrl = "wss://wbs-api.mexc.com/ws"

/** How unknown outcomes are resolved. */
export interface UnknownOutcomeOptions {
  /** How long after placement MEXC may still answer -2013 for an order that exists. Default 1 s. */
  readonly visibilityWindow?: Duration.Input | undefined
  /**
   * How long a lost request may still reach MEXC and be carried out: its `recvWindow` plus the
   * 1 s MEXC grants timestamps ahead of its clock. Default 6 s (MEXC's default recvWindow 5 s).
   */
  readonly requestLifetime?: Duration.Input | undefined
  /** Give up resolving (and fail with `Unavailable`) this long after the failure. Default 15 s. */
  readonly deadline?: Duration.Input | undefined
  /** Pause between queries. Default 250 ms. */
  readonly interval?: Duration.Input | undefined
}

export interface Options {
  /** Venue name reported in errors and `venue`. Default `mexc`. */
  readonly venue?: string | undefined
  /** Component name suffix. Default `mexc-private`. */
  readonly name?: string | undefined
  /** Private WebSocket URL. Default {@link productionWsUrl}. */
  readonly wsUrl?: string | undefined
  /** Cancel (and confirm) this process's open orders when the scope closes. Default true. */
  readonly cancelOnClose?: boolean | undefined
  /** Stop budget of the `private:<name>` component (cancel on close). Default 10 s. */
  readonly stopBudget?: Duration.Input | undefined
  readonly unknownOutcome?: UnknownOutcomeOptions | undefined
  /** Listen-key keep-alive period. Default 30 minutes (keys live 60). */
  readonly keepAliveInterval?: Duration.Input | undefined
  /** How long the stream may lag a REST answer about an order before it counts as silent. Default 5 s. */
  readonly streamGrace?: Duration.Input | undefined
  /** Period of the REST audit of own open orders while there are some; `false` to disable. Default 15 s. */
  readonly auditInterval?: Duration.Input | false | undefined
  /** How long start-up waits for the private stream. Default 10 s. */
  readonly startTimeout?: Duration.Input | undefined
  /** Private queue capacity. Default 1000. */
  readonly queueCapacity?: number | undefined
  /**
   * Buffer of each subscriber of `orderUpdates`, `fills` and `balanceUpdates`, in updates. A
   * subscriber this far behind is dropped (its stream fails with `SubscriberOverflow`) so that it
   * never stalls the exchange's own bookkeeping or the other subscribers. Default 10,000.
   */
  readonly subscriberCapacity?: number | undefined
  /** Connection settings other than name, URL, protocol and sink. */
  readonly connection?: Partial<Omit<Connection.ConnectionOptions, "name" | "url" | "protocol" | "sink">> | undefined
}

/** MEXC's identity of a private trade: its trade id, within its symbol. */
const fillIdentity = (fill: Fill): string => `${fill.symbol}:${fill.tradeId}`

type Failure = { readonly _tag: "Failure"; readonly error: ExchangeError } | { readonly _tag: "Interrupted" }

const failureOf = <A>(exit: Exit.Exit<A, ExchangeError>): Failure => {
  if (Exit.isSuccess(exit)) throw new Error("not a failure")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  return error?._tag === "Fail" ? { _tag: "Failure", error: error.error } : { _tag: "Interrupted" }
}

/** Builds the service in the caller's scope (component `private:<name>`). */
export const make = (
  options: Options = {}
): Effect.Effect<PrivateExchangeShape, ExchangeError, MexcRest | Socket.WebSocketConstructor | Scope.Scope> => {
  const name = options.name ?? "mexc-private"
  return Effect.flatMap(MexcRest, (rest) => makeWith(rest, options)).pipe(
    Lifecycle.scoped({ name: `private:${name}`, stopBudget: options.stopBudget ?? "10 seconds" })
  )
}

const makeWith = Effect.fnUntraced(function*(rest: MexcRestShape, options: Options) {
  const venue = options.venue ?? "mexc"
  const name = options.name ?? "mexc-private"
  const ms = (input: Duration.Input | undefined, fallback: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))
  const visibilityMs = ms(options.unknownOutcome?.visibilityWindow, "1 second")
  const lifetimeMs = ms(options.unknownOutcome?.requestLifetime, "6 seconds")
  const settleMs = Math.max(visibilityMs, lifetimeMs)
  const deadlineMs = ms(options.unknownOutcome?.deadline, "15 seconds")
  const intervalMs = ms(options.unknownOutcome?.interval, "250 millis")
  const streamGraceMs = ms(options.streamGrace, "5 seconds")
  const clock = yield* Clock.Clock
  const now = () => monotonicMs(clock)
  const error = (operation: string, reason: ExchangeErrorReason) => new ExchangeError({ venue, operation, reason })

  const view = new OwnOrders()
  const balanceView = new Map<string, Balance>()
  const lossless = { ...Topic.lossless, capacity: options.subscriberCapacity ?? 10_000 }
  const ordersTopic = Topic.make<OrderUpdate>("orders", lossless)
  const fillsTopic = Topic.make<Fill>("fills", lossless)
  const balancesTopic = Topic.make<BalanceUpdate>("balances", lossless)
  const registry = yield* ComponentRegistry.ComponentRegistry
  const closeBudgetMs = Math.max(1_000, ms(options.stopBudget, "10 seconds") - 2_000)
  const inFlight = new Set<string>()
  const instruments = new Map<string, Instrument>()
  let closing = false
  const stats = {
    ordersPlaced: 0,
    unknownOutcomesResolved: 0,
    listenKeys: 0,
    reconciliations: 0,
    reconnects: 0,
    silentStreams: 0,
    malformed: 0
  }

  const hub = yield* StreamHub.make({ name: `hub:${name}` })

  // --- publishing: every update goes through the private queue, in order with the stream -------
  let stream: UserDataStream.UserDataStream | undefined
  const publishOrders = (updates: ReadonlyArray<OrderUpdate>): Effect.Effect<void> =>
    updates.length === 0 ? Effect.void : Effect.ignore(hub.publishAll(ordersTopic, updates))
  /** Publishes an order learned over REST, after what the stream already delivered. */
  const publishRest = (order: Order | undefined): Effect.Effect<void> =>
    order === undefined || stream === undefined
      ? Effect.void
      : stream.enqueue(publishOrders([new OrderUpdate({ order, source: "rest", time: order.updateTime ?? order.time })]))

  /** Whether a fill is new; one beyond its order's quantity is a problem to report. */
  const noteFill = (fill: Fill, problems: Array<string>): boolean => {
    const verdict = view.admitFill(fill, fillIdentity(fill))
    if (verdict === "exceedsOrder") {
      problems.push(`fill ${fill.tradeId} of order ${fill.orderId} would exceed the order's quantity (a corrupted copy?)`)
    }
    return verdict === "new"
  }

  /** Decodes a batch of private frames, updates the views, publishes per topic in one step each. */
  /** Assets of the account (as fetched or pushed) and of the instruments used: an account push for another is garbage. */
  const knownAssets = {
    has: (asset: string): boolean => {
      if (balanceView.has(asset)) return true
      for (const instrument of instruments.values()) if (instrument.baseAsset === asset || instrument.quoteAsset === asset) return true
      return false
    }
  }

  const onFrames = (frames: ReadonlyArray<Connection.Frame>): Effect.Effect<void> =>
    Effect.suspend(() => {
      const orders: Array<OrderUpdate> = []
      const fills: Array<Fill> = []
      const balances: Array<BalanceUpdate> = []
      const problems: Array<string> = []
      for (const frame of frames) {
        if (typeof frame === "string") {
          problems.push(`unexpected text frame: ${frame.slice(0, 120)}`)
          continue
        }
        let wrapper
        try {
          wrapper = decodePush(frame)
        } catch (cause) {
          problems.push(`undecodable frame: ${cause instanceof Error ? cause.message : String(cause)}`)
          continue
        }
        const body = wrapper.body
        if (body === undefined) continue
        const time = wrapper.sendTime ?? wrapper.createTime
        switch (body.$case) {
          case "privateOrders": {
            const parsed = PrivatePush.order(body.value, wrapper.symbol, time)
            if (!parsed.ok) {
              problems.push(`order push: ${parsed.reason}`)
              break
            }
            const entry = view.entryOf(parsed.value)
            if (entry === undefined) {
              // The account's order, not placed by this process: passed on as is.
              orders.push(new OrderUpdate({ order: parsed.value, source: "stream", time: time ?? parsed.value.time }))
              break
            }
            view.streamSeen(entry)
            const changed = view.apply(parsed.value)
            if (changed !== undefined) orders.push(new OrderUpdate({ order: changed, source: "stream", time: time ?? changed.time }))
            break
          }
          case "privateDeals": {
            const parsed = PrivatePush.fill(body.value, wrapper.symbol)
            if (!parsed.ok) problems.push(`deal push: ${parsed.reason}`)
            else if (noteFill(parsed.value, problems)) fills.push(parsed.value)
            break
          }
          case "privateAccount": {
            const parsed = PrivatePush.balance(body.value, knownAssets)
            if (!parsed.ok) {
              problems.push(`account push: ${parsed.reason}`)
              break
            }
            balanceView.set(parsed.value.balance.asset, parsed.value.balance)
            balances.push(new BalanceUpdate({ balance: parsed.value.balance, reason: parsed.value.reason, time: parsed.value.time }))
            break
          }
          default:
            problems.push(`unexpected push ${body.$case} on ${wrapper.channel}`)
        }
      }
      const effects: Array<Effect.Effect<void>> = []
      if (problems.length > 0) {
        stats.malformed += problems.length
        effects.push(Effect.logWarning("skipped private frame(s)", problems[0]!).pipe(
          Effect.annotateLogs({ component: `queue:${name}`, skipped: problems.length })
        ))
      }
      if (orders.length > 0) effects.push(publishOrders(orders))
      if (fills.length > 0) effects.push(Effect.ignore(hub.publishAll(fillsTopic, fills)))
      if (balances.length > 0) effects.push(Effect.ignore(hub.publishAll(balancesTopic, balances)))
      return Effect.all(effects, { discard: true })
    })

  // --- reconciliation --------------------------------------------------------------------------
  const reconcileSignals = yield* Queue.sliding<"gap" | "silent" | "audit">(1)
  let lastReconciledAt = yield* Clock.currentTimeMillis

  /** Brings the view and the streams in line with REST; answers the orders that had changed. */
  const reconcile = (why: "gap" | "silent" | "audit"): Effect.Effect<Array<Order>, ExchangeError> =>
    Effect.gen(function*() {
      if (why !== "audit") stats.reconciliations++
      const startedAt = yield* Clock.currentTimeMillis
      const since = lastReconciledAt - 5_000
      const changed: Array<Order> = []
      const open = yield* rest.openOrders()
      const openIds = new Set<string>()
      for (const order of open) {
        openIds.add(order.orderId)
        const update = view.apply(order)
        if (update !== undefined) changed.push(update)
      }
      for (const entry of view.live()) {
        if (inFlight.has(entry.clientOrderId)) continue // its placeOrder resolves it
        if (entry.order !== undefined && openIds.has(entry.order.orderId)) continue
        const exit = yield* Effect.exit(rest.queryOrder({ symbol: entry.symbol, clientOrderId: entry.clientOrderId }))
        if (Exit.isSuccess(exit)) {
          const update = view.apply(exit.value)
          if (update !== undefined) changed.push(update)
        } else if (entry.order === undefined) {
          const failure = failureOf(exit)
          if (failure._tag === "Failure" && failure.error.reason._tag === "UnknownOrder") view.forget(entry.clientOrderId)
        }
      }
      for (const order of changed) yield* publishRest(order)
      // Fills of orders that changed meanwhile, from the account's trade history.
      const symbols = new Set(changed.filter((o) => BigDecimal.isPositive(o.filledQuantity)).map((o) => o.symbol))
      const fills: Array<Fill> = []
      for (const symbol of symbols) {
        const trades = yield* rest.myTrades(symbol, { startTime: since }).pipe(
          Effect.tapError((e) => Effect.logWarning("could not read the fills made during a gap", e.message)),
          Effect.orElseSucceed((): ReadonlyArray<Fill> => [])
        )
        const problems: Array<string> = []
        for (const fill of trades) if (view.get(fill.clientOrderId) !== undefined && noteFill(fill, problems)) fills.push(fill)
        if (problems.length > 0) {
          stats.malformed += problems.length
          yield* Effect.logWarning("skipped fill(s) from the trade history", problems[0]!).pipe(
            Effect.annotateLogs({ component: `private:${name}`, skipped: problems.length })
          )
        }
      }
      if (fills.length > 0 && stream !== undefined) yield* stream.enqueue(Effect.ignore(hub.publishAll(fillsTopic, fills)))
      if (why !== "audit") {
        const balances = yield* rest.account
        const updates: Array<BalanceUpdate> = []
        for (const balance of balances) {
          const known = balanceView.get(balance.asset)
          if (known !== undefined && BigDecimal.equals(known.free, balance.free) && BigDecimal.equals(known.locked, balance.locked)) continue
          balanceView.set(balance.asset, balance)
          updates.push(new BalanceUpdate({ balance, reason: "RECONCILE", time: startedAt }))
        }
        if (updates.length > 0 && stream !== undefined) yield* stream.enqueue(Effect.ignore(hub.publishAll(balancesTopic, updates)))
      }
      lastReconciledAt = startedAt
      view.prune()
      return changed
    })

  const reconciler = Effect.forever(Effect.gen(function*() {
    const why = yield* Queue.take(reconcileSignals)
    const exit = yield* Effect.exit(reconcile(why).pipe(
      Effect.retry({ times: 5, schedule: Schedule.exponential("200 millis", 2) })
    ))
    if (Exit.isFailure(exit)) {
      const failure = failureOf(exit)
      if (failure._tag === "Failure") {
        yield* Effect.logWarning(`reconciliation after ${why} failed`, failure.error.message).pipe(
          Effect.annotateLogs({ component: `private:${name}` })
        )
      }
      return
    }
    const changed = exit.value
    if (why === "gap" || why === "silent") {
      yield* Effect.logInfo(`reconciled after ${why === "gap" ? "a gap in" : "silence on"} the private stream`).pipe(
        Effect.annotateLogs({ component: `private:${name}`, changed_orders: changed.length })
      )
    } else if (changed.length > 0) {
      // The audit found changes: a live stream pushes each of them too, shortly.
      const due = now() + streamGraceMs
      for (const order of changed) {
        const entry = view.entryOf(order)
        if (entry !== undefined) view.expectStream(entry, due)
      }
    }
  }))

  // --- the user-data stream ----------------------------------------------------------------------
  const keepAliveInterval = Duration.fromInputUnsafe(options.keepAliveInterval ?? "30 minutes")
  stream = yield* UserDataStream.make(rest, {
    name,
    wsUrl: options.wsUrl ?? productionWsUrl,
    keepAliveInterval,
    startTimeout: Duration.fromInputUnsafe(options.startTimeout ?? "10 seconds"),
    queueCapacity: options.queueCapacity ?? 1000,
    connection: options.connection
  }, {
    onFrames,
    onResubscribed: () => Effect.asVoid(Queue.offer(reconcileSignals, "gap"))
  })
  const connection = stream.connection

  yield* Effect.forkScoped(reconciler)

  // Silence watch: overdue stream pushes restart the session (new key) and reconcile.
  yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
    yield* Effect.sleep(Duration.millis(Math.max(100, Math.min(1_000, streamGraceMs / 2))))
    const late = view.overdue(now())
    if (late.length === 0) return
    const state = yield* connection.state
    if (state._tag !== "Open") return // a reconnect is under way: its reconciliation covers these
    stats.silentStreams++
    yield* Effect.logWarning("the private stream is silent: restarting it").pipe(
      Effect.annotateLogs({
        component: `private:${name}`,
        client_order_ids: late.map((e) => e.clientOrderId).join(","),
        grace_ms: streamGraceMs
      })
    )
    yield* connection.restart("no push for an order within the stream grace")
    yield* Queue.offer(reconcileSignals, "silent")
  })))

  if (options.auditInterval !== false) {
    const audit = Duration.fromInputUnsafe(options.auditInterval ?? "15 seconds")
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(
      Effect.sleep(audit),
      Effect.suspend(() => view.open().length > 0 ? Effect.asVoid(Queue.offer(reconcileSignals, "audit")) : Effect.void)
    )))
  }

  // --- instruments -------------------------------------------------------------------------------
  const instrumentOf = (symbol: string): Effect.Effect<Instrument, ExchangeError> => {
    const known = instruments.get(symbol)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.flatMap(rest.exchangeInfo([symbol]), (list) => {
      for (const instrument of list) instruments.set(instrument.symbol, instrument)
      const found = instruments.get(symbol)
      return found !== undefined
        ? Effect.succeed(found)
        : Effect.fail(error("placeOrder", new Rejected({ status: 0, venueMessage: `exchangeInfo did not list ${symbol}` })))
    })
  }

  // --- orders ------------------------------------------------------------------------------------
  const sleepInterval = Effect.sleep(Duration.millis(intervalMs))
  const isOutcomeUnknown = (reason: ExchangeErrorReason) => reason._tag === "Unavailable" || reason._tag === "Decode"

  /** Resolves a place whose answer was lost, by client order id. */
  const resolvePlacement = (symbol: string, clientOrderId: string, cause: ExchangeError) =>
    Effect.gen(function*() {
      const failedAt = now()
      yield* Effect.logInfo("order outcome unknown; asking the venue by client order id", cause.message).pipe(
        Effect.annotateLogs({ component: `private:${name}`, symbol, client_order_id: clientOrderId })
      )
      while (true) {
        const entry = view.get(clientOrderId)
        if (entry?.order !== undefined) {
          stats.unknownOutcomesResolved++
          return entry.order // the stream told us
        }
        const exit = yield* Effect.exit(rest.queryOrder({ symbol, clientOrderId }))
        if (Exit.isSuccess(exit)) {
          view.apply(exit.value)
          const order = view.get(clientOrderId)?.order ?? exit.value
          yield* publishRest(order)
          stats.unknownOutcomesResolved++
          yield* Effect.logInfo("unknown outcome resolved: the order was placed").pipe(
            Effect.annotateLogs({ component: `private:${name}`, order_id: order.orderId, client_order_id: clientOrderId })
          )
          return order
        }
        const failure = failureOf(exit)
        if (failure._tag === "Interrupted") return yield* Effect.interrupt
        const elapsed = now() - failedAt
        if (failure.error.reason._tag === "UnknownOrder" && elapsed >= settleMs) {
          view.forget(clientOrderId)
          stats.unknownOutcomesResolved++
          yield* Effect.logInfo("unknown outcome resolved: the order was not placed").pipe(
            Effect.annotateLogs({ component: `private:${name}`, client_order_id: clientOrderId })
          )
          return yield* error("placeOrder", new Transport({
            detail: `the order ${clientOrderId} was not placed (confirmed by query ${Math.round(elapsed)} ms after: ${cause.reason.message}); it is safe to retry`
          }))
        }
        if (elapsed >= deadlineMs) {
          yield* Effect.logWarning("order outcome still unknown at the deadline; it stays tracked").pipe(
            Effect.annotateLogs({ component: `private:${name}`, client_order_id: clientOrderId })
          )
          return yield* error("placeOrder", new Unavailable({
            detail: `outcome of ${clientOrderId} unknown after ${Math.round(elapsed)} ms of queries (${cause.reason.message}); the order may exist and is canceled on close`
          }))
        }
        yield* sleepInterval
      }
    })

  const placeOrder = Effect.fn("MexcPrivate.placeOrder")(function*(request: OrderRequest) {
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
      const exit = yield* Effect.exit(rest.newOrder({
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
      if (isOutcomeUnknown(failure.error.reason)) {
        const order = yield* resolvePlacement(valid.symbol, clientOrderId, failure.error)
        stats.ordersPlaced++
        return order
      }
      view.forget(clientOrderId) // refused: nothing was placed
      return yield* failure.error
    }).pipe(Effect.ensuring(Effect.sync(() => inFlight.delete(clientOrderId))))
  })

  /** Applies a REST answer about an order, publishes it if it changed the view, answers the latest. */
  const learn = (order: Order, expectPush: boolean): Effect.Effect<Order> =>
    Effect.suspend(() => {
      const changed = view.apply(order)
      const entry = view.entryOf(order)
      if (changed !== undefined && entry !== undefined && expectPush) view.expectStream(entry, now() + streamGraceMs)
      return Effect.as(publishRest(changed), entry?.order ?? order)
    })

  /**
   * Queries until the order is final; sends the cancel again while it is still open. The venue's
   * "unknown order" counts as "does not exist" only once `windowMs` has passed since the failure
   * (MEXC answers -2013 for an order not yet visible).
   */
  const confirmCancel = (ref: OrderRef, cause: ExchangeError, windowMs: number) =>
    Effect.gen(function*() {
      const failedAt = now()
      while (true) {
        const exit = yield* Effect.exit(rest.queryOrder(ref))
        if (Exit.isSuccess(exit)) {
          if (!exit.value.isOpen) {
            stats.unknownOutcomesResolved++
            return yield* learn(exit.value, false)
          }
          const again = yield* Effect.exit(rest.cancelOrder(ref))
          if (Exit.isSuccess(again)) {
            stats.unknownOutcomesResolved++
            return yield* learn(again.value, true)
          }
          if (failureOf(again)._tag === "Interrupted") return yield* Effect.interrupt
        } else {
          const failure = failureOf(exit)
          if (failure._tag === "Interrupted") return yield* Effect.interrupt
          if (failure.error.reason._tag === "UnknownOrder" && now() - failedAt >= windowMs) return yield* failure.error
        }
        if (now() - failedAt >= deadlineMs) {
          return yield* error("cancelOrder", new Unavailable({
            detail: `cancel outcome unknown after ${Math.round(now() - failedAt)} ms of queries (${cause.reason.message})`
          }))
        }
        yield* sleepInterval
      }
    })

  /** How long "unknown order" may still mean "not yet visible" for `ref`. */
  const visibilityFor = (ref: OrderRef): number => {
    const entry = "clientOrderId" in ref ? view.get(ref.clientOrderId) : view.byOrderId(ref.orderId)
    // A place whose outcome is not known yet may still arrive: the request's lifetime too.
    return entry?.unresolved === true ? settleMs : visibilityMs
  }

  const cancelOrder = Effect.fn("MexcPrivate.cancelOrder")(function*(ref: OrderRef) {
    const exit = yield* Effect.exit(rest.cancelOrder(ref))
    if (Exit.isSuccess(exit)) return yield* learn(exit.value, true)
    const failure = failureOf(exit)
    if (failure._tag === "Interrupted") return yield* Effect.interrupt
    const reason = failure.error.reason
    if (isOutcomeUnknown(reason)) return yield* confirmCancel(ref, failure.error, settleMs)
    // "Unknown order" is an unknown outcome too: the order may be closed (a fill that raced the
    // cancel, whose final state the caller needs) or not yet visible; only queries tell.
    if (reason._tag === "UnknownOrder") return yield* confirmCancel(ref, failure.error, visibilityFor(ref))
    return yield* failure.error
  })

  const queryOrder = Effect.fn("MexcPrivate.queryOrder")(function*(ref: OrderRef) {
    const order = yield* rest.queryOrder(ref)
    return yield* learn(order, false)
  })

  const openOrders = Effect.fn("MexcPrivate.openOrders")(function*(symbol?: string) {
    const orders = yield* rest.openOrders(symbol)
    for (const order of orders) yield* publishRest(view.apply(order))
    return orders
  })

  const cancelAll = Effect.fn("MexcPrivate.cancelAll")(function*(symbol: string) {
    const before = yield* rest.openOrders(symbol)
    if (before.length === 0) return []
    let remaining: ReadonlyArray<Order> = before
    for (let round = 0; round < 5 && remaining.length > 0; round++) {
      if (round > 0) yield* sleepInterval
      yield* rest.cancelOpenOrders(symbol).pipe(
        Effect.catchIf((e) => isOutcomeUnknown(e.reason), () => Effect.succeed([])) // confirmed below
      )
      remaining = yield* rest.openOrders(symbol)
    }
    if (remaining.length > 0) {
      return yield* error("cancelAll", new Unavailable({
        detail: `${remaining.length} order(s) still open on ${symbol} after cancelAll: ${remaining.map((o) => o.orderId).join(", ")}`
      }))
    }
    return yield* Effect.forEach(before, (order) =>
      rest.queryOrder({ symbol, orderId: order.orderId }).pipe(
        Effect.flatMap((final) => learn(final, false)),
        Effect.orElseSucceed(() => order)
      ), { concurrency: 4 })
  })

  const balances = Effect.fn("MexcPrivate.balances")(function*() {
    const list = yield* rest.account
    for (const balance of list) balanceView.set(balance.asset, balance)
    return list
  })

  const balance = Effect.fn("MexcPrivate.balance")(function*(asset: string) {
    const list = yield* balances()
    return list.find((b) => b.asset === asset) ??
      new Balance({ asset, free: BigDecimal.fromBigInt(0n), locked: BigDecimal.fromBigInt(0n) })
  })

  // --- cancel on close: registered last, so it runs first, while REST and the stream are up -----
  if (options.cancelOnClose !== false) {
    yield* Effect.addFinalizer(() => Effect.suspend(() => {
      closing = true
      return cancelOwnOrders
    }))
  } else {
    yield* Effect.addFinalizer(() => Effect.sync(() => void (closing = true)))
  }

  /**
   * Cancels every order of ours that may be live and confirms each: by the venue's answer (a final
   * state, or "unknown order" past the window for a place that never landed) or by an open-orders
   * check over REST that succeeded and does not list it. Whatever is not confirmed within the
   * close budget is left open (listed by the check) or unknown, each named in an ERROR line and
   * reported to the component registry (the CLI exits 3). A failed check is never read as empty.
   */
  const cancelOwnOrders: Effect.Effect<void> = Effect.gen(function*() {
    const annotations = { component: `private:${name}` }
    const closeStartedAt = now()
    const left = () => Duration.millis(Math.max(0, closeBudgetMs - (now() - closeStartedAt)))
    // A place still in flight settles first (its own resolution knows whether it placed), so
    // that nothing it places is left behind. New places are refused from here on (`closing`).
    while (inFlight.size > 0 && now() - closeStartedAt < Math.min(deadlineMs, closeBudgetMs / 2)) yield* Effect.sleep("20 millis")
    const live = view.live()
    if (live.length === 0) {
      yield* Effect.logDebug("cancel on close: no open order").pipe(Effect.annotateLogs(annotations))
      return
    }
    /** Per client order id: confirmed, or why not yet. */
    const outcome = new Map<string, { readonly confirmed: true } | { readonly confirmed: false; readonly why: string }>()
    yield* Effect.forEach(live, (entry) =>
      Effect.gen(function*() {
        const ids = { ...annotations, symbol: entry.symbol, client_order_id: entry.clientOrderId }
        const exit = yield* Effect.exit(
          Effect.timeoutOption(cancelOrder({ symbol: entry.symbol, clientOrderId: entry.clientOrderId }), left())
        )
        if (Exit.isSuccess(exit) && exit.value._tag === "Some" && !exit.value.value.isOpen) {
          outcome.set(entry.clientOrderId, { confirmed: true })
          yield* Effect.logInfo("cancel on close: order closed").pipe(
            Effect.annotateLogs({ ...ids, order_id: exit.value.value.orderId, status: exit.value.value.status })
          )
          return
        }
        if (Exit.isSuccess(exit)) {
          const why = exit.value._tag === "None" ? "no answer within the close budget" : "the venue still reports it open"
          outcome.set(entry.clientOrderId, { confirmed: false, why })
          return
        }
        const failure = failureOf(exit)
        if (failure._tag === "Failure" && failure.error.reason._tag === "UnknownOrder" && entry.order === undefined) {
          // Past the visibility window and the request's lifetime: the place never landed.
          view.forget(entry.clientOrderId)
          outcome.set(entry.clientOrderId, { confirmed: true })
          yield* Effect.logInfo("cancel on close: order was never placed").pipe(Effect.annotateLogs(ids))
          return
        }
        const why = `cancel failed: ${failure._tag === "Failure" ? failure.error.message : "interrupted"}`
        outcome.set(entry.clientOrderId, { confirmed: false, why })
      }), { concurrency: 4, discard: true })

    // Confirm over REST: an order not confirmed by its own answer is gone only if a check that
    // succeeded does not list it; a failed check confirms nothing.
    const leftOpen: Array<{ readonly entry: typeof live[number]; readonly order: Order }> = []
    const symbols = [...new Set(live.map((e) => e.symbol))]
    for (const symbol of symbols) {
      const checked = yield* Effect.exit(Effect.timeoutOption(rest.openOrders(symbol), left()))
      const ofSymbol = live.filter((e) => e.symbol === symbol)
      if (Exit.isFailure(checked) || checked.value._tag === "None") {
        const why = Exit.isFailure(checked)
          ? `open-orders check failed: ${failureOf(checked)._tag === "Failure" ? (failureOf(checked) as { error: ExchangeError }).error.message : "interrupted"}`
          : "open-orders check got no answer within the close budget"
        for (const entry of ofSymbol) {
          const known = outcome.get(entry.clientOrderId)
          if (known?.confirmed !== true) outcome.set(entry.clientOrderId, { confirmed: false, why: known === undefined ? why : `${known.why}; ${why}` })
        }
        continue
      }
      const listed = new Map<string, Order>()
      for (const order of checked.value.value) {
        const entry = view.entryOf(order)
        if (entry !== undefined) listed.set(entry.clientOrderId, order)
      }
      for (const entry of ofSymbol) {
        const order = listed.get(entry.clientOrderId)
        if (order !== undefined) {
          leftOpen.push({ entry, order })
          outcome.delete(entry.clientOrderId)
        } else if (outcome.get(entry.clientOrderId)?.confirmed === false && entry.order !== undefined) {
          // A known order the check does not list is not open (one whose place is unresolved may
          // just not be visible yet: it stays unknown).
          outcome.set(entry.clientOrderId, { confirmed: true })
        }
      }
    }

    const unknown = live.flatMap((entry) => {
      const o = outcome.get(entry.clientOrderId)
      return o !== undefined && !o.confirmed ? [{ entry, why: o.why }] : []
    })
    if (leftOpen.length === 0 && unknown.length === 0) {
      yield* Effect.logInfo("cancel on close: done, confirmed over REST that none is open").pipe(
        Effect.annotateLogs({ ...annotations, orders: live.length })
      )
      return
    }
    const items: Array<string> = []
    for (const { entry, order } of leftOpen) {
      items.push(`${entry.clientOrderId} (order ${order.orderId}, ${entry.symbol}): open`)
      yield* Effect.logError("cancel on close: order left open").pipe(
        Effect.annotateLogs({ ...annotations, symbol: entry.symbol, client_order_id: entry.clientOrderId, order_id: order.orderId })
      )
    }
    for (const { entry, why } of unknown) {
      const orderId = entry.order?.orderId
      items.push(`${entry.clientOrderId} (${orderId === undefined ? "" : `order ${orderId}, `}${entry.symbol}): unknown`)
      yield* Effect.logError("cancel on close: order state unknown", why).pipe(
        Effect.annotateLogs({ ...annotations, symbol: entry.symbol, client_order_id: entry.clientOrderId, ...(orderId === undefined ? {} : { order_id: orderId }) })
      )
    }
    yield* Effect.logError(`cancel on close: NOT confirmed: ${leftOpen.length} order(s) left open, ${unknown.length} unknown`).pipe(
      Effect.annotateLogs({ ...annotations, left_open: leftOpen.length, unknown: unknown.length })
    )
    registry.reportUnconfirmed({ component: `private:${name}`, what: "orders left open or unknown", items })
  })

  const closedError = (operation: string) => (cause: HubError.HubError) =>
    cause.reason._tag === "SubscriberOverflow"
      ? error(operation, new SubscriberOverflow({ stream: operation, capacity: cause.reason.capacity }))
      : error(operation, new Closed({ what: "the private stream" }))
  const currentStats: Effect.Effect<PrivateExchangeStats> = Effect.gen(function*() {
    const connectionStats = yield* connection.stats
    return {
      ordersPlaced: stats.ordersPlaced,
      unknownOutcomesResolved: stats.unknownOutcomesResolved,
      listenKeys: stream!.listenKeys(),
      reconciliations: stats.reconciliations,
      reconnects: connectionStats.reconnects
    }
  })

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
    orderUpdates: hub.subscribe(ordersTopic, { name: "orderUpdates" }).pipe(Stream.mapError(closedError("orderUpdates"))),
    fills: hub.subscribe(fillsTopic, { name: "fills" }).pipe(Stream.mapError(closedError("fills"))),
    balanceUpdates: hub.subscribe(balancesTopic, { name: "balanceUpdates" }).pipe(Stream.mapError(closedError("balanceUpdates"))),
    stats: currentStats
  })
})

/** {@link make} as the `PrivateExchange` layer; needs `MexcRest` and a WebSocket constructor. */
export const layer = (options: Options = {}): Layer.Layer<PrivateExchange, ExchangeError, MexcRest | Socket.WebSocketConstructor> =>
  Layer.effect(PrivateExchange, make(options))
