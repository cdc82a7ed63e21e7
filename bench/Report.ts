/**
 * The bench's result rows: every figure with the range it moved in over the rounds, side by side
 * with its baselines from the same run, the ratio, and the target it is held to (met or missed).
 * `main.ts` prints them as one table and writes them as JSON under `bench/results/`.
 */
import { median } from "./Suite.ts"

/** A figure: the median over rounds, with the smallest and largest round. */
export interface Figure {
  readonly value: number
  readonly unit: string
  readonly min?: number | undefined
  readonly max?: number | undefined
  /** Rounds (or runs, or samples) behind the figure. */
  readonly n?: number | undefined
}

/** One row of the table. */
export interface Row {
  /** The row number (1-7), or 0 for rows outside it. */
  readonly group: number
  /** What is measured, e.g. `feed throughput, 4 subscribers`. */
  readonly what: string
  /** Our figure. */
  readonly ours: Figure | undefined
  /** The figures it is compared with, by name (`raw ws`, `ccxt`, `fetch`). */
  readonly baselines: Readonly<Record<string, Figure>>
  /** Ours over a baseline, with its range over rounds when the rounds were paired. */
  readonly ratio?: { readonly against: string; readonly value: number; readonly min?: number | undefined; readonly max?: number | undefined } | undefined
  /** The target and whether this run met it (`undefined`: no target, or not measurable). */
  readonly target?: { readonly text: string; readonly met: boolean | undefined } | undefined
  readonly note?: string | undefined
}

/** The median and range of a list of per-round values. */
export const figure = (values: ReadonlyArray<number>, unit: string): Figure => ({
  value: median(values),
  unit,
  min: Math.min(...values),
  max: Math.max(...values),
  n: values.length
})

/** A single value (no rounds). */
export const single = (value: number, unit: string, n?: number): Figure => ({ value, unit, n })

/**
 * Paired windows (or rounds) a row pools before it says met or missed: with fewer, a verdict
 * flips from run to run, so the row says `n/a`.
 */
export const minPairs = 20

/** A target's verdict from `pairs` paired windows: `undefined` (n/a) below {@link minPairs}. */
export const verdict = (pairs: number, met: boolean): boolean | undefined => (pairs >= minPairs ? met : undefined)

/** Ratio of two per-round lists paired round by round (same length): median and range. */
export const pairedRatio = (against: string, ours: ReadonlyArray<number>, base: ReadonlyArray<number>) => {
  const ratios = ours.map((o, i) => o / base[i]!)
  return { against, value: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }
}

const digits = (v: number): string => {
  const a = Math.abs(v)
  if (a >= 1000) return Math.round(v).toLocaleString("en")
  if (a >= 100) return v.toFixed(0)
  if (a >= 10) return v.toFixed(1)
  if (a >= 1) return v.toFixed(2)
  return v.toFixed(3)
}

/** `12.3 ms (11.9-13.0)`. */
export const showFigure = (f: Figure | undefined): string => {
  if (f === undefined) return "–"
  const range = f.min !== undefined && f.max !== undefined && f.n !== undefined && f.n > 1
    ? ` (${digits(f.min)}–${digits(f.max)})`
    : ""
  return `${digits(f.value)} ${f.unit}${range}`
}

const showRatio = (r: Row["ratio"]): string => {
  if (r === undefined) return "–"
  const range = r.min !== undefined && r.max !== undefined && r.min !== r.max ? ` (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : ""
  return `${r.value.toFixed(2)}x ${r.against}${range}`
}

const showTarget = (t: Row["target"]): string => {
  if (t === undefined) return "–"
  const verdict = t.met === undefined ? "n/a" : t.met ? "met" : "MISSED"
  return `${t.text}: ${verdict}`
}

/** The rows as one Markdown table (what the closing note quotes). */
export const table = (rows: ReadonlyArray<Row>): string => {
  const header = ["#", "what", "ours", "baselines", "ratio", "target"]
  const lines = rows.map((r) => [
    r.group === 0 ? "–" : String(r.group),
    r.what + (r.note ? ` (${r.note})` : ""),
    showFigure(r.ours),
    Object.entries(r.baselines).map(([name, f]) => `${name} ${showFigure(f)}`).join("; ") || "–",
    showRatio(r.ratio),
    showTarget(r.target)
  ])
  const out = [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...lines.map((cells) => `| ${cells.map((c) => c.replace(/\|/g, "/")).join(" | ")} |`)
  ]
  return out.join("\n")
}
