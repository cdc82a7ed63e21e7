/**
 * Polling for tests against real servers and processes: wait until something holds, or fail the
 * test after a bound. The bound is a hang detector, not a performance assertion.
 */
import { Duration, Effect } from "effect"

/** Polls `check` every 10 ms until it returns a value (not undefined or false), or dies after `timeout`. */
export const eventually = <A>(
  check: () => A | undefined,
  timeout: Duration.Input = "5 seconds",
  what = "condition"
): Effect.Effect<Exclude<A, false>> =>
  Effect.gen(function*() {
    const deadline = performance.now() + Duration.toMillis(Duration.fromInputUnsafe(timeout))
    while (true) {
      const value = check()
      if (value !== undefined && value !== false) return value as Exclude<A, false>
      if (performance.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep("10 millis")
    }
  })

/** Waits until `predicate` holds, or dies after `timeoutMs`. */
export const waitUntil = (what: string, predicate: () => boolean, timeoutMs = 10_000): Effect.Effect<void> =>
  Effect.asVoid(eventually(() => predicate() || undefined, Duration.millis(timeoutMs), what))

/** Waits until the effect `check` gives true (polled every 10 ms), or dies after `timeoutMs`. */
export const waitUntilEffect = <E, R>(
  what: string,
  check: Effect.Effect<boolean, E, R>,
  timeoutMs = 10_000
): Effect.Effect<void, E, R> =>
  Effect.gen(function*() {
    const deadline = performance.now() + timeoutMs
    while (!(yield* check)) {
      if (performance.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep("10 millis")
    }
  })
