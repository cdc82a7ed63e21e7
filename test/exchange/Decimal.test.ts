import { describe, expect, it } from "@effect/vitest"
import { BigDecimal, Option, Schema } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"

const roundTrip = (text: string) => Option.map(Decimal.parse(text), Decimal.format)

describe("Decimal", () => {
  it("reads venue strings exactly and writes plain digits", () => {
    expect(roundTrip("65000.10")).toEqual(Option.some("65000.1"))
    expect(roundTrip("0.000000000000000001")).toEqual(Option.some("0.000000000000000001"))
    expect(roundTrip("1e-18")).toEqual(Option.some("0.000000000000000001"))
    expect(roundTrip("1.5E+3")).toEqual(Option.some("1500"))
    expect(roundTrip("-.25")).toEqual(Option.some("-0.25"))
    expect(roundTrip("5.")).toEqual(Option.some("5"))
    expect(roundTrip("0.000")).toEqual(Option.some("0"))
    // Above 2^53: no precision lost.
    expect(roundTrip("123456789012345678901234567890.123456789012345678")).toEqual(
      Option.some("123456789012345678901234567890.123456789012345678")
    )
  })

  it("rejects what is not a decimal number", () => {
    for (const bad of ["", "abc", "1e", "NaN", "Infinity", "0x10", " 1", "1 ", "1.2.3", "--1"]) {
      expect(Decimal.parse(bad), bad).toEqual(Option.none())
    }
  })

  it("rounds to a step in each direction and tells multiples", () => {
    const d = Decimal.unsafeParse
    expect(Decimal.format(Decimal.roundToStep(d("1.23456"), d("0.01"), "down"))).toBe("1.23")
    expect(Decimal.format(Decimal.roundToStep(d("1.23456"), d("0.01"), "up"))).toBe("1.24")
    expect(Decimal.format(Decimal.roundToStep(d("1.235"), d("0.01"), "nearest"))).toBe("1.24")
    expect(Decimal.format(Decimal.roundToStep(d("7"), d("5"), "down"))).toBe("5")
    expect(Decimal.isMultipleOf(d("1.20"), d("0.1"))).toBe(true)
    expect(Decimal.isMultipleOf(d("1.25"), d("0.1"))).toBe(false)
    expect(BigDecimal.equals(Decimal.stepOfPlaces(3), d("0.001"))).toBe(true)
  })

  it("is a schema from the wire string, encoding back without exponents", () => {
    const decoded = Schema.decodeUnknownSync(Decimal.FromString)("0.0100")
    expect(Decimal.format(decoded)).toBe("0.01")
    expect(Schema.encodeSync(Decimal.FromString)(Decimal.unsafeParse("1e-18"))).toBe("0.000000000000000001")
    expect(() => Schema.decodeUnknownSync(Decimal.FromString)("1,5")).toThrow()
  })
})
