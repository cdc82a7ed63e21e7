/**
 * Two-venue arbitrage: detection on two live books, IOC legs that never stay one-sided, kill
 * switches, and a shutdown that leaves nothing open.
 *
 * @since 0.1.0
 */
export * as Arbitrage from "./Arbitrage.ts"
export * as ArbitrageError from "./ArbitrageError.ts"
export * as ArbitrageMetrics from "./ArbitrageMetrics.ts"
export * as ArbVenues from "./ArbVenues.ts"
export * as Detect from "./Detect.ts"
export * as Ledger from "./Ledger.ts"
