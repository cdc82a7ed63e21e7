/**
 * The short report a command prints as it exits: each component, how long it took to stop, its
 * stop budget and how its stop ended, the counts that matter (reconnects, resyncs, malformed
 * frames, refused subscriptions, private-stream reconciliations, abandoned components), and each
 * message queue's dropped and abandoned messages (what it accepted and never handed over).
 *
 * A table for people (on a terminal, and in plain logs), one JSON line with `--log-format json`:
 *
 * ```
 * shutdown                  stopped in  budget   outcome
 *   mm                      3 ms        6000 ms  ok
 *   connection:mexc-public  2 ms        2000 ms  ok
 * counts: reconnects 0, resyncs 0, malformed 0, refused 0, reconciliations 0, abandoned 0
 * queues: queue:mexc-public dropped 0 abandoned 0, queue:mexc-private dropped 0 abandoned 0
 * ```
 *
 * When a component could not confirm its release's work, one more line per component says so:
 * `orders left open or unknown (private:mexc-private): 2: se…: open, se…: unknown (…)`.
 *
 * @since 0.1.0
 */

import { Effect, Metric } from "effect"

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

/** One message queue's losses over the run (from its metrics, read after it closed). */
export interface QueueCounts {
  readonly name: string
  /** Messages dropped by the overflow policy. */
  readonly dropped: number
  /** Messages accepted but not handed to the handler within the drain budget. */
  readonly abandoned: number
}

/** What a component's release could not confirm (orders left open or unknown at close). */
export interface Unconfirmed {
  readonly component: string
  readonly what: string
  readonly items: ReadonlyArray<string>
}

export interface Report {
  readonly components: ReadonlyArray<ComponentStop>
  readonly counts: Counts
  /** Each queue's losses; omitted or empty: no queue line. */
  readonly queues?: ReadonlyArray<QueueCounts> | undefined
  /** Not confirmed at close; absent or empty when everything was. */
  readonly unconfirmed?: ReadonlyArray<Unconfirmed> | undefined
}

const counterValue = (state: unknown): number => {
  const count = (state as { readonly count?: number | bigint } | undefined)?.count
  return count === undefined ? 0 : Number(count)
}

/**
 * Every queue's dropped and abandoned counts so far, by queue name (`queue:<name>`), from the
 * metrics `scoped_exchange_queue_dropped` and `scoped_exchange_queue_abandoned`. Read once the
 * queues closed, it includes what their drains gave up on.
 */
export const queueCounts: Effect.Effect<ReadonlyArray<QueueCounts>> = Effect.map(Metric.snapshot, (snapshots) => {
  const byQueue = new Map<string, { dropped: number; abandoned: number }>()
  for (const s of snapshots) {
    const queue = s.attributes?.queue
    // A queue shows in every series it updated (a counter never updated has no series yet).
    if (!s.id.startsWith("scoped_exchange_queue_") || typeof queue !== "string") continue
    const entry = byQueue.get(queue) ?? { dropped: 0, abandoned: 0 }
    if (s.id === "scoped_exchange_queue_dropped") entry.dropped += counterValue(s.state)
    if (s.id === "scoped_exchange_queue_abandoned") entry.abandoned += counterValue(s.state)
    byQueue.set(queue, entry)
  }
  return [...byQueue].map(([name, c]) => ({ name, ...c }))
})

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
  const queues = (report.queues ?? []).map((q) => `${q.name} dropped ${q.dropped} abandoned ${q.abandoned}`).join(", ")
  const unconfirmed = (report.unconfirmed ?? []).map((u) =>
    `${u.what} (${u.component}): ${u.items.length}: ${u.items.join(", ")}`
  )
  return [...lines, `counts: ${counts}`, ...(queues === "" ? [] : [`queues: ${queues}`]), ...unconfirmed]
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
      counts: report.counts,
      queues: report.queues ?? [],
      unconfirmed: report.unconfirmed ?? []
    }
  })
