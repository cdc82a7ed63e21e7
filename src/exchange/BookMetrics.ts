/**
 * Metrics of order-book sync, venue-neutral: how often a book was (re)synced from a REST snapshot,
 * why, and how each snapshot ended. Names and units are listed in `docs/observability.md`.
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

/**
 * Snapshots taken for a book (counter; attributes `venue`, `symbol`, `reason`: `initial`, `gap`,
 * `reconnect`, `invalid`, `stale`; `outcome`: `synced`, `retry`, `failed`, `ignored`). Every
 * reason but `initial` is a resync.
 */
export const snapshots = Metric.counter("scoped_exchange_book_snapshots", {
  description: "Order book snapshots taken to sync a book, by why it was (re)synced and how the snapshot ended",
  incremental: true
})
