/**
 * @internal Unknown outcomes of place and cancel, resolved by asking the venue, never by retrying
 * blindly.
 *
 * - **Place**: a place whose answer was lost (`Unavailable` or `Decode`: 5xx, timeout, connection
 *   cut, unreadable answer) is queried by client order id every `intervalMs`. The user stream may
 *   answer first (the order shows up in the own-orders view). The venue's "unknown order" means
 *   "not placed" only once `settleMs` has passed since the failure: the order may exist but not be
 *   visible yet (the port's visibility window), and the lost request may still be carried out
 *   until its lifetime has passed. Placed: the order. Not placed: `Transport` (retryable: the
 *   venue did nothing), and the id is forgotten. Still unknown at `deadlineMs`: `Unavailable`, and
 *   the order stays tracked (reconciled, canceled on close if it exists).
 * - **Cancel**: a cancel whose answer was lost, or answered "unknown order", is an unknown
 *   outcome too: the order may have just filled (a fill racing the cancel) or not be visible yet.
 *   It is queried, and canceled again while still open, until final; a closed order is the answer
 *   (a FILLED order, not an error). "Unknown order" counts as final only past the window: the
 *   visibility window, or `settleMs` for an order whose own place is still unresolved.
 *
 * An interruption is passed on at once, never read as an answer.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Exit } from "effect"
import { type ExchangeError, type ExchangeErrorReason, Transport, Unavailable } from "../../exchange/ExchangeError.ts"
import type { Order, OrderRef } from "../../exchange/Model.ts"
import type { OwnOrders } from "../OwnOrders.ts"
import type { PrivatePort } from "../PrivatePort.ts"
import { failureOf } from "./failure.ts"

/** The windows of the resolution, in ms (see the module doc). */
export interface Windows {
  /** How long "unknown order" may mean "not yet visible". */
  readonly visibilityMs: number
  /** How long "unknown order" may mean "not placed yet": the longer of visibility and request lifetime. */
  readonly settleMs: number
  /** Give up (and fail with `Unavailable`) this long after the failure. */
  readonly deadlineMs: number
  /** Pause between queries. */
  readonly intervalMs: number
}

/** What the resolution works with (the connector's state and publishers). */
export interface OutcomeContext {
  readonly component: string
  readonly port: PrivatePort
  readonly view: OwnOrders
  readonly windows: Windows
  /** Monotonic ms. */
  readonly now: () => number
  readonly error: (operation: string, reason: ExchangeErrorReason) => ExchangeError
  /** Publishes an order learned over REST behind the stream (nothing when `undefined`). */
  readonly publishRest: (order: Order | undefined) => Effect.Effect<void>
  /** Applies a REST answer about an order to the view, publishes a change, answers the latest. */
  readonly learn: (order: Order, expectPush: boolean) => Effect.Effect<Order>
  /** An unknown outcome was resolved (counted in the stats). */
  readonly resolved: () => void
}

/** Whether a failed state-changing call left its outcome unknown (the venue may have acted). */
export const isOutcomeUnknown = (reason: ExchangeErrorReason): boolean => reason._tag === "Unavailable" || reason._tag === "Decode"

/**
 * Whether a cancel's failure needs queries: a lost answer, or "unknown order" (the order may have
 * just filled, routine on a healthy venue, or not be visible yet). Only the first is counted as an
 * unknown outcome: "unknown order" is the venue's answer.
 */
export const isCancelOutcomeUnknown = (reason: ExchangeErrorReason): boolean =>
  isOutcomeUnknown(reason) || reason._tag === "UnknownOrder"

/** Resolves a place whose answer was lost (`cause`), by client order id. */
export const resolvePlacement = (
  context: OutcomeContext,
  symbol: string,
  clientOrderId: string,
  cause: ExchangeError
): Effect.Effect<Order, ExchangeError> =>
  Effect.gen(function*() {
    const { view, windows } = context
    const failedAt = context.now()
    const ids = { component: context.component, symbol, client_order_id: clientOrderId }
    yield* Effect.logInfo("order outcome unknown; asking the venue by client order id", cause.message).pipe(Effect.annotateLogs(ids))
    while (true) {
      const entry = view.get(clientOrderId)
      if (entry?.order !== undefined) {
        context.resolved()
        return entry.order // the stream told us
      }
      const exit = yield* Effect.exit(context.port.queryOrder({ symbol, clientOrderId }))
      if (Exit.isSuccess(exit)) {
        view.apply(exit.value)
        const order = view.get(clientOrderId)?.order ?? exit.value
        yield* context.publishRest(order)
        context.resolved()
        yield* Effect.logInfo("unknown outcome resolved: the order was placed").pipe(
          Effect.annotateLogs({ ...ids, order_id: order.orderId })
        )
        return order
      }
      const failure = failureOf(exit)
      if (failure._tag === "Interrupted") return yield* Effect.interrupt
      const elapsed = context.now() - failedAt
      if (failure.error.reason._tag === "UnknownOrder" && elapsed >= windows.settleMs) {
        view.forget(clientOrderId)
        context.resolved()
        yield* Effect.logInfo("unknown outcome resolved: the order was not placed").pipe(Effect.annotateLogs(ids))
        return yield* context.error("placeOrder", new Transport({
          detail: `the order ${clientOrderId} was not placed (confirmed by query ${Math.round(elapsed)} ms after: ${cause.reason.message}); it is safe to retry`
        }))
      }
      if (elapsed >= windows.deadlineMs) {
        yield* Effect.logWarning("order outcome still unknown at the deadline; it stays tracked").pipe(Effect.annotateLogs(ids))
        return yield* context.error("placeOrder", new Unavailable({
          detail: `outcome of ${clientOrderId} unknown after ${Math.round(elapsed)} ms of queries (${cause.reason.message}); the order may exist and is canceled on close`
        }))
      }
      yield* Effect.sleep(Duration.millis(windows.intervalMs))
    }
  })

/**
 * Resolves a cancel whose failure (`cause`) left its outcome unknown ({@link isCancelOutcomeUnknown}):
 * queries until the order is final, sending the cancel again while it is still open.
 */
export const resolveCancel = (context: OutcomeContext, ref: OrderRef, cause: ExchangeError): Effect.Effect<Order, ExchangeError> =>
  // A lost answer: the cancel may still be carried out, or the order's own place still land.
  // "Unknown order": the order may be closed, or not visible yet.
  isOutcomeUnknown(cause.reason)
    ? confirmCancel(context, ref, cause, context.windows.settleMs, true)
    : confirmCancel(context, ref, cause, visibilityFor(context, ref), false)

/** How long "unknown order" may still mean "not yet visible" for `ref`. */
const visibilityFor = (context: OutcomeContext, ref: OrderRef): number => {
  const entry = "clientOrderId" in ref ? context.view.get(ref.clientOrderId) : context.view.byOrderId(ref.orderId)
  // A place whose outcome is not known yet may still arrive: the request's lifetime too.
  return entry?.unresolved === true ? context.windows.settleMs : context.windows.visibilityMs
}

/**
 * Queries until the order is final; sends the cancel again while it is still open. The venue's
 * "unknown order" counts as "does not exist" only once `windowMs` has passed since the failure.
 * `answerLost`: the cancel's answer could not be read, so its resolution counts as an unknown
 * outcome; an "unknown order" answer does not (a 10-minute mm run on a healthy simulator counted
 * 50 "unknown outcomes", each a fill that raced a re-quote's cancel).
 */
const confirmCancel = (
  context: OutcomeContext,
  ref: OrderRef,
  cause: ExchangeError,
  windowMs: number,
  answerLost: boolean
): Effect.Effect<Order, ExchangeError> =>
  Effect.gen(function*() {
    const { port, windows } = context
    const failedAt = context.now()
    while (true) {
      const exit = yield* Effect.exit(port.queryOrder(ref))
      if (Exit.isSuccess(exit)) {
        if (!exit.value.isOpen) {
          if (answerLost) context.resolved()
          return yield* context.learn(exit.value, false)
        }
        const again = yield* Effect.exit(port.cancelOrder(ref))
        if (Exit.isSuccess(again)) {
          if (answerLost) context.resolved()
          return yield* context.learn(again.value, true)
        }
        if (failureOf(again)._tag === "Interrupted") return yield* Effect.interrupt
      } else {
        const failure = failureOf(exit)
        if (failure._tag === "Interrupted") return yield* Effect.interrupt
        if (failure.error.reason._tag === "UnknownOrder" && context.now() - failedAt >= windowMs) return yield* failure.error
      }
      if (context.now() - failedAt >= windows.deadlineMs) {
        return yield* context.error("cancelOrder", new Unavailable({
          detail: `cancel outcome unknown after ${Math.round(context.now() - failedAt)} ms of queries (${cause.reason.message})`
        }))
      }
      yield* Effect.sleep(Duration.millis(windows.intervalMs))
    }
  })
