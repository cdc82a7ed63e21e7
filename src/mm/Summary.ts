/**
 * A cycle's summary as text (a few aligned lines for people) or as one JSON-ready object (for
 * `--log-format json` and log pipelines), and the running total over cycles ({@link Total}).
 * Amounts are exact plain decimals; times are whole milliseconds. An order the venue refused shows
 * as `REJECTED` with its reason; the unsold base is valued at the mid and the line says so.
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

/** The status column: the venue's status, `REJECTED` for a refused order, or `(no answer)`. */
const statusText = (o: OrderRecord): string => o.status ?? (o.end === "rejected" ? "REJECTED" : "(no answer)")

const signed = (value: Decimal.Decimal): string => BigDecimal.isNegative(value) ? fmt(value) : `+${fmt(value)}`

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
    statusText(o),
    `filled ${fmt(o.filledQuantity)}${o.averagePrice === undefined ? "" : ` @ ${fmt(o.averagePrice)}`}`,
    `fee ${fees(o.fees)}`,
    `ack ${ms(o.ackMs)}`,
    `fill ${ms(o.fillMs)}`,
    `${o.end} ${o.orderId ?? ""} ${o.clientOrderId}${o.rejection === undefined ? "" : `: ${o.rejection}`}`.replace(/\s+/g, " ")
  ])
  const totals = `  bought ${fmt(summary.bought)} ${summary.baseAsset} for ${fmt(summary.boughtQuote)} ${summary.quoteAsset}, ` +
    `sold ${fmt(summary.sold)} for ${fmt(summary.soldQuote)} ${summary.quoteAsset}, ` +
    `fees ${fees(summary.fees)}, unsold ${fmt(summary.unsold)} ${summary.baseAsset}, ` +
    `PnL ${signed(summary.pnl)} ${summary.quoteAsset}${markText(summary.unsold, summary.baseAsset, summary.mark)}`
  return [header, ...pad(rows), totals]
}

/** How unsold base was valued, when there is any: it is not realized until sold. */
const markText = (unsold: Decimal.Decimal, baseAsset: string, mark: CycleSummary["mark"]): string =>
  BigDecimal.isZero(unsold) ? "" : ` (unsold ${baseAsset} marked at the ${mark.source} ${fmt(mark.price)})`

/**
 * Totals over the cycles of a run. Each cycle's PnL is realized except for its unsold base; the
 * total values all unsold base at the latest cycle's mark.
 */
export interface Total {
  readonly cycles: number
  readonly baseAsset: string
  readonly quoteAsset: string
  /** Quote received - quote spent - fees in the quote asset, over every cycle. */
  readonly realized: Decimal.Decimal
  /** Base bought and not sold (fees in the base asset deducted), over every cycle. */
  readonly unsold: Decimal.Decimal
  readonly mark: CycleSummary["mark"]
  /** `realized` + `unsold` x `mark.price`. */
  readonly pnl: Decimal.Decimal
}

const realizedOf = (summary: CycleSummary): Decimal.Decimal =>
  BigDecimal.subtract(summary.pnl, BigDecimal.multiply(summary.unsold, summary.mark.price))

/** Adds a cycle to the running total (`undefined` before the first). */
export const addToTotal = (total: Total | undefined, summary: CycleSummary): Total => {
  const realized = BigDecimal.normalize(BigDecimal.sum(total?.realized ?? Decimal.zero, realizedOf(summary)))
  const unsold = BigDecimal.normalize(BigDecimal.sum(total?.unsold ?? Decimal.zero, summary.unsold))
  return {
    cycles: (total?.cycles ?? 0) + 1,
    baseAsset: summary.baseAsset,
    quoteAsset: summary.quoteAsset,
    realized,
    unsold,
    mark: summary.mark,
    pnl: BigDecimal.normalize(BigDecimal.sum(realized, BigDecimal.multiply(unsold, summary.mark.price)))
  }
}

/** The running total as one line of text. */
export const formatTotal = (total: Total): string =>
  `total over ${total.cycles} cycle${total.cycles === 1 ? "" : "s"}: PnL ${signed(total.pnl)} ${total.quoteAsset}` +
  ` (realized ${signed(total.realized)} ${total.quoteAsset}, unsold ${fmt(total.unsold)} ${total.baseAsset}` +
  `${BigDecimal.isZero(total.unsold) ? "" : ` marked at the ${total.mark.source} ${fmt(total.mark.price)}`})`

/** The running total as a plain object (exact decimals as strings). */
export const totalToJson = (total: Total): Record<string, unknown> => ({
  cycles: total.cycles,
  pnl: Decimal.format(total.pnl),
  realized: Decimal.format(total.realized),
  unsold: Decimal.format(total.unsold),
  mark: { price: Decimal.format(total.mark.price), source: total.mark.source },
  quoteAsset: total.quoteAsset,
  baseAsset: total.baseAsset
})

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
    end: o.end,
    rejection: o.rejection ?? null
  })),
  bought: Decimal.format(summary.bought),
  boughtQuote: Decimal.format(summary.boughtQuote),
  sold: Decimal.format(summary.sold),
  soldQuote: Decimal.format(summary.soldQuote),
  fees: summary.fees.map((f) => ({ asset: f.asset, amount: Decimal.format(f.amount) })),
  unsold: Decimal.format(summary.unsold),
  mark: { price: Decimal.format(summary.mark.price), source: summary.mark.source },
  pnl: Decimal.format(summary.pnl),
  baseAsset: summary.baseAsset,
  quoteAsset: summary.quoteAsset
})
