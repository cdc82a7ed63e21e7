/**
 * Instruments for tests, as the simulator lists them (tick size from `quoteAssetPrecision`, lot
 * size from `baseAssetPrecision`); a test overrides the fields it is about.
 */
import * as Decimal from "../../src/exchange/Decimal.ts"
import { Instrument } from "../../src/exchange/Model.ts"

type Fields = ConstructorParameters<typeof Instrument>[0]

const d = Decimal.unsafeParse

/** HIFIUSDT: tick 0.0001, lot 0.01, min quantity 1, min notional 1 USDT, taker fee 0.05%. */
export const hifi = (fields: Partial<Fields> = {}): Instrument =>
  new Instrument({
    symbol: "HIFIUSDT",
    baseAsset: "HIFI",
    quoteAsset: "USDT",
    status: "TRADING",
    tickSize: d("0.0001"),
    lotSize: d("0.01"),
    minQuantity: d("1"),
    minNotional: d("1"),
    orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET"],
    makerFeeRate: d("0"),
    takerFeeRate: d("0.0005"),
    ...fields
  })

/** BTCUSDT: tick 0.01, lot 0.00001, min quantity 0.00001, min notional 1 USDT, taker fee 0.05%. */
export const btc = (fields: Partial<Fields> = {}): Instrument =>
  new Instrument({
    symbol: "BTCUSDT",
    baseAsset: "BTC",
    quoteAsset: "USDT",
    status: "TRADING",
    tickSize: d("0.01"),
    lotSize: d("0.00001"),
    minQuantity: d("0.00001"),
    minNotional: d("1"),
    orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET"],
    makerFeeRate: d("0"),
    takerFeeRate: d("0.0005"),
    ...fields
  })
