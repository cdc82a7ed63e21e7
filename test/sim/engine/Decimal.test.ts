import { assert, describe, it } from "@effect/vitest"
import { Decimal, defaultSymbols, exchangeInfoSymbol, makeSymbol, SimEngine } from "../../../src/sim/engine/index.ts"

const d = Decimal.unsafeParse

describe("Decimal", () => {
  it("parses plain decimal strings exactly and refuses anything else", () => {
    assert.strictEqual(Decimal.parse("0.01"), 10n ** 16n)
    assert.strictEqual(Decimal.parse("65000.12"), 6500012n * 10n ** 16n)
    assert.strictEqual(Decimal.parse(".5"), 5n * 10n ** 17n)
    assert.strictEqual(Decimal.parse("1."), 10n ** 18n)
    assert.strictEqual(Decimal.parse("0.000000000000000001"), 1n)
    assert.strictEqual(Decimal.parse("1.0000000000000000000000"), 10n ** 18n)
    for (const bad of ["", ".", "-1", "+1", "1e5", "1,5", " 1", "0x10", "NaN", "Infinity", "0.0000000000000000001"]) {
      assert.strictEqual(Decimal.parse(bad), undefined, bad)
    }
  })

  it("formats like MEXC: no exponent, no trailing zeros", () => {
    assert.strictEqual(Decimal.format(d("65000.120")), "65000.12")
    assert.strictEqual(Decimal.format(d("0.00000001")), "0.00000001")
    assert.strictEqual(Decimal.format(d("10000")), "10000")
    assert.strictEqual(Decimal.format(0n), "0")
    assert.strictEqual(Decimal.format(-d("0.5")), "-0.5")
    assert.strictEqual(Decimal.format(d("123456789012345678901234567890.5")), "123456789012345678901234567890.5")
    assert.strictEqual(Decimal.formatFixed(d("1.5"), 3), "1.500")
    assert.strictEqual(Decimal.formatFixed(d("1.5678"), 2), "1.56")
    assert.strictEqual(Decimal.formatFixed(d("7"), 0), "7")
  })

  it("multiplies exactly where floats do not", () => {
    // 0.1 * 3 = 0.30000000000000004 in floating point.
    assert.strictEqual(Decimal.format(Decimal.mul(d("0.1"), d("3"))), "0.3")
    assert.strictEqual(Decimal.format(Decimal.mul(d("65000.12"), d("0.123456"))), "8024.65481472")
    assert.strictEqual(Decimal.format(Decimal.mulCeil(d("0.000001"), d("0.0005"))), "0.0000000005")
    assert.strictEqual(Decimal.format(Decimal.div(d("10"), d("3"))), "3.333333333333333333")
  })

  it("rounds to a number of decimals, and knows a value's precision", () => {
    assert.strictEqual(Decimal.format(Decimal.roundDown(d("1.23456"), 2)), "1.23")
    assert.strictEqual(Decimal.format(Decimal.roundUp(d("1.23456"), 2)), "1.24")
    assert.strictEqual(Decimal.format(Decimal.roundUp(d("1.23"), 2)), "1.23")
    assert.strictEqual(Decimal.decimalsOf(d("1.2300")), 2)
    assert.strictEqual(Decimal.decimalsOf(d("100")), 0)
    assert.strictEqual(Decimal.hasPrecision(d("0.001"), 3), true)
    assert.strictEqual(Decimal.hasPrecision(d("0.0001"), 3), false)
  })
})

describe("symbols", () => {
  it("renders every exchangeInfo field MEXC publishes", () => {
    const info = exchangeInfoSymbol(defaultSymbols[0]!)
    assert.deepStrictEqual(Object.keys(info).sort(), [
      "baseAsset",
      "baseAssetPrecision",
      "baseCommissionPrecision",
      "baseSizePrecision",
      "filters",
      "fullName",
      "isMarginTradingAllowed",
      "isSpotTradingAllowed",
      "makerCommission",
      "maxQuoteAmount",
      "maxQuoteAmountMarket",
      "orderTypes",
      "permissions",
      "quoteAmountPrecision",
      "quoteAmountPrecisionMarket",
      "quoteAsset",
      "quoteAssetPrecision",
      "quoteCommissionPrecision",
      "quoteOrderQtyMarketAllowed",
      "quotePrecision",
      "status",
      "symbol",
      "takerCommission",
      "tradeSideType"
    ])
    assert.strictEqual(info.symbol, "BTCUSDT")
    assert.strictEqual(info.status, "1")
    assert.strictEqual(typeof info.baseSizePrecision, "string")
    assert.deepStrictEqual(info.filters, [])
    assert.deepStrictEqual(defaultSymbols.map((s) => s.symbol), ["BTCUSDT", "ETHUSDT", "HIFIUSDT"])
  })

  it("refuses configs the engine could not enforce exactly", () => {
    const tooPrecise = makeSymbol({ symbol: "XUSDT", baseAsset: "X", quoteAsset: "USDT", baseAssetPrecision: 10, quoteAssetPrecision: 10 })
    assert.throws(() => SimEngine.make({ symbols: [tooPrecise] }), /more than 18/)
    const badMin = makeSymbol({ symbol: "YUSDT", baseAsset: "Y", quoteAsset: "USDT", baseAssetPrecision: 2, quoteAssetPrecision: 2, baseSizePrecision: "1e-2" })
    assert.throws(() => SimEngine.make({ symbols: [badMin] }), /baseSizePrecision/)
    assert.throws(() => SimEngine.make({ symbols: [defaultSymbols[0]!, defaultSymbols[0]!] }), /Duplicate/)
  })
})
