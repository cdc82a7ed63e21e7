/**
 * One venue as the strategy holds it at run time (its services, instrument, ledger, latest book,
 * order budget, metrics), and small exact-decimal helpers. Internal to `arb/`.
 */
import { BigDecimal, Duration } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import type { BookView, Instrument, Order } from "../../exchange/Model.ts"
import type { SlidingWindow } from "../../ratelimit/SlidingWindow.ts"
import type * as Metrics from "../ArbitrageMetrics.ts"
import type { ArbVenue } from "../ArbVenues.ts"
import type { VenueLedger } from "../Ledger.ts"

/** A venue's latest book as the strategy saw it arrive. */
export interface BookState {
  view: BookView | undefined
  receivedAt: number
  /** False after a view whose version went back, until the next one goes forward. */
  continuous: boolean
  failed: ExchangeError | undefined
}

export interface Runtime {
  readonly name: string
  readonly venue: ArbVenue
  readonly instrument: Instrument
  readonly symbol: string
  readonly takerFeeRate: Decimal.Decimal
  readonly ledger: VenueLedger
  readonly book: BookState
  privateFailed: ExchangeError | undefined
  readonly budget: SlidingWindow
  readonly metrics: Metrics.VenueMetrics
}

export interface Trigger {
  readonly venue: number
  readonly version: bigint
}

export const millis = (input: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(input))
export const abs = (d: Decimal.Decimal) => BigDecimal.abs(d)
export const add = (a: Decimal.Decimal, b: Decimal.Decimal) => BigDecimal.normalize(BigDecimal.sum(a, b))
export const sub = (a: Decimal.Decimal, b: Decimal.Decimal) => BigDecimal.normalize(BigDecimal.subtract(a, b))
export const mul = (a: Decimal.Decimal, b: Decimal.Decimal) => BigDecimal.normalize(BigDecimal.multiply(a, b))
export const two = Decimal.unsafeParse("2")

export const isFinal = (order: Order | undefined): order is Order => order !== undefined && !order.isOpen
