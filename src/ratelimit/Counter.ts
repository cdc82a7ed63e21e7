/**
 * @internal One key's counter behind a common interface: this module's sliding-window log
 * (synchronous, in memory) or Effect's `RateLimiterStore` fixed-window / token-bucket (memory,
 * Redis, ...). Both can be asked "how long until `weight` fits" without taking anything, which is
 * what lets a request on several keys be granted on all of them at once or on none.
 *
 * @since 0.1.0
 */
import { Duration, Effect } from "effect"
import type { RateLimiter as EffectRateLimiter } from "effect/persistence"
import type { RateLimitErrorReason } from "./RateLimitError.ts"
import { StoreFailed } from "./RateLimitError.ts"
import { SlidingWindow } from "./SlidingWindow.ts"

/** A quota's settings, as the counter needs them. */
export interface QuotaSettings {
  readonly limit: number
  readonly window: Duration.Input
  readonly algorithm?: "sliding-window" | "fixed-window" | "token-bucket" | undefined
}

export interface Counter {
  /** The in-memory log, for the synchronous fast path and stats; `undefined` for store counters. */
  readonly sliding: SlidingWindow | undefined
  /** Ms to wait before `weight` fits (0: it fits now). Takes nothing. */
  readonly check: (weight: number, now: number) => Effect.Effect<number, RateLimitErrorReason>
  /** Takes `weight` if it fits and returns 0; otherwise takes nothing and returns ms to wait. */
  readonly tryTake: (weight: number, now: number) => Effect.Effect<number, RateLimitErrorReason>
}

const storeFailed = (error: EffectRateLimiter.RateLimiterError) => new StoreFailed({ cause: error })

/**
 * A counter for `quota` under `storeKey`. Store algorithms need `store`; without one (none was
 * needed at construction) the sliding window is used.
 */
export const make = (
  quota: QuotaSettings,
  storeKey: string,
  store: EffectRateLimiter.RateLimiterStore["Service"] | undefined
): Counter => {
  const windowMs = Math.max(1, Duration.toMillis(Duration.fromInputUnsafe(quota.window)))
  const algorithm = quota.algorithm ?? "sliding-window"
  if (algorithm === "sliding-window" || store === undefined) {
    const log = new SlidingWindow(quota.limit, windowMs)
    return {
      sliding: log,
      check: (weight, now) => Effect.succeed(log.waitFor(weight, now)),
      tryTake: (weight, now) =>
        Effect.sync(() => {
          const wait = log.waitFor(weight, now)
          if (wait === 0) log.add(weight, now)
          return wait
        })
    }
  }
  const refillMs = windowMs / quota.limit
  const refillRate = Duration.millis(refillMs)
  if (algorithm === "fixed-window") {
    // With `limit` set the store takes nothing when the count would pass it; `tokens: 0` peeks.
    const run = (tokens: number, weight: number) =>
      Effect.mapError(
        Effect.map(
          store.fixedWindow({ key: storeKey, tokens, refillRate, limit: quota.limit }),
          ([count, ttl]) => (count - tokens + weight <= quota.limit ? 0 : Math.max(1, ttl))
        ),
        storeFailed
      )
    return { sliding: undefined, check: (weight) => run(0, weight), tryTake: (weight) => run(weight, weight) }
  }
  // Without overflow the bucket takes nothing when short; `tokens: 0` peeks.
  const run = (tokens: number, weight: number) =>
    Effect.mapError(
      Effect.map(
        store.tokenBucket({ key: storeKey, tokens, limit: quota.limit, refillRate, allowOverflow: false }),
        ([remaining, elapsed]) => {
          const available = remaining + tokens
          return available >= weight ? 0 : Math.max(1, Math.ceil((weight - available) * refillMs - elapsed))
        }
      ),
      storeFailed
    )
  return { sliding: undefined, check: (weight) => run(0, weight), tryTake: (weight) => run(weight, weight) }
}
