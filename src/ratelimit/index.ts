/**
 * Rate limiter: per-venue quotas with interruptible FIFO waits and Retry-After pauses.
 *
 * @since 0.1.0
 */
export * as RateLimiter from "./RateLimiter.ts"
export * as RateLimitError from "./RateLimitError.ts"
export * as RateLimitMetrics from "./RateLimitMetrics.ts"
export { SlidingWindow } from "./SlidingWindow.ts"
