/**
 * Reconnect delays: exponential from `initial` by `factor`, capped at `max`, with multiplicative
 * jitter so that many clients dropped at once do not reconnect in lockstep.
 *
 * This is a plain function rather than a `Schedule` because the connection resets its attempt
 * count after a connection has been stable for a while, which depends on how long the last
 * session lived, not on the time between failures.
 *
 * @since 0.1.0
 */
import { Duration } from "effect"

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay. Default 100 ms. */
  readonly initial?: Duration.Input | undefined
  /** Largest delay. Default 30 s. */
  readonly max?: Duration.Input | undefined
  /** Growth per attempt. Default 2. */
  readonly factor?: number | undefined
  /** Relative jitter in [0, 1]: the delay is scaled by a factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  readonly jitter?: number | undefined
}

/** Resolved settings, in milliseconds. */
export interface Backoff {
  readonly initialMs: number
  readonly maxMs: number
  readonly factor: number
  readonly jitter: number
}

export const resolve = (options?: BackoffOptions): Backoff => ({
  initialMs: Duration.toMillis(options?.initial ?? Duration.millis(100)),
  maxMs: Duration.toMillis(options?.max ?? Duration.seconds(30)),
  factor: options?.factor ?? 2,
  jitter: Math.min(1, Math.max(0, options?.jitter ?? 0.2))
})

/**
 * The delay before reconnect attempt `attempt` (1-based), given a uniform random number in
 * [0, 1). Never above `maxMs`.
 */
export const delayMs = (backoff: Backoff, attempt: number, random: number): number => {
  const base = Math.min(backoff.maxMs, backoff.initialMs * Math.pow(backoff.factor, Math.max(0, attempt - 1)))
  const scaled = base * (1 + backoff.jitter * (2 * random - 1))
  return Math.round(Math.min(backoff.maxMs, Math.max(0, scaled)))
}
