/**
 * A test helper that proves a piece of code cleans up after itself: it runs an effect in a fresh
 * scope and, once that scope has closed, checks that nothing the effect started is still alive:
 * no fiber (forked, detached, or started with `Effect.runFork`), no timer, no socket or server,
 * whether ref'd or `unref()`'d.
 *
 * What the effect created is known by identity (Node's `async_hooks`, scoped to the effect's
 * async context), so what the test runner, other tests or servers made outside do is never
 * counted, and a resource released inside never offsets one created inside. What Node owns itself
 * is not counted either: timers its own modules set (a socket's idle timeout goes with the socket,
 * which is counted; the HTTP `Date` header cache is process-wide), and the `fetch` pool's
 * keep-alive sockets and timers (process-wide, unref'd, closed when idle).
 *
 * The verdict, at the moment the scope has closed:
 * - a fiber still alive is a leak, at once (no grace period);
 * - a timer still scheduled, a socket or server still open, is a leak at once, unless some
 *   socket is still closing: then the check waits (up to `settle`) for the closing ones to be
 *   released, and a timer that *fires* during that wait, rather than being cleared as its socket
 *   closes, is a leak too;
 * - a socket still closing after `settle` is a leak.
 * The check runs whether the effect succeeded or failed; a leak is reported alongside the effect's
 * own failure. The verdict is the same under vitest and plain Node.
 *
 * Framework-agnostic: on a leak it fails with {@link LeakDetected}, which fails the test.
 *
 * ```ts
 * it.live("closes everything", () => LeakCheck.scoped(Effect.gen(function*() { ... })))
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Data, Duration, Effect, Exit, Fiber } from "effect"
import type { Scope } from "effect"
import * as ResourceTracker from "./internal/ResourceTracker.ts"
import { withLiveClock } from "./LiveClock.ts"

/** What was still alive after the scope closed. */
export class LeakDetected extends Data.TaggedError("LeakDetected")<{
  /** Fibers started inside the checked effect that had not ended when its scope closed. */
  readonly fibers: number
  /**
   * Timers and handles created inside that were left open, by Node async resource type
   * (`Timeout`, `TCPWRAP`, `TCPSERVERWRAP`, ...), with how many of each. A timer that fired after
   * the scope closed counts here.
   */
  readonly handles: Readonly<Record<string, number>>
  /** Handles created inside that were closing but not released within `settle`, by type. */
  readonly unreleased: Readonly<Record<string, number>>
  /** Where each leaked timer or handle was created (`kind at file:line:column`), when known. */
  readonly createdAt: ReadonlyArray<string>
}> {
  override get message(): string {
    const list = (r: Readonly<Record<string, number>>) =>
      Object.entries(r).map(([kind, n]) => `${kind} x${n}`).join(", ") || "none"
    const sites = this.createdAt.length > 0 ? `; created at: ${this.createdAt.join("; ")}` : ""
    return `leak after scope close: ${this.fibers} fiber(s) alive; open handles: ${list(this.handles)}; ` +
      `not released within the settle time: ${list(this.unreleased)}${sites}`
  }
}

export interface LeakCheckOptions {
  /**
   * How long sockets and servers that are closing when the scope closes may take to be released
   * by Node (a close completes on a later tick). Applies only to those. Default 2 s.
   */
  readonly settle?: Duration.Input | undefined
  /** Node async resource types to ignore (e.g. `"TTYWRAP"`). */
  readonly ignore?: ReadonlyArray<string> | undefined
  /**
   * Paths (matched in the creation stack) of third-party code whose leftover timers and handles
   * are known and not the checked code's fault, e.g. `["node_modules/ccxt/"]`. Say why where used.
   */
  readonly ignoreFrom?: ReadonlyArray<string> | undefined
}

const countByKind = (resources: ReadonlyArray<{ readonly kind: string }>): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const { kind } of resources) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

/** Resolves on the next microtask: lets the stack that ended the effect unwind first. */
const afterCurrentStack = () => new Promise<void>((resolve) => queueMicrotask(resolve))

/**
 * Runs `effect` in a fresh scope, closes it, then fails with {@link LeakDetected} if anything the
 * effect started is still alive (see the module doc for the exact rule).
 */
export const scoped = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: LeakCheckOptions
): Effect.Effect<A, E | LeakDetected, Exclude<R, Scope.Scope>> =>
  Effect.gen(function*() {
    const ignore = new Set(options?.ignore ?? [])
    const settleMs = Duration.toMillis(Duration.fromInputUnsafe(options?.settle ?? Duration.seconds(2)))
    const context = yield* Effect.context<Exclude<R, Scope.Scope>>()
    const tracker = ResourceTracker.start(options?.ignoreFrom)
    const live = () => tracker.live().filter((r) => !ignore.has(r.kind))

    return yield* Effect.gen(function*() {
      // The effect runs in a fiber started inside the tracker's async context, with the caller's
      // services (TestClock included), so that everything it starts is tracked.
      const inner = tracker.run(() => Effect.runForkWith(context)(Effect.scoped(effect)))
      const exit = yield* Fiber.await(inner).pipe(Effect.onInterrupt(() => Fiber.interrupt(inner)))

      // At close: the fiber that ran the effect has ended; once its stack has unwound, whatever
      // is still alive was left behind.
      yield* Effect.promise(afterCurrentStack)
      const atClose = live()
      const fibers = atClose.filter((r) => r.kind === "fiber").length
      const handlesAtClose = atClose.filter((r) => r.kind !== "fiber")
      const openTimers = handlesAtClose.filter((r) => r.kind === "Timeout" && r.state === "open")

      // Only while something is closing is there anything to wait for.
      let now = handlesAtClose
      const deadline = performance.now() + settleMs
      while (now.some((r) => r.state === "closing") && performance.now() < deadline) {
        yield* withLiveClock(Effect.sleep(Duration.millis(10)))
        now = live().filter((r) => r.kind !== "fiber")
      }
      const open = now.filter((r) => r.state === "open")
      const fired = openTimers.filter((t) => ResourceTracker.timerFired(t.resource))
      const unreleased = now.filter((r) => r.state === "closing")

      if (fibers > 0 || open.length > 0 || fired.length > 0 || unreleased.length > 0) {
        const leaked = [...open, ...fired, ...unreleased]
        const leak = new LeakDetected({
          fibers,
          handles: countByKind([...open, ...fired]),
          unreleased: countByKind(unreleased),
          createdAt: leaked.flatMap((r) => r.createdAt === undefined ? [] : [`${r.kind} at ${r.createdAt}`])
        })
        const cause = Exit.isFailure(exit) ? Cause.combine(Cause.fail(leak), exit.cause) : Cause.fail(leak)
        return yield* Effect.failCause(cause)
      }
      return yield* exit
    }).pipe(Effect.ensuring(Effect.sync(tracker.stop)))
  })
