/**
 * Exact decimal numbers for prices, quantities and amounts: Effect's `BigDecimal` (a scaled
 * `bigint`), with the conversions a venue needs. Never floating point on the money path.
 *
 * - {@link parse} reads a venue's decimal string (`"65000.10"`, `"1e-8"`, `"-0.5"`) exactly.
 * - {@link format} writes a plain decimal string with no exponent and no trailing zeros
 *   (`"0.000000000000000001"`, `"12345678901234567890"`): what REST parameters need, since
 *   `BigDecimal.format` switches to exponent notation from 16 digits of scale on.
 * - {@link roundToStep} snaps a value to a multiple of a tick size or lot size.
 *
 * @since 0.1.0
 */
import { BigDecimal, Effect, Option, Schema, SchemaIssue, SchemaTransformation } from "effect"

export type Decimal = BigDecimal.BigDecimal

/** Zero. */
export const zero: Decimal = BigDecimal.fromBigInt(0n)

const plainPattern = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * Reads a decimal string exactly. Accepts an optional sign, a fraction, and an exponent; rejects
 * anything else (empty string, `NaN`, `Infinity`, spaces, hex) with `Option.none()`.
 */
export const parse = (text: string): Option.Option<Decimal> => {
  if (!plainPattern.test(text)) return Option.none()
  const unsigned = text[0] === "+" ? text.slice(1) : text
  const withLeadingZero = unsigned.startsWith(".") ? `0${unsigned}` : unsigned.startsWith("-.") ? `-0${unsigned.slice(1)}` : unsigned
  const trimmedDot = withLeadingZero.replace(/\.(?=$|[eE])/, "")
  return Option.map(BigDecimal.fromString(trimmedDot), BigDecimal.normalize)
}

/** {@link parse}, throwing on bad input: for constants in code and tests only. */
export const unsafeParse = (text: string): Decimal =>
  Option.getOrThrowWith(parse(text), () => new Error(`not a decimal number: ${JSON.stringify(text)}`))

/** A plain decimal string: no exponent, no trailing zeros, `"0"` for zero. Exact. */
export const format = (value: Decimal): string => {
  const n = BigDecimal.normalize(value)
  const negative = n.value < 0n
  const digits = (negative ? -n.value : n.value).toString()
  let text: string
  if (n.scale <= 0) {
    text = n.value === 0n ? "0" : digits + "0".repeat(-n.scale)
  } else {
    const padded = digits.padStart(n.scale + 1, "0")
    text = `${padded.slice(0, padded.length - n.scale)}.${padded.slice(padded.length - n.scale)}`
  }
  return negative ? `-${text}` : text
}

/** A decimal with `places` digits after the point: the step `10^-places` (places may be 0). */
export const stepOfPlaces = (places: number): Decimal => BigDecimal.make(1n, places)

/** How to round a value that is not a multiple of its step. */
export type Rounding = "down" | "up" | "nearest"

/**
 * The multiple of `step` nearest `value` in the given direction (`down` and `up` are toward
 * negative and positive infinity). `step` must be positive.
 */
export const roundToStep = (value: Decimal, step: Decimal, rounding: Rounding): Decimal => {
  const units = BigDecimal.divideUnsafe(value, step)
  const whole = rounding === "down"
    ? BigDecimal.floor(units)
    : rounding === "up"
    ? BigDecimal.ceil(units)
    : BigDecimal.round(units, { mode: "half-even" })
  return BigDecimal.normalize(BigDecimal.multiply(whole, step))
}

/** Whether `value` is an exact multiple of `step`. */
export const isMultipleOf = (value: Decimal, step: Decimal): boolean =>
  BigDecimal.equals(roundToStep(value, step, "down"), BigDecimal.normalize(value))

/**
 * A schema from a venue's decimal string to {@link Decimal}; encodes back with {@link format}
 * (plain digits, never an exponent). Decoding fails on anything {@link parse} rejects.
 */
export const FromString: Schema.decodeTo<Schema.BigDecimal, Schema.String> = Schema.String.pipe(
  Schema.decodeTo(
    Schema.BigDecimal,
    SchemaTransformation.transformEffect<Decimal, string>({
      decode: (text, options) => {
        const parsed = parse(text)
        return Option.isNone(parsed)
          ? Effect.fail(new SchemaIssue.InvalidValue({ expected: "a decimal number string" }, text, options))
          : Effect.succeed(parsed.value)
      },
      encode: (value) => Effect.succeed(format(value))
    })
  )
)
