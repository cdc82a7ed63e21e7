/**
 * Metrics of the rate limiter, with attributes `limiter` (its name) and `quota` (the quota's
 * name, e.g. `"ip"` or `"account"`, never a per-account key).
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

/** Requests that had to wait (counter). */
export const waits = Metric.counter("scoped_exchange_ratelimit_waits", {
  description: "Requests that had to wait for their quota",
  incremental: true
})

/** How long requests that waited waited, in milliseconds (histogram). */
export const waitTime = Metric.histogram("scoped_exchange_ratelimit_wait_ms", {
  description: "Time a request waited for its quota",
  boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 18 })
})

/** Pauses after a 429/418 with Retry-After (counter). */
export const pauses = Metric.counter("scoped_exchange_ratelimit_pauses", {
  description: "Quota pauses ordered by the venue (HTTP 429 or 418 with Retry-After)",
  incremental: true
})

/** Weight granted (counter). */
export const granted = Metric.counter("scoped_exchange_ratelimit_granted_weight", {
  description: "Request weight granted",
  incremental: true
})
