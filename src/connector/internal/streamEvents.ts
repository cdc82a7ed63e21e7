/**
 * @internal The user stream's events taken into the private side's views and topics, one batch at
 * a time (the stream hands them over in order, on its queue):
 * - an order of ours updates the own-orders view (and marks the stream as having spoken about it,
 *   for the silence watch); only a change is published. An order of the account not placed by
 *   this process is passed on as is.
 * - a fill is passed on once per the venue's identity of the trade (`PrivatePort.fillIdentity`),
 *   and never beyond its order's quantity (a corrupted copy cannot double a position);
 * - a balance is taken only for an asset of the account or of an instrument in use (a push for
 *   another is garbage);
 * - what is skipped is counted (`malformed`) and logged once per batch with the first problem.
 * Each topic is published in one step per batch.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { type Balance, BalanceUpdate, type Fill, type Instrument, OrderUpdate } from "../../exchange/Model.ts"
import type { OwnOrders } from "../OwnOrders.ts"
import type { PrivateEvent, PrivatePort } from "../PrivatePort.ts"

/** What the intake works with (the connector's state and publishers). */
export interface IntakeContext {
  readonly component: string
  readonly port: PrivatePort
  readonly view: OwnOrders
  /** Latest balance per asset (as fetched or pushed). */
  readonly balanceView: Map<string, Balance>
  /** Instruments in use, by symbol. */
  readonly instruments: ReadonlyMap<string, Instrument>
  readonly publishOrders: (updates: ReadonlyArray<OrderUpdate>) => Effect.Effect<void>
  readonly publishFills: (fills: ReadonlyArray<Fill>) => Effect.Effect<void>
  readonly publishBalances: (updates: ReadonlyArray<BalanceUpdate>) => Effect.Effect<void>
  /** `count` pushes were skipped. */
  readonly skipped: (count: number) => void
}

/** The intake's functions, shared with reconciliation (fills and problems are judged alike). */
export interface Intake {
  /** Takes a batch of stream events (and the batch's decode problems): views, then topics. */
  readonly onEvents: (events: ReadonlyArray<PrivateEvent>, decodeProblems: ReadonlyArray<string>) => Effect.Effect<void>
  /** Whether a fill is new; one beyond its order's quantity adds a line to `problems`. */
  readonly noteFill: (fill: Fill, problems: Array<string>) => boolean
  /** Counts and logs (once, with the first) what was skipped; nothing when none. */
  readonly reportProblems: (problems: ReadonlyArray<string>, what: string) => Effect.Effect<void>
}

/** The intake over `context`. */
export const make = (context: IntakeContext): Intake => {
  const { view, balanceView } = context

  const noteFill = (fill: Fill, problems: Array<string>): boolean => {
    const verdict = view.admitFill(fill, context.port.fillIdentity(fill))
    if (verdict === "exceedsOrder") {
      problems.push(`fill ${fill.tradeId} of order ${fill.orderId} would exceed the order's quantity (a corrupted copy?)`)
    }
    return verdict === "new"
  }

  const reportProblems = (problems: ReadonlyArray<string>, what: string): Effect.Effect<void> => {
    if (problems.length === 0) return Effect.void
    context.skipped(problems.length)
    return Effect.logWarning(what, problems[0]!).pipe(Effect.annotateLogs({ component: context.component, skipped: problems.length }))
  }

  const isKnownAsset = (asset: string): boolean => {
    if (balanceView.has(asset)) return true
    for (const instrument of context.instruments.values()) if (instrument.baseAsset === asset || instrument.quoteAsset === asset) return true
    return false
  }

  const onEvents = (events: ReadonlyArray<PrivateEvent>, decodeProblems: ReadonlyArray<string>): Effect.Effect<void> =>
    Effect.suspend(() => {
      const orders: Array<OrderUpdate> = []
      const fills: Array<Fill> = []
      const balances: Array<BalanceUpdate> = []
      const problems = decodeProblems.slice()
      for (const event of events) {
        switch (event._tag) {
          case "Order": {
            const entry = view.entryOf(event.order)
            if (entry === undefined) {
              // The account's order, not placed by this process: passed on as is.
              orders.push(new OrderUpdate({ order: event.order, source: "stream", time: event.time ?? event.order.time }))
              break
            }
            view.streamSeen(entry)
            const changed = view.apply(event.order)
            if (changed !== undefined) orders.push(new OrderUpdate({ order: changed, source: "stream", time: event.time ?? changed.time }))
            break
          }
          case "Fill": {
            if (noteFill(event.fill, problems)) fills.push(event.fill)
            break
          }
          case "Balance": {
            if (!isKnownAsset(event.balance.asset)) {
              problems.push(`balance update for an unknown asset ${JSON.stringify(event.balance.asset)}`)
              break
            }
            balanceView.set(event.balance.asset, event.balance)
            balances.push(new BalanceUpdate({ balance: event.balance, reason: event.reason, time: event.time }))
            break
          }
        }
      }
      const effects: Array<Effect.Effect<void>> = [reportProblems(problems, "skipped private push(es)")]
      if (orders.length > 0) effects.push(context.publishOrders(orders))
      if (fills.length > 0) effects.push(context.publishFills(fills))
      if (balances.length > 0) effects.push(context.publishBalances(balances))
      return Effect.all(effects, { discard: true })
    })

  return { onEvents, noteFill, reportProblems }
}
