/**
 * The venue-neutral engines, each driven by a port a venue implements: `PublicConnector` (a
 * `PublicExchange` over a venue's `PublicPort`), the order-book sync `BookSync`, the neutral market
 * types (`Market`); `PrivateConnector` (a `PrivateExchange` over a venue's `PrivatePort`), the view
 * of this process's own orders (`OwnOrders`) and the queue behind a user stream.
 *
 * @since 0.1.0
 */
export * as BookSync from "./BookSync.ts"
export * as Market from "./Market.ts"
export * as OwnOrders from "./OwnOrders.ts"
export * as PrivateConnector from "./PrivateConnector.ts"
export * as PrivatePort from "./PrivatePort.ts"
export * as PublicConnector from "./PublicConnector.ts"
export * as PublicPort from "./PublicPort.ts"
export * as UserStreamQueue from "./UserStreamQueue.ts"
