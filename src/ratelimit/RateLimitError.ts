/**
 * The rate limiter's one error type, with a `reason` union of small tagged errors. Each says
 * whether trying again can help.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** A request named a key for which no quota is configured. A programming error: not retryable. */
export class UnknownQuota extends Schema.TaggedError<UnknownQuota>()("UnknownQuota", {
  key: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `no quota configured for key "${this.key}"`
  }
}

/** A request weighs more than its quota allows in a whole window: it could never pass. */
export class WeightExceedsLimit extends Schema.TaggedError<WeightExceedsLimit>()("WeightExceedsLimit", {
  key: Schema.String,
  weight: Schema.Number,
  limit: Schema.Number
}) {
  readonly retryable = false
  override get message(): string {
    return `weight ${this.weight} exceeds the limit ${this.limit} of quota "${this.key}"`
  }
}

/** The limiter's scope closed while the request waited, or before it arrived. Final. */
export class LimiterClosed extends Schema.TaggedError<LimiterClosed>()("LimiterClosed", {}) {
  readonly retryable = false
  override get message(): string {
    return "rate limiter is closed"
  }
}

/** The backing store (Effect's `RateLimiterStore`, e.g. Redis) failed. Retryable. */
export class StoreFailed extends Schema.TaggedError<StoreFailed>()("StoreFailed", {
  cause: Schema.Defect()
}) {
  readonly retryable = true
  override get message(): string {
    return `rate limiter store failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** Every reason a rate limiter operation can fail. */
export type RateLimitErrorReason = UnknownQuota | WeightExceedsLimit | LimiterClosed | StoreFailed

/** A rate limiter failure, tagged with the limiter's name. */
export class RateLimitError extends Schema.TaggedError<RateLimitError>()("RateLimitError", {
  limiter: Schema.String,
  reason: Schema.Union([UnknownQuota, WeightExceedsLimit, LimiterClosed, StoreFailed])
}) {
  /** Whether trying again (later) can succeed. */
  get retryable(): boolean {
    return this.reason.retryable
  }
  override get message(): string {
    return `[${this.limiter}] ${this.reason.message}`
  }
}
