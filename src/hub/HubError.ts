/**
 * The hub's one error type, with a `reason` union of small tagged errors. Each says whether
 * trying again can help.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** The hub's scope has closed: nothing more is published or subscribed. Final. */
export class HubClosed extends Schema.TaggedError<HubClosed>()("HubClosed", {
  topic: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `hub is closed (topic ${this.topic})`
  }
}

/** The first-subscriber hook (e.g. subscribing the upstream channel) failed. Retryable. */
export class UpstreamSubscribeFailed extends Schema.TaggedError<UpstreamSubscribeFailed>()("UpstreamSubscribeFailed", {
  topic: Schema.String,
  cause: Schema.Defect()
}) {
  readonly retryable = true
  override get message(): string {
    const cause = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `could not subscribe upstream for topic ${this.topic}: ${cause}`
  }
}

/**
 * The subscriber fell behind on a `"fail"` topic: its buffer held `capacity` values it had not
 * taken. Its stream ends with this (after the values it had buffered); nothing was waited for and
 * no other subscriber was touched. Not retryable as such: the values published since are gone for
 * this subscriber, so it must rebuild its state (e.g. from REST) before subscribing again.
 */
export class SubscriberOverflow extends Schema.TaggedError<SubscriberOverflow>()("SubscriberOverflow", {
  topic: Schema.String,
  subscriber: Schema.String,
  capacity: Schema.Number
}) {
  readonly retryable = false
  override get message(): string {
    return `subscriber ${this.subscriber} of topic ${this.topic} fell ${this.capacity} values behind and was dropped`
  }
}

/** Every reason a hub operation can fail. */
export type HubErrorReason = HubClosed | UpstreamSubscribeFailed | SubscriberOverflow

/** A hub failure, tagged with the hub's name. */
export class HubError extends Schema.TaggedError<HubError>()("HubError", {
  hub: Schema.String,
  reason: Schema.Union([HubClosed, UpstreamSubscribeFailed, SubscriberOverflow])
}) {
  /** Whether trying again (later) can succeed. */
  get retryable(): boolean {
    return this.reason.retryable
  }
  override get message(): string {
    return `[${this.hub}] ${this.reason.message}`
  }
}
