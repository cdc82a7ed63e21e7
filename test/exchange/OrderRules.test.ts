import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"
import type { FilterRejected } from "../../src/exchange/ExchangeError.ts"
import { Instrument, type OrderRequest } from "../../src/exchange/Model.ts"
import * as OrderRules from "../../src/exchange/OrderRules.ts"
import * as instruments from "../support/instruments.ts"

const d = Decimal.unsafeParse

/** HIFIUSDT as the simulator lists it, with a maximum notional of 100,000 USDT. */
const hifi = instruments.hifi({ maxNotional: d("100000") })

const limit = (overrides: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: "HIFIUSDT",
  side: "BUY",
  type: "LIMIT",
  price: d("0.6"),
  quantity: d("10"),
  ...overrides
})

const rejection = (instrument: Instrument, request: OrderRequest): FilterRejected => {
  const result = OrderRules.validate(instrument, request)
  if (Result.isSuccess(result)) throw new Error(`expected a rejection, got ${JSON.stringify(result.success)}`)
  return result.failure
}

const accepted = (instrument: Instrument, request: OrderRequest): OrderRules.ValidOrder => {
  const result = OrderRules.validate(instrument, request)
  if (Result.isFailure(result)) throw new Error(`expected acceptance, got ${result.failure.message}`)
  return result.success
}

describe("OrderRules.validate", () => {
  it("accepts an order on the steps, above the minimums, as given", () => {
    const order = accepted(hifi, limit({ price: d("0.6123"), quantity: d("12.34") }))
    expect(Decimal.format(order.price!)).toBe("0.6123")
    expect(Decimal.format(order.quantity!)).toBe("12.34")
    expect(order.timeInForce).toBe("GTC")
    expect(order.rounded).toBe(false)
  })

  it("rejects an off-tick price and an off-lot quantity by default, naming the rule", () => {
    const tick = rejection(hifi, limit({ price: d("0.61234") }))
    expect(tick.filter).toBe("tickSize")
    expect(tick.message).toContain("0.61234")
    expect(tick.message).toContain("0.0001")
    const lot = rejection(hifi, limit({ quantity: d("10.005") }))
    expect(lot.filter).toBe("lotSize")
    expect(lot.detail).toContain("10.005")
  })

  it("rounds toward the passive side with precision 'round': bids down, asks up, quantities down", () => {
    const bid = accepted(hifi, limit({ side: "BUY", price: d("0.61239"), quantity: d("10.009"), precision: "round" }))
    expect(Decimal.format(bid.price!)).toBe("0.6123")
    expect(Decimal.format(bid.quantity!)).toBe("10")
    expect(bid.rounded).toBe(true)
    const ask = accepted(hifi, limit({ side: "SELL", price: d("0.61231"), quantity: d("10.019"), precision: "round" }))
    expect(Decimal.format(ask.price!)).toBe("0.6124")
    expect(Decimal.format(ask.quantity!)).toBe("10.01")
  })

  it("checks the minimum quantity after rounding, and says it was rounded", () => {
    const below = rejection(hifi, limit({ price: d("5"), quantity: d("0.99") }))
    expect(below.filter).toBe("minQuantity")
    const justAbove = accepted(hifi, limit({ price: d("5"), quantity: d("1.009"), precision: "round" }))
    expect(Decimal.format(justAbove.quantity!)).toBe("1")
    const roundedBelow = rejection(hifi, limit({ price: d("5"), quantity: d("0.999"), precision: "round" }))
    expect(roundedBelow.filter).toBe("minQuantity")
    expect(roundedBelow.detail).toContain("rounded down")
  })

  it("checks the minimum and maximum notional of limit orders and market orders by amount", () => {
    const small = rejection(hifi, limit({ price: d("0.09"), quantity: d("10") }))
    expect(small.filter).toBe("minNotional")
    expect(small.detail).toContain("0.9 USDT")
    const big = rejection(hifi, limit({ price: d("1000"), quantity: d("200") }))
    expect(big.filter).toBe("maxNotional")
    const marketSmall = rejection(hifi, { symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quoteQuantity: d("0.5") })
    expect(marketSmall.filter).toBe("minNotional")
    const market = accepted(hifi, { symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quoteQuantity: d("2.1") })
    expect(Decimal.format(market.quoteQuantity!)).toBe("2.1")
    expect(market.quantity).toBeUndefined()
    // Issue 16, item 5: a quote amount keeps to the quote step (HIFI: 4 decimals, its tick size).
    const offStep = { symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quoteQuantity: d("2.123456") } as const
    const refused = rejection(hifi, offStep)
    expect(refused.filter).toBe("quoteStep")
    expect(refused.detail).toContain("2.123456")
    const rounded = accepted(hifi, { ...offStep, precision: "round" })
    expect(Decimal.format(rounded.quoteQuantity!)).toBe("2.1234")
    expect(rounded.rounded).toBe(true)
    expect(rejection(hifi, { ...offStep, quoteQuantity: d("0.00001"), precision: "round" }).filter).toBe("quoteStep")
    const ownStep = instruments.hifi({ quoteStep: d("0.01") })
    expect(Decimal.format(accepted(ownStep, { ...offStep, precision: "round" }).quoteQuantity!)).toBe("2.12")
    // By quantity: no price to compute a notional from; the quantity rules still hold.
    const byQuantity = accepted(hifi, { symbol: "HIFIUSDT", side: "SELL", type: "MARKET", quantity: d("3") })
    expect(Decimal.format(byQuantity.quantity!)).toBe("3")
    expect(rejection(hifi, { symbol: "HIFIUSDT", side: "SELL", type: "MARKET", quantity: d("0.5") }).filter).toBe("minQuantity")
  })

  it("rejects malformed shapes for the type: missing price, both amounts, price on a market order", () => {
    expect(rejection(hifi, limit({ price: undefined })).filter).toBe("orderType")
    expect(rejection(hifi, limit({ quantity: undefined })).filter).toBe("orderType")
    expect(rejection(hifi, limit({ quoteQuantity: d("5") })).filter).toBe("orderType")
    expect(rejection(hifi, { symbol: "HIFIUSDT", side: "BUY", type: "MARKET" }).filter).toBe("orderType")
    expect(rejection(hifi, { symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quantity: d("5"), quoteQuantity: d("5") }).filter)
      .toBe("orderType")
    expect(rejection(hifi, { symbol: "HIFIUSDT", side: "BUY", type: "MARKET", price: d("1"), quantity: d("5") }).filter)
      .toBe("orderType")
    expect(rejection(hifi, limit({ price: d("-0.6") })).filter).toBe("orderType")
    expect(rejection(hifi, limit({ quantity: d("0") })).filter).toBe("orderType")
  })

  it("allows IOC and FOK on LIMIT only", () => {
    expect(accepted(hifi, limit({ timeInForce: "IOC" })).timeInForce).toBe("IOC")
    expect(accepted(hifi, limit({ timeInForce: "FOK" })).timeInForce).toBe("FOK")
    expect(rejection(hifi, limit({ type: "LIMIT_MAKER", timeInForce: "IOC" })).filter).toBe("orderType")
    expect(rejection(hifi, { symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quantity: d("5"), timeInForce: "FOK" }).filter)
      .toBe("orderType")
  })

  it("refuses order types the instrument does not allow, and instruments that do not trade", () => {
    const limitOnly = new Instrument({ ...hifi, orderTypes: ["LIMIT"] })
    const refused = rejection(limitOnly, { symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quoteQuantity: d("5") })
    expect(refused.filter).toBe("orderType")
    expect(refused.detail).toContain("MARKET")
    const halted = new Instrument({ ...hifi, status: "HALTED" })
    expect(rejection(halted, limit()).filter).toBe("status")
  })

  it("refuses a request for another symbol than the rules'", () => {
    expect(rejection(hifi, limit({ symbol: "BTCUSDT" })).filter).toBe("venue")
  })
})
