/**
 * Metrics of the rate limiter, with attributes `limiter` (its name) and `quota` (the quota's
 * name, e.g. `"ip"` or `"account"`, never a per-account key). Series are created with their
 * attributes up front (`Metric.withAttributes` re-derives the series key on every update).
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

const waitsOptions = { description: "Requests that had to wait for their quota", incremental: true }
const waitTimeOptions = {
  description: "Time a request waited for its quota",
  boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 18 })
}
const pausesOptions = {
  description: "Quota pauses ordered by the venue (HTTP 429 or 418 with Retry-After)",
  incremental: true
}
const grantedOptions = { description: "Request weight granted", incremental: true }

/** Requests that had to wait (counter). */
export const waits = Metric.counter("scoped_exchange_ratelimit_waits", waitsOptions)
/** How long requests that waited waited, in milliseconds (histogram). */
export const waitTime = Metric.histogram("scoped_exchange_ratelimit_wait_ms", waitTimeOptions)
/** Pauses after a 429/418 with Retry-After (counter). */
export const pauses = Metric.counter("scoped_exchange_ratelimit_pauses", pausesOptions)
/** Weight granted (counter). */
export const granted = Metric.counter("scoped_exchange_ratelimit_granted_weight", grantedOptions)

/** The series of one quota of one limiter. */
export const forQuota = (limiter: string, quota: string) => {
  const attributes = { limiter, quota }
  return {
    waits: Metric.counter("scoped_exchange_ratelimit_waits", { ...waitsOptions, attributes }),
    waitTime: Metric.histogram("scoped_exchange_ratelimit_wait_ms", { ...waitTimeOptions, attributes }),
    pauses: Metric.counter("scoped_exchange_ratelimit_pauses", { ...pausesOptions, attributes }),
    granted: Metric.counter("scoped_exchange_ratelimit_granted_weight", { ...grantedOptions, attributes })
  }
}
