/**
 * @internal Reconciliation of the private side with the venue's REST view, and the two watches
 * that ask for it:
 * - after a gap (a session after the first is subscribed) or a silent stream: open orders, the
 *   state of each of ours that may be live, the fills of orders that changed (from the trade
 *   history, de-duplicated like the stream's), and balances; what changed is published with
 *   `source: "rest"`, in order behind what the stream already delivered;
 * - the silence watch: a REST answer about an order must be followed by the stream's push about
 *   it within the grace; when not, the stream is restarted (new session) and reconciled;
 * - the audit: while we hold open orders, their state is checked over REST every `auditInterval`
 *   (a stream that died quietly with nothing asked of REST is found this way).
 *
 * @since 0.1.0
 */
import { BigDecimal, Clock, Duration, Effect, Exit, Queue, Schedule, type Scope } from "effect"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import { type Balance, BalanceUpdate, type Fill, type Order } from "../../exchange/Model.ts"
import type { OwnOrders } from "../OwnOrders.ts"
import type { PrivatePort, UserStream } from "../PrivatePort.ts"
import { failureOf } from "./failure.ts"

/** Why a reconciliation runs. */
export type Why = "gap" | "silent" | "audit"

/** What reconciliation works with (the connector's state and publishers). */
export interface ReconcileContext {
  readonly component: string
  readonly port: PrivatePort
  readonly view: OwnOrders
  /** Client order ids whose place is in flight (their own resolution settles them). */
  readonly inFlight: ReadonlySet<string>
  readonly balanceView: Map<string, Balance>
  /** Monotonic ms. */
  readonly now: () => number
  readonly streamGraceMs: number
  /** Period of the audit while we hold open orders; `false`: none. */
  readonly auditInterval: Duration.Duration | false
  /** Admits a fill once (see `OwnOrders.admitFill`); a problem line for one beyond its order. */
  readonly noteFill: (fill: Fill, problems: Array<string>) => boolean
  readonly reportProblems: (problems: ReadonlyArray<string>, what: string) => Effect.Effect<void>
  /** Publishes an order learned over REST behind the stream (nothing when `undefined`). */
  readonly publishOrder: (order: Order | undefined) => Effect.Effect<void>
  readonly publishFills: (fills: ReadonlyArray<Fill>) => Effect.Effect<void>
  readonly publishBalances: (updates: ReadonlyArray<BalanceUpdate>) => Effect.Effect<void>
  /** A reconciliation after a gap or a silence ran. */
  readonly counted: () => void
  /** The silence watch restarted the stream. */
  readonly silent: () => void
}

/** The signals a reconciler takes (the newest wins while one runs). */
export const signals: Effect.Effect<Queue.Queue<Why>> = Queue.sliding<Why>(1)

/** Forks the reconciler, the silence watch and the audit into the caller's scope. */
export const start = (
  context: ReconcileContext,
  stream: UserStream,
  queue: Queue.Queue<Why>
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { component, view } = context
    let lastReconciledAt = yield* Clock.currentTimeMillis

    /** Brings our orders in line with REST; answers the orders that had changed. */
    const reconcileOrders = Effect.gen(function*() {
      const changed: Array<Order> = []
      const open = yield* context.port.openOrders()
      const openIds = new Set<string>()
      for (const order of open) {
        openIds.add(order.orderId)
        const update = view.apply(order)
        if (update !== undefined) changed.push(update)
      }
      for (const entry of view.live()) {
        if (context.inFlight.has(entry.clientOrderId)) continue
        if (entry.order !== undefined && openIds.has(entry.order.orderId)) continue
        const exit = yield* Effect.exit(context.port.queryOrder({ symbol: entry.symbol, clientOrderId: entry.clientOrderId }))
        if (Exit.isSuccess(exit)) {
          const update = view.apply(exit.value)
          if (update !== undefined) changed.push(update)
        } else if (entry.order === undefined) {
          const failure = failureOf(exit)
          if (failure._tag === "Failure" && failure.error.reason._tag === "UnknownOrder") view.forget(entry.clientOrderId)
        }
      }
      for (const order of changed) yield* context.publishOrder(order)
      return changed
    })

    /** The fills of orders that changed meanwhile, from the account's trade history. */
    const reconcileFills = (changed: ReadonlyArray<Order>, since: number) =>
      Effect.gen(function*() {
        const symbols = new Set(changed.filter((o) => BigDecimal.isPositive(o.filledQuantity)).map((o) => o.symbol))
        const fills: Array<Fill> = []
        const problems: Array<string> = []
        for (const symbol of symbols) {
          const trades = yield* context.port.fillsSince(symbol, since).pipe(
            Effect.tapError((e) => Effect.logWarning("could not read the fills made during a gap", e.message)),
            Effect.orElseSucceed((): ReadonlyArray<Fill> => [])
          )
          for (const fill of trades) if (view.get(fill.clientOrderId) !== undefined && context.noteFill(fill, problems)) fills.push(fill)
        }
        yield* context.reportProblems(problems, "skipped fill(s) from the trade history")
        if (fills.length > 0) yield* context.publishFills(fills)
      })

    const reconcileBalances = (time: number) =>
      Effect.gen(function*() {
        const balances = yield* context.port.balances
        const updates: Array<BalanceUpdate> = []
        for (const balance of balances) {
          const known = context.balanceView.get(balance.asset)
          if (known !== undefined && BigDecimal.equals(known.free, balance.free) && BigDecimal.equals(known.locked, balance.locked)) continue
          context.balanceView.set(balance.asset, balance)
          updates.push(new BalanceUpdate({ balance, reason: "RECONCILE", time }))
        }
        if (updates.length > 0) yield* context.publishBalances(updates)
      })

    const reconcile = (why: Why): Effect.Effect<Array<Order>, ExchangeError> =>
      Effect.gen(function*() {
        if (why !== "audit") context.counted()
        const startedAt = yield* Clock.currentTimeMillis
        const changed = yield* reconcileOrders
        yield* reconcileFills(changed, lastReconciledAt - 5_000)
        if (why !== "audit") yield* reconcileBalances(startedAt)
        lastReconciledAt = startedAt
        view.prune()
        return changed
      })

    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const why = yield* Queue.take(queue)
      const exit = yield* Effect.exit(reconcile(why).pipe(
        Effect.retry({ times: 5, schedule: Schedule.exponential("200 millis", 2) })
      ))
      if (Exit.isFailure(exit)) {
        const failure = failureOf(exit)
        if (failure._tag === "Failure") {
          yield* Effect.logWarning(`reconciliation after ${why} failed`, failure.error.message).pipe(Effect.annotateLogs({ component }))
        }
        return
      }
      const changed = exit.value
      if (why === "gap" || why === "silent") {
        yield* Effect.logInfo(`reconciled after ${why === "gap" ? "a gap in" : "silence on"} the private stream`).pipe(
          Effect.annotateLogs({ component, changed_orders: changed.length })
        )
      } else if (changed.length > 0) {
        // The audit found changes: a live stream pushes each of them too, shortly.
        const due = context.now() + context.streamGraceMs
        for (const order of changed) {
          const entry = view.entryOf(order)
          if (entry !== undefined) view.expectStream(entry, due)
        }
      }
    })))

    // Silence watch: overdue stream pushes restart the session and reconcile.
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      yield* Effect.sleep(Duration.millis(Math.max(100, Math.min(1_000, context.streamGraceMs / 2))))
      const late = view.overdue(context.now())
      if (late.length === 0) return
      if (!(yield* stream.isOpen)) return // a reconnect is under way: its reconciliation covers these
      context.silent()
      yield* Effect.logWarning("the private stream is silent: restarting it").pipe(
        Effect.annotateLogs({ component, client_order_ids: late.map((e) => e.clientOrderId).join(","), grace_ms: context.streamGraceMs })
      )
      yield* stream.restart("no push for an order within the stream grace")
      yield* Queue.offer(queue, "silent")
    })))

    const audit = context.auditInterval
    if (audit !== false) {
      yield* Effect.forkScoped(Effect.forever(Effect.andThen(
        Effect.sleep(audit),
        Effect.suspend(() => view.open().length > 0 ? Effect.asVoid(Queue.offer(queue, "audit")) : Effect.void)
      )))
    }
  })
