/**
 * The venue-neutral engines: `PublicConnector` (a `PublicExchange` over a venue's `PublicPort`),
 * the order-book sync `BookSync`, and the neutral market types (`Market`).
 *
 * @since 0.1.0
 */
export * as BookSync from "./BookSync.ts"
export * as Market from "./Market.ts"
export * as PublicConnector from "./PublicConnector.ts"
export * as PublicPort from "./PublicPort.ts"
