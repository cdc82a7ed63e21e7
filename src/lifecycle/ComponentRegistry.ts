/**
 * The record of every component's life in a process: what the lifecycle kit logs, kept where a
 * program's edge can read it. The CLI's teardown asks it whether a component was abandoned (its
 * release overran the stop budget and may still hold a timer or a socket), to exit non-zero and
 * force the exit only then; an exit report lists each component's stop time and outcome from it.
 *
 * ```ts
 * const registry = ComponentRegistry.make()
 * yield* app.pipe(Effect.provideService(ComponentRegistry.ComponentRegistry, registry))
 * for (const c of registry.abandoned()) console.log(`${c.name}: ${c.elapsedMs} ms of ${c.stopBudgetMs} ms`)
 * ```
 *
 * Without a provided registry the kit records into one process-wide default.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"

/** The four phases of a component's life, in order. */
export type Phase = "starting" | "started" | "stopping" | "stopped"

/**
 * How a component's release ended: `"ok"`; `"failed"` (its build or its release failed);
 * `"abandoned"` (the release overran the stop budget and shutdown walked away from it).
 */
export type Outcome = "ok" | "failed" | "abandoned"

/** One component instance, as the kit saw it. Times are milliseconds on the monotonic clock. */
export interface ComponentRecord {
  /** The name the component declared (several instances may share one). */
  readonly name: string
  /** Its stop budget, in milliseconds. */
  readonly stopBudgetMs: number
  readonly phase: Phase
  /** How long starting took; undefined until started (and forever if the build failed). */
  readonly startMs: number | undefined
  /**
   * How long its release took: set at `stopped` for `"ok"` and `"failed"`; for `"abandoned"`,
   * set only if the release ended afterwards (then larger than the budget).
   */
  readonly stopMs: number | undefined
  /** Set once `stopped`. */
  readonly outcome: Outcome | undefined
  /** Whether its release is running now: while `stopping`, and after `"abandoned"` until it ends. */
  readonly releasing: boolean
}

/** A component whose release overran its budget. */
export interface AbandonedComponent {
  readonly name: string
  /** Its stop budget, in milliseconds. */
  readonly stopBudgetMs: number
  /** Time since its release started, in milliseconds; final once the release ended. */
  readonly elapsedMs: number
  /** Whether the abandoned release is still running (and may hold timers or sockets open). */
  readonly running: boolean
}

/**
 * What a component's release could not confirm it had done: e.g. a private exchange's orders left
 * open or whose state is unknown at close. A program's edge exits non-zero when any is recorded.
 */
export interface Unconfirmed {
  /** The component that reports it (e.g. `private:mexc-private`). */
  readonly component: string
  /** What could not be confirmed, in words (e.g. `orders left open or unknown`). */
  readonly what: string
  /** One line per item (e.g. `se3f…: open`, `se3f…: unknown (cancel failed: …)`). */
  readonly items: ReadonlyArray<string>
}

/** The kit's handle on one component instance: each call records a step of its life. */
export interface ComponentEntry {
  readonly started: (startMs: number) => void
  readonly startFailed: () => void
  readonly stopping: () => void
  readonly stopped: (outcome: Outcome, stopMs: number) => void
  /** The release fiber ended (called after `stopped`, also for an abandoned release). */
  readonly releaseEnded: () => void
}

/** Reads and writes the record. Reads are synchronous, for teardown code outside any fiber. */
export interface Registry {
  /** Every component instance still live, stopping, or stopped, in start order. */
  readonly components: () => ReadonlyArray<ComponentRecord>
  /** Components abandoned at shutdown, with budget and elapsed time. Empty when all stopped in time. */
  readonly abandoned: () => ReadonlyArray<AbandonedComponent>
  /** Everything components reported as not confirmed, in report order. */
  readonly unconfirmed: () => ReadonlyArray<Unconfirmed>
  /** Records what a component could not confirm (called by the component, at its release). */
  readonly reportUnconfirmed: (report: Unconfirmed) => void
  /** Used by the lifecycle kit: starts the record of a component instance. */
  readonly register: (name: string, stopBudgetMs: number) => ComponentEntry
}

interface MutableRecord {
  name: string
  stopBudgetMs: number
  phase: Phase
  startMs: number | undefined
  stopMs: number | undefined
  outcome: Outcome | undefined
  releasing: boolean
  stoppingAt: number | undefined
}

/**
 * How many instances that stopped cleanly are remembered. An app that creates components for its
 * whole life (a connection per subscription set) must not grow the record without bound; live,
 * failed and abandoned instances are always kept.
 */
const keepStoppedOk = 1_000

/** A fresh, empty registry. */
export const make = (): Registry => {
  const records: Array<MutableRecord> = []
  const unconfirmed: Array<Unconfirmed> = []
  let stoppedOk = 0
  const forgetOldestStoppedOk = () => {
    const index = records.findIndex((r) => r.phase === "stopped" && r.outcome === "ok")
    if (index >= 0) {
      records.splice(index, 1)
      stoppedOk--
    }
  }
  return {
    components: () =>
      records.map((r) => ({
        name: r.name,
        stopBudgetMs: r.stopBudgetMs,
        phase: r.phase,
        startMs: r.startMs,
        stopMs: r.stopMs,
        outcome: r.outcome,
        releasing: r.releasing
      })),
    abandoned: () => {
      const now = performance.now()
      return records.filter((r) => r.outcome === "abandoned").map((r) => ({
        name: r.name,
        stopBudgetMs: r.stopBudgetMs,
        elapsedMs: r.stopMs ?? now - (r.stoppingAt ?? now),
        running: r.releasing
      }))
    },
    unconfirmed: () => unconfirmed.slice(),
    reportUnconfirmed: (report) => {
      if (report.items.length > 0) unconfirmed.push(report)
    },
    register: (name, stopBudgetMs) => {
      const r: MutableRecord = {
        name,
        stopBudgetMs,
        phase: "starting",
        startMs: undefined,
        stopMs: undefined,
        outcome: undefined,
        releasing: false,
        stoppingAt: undefined
      }
      records.push(r)
      return {
        started: (startMs) => {
          r.phase = "started"
          r.startMs = startMs
        },
        startFailed: () => {
          r.phase = "stopped"
          r.outcome = "failed"
        },
        stopping: () => {
          r.phase = "stopping"
          r.releasing = true
          r.stoppingAt = performance.now()
        },
        stopped: (outcome, stopMs) => {
          r.phase = "stopped"
          r.outcome = outcome
          if (outcome !== "abandoned") {
            r.stopMs = stopMs
            r.releasing = false
          }
          if (outcome === "ok" && ++stoppedOk > keepStoppedOk) forgetOldestStoppedOk()
        },
        releaseEnded: () => {
          if (!r.releasing) return
          r.releasing = false
          if (r.outcome === "abandoned" && r.stoppingAt !== undefined) r.stopMs = performance.now() - r.stoppingAt
        }
      }
    }
  }
}

/**
 * The registry the lifecycle kit records into. Provide one per program (the CLI does) to read it
 * at the end; the default is one registry for the whole process.
 */
export class ComponentRegistry extends Context.Reference<Registry>("scoped-exchange/lifecycle/ComponentRegistry", {
  defaultValue: make
}) {}

/** The components abandoned so far in the current registry, with budget and elapsed time. */
export const abandoned: Effect.Effect<ReadonlyArray<AbandonedComponent>> = ComponentRegistry.useSync((r) =>
  r.abandoned()
)

/** What components reported as not confirmed, in the current registry. */
export const unconfirmed: Effect.Effect<ReadonlyArray<Unconfirmed>> = ComponentRegistry.useSync((r) => r.unconfirmed())

/** Records, in the current registry, what a component could not confirm. */
export const reportUnconfirmed = (report: Unconfirmed): Effect.Effect<void> =>
  ComponentRegistry.useSync((r) => r.reportUnconfirmed(report))

/** Every component recorded in the current registry, in start order. */
export const components: Effect.Effect<ReadonlyArray<ComponentRecord>> = ComponentRegistry.useSync((r) =>
  r.components()
)
