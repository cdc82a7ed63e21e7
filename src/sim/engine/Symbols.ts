/**
 * Symbol configuration: every `exchangeInfo` field MEXC publishes for a spot symbol, the defaults
 * for BTCUSDT, ETHUSDT and HIFIUSDT, and the compiled form the engine enforces.
 *
 * The same `SymbolConfig` renders `exchangeInfo` (`exchangeInfoSymbol`) and drives the engine's
 * checks, so what clients read is exactly what the engine enforces:
 * - `quoteAssetPrecision`: decimals of a price (the tick is 10^-n);
 * - `baseAssetPrecision`: decimals of a quantity (the lot is 10^-n);
 * - `baseSizePrecision`: minimum order quantity (as ccxt and MEXC's UI read it);
 * - `quoteAmountPrecision` / `maxQuoteAmount`: min / max notional of a limit order;
 * - `quoteAmountPrecisionMarket` / `maxQuoteAmountMarket`: the same for MARKET orders;
 * - `makerCommission` / `takerCommission`: fee rates; `base/quoteCommissionPrecision`: fee decimals;
 * - `status` "1" online (anything else refuses orders with 30016); `orderTypes`: accepted types.
 *
 * @since 0.1.0
 */
import * as Decimal from "./Decimal.ts"
import type { OrderType } from "./Types.ts"
import { orderTypes as allOrderTypes } from "./Types.ts"

/** A spot symbol, with MEXC's `exchangeInfo` field names and formats. */
export interface SymbolConfig {
  readonly symbol: string
  /** "1" online, "2" pause, "3" offline. */
  readonly status: "1" | "2" | "3"
  readonly baseAsset: string
  readonly quoteAsset: string
  /** Decimals of a quantity. */
  readonly baseAssetPrecision: number
  /** Decimals of a price. */
  readonly quoteAssetPrecision: number
  readonly quotePrecision: number
  /** Decimals of a fee charged in the base asset (BUY orders). */
  readonly baseCommissionPrecision: number
  /** Decimals of a fee charged in the quote asset (SELL orders). */
  readonly quoteCommissionPrecision: number
  readonly orderTypes: ReadonlyArray<OrderType>
  readonly quoteOrderQtyMarketAllowed: boolean
  readonly isSpotTradingAllowed: boolean
  readonly isMarginTradingAllowed: boolean
  readonly permissions: ReadonlyArray<string>
  /** Minimum order quantity. */
  readonly baseSizePrecision: string
  /** Minimum notional of a limit order. */
  readonly quoteAmountPrecision: string
  readonly maxQuoteAmount: string
  /** Minimum notional of a MARKET order. */
  readonly quoteAmountPrecisionMarket: string
  readonly maxQuoteAmountMarket: string
  readonly makerCommission: string
  readonly takerCommission: string
  /** "1" all, "2" buy only, "3" sell only (the engine refuses the other side with 30001), "4" close. */
  readonly tradeSideType: "1" | "2" | "3" | "4"
  readonly fullName: string
}

/** The fields a symbol must name; everything else has MEXC-like defaults. */
export type SymbolInput =
  & Pick<SymbolConfig, "symbol" | "baseAsset" | "quoteAsset" | "baseAssetPrecision" | "quoteAssetPrecision">
  & Partial<SymbolConfig>

/** Builds a full config from the required fields plus overrides. */
export const makeSymbol = (input: SymbolInput): SymbolConfig => ({
  status: "1",
  quotePrecision: input.quoteAssetPrecision,
  baseCommissionPrecision: 8,
  quoteCommissionPrecision: 8,
  orderTypes: allOrderTypes,
  quoteOrderQtyMarketAllowed: true,
  isSpotTradingAllowed: true,
  isMarginTradingAllowed: false,
  permissions: ["SPOT"],
  baseSizePrecision: Decimal.format(Decimal.unit(input.baseAssetPrecision)),
  quoteAmountPrecision: "1",
  maxQuoteAmount: "2000000",
  quoteAmountPrecisionMarket: "1",
  maxQuoteAmountMarket: "100000",
  makerCommission: "0",
  takerCommission: "0.0005",
  tradeSideType: "1",
  fullName: input.baseAsset,
  ...input
})

/** BTCUSDT, ETHUSDT and HIFIUSDT with MEXC-like precision, minimums and fees. */
export const defaultSymbols: ReadonlyArray<SymbolConfig> = [
  makeSymbol({
    symbol: "BTCUSDT",
    baseAsset: "BTC",
    quoteAsset: "USDT",
    fullName: "Bitcoin",
    baseAssetPrecision: 6,
    quoteAssetPrecision: 2,
    baseSizePrecision: "0.00001",
    quoteAmountPrecision: "1",
    quoteAmountPrecisionMarket: "1"
  }),
  makeSymbol({
    symbol: "ETHUSDT",
    baseAsset: "ETH",
    quoteAsset: "USDT",
    fullName: "Ethereum",
    baseAssetPrecision: 5,
    quoteAssetPrecision: 2,
    baseSizePrecision: "0.0001",
    quoteAmountPrecision: "1",
    quoteAmountPrecisionMarket: "1"
  }),
  makeSymbol({
    symbol: "HIFIUSDT",
    baseAsset: "HIFI",
    quoteAsset: "USDT",
    fullName: "Hifi Finance",
    baseAssetPrecision: 2,
    quoteAssetPrecision: 4,
    baseSizePrecision: "1",
    quoteAmountPrecision: "1",
    quoteAmountPrecisionMarket: "1"
  })
]

/** The demo funding: 10,000 USDT plus a balance of each default base asset. */
export const demoBalances: Readonly<Record<string, string>> = {
  USDT: "10000",
  BTC: "1",
  ETH: "10",
  HIFI: "20000"
}

/**
 * The demo funding for a symbol list: `demoBalances`, plus 100 of any base or quote asset the
 * list uses that `demoBalances` does not name.
 */
export const fundingFor = (symbols: ReadonlyArray<SymbolConfig>): Readonly<Record<string, string>> => {
  const out: Record<string, string> = { ...demoBalances }
  for (const s of symbols) {
    out[s.baseAsset] ??= "100"
    out[s.quoteAsset] ??= "100"
  }
  return out
}

/** A symbol as one entry of `exchangeInfo.symbols`, ready to serialize. */
export const exchangeInfoSymbol = (config: SymbolConfig) => ({
  symbol: config.symbol,
  status: config.status,
  baseAsset: config.baseAsset,
  baseAssetPrecision: config.baseAssetPrecision,
  quoteAsset: config.quoteAsset,
  quotePrecision: config.quotePrecision,
  quoteAssetPrecision: config.quoteAssetPrecision,
  baseCommissionPrecision: config.baseCommissionPrecision,
  quoteCommissionPrecision: config.quoteCommissionPrecision,
  // Live MEXC lists only these, and still accepts IMMEDIATE_OR_CANCEL and FILL_OR_KILL.
  orderTypes: config.orderTypes.filter((type) => type !== "IMMEDIATE_OR_CANCEL" && type !== "FILL_OR_KILL"),
  quoteOrderQtyMarketAllowed: config.quoteOrderQtyMarketAllowed,
  isSpotTradingAllowed: config.isSpotTradingAllowed,
  isMarginTradingAllowed: config.isMarginTradingAllowed,
  quoteAmountPrecision: config.quoteAmountPrecision,
  baseSizePrecision: config.baseSizePrecision,
  permissions: [...config.permissions],
  filters: [] as Array<never>,
  maxQuoteAmount: config.maxQuoteAmount,
  makerCommission: config.makerCommission,
  takerCommission: config.takerCommission,
  quoteAmountPrecisionMarket: config.quoteAmountPrecisionMarket,
  maxQuoteAmountMarket: config.maxQuoteAmountMarket,
  fullName: config.fullName,
  // A number on the wire (live MEXC): 1 all, 2 buy only, 3 sell only, 4 close.
  tradeSideType: Number(config.tradeSideType)
})

/** A symbol compiled to scaled integers (see `Decimal`), as the engine uses it. @internal */
export interface SymbolSpec {
  readonly config: SymbolConfig
  readonly name: string
  readonly priceDecimals: number
  readonly qtyDecimals: number
  readonly tick: bigint
  readonly lot: bigint
  readonly minQty: bigint
  readonly minNotional: bigint
  readonly maxNotional: bigint
  readonly minNotionalMarket: bigint
  readonly maxNotionalMarket: bigint
  readonly makerRate: bigint
  readonly takerRate: bigint
  readonly baseFeeDecimals: number
  readonly quoteFeeDecimals: number
  readonly types: ReadonlySet<string>
}

/** Validates a config and compiles it; throws on a config the engine cannot enforce exactly. */
export const compile = (config: SymbolConfig): SymbolSpec => {
  const p = config.quoteAssetPrecision
  const q = config.baseAssetPrecision
  const fail = (why: string): never => {
    throw new Error(`Symbol ${config.symbol}: ${why}`)
  }
  if (!Number.isInteger(p) || !Number.isInteger(q) || p < 0 || q < 0) fail("precisions must be integers >= 0")
  if (p + q > Decimal.SCALE_DECIMALS) fail(`price and quantity decimals add up to more than ${Decimal.SCALE_DECIMALS}`)
  const dec = (field: keyof SymbolConfig): bigint => {
    const value = Decimal.parse(String(config[field]))
    return value === undefined ? fail(`${field} is not a decimal`) : value
  }
  return {
    config,
    name: config.symbol,
    priceDecimals: p,
    qtyDecimals: q,
    tick: Decimal.unit(p),
    lot: Decimal.unit(q),
    minQty: dec("baseSizePrecision"),
    minNotional: dec("quoteAmountPrecision"),
    maxNotional: dec("maxQuoteAmount"),
    minNotionalMarket: dec("quoteAmountPrecisionMarket"),
    maxNotionalMarket: dec("maxQuoteAmountMarket"),
    makerRate: dec("makerCommission"),
    takerRate: dec("takerCommission"),
    baseFeeDecimals: Math.min(config.baseCommissionPrecision, Decimal.SCALE_DECIMALS),
    quoteFeeDecimals: Math.min(config.quoteCommissionPrecision, Decimal.SCALE_DECIMALS),
    types: new Set(config.orderTypes)
  }
}
