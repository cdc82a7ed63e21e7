/**
 * Gate.io Spot v4 wire shapes for the simulator: currency pairs, orders, trades and error bodies
 * rendered from the shared engine's state, and the mapping between the engine's ids and Gate's.
 *
 * Facts from `/work/shared/reference/gateio-wire.md` (section named per item): decimals travel as
 * strings; order ids are numeric strings; REST `create_time_ms` is a number while WS sends it as a
 * string; a trade's `create_time_ms` is a string with a fractional part; `status` is `open` until
 * the order ends, then `closed` (fully filled) or `cancelled` (anything left, partly filled or not),
 * with `finish_as` saying why.
 *
 * The engine speaks MEXC's vocabulary (`LIMIT_MAKER`, `IMMEDIATE_OR_CANCEL`, ...); the Gate
 * server maps Gate's `type` + `time_in_force` onto it and back:
 * | Gate | engine |
 * |---|---|
 * | limit gtc | LIMIT |
 * | limit ioc | IMMEDIATE_OR_CANCEL |
 * | limit poc | LIMIT_MAKER |
 * | limit fok | FILL_OR_KILL |
 * | market ioc (buy: `amount` in quote) | MARKET by quote amount / by quantity |
 *
 * @since 0.1.0
 */
import * as Decimal from "../../engine/Decimal.ts"
import type { SimRejection } from "../../engine/Errors.ts"
import type { SymbolConfig } from "../../engine/Symbols.ts"
import type { OrderType, OrderView, PublicTrade } from "../../engine/Types.ts"

/** Gate's name for a pair: `BTC_USDT`. */
export const pairName = (base: string, quote: string): string => `${base}_${quote}`

/**
 * The same instruments as the MEXC side, spelt Gate's way (`BTCUSDT` -> `BTC_USDT`): a config
 * whose `symbol` is the Gate pair id, every rule unchanged.
 */
export const gateSymbol = (config: SymbolConfig): SymbolConfig => ({
  ...config,
  symbol: pairName(config.baseAsset, config.quoteAsset)
})

/** A Gate REST error: HTTP status, `label`, `message`. */
export interface GateError {
  readonly status: number
  readonly label: string
  readonly message: string
}

/** Builds a {@link GateError}. */
export const gateError = (status: number, label: string, message: string): GateError => ({ status, label, message })

/** Engine order ids are `C02__<600000000000000000 + n>`; Gate's are plain numbers. */
const engineOrderBase = 600_000_000_000_000_000n
/** Gate order ids start here (they look like live ones: 11 digits). */
const gateOrderBase = 10_000_000_000n
/** Engine trade ids are `<700000000000000000 + n>X1`. */
const engineTradeBase = 700_000_000_000_000_000n
/** Gate trade ids start here (safe integers: `spot.usertrades` sends them as JSON numbers). */
const gateTradeBase = 5_000_000_000n

/** The Gate id of an engine order id. */
export const gateOrderId = (engineId: string): string => String(BigInt(engineId.slice(5)) - engineOrderBase + gateOrderBase)

/** The engine id of a Gate order id, or `undefined` when it is not one of ours. */
export const engineOrderId = (gateId: string): string | undefined => {
  if (!/^[0-9]{1,19}$/.test(gateId)) return undefined
  const n = BigInt(gateId) - gateOrderBase
  return n <= 0n ? undefined : `C02__${engineOrderBase + n}`
}

/** The Gate trade id (a safe integer) of an engine trade id. */
export const gateTradeId = (engineId: string): number => Number(BigInt(engineId.slice(0, -2)) - engineTradeBase + gateTradeBase)

/** Gate's `type` and `time_in_force` of an engine order type. */
export const gateTypeOf = (type: OrderType): { readonly type: "limit" | "market"; readonly timeInForce: string } => {
  switch (type) {
    case "MARKET":
      return { type: "market", timeInForce: "ioc" }
    case "IMMEDIATE_OR_CANCEL":
      return { type: "limit", timeInForce: "ioc" }
    case "LIMIT_MAKER":
      return { type: "limit", timeInForce: "poc" }
    case "FILL_OR_KILL":
      return { type: "limit", timeInForce: "fok" }
    default:
      return { type: "limit", timeInForce: "gtc" }
  }
}

/** What the Gate side remembers about an order beyond the engine's view. */
export interface OrderExtras {
  /** Accumulated fee and its currency. */
  readonly fee: bigint
  readonly feeCurrency: string
  /** Why the order ended, when the Gate side knows better than the order type (a user cancel). */
  readonly finishAs: string | undefined
}

/** `status` and `finish_as` of an order (see the module doc). */
export const statusOf = (view: OrderView, finishAs: string | undefined): { readonly status: string; readonly finishAs: string } => {
  switch (view.status) {
    case "NEW":
    case "PARTIALLY_FILLED":
      return { status: "open", finishAs: "open" }
    case "FILLED":
      return { status: "closed", finishAs: "filled" }
    default: {
      if (finishAs !== undefined) return { status: "cancelled", finishAs }
      const tif = gateTypeOf(view.type).timeInForce
      return { status: "cancelled", finishAs: tif === "ioc" ? "ioc" : tif === "fok" ? "fok" : tif === "poc" ? "poc" : "cancelled" }
    }
  }
}

const seconds = (ms: number): string => String(Math.floor(ms / 1000))

/**
 * An order as Gate's REST answers it (create 201, get, cancel, list). `amount` of a market buy is
 * the quote amount to spend, and `left` is then in quote too.
 */
export const orderJson = (view: OrderView, config: SymbolConfig, extras: OrderExtras | undefined) => {
  const { timeInForce, type } = gateTypeOf(view.type)
  const { finishAs, status } = statusOf(view, extras?.finishAs)
  const byQuote = view.type === "MARKET" && view.origQuoteOrderQty !== "0"
  const amount = byQuote ? view.origQuoteOrderQty : view.origQty
  const filled = Decimal.unsafeParse(view.executedQty)
  const filledTotal = Decimal.unsafeParse(view.cummulativeQuoteQty)
  const left = status === "closed" ? 0n : Decimal.unsafeParse(amount) - (byQuote ? filledTotal : filled)
  const average = filled === 0n ? 0n : Decimal.roundDown(Decimal.div(filledTotal, filled), config.quoteAssetPrecision + 4)
  const feeCurrency = extras?.feeCurrency ?? (view.side === "BUY" ? config.baseAsset : config.quoteAsset)
  return {
    id: gateOrderId(view.orderId),
    text: view.clientOrderId ?? "apiv4",
    amend_text: "-",
    create_time: seconds(view.time),
    update_time: seconds(view.updateTime),
    create_time_ms: view.time,
    update_time_ms: view.updateTime,
    status,
    currency_pair: view.symbol,
    type,
    account: "spot",
    side: view.side === "BUY" ? "buy" : "sell",
    amount,
    price: view.price,
    time_in_force: timeInForce,
    iceberg: "0",
    left: Decimal.format(Decimal.max(0n, left)),
    filled_amount: view.executedQty,
    fill_price: view.cummulativeQuoteQty,
    filled_total: view.cummulativeQuoteQty,
    avg_deal_price: Decimal.format(average),
    fee: Decimal.format(extras?.fee ?? 0n),
    fee_currency: feeCurrency,
    point_fee: "0",
    gt_fee: "0",
    gt_maker_fee: "0",
    gt_taker_fee: "0",
    gt_discount: false,
    rebated_fee: "0",
    rebated_fee_currency: config.quoteAsset,
    stp_id: 0,
    stp_act: "-",
    finish_as: finishAs
  }
}

/** A Gate REST order. */
export type GateOrder = ReturnType<typeof orderJson>

/** A rate as Gate's percent string: 0.0005 -> "0.05". */
export const percent = (rate: string): string => Decimal.format(Decimal.unsafeParse(rate) * 100n)

/** `GET spot/currency_pairs` item. */
export const currencyPairJson = (config: SymbolConfig) => ({
  id: config.symbol,
  base: config.baseAsset,
  base_name: config.fullName,
  quote: config.quoteAsset,
  quote_name: config.quoteAsset === "USDT" ? "Tether" : config.quoteAsset,
  fee: percent(config.takerCommission),
  min_base_amount: config.baseSizePrecision,
  min_quote_amount: config.quoteAmountPrecision,
  max_base_amount: null,
  max_quote_amount: config.maxQuoteAmount,
  amount_precision: config.baseAssetPrecision,
  precision: config.quoteAssetPrecision,
  trade_status: config.status !== "1"
    ? "untradable"
    : config.tradeSideType === "2"
    ? "buyable"
    : config.tradeSideType === "3"
    ? "sellable"
    : "tradable",
  sell_start: 0,
  buy_start: 0,
  delisting_time: 0,
  type: "normal",
  trade_url: `https://www.gate.com/trade/${config.symbol}`,
  st_tag: false
})

/**
 * A trade's `create_time_ms`: a string with a fractional part, as Gate sends it. The fraction
 * comes from the trade id, so it is stable for a trade and never claims a later millisecond.
 */
export const tradeTimeMs = (time: number, id: number): string => `${time}.${String(id % 1000).padStart(3, "0")}`

/** `GET spot/trades` item (public: no role, fee or order id). */
export const publicTradeJson = (trade: PublicTrade) => {
  const id = gateTradeId(trade.tradeId)
  return {
    id: String(id),
    create_time: seconds(trade.time),
    create_time_ms: tradeTimeMs(trade.time, id),
    currency_pair: trade.symbol,
    side: trade.tradeType === 1 ? "buy" : "sell",
    amount: trade.quantity,
    price: trade.price,
    sequence_id: String(id - Number(gateTradeBase))
  }
}

/** Gate's label for an engine refusal (the HTTP status, label and a message in Gate's words). */
export const rejectionError = (rejection: SimRejection): GateError => {
  switch (rejection.reason) {
    case "InvalidSymbol":
      return gateError(400, "INVALID_CURRENCY_PAIR", "Invalid currency pair")
    case "TradingDisabled":
    case "SideNotAllowed":
      return gateError(400, "TRADE_RESTRICTED", "Trading is restricted for this currency pair")
    case "MissingParameter":
      return gateError(400, "MISSING_REQUIRED_PARAM", rejection.msg)
    case "AboveMaximum":
      return gateError(400, "AMOUNT_TOO_MUCH", rejection.msg)
    case "InsufficientBalance":
    case "InsufficientPosition":
      return gateError(400, "BALANCE_NOT_ENOUGH", "Not enough balance")
    case "NoOpposingOrders":
      return gateError(400, "ORDER_BOOK_NOT_FOUND", "Insufficient liquidity")
    case "WouldTakeLiquidity":
      return gateError(400, "POC_FILL_IMMEDIATELY", "Order would match and take immediately so its cancelled")
    case "DuplicateClientOrderId":
      return gateError(400, "REPEATED_CREATION", "An open order with this text already exists")
    case "UnknownOrder":
      return gateError(404, "ORDER_NOT_FOUND", "Order not found")
    case "TooManyOpenOrders":
      return gateError(400, "TOO_MANY_ORDERS", "Too many open orders")
    case "UnknownAccount":
      return gateError(401, "INVALID_KEY", "Invalid key provided")
    default:
      return gateError(400, "INVALID_PARAM_VALUE", rejection.msg)
  }
}
