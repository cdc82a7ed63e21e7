/**
 * The short report a command prints as it exits: each component, how long it took to stop,
 * whether it met its stop budget, and the counts that matter (reconnects, resyncs, malformed
 * frames, refused subscriptions, private-stream reconciliations, abandoned components).
 *
 * A table for people (on a terminal, and in plain logs), one JSON line with `--log-format json`:
 *
 * ```
 * shutdown                  stopped in  budget   outcome
 *   mm                      3 ms        6000 ms  ok
 *   connection:mexc-public  2 ms        2000 ms  ok
 * counts: reconnects 0, resyncs 0, malformed 0, refused 0, reconciliations 0, abandoned 0
 * ```
 *
 * @since 0.1.0
 */

/** One component's stop, as the lifecycle kit recorded it. */
export interface ComponentStop {
  readonly name: string
  /** How long its release took (ms); undefined if it never stopped (abandoned and still running). */
  readonly stopMs: number | undefined
  /** Its stop budget (ms), when known. */
  readonly stopBudgetMs?: number | undefined
  /** `ok`, `failed`, `abandoned`; undefined while still running (it was never released). */
  readonly outcome: "ok" | "failed" | "abandoned" | undefined
}

/** The counts of the run, from the exchanges' stats (read just before they closed). */
export type Counts = Readonly<Record<string, number>>

export interface Report {
  readonly components: ReadonlyArray<ComponentStop>
  readonly counts: Counts
}

const stopText = (c: ComponentStop): string => c.stopMs === undefined ? "-" : `${Math.round(c.stopMs)} ms`

const outcomeText = (c: ComponentStop): string => {
  if (c.outcome === undefined) return "not stopped"
  if (c.outcome === "abandoned") return "abandoned (over budget)"
  return c.outcome
}

/** The report as aligned lines of text. */
export const formatTable = (report: Report): Array<string> => {
  const rows = [
    ["shutdown", "stopped in", "budget", "outcome"],
    ...report.components.map((c) => [
      `  ${c.name}`,
      stopText(c),
      c.stopBudgetMs === undefined ? "-" : `${Math.round(c.stopBudgetMs)} ms`,
      outcomeText(c)
    ])
  ]
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)))
  const lines = rows.map((r) => r.map((cell, i) => i < 3 ? cell.padEnd(widths[i]!) : cell).join("  "))
  const counts = Object.entries(report.counts).map(([name, n]) => `${name} ${n}`).join(", ")
  return [...lines, `counts: ${counts}`]
}

/** The report as one JSON line. */
export const formatJson = (report: Report): string =>
  JSON.stringify({
    exitReport: {
      components: report.components.map((c) => ({
        name: c.name,
        stopMs: c.stopMs === undefined ? null : Math.round(c.stopMs),
        stopBudgetMs: c.stopBudgetMs === undefined ? null : Math.round(c.stopBudgetMs),
        outcome: c.outcome ?? null
      })),
      counts: report.counts
    }
  })
