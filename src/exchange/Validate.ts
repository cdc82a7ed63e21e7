/**
 * Venue-neutral checks on domain values, for every venue's parse: a value a subscriber gets is
 * finite, in range, positive where it must be, of a known asset or symbol, and a quote's best bid
 * is below its best ask (DESIGN.md, "Reliability contract"). Each check is a plain function that
 * returns `undefined` when the value is good and a short reason when it is not, so a parse can
 * count and skip what fails exactly like a frame that does not decode, and the hot path allocates
 * nothing for good values.
 *
 * Ranges: an amount (price, quantity, notional, fee, balance) has at most {@link maxIntegerDigits}
 * digits before the point and {@link maxFractionDigits} after it: wide enough for any asset's
 * smallest unit (18 decimals) and any supply, narrow enough that `1e999999999` (a billion digits
 * once written out or scaled) is refused before anything computes with it. A time is epoch
 * milliseconds, a positive integer up to {@link maxTimeMs}: no later lower bound, as a clock
 * under test (and the simulator on it) starts at 0.
 *
 * @since 0.1.0
 */
import { BigDecimal } from "effect"
import type { Quote } from "./Model.ts"

/** Most digits before the decimal point an amount may have (10^30). */
export const maxIntegerDigits = 30

/** Most digits after the decimal point an amount may have. */
export const maxFractionDigits = 30

/** Latest time taken: 2100-01-01 (epoch ms). */
export const maxTimeMs = 4_102_444_800_000

/** `bound[scale]`: the smallest unscaled value out of range at `scale` (10^(maxIntegerDigits + scale)), for 0..maxFractionDigits. */
const bound = Array.from({ length: maxFractionDigits + 1 }, (_, scale) => 10n ** BigInt(maxIntegerDigits + scale))
/** `powers[k]`: 10^k for 0..maxIntegerDigits. */
const powers = Array.from({ length: maxIntegerDigits + 1 }, (_, k) => 10n ** BigInt(k))

/** Why `value` is not a finite amount in range (see the module doc); `undefined` when it is. */
export const inRange = (value: BigDecimal.BigDecimal, field: string): string | undefined => {
  const scale = value.scale
  if (scale > maxFractionDigits) {
    // More places than allowed may still be trailing zeros (`1.000...0`): normalise to tell.
    const normalized = BigDecimal.normalize(value)
    if (normalized.scale > maxFractionDigits) return `${field} has more than ${maxFractionDigits} decimals`
    return inRange(normalized, field)
  }
  if (scale < -maxIntegerDigits) return value.value === 0n ? undefined : `${field} is out of range`
  const magnitude = value.value < 0n ? -value.value : value.value
  // |value| = magnitude * 10^-scale must stay below 10^maxIntegerDigits.
  const outOfRange = scale >= 0 ? magnitude >= bound[scale]! : magnitude * powers[-scale]! >= bound[0]!
  return outOfRange ? `${field} is out of range` : undefined
}

/** A price, a quantity of a trade or fill, a notional: in range and above zero. */
export const positive = (value: BigDecimal.BigDecimal, field: string): string | undefined => {
  if (value.value <= 0n) return `${field} is not positive`
  return inRange(value, field)
}

/** A balance, a fee, a cumulative or remaining amount, a level's quantity: in range and not negative. */
export const nonNegative = (value: BigDecimal.BigDecimal, field: string): string | undefined => {
  if (value.value < 0n) return `${field} is negative`
  return inRange(value, field)
}

/** A venue time (epoch ms): an integer above 0 and at most {@link maxTimeMs} (-1, 0, 2^53 are not). */
export const time = (ms: number, field: string): string | undefined =>
  Number.isInteger(ms) && ms > 0 && ms <= maxTimeMs ? undefined : `${field} ${ms} is not a time`

/** An identifier (order id, trade id, asset, symbol): non-empty, no surrounding whitespace. */
export const id = (text: string | undefined, field: string): string | undefined =>
  text !== undefined && text.length > 0 && text.trim() === text ? undefined : `${field} ${JSON.stringify(text)} is empty`

/** `name` is one of `known` (assets or symbols the venue lists). */
export const known = (name: string, known: { readonly has: (name: string) => boolean }, field: string): string | undefined =>
  known.has(name) ? undefined : `unknown ${field} ${JSON.stringify(name)}`

/**
 * A best bid/ask: prices and quantities in range and not negative, a side with a price has a
 * quantity, and when both sides are there the bid is below the ask. An empty side (zero price and
 * quantity) is allowed: a book may be one-sided.
 */
export const quote = (q: Quote): string | undefined =>
  nonNegative(q.bidPrice, "bid price") ??
    nonNegative(q.bidQuantity, "bid quantity") ??
    nonNegative(q.askPrice, "ask price") ??
    nonNegative(q.askQuantity, "ask quantity") ??
    (q.bidPrice.value > 0n && q.askPrice.value > 0n && BigDecimal.isGreaterThanOrEqualTo(q.bidPrice, q.askPrice)
      ? `best bid ${BigDecimal.format(q.bidPrice)} is not below best ask ${BigDecimal.format(q.askPrice)}`
      : undefined)

const assetSpelling = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/

/** An asset's code as venues spell them: 1 to 32 letters, digits, `.`, `_` or `-`, starting with a letter or digit. */
export const asset = (name: string): string | undefined =>
  assetSpelling.test(name) ? undefined : `asset ${JSON.stringify(name.slice(0, 40))} is not an asset code`
