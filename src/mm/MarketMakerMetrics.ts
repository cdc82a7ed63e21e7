/**
 * The market maker's metrics: its orders (placed, rejected as crossing, filled, canceled), the
 * time an order took to be acknowledged, and its cycles. Attributes: `symbol`, `side` (orders),
 * `outcome` (cycles: `completed` or `failed`). Names and units are listed in `docs/observability.md`.
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

/** Orders the venue acknowledged (counter; `symbol`, `side`). */
export const ordersPlaced = Metric.counter("scoped_exchange_mm_orders_placed", {
  description: "Orders placed and acknowledged by the venue",
  incremental: true
})

/** Post-only orders the venue refused because they would have crossed (counter; `symbol`, `side`). */
export const ordersRejected = Metric.counter("scoped_exchange_mm_orders_rejected", {
  description: "Post-only orders refused because they would have crossed the book",
  incremental: true
})

/** Orders that ended filled (counter; `symbol`, `side`). */
export const ordersFilled = Metric.counter("scoped_exchange_mm_orders_filled", {
  description: "Orders that ended fully filled",
  incremental: true
})

/** Orders canceled and confirmed final: re-quotes, fill timeouts, shutdown (counter; `symbol`, `side`). */
export const ordersCanceled = Metric.counter("scoped_exchange_mm_orders_canceled", {
  description: "Orders canceled and confirmed final by the venue",
  incremental: true
})

/** Time from sending an order to its acknowledgement, in milliseconds (histogram; `symbol`, `side`). */
export const orderAckTime = Metric.histogram("scoped_exchange_mm_order_ack_ms", {
  description: "Time from sending an order to the venue's acknowledgement (ms)",
  boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 14 })
})

/** Cycles run (counter; `symbol`, `outcome`: `completed` or `failed`). */
export const cycles = Metric.counter("scoped_exchange_mm_cycles", {
  description: "Market-making cycles run, by outcome",
  incremental: true
})

/** Duration of a cycle, in milliseconds (histogram; `symbol`, `outcome`). */
export const cycleTime = Metric.histogram("scoped_exchange_mm_cycle_ms", {
  description: "Duration of a market-making cycle (ms)",
  boundaries: Metric.exponentialBoundaries({ start: 10, factor: 2, count: 14 })
})
