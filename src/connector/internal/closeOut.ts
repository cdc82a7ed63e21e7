/**
 * @internal Cancel on close: cancels every order of ours that may be live and confirms each, by
 * the venue's answer (a final state, or "unknown order" past the window for a place that never
 * landed) or by an open-orders check over REST that succeeded and does not list it. Whatever is
 * not confirmed within the close budget is left open (listed by the check) or unknown, each named
 * in an ERROR line and reported to the component registry (the CLI exits 3). A failed check is
 * never read as an empty list, and "confirmed" is logged only when everything was.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Exit } from "effect"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import type { Order, OrderRef } from "../../exchange/Model.ts"
import type { Unconfirmed } from "../../lifecycle/ComponentRegistry.ts"
import type { Entry, OwnOrders } from "../OwnOrders.ts"
import { failureOf, messageOf } from "./failure.ts"

/** What cancel on close works with. */
export interface CloseOutContext {
  readonly component: string
  readonly view: OwnOrders
  /** Client order ids whose place is still in flight. */
  readonly inFlight: ReadonlySet<string>
  /** Time for all of it (ms), within the component's stop budget. */
  readonly budgetMs: number
  /** Longest wait for places in flight to settle (ms). */
  readonly settleWaitMs: number
  /** Monotonic ms. */
  readonly now: () => number
  readonly cancelOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  readonly openOrders: (symbol: string) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  readonly report: (unconfirmed: Unconfirmed) => void
}

type Outcome = { readonly confirmed: true } | { readonly confirmed: false; readonly why: string }

/** Runs cancel on close (see the module doc). Never fails. */
export const closeOut = (context: CloseOutContext): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { component, view } = context
    const annotations = { component }
    const startedAt = context.now()
    const left = () => Duration.millis(Math.max(0, context.budgetMs - (context.now() - startedAt)))
    // A place still in flight settles first (its own resolution knows whether it placed), so that
    // nothing it places is left behind. New places are refused from here on.
    while (context.inFlight.size > 0 && context.now() - startedAt < context.settleWaitMs) yield* Effect.sleep("20 millis")
    const live = view.live()
    if (live.length === 0) {
      yield* Effect.logDebug("cancel on close: no open order").pipe(Effect.annotateLogs(annotations))
      return
    }

    const outcome = new Map<string, Outcome>()
    yield* Effect.forEach(live, (entry) => cancelOne(context, entry, left(), outcome), { concurrency: 4, discard: true })
    const leftOpen = yield* checkOpenOrders(context, live, left, outcome)
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
        Effect.annotateLogs({
          ...annotations,
          symbol: entry.symbol,
          client_order_id: entry.clientOrderId,
          ...(orderId === undefined ? {} : { order_id: orderId })
        })
      )
    }
    yield* Effect.logError(`cancel on close: NOT confirmed: ${leftOpen.length} order(s) left open, ${unknown.length} unknown`).pipe(
      Effect.annotateLogs({ ...annotations, left_open: leftOpen.length, unknown: unknown.length })
    )
    context.report({ component, what: "orders left open or unknown", items })
  })

/** Cancels one order and records whether its answer confirmed it closed. */
const cancelOne = (context: CloseOutContext, entry: Entry, within: Duration.Duration, outcome: Map<string, Outcome>) =>
  Effect.gen(function*() {
    const ids = { component: context.component, symbol: entry.symbol, client_order_id: entry.clientOrderId }
    const exit = yield* Effect.exit(
      Effect.timeoutOption(context.cancelOrder({ symbol: entry.symbol, clientOrderId: entry.clientOrderId }), within)
    )
    if (Exit.isSuccess(exit)) {
      if (exit.value._tag === "Some" && !exit.value.value.isOpen) {
        outcome.set(entry.clientOrderId, { confirmed: true })
        yield* Effect.logInfo("cancel on close: order closed").pipe(
          Effect.annotateLogs({ ...ids, order_id: exit.value.value.orderId, status: exit.value.value.status })
        )
      } else {
        const why = exit.value._tag === "None" ? "no answer within the close budget" : "the venue still reports it open"
        outcome.set(entry.clientOrderId, { confirmed: false, why })
      }
      return
    }
    const failure = failureOf(exit)
    if (failure._tag === "Failure" && failure.error.reason._tag === "UnknownOrder" && entry.order === undefined) {
      // Past the visibility window and the request's lifetime: the place never landed.
      context.view.forget(entry.clientOrderId)
      outcome.set(entry.clientOrderId, { confirmed: true })
      yield* Effect.logInfo("cancel on close: order was never placed").pipe(Effect.annotateLogs(ids))
      return
    }
    outcome.set(entry.clientOrderId, { confirmed: false, why: `cancel failed: ${messageOf(failure)}` })
  })

/**
 * Asks for the open orders of each symbol: answers ours still listed; a known order a successful
 * check does not list is confirmed closed; a failed check leaves every unconfirmed order unknown.
 */
const checkOpenOrders = (
  context: CloseOutContext,
  live: ReadonlyArray<Entry>,
  left: () => Duration.Duration,
  outcome: Map<string, Outcome>
) =>
  Effect.gen(function*() {
    const leftOpen: Array<{ readonly entry: Entry; readonly order: Order }> = []
    for (const symbol of new Set(live.map((e) => e.symbol))) {
      const ofSymbol = live.filter((e) => e.symbol === symbol)
      const checked = yield* Effect.exit(Effect.timeoutOption(context.openOrders(symbol), left()))
      if (Exit.isFailure(checked) || checked.value._tag === "None") {
        const why = Exit.isFailure(checked)
          ? `open-orders check failed: ${messageOf(failureOf(checked))}`
          : "open-orders check got no answer within the close budget"
        for (const entry of ofSymbol) {
          const known = outcome.get(entry.clientOrderId)
          if (known?.confirmed !== true) {
            outcome.set(entry.clientOrderId, { confirmed: false, why: known === undefined ? why : `${known.why}; ${why}` })
          }
        }
        continue
      }
      const listed = new Map<string, Order>()
      for (const order of checked.value.value) {
        const entry = context.view.entryOf(order)
        if (entry !== undefined) listed.set(entry.clientOrderId, order)
      }
      for (const entry of ofSymbol) {
        const order = listed.get(entry.clientOrderId)
        if (order !== undefined) {
          leftOpen.push({ entry, order })
          outcome.delete(entry.clientOrderId)
        } else if (outcome.get(entry.clientOrderId)?.confirmed === false && entry.order !== undefined) {
          // A known order a successful check does not list is not open (one whose place is
          // unresolved may just not be visible yet: it stays unknown).
          outcome.set(entry.clientOrderId, { confirmed: true })
        }
      }
    }
    return leftOpen
  })
