import { assert, describe, it } from "@effect/vitest"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { Quote } from "../../src/exchange/Model.ts"
import * as Validate from "../../src/exchange/Validate.ts"

const d = Decimal.unsafeParse
const quote = (bid: string, ask: string) =>
  new Quote({ symbol: "X", bidPrice: d(bid), bidQuantity: d("1"), askPrice: d(ask), askQuantity: d("1") })

describe("Validate (venue-neutral domain checks)", () => {
  it("amounts: finite and in range; exponents that no amount needs are refused at once", () => {
    assert.isUndefined(Validate.inRange(d("123456.000000000000000001"), "x"))
    assert.isUndefined(Validate.inRange(d("1e-18"), "x"))
    assert.isUndefined(Validate.inRange(d("1.5e20"), "x"))
    assert.isUndefined(Validate.inRange(d("1.000000000000000000000000000000000000000"), "x"), "trailing zeros are not decimals")
    for (const text of ["1e999999999", "-1e999999999", "1e-999999999", "1e30", "1e-31"]) {
      assert.isString(Validate.inRange(d(text), "x"), text)
    }
  })

  it("positive where it must be, not negative elsewhere", () => {
    assert.isString(Validate.positive(d("0"), "quantity"))
    assert.isString(Validate.positive(d("-1"), "price"))
    assert.isUndefined(Validate.positive(d("0.0001"), "price"))
    assert.isUndefined(Validate.nonNegative(d("0"), "fee"))
    assert.isString(Validate.nonNegative(d("-0.5"), "fee"))
    assert.isString(Validate.nonNegative(d("1e999999999"), "fee"))
  })

  it("times: -1, 0, 2^53 and fractions are not times", () => {
    for (const ms of [-1, 0, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.isString(Validate.time(ms, "t"), String(ms))
    assert.isUndefined(Validate.time(1732200000123, "t"))
  })

  it("quotes: best bid below best ask; a one-sided book is allowed", () => {
    assert.isUndefined(Validate.quote(quote("1.0", "1.1")))
    assert.match(Validate.quote(quote("1.1", "1.1"))!, /not below best ask/)
    assert.match(Validate.quote(quote("1.2", "1.1"))!, /not below best ask/)
    assert.isUndefined(Validate.quote(quote("0", "1.1")))
    assert.isUndefined(Validate.quote(quote("1.2", "0")))
    assert.isString(Validate.quote(quote("1e999999999", "0")))
  })

  it("ids, asset codes and known names", () => {
    assert.isString(Validate.id("", "order id"))
    assert.isString(Validate.id(" 1", "order id"))
    assert.isUndefined(Validate.id("C02__481937457916551168071", "order id"))
    assert.isUndefined(Validate.asset("USDT"))
    assert.isUndefined(Validate.asset("1INCH"))
    for (const bad of ["", " BTC", "BT C", "\u0000", "x".repeat(33)]) assert.isString(Validate.asset(bad), JSON.stringify(bad))
    const known = new Set(["BTC", "USDT"])
    assert.isUndefined(Validate.known("BTC", known, "asset"))
    assert.match(Validate.known("DOGE", known, "asset")!, /unknown asset/)
  })
})
