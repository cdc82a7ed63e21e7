/**
 * The arbitrage's reports as text (a line per attempt, a few lines of summary, the position at
 * stop) or as JSON-ready objects (for `--log-format json`). Amounts are exact plain decimals
 * (rounded to 10 places in text); times are whole milliseconds.
 *
 * @since 0.1.0
 */
import { BigDecimal } from "effect"
import * as Decimal from "../exchange/Decimal.ts"
import type { AttemptRecord, LegRecord, RunSummary, StopReport } from "./Arbitrage.ts"

const fmt = (value: Decimal.Decimal | undefined): string =>
  value === undefined ? "-" : Decimal.format(Decimal.roundToStep(value, Decimal.stepOfPlaces(10), "nearest"))
const signed = (value: Decimal.Decimal): string => (BigDecimal.isNegative(value) ? "" : "+") + fmt(value)
const ms = (value: number | undefined): string => value === undefined ? "-" : `${Math.round(value)} ms`

/** The `p`-th percentile (0-100) of `values` by nearest rank; undefined when empty. */
export const percentile = (values: ReadonlyArray<number>, p: number): number | undefined => {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]
}

const average = (l: LegRecord): string =>
  BigDecimal.isZero(l.filled) ? "" : ` at ${fmt(BigDecimal.divideUnsafe(l.filledQuote, l.filled))}`

const legText = (l: LegRecord): string =>
  `${l.side} ${fmt(l.quantity)} on ${l.venue} limit ${fmt(l.price)} -> ${l.outcome}${l.outcome === "partial" || l.outcome === "filled" ? ` ${fmt(l.filled)}${average(l)}` : ""}` +
  `${l.resolvedByQuery ? " (resolved by client id)" : ""}${l.error !== undefined && (l.outcome === "rejected" || l.outcome === "unknown") ? `: ${l.error}` : ""}`

/** One line per attempt (plus one per unwind order). */
export const attemptText = (a: AttemptRecord, base: string, quote: string): Array<string> => [
  `attempt ${a.attempt} ${a.outcome}: buy on ${a.buyVenue}, sell on ${a.sellVenue}, ${fmt(a.quantity)} ${base}, edge ${a.edgeBps.toFixed(1)} bps ` +
  `(expected ${signed(a.expectedProfit)} ${quote}), PnL ${signed(a.pnl)} ${quote}, detect->acks ${ms(a.detectToAckMs)}, ${ms(a.durationMs)}` +
  `${BigDecimal.isZero(a.positionAfter) ? "" : `, position ${signed(a.positionAfter)} ${base}`}`,
  ...a.legs.map((l) => `  ${legText(l)}`),
  ...a.unwinds.map((l) => `  unwind ${legText(l)}`)
]

const legJson = (l: LegRecord) => ({
  venue: l.venue,
  role: l.role,
  side: l.side,
  clientOrderId: l.clientOrderId,
  orderId: l.orderId ?? null,
  price: Decimal.format(l.price),
  quantity: Decimal.format(l.quantity),
  filled: Decimal.format(l.filled),
  filledQuote: Decimal.format(l.filledQuote),
  outcome: l.outcome,
  error: l.error ?? null,
  resolvedByQuery: l.resolvedByQuery,
  ackMs: l.ackMs === undefined ? null : Math.round(l.ackMs),
  latencyMs: Math.round(l.latencyMs)
})

/** An attempt as a plain object (exact decimals as strings). */
export const attemptJson = (a: AttemptRecord): Record<string, unknown> => ({
  attempt: a.attempt,
  outcome: a.outcome,
  buyVenue: a.buyVenue,
  sellVenue: a.sellVenue,
  quantity: Decimal.format(a.quantity),
  edgeBps: Math.round(a.edgeBps * 100) / 100,
  expectedProfit: Decimal.format(a.expectedProfit),
  pnl: Decimal.format(a.pnl),
  positionAfter: Decimal.format(a.positionAfter),
  oneLegged: a.oneLegged,
  detectToAckMs: a.detectToAckMs === undefined ? null : Math.round(a.detectToAckMs * 10) / 10,
  durationMs: Math.round(a.durationMs),
  states: a.states.map((s) => s.state),
  trigger: a.trigger,
  legs: a.legs.map(legJson),
  unwinds: a.unwinds.map(legJson)
})

/** Attempts per minute over the run. */
export const attemptsPerMinute = (s: RunSummary): number => s.durationMs <= 0 ? 0 : (s.attempts * 60_000) / s.durationMs

/** The run's summary as lines of text. */
export const summaryText = (s: RunSummary): Array<string> => {
  const p50 = percentile(s.detectToAckMs, 50)
  const p99 = percentile(s.detectToAckMs, 99)
  const skipped = Object.entries(s.skipped).map(([reason, n]) => `${reason} ${n}`).join(", ")
  return [
    `arb ${s.base}/${s.quote}: ${s.attempts} attempts in ${(s.durationMs / 1000).toFixed(1)} s (${attemptsPerMinute(s).toFixed(1)}/min): ` +
    `${s.completed} completed, ${s.missed} missed, ${s.oneLegged} one-legged (${s.unwound} unwound, ${s.dust} dust, ${s.unwindFailed} unwind failed)`,
    `  PnL ${signed(s.pnl)} ${s.quote} (inventory marked at ${fmt(s.mark)}), fees ${fmt(s.fees)} ${s.quote}${s.feesEstimated ? " (partly estimated at the taker rate)" : ""}, ` +
    `position ${signed(s.position)} ${s.base}`,
    `  per venue: ${s.venues.map((v) => `${v.venue} (${v.symbol}) ${signed(v.base)} ${s.base} ${signed(v.quote)} ${s.quote}`).join("; ")}`,
    `  detected ${s.detected}, checked ${s.checked}${skipped === "" ? "" : `, skipped: ${skipped}`}; detect->both acks p50 ${ms(p50)}, p99 ${ms(p99)}`,
    ...(s.killed === undefined ? [] : [`  stopped by kill switch: ${s.killed}`])
  ]
}

/** The run's summary as a plain object. */
export const summaryJson = (s: RunSummary): Record<string, unknown> => ({
  base: s.base,
  quote: s.quote,
  attempts: s.attempts,
  completed: s.completed,
  missed: s.missed,
  oneLegged: s.oneLegged,
  unwound: s.unwound,
  dust: s.dust,
  unwindFailed: s.unwindFailed,
  detected: s.detected,
  checked: s.checked,
  skipped: s.skipped,
  pnl: Decimal.format(s.pnl),
  fees: Decimal.format(s.fees),
  feesEstimated: s.feesEstimated,
  mark: s.mark === undefined ? null : Decimal.format(s.mark),
  position: Decimal.format(s.position),
  venues: s.venues.map((v) => ({ venue: v.venue, symbol: v.symbol, base: Decimal.format(v.base), quote: Decimal.format(v.quote) })),
  killed: s.killed ?? null,
  durationMs: Math.round(s.durationMs),
  attemptsPerMinute: Math.round(attemptsPerMinute(s) * 10) / 10,
  detectToAckMs: { p50: percentile(s.detectToAckMs, 50) ?? null, p99: percentile(s.detectToAckMs, 99) ?? null }
})

/** The stop report as lines of text. */
export const stopText = (r: StopReport, base: string, quote: string): Array<string> => [
  `stop: attempt in flight ${r.inFlight}, ${r.canceled} order(s) canceled, ${r.withinBudget ? "within" : "OVER"} budget; position ${signed(r.position)} ${base}` +
  `${r.unresolved.length === 0 ? "" : `; outcome unknown: ${r.unresolved.join(", ")}`}`,
  ...r.venues.map((v) =>
    `  ${v.venue} (${v.symbol}): net ${signed(v.base)} ${base}, ${signed(v.quote)} ${quote}; open orders of ours ${v.openOrders}${v.confirmed ? " (confirmed over REST)" : " (NOT confirmed)"}`
  )
]

/** The stop report as a plain object. */
export const stopJson = (r: StopReport): Record<string, unknown> => ({
  inFlight: r.inFlight,
  canceled: r.canceled,
  withinBudget: r.withinBudget,
  position: Decimal.format(r.position),
  unresolved: r.unresolved,
  venues: r.venues.map((v) => ({
    venue: v.venue,
    symbol: v.symbol,
    base: Decimal.format(v.base),
    quote: Decimal.format(v.quote),
    openOrders: v.openOrders,
    confirmed: v.confirmed
  }))
})
