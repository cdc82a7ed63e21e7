/**
 * The arbitrage strategy's metrics. Series with attributes are made once per venue (or reason) up
 * front, since `Metric.withAttributes` re-derives the series key on every update.
 *
 * | metric | kind | attributes |
 * |---|---|---|
 * | `scoped_exchange_arb_detected` | counter | - | directions at or above the profit threshold |
 * | `scoped_exchange_arb_skipped` | counter | `reason` | detected but not attempted (guard, balance, quota, hysteresis, kill switch) |
 * | `scoped_exchange_arb_submitted` | counter | - | attempts whose legs were sent |
 * | `scoped_exchange_arb_completed` | counter | - | attempts whose legs filled alike |
 * | `scoped_exchange_arb_one_legged` | counter | - | attempts whose legs filled differently |
 * | `scoped_exchange_arb_edge_bps` | histogram | - | expected net edge of each attempt |
 * | `scoped_exchange_arb_leg_latency_ms` | histogram | `venue` | send to final state, per leg |
 * | `scoped_exchange_arb_book_age_ms` | histogram | `venue` | age of each venue's book when an attempt is checked |
 * | `scoped_exchange_arb_detect_to_ack_ms` | histogram | - | detection to both legs acknowledged |
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

const latencyBoundaries = Metric.exponentialBoundaries({ start: 0.25, factor: 2, count: 18 })

export const detected = Metric.counter("scoped_exchange_arb_detected", { description: "Arbitrage directions at or above the profit threshold" })
export const submitted = Metric.counter("scoped_exchange_arb_submitted", { description: "Arbitrage attempts whose legs were sent" })
export const completed = Metric.counter("scoped_exchange_arb_completed", { description: "Arbitrage attempts whose legs filled alike" })
export const oneLegged = Metric.counter("scoped_exchange_arb_one_legged", { description: "Arbitrage attempts whose legs filled differently" })
export const edgeBps = Metric.histogram("scoped_exchange_arb_edge_bps", {
  description: "Expected net edge of each arbitrage attempt, in basis points",
  boundaries: Metric.linearBoundaries({ start: 0, width: 5, count: 40 })
})
export const detectToAck = Metric.histogram("scoped_exchange_arb_detect_to_ack_ms", {
  description: "From detection to both legs acknowledged, in milliseconds",
  boundaries: latencyBoundaries
})

const skippedSeries = new Map<string, Metric.Counter<number>>()
/** The skip counter of one reason. */
export const skipped = (reason: string): Metric.Counter<number> => {
  let series = skippedSeries.get(reason)
  if (series === undefined) {
    series = Metric.counter("scoped_exchange_arb_skipped", {
      description: "Arbitrage opportunities detected but not attempted",
      attributes: { reason }
    })
    skippedSeries.set(reason, series)
  }
  return series
}

/** Per-venue series. */
export interface VenueMetrics {
  readonly legLatency: Metric.Histogram<number>
  readonly bookAge: Metric.Histogram<number>
}

const venueSeries = new Map<string, VenueMetrics>()
/** The series of one venue. */
export const forVenue = (venue: string): VenueMetrics => {
  let series = venueSeries.get(venue)
  if (series === undefined) {
    const attributes = { venue }
    series = {
      legLatency: Metric.histogram("scoped_exchange_arb_leg_latency_ms", {
        description: "Arbitrage leg: send to final state, in milliseconds",
        boundaries: latencyBoundaries,
        attributes
      }),
      bookAge: Metric.histogram("scoped_exchange_arb_book_age_ms", {
        description: "Age of a venue's book when an arbitrage attempt is checked, in milliseconds",
        boundaries: latencyBoundaries,
        attributes
      })
    }
    venueSeries.set(venue, series)
  }
  return series
}
