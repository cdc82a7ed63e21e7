/**
 * Metrics of the message queue, all with the attribute `queue` (the queue's name). They are
 * updated synchronously from the hot path (one update per batch, not per message), through
 * series created with their attributes up front: `Metric.withAttributes` re-derives the series key
 * on every update, which costs more than the rest of a small batch.
 *
 * @since 0.1.0
 */
import { Metric } from "effect"
import type { Context } from "effect"

const depthOptions = { description: "Messages currently buffered in the queue" }
const processedOptions = { description: "Messages handled successfully", incremental: true }
const droppedOptions = {
  description: "Messages dropped by the overflow policy (sliding: oldest, dropping: newest)",
  incremental: true
}
const failedOptions = { description: "Messages whose handler failed or died", incremental: true }
const abandonedOptions = {
  description: "Accepted messages abandoned when the drain budget ran out at close",
  incremental: true
}
const handlerOptions = {
  description: "Time the handler took per batch handed to it",
  boundaries: Metric.exponentialBoundaries({ start: 0.01, factor: 2, count: 20 })
}

/** Messages buffered (gauge). */
export const depth = Metric.gauge("scoped_exchange_queue_depth", depthOptions)
/** Messages the handler finished without failure (counter; read from the queue's own count when the metric is read). */
export const processed = Metric.counter("scoped_exchange_queue_processed", processedOptions)
/** Messages dropped by the overflow policy (counter). */
export const dropped = Metric.counter("scoped_exchange_queue_dropped", droppedOptions)
/** Messages whose handler failed or died (counter). */
export const failed = Metric.counter("scoped_exchange_queue_failed", failedOptions)
/** Accepted messages never handled because the drain budget ran out (counter). */
export const abandoned = Metric.counter("scoped_exchange_queue_abandoned", abandonedOptions)
/** Time the handler took per batch, in milliseconds (histogram). */
export const handlerDuration = Metric.histogram("scoped_exchange_queue_handler_ms", handlerOptions)

/** Synchronous recorders bound to one queue's attributes and the context they were made in. */
export interface Recorders {
  readonly depth: (n: number) => void
  readonly dropped: (n: number) => void
  readonly failed: (n: number) => void
  readonly abandoned: (n: number) => void
  readonly handlerMs: (ms: number) => void
}

/** Binds the metrics to a queue name. */
export const forQueue = (name: string, context: Context.Context<never>): Recorders => {
  const attributes = { queue: name }
  const d = Metric.gauge("scoped_exchange_queue_depth", { ...depthOptions, attributes })
  const dr = Metric.counter("scoped_exchange_queue_dropped", { ...droppedOptions, attributes })
  const f = Metric.counter("scoped_exchange_queue_failed", { ...failedOptions, attributes })
  const a = Metric.counter("scoped_exchange_queue_abandoned", { ...abandonedOptions, attributes })
  const h = Metric.histogram("scoped_exchange_queue_handler_ms", { ...handlerOptions, attributes })
  return {
    depth: (n) => d.updateUnsafe(n, context),
    dropped: (n) => dr.updateUnsafe(n, context),
    failed: (n) => f.updateUnsafe(n, context),
    abandoned: (n) => a.updateUnsafe(n, context),
    handlerMs: (ms) => h.updateUnsafe(ms, context)
  }
}
