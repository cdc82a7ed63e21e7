/** Shared helpers for the engine tests. */
import { Result } from "effect"
import {
  type AccountEvent,
  makeSymbol,
  SimEngine,
  type SimEngineOptions,
  type SimRejection,
  type SymbolConfig
} from "../../../src/sim/engine/index.ts"

export const T0 = 1_700_000_000_000

/** The success value, or a thrown error naming the rejection. */
export const ok = <A>(result: Result.Result<A, SimRejection>): A => {
  if (Result.isFailure(result)) throw new Error(`expected success, got ${result.failure.code} ${result.failure.msg}`)
  return result.success
}

/** The rejection, or a thrown error if the call succeeded. */
export const rejected = <A>(result: Result.Result<A, SimRejection>): SimRejection => {
  if (Result.isSuccess(result)) throw new Error(`expected a rejection, got ${JSON.stringify(result.success)}`)
  return result.failure
}

/** A simple symbol for matching tests: 2 price decimals, 3 quantity decimals, min qty 0.001, min notional 1. */
export const TEST: SymbolConfig = makeSymbol({
  symbol: "TESTUSDT",
  baseAsset: "TEST",
  quoteAsset: "USDT",
  baseAssetPrecision: 3,
  quoteAssetPrecision: 2,
  baseSizePrecision: "0.001",
  quoteAmountPrecision: "1",
  quoteAmountPrecisionMarket: "1",
  maxQuoteAmount: "100000",
  maxQuoteAmountMarket: "50000",
  makerCommission: "0.001",
  takerCommission: "0.002"
})

/** An engine with TESTUSDT and three funded accounts: alice, bob, carol. */
export const makeTestEngine = (overrides: Partial<SimEngineOptions> = {}): SimEngine =>
  SimEngine.make({
    symbols: [TEST],
    accounts: ["alice", "bob", "carol"].map((apiKey) => ({
      apiKey,
      secret: `${apiKey}-secret`,
      balances: { USDT: "10000", TEST: "100" }
    })),
    ...overrides
  })

/** Balance of one asset as `{free, locked}` strings ("0" when absent). */
export const bal = (engine: SimEngine, apiKey: string, asset: string) => {
  const b = engine.balances(apiKey)?.find((x) => x.asset === asset)
  return { free: b?.free ?? "0", locked: b?.locked ?? "0" }
}

/** Records every account event of one account. */
export const recordAccount = (engine: SimEngine, apiKey: string) => {
  const events: Array<AccountEvent> = []
  const stop = engine.subscribeAccount(apiKey, (event) => events.push(event))
  return { events, stop }
}

/** Shorthand for a LIMIT order. */
export const limit = (side: "BUY" | "SELL", price: string, quantity: string, extra: Record<string, string> = {}) => ({
  symbol: "TESTUSDT",
  side,
  type: "LIMIT",
  price,
  quantity,
  ...extra
})
