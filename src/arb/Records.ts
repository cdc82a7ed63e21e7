/**
 * What the arbitrage strategy reports: its states, each leg and attempt, the run's summary and the
 * shutdown's report. Plain data; amounts are exact decimals, times milliseconds.
 *
 * @since 0.1.0
 */
import type { Duration, Effect } from "effect"
import type * as Decimal from "../exchange/Decimal.ts"
import type { Side } from "../exchange/Model.ts"

/** The states of the per-instrument state machine. */
export type State = "Idle" | "Checking" | "Submitting" | "Complete" | "OneLegged" | "Unwinding" | "Cooldown"

/** What a leg is for. */
export type LegRole = "buy" | "sell" | "unwind"

/**
 * How a leg ended. `rejected`: the venue refused it (nothing traded). `unknown`: no answer and
 * not found by its client order id by the deadline (counted as not traded until found).
 */
export type LegOutcome = "filled" | "partial" | "unfilled" | "rejected" | "unknown"

/** One order of an attempt. Times in milliseconds. */
export interface LegRecord {
  readonly venue: string
  readonly role: LegRole
  readonly side: Side
  readonly clientOrderId: string
  readonly orderId: string | undefined
  /** IOC limit price. */
  readonly price: Decimal.Decimal
  readonly quantity: Decimal.Decimal
  readonly filled: Decimal.Decimal
  readonly filledQuote: Decimal.Decimal
  readonly outcome: LegOutcome
  /** The venue's refusal or the error that left the outcome unknown. */
  readonly error: string | undefined
  /** Whether the outcome came from a query by client order id (the answer was lost). */
  readonly resolvedByQuery: boolean
  /** Send to the venue's answer (undefined when none came). */
  readonly ackMs: number | undefined
  /** Send to final state (or giving up). */
  readonly latencyMs: number
}

/**
 * How an attempt ended. `completed`: both legs filled alike. `missed`: neither filled.
 * `unwound`: one-legged, flattened. `dust`: one-legged, flattened but for a remainder below every
 * venue's minimum. `unwind-failed`: one-legged, a tradable imbalance left at the deadline.
 * `unresolved`: a leg's outcome is still unknown after both deadlines: nothing is unwound on a
 * guess (the position is not known), and the kill switch stops new attempts.
 */
export type AttemptOutcome = "completed" | "missed" | "unwound" | "dust" | "unwind-failed" | "unresolved"

/** One attempt as the summary shows it. */
export interface AttemptRecord {
  readonly attempt: number
  readonly buyVenue: string
  readonly sellVenue: string
  readonly quantity: Decimal.Decimal
  /** Expected at detection: net edge (bps) and profit (quote asset). */
  readonly edgeBps: number
  readonly expectedProfit: Decimal.Decimal
  readonly legs: ReadonlyArray<LegRecord>
  readonly unwinds: ReadonlyArray<LegRecord>
  readonly outcome: AttemptOutcome
  readonly oneLegged: boolean
  /** Base bought - base sold over both venues after the attempt (gross fills). */
  readonly positionAfter: Decimal.Decimal
  /** Realized quote flow - fees + base flow marked at the mid at the end (quote asset). */
  readonly pnl: Decimal.Decimal
  /** Detection to both legs acknowledged (undefined when a leg got no answer). */
  readonly detectToAckMs: number | undefined
  readonly durationMs: number
  /** States entered, with milliseconds since detection. */
  readonly states: ReadonlyArray<{ readonly state: State; readonly atMs: number }>
  /** The book update that triggered it. */
  readonly trigger: { readonly venue: string; readonly version: string }
}

/** A venue's share of the result. */
export interface VenuePosition {
  readonly venue: string
  readonly symbol: string
  /** Gross base bought - sold on this venue, and quote received - paid (before fees). */
  readonly base: Decimal.Decimal
  readonly quote: Decimal.Decimal
}

/** The run as the summary shows it. */
export interface RunSummary {
  readonly base: string
  readonly quote: string
  readonly attempts: number
  readonly completed: number
  readonly missed: number
  readonly oneLegged: number
  readonly unwound: number
  readonly dust: number
  readonly unwindFailed: number
  /** Directions at or above the threshold (two per book update at most). */
  readonly detected: number
  /** Book updates evaluated. */
  readonly checked: number
  /** Detected but not attempted, by reason. */
  readonly skipped: Readonly<Record<string, number>>
  /** Net of both venues in the quote asset, inventory marked at `mark`. */
  readonly pnl: Decimal.Decimal
  readonly fees: Decimal.Decimal
  /** Whether some fees are estimates at the taker rate (their fills not seen). */
  readonly feesEstimated: boolean
  readonly mark: Decimal.Decimal | undefined
  /** Base bought - sold over both venues. */
  readonly position: Decimal.Decimal
  readonly venues: ReadonlyArray<VenuePosition>
  /** The kill switch that stopped new attempts, if one did. */
  readonly killed: string | undefined
  readonly durationMs: number
  /** Detection to both legs acknowledged, per attempt that got both answers. */
  readonly detectToAckMs: ReadonlyArray<number>
}

/** What the shutdown did and found. */
export interface StopReport {
  /** Whether an attempt was in flight, and whether it finished within the budget. */
  readonly inFlight: "none" | "finished" | "interrupted"
  /** Orders of ours canceled at stop. */
  readonly canceled: number
  /** Per venue: orders of ours still open by the venue's REST answer (must be 0), net position. */
  readonly venues: ReadonlyArray<VenuePosition & { readonly openOrders: number; readonly confirmed: boolean }>
  /** Client order ids whose outcome is still unknown. */
  readonly unresolved: ReadonlyArray<string>
  readonly position: Decimal.Decimal
  readonly withinBudget: boolean
}

/** How long a run goes on; it also ends when a kill switch trips. */
export interface RunOptions {
  /** Attempts (legs sent) after which it stops; 0 or absent: no limit. */
  readonly maxAttempts?: number | undefined
  /** Run time after which it stops; absent: no limit. */
  readonly duration?: Duration.Input | undefined
  /** Called after each attempt (per-attempt lines). */
  readonly onAttempt?: ((attempt: AttemptRecord) => Effect.Effect<void>) | undefined
}
