/**
 * The simulator's Gate.io Spot v4 REST endpoints under `/api/v4/`, answering what Gate answers
 * (`gateio-wire.md`, "Endpoints used by a spot connector"): decimal strings, numeric-string order
 * ids, `{label, message}` error bodies with Gate's HTTP statuses, 201 on order creation.
 *
 * Handlers are synchronous functions of the parsed request; the server (`GateServer`) adds
 * signing, quotas, faults and latency around them. Besides the spot endpoints, the calls ccxt's
 * `gate` makes while loading markets (`account/detail`, `margin/currency_pairs`, the futures,
 * delivery and options listings) answer as for an account without those products.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import * as Decimal from "../../engine/Decimal.ts"
import type { SimEngine } from "../../engine/Engine.ts"
import type { SimRejection } from "../../engine/Errors.ts"
import type { SymbolConfig } from "../../engine/Symbols.ts"
import type { DepthSnapshot, OrderRef, OrderView, PlaceOrderRequest } from "../../engine/Types.ts"
import type { FaultState } from "../Faults.ts"
import type { MarketStats } from "../MarketStats.ts"
import type { GateAccounts } from "./Accounts.ts"
import type { QuotaClass } from "./Quotas.ts"
import {
  currencyPairJson,
  engineOrderId,
  type GateError,
  gateError,
  orderJson,
  publicTradeJson,
  rejectionError
} from "./Wire.ts"

/** A REST answer: status, JSON body. */
export interface GateAnswer {
  readonly status: number
  readonly body: unknown
}

/** What a handler gets. */
export interface GateContext {
  /** The decoded query string. */
  readonly query: URLSearchParams
  /** Path parameters (`order_id`, `currency_pair`, `settle`). */
  readonly pathParams: Readonly<Record<string, string>>
  /** The parsed JSON body (`undefined` when there was none). */
  readonly body: unknown
  /** The account, on signed routes. */
  readonly apiKey: string
  readonly now: number
}

/** One endpoint. */
export interface GateRoute {
  readonly method: string
  /** Path under `/api/v4`, with `{name}` segments. */
  readonly pattern: string
  readonly signed: boolean
  readonly quota: QuotaClass
  readonly handle: (context: GateContext) => GateAnswer
}

/** Options for points the reference leaves open (`gateio-wire.md`, marked uncertain). */
export interface GateRestOptions {
  /**
   * A price or amount with more decimals than the pair allows: refused with 400
   * `INVALID_PRECISION` (`reject`, the default) or cut to the allowed decimals (`truncate`).
   */
  readonly precision?: "reject" | "truncate" | undefined
  /**
   * A post-only (`poc`) order that would take: refused with 400 `POC_FILL_IMMEDIATELY`
   * (`error`, the default) or created as `status: cancelled, finish_as: poc` (`cancelled`).
   */
  readonly pocCross?: "error" | "cancelled" | undefined
  /** Most levels `GET spot/order_book` serves (100 in one source, 1000 in another). Default 1000. */
  readonly orderBookMaxLimit?: number | undefined
}

/** What the routes need. */
export interface GateRestDeps {
  readonly engine: SimEngine
  readonly stats: MarketStats
  readonly accounts: GateAccounts
  readonly faults: FaultState
  /** `GET spot/order_book`'s snapshot (the feed's: faults and stream alignment); default the engine's. */
  readonly depth?: ((pair: string, limit: number) => DepthSnapshot | undefined) | undefined
  /** When each pair's book last changed (epoch ms), for `order_book.update`. */
  readonly bookUpdatedAt?: ((pair: string) => number | undefined) | undefined
  readonly options?: GateRestOptions | undefined
}

const ok = (body: unknown): GateAnswer => ({ status: 200, body })
const failWith = (error: GateError): GateAnswer => ({ status: error.status, body: { label: error.label, message: error.message } })
const fail = (status: number, label: string, message: string): GateAnswer => failWith(gateError(status, label, message))
const rejected = (rejection: SimRejection): GateAnswer => failWith(rejectionError(rejection))
const missing = (name: string) => fail(400, "MISSING_REQUIRED_PARAM", `Missing required parameter: ${name}`)
const invalid = (message: string) => fail(400, "INVALID_PARAM_VALUE", message)
const invalidPair = (pair: string) => fail(400, "INVALID_CURRENCY_PAIR", `Invalid currency pair: ${pair}`)

const present = (value: string | undefined | null): value is string => value !== undefined && value !== null && value !== ""

/** A whole number parameter within `[min, max]`, its default when absent, or `undefined` when invalid. */
const intParam = (value: string | null, fallback: number, min: number, max: number): number | undefined => {
  if (!present(value)) return fallback
  if (!/^[0-9]{1,9}$/.test(value)) return undefined
  const n = Number(value)
  return n < min || n > max ? undefined : n
}

/** `text` rules: empty, or `t-` + at most 28 bytes of `[0-9A-Za-z_.-]`. */
const textPattern = /^t-[0-9A-Za-z_.-]{1,28}$/

/** A JSON decimal field: a string or a number written without an exponent. */
const decimalField = (value: unknown): string | undefined => {
  if (typeof value === "string") return value
  if (typeof value === "number" && Number.isFinite(value)) {
    const text = String(value)
    return /e/i.test(text) ? undefined : text
  }
  return undefined
}

/** Builds the route table. */
export const gateRoutes = (deps: GateRestDeps): ReadonlyArray<GateRoute> => {
  const { accounts, engine, faults, stats } = deps
  const options = deps.options ?? {}
  const precisionMode = options.precision ?? "reject"
  const pocCross = options.pocCross ?? "error"
  const bookMax = options.orderBookMaxLimit ?? 1000
  const depthOf = deps.depth ?? ((pair: string, limit: number) => engine.depth(pair, limit))
  /** Orders refused as post-only takers under `pocCross: "cancelled"`: Gate id -> order. */
  const pocCancelled = new Map<string, { readonly apiKey: string; readonly order: ReturnType<typeof orderJson> }>()

  const configOf = (pair: string | null): SymbolConfig | undefined => (present(pair) ? engine.symbol(pair) : undefined)
  const render = (view: OrderView) => orderJson(view, engine.symbol(view.symbol)!, accounts.extrasFor(view.orderId))

  /** The engine order a path id names: a Gate id, or the `text` of an open order. */
  const findOrder = (apiKey: string, pair: string, id: string): Result.Result<OrderView, GateAnswer> => {
    let ref: OrderRef
    if (id.startsWith("t-")) ref = { symbol: pair, origClientOrderId: id }
    else {
      const engineId = engineOrderId(id)
      if (engineId === undefined) return Result.fail(fail(404, "ORDER_NOT_FOUND", "Order not found"))
      ref = { symbol: pair, orderId: engineId }
    }
    const found = engine.queryOrder(apiKey, ref)
    if (Result.isFailure(found)) return Result.fail(rejected(found.failure))
    // A custom id names an order only while it is open (`gateio-wire.md`, "Custom id as path id").
    if (ref.origClientOrderId !== undefined && !isOpen(found.success)) {
      return Result.fail(fail(404, "ORDER_NOT_FOUND", "Order not found"))
    }
    return Result.succeed(found.success)
  }

  const cancelOne = (apiKey: string, view: OrderView, now: number, finishAs = "cancelled"): Result.Result<OrderView, SimRejection> => {
    accounts.setFinishAs(view.orderId, finishAs)
    return engine.cancelOrder(apiKey, { symbol: view.symbol, orderId: view.orderId }, now)
  }

  /** Cuts `text` to `decimals` decimals, or answers the precision error. */
  const withPrecision = (text: string, decimals: number, field: string): Result.Result<string, GateAnswer> => {
    const value = Decimal.parse(text)
    if (value === undefined) return Result.fail(invalid(`Invalid ${field}: ${text}`))
    if (Decimal.hasPrecision(value, decimals)) return Result.succeed(text)
    if (precisionMode === "truncate") return Result.succeed(Decimal.format(Decimal.roundDown(value, decimals)))
    return Result.fail(fail(400, "INVALID_PRECISION", `Invalid precision: ${field} allows at most ${decimals} decimals`))
  }

  const tooSmall = (size: bigint, min: bigint, unit: string) =>
    invalid(`Your order size ${Decimal.format(size)} ${unit} is too small. The minimum is ${Decimal.format(min)} ${unit}`)

  const createOrder = (context: GateContext): GateAnswer => {
    const body = context.body
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return fail(400, "INVALID_REQUEST_BODY", "Request body must be a JSON object")
    }
    const fields = body as Record<string, unknown>
    const str = (name: string): string | undefined => {
      const value = fields[name]
      return typeof value === "string" && value !== "" ? value : undefined
    }
    const pair = str("currency_pair")
    if (pair === undefined) return missing("currency_pair")
    const config = engine.symbol(pair)
    if (config === undefined) return invalidPair(pair)
    const side = str("side")
    if (side === undefined) return missing("side")
    if (side !== "buy" && side !== "sell") return invalid(`Invalid side: ${side}`)
    const type = str("type") ?? "limit"
    if (type !== "limit" && type !== "market") return invalid(`Invalid type: ${type}`)
    const account = str("account") ?? "spot"
    if (account !== "spot" && account !== "unified") return invalid(`Unsupported account: ${account}`)
    const text = str("text")
    if (text !== undefined && !textPattern.test(text)) {
      return invalid("Invalid text: it must start with t- and have at most 28 more characters of 0-9, A-Z, a-z, _, ., -")
    }
    const tif = str("time_in_force") ?? (type === "market" ? "ioc" : "gtc")
    if (tif !== "gtc" && tif !== "ioc" && tif !== "poc" && tif !== "fok") return invalid(`Invalid time_in_force: ${tif}`)
    if (type === "market" && tif !== "ioc") {
      return invalid(tif === "fok" ? "Market orders with time_in_force fok are not simulated" : "Market orders accept only ioc and fok")
    }
    const actionMode = str("action_mode") ?? "FULL"
    if (actionMode !== "ACK" && actionMode !== "RESULT" && actionMode !== "FULL") return invalid(`Invalid action_mode: ${actionMode}`)
    const amountText = decimalField(fields["amount"])
    if (amountText === undefined || amountText === "") return missing("amount")
    const base = config.baseAsset
    const quote = config.quoteAsset
    const minBase = Decimal.unsafeParse(config.baseSizePrecision)
    const minQuote = Decimal.unsafeParse(config.quoteAmountPrecision)

    let request: PlaceOrderRequest
    if (type === "market") {
      // A market buy spends `amount` of quote; a market sell sells `amount` of base.
      const amount = withPrecision(amountText, side === "buy" ? config.quotePrecision : config.baseAssetPrecision, "amount")
      if (Result.isFailure(amount)) return amount.failure
      const value = Decimal.unsafeParse(amount.success)
      if (value <= 0n) return invalid(`Invalid amount: ${amountText}`)
      if (side === "buy" && value < minQuote) return tooSmall(value, minQuote, quote)
      if (side === "sell" && value < minBase) return tooSmall(value, minBase, base)
      request = {
        symbol: pair,
        side: side === "buy" ? "BUY" : "SELL",
        type: "MARKET",
        ...(side === "buy" ? { quoteOrderQty: amount.success } : { quantity: amount.success }),
        newClientOrderId: text
      }
    } else {
      const priceText = decimalField(fields["price"])
      if (priceText === undefined || priceText === "") return missing("price")
      const price = withPrecision(priceText, config.quoteAssetPrecision, "price")
      if (Result.isFailure(price)) return price.failure
      const amount = withPrecision(amountText, config.baseAssetPrecision, "amount")
      if (Result.isFailure(amount)) return amount.failure
      const priceValue = Decimal.unsafeParse(price.success)
      const amountValue = Decimal.unsafeParse(amount.success)
      if (priceValue <= 0n) return invalid(`Invalid price: ${priceText}`)
      if (amountValue <= 0n) return invalid(`Invalid amount: ${amountText}`)
      if (amountValue < minBase) return tooSmall(amountValue, minBase, base)
      const notional = Decimal.mul(priceValue, amountValue)
      if (notional < minQuote) return tooSmall(notional, minQuote, quote)
      request = {
        symbol: pair,
        side: side === "buy" ? "BUY" : "SELL",
        type: tif === "ioc" ? "IMMEDIATE_OR_CANCEL" : tif === "poc" ? "LIMIT_MAKER" : tif === "fok" ? "FILL_OR_KILL" : "LIMIT",
        quantity: amount.success,
        price: price.success,
        newClientOrderId: text
      }
    }
    const placed = engine.placeOrder(context.apiKey, request, context.now)
    let order: ReturnType<typeof orderJson>
    if (Result.isFailure(placed)) {
      if (placed.failure.reason !== "WouldTakeLiquidity" || pocCross === "error") return rejected(placed.failure)
      order = pocCancelledOrder(context.apiKey, request, config, context.now)
    } else {
      order = render(placed.success)
    }
    if (actionMode === "ACK") return { status: 201, body: { id: order.id, text: order.text, amend_text: order.amend_text } }
    if (actionMode === "RESULT") {
      const { fee: _fee, fee_currency: _feeCurrency, point_fee: _pointFee, gt_fee: _gtFee, rebated_fee: _rebated, ...result } = order
      return { status: 201, body: result }
    }
    return { status: 201, body: order }
  }

  /** Gate's other answer to a crossing post-only order: an order, cancelled as `poc`, never on the book. */
  let pocSeq = 0
  const pocCancelledOrder = (apiKey: string, request: PlaceOrderRequest, config: SymbolConfig, now: number) => {
    const view: OrderView = {
      symbol: config.symbol,
      // Outside the engine's id range, so it never collides with a real order.
      orderId: `C02__${900_000_000_000_000_000n + BigInt(++pocSeq)}`,
      orderListId: -1,
      clientOrderId: request.newClientOrderId ?? null,
      price: request.price ?? "0",
      origQty: request.quantity ?? "0",
      executedQty: "0",
      cummulativeQuoteQty: "0",
      status: "CANCELED",
      timeInForce: "GTC",
      type: "LIMIT_MAKER",
      side: request.side as "BUY" | "SELL",
      stopPrice: "0",
      time: now,
      updateTime: now,
      isWorking: false,
      origQuoteOrderQty: "0"
    }
    const order = orderJson(view, config, { fee: 0n, feeCurrency: "", finishAs: "poc" })
    pocCancelled.set(order.id, { apiKey, order })
    return order
  }

  const routes: Array<GateRoute> = []
  const route = (method: string, pattern: string, signed: boolean, quota: QuotaClass, handle: GateRoute["handle"]) =>
    routes.push({ method, pattern, signed, quota, handle })

  // -- public -----------------------------------------------------------------------------------
  route("GET", "/spot/time", false, "public", (c) => ok({ server_time: c.now }))
  route("GET", "/spot/currency_pairs", false, "public", () => ok(engine.symbols().map(currencyPairJson)))
  route("GET", "/spot/currency_pairs/{currency_pair}", false, "public", (c) => {
    const config = configOf(c.pathParams["currency_pair"]!)
    return config === undefined ? invalidPair(c.pathParams["currency_pair"]!) : ok(currencyPairJson(config))
  })
  route("GET", "/spot/currencies", false, "public", () => {
    const assets = new Set<string>()
    for (const s of engine.symbols()) assets.add(s.baseAsset).add(s.quoteAsset)
    return ok([...assets].map((currency) => ({
      currency,
      name: currency,
      delisted: false,
      withdraw_disabled: true,
      withdraw_delayed: false,
      deposit_disabled: true,
      trade_disabled: false,
      chain: currency,
      chains: []
    })))
  })
  route("GET", "/spot/tickers", false, "public", (c) => {
    const pair = c.query.get("currency_pair")
    const configs = present(pair) ? [configOf(pair)] : engine.symbols()
    if (configs[0] === undefined) return invalidPair(pair ?? "")
    return ok(configs.map((config) => {
      const symbol = config!.symbol
      const w = stats.window24h(symbol, c.now)!
      const top = engine.bookTicker(symbol)!
      // Percent, 2 decimals, toward zero: "-0.12".
      const change = w.open === 0n ? 0n : Decimal.div((w.close - w.open) * 100n, w.open)
      const changePercent = Decimal.format(change < 0n ? -Decimal.roundDown(-change, 2) : Decimal.roundDown(change, 2))
      return {
        currency_pair: symbol,
        last: stats.lastPrice(symbol) ?? "0",
        lowest_ask: top.askPrice === "0" ? "" : top.askPrice,
        highest_bid: top.bidPrice === "0" ? "" : top.bidPrice,
        change_percentage: changePercent,
        change_utc0: changePercent,
        change_utc8: changePercent,
        base_volume: Decimal.format(w.volume),
        quote_volume: Decimal.format(w.quoteVolume),
        high_24h: Decimal.format(w.high),
        low_24h: Decimal.format(w.low),
        ...(present(pair) ? { lowest_size: top.askQty, highest_size: top.bidQty } : {})
      }
    }))
  })
  route("GET", "/spot/order_book", false, "public", (c) => {
    const pair = c.query.get("currency_pair")
    if (!present(pair)) return missing("currency_pair")
    if (configOf(pair) === undefined) return invalidPair(pair)
    const interval = c.query.get("interval")
    if (present(interval) && interval !== "0") return invalid(`Unsupported interval: ${interval} (only 0, no aggregation, is simulated)`)
    const limit = intParam(c.query.get("limit"), 10, 1, bookMax)
    if (limit === undefined) return invalid(`Invalid limit: ${c.query.get("limit")} (1 to ${bookMax})`)
    const snapshot = depthOf(pair, limit)!
    const withId = c.query.get("with_id") === "true"
    return ok({
      ...(withId ? { id: snapshot.lastUpdateId } : {}),
      current: c.now,
      update: deps.bookUpdatedAt?.(pair) ?? c.now,
      asks: snapshot.asks.map(([p, q]) => [p, q]),
      bids: snapshot.bids.map(([p, q]) => [p, q])
    })
  })
  route("GET", "/spot/trades", false, "public", (c) => {
    const pair = c.query.get("currency_pair")
    if (!present(pair)) return missing("currency_pair")
    if (configOf(pair) === undefined) return invalidPair(pair)
    const limit = intParam(c.query.get("limit"), 100, 1, 1000)
    if (limit === undefined) return invalid(`Invalid limit: ${c.query.get("limit")} (1 to 1000)`)
    let trades = (stats.recentTrades(pair, 1000) ?? []).map(publicTradeJson)
    const lastId = c.query.get("last_id")
    if (present(lastId)) trades = trades.filter((t) => Number(t.id) < Number(lastId))
    if (c.query.get("reverse") === "false") trades = trades.reverse()
    return ok(trades.slice(0, limit))
  })

  // -- private: account -------------------------------------------------------------------------
  route("GET", "/spot/accounts", true, "private", (c) => {
    const currency = c.query.get("currency")
    const balances = engine.balances(c.apiKey) ?? []
    return ok(
      balances
        .filter((b) => !present(currency) || b.asset === currency)
        .map((b) => ({ currency: b.asset, available: b.free, locked: b.locked, update_id: accounts.updateId(c.apiKey, b.asset) }))
    )
  })
  const feeAnswer = (c: GateContext) => {
    const pair = c.query.get("currency_pair")
    const config = present(pair) ? configOf(pair) : engine.symbols()[0]
    if (config === undefined) return invalidPair(pair ?? "")
    return ok({
      user_id: userIdOf(c.apiKey),
      taker_fee: config.takerCommission,
      maker_fee: config.makerCommission,
      gt_discount: false,
      gt_taker_fee: "0",
      gt_maker_fee: "0",
      loan_fee: "0",
      point_type: "1",
      currency_pair: config.symbol,
      debit_fee: 3
    })
  }
  route("GET", "/spot/fee", true, "private", feeAnswer)
  route("GET", "/wallet/fee", true, "private", feeAnswer)
  route("GET", "/account/detail", true, "private", (c) =>
    ok({ user_id: userIdOf(c.apiKey), ip_whitelist: [], currency_pairs: [], key: { mode: 1 }, tier: 0, copy_trading_role: 0 }))

  // -- private: orders --------------------------------------------------------------------------
  route("POST", "/spot/orders", true, "placement", createOrder)
  route("GET", "/spot/orders/{order_id}", true, "private", (c) => {
    const pair = c.query.get("currency_pair")
    if (!present(pair)) return missing("currency_pair")
    if (configOf(pair) === undefined) return invalidPair(pair)
    const poc = pocCancelled.get(c.pathParams["order_id"]!)
    if (poc !== undefined && poc.apiKey === c.apiKey && poc.order.currency_pair === pair) return ok(poc.order)
    const found = findOrder(c.apiKey, pair, c.pathParams["order_id"]!)
    if (Result.isFailure(found)) return found.failure
    // The not-yet-visible fault: a young order is unknown to queries for a while.
    if (faults.notYetVisibleMs > 0 && c.now - found.success.time < faults.notYetVisibleMs) {
      return fail(404, "ORDER_NOT_FOUND", "Order not found")
    }
    return ok(render(found.success))
  })
  route("DELETE", "/spot/orders/{order_id}", true, "cancel", (c) => {
    const pair = c.query.get("currency_pair")
    if (!present(pair)) return missing("currency_pair")
    if (configOf(pair) === undefined) return invalidPair(pair)
    const found = findOrder(c.apiKey, pair, c.pathParams["order_id"]!)
    if (Result.isFailure(found)) return found.failure
    const view = found.success
    if (view.status === "FILLED") return fail(400, "ORDER_CLOSED", "Order already closed")
    if (!isOpen(view)) return fail(400, "ORDER_CANCELLED", "Order already cancelled")
    const cancelled = cancelOne(c.apiKey, view, c.now)
    return Result.isFailure(cancelled) ? rejected(cancelled.failure) : ok(render(cancelled.success))
  })
  route("GET", "/spot/orders", true, "private", (c) => {
    const pair = c.query.get("currency_pair")
    if (!present(pair)) return missing("currency_pair")
    if (configOf(pair) === undefined) return invalidPair(pair)
    const status = c.query.get("status")
    if (!present(status)) return missing("status")
    if (status !== "open" && status !== "finished") return invalid(`Invalid status: ${status}`)
    const page = intParam(c.query.get("page"), 1, 1, 1_000_000)
    const limit = intParam(c.query.get("limit"), 100, 1, status === "open" ? 100 : 1000)
    if (page === undefined || limit === undefined) return invalid("Invalid page or limit")
    const all = engine.allOrders(c.apiKey, pair)
    if (Result.isFailure(all)) return rejected(all.failure)
    const side = c.query.get("side")
    const from = c.query.get("from")
    const to = c.query.get("to")
    const chosen = all.success.filter((o) =>
      status === "open"
        ? isOpen(o)
        : !isOpen(o) &&
          (!present(side) || o.side === side.toUpperCase()) &&
          (!present(from) || o.updateTime >= Number(from) * 1000) &&
          (!present(to) || o.updateTime <= Number(to) * 1000)
    ).reverse()
    return ok(chosen.slice((page - 1) * limit, page * limit).map(render))
  })
  route("GET", "/spot/open_orders", true, "private", (c) => {
    const page = intParam(c.query.get("page"), 1, 1, 1_000_000)
    const limit = intParam(c.query.get("limit"), 100, 1, 100)
    if (page === undefined || limit === undefined) return invalid("Invalid page or limit")
    const open = engine.openOrders(c.apiKey)
    if (Result.isFailure(open)) return rejected(open.failure)
    const byPair = new Map<string, Array<OrderView>>()
    for (const order of open.success) {
      let list = byPair.get(order.symbol)
      if (list === undefined) byPair.set(order.symbol, list = [])
      list.push(order)
    }
    return ok([...byPair].map(([pair, orders]) => ({
      currency_pair: pair,
      total: orders.length,
      orders: orders.reverse().slice((page - 1) * limit, page * limit).map(render)
    })))
  })
  route("DELETE", "/spot/orders", true, "cancel", (c) => {
    // The 2025 SDK makes `currency_pair` optional (every pair when absent); the 2024 doc requires it.
    const pair = c.query.get("currency_pair")
    if (present(pair) && configOf(pair) === undefined) return invalidPair(pair)
    const side = c.query.get("side")
    if (present(side) && side !== "buy" && side !== "sell") return invalid(`Invalid side: ${side}`)
    const open = engine.openOrders(c.apiKey, present(pair) ? pair : undefined)
    if (Result.isFailure(open)) return rejected(open.failure)
    const out: Array<unknown> = []
    for (const view of open.success) {
      if (present(side) && view.side !== side.toUpperCase()) continue
      const cancelled = cancelOne(c.apiKey, view, c.now)
      out.push(
        Result.isFailure(cancelled)
          ? { ...render(view), succeeded: false, label: rejectionError(cancelled.failure).label, message: cancelled.failure.msg }
          : { ...render(cancelled.success), succeeded: true, label: "", message: "" }
      )
    }
    return ok(out)
  })
  route("POST", "/spot/cancel_batch_orders", true, "cancel", (c) => {
    if (!Array.isArray(c.body)) return fail(400, "INVALID_REQUEST_BODY", "Request body must be a JSON array")
    if (c.body.length > 20) return invalid("At most 20 orders per batch")
    return ok(c.body.map((item: unknown) => {
      const entry = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>
      const pair = typeof entry["currency_pair"] === "string" ? entry["currency_pair"] : ""
      const id = typeof entry["id"] === "string" ? entry["id"] : String(entry["id"] ?? "")
      const base = { currency_pair: pair, id, text: "", account: "spot" }
      if (configOf(pair) === undefined) return { ...base, succeeded: false, label: "INVALID_CURRENCY_PAIR", message: "Invalid currency pair" }
      const found = findOrder(c.apiKey, pair, id)
      if (Result.isFailure(found)) {
        const body = found.failure.body as { label: string; message: string }
        return { ...base, succeeded: false, label: body.label, message: body.message }
      }
      const view = found.success
      if (!isOpen(view)) return { ...base, text: view.clientOrderId ?? "apiv4", succeeded: false, label: "ORDER_CLOSED", message: "Order already finished" }
      const cancelled = cancelOne(c.apiKey, view, c.now)
      return Result.isFailure(cancelled)
        ? { ...base, succeeded: false, label: rejectionError(cancelled.failure).label, message: cancelled.failure.msg }
        : { ...base, id: render(cancelled.success).id, text: view.clientOrderId ?? "apiv4", succeeded: true, label: "", message: "" }
    }))
  })
  route("GET", "/spot/my_trades", true, "private", (c) => {
    const pair = c.query.get("currency_pair")
    if (present(pair) && configOf(pair) === undefined) return invalidPair(pair)
    const orderId = c.query.get("order_id")
    if (present(orderId) && !present(pair)) return missing("currency_pair")
    const page = intParam(c.query.get("page"), 1, 1, 1_000_000)
    const limit = intParam(c.query.get("limit"), 100, 1, 1000)
    if (page === undefined || limit === undefined) return invalid("Invalid page or limit")
    const from = c.query.get("from")
    const to = c.query.get("to")
    // Default window: the last 7 days.
    const fromMs = present(from) ? Number(from) * 1000 : c.now - 7 * 86_400_000
    const toMs = present(to) ? Number(to) * 1000 : Infinity
    const trades = accounts.tradesOf(c.apiKey).filter((t) => {
      const at = Number(t.create_time_ms)
      return (!present(pair) || t.currency_pair === pair) && (!present(orderId) || t.order_id === orderId) && at >= fromMs &&
        at <= toMs
    }).reverse()
    return ok(trades.slice((page - 1) * limit, page * limit))
  })
  route("POST", "/spot/countdown_cancel_all", true, "cancel", (c) => {
    const body = (typeof c.body === "object" && c.body !== null ? c.body : {}) as Record<string, unknown>
    const timeout = body["timeout"]
    if (timeout === undefined) return missing("timeout")
    if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 0) return invalid(`Invalid timeout: ${String(timeout)}`)
    if (timeout > 0 && timeout < 5) return invalid("timeout must be 0 (disarm) or at least 5 seconds")
    const pair = typeof body["currency_pair"] === "string" ? body["currency_pair"] : ""
    if (pair !== "" && configOf(pair) === undefined) return invalidPair(pair)
    return ok({ triggerTime: accounts.countdown(c.apiKey, pair, timeout, c.now) })
  })

  // -- what ccxt's gate asks while loading markets: no such products here --------------------------
  route("GET", "/margin/currency_pairs", false, "public", () => ok([]))
  route("GET", "/futures/{settle}/contracts", false, "public", () => ok([]))
  route("GET", "/delivery/{settle}/contracts", false, "public", () => ok([]))
  route("GET", "/options/underlyings", false, "public", () => ok([]))

  return routes
}

const isOpen = (view: OrderView): boolean => view.status === "NEW" || view.status === "PARTIALLY_FILLED"

/** A stable numeric user id per API key (Gate's `user_id`). */
export const userIdOf = (apiKey: string): number => {
  let hash = 0
  for (let i = 0; i < apiKey.length; i++) hash = (hash * 31 + apiKey.charCodeAt(i)) >>> 0
  return 10_000_000 + (hash % 90_000_000)
}

/** Cancels the open orders the countdown switches that fired cover; answers how many it cancelled. */
export const fireCountdowns = (engine: SimEngine, accounts: GateAccounts, now: number): number => {
  let cancelled = 0
  for (const [apiKey, pair] of accounts.takeExpiredCountdowns(now)) {
    const open = engine.openOrders(apiKey, pair === "" ? undefined : pair)
    if (Result.isFailure(open)) continue
    for (const view of open.success) {
      accounts.setFinishAs(view.orderId, "cancelled")
      if (Result.isSuccess(engine.cancelOrder(apiKey, { symbol: view.symbol, orderId: view.orderId }, now))) cancelled++
    }
  }
  return cancelled
}

/** Matches a path under `/api/v4` against the table: the route and its path parameters. */
export const matchRoute = (
  routes: ReadonlyArray<GateRoute>,
  method: string,
  path: string
): { readonly route: GateRoute; readonly pathParams: Record<string, string> } | "method" | undefined => {
  const parts = path.split("/")
  let methodMismatch = false
  for (const route of routes) {
    const pattern = route.pattern.split("/")
    if (pattern.length !== parts.length) continue
    const pathParams: Record<string, string> = {}
    let matched = true
    for (let i = 0; i < pattern.length; i++) {
      const segment = pattern[i]!
      if (segment.startsWith("{")) {
        if (parts[i] === "") {
          matched = false
          break
        }
        let value: string
        try {
          value = decodeURIComponent(parts[i]!)
        } catch {
          // Not valid percent-encoding: no route takes it.
          matched = false
          break
        }
        pathParams[segment.slice(1, -1)] = value
      } else if (segment !== parts[i]) {
        matched = false
        break
      }
    }
    if (!matched) continue
    if (route.method !== method) {
      methodMismatch = true
      continue
    }
    return { route, pathParams }
  }
  return methodMismatch ? "method" : undefined
}
