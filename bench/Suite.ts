import type { Row } from "./Report.ts"

/**
 * What the bench runner needs from a suite: a name (to select it from the command line) and a
 * `run` that measures, prints its own lines as it goes, and resolves with its rows for the table
 * (none for the component micro-benchmarks outside the table).
 */
export interface Suite {
  readonly name: string
  readonly description: string
  readonly run: () => Promise<ReadonlyArray<Row> | void>
}

/** Median of a list of numbers. */
export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  // An even count has two middles: their mean (the upper one alone leaned every figure high).
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The `p` quantile (0..1) of a list of numbers, nearest rank. */
export const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

/** `1234567.8` -> `"1,234,568"`. */
export const fmt = (n: number): string => Math.round(n).toLocaleString("en")

/** Lets the garbage collector run between rounds when node was started with `--expose-gc`. */
export const gc = (): void => {
  ;(globalThis as { gc?: () => void }).gc?.()
}

/** Whether the runner was started with `--quick` (suites shrink to check that they work). */
export const quick = (): boolean => process.env.BENCH_QUICK === "1"

/**
 * A size from the environment (`name`), else the full or the `--quick` default. Read when a
 * suite's module loads (the runner loads suites after reading its flags).
 */
export const size = (name: string, full: number, short: number): number =>
  Number(process.env[name] ?? (quick() ? short : full))
