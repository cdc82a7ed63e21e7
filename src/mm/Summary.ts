/**
 * A cycle's summary as text (a few aligned lines for people) or as one JSON-ready object (for
 * `--log-format json` and log pipelines). Amounts are exact plain decimals; times are whole
 * milliseconds.
 *
 * @since 0.1.0
 */
import { BigDecimal } from "effect"
import * as Decimal from "../exchange/Decimal.ts"
import type { CycleSummary, OrderRecord } from "./MarketMaker.ts"

const fmt = (value: Decimal.Decimal | undefined): string =>
  value === undefined ? "-" : Decimal.format(Decimal.roundToStep(value, Decimal.stepOfPlaces(10), "nearest"))

const ms = (value: number | undefined): string => value === undefined ? "-" : `${Math.round(value)} ms`

const fees = (list: OrderRecord["fees"]): string =>
  list.length === 0 ? "0" : list.map((f) => `${fmt(f.amount)} ${f.asset}`).join(" + ")

const pad = (rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  const widths: Array<number> = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  "))
}

/** The summary as lines of text: a header, one line per order, and the totals. */
export const formatText = (summary: CycleSummary): Array<string> => {
  const header = `cycle ${summary.cycle} on ${summary.symbol}: ${summary.completed ? "completed" : "incomplete"} in ${(summary.durationMs / 1000).toFixed(1)} s`
  const rows = summary.orders.map((o) => [
    `  ${o.side}`,
    `${fmt(o.quantity)} @ ${fmt(o.price)}`,
    o.status ?? "(no answer)",
    `filled ${fmt(o.filledQuantity)}${o.averagePrice === undefined ? "" : ` @ ${fmt(o.averagePrice)}`}`,
    `fee ${fees(o.fees)}`,
    `ack ${ms(o.ackMs)}`,
    `fill ${ms(o.fillMs)}`,
    `${o.end} ${o.orderId ?? ""} ${o.clientOrderId}`.replace(/\s+/g, " ")
  ])
  const pnl = BigDecimal.isNegative(summary.pnl) ? fmt(summary.pnl) : `+${fmt(summary.pnl)}`
  const totals = `  bought ${fmt(summary.bought)} ${summary.baseAsset} for ${fmt(summary.boughtQuote)} ${summary.quoteAsset}, ` +
    `sold ${fmt(summary.sold)} for ${fmt(summary.soldQuote)} ${summary.quoteAsset}, ` +
    `fees ${fees(summary.fees)}, unsold ${fmt(summary.unsold)} ${summary.baseAsset}, PnL ${pnl} ${summary.quoteAsset}`
  return [header, ...pad(rows), totals]
}

/** The summary as a plain object of strings and numbers (exact decimals as strings). */
export const toJson = (summary: CycleSummary): Record<string, unknown> => ({
  cycle: summary.cycle,
  symbol: summary.symbol,
  completed: summary.completed,
  durationMs: Math.round(summary.durationMs),
  orders: summary.orders.map((o) => ({
    side: o.side,
    orderId: o.orderId ?? null,
    clientOrderId: o.clientOrderId,
    price: Decimal.format(o.price),
    quantity: Decimal.format(o.quantity),
    status: o.status ?? null,
    filledQuantity: Decimal.format(o.filledQuantity),
    averagePrice: o.averagePrice === undefined ? null : fmt(o.averagePrice),
    fees: o.fees.map((f) => ({ asset: f.asset, amount: Decimal.format(f.amount) })),
    ackMs: o.ackMs === undefined ? null : Math.round(o.ackMs),
    fillMs: o.fillMs === undefined ? null : Math.round(o.fillMs),
    end: o.end
  })),
  bought: Decimal.format(summary.bought),
  boughtQuote: Decimal.format(summary.boughtQuote),
  sold: Decimal.format(summary.sold),
  soldQuote: Decimal.format(summary.soldQuote),
  fees: summary.fees.map((f) => ({ asset: f.asset, amount: Decimal.format(f.amount) })),
  unsold: Decimal.format(summary.unsold),
  pnl: Decimal.format(summary.pnl),
  baseAsset: summary.baseAsset,
  quoteAsset: summary.quoteAsset
})
