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
 * - MEXC: wire formats `MexcProto`, `MexcSchemas`, `MexcSigning`; REST `MexcRest` with `MexcQuotas`,
 *   `MexcErrorCodes`, `MexcParse`; the simulated exchange: `SimExchange`, and `SimVenue` (it as a venue);
 * - venues: `Venue` (the registry: `Venue.layer(config)`), `VenueAdapter` (what a venue supplies),
 *   `VenueCredentials`, `Venues` (several venues in one program, by name);
 * - strategies: `MarketMaker`, `Summary`, and `InMemoryExchange` for testing them.
 *
 * @since 0.1.0
 */
export * from "./exchange/index.ts"
export * from "./hub/index.ts"
export * from "./lifecycle/index.ts"
export * from "./mm/index.ts"
export * from "./queue/index.ts"
export * from "./ratelimit/index.ts"
export * from "./rest/index.ts"
export * from "./sim/index.ts"
export * from "./socket/index.ts"
export * from "./venues/mexc/index.ts"
export * as Venue from "./venues/Venue.ts"
export * as VenueAdapter from "./venues/Adapter.ts"
export * as VenueCredentials from "./venues/Credentials.ts"
export * as Venues from "./venues/Venues.ts"
