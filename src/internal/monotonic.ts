/**
 * Elapsed time for everything that measures it (silence, backoff resets, rate windows, log
 * throttles): milliseconds on the monotonic clock of Effect's `Clock`. A wall clock stepped back
 * (NTP, a resumed VM) would stretch every interval by the size of the step, and one stepped ahead
 * would cut them short; the monotonic clock is not stepped, and a `TestClock` drives it in tests.
 *
 * Read once per frame on the hot path, so Effect's own live clock is read without a BigInt:
 * `performance.now()`, which is monotonic too (Effect's live clock reads `process.hrtime`; the
 * two have different origins, so only compare values taken through this function).
 *
 * @since 0.1.0
 */
import { Clock } from "effect"

/** The prototype of Effect's live clock (a `TestClock` or a custom clock has another). */
const liveClock: object | null = Object.getPrototypeOf(Clock.Clock.defaultValue())

/** Now, in whole milliseconds of `clock`'s monotonic time. Only differences mean anything. */
export const monotonicMs = (clock: Clock.Clock): number =>
  Object.getPrototypeOf(clock) === liveClock
    ? Math.floor(performance.now())
    : Number(clock.monotonicTimeNanosUnsafe() / 1_000_000n)

/** {@link monotonicMs} of `clock` as a function, with the choice of reading made once. */
export const monotonicMsOf = (clock: Clock.Clock): () => number =>
  Object.getPrototypeOf(clock) === liveClock
    ? () => Math.floor(performance.now())
    : () => Number(clock.monotonicTimeNanosUnsafe() / 1_000_000n)
