/**
 * An order request checked against its instrument's rules before anything is sent: the venue
 * would reject it anyway, but later, at the cost of a request (and of quota), and with a message
 * in its own words. Pure and venue-neutral: the rules come from the {@link Instrument}.
 *
 * Checks, in order (the first failure wins, as a {@link FilterRejected} naming the rule):
 * 1. `status`: the instrument trades now;
 * 2. `orderType`: the type is one the instrument allows, and the request has the fields the type
 *    needs (LIMIT / LIMIT_MAKER: price and quantity; MARKET: exactly one of quantity and quote
 *    amount, no price); `IOC`/`FOK` apply to LIMIT only; values are positive;
 * 3. `tickSize` / `lotSize` / `quoteStep`: the price is a multiple of the tick, the quantity of the
 *    lot and a MARKET order's quote amount of the quote step (the instrument's `quoteStep`, else
 *    its tick size). With `precision: "round"` the price is moved to the passive side (a bid down,
 *    an ask up: never a worse price than asked), the quantity and the quote amount down (never
 *    more than asked); with `"reject"` (the default) an off-step value is refused;
 * 4. `minQuantity`, then `minNotional` (price x quantity, or the quote amount of a MARKET order by
 *    amount; a MARKET order by quantity has no price to check against, the venue checks it) and
 *    `maxNotional` when the instrument has one.
 *
 * ```ts
 * const checked = OrderRules.validate(instrument, { symbol, side: "BUY", type: "LIMIT", price, quantity, precision: "round" })
 * if (Result.isFailure(checked)) // checked.failure: FilterRejected("tickSize" | ...)
 * ```
 *
 * @since 0.1.0
 */
import { BigDecimal, Result } from "effect"
import * as Decimal from "./Decimal.ts"
import { FilterRejected } from "./ExchangeError.ts"
import type { Instrument, OrderRequest, OrderType, Side, TimeInForce } from "./Model.ts"

/** A request that passed every rule: values on their steps, time in force resolved. */
export interface ValidOrder {
  readonly symbol: string
  readonly side: Side
  readonly type: OrderType
  readonly timeInForce: TimeInForce
  readonly price?: Decimal.Decimal | undefined
  readonly quantity?: Decimal.Decimal | undefined
  readonly quoteQuantity?: Decimal.Decimal | undefined
  /** Whether `precision: "round"` changed the price or the quantity. */
  readonly rounded: boolean
}

type Filter = FilterRejected["filter"]

const reject = (symbol: string, filter: Filter, detail: string): Result.Result<never, FilterRejected> =>
  Result.fail(new FilterRejected({ symbol, filter, detail }))

const fmt = Decimal.format

const isPositive = (value: Decimal.Decimal): boolean => BigDecimal.isPositive(value)

/**
 * Checks `request` against `instrument` (see the module doc for the rules). The request's symbol
 * must be the instrument's.
 */
export const validate = (instrument: Instrument, request: OrderRequest): Result.Result<ValidOrder, FilterRejected> => {
  const symbol = instrument.symbol
  if (request.symbol !== symbol) {
    return reject(request.symbol, "venue", `the request is for ${request.symbol}, the rules are ${symbol}'s`)
  }
  if (instrument.status !== "TRADING") {
    return reject(symbol, "status", `${symbol} is not trading (status ${instrument.status})`)
  }
  const type = request.type
  if (!instrument.orderTypes.includes(type)) {
    return reject(symbol, "orderType", `${type} orders are not allowed on ${symbol} (allowed: ${instrument.orderTypes.join(", ")})`)
  }
  const timeInForce: TimeInForce = request.timeInForce ?? "GTC"
  if (timeInForce !== "GTC" && type !== "LIMIT") {
    return reject(symbol, "orderType", `time in force ${timeInForce} applies to LIMIT orders only, not ${type}`)
  }

  if (type === "MARKET") {
    if (request.price !== undefined) return reject(symbol, "orderType", "a MARKET order takes no price")
    const hasQuantity = request.quantity !== undefined
    const hasQuote = request.quoteQuantity !== undefined
    if (hasQuantity === hasQuote) {
      return reject(symbol, "orderType", "a MARKET order needs exactly one of quantity and quoteQuantity")
    }
    if (hasQuote) {
      const amount = checkQuoteAmount(instrument, request.quoteQuantity!, request.precision)
      if (Result.isFailure(amount)) return Result.fail(amount.failure)
      const notional = checkNotional(instrument, amount.success.value)
      if (notional !== undefined) return notional
      return Result.succeed({
        symbol,
        side: request.side,
        type,
        timeInForce,
        quoteQuantity: amount.success.value,
        rounded: amount.success.rounded
      })
    }
    const quantity = checkQuantity(instrument, request.quantity!, request.precision)
    if (Result.isFailure(quantity)) return Result.fail(quantity.failure)
    return Result.succeed({
      symbol,
      side: request.side,
      type,
      timeInForce,
      quantity: quantity.success.value,
      rounded: quantity.success.rounded
    })
  }

  // LIMIT and LIMIT_MAKER
  if (request.quoteQuantity !== undefined) return reject(symbol, "orderType", `a ${type} order takes a quantity, not a quote amount`)
  if (request.price === undefined) return reject(symbol, "orderType", `a ${type} order needs a price`)
  if (request.quantity === undefined) return reject(symbol, "orderType", `a ${type} order needs a quantity`)
  if (!isPositive(request.price)) return reject(symbol, "orderType", `price ${fmt(request.price)} is not positive`)
  let price = BigDecimal.normalize(request.price)
  let rounded = false
  if (!Decimal.isMultipleOf(price, instrument.tickSize)) {
    if (request.precision !== "round") {
      return reject(symbol, "tickSize", `price ${fmt(price)} is not a multiple of the tick size ${fmt(instrument.tickSize)}`)
    }
    price = Decimal.roundToStep(price, instrument.tickSize, request.side === "BUY" ? "down" : "up")
    rounded = true
    if (!isPositive(price)) {
      return reject(symbol, "tickSize", `price ${fmt(request.price)} rounds to zero at the tick size ${fmt(instrument.tickSize)}`)
    }
  }
  const quantity = checkQuantity(instrument, request.quantity, request.precision)
  if (Result.isFailure(quantity)) return Result.fail(quantity.failure)
  const notional = checkNotional(instrument, BigDecimal.multiply(price, quantity.success.value))
  if (notional !== undefined) return notional
  return Result.succeed({
    symbol,
    side: request.side,
    type,
    timeInForce,
    price,
    quantity: quantity.success.value,
    rounded: rounded || quantity.success.rounded
  })
}

const checkQuantity = (
  instrument: Instrument,
  requested: Decimal.Decimal,
  precision: OrderRequest["precision"]
): Result.Result<{ readonly value: Decimal.Decimal; readonly rounded: boolean }, FilterRejected> => {
  const symbol = instrument.symbol
  if (!isPositive(requested)) return reject(symbol, "orderType", `quantity ${fmt(requested)} is not positive`)
  let value = BigDecimal.normalize(requested)
  let rounded = false
  if (!Decimal.isMultipleOf(value, instrument.lotSize)) {
    if (precision !== "round") {
      return reject(symbol, "lotSize", `quantity ${fmt(value)} is not a multiple of the lot size ${fmt(instrument.lotSize)}`)
    }
    value = Decimal.roundToStep(value, instrument.lotSize, "down")
    rounded = true
  }
  if (BigDecimal.isLessThan(value, instrument.minQuantity) || !isPositive(value)) {
    const was = rounded ? ` (${fmt(requested)} rounded down to the lot size)` : ""
    return reject(symbol, "minQuantity", `quantity ${fmt(value)}${was} is below the minimum ${fmt(instrument.minQuantity)} ${instrument.baseAsset}`)
  }
  return Result.succeed({ value, rounded })
}

/** A MARKET order's quote amount on the quote step (issue 16, item 5: it was sent as given). */
const checkQuoteAmount = (
  instrument: Instrument,
  requested: Decimal.Decimal,
  precision: OrderRequest["precision"]
): Result.Result<{ readonly value: Decimal.Decimal; readonly rounded: boolean }, FilterRejected> => {
  const symbol = instrument.symbol
  if (!isPositive(requested)) return reject(symbol, "orderType", `quote amount ${fmt(requested)} is not positive`)
  const step = instrument.quoteStep ?? instrument.tickSize
  const value = BigDecimal.normalize(requested)
  if (Decimal.isMultipleOf(value, step)) return Result.succeed({ value, rounded: false })
  if (precision !== "round") {
    return reject(symbol, "quoteStep", `quote amount ${fmt(value)} is not a multiple of the quote step ${fmt(step)} ${instrument.quoteAsset}`)
  }
  const rounded = Decimal.roundToStep(value, step, "down")
  if (!isPositive(rounded)) {
    return reject(symbol, "quoteStep", `quote amount ${fmt(value)} rounds to zero at the quote step ${fmt(step)} ${instrument.quoteAsset}`)
  }
  return Result.succeed({ value: rounded, rounded: true })
}

const checkNotional = (instrument: Instrument, notional: Decimal.Decimal): Result.Result<never, FilterRejected> | undefined => {
  const symbol = instrument.symbol
  if (BigDecimal.isLessThan(notional, instrument.minNotional)) {
    return reject(symbol, "minNotional", `notional ${fmt(notional)} ${instrument.quoteAsset} is below the minimum ${fmt(instrument.minNotional)} ${instrument.quoteAsset}`)
  }
  if (instrument.maxNotional !== undefined && BigDecimal.isGreaterThan(notional, instrument.maxNotional)) {
    return reject(symbol, "maxNotional", `notional ${fmt(notional)} ${instrument.quoteAsset} is above the maximum ${fmt(instrument.maxNotional)} ${instrument.quoteAsset}`)
  }
  return undefined
}
