/**
 * The simulator's REST endpoints under `/api/v3/`, answering exactly what MEXC answers: field
 * names, decimal strings, string order ids, `{code, msg}` error bodies with 4xx statuses. Plus
 * the startup calls some MEXC client libraries make (`capital/config/getall`, the futures
 * `GET /api/v1/contract/detail`), answered with empty lists.
 *
 * Handlers are synchronous functions of the parsed request: the engine is synchronous, and the
 * caller (`SimExchange`) adds rate limits, faults and latency around them.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import type { SimEngine } from "../../engine/Engine.ts"
import { reject, type SimRejection } from "../../engine/Errors.ts"
import { exchangeInfoSymbol } from "../../engine/Symbols.ts"
import type { DepthSnapshot, OrderRef, OrderView } from "../../engine/Types.ts"
import type { ApiError, RequestParams } from "./Auth.ts"
import { apiError } from "./Auth.ts"
import type { AccountTrades } from "../AccountTrades.ts"
import type { FaultState } from "../Faults.ts"
import type { ListenKeys } from "./ListenKeys.ts"
import type { MarketStats } from "../MarketStats.ts"
import { changeFraction } from "../MarketStats.ts"
import * as Decimal from "../../engine/Decimal.ts"

/** A REST answer: status, JSON body, extra headers. */
export interface RestAnswer {
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** What a handler gets. `apiKey` is set on SIGNED endpoints once the signature checked out. */
export interface RestContext {
  readonly request: RequestParams
  readonly apiKey: string
  readonly now: number
}

/** One endpoint. */
export interface Route {
  readonly signed: boolean
  /** MEXC's weight for the endpoint (informational: quotas count requests per endpoint). */
  readonly weight: number
  readonly handle: (context: RestContext) => RestAnswer
}

/** What the routes need. */
export interface RestDeps {
  readonly engine: SimEngine
  readonly listenKeys: ListenKeys
  readonly stats: MarketStats
  /** `GET depth`'s snapshot (the feed's, which aligns it with the stream); default: the engine's book. */
  readonly depth?: ((symbol: string, limit: number) => DepthSnapshot | undefined) | undefined
  /** The accounts' fills (`myTrades`); without it, `myTrades` answers `[]`. */
  readonly trades?: AccountTrades | undefined
  /** The fault switchboard (not-yet-visible orders, keep-alive failures); none by default. */
  readonly faults?: FaultState | undefined
  /** Ends the private streams on listen keys that were deleted (they get `Invalid listen key`). */
  readonly closeStreams?: ((listenKeys: ReadonlyArray<string>) => void) | undefined
}

const ok = (body: unknown): RestAnswer => ({ status: 200, body })
const fail = (error: ApiError): RestAnswer => ({ status: error.status, body: { code: error.code, msg: error.msg } })
const rejected = (rejection: SimRejection): RestAnswer => ({ status: 400, body: rejection.toBody() })
const missing = (name: string) =>
  fail(apiError(700004, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`))
const invalidSymbol = () => fail(apiError(30014, "invalid symbol"))

const param = (context: RestContext, name: string): string | undefined => {
  const value = context.request.params.get(name)
  return value === undefined || value === "" ? undefined : value
}

/** `DELETE order`. */
export const cancelView = (order: OrderView) => ({
  symbol: order.symbol,
  origClientOrderId: order.clientOrderId ?? "",
  orderId: order.orderId,
  clientOrderId: order.clientOrderId ?? "",
  price: order.price,
  origQty: order.origQty,
  executedQty: order.executedQty,
  cummulativeQuoteQty: order.cummulativeQuoteQty,
  status: order.status,
  timeInForce: order.timeInForce,
  type: order.type,
  side: order.side
})

/**
 * One element of `DELETE openOrders`, as live MEXC sends it: the short shape, and `status` is the
 * order's state *before* the cancel (`NEW`, or `PARTIALLY_FILLED` when it had fills).
 */
export const canceledOpenOrderView = (order: OrderView) => ({
  symbol: order.symbol,
  orderId: order.orderId,
  price: order.price,
  origQty: order.origQty,
  type: order.type,
  side: order.side,
  executedQty: order.executedQty,
  cummulativeQuoteQty: order.cummulativeQuoteQty,
  status: order.status === "PARTIALLY_CANCELED" ? "PARTIALLY_FILLED" : "NEW"
})

/**
 * `GET order` / `GET openOrders` / `GET allOrders` element, as live MEXC sends it: `null` time in
 * force, stop price and iceberg quantity, `clientOrderId` `null` when none was given, `stpMode`
 * `""`, no `origClientOrderId`, and `isWorking` `true` even on a closed order.
 */
export const orderView = (order: OrderView) => ({
  symbol: order.symbol,
  orderId: order.orderId,
  orderListId: -1,
  clientOrderId: order.clientOrderId,
  price: order.price,
  origQty: order.origQty,
  executedQty: order.executedQty,
  cummulativeQuoteQty: order.cummulativeQuoteQty,
  status: order.status,
  timeInForce: null,
  type: order.type,
  side: order.side,
  stopPrice: null,
  icebergQty: null,
  time: order.time,
  updateTime: order.updateTime,
  isWorking: true,
  stpMode: "",
  origQuoteOrderQty: order.origQuoteOrderQty
})

/** `POST order`. */
export const newOrderView = (order: OrderView) => ({
  symbol: order.symbol,
  orderId: order.orderId,
  orderListId: -1,
  price: order.price,
  origQty: order.origQty,
  type: order.type,
  side: order.side,
  transactTime: order.time
})

const orderRef = (context: RestContext): OrderRef | RestAnswer => {
  const symbol = param(context, "symbol")
  if (symbol === undefined) return missing("symbol")
  const orderId = param(context, "orderId")
  const origClientOrderId = param(context, "origClientOrderId")
  if (orderId === undefined && origClientOrderId === undefined) return missing("orderId")
  return { symbol, orderId, origClientOrderId }
}

/**
 * An optional whole-number parameter: `fallback` when absent, `undefined` when it is not an
 * integer within `min..max` (the caller answers 33333).
 */
const intParam = (context: RestContext, name: string, fallback: number | undefined, min: number, max: number): number | undefined | "bad" => {
  const text = param(context, name)
  if (text === undefined) return fallback
  const n = Number(text)
  return Number.isInteger(n) && n >= min && n <= max ? n : "bad"
}

const badParameter = (name: string) => fail(apiError(33333, `Parameter error: ${name}`))

/** `startTime`, `endTime` (epoch ms) and `limit` (default, max) of a history query. */
const historyRange = (context: RestContext, defaultLimit: number, maxLimit: number) => {
  const startTime = intParam(context, "startTime", undefined, 0, Number.MAX_SAFE_INTEGER)
  const endTime = intParam(context, "endTime", undefined, 0, Number.MAX_SAFE_INTEGER)
  const limit = intParam(context, "limit", defaultLimit, 1, maxLimit)
  if (startTime === "bad") return badParameter("startTime")
  if (endTime === "bad") return badParameter("endTime")
  if (limit === "bad" || limit === undefined) return badParameter(`limit (1 to ${maxLimit})`)
  return { startTime, endTime, limit }
}

/** `batchOrders`: at most 20 orders, one symbol (MEXC's rule). */
const maxBatchOrders = 20

const isAnswer = (value: object): value is RestAnswer => "status" in value && "body" in value

const answer = <A>(result: Result.Result<A, SimRejection>, render: (a: A) => unknown): RestAnswer =>
  Result.isSuccess(result) ? ok(render(result.success)) : rejected(result.failure)

/** Every endpoint, keyed `"METHOD /path"`. */
export const routes = (deps: RestDeps): ReadonlyMap<string, Route> => {
  const { closeStreams, engine, faults, listenKeys, stats, trades } = deps
  const depth = deps.depth ?? ((symbol: string, limit: number) => engine.depth(symbol, limit))
  /** One symbol, or every symbol when the request names none; `undefined` for an unknown one. */
  const forSymbols = <A>(context: RestContext, render: (symbol: string) => A): RestAnswer => {
    const symbol = param(context, "symbol")
    if (symbol === undefined) return ok(engine.symbols().map((config) => render(config.symbol)))
    return engine.symbol(symbol) === undefined ? invalidSymbol() : ok(render(symbol))
  }
  const ticker24h = (symbol: string, now: number) => {
    const w = stats.window24h(symbol, now)!
    const book = engine.bookTicker(symbol)!
    return {
      symbol,
      priceChange: Decimal.format(w.close - w.open),
      priceChangePercent: changeFraction(w.open, w.close),
      prevClosePrice: Decimal.format(w.open),
      lastPrice: Decimal.format(w.close),
      bidPrice: book.bidPrice,
      bidQty: book.bidQty,
      askPrice: book.askPrice,
      askQty: book.askQty,
      openPrice: Decimal.format(w.open),
      highPrice: Decimal.format(w.high),
      lowPrice: Decimal.format(w.low),
      volume: Decimal.format(w.volume),
      quoteVolume: Decimal.format(w.quoteVolume),
      openTime: w.openTime,
      closeTime: now,
      count: w.count
    }
  }
  const table: Record<string, Route> = {
    "GET /api/v3/ping": { signed: false, weight: 1, handle: () => ok({}) },
    "GET /api/v3/time": { signed: false, weight: 1, handle: ({ now }) => ok({ serverTime: now }) },
    "GET /api/v3/exchangeInfo": {
      signed: false,
      weight: 10,
      handle: (context) => {
        const one = param(context, "symbol")
        const many = param(context, "symbols")
        const names = one !== undefined ? [one] : many !== undefined ? many.split(",") : undefined
        const configs = names === undefined ? engine.symbols() : names.map((name) => engine.symbol(name.trim()))
        if (configs.some((config) => config === undefined)) return invalidSymbol()
        return ok({
          timezone: "CST",
          serverTime: context.now,
          rateLimits: [],
          exchangeFilters: [],
          symbols: configs.map((config) => exchangeInfoSymbol(config!))
        })
      }
    },
    "GET /api/v3/depth": {
      signed: false,
      weight: 1,
      handle: (context) => {
        const symbol = param(context, "symbol")
        if (symbol === undefined) return missing("symbol")
        const limitText = param(context, "limit")
        const limit = limitText === undefined ? 100 : Number(limitText)
        if (!Number.isInteger(limit) || limit < 1) return fail(apiError(33333, "Parameter error"))
        const snapshot = depth(symbol, Math.min(limit, 5000))
        if (snapshot === undefined) return invalidSymbol()
        return ok({ lastUpdateId: snapshot.lastUpdateId, bids: snapshot.bids, asks: snapshot.asks, timestamp: context.now })
      }
    },
    "GET /api/v3/ticker/bookTicker": {
      signed: false,
      weight: 1,
      handle: (context) => {
        const render = (symbol: string) => {
          const t = engine.bookTicker(symbol)
          return t && { symbol, bidPrice: t.bidPrice, bidQty: t.bidQty, askPrice: t.askPrice, askQty: t.askQty }
        }
        const symbol = param(context, "symbol")
        if (symbol === undefined) return ok(engine.symbols().map((config) => render(config.symbol)))
        const one = render(symbol)
        return one === undefined ? invalidSymbol() : ok(one)
      }
    },
    "GET /api/v3/ticker/price": {
      signed: false,
      weight: 1,
      handle: (context) => forSymbols(context, (symbol) => ({ symbol, price: stats.lastPrice(symbol) ?? "0" }))
    },
    "GET /api/v3/ticker/24hr": {
      signed: false,
      weight: 1,
      handle: (context) => forSymbols(context, (symbol) => ticker24h(symbol, context.now))
    },
    "GET /api/v3/aggTrades": {
      signed: false,
      weight: 1,
      handle: (context) => {
        const symbol = param(context, "symbol")
        if (symbol === undefined) return missing("symbol")
        const range = historyRange(context, 500, 1000)
        if (isAnswer(range)) return range
        const recent = stats.recentTrades(symbol, 1000)
        if (recent === undefined) return invalidSymbol()
        const chosen = recent
          .filter((t) => (range.startTime === undefined || t.time >= range.startTime) && (range.endTime === undefined || t.time <= range.endTime))
          .slice(0, range.limit)
          .reverse()
        // Oldest first; MEXC leaves the trade ids null.
        return ok(chosen.map((t) => ({ a: null, f: null, l: null, p: t.price, q: t.quantity, T: t.time, m: t.tradeType === 2, M: true })))
      }
    },
    "GET /api/v3/klines": {
      signed: false,
      weight: 1,
      handle: (context) => {
        const symbol = param(context, "symbol")
        if (symbol === undefined) return missing("symbol")
        const interval = param(context, "interval")
        if (interval === undefined) return missing("interval")
        const range = historyRange(context, 500, 1000)
        if (isAnswer(range)) return range
        if (engine.symbol(symbol) === undefined) return invalidSymbol()
        const candles = stats.klines(symbol, interval, range)
        return candles === undefined ? badParameter("interval (1m, 5m, 15m, 30m, 60m, 4h, 1d, 1W, 1M)") : ok(candles)
      }
    },
    "GET /api/v3/trades": {
      signed: false,
      weight: 5,
      handle: (context) => {
        const symbol = param(context, "symbol")
        if (symbol === undefined) return missing("symbol")
        const limitText = param(context, "limit")
        const limit = limitText === undefined ? 500 : Number(limitText)
        if (!Number.isInteger(limit) || limit < 1) return fail(apiError(33333, "Parameter error"))
        const trades = stats.recentTrades(symbol, Math.min(limit, 1000))
        if (trades === undefined) return invalidSymbol()
        return ok(trades.map((t) => ({
          id: null,
          price: t.price,
          qty: t.quantity,
          quoteQty: Decimal.format(Decimal.mul(Decimal.unsafeParse(t.price), Decimal.unsafeParse(t.quantity))),
          time: t.time,
          isBuyerMaker: t.tradeType === 2,
          isBestMatch: true,
          tradeType: t.tradeType === 1 ? "BID" : "ASK"
        })))
      }
    },
    "POST /api/v3/order": {
      signed: true,
      weight: 1,
      handle: (context) => {
        const symbol = param(context, "symbol")
        if (symbol === undefined) return missing("symbol")
        const result = engine.placeOrder(context.apiKey, {
          symbol,
          side: param(context, "side") ?? "",
          type: param(context, "type") ?? "",
          quantity: param(context, "quantity"),
          quoteOrderQty: param(context, "quoteOrderQty"),
          price: param(context, "price"),
          newClientOrderId: param(context, "newClientOrderId")
        }, context.now)
        return answer(result, newOrderView)
      }
    },
    "DELETE /api/v3/order": {
      signed: true,
      weight: 1,
      handle: (context) => {
        const ref = orderRef(context)
        return isAnswer(ref) ? ref : answer(engine.cancelOrder(context.apiKey, ref, context.now), cancelView)
      }
    },
    "GET /api/v3/order": {
      signed: true,
      weight: 2,
      handle: (context) => {
        const ref = orderRef(context)
        if (isAnswer(ref)) return ref
        const found = engine.queryOrder(context.apiKey, ref)
        // The not-yet-visible fault: a new order is unknown to queries for a moment, as on MEXC.
        if (Result.isSuccess(found) && faults !== undefined && context.now - found.success.time < faults.notYetVisibleMs) {
          return rejected(reject.orderDoesNotExist())
        }
        return answer(found, orderView)
      }
    },
    "GET /api/v3/openOrders": {
      signed: true,
      weight: 3,
      handle: (context) => {
        // One symbol, several comma-separated, or none (every symbol).
        const names = (param(context, "symbol") ?? "").split(",").map((name) => name.trim()).filter((name) => name !== "")
        if (names.some((name) => engine.symbol(name) === undefined)) return invalidSymbol()
        return answer(engine.openOrders(context.apiKey), (orders) =>
          orders.filter((order) => names.length === 0 || names.includes(order.symbol)).map(orderView))
      }
    },
    "GET /api/v3/allOrders": {
      signed: true,
      weight: 10,
      handle: (context) => {
        const symbol = param(context, "symbol")
        if (symbol === undefined) return missing("symbol")
        const range = historyRange(context, 500, 1000)
        if (isAnswer(range)) return range
        return answer(engine.allOrders(context.apiKey, symbol), (orders) =>
          orders
            .filter((o) => (range.startTime === undefined || o.time >= range.startTime) && (range.endTime === undefined || o.time <= range.endTime))
            .slice(-range.limit)
            .map(orderView))
      }
    },
    "GET /api/v3/myTrades": {
      signed: true,
      weight: 10,
      handle: (context) => {
        const symbol = param(context, "symbol")
        if (symbol === undefined) return missing("symbol")
        if (engine.symbol(symbol) === undefined) return invalidSymbol()
        const range = historyRange(context, 100, 100)
        if (isAnswer(range)) return range
        const fills = trades?.find(context.apiKey, { symbol, orderId: param(context, "orderId"), ...range }) ?? []
        return ok(fills.map((fill) => ({
          symbol: fill.symbol,
          id: fill.tradeId,
          orderId: fill.orderId,
          orderListId: -1,
          price: fill.price,
          qty: fill.quantity,
          quoteQty: fill.amount,
          commission: fill.feeAmount,
          commissionAsset: fill.feeCurrency,
          time: fill.time,
          isBuyer: fill.tradeType === 1,
          isMaker: fill.isMaker,
          isBestMatch: true,
          isSelfTrade: fill.isSelfTrade,
          clientOrderId: fill.clientOrderId === "" ? null : fill.clientOrderId
        })))
      }
    },
    "GET /api/v3/tradeFee": {
      signed: true,
      weight: 20,
      handle: (context) => {
        const symbol = param(context, "symbol")
        if (symbol === undefined) return missing("symbol")
        const config = engine.symbol(symbol)
        if (config === undefined) return invalidSymbol()
        return ok({
          data: { makerCommission: Number(config.makerCommission), takerCommission: Number(config.takerCommission) },
          code: 0,
          msg: "success",
          timestamp: context.now
        })
      }
    },
    "DELETE /api/v3/order/all": {
      signed: true,
      weight: 1,
      handle: (context) => {
        // Every open order of every symbol; the answer names none of them (as live).
        for (const config of engine.symbols()) {
          const result = engine.cancelOpenOrders(context.apiKey, config.symbol, context.now)
          if (Result.isFailure(result)) return rejected(result.failure)
        }
        return ok({ code: 200, msg: "success", timestamp: context.now })
      }
    },
    "POST /api/v3/batchOrders": {
      signed: true,
      weight: 10,
      handle: (context) => {
        const text = param(context, "batchOrders")
        if (text === undefined) return missing("batchOrders")
        let orders: unknown
        try {
          orders = JSON.parse(text)
        } catch {
          return badParameter("batchOrders is not a JSON array")
        }
        if (!Array.isArray(orders) || orders.length === 0 || orders.some((o) => typeof o !== "object" || o === null)) {
          return badParameter("batchOrders is not a JSON array of orders")
        }
        if (orders.length > maxBatchOrders) return badParameter(`at most ${maxBatchOrders} orders per batch`)
        const field = (order: Record<string, unknown>, name: string) => {
          const value = order[name]
          return value === undefined || value === null || value === "" ? undefined : String(value)
        }
        const requests = orders as Array<Record<string, unknown>>
        const symbol = field(requests[0]!, "symbol")
        if (requests.some((order) => field(order, "symbol") !== symbol)) return badParameter("every order of a batch has the same symbol")
        // Each order is placed or refused on its own; the answer lists them in the order sent.
        return ok(requests.map((order) => {
          const newClientOrderId = field(order, "newClientOrderId")
          const result = engine.placeOrder(context.apiKey, {
            symbol: symbol ?? "",
            side: field(order, "side") ?? "",
            type: field(order, "type") ?? "",
            quantity: field(order, "quantity"),
            quoteOrderQty: field(order, "quoteOrderQty"),
            price: field(order, "price"),
            newClientOrderId
          }, context.now)
          const id = newClientOrderId === undefined ? {} : { newClientOrderId }
          return Result.isSuccess(result)
            ? { symbol: result.success.symbol, orderId: result.success.orderId, orderListId: -1, ...id }
            : { ...id, code: result.failure.code, msg: result.failure.msg }
        }))
      }
    },
    "DELETE /api/v3/openOrders": {
      signed: true,
      weight: 1,
      handle: (context) => {
        const symbols = param(context, "symbol")
        if (symbols === undefined) return missing("symbol")
        const names = symbols.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
        if (names.length > 5) return fail(apiError(33333, "Parameter error: at most 5 symbols"))
        // Every symbol is checked before any order is canceled: an error answer changes nothing.
        if (names.some((name) => engine.symbol(name) === undefined)) return invalidSymbol()
        const canceled: Array<ReturnType<typeof canceledOpenOrderView>> = []
        for (const name of names) {
          const result = engine.cancelOpenOrders(context.apiKey, name, context.now)
          if (Result.isFailure(result)) return rejected(result.failure)
          for (const order of result.success) canceled.push(canceledOpenOrderView(order))
        }
        return ok(canceled)
      }
    },
    "GET /api/v3/account": {
      signed: true,
      weight: 10,
      handle: (context) =>
        ok({
          makerCommission: null,
          takerCommission: null,
          buyerCommission: null,
          sellerCommission: null,
          canTrade: true,
          canWithdraw: true,
          canDeposit: true,
          updateTime: null,
          accountType: "SPOT",
          balances: engine.balances(context.apiKey) ?? [],
          permissions: ["SPOT"]
        })
    },
    "POST /api/v3/userDataStream": {
      signed: true,
      weight: 1,
      handle: (context) => {
        const listenKey = listenKeys.create(context.apiKey, context.now)
        return listenKey === undefined
          ? fail(apiError(33333, "Parameter error: too many listen keys (60 per account)"))
          : ok({ listenKey })
      }
    },
    "GET /api/v3/userDataStream": {
      signed: true,
      weight: 1,
      handle: (context) => ok({ listenKey: listenKeys.keysOf(context.apiKey, context.now) })
    },
    "PUT /api/v3/userDataStream": {
      signed: true,
      weight: 1,
      handle: (context) => {
        const listenKey = param(context, "listenKey")
        if (listenKey === undefined) return missing("listenKey")
        if (faults?.takeKeepAliveFailure()) return fail(apiError(730000, "Invalid listenKey"))
        return listenKeys.keepAlive(listenKey, context.apiKey, context.now)
          ? ok({ listenKey })
          : fail(apiError(730000, "Invalid listenKey"))
      }
    },
    "DELETE /api/v3/userDataStream": {
      signed: true,
      weight: 1,
      handle: (context) => {
        const listenKey = param(context, "listenKey")
        if (listenKey === undefined) return missing("listenKey")
        if (!listenKeys.delete(listenKey, context.apiKey, context.now)) return fail(apiError(730000, "Invalid listenKey"))
        // Deleting a key closes its stream, as it does on MEXC and Binance.
        closeStreams?.([listenKey])
        return ok({ listenKey })
      }
    },
    "GET /api/v3/capital/config/getall": { signed: true, weight: 10, handle: () => ok([]) },
    "GET /api/v1/contract/detail": {
      signed: false,
      weight: 1,
      handle: () => ok({ success: true, code: 0, data: [] })
    }
  }
  return new Map(Object.entries(table))
}
