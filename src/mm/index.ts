/**
 * Strategies: the market-making cycle, its error and summary, and an in-memory venue for testing
 * strategies without a network.
 *
 * @since 0.1.0
 */
export * as InMemoryExchange from "./InMemoryExchange.ts"
export * as MarketMaker from "./MarketMaker.ts"
export * as MarketMakerError from "./MarketMakerError.ts"
export * as MarketMakerMetrics from "./MarketMakerMetrics.ts"
export * as ReferenceMarkets from "./ReferenceMarkets.ts"
export * as Summary from "./Summary.ts"
