/**
 * Exact decimal arithmetic for the simulated exchange.
 *
 * Every price, quantity, notional, fee and balance in the engine is a `bigint` holding the value
 * scaled by 10^18 (a fixed scale for every asset, like wei). One fixed scale means balances of an
 * asset shared by many symbols (USDT) never need conversions, and comparisons are plain `<`.
 *
 * Exactness: a symbol's price has at most `quoteAssetPrecision` decimals and its quantity at most
 * `baseAssetPrecision`, and the engine refuses symbol configs where the two add up to more than 18,
 * so `price * quantity` (a notional) is always exact. Only two results ever need rounding, and
 * both round explicitly: fees (up, to the symbol's commission precision, so the exchange never
 * undercharges) and quantities derived from a quote amount (down, to the quantity precision).
 * No floating point touches money; the synthetic market uses floats only to *choose* prices,
 * which it then snaps to whole ticks.
 *
 * @since 0.1.0
 */

/** Decimals carried by every scaled value. */
export const SCALE_DECIMALS = 18

/** 1.0 as a scaled value. */
export const ONE = 10n ** 18n

/** 0 as a scaled value. */
export const ZERO = 0n

const pow10Cache: Array<bigint> = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i))

/** 10^n as a bigint (n in 0..39). */
export const pow10 = (n: number): bigint => pow10Cache[n] ?? 10n ** BigInt(n)

/** The smallest step with `decimals` decimals (the tick or lot size), as a scaled value. */
export const unit = (decimals: number): bigint => pow10(SCALE_DECIMALS - decimals)

const decimalPattern = /^(\d*)(?:\.(\d*))?$/

/**
 * Parses a plain non-negative decimal string ("0.01", "65000.12", "5", ".5", "1."), as MEXC
 * clients send them. Rejects signs, exponents, blanks and more than 18 significant decimals
 * (trailing zeros do not count). Returns `undefined` when the text is not such a number.
 */
export const parse = (text: string): bigint | undefined => {
  const match = decimalPattern.exec(text)
  if (match === null) return undefined
  const int = match[1] ?? ""
  let frac = match[2] ?? ""
  if (int.length === 0 && frac.length === 0) return undefined
  if (frac.length > SCALE_DECIMALS) {
    if (!/^0*$/.test(frac.slice(SCALE_DECIMALS))) return undefined
    frac = frac.slice(0, SCALE_DECIMALS)
  }
  const intPart = int.length === 0 ? 0n : BigInt(int)
  const fracPart = frac.length === 0 ? 0n : BigInt(frac) * pow10(SCALE_DECIMALS - frac.length)
  return intPart * ONE + fracPart
}

/** Parses a decimal string that is known to be valid (configs, constants); throws otherwise. */
export const unsafeParse = (text: string): bigint => {
  const value = parse(text)
  if (value === undefined) throw new Error(`Not a decimal: ${JSON.stringify(text)}`)
  return value
}

/**
 * Formats a scaled value the way MEXC prints numbers: plain digits, no exponent, no trailing
 * zeros, no trailing dot ("0.01", "65000.12", "10000", "0").
 */
export const format = (value: bigint): string => {
  const negative = value < 0n
  const abs = negative ? -value : value
  const int = abs / ONE
  const frac = abs % ONE
  let text = int.toString()
  if (frac !== 0n) {
    let digits = frac.toString().padStart(SCALE_DECIMALS, "0")
    let end = digits.length
    while (end > 0 && digits.charCodeAt(end - 1) === 48) end--
    digits = digits.slice(0, end)
    text = `${text}.${digits}`
  }
  return negative ? `-${text}` : text
}

/** Formats with exactly `decimals` decimals (truncating extra ones): `formatFixed(1.5, 3)` = "1.500". */
export const formatFixed = (value: bigint, decimals: number): string => {
  const negative = value < 0n
  const abs = roundDown(negative ? -value : value, decimals)
  const int = abs / ONE
  let text = int.toString()
  if (decimals > 0) {
    const frac = (abs % ONE) / unit(decimals)
    text = `${text}.${frac.toString().padStart(decimals, "0")}`
  }
  return negative ? `-${text}` : text
}

/** Number of decimals actually used by a scaled value (0 for integers). */
export const decimalsOf = (value: bigint): number => {
  let frac = (value < 0n ? -value : value) % ONE
  if (frac === 0n) return 0
  let decimals = SCALE_DECIMALS
  while (frac % 10n === 0n) {
    frac /= 10n
    decimals--
  }
  return decimals
}

/** True when `value` has no more than `decimals` decimals. */
export const hasPrecision = (value: bigint, decimals: number): boolean =>
  decimals >= SCALE_DECIMALS || value % unit(decimals) === 0n

/** a * b, exact whenever the decimals of a and b add up to at most 18 (else truncated). */
export const mul = (a: bigint, b: bigint): bigint => (a * b) / ONE

/** a * b rounded up to the scale (for fees). Both operands must be non-negative. */
export const mulCeil = (a: bigint, b: bigint): bigint => {
  const product = a * b
  const q = product / ONE
  return product % ONE === 0n ? q : q + 1n
}

/** a / b truncated to the scale. `b` must not be zero. */
export const div = (a: bigint, b: bigint): bigint => (a * ONE) / b

/** Rounds a non-negative value down to `decimals` decimals. */
export const roundDown = (value: bigint, decimals: number): bigint => {
  if (decimals >= SCALE_DECIMALS) return value
  const step = unit(decimals)
  return value - (value % step)
}

/** Rounds a non-negative value up to `decimals` decimals. */
export const roundUp = (value: bigint, decimals: number): bigint => {
  if (decimals >= SCALE_DECIMALS) return value
  const step = unit(decimals)
  const rest = value % step
  return rest === 0n ? value : value - rest + step
}

/** The smaller of two values. */
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

/** The larger of two values. */
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b)
