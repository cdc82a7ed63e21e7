/**
 * Metrics of the stream hub: attributes `hub` and `topic` (and `subscriber` for drops).
 * Updated synchronously, once per published batch, through series created with their attributes
 * up front (`Metric.withAttributes` re-derives the series key on every update); `published` is
 * read from the hub's own count per topic when the metric is read (no update per publish).
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

const subscribersOptions = { description: "Subscribers currently attached to a topic" }
const publishedOptions = { description: "Values published to a topic", incremental: true }
const droppedOptions = { description: "Values dropped for a slow subscriber of a sliding topic", incremental: true }

/** Subscribers per topic (gauge). */
export const subscribers = Metric.gauge("scoped_exchange_hub_subscribers", subscribersOptions)
/** Values published per topic (counter). */
export const published = Metric.counter("scoped_exchange_hub_published", publishedOptions)
/** Values a slow subscriber of a sliding topic lost (counter, attribute `subscriber`). */
export const dropped = Metric.counter("scoped_exchange_hub_dropped", droppedOptions)

/** The series of one topic. */
export const forTopic = (hub: string, topic: string) => {
  const attributes = { hub, topic }
  return {
    subscribers: Metric.gauge("scoped_exchange_hub_subscribers", { ...subscribersOptions, attributes })
  }
}

/** The drop series of one subscriber. */
export const forSubscriber = (hub: string, topic: string, subscriber: string) =>
  Metric.counter("scoped_exchange_hub_dropped", { ...droppedOptions, attributes: { hub, topic, subscriber } })
