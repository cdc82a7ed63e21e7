/**
 * scoped-exchange: scoped, leak-free exchange connectivity for TypeScript trading systems, on
 * Effect 4. One root module with namespaced exports:
 *
 * ```ts
 * import { Decimal, MarketMaker, PrivateExchange, PublicExchange, SimExchange } from "scoped-exchange"
 * ```
 *
 * - the exchange contract: `PublicExchange`, `PrivateExchange` (services), `Model` (domain values),
 *   `Decimal` (exact money), `ExchangeError`;
 * - the building blocks: `Connection` (with `ConnectionError`, `Protocol`, `Backoff`,
 *   `NodeWebSocket`), `MessageQueue`, `StreamHub`, `Topic`, `RateLimiter`, `RestClient`;
 * - the lifecycle kit: `Lifecycle`, `LeakCheck`, `LiveClock`;
 * - telemetry: `Telemetry` (OTLP export of spans, metrics and logs, a Prometheus endpoint) and the
 *   metrics a program records: `BookMetrics`, `MarketMakerMetrics`;
 * - venues: `Venue` (the registry: `Venue.layer(config)`), `VenueAdapter` (what a venue supplies),
 *   `VenueCredentials`, `Venues` (several venues in one program, by name), and the venue-neutral
 *   engines a venue's ports drive: `PublicConnector` (with `PublicPort`, `BookSync`, `Market`) and
 *   `PrivateConnector` (with `PrivatePort`, `OwnOrders`, `UserStreamQueue`); see
 *   `docs/architecture.md` for what a venue writes;
 * - MEXC, under `Mexc`: `Mexc.Venue`, `Mexc.Public`, `Mexc.Private`, `Mexc.Rest`, `Mexc.Quotas`,
 *   and its wire (`Mexc.Protocol`, `Mexc.Proto`, `Mexc.Schemas`, `Mexc.Signing`, `Mexc.ErrorCodes`,
 *   `Mexc.Parse`, `Mexc.PushParse`);
 * - Gate.io, under `Gate`: `Gate.Venue`, `Gate.Public`, `Gate.Private`, `Gate.Rest`, `Gate.Quotas`,
 *   `Gate.DeadManSwitch`, and its wire (`Gate.Protocol`, `Gate.Schemas`, `Gate.Signing`,
 *   `Gate.ErrorLabels`, `Gate.ClientOrderId`, `Gate.Parse`, `Gate.PushParse`, `Gate.PrivatePush`);
 * - the simulated exchange: `SimExchange`, and `SimVenue` (it as a venue);
 * - strategies: `MarketMaker`, `Summary`, and `InMemoryExchange` for testing them; two-venue
 *   arbitrage: `Arbitrage`, `ArbVenues`, `Detect`, `ArbitrageError`.
 *
 * @since 0.1.0
 */
export * from "./arb/index.ts"
export * from "./connector/index.ts"
export * from "./exchange/index.ts"
export * from "./hub/index.ts"
export * from "./lifecycle/index.ts"
export * from "./mm/index.ts"
export * from "./queue/index.ts"
export * from "./ratelimit/index.ts"
export * from "./rest/index.ts"
export * from "./sim/index.ts"
export * from "./socket/index.ts"
export * as Telemetry from "./telemetry/Telemetry.ts"
export * as Gate from "./venues/gate/Gate.ts"
export * as Mexc from "./venues/mexc/Mexc.ts"
export * as Venue from "./venues/Venue.ts"
export * as VenueAdapter from "./venues/Adapter.ts"
export * as VenueCredentials from "./venues/Credentials.ts"
export * as Venues from "./venues/Venues.ts"
