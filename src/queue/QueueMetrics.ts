/**
 * Metrics of the message queue, all with the attribute `queue` (the queue's name). They are
 * updated synchronously from the hot path (one update per batch, not per message).
 *
 * @since 0.1.0
 */
import { Metric } from "effect"
import type { Context } from "effect"

/** Messages buffered (gauge). */
export const depth = Metric.gauge("scoped_exchange_queue_depth", {
  description: "Messages currently buffered in the queue"
})

/** Messages the handler finished without failure (counter). */
export const processed = Metric.counter("scoped_exchange_queue_processed", {
  description: "Messages handled successfully",
  incremental: true
})

/** Messages dropped by the overflow policy (counter). */
export const dropped = Metric.counter("scoped_exchange_queue_dropped", {
  description: "Messages dropped by the overflow policy (sliding: oldest, dropping: newest)",
  incremental: true
})

/** Messages whose handler failed or died (counter). */
export const failed = Metric.counter("scoped_exchange_queue_failed", {
  description: "Messages whose handler failed or died",
  incremental: true
})

/** Accepted messages never handled because the drain budget ran out (counter). */
export const abandoned = Metric.counter("scoped_exchange_queue_abandoned", {
  description: "Accepted messages abandoned when the drain budget ran out at close",
  incremental: true
})

/** Time the handler took per batch, in milliseconds (histogram). */
export const handlerDuration = Metric.histogram("scoped_exchange_queue_handler_ms", {
  description: "Time the handler took per batch handed to it",
  boundaries: Metric.exponentialBoundaries({ start: 0.01, factor: 2, count: 20 })
})

/** Synchronous recorders bound to one queue's attributes and the context they were made in. */
export interface Recorders {
  readonly depth: (n: number) => void
  readonly processed: (n: number) => void
  readonly dropped: (n: number) => void
  readonly failed: (n: number) => void
  readonly abandoned: (n: number) => void
  readonly handlerMs: (ms: number) => void
}

/** Binds the metrics to a queue name. */
export const forQueue = (name: string, context: Context.Context<never>): Recorders => {
  const attributes = { queue: name }
  const d = Metric.withAttributes(depth, attributes)
  const p = Metric.withAttributes(processed, attributes)
  const dr = Metric.withAttributes(dropped, attributes)
  const f = Metric.withAttributes(failed, attributes)
  const a = Metric.withAttributes(abandoned, attributes)
  const h = Metric.withAttributes(handlerDuration, attributes)
  return {
    depth: (n) => d.updateUnsafe(n, context),
    processed: (n) => p.updateUnsafe(n, context),
    dropped: (n) => dr.updateUnsafe(n, context),
    failed: (n) => f.updateUnsafe(n, context),
    abandoned: (n) => a.updateUnsafe(n, context),
    handlerMs: (ms) => h.updateUnsafe(ms, context)
  }
}
