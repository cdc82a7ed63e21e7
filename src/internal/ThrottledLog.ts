/**
 * A log line that cannot flood: for failures that can repeat thousands of times a second (a feed
 * of undecodable frames, a handler failing on every message), write the first one, then at most
 * one per interval, each saying how many were not logged since the previous one.
 *
 * ```ts
 * const throttle = ThrottledLog.make(clock, 1000)
 * // per failure:
 * const occurrences = throttle.take()
 * if (occurrences !== undefined) yield* Effect.logWarning("...").pipe(Effect.annotateLogs({ occurrences }))
 * ```
 *
 * @since 0.1.0
 */
import type { Clock } from "effect"
import { monotonicMs } from "./monotonic.ts"

/** One throttle: a plain object, cheap enough for a hot path (one clock read per call). */
export interface ThrottledLog {
  /**
   * Counts one occurrence (or `count`). When a line is due now, returns the occurrences since the
   * previous line, these included (so always >= `count`); `undefined` when no line is due.
   */
  readonly take: (count?: number) => number | undefined
}

/** A throttle allowing one line per `intervalMs` of monotonic time on `clock`. */
export const make = (clock: Clock.Clock, intervalMs: number): ThrottledLog => {
  let lastLogAt = -Infinity
  let notLogged = 0
  return {
    take: (count = 1) => {
      const now = monotonicMs(clock)
      notLogged += count
      if (now - lastLogAt < intervalMs) return undefined
      lastLogAt = now
      const occurrences = notLogged
      notLogged = 0
      return occurrences
    }
  }
}
