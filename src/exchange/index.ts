/**
 * The venue-neutral exchange layer: domain model, exact decimals, errors, and the
 * `PublicExchange` / `PrivateExchange` services.
 *
 * @since 0.1.0
 */
export * as BookMetrics from "./BookMetrics.ts"
export * as Decimal from "./Decimal.ts"
export * as ExchangeError from "./ExchangeError.ts"
export * as Model from "./Model.ts"
export * from "./PrivateExchange.ts"
export * from "./PublicExchange.ts"
export * as Validate from "./Validate.ts"
