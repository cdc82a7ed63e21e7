/**
 * The strategy's orders on both venues: each IOC leg sent once with its client order id and
 * brought to a final state by its deadline (the answer, the private stream, a query by client
 * order id, a cancel as the last resort), never sent again; an answer that is lost is resolved by
 * asking for the client order id. Internal to `arb/`.
 */
import { BigDecimal, Deferred, Duration, Effect, Exit, Metric, Option, Result } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import type { Order, OrderRequest } from "../../exchange/Model.ts"
import { filledOf, filledQuoteOf, isNewer, type OwnOrder } from "../Ledger.ts"
import type { LegOutcome, LegRecord, LegRole } from "../Records.ts"
import { isFinal, type Runtime } from "./Runtime.ts"

/** What the legs share with the strategy. */
export interface LegsDeps {
  /** Every order of ours, by client order id. */
  readonly own: Map<string, OwnOrder>
  /** Client order ids whose outcome is not known. */
  readonly unresolved: Set<string>
  readonly byName: ReadonlyMap<string, Runtime>
  /** Milliseconds on the strategy's (monotonic) clock. */
  readonly now: () => number
  readonly legTimeoutMs: number
  readonly nextClientOrderId: () => string
  /** Called for each 429 refusal of a leg. */
  readonly onRateLimited: () => void
}

/** A leg as it ended, its order, and when its answer came. */
export interface LegResult {
  readonly record: LegRecord
  readonly own: OwnOrder
  readonly ackAt: number | undefined
}

/** The legs of one strategy. */
export const make = (deps: LegsDeps) => {
  const waiters = new Map<string, Deferred.Deferred<Order>>()

  /** Folds an order's state in (stream, answer or query); a final one moves the ledger once. */
  const onOrder = (order: Order) => {
    const o = deps.own.get(order.clientOrderId)
    if (o === undefined || !isNewer(o.order, order)) return
    o.order = order
    if (!order.isOpen) {
      deps.byName.get(o.venue)?.ledger.apply(o)
      deps.unresolved.delete(o.clientOrderId)
      const waiter = waiters.get(order.clientOrderId)
      if (waiter !== undefined) Deferred.doneUnsafe(waiter, Exit.succeed(order))
    }
  }

  /** Asks the venue for an order by client order id until `until`; undefined when never found. */
  const resolveByClientId = (r: Runtime, clientOrderId: string, until: number): Effect.Effect<Order | undefined> =>
    Effect.gen(function*() {
      let delay = 20
      while (true) {
        // The private stream may have told us first.
        const known = deps.own.get(clientOrderId)?.order
        if (known !== undefined) return known
        const answer = yield* Effect.result(r.venue.private.queryOrder({ symbol: r.symbol, clientOrderId }))
        if (Result.isSuccess(answer)) return answer.success
        const left = until - deps.now()
        if (left <= 0) return undefined
        yield* Effect.sleep(Duration.millis(Math.min(delay, left)))
        delay = Math.min(delay * 2, 250)
      }
    })

  /** Retries the resolution of every unresolved order once (no waiting). */
  const resolveUnresolved = Effect.suspend(() =>
    Effect.forEach([...deps.unresolved], (id) => {
      const o = deps.own.get(id)!
      return Effect.map(resolveByClientId(deps.byName.get(o.venue)!, id, 0), (order) => {
        if (order !== undefined) onOrder(order)
      })
    }, { discard: true })
  )

  /** Waits for an acknowledged open order to become final: stream, then query, then cancel. */
  const awaitFinal = (r: Runtime, o: OwnOrder, waiter: Deferred.Deferred<Order>, until: number): Effect.Effect<void> =>
    Effect.gen(function*() {
      if (isFinal(o.order)) return
      yield* Deferred.await(waiter).pipe(Effect.timeoutOption(Duration.millis(Math.max(0, until - deps.now()))))
      if (isFinal(o.order)) return
      const ref = { symbol: r.symbol, clientOrderId: o.clientOrderId }
      const queried = yield* Effect.result(r.venue.private.queryOrder(ref))
      if (Result.isSuccess(queried)) onOrder(queried.success)
      if (isFinal(o.order)) return
      // An IOC still open past its deadline: cancel it (confirmed by the answer or a query).
      const canceled = yield* Effect.result(r.venue.private.cancelOrder(ref))
      if (Result.isSuccess(canceled)) onOrder(canceled.success)
      else {
        const again = yield* Effect.result(r.venue.private.queryOrder(ref))
        if (Result.isSuccess(again)) onOrder(again.success)
      }
    })

  /** A leg's record with what became known since (a late resolution). */
  const refresh = (record: LegRecord, o: OwnOrder): LegRecord => {
    if (record.outcome !== "unknown" || !isFinal(o.order)) return record
    return { ...record, orderId: o.order.orderId, filled: filledOf(o), filledQuote: filledQuoteOf(o), outcome: legOutcome(o, record.quantity), resolvedByQuery: true }
  }

  const legOutcome = (o: OwnOrder, quantityAsked: Decimal.Decimal): LegOutcome => {
    const filled = filledOf(o)
    if (BigDecimal.isZero(filled)) return "unfilled"
    return BigDecimal.isGreaterThanOrEqualTo(filled, quantityAsked) ? "filled" : "partial"
  }

  /** Sends one IOC order and brings it to a final state (or to `unknown`) by `until`. */
  const leg = Effect.fn("Arbitrage.leg")(function*(r: Runtime, role: LegRole, request: OrderRequest, until: number) {
    const clientOrderId = deps.nextClientOrderId()
    yield* Effect.annotateCurrentSpan({
      venue: r.name,
      side: request.side,
      clientOrderId,
      price: Decimal.format(request.price!),
      quantity: Decimal.format(request.quantity!),
      role
    })
    const o: OwnOrder = { venue: r.name, symbol: r.symbol, clientOrderId, side: request.side, order: undefined, fills: new Map(), applied: false }
    deps.own.set(clientOrderId, o)
    const waiter = yield* Deferred.make<Order>()
    waiters.set(clientOrderId, waiter)
    const sentAt = deps.now()
    let ackAt: number | undefined
    let error: string | undefined
    let rejected = false
    let resolvedByQuery = false
    const answer = yield* r.venue.private.placeOrder({ ...request, clientOrderId }).pipe(
      Effect.timeoutOption(Duration.millis(Math.max(1, until - deps.now()))),
      Effect.result
    )
    if (Result.isSuccess(answer) && Option.isSome(answer.success)) {
      ackAt = deps.now()
      onOrder(answer.success.value)
      yield* awaitFinal(r, o, waiter, until)
    } else if (Result.isFailure(answer)) {
      const failure = answer.failure
      error = failure.message
      const tag = failure.reason._tag
      if (tag === "RateLimited") deps.onRateLimited()
      if (tag === "Unavailable") {
        // The venue may have acted: ask for the order by its client order id, never send again.
        const found = yield* resolveByClientId(r, clientOrderId, until)
        if (found !== undefined) {
          resolvedByQuery = true
          ackAt = deps.now()
          onOrder(found)
          yield* awaitFinal(r, o, waiter, until)
        }
      } else {
        rejected = true
      }
    } else {
      error = "no answer by the deadline"
      const found = yield* resolveByClientId(r, clientOrderId, deps.now() + deps.legTimeoutMs)
      if (found !== undefined) {
        resolvedByQuery = true
        onOrder(found)
        yield* awaitFinal(r, o, waiter, deps.now() + deps.legTimeoutMs)
      }
    }
    waiters.delete(clientOrderId)
    const known = isFinal(o.order)
    if (!rejected && !known) deps.unresolved.add(clientOrderId)
    const outcome: LegOutcome = rejected ? "rejected" : known ? legOutcome(o, request.quantity!) : "unknown"
    const latencyMs = deps.now() - sentAt
    yield* Metric.update(r.metrics.legLatency, latencyMs)
    yield* Effect.annotateCurrentSpan({ outcome, latencyMs: Math.round(latencyMs), ...(error === undefined ? {} : { error }) })
    const record: LegRecord = {
      venue: r.name,
      role,
      side: request.side,
      clientOrderId,
      orderId: o.order?.orderId,
      price: request.price!,
      quantity: request.quantity!,
      filled: filledOf(o),
      filledQuote: filledQuoteOf(o),
      outcome,
      error: outcome === "filled" || outcome === "partial" || outcome === "unfilled" ? (resolvedByQuery ? error : undefined) : error,
      resolvedByQuery,
      ackMs: ackAt === undefined ? undefined : ackAt - sentAt,
      latencyMs
    }
    return { record, own: o, ackAt }
  })

  return { onOrder, resolveByClientId, resolveUnresolved, awaitFinal, refresh, leg }
}
