/**
 * A test helper that proves a piece of code cleans up after itself: it runs an effect in a fresh
 * scope and, once that scope has closed, checks that no fiber the effect forked is still alive and
 * that Node holds no more handles (sockets, servers, timers) than before it started.
 *
 * Framework-agnostic: on a leak it fails with {@link LeakDetected}, which fails the test.
 *
 * ```ts
 * it.live("closes everything", () => LeakCheck.scoped(Effect.gen(function*() { ... })))
 * ```
 *
 * @since 0.1.0
 */
import { Data, Duration, Effect, Metric } from "effect"
import type { Scope } from "effect"
import { withLiveClock } from "./LiveClock.ts"

/** What was still alive after the scope closed. */
export class LeakDetected extends Data.TaggedError("LeakDetected")<{
  /** Fibers forked inside the checked effect that had not ended. */
  readonly fibers: number
  /** Node resource kinds whose count grew, with how many more there were than before. */
  readonly handles: Readonly<Record<string, number>>
}> {
  override get message(): string {
    const handles = Object.entries(this.handles).map(([kind, n]) => `${kind} +${n}`).join(", ")
    return `leak after scope close: ${this.fibers} fiber(s) alive; handles: ${handles || "none"}`
  }
}

export interface LeakCheckOptions {
  /**
   * How long to wait for sockets and timers to be released by Node after the scope closed
   * (closing a socket completes on a later tick). Default 2 s.
   */
  readonly settle?: Duration.Input | undefined
  /** Resource kinds to ignore (e.g. `"TTYWrap"`). */
  readonly ignore?: ReadonlyArray<string> | undefined
}

const countResources = (ignore: ReadonlySet<string>): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const kind of process.getActiveResourcesInfo()) {
    if (ignore.has(kind)) continue
    counts.set(kind, (counts.get(kind) ?? 0) + 1)
  }
  return counts
}

const growth = (before: Map<string, number>, after: Map<string, number>): Record<string, number> => {
  const grown: Record<string, number> = {}
  for (const [kind, n] of after) {
    const extra = n - (before.get(kind) ?? 0)
    if (extra > 0) grown[kind] = extra
  }
  return grown
}

/**
 * Runs `effect` in a fresh scope, closes it, then fails with {@link LeakDetected} if a fiber the
 * effect forked is still alive or Node holds more handles than it did before.
 */
export const scoped = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: LeakCheckOptions
): Effect.Effect<A, E | LeakDetected, Exclude<R, Scope.Scope>> =>
  Effect.gen(function*() {
    const ignore = new Set(options?.ignore ?? [])
    const settleMs = Duration.toMillis(options?.settle ?? Duration.seconds(2))
    const before = countResources(ignore)
    const outer = yield* Metric.FiberRuntimeMetrics
    let alive = 0
    const tracker: Metric.FiberRuntimeMetricsService = {
      recordFiberStart(context) {
        alive++
        outer?.recordFiberStart(context)
      },
      recordFiberEnd(context, exit) {
        alive--
        outer?.recordFiberEnd(context, exit)
      }
    }
    const result = yield* Effect.scoped(effect).pipe(
      Effect.provideService(Metric.FiberRuntimeMetrics, tracker)
    )
    // Node releases closed sockets and cleared timers on later ticks: poll until the counts are
    // back to where they started, or the settle time is up.
    const deadline = performance.now() + settleMs
    let grown = growth(before, countResources(ignore))
    while ((alive > 0 || Object.keys(grown).length > 0) && performance.now() < deadline) {
      yield* withLiveClock(Effect.sleep(Duration.millis(10)))
      grown = growth(before, countResources(ignore))
    }
    if (alive > 0 || Object.keys(grown).length > 0) {
      return yield* new LeakDetected({ fibers: alive, handles: grown })
    }
    return result
  })
