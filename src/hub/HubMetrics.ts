/**
 * Metrics of the stream hub: attributes `hub` and `topic` (and `subscriber` for drops).
 * Updated synchronously, once per published batch.
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

/** Subscribers per topic (gauge). */
export const subscribers = Metric.gauge("scoped_exchange_hub_subscribers", {
  description: "Subscribers currently attached to a topic"
})

/** Values published per topic (counter). */
export const published = Metric.counter("scoped_exchange_hub_published", {
  description: "Values published to a topic",
  incremental: true
})

/** Values a slow subscriber of a sliding topic lost (counter, attribute `subscriber`). */
export const dropped = Metric.counter("scoped_exchange_hub_dropped", {
  description: "Values dropped for a slow subscriber of a sliding topic",
  incremental: true
})
