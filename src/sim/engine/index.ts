/**
 * The simulated exchange's engine: symbols, accounts and balances, price-time matching with
 * MEXC's checks and error codes, versioned depth with a change feed, push events, and a seeded
 * synthetic market. Pure and synchronous (no I/O, no timers): the server in `src/sim/server`
 * wraps it in Effect and drives it with Clock time.
 *
 * ```ts
 * import { SimEngine, SyntheticMarket } from "../engine/index.ts"
 * const engine = SimEngine.make()
 * const market = SyntheticMarket.make(engine, { seed: 42 }, now)
 * market.step(now + 100)
 * ```
 *
 * @since 0.1.0
 */
export * as Decimal from "./Decimal.ts"
export { demoAccount, SimEngine, type SimEngineOptions } from "./Engine.ts"
export { reject, RejectionReason, SimRejection } from "./Errors.ts"
export { Prng } from "./Random.ts"
export {
  defaultSymbols,
  demoBalances,
  exchangeInfoSymbol,
  fundingFor,
  makeSymbol,
  type SymbolConfig,
  type SymbolInput
} from "./Symbols.ts"
export {
  defaultSyntheticParams,
  makerAccount,
  SyntheticMarket,
  type SyntheticMarketOptions,
  type SyntheticSymbolParams,
  takerAccount
} from "./SyntheticMarket.ts"
export * from "./Types.ts"
