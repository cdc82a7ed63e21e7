/**
 * The outbound frame budget of one session (see `Protocol.OutboundRate`): a token bucket on the
 * monotonic clock in which a writer reserves a slot and is told how long to wait for it.
 * Reservations may run the bucket into debt, so waiting writers are served in the order they
 * asked, each exactly when its token is due, without polling.
 */
import type { OutboundRate } from "../Protocol.ts"

export interface TokenBucket {
  /** Takes a token at monotonic time `nowMs`; returns the ms to wait before using it (0: now). */
  readonly reserve: (nowMs: number) => number
}

/** A bucket that never makes anyone wait. */
export const unlimited: TokenBucket = { reserve: () => 0 }

/** A full bucket for `rate`, as of `nowMs`. */
export const make = (rate: OutboundRate | undefined, nowMs: number): TokenBucket => {
  if (rate === undefined) return unlimited
  const perMs = rate.perSecond / 1000
  const burst = Math.max(1, rate.burst)
  let tokens = burst
  let updatedAt = nowMs
  return {
    reserve: (now) => {
      if (now > updatedAt) {
        tokens = Math.min(burst, tokens + (now - updatedAt) * perMs)
        updatedAt = now
      }
      tokens -= 1
      return tokens >= 0 ? 0 : Math.ceil(-tokens / perMs)
    }
  }
}
