/**
 * MEXC Spot v3 REST, one typed call per endpoint, answering domain values. Built on the generic
 * REST client (`src/rest/`): base URL, signing (secret `Redacted` up to the HMAC), server-time
 * offset, rate limiting under the MEXC quota preset (`Quotas.ts`), MEXC error codes mapped to
 * `ExchangeError` reasons (`ErrorCodes.ts`), and retries for safe (GET) requests only.
 *
 * ```ts
 * const rest = MexcRest.layerNode({ baseUrl: sim.restUrl, credentials: { apiKey, apiSecret } }).pipe(
 *   Layer.provide(MexcQuotas.layer) // one rate limiter per venue, shared with the public side
 * )
 * ```
 *
 * `make` / `layer` need an `HttpClient` and the venue's `RateLimiter` from the context;
 * `layerNode` provides Node's HTTP client (undici, its connections closed with the layer), the
 * requests sent straight through its agent (`Transport.layerNode`).
 * The client is the lifecycle component `rest:mexc`: released after everything that uses it,
 * before the rate limiter.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Redacted, Result, Schema, SchemaTransformation } from "effect"
import type { Scope } from "effect"
import type { HttpClient } from "effect/http"
import * as Decimal from "../../exchange/Decimal.ts"
import { Decode, ExchangeError, InvalidConfig, InvalidSymbol } from "../../exchange/ExchangeError.ts"
import type { Balance, Fill, Instrument, Order, OrderRef, OrderType, Quote, TimeInForce } from "../../exchange/Model.ts"
import type * as OrderRules from "../../exchange/OrderRules.ts"
import type { RateLimiter, TakeOptions } from "../../ratelimit/RateLimiter.ts"
import * as RestClient from "../../rest/RestClient.ts"
import * as Transport from "../../rest/Transport.ts"
import type * as VenueCredentials from "../Credentials.ts"
import * as ErrorCodes from "./ErrorCodes.ts"
import * as Parse from "./Parse.ts"
import * as Quotas from "./Quotas.ts"
import * as Signing from "./Signing.ts"

/** `POST order`, already validated against the instrument and carrying its client order id. */
export interface NewOrder extends Omit<OrderRules.ValidOrder, "rounded"> {
  readonly clientOrderId: string
}

import type { DepthSnapshot, OrderAck } from "./Parse.ts"

export type { DepthSnapshot, OrderAck }

export interface MexcRestShape {
  /** Venue time now (ms) as measured by the client's offset. */
  readonly serverTime: Effect.Effect<number, ExchangeError>
  /** `GET exchangeInfo`, all symbols or the given ones. `InvalidSymbol` for an unknown one. */
  readonly exchangeInfo: (symbols?: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Instrument>, ExchangeError>
  /** `GET depth` (limit default 1000, max 5000). */
  readonly depth: (symbol: string, limit?: number) => Effect.Effect<DepthSnapshot, ExchangeError>
  /** `GET ticker/bookTicker` for one symbol. */
  readonly bookTicker: (symbol: string) => Effect.Effect<Quote, ExchangeError>
  /** `GET account`: every balance. */
  readonly account: Effect.Effect<ReadonlyArray<Balance>, ExchangeError>
  /**
   * `POST order`. A 5xx, timeout or lost connection fails with `Unavailable`: the outcome is
   * unknown; this call never retries (the private exchange reconciles).
   */
  readonly newOrder: (order: NewOrder) => Effect.Effect<OrderAck, ExchangeError>
  /**
   * `DELETE order`; `UnknownOrder` (-2011) when it does not exist. Never retried. MEXC's answer
   * carries no times: the order's `time` is the venue time of the answer.
   */
  readonly cancelOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /** `GET order`; `UnknownOrder` (-2013) when it does not exist or is not yet visible. */
  readonly queryOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /** `GET openOrders`, for one symbol or all. */
  readonly openOrders: (symbol?: string) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  /**
   * `DELETE openOrders`. MEXC answers each order's state *before* the cancel, without client
   * order ids: callers confirm with `openOrders`.
   */
  readonly cancelOpenOrders: (symbol: string) => Effect.Effect<ReadonlyArray<{ readonly orderId: string }>, ExchangeError>
  /** `GET myTrades` for a symbol, optionally one order's. */
  readonly myTrades: (
    symbol: string,
    options?: { readonly orderId?: string | undefined; readonly startTime?: number | undefined; readonly limit?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<Fill>, ExchangeError>
  /** `POST userDataStream`: a new listen key. */
  readonly createListenKey: Effect.Effect<string, ExchangeError>
  /** `PUT userDataStream`: extend a key by 60 min. `Rejected` with code 730000 for a dead key. */
  readonly keepAliveListenKey: (listenKey: string) => Effect.Effect<void, ExchangeError>
  /** `DELETE userDataStream`. */
  readonly deleteListenKey: (listenKey: string) => Effect.Effect<void, ExchangeError>
}

export class MexcRest extends Context.Service<MexcRest, MexcRestShape>()("scoped-exchange/venues/mexc/MexcRest") {}

/** MEXC's production REST base URL. */
export const productionUrl = "https://api.mexc.com"

/** API credentials, both `Redacted` from `Config` to the HMAC. */
export type Credentials = VenueCredentials.Credentials

/** Options of {@link make}. */
export interface Options {
  /** REST base URL. Default {@link productionUrl}. */
  readonly baseUrl?: string | undefined
  /** Needed by signed calls; without them those fail with `InvalidConfig` (MEXC_API_KEY / MEXC_API_SECRET). */
  readonly credentials?: Credentials | undefined
  /** `recvWindow` of signed calls (ms, at most 60000). Default 5000. */
  readonly recvWindow?: number | undefined
  /** Timeout of one attempt of a request. Default 10 s. */
  readonly timeout?: Duration.Input | undefined
  /** Retries of a safe request (see `RestClient.Options`). Default 3, from 200 ms. */
  readonly retries?: number | undefined
  readonly retryBase?: Duration.Input | undefined
  /** Longest wait for the rate limiter (see `RestClient.Options.quotaWait`). Default 30 s. */
  readonly quotaWait?: Duration.Input | undefined
  /** Venue name in errors, and the lifecycle component `rest:<name>`. Default `mexc`. */
  readonly name?: string | undefined
}

const venueName = "mexc"

const missingCredentials = new InvalidConfig({
  variable: "MEXC_API_KEY/MEXC_API_SECRET",
  detail: "signed MEXC calls need an API key and secret"
})

/** The signer: `recvWindow` and `timestamp` appended, HMAC over the whole query then the body, key in the header. */
const signer = (credentials: Credentials | undefined, recvWindow: number): RestClient.Venue["sign"] => {
  if (credentials === undefined) return () => Effect.fail(missingCredentials)
  if (!Number.isInteger(recvWindow) || recvWindow < 1 || recvWindow > Signing.maxRecvWindow) {
    const invalid = new InvalidConfig({ variable: "recvWindow", detail: `must be a whole number of ms from 1 to ${Signing.maxRecvWindow}` })
    return () => Effect.fail(invalid)
  }
  // Made once: the HMAC key and the headers every signed request carries.
  const key = Signing.signingKey(credentials.apiSecret)
  const headers = { [Signing.apiKeyHeader]: Redacted.value(credentials.apiKey), "content-type": "application/json" }
  return ({ body, query, timestamp }) =>
    Effect.sync(() => {
      const payload = `${query}${query.length > 0 ? "&" : ""}recvWindow=${recvWindow}&timestamp=${timestamp}`
      return { query: `${payload}&signature=${Signing.signWith(key, Signing.totalParams(payload, body))}`, headers }
    })
}

const serverTimeRequest: RestClient.Request<number> = {
  method: "GET",
  path: "/api/v3/time",
  cost: Quotas.cost("GET /api/v3/time", 1, false),
  response: Parse.ServerTimeAnswer.pipe(
    Schema.decodeTo(
      Schema.Number,
      SchemaTransformation.transform({ decode: (a) => a.serverTime, encode: (serverTime) => ({ serverTime }) })
    )
  )
}

/** MEXC's `type` for a domain type and time in force. */
export const wireOrderType = (type: OrderType, timeInForce: TimeInForce): string => {
  if (type !== "LIMIT") return type
  return timeInForce === "IOC" ? "IMMEDIATE_OR_CANCEL" : timeInForce === "FOK" ? "FILL_OR_KILL" : "LIMIT"
}

const refParams = (ref: OrderRef): RestClient.Params =>
  "orderId" in ref
    ? { symbol: ref.symbol, orderId: ref.orderId }
    : { symbol: ref.symbol, origClientOrderId: ref.clientOrderId }

/** `f` under a span `name` per call, without `Effect.fn`'s per-call stack trace. */
const hotSpan = <Args extends ReadonlyArray<unknown>, A, E>(
  name: string,
  f: (...args: Args) => Effect.Effect<A, E>
) =>
(...args: Args): Effect.Effect<A, E> => Effect.withSpan(f(...args), name, { captureStackTrace: false })

/** Builds the MEXC REST client in the caller's scope (component `rest:mexc`). */
export const make = (
  options: Options = {}
): Effect.Effect<MexcRestShape, ExchangeError, HttpClient.HttpClient | RateLimiter | Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* RestClient.make({
      venue: {
        name: options.name ?? venueName,
        baseUrl: (options.baseUrl ?? productionUrl).replace(/\/+$/, ""),
        sign: signer(options.credentials, options.recvWindow ?? Signing.defaultRecvWindow),
        errorReason: ErrorCodes.reasonFor,
        isErrorBody: ErrorCodes.isErrorBody,
        serverTime: serverTimeRequest
      },
      timeout: options.timeout,
      retries: options.retries,
      retryBase: options.retryBase,
      quotaWait: options.quotaWait
    })

    /**
     * Each endpoint's quota cost, made once and frozen: the same key lists every call, which the
     * limiter resolves once.
     */
    const costs = new Map<string, ReadonlyArray<TakeOptions>>()
    const costOf = (method: string, path: string, weight: number, signed: boolean, isOrder: boolean) => {
      const key = `${method} ${path} ${weight} ${signed} ${isOrder}`
      let cost = costs.get(key)
      if (cost === undefined) {
        cost = Object.freeze(
          Quotas.cost(`${method} ${path}`, weight, signed, isOrder).map((entry) =>
            Object.freeze({ ...entry, keys: Object.freeze([...entry.keys]) })
          )
        )
        costs.set(key, cost)
      }
      return cost
    }

    const call = <A>(
      method: RestClient.Request<A>["method"],
      path: string,
      weight: number,
      response: Schema.Decoder<A>,
      params?: RestClient.Params,
      extra?: {
        readonly signed?: boolean
        readonly safe?: boolean
        readonly isOrder?: boolean
        /** The hand-written check of a hot answer (the schema explains a body it refuses). */
        readonly parse?: (json: unknown) => A | undefined
      }
    ): Effect.Effect<A, ExchangeError> => {
      const signed = extra?.signed ?? false
      return client.request({
        method,
        path,
        params,
        signed,
        safe: extra?.safe,
        cost: costOf(method, path, weight, signed, extra?.isOrder ?? false),
        response,
        parse: extra?.parse
      })
    }

    /** A parse result to the value, or a `Decode` error keeping what came. */
    const parsed = <W, A>(operation: string, wire: W, result: Parse.ParseResult<A>): Effect.Effect<A, ExchangeError> =>
      Result.isSuccess(result)
        ? Effect.succeed(result.success)
        : Effect.fail(
          new ExchangeError({
            venue: venueName,
            operation,
            reason: new Decode({ what: operation, body: JSON.stringify(wire).slice(0, 2_000), detail: result.failure })
          })
        )

    const invalidSymbol = (operation: string, symbol: string) =>
      new ExchangeError({ venue: venueName, operation, reason: new InvalidSymbol({ symbol }) })

    const exchangeInfo = Effect.fn("MexcRest.exchangeInfo")(function*(symbols?: ReadonlyArray<string>) {
      const operation = "GET /api/v3/exchangeInfo"
      const params: RestClient.Params = symbols === undefined || symbols.length === 0
        ? {}
        : symbols.length === 1
        ? { symbol: symbols[0] }
        : { symbols: symbols.join(",") }
      const answer = yield* call("GET", "/api/v3/exchangeInfo", 10, Parse.ExchangeInfoAnswer, params)
      const instruments: Array<Instrument> = []
      for (const symbol of answer.symbols) {
        instruments.push(yield* parsed(operation, symbol, Parse.instrument(symbol)))
      }
      // Some venues answer an unknown symbol with an empty list rather than an error.
      for (const wanted of symbols ?? []) {
        if (!instruments.some((i) => i.symbol === wanted)) return yield* invalidSymbol(operation, wanted)
      }
      return instruments as ReadonlyArray<Instrument>
    })

    const depth = Effect.fn("MexcRest.depth")(function*(symbol: string, limit: number = 1000) {
      const answer = yield* call("GET", "/api/v3/depth", 1, Parse.DepthAnswer, { symbol, limit: Math.min(Math.max(1, limit), 5000) })
      return yield* parsed("GET /api/v3/depth", answer, Parse.depth(symbol, answer, yield* client.serverTime))
    })

    const bookTicker = Effect.fn("MexcRest.bookTicker")(function*(symbol: string) {
      const answer = yield* call("GET", "/api/v3/ticker/bookTicker", 1, Parse.BookTickerAnswer, { symbol })
      return yield* parsed("GET /api/v3/ticker/bookTicker", answer, Parse.quote(answer, yield* client.serverTime))
    })

    const account = Effect.gen(function*() {
      const answer = yield* call("GET", "/api/v3/account", 10, Parse.AccountAnswer, {}, { signed: true })
      return (yield* parsed("GET /api/v3/account", answer, Parse.balances(answer))) as ReadonlyArray<Balance>
    }).pipe(Effect.withSpan("MexcRest.account"))

    // The order path's spans without a call-site stack trace (`Effect.fn` captures an `Error` on
    // every call, a measurable share of the client's own CPU per order; issue 18).
    const newOrder = hotSpan("MexcRest.newOrder", Effect.fnUntraced(function*(order: NewOrder) {
      const answer = yield* call("POST", "/api/v3/order", 1, Parse.NewOrderAnswer, {
        symbol: order.symbol,
        side: order.side,
        type: wireOrderType(order.type, order.timeInForce),
        quantity: order.quantity === undefined ? undefined : Decimal.format(order.quantity),
        quoteOrderQty: order.quoteQuantity === undefined ? undefined : Decimal.format(order.quoteQuantity),
        price: order.price === undefined ? undefined : Decimal.format(order.price),
        newClientOrderId: order.clientOrderId
      }, { signed: true, isOrder: true, parse: Parse.newOrderAnswer })
      return Parse.orderAck(answer, order.clientOrderId, yield* client.serverTime)
    }))

    const cancelOrder = hotSpan("MexcRest.cancelOrder", Effect.fnUntraced(function*(ref: OrderRef) {
      const answer = yield* call("DELETE", "/api/v3/order", 1, Parse.OrderAnswer, refParams(ref), { signed: true, parse: Parse.orderAnswer })
      return yield* parsed("DELETE /api/v3/order", answer, Parse.order(answer, yield* client.serverTime))
    }))

    const queryOrder = Effect.fn("MexcRest.queryOrder")(function*(ref: OrderRef) {
      const answer = yield* call("GET", "/api/v3/order", 2, Parse.OrderAnswer, refParams(ref), { signed: true, parse: Parse.orderAnswer })
      return yield* parsed("GET /api/v3/order", answer, Parse.order(answer, yield* client.serverTime))
    })

    const openOrders = Effect.fn("MexcRest.openOrders")(function*(symbol?: string) {
      const answer = yield* call("GET", "/api/v3/openOrders", 3, Parse.OrdersAnswer, { symbol }, { signed: true })
      return (yield* parsed("GET /api/v3/openOrders", answer, Parse.orders(answer, yield* client.serverTime))) as ReadonlyArray<Order>
    })

    const cancelOpenOrders = Effect.fn("MexcRest.cancelOpenOrders")(function*(symbol: string) {
      const answer = yield* call("DELETE", "/api/v3/openOrders", 1, Parse.CanceledOrdersAnswer, { symbol }, { signed: true })
      return answer.map((o) => ({ orderId: String(o.orderId) }))
    })

    const myTrades = Effect.fn("MexcRest.myTrades")(function*(
      symbol: string,
      options?: { readonly orderId?: string | undefined; readonly startTime?: number | undefined; readonly limit?: number | undefined }
    ) {
      const answer = yield* call("GET", "/api/v3/myTrades", 10, Parse.TradesAnswer, {
        symbol,
        orderId: options?.orderId,
        startTime: options?.startTime,
        limit: options?.limit
      }, { signed: true })
      return (yield* parsed("GET /api/v3/myTrades", answer, Parse.fills(answer))) as ReadonlyArray<Fill>
    })

    const createListenKey = call("POST", "/api/v3/userDataStream", 1, Parse.ListenKeyAnswer, {}, { signed: true }).pipe(
      Effect.map((a) => a.listenKey),
      Effect.withSpan("MexcRest.createListenKey")
    )

    // Extending a key twice is harmless: a keep-alive is safe to resend after an unknown outcome.
    const keepAliveListenKey = Effect.fn("MexcRest.keepAliveListenKey")(function*(listenKey: string) {
      yield* call("PUT", "/api/v3/userDataStream", 1, Parse.ListenKeyAnswer, { listenKey }, { signed: true, safe: true })
    })

    const deleteListenKey = Effect.fn("MexcRest.deleteListenKey")(function*(listenKey: string) {
      yield* call("DELETE", "/api/v3/userDataStream", 1, Parse.ListenKeyAnswer, { listenKey }, { signed: true })
    })

    return MexcRest.of({
      serverTime: client.serverTime,
      exchangeInfo,
      depth,
      bookTicker,
      account,
      newOrder,
      cancelOrder,
      queryOrder,
      openOrders,
      cancelOpenOrders,
      myTrades,
      createListenKey,
      keepAliveListenKey,
      deleteListenKey
    })
  })

/** {@link MexcRest} as a layer; needs an `HttpClient` and the venue's `RateLimiter`. */
export const layer = (options: Options = {}): Layer.Layer<MexcRest, ExchangeError, HttpClient.HttpClient | RateLimiter> =>
  Layer.effect(MexcRest, make(options))

/**
 * {@link layer} with Node's HTTP client (undici, an agent of its own, closed with the layer), requests
 * sent straight through it (`Transport.layerNode`).
 * Still needs the venue's `RateLimiter` (`MexcQuotas.layer`), shared with the public side.
 */
export const layerNode = (options: Options = {}): Layer.Layer<MexcRest, ExchangeError, RateLimiter> =>
  layer(options).pipe(Layer.provide(Transport.layerNode))
