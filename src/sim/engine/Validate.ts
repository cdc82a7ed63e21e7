/**
 * Parameter checks for a new order, in the order MEXC applies them: symbol, side, type,
 * mandatory parameters, number format, positivity, precision, minimum and maximum quantity and
 * notional. Checks that need the book or the account (balance, post-only crossing, fill-or-kill
 * liquidity, duplicate client ids) are the engine's.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import * as Decimal from "./Decimal.ts"
import { reject, type SimRejection } from "./Errors.ts"
import type { SymbolSpec } from "./Symbols.ts"
import type { OrderSide, OrderType, PlaceOrderRequest } from "./Types.ts"
import { orderTypes } from "./Types.ts"

/** A request that passed the parameter checks, as scaled integers. @internal */
export interface ParsedOrder {
  readonly spec: SymbolSpec
  readonly side: OrderSide
  readonly type: OrderType
  /** Limit price; 0 for MARKET. */
  readonly price: bigint
  /** Quantity; 0 for a MARKET order by quote amount. */
  readonly quantity: bigint
  /** MARKET by quote amount: the amount; 0 otherwise. */
  readonly quoteOrderQty: bigint
  readonly clientOrderId: string | null
}

const present = (value: string | undefined): value is string => value !== undefined && value !== ""

const clientIdPattern = /^[A-Za-z0-9_\-.:/]{1,64}$/

const typeSet: ReadonlySet<string> = new Set(orderTypes)

/** Checks a request's parameters against its symbol. */
export const validate = (spec: SymbolSpec, req: PlaceOrderRequest): Result.Result<ParsedOrder, SimRejection> => {
  const config = spec.config
  if (config.status !== "1" || !config.isSpotTradingAllowed) return Result.fail(reject.tradingDisabled())
  if (!present(req.side)) return Result.fail(reject.missingParameter("side"))
  if (req.side !== "BUY" && req.side !== "SELL") return Result.fail(reject.invalidParameter(`side ${req.side}`))
  const side: OrderSide = req.side as OrderSide
  if ((config.tradeSideType === "2" && side === "SELL") || (config.tradeSideType === "3" && side === "BUY")) {
    return Result.fail(reject.sideNotAllowed())
  }
  if (!present(req.type)) return Result.fail(reject.missingParameter("type"))
  if (!typeSet.has(req.type)) return Result.fail(reject.invalidParameter(`type ${req.type}`))
  const type = req.type as OrderType
  if (!spec.types.has(type)) return Result.fail(reject.orderTypeNotAllowed())
  let clientOrderId: string | null = null
  if (present(req.newClientOrderId)) {
    if (!clientIdPattern.test(req.newClientOrderId)) {
      return Result.fail(reject.invalidParameter("newClientOrderId"))
    }
    clientOrderId = req.newClientOrderId
  }
  const quote = config.quoteAsset

  if (type === "MARKET") {
    const hasQty = present(req.quantity)
    const hasQuote = present(req.quoteOrderQty)
    if (!hasQty && !hasQuote) return Result.fail(reject.missingParameter("quantity"))
    if (hasQty && hasQuote) return Result.fail(reject.invalidParameter("send either quantity or quoteOrderQty"))
    if (hasQuote) {
      if (!config.quoteOrderQtyMarketAllowed) return Result.fail(reject.orderTypeNotAllowed())
      const amount = Decimal.parse(req.quoteOrderQty!)
      if (amount === undefined) return Result.fail(reject.invalidParameter("quoteOrderQty"))
      if (amount === 0n) return Result.fail(reject.notPositive())
      if (!Decimal.hasPrecision(amount, config.quotePrecision)) {
        return Result.fail(reject.invalidParameter(`quoteOrderQty has more than ${config.quotePrecision} decimals`))
      }
      if (amount < spec.minNotionalMarket) {
        return Result.fail(reject.belowMinimum(`${Decimal.format(spec.minNotionalMarket)}${quote}`))
      }
      if (amount > spec.maxNotionalMarket) {
        return Result.fail(reject.aboveMaximum(`${Decimal.format(spec.maxNotionalMarket)}${quote}`))
      }
      return Result.succeed({ spec, side, type, price: 0n, quantity: 0n, quoteOrderQty: amount, clientOrderId })
    }
    const quantity = parseQuantity(spec, req.quantity!)
    if (Result.isFailure(quantity)) return Result.fail(quantity.failure)
    return Result.succeed({ spec, side, type, price: 0n, quantity: quantity.success, quoteOrderQty: 0n, clientOrderId })
  }

  if (!present(req.quantity)) return Result.fail(reject.missingParameter("quantity"))
  if (!present(req.price)) return Result.fail(reject.missingParameter("price"))
  const price = Decimal.parse(req.price)
  if (price === undefined) return Result.fail(reject.invalidParameter("price"))
  const quantity = parseQuantity(spec, req.quantity)
  if (Result.isFailure(quantity)) return Result.fail(quantity.failure)
  if (price === 0n) return Result.fail(reject.notPositive())
  if (!Decimal.hasPrecision(price, spec.priceDecimals)) {
    return Result.fail(reject.invalidParameter(`price has more than ${spec.priceDecimals} decimals`))
  }
  const notional = Decimal.mul(price, quantity.success)
  if (notional < spec.minNotional) return Result.fail(reject.belowMinimum(`${Decimal.format(spec.minNotional)}${quote}`))
  if (notional > spec.maxNotional) return Result.fail(reject.aboveMaximum(`${Decimal.format(spec.maxNotional)}${quote}`))
  return Result.succeed({ spec, side, type, price, quantity: quantity.success, quoteOrderQty: 0n, clientOrderId })
}

const parseQuantity = (spec: SymbolSpec, text: string): Result.Result<bigint, SimRejection> => {
  const quantity = Decimal.parse(text)
  if (quantity === undefined) return Result.fail(reject.invalidParameter("quantity"))
  if (quantity === 0n) return Result.fail(reject.notPositive())
  if (!Decimal.hasPrecision(quantity, spec.qtyDecimals)) {
    return Result.fail(reject.invalidParameter(`quantity has more than ${spec.qtyDecimals} decimals`))
  }
  if (quantity < spec.minQty) {
    return Result.fail(reject.belowMinimum(`${Decimal.format(spec.minQty)}${spec.config.baseAsset}`))
  }
  return Result.succeed(quantity)
}
