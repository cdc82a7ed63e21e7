/**
 * Elapsed time for everything that measures it (silence, backoff resets, rate windows, log
 * throttles): milliseconds on the monotonic clock of Effect's `Clock`. A wall clock stepped back
 * (NTP, a resumed VM) would stretch every interval by the size of the step, and one stepped ahead
 * would cut them short; the monotonic clock is not stepped, and a `TestClock` drives it in tests.
 *
 * @since 0.1.0
 */
import type { Clock } from "effect"

/** Now, in whole milliseconds of `clock`'s monotonic time. Only differences mean anything. */
export const monotonicMs = (clock: Clock.Clock): number => Number(clock.monotonicTimeNanosUnsafe() / 1_000_000n)
