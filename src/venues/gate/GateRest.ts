/**
 * Gate.io Spot v4 REST, one typed call per endpoint, answering domain values. Built on the generic
 * REST client (`src/rest/`): base URL `https://api.gateio.ws/api/v4`, APIv4 signing (`Signing.ts`:
 * the secret `Redacted` up to the HMAC, a seconds timestamp, the query signed as sent, the JSON body
 * hashed as sent), the server-time offset, Gate's quota preset (`Quotas.ts`), Gate's error labels
 * mapped to `ExchangeError` reasons (`ErrorLabels.ts`), and retries for safe (GET) requests only.
 *
 * ```ts
 * const rest = GateRest.layerNode({ baseUrl: sim.restUrl, credentials }).pipe(
 *   Layer.provide(GateQuotas.layer) // one rate limiter per venue, shared with the public side
 * )
 * ```
 *
 * Gate's own rules this client follows (gateio-wire.md):
 * - `GET /spot/orders/{id}` and `DELETE /spot/orders/{id}` take our `text` (`t-...`) only while the
 *   order is open; once it finished only Gate's id works. So {@link GateRestShape.queryOrder} by
 *   client order id looks in the pair's recently finished orders when the path lookup answers
 *   `ORDER_NOT_FOUND`: an order that filled at once (an IOC, a market order) is still found by the
 *   id its placer knows, which is what resolving an unknown outcome needs.
 * - A create answers 201 with the whole order. A post-only order that would have taken may come
 *   back as an order `cancelled` with `finish_as: "poc"`, or as the error `POC_FILL_IMMEDIATELY`:
 *   both fail {@link GateRestShape.newOrder} with `FilterRejected` (`postOnly`), as on other venues.
 * - `DELETE /spot/orders` (cancel all of a pair) is accepted asynchronously: confirm with
 *   {@link GateRestShape.openOrders}.
 * - `POST /spot/countdown_cancel_all` arms Gate's dead-man switch: unless renewed within `timeout`
 *   seconds, Gate cancels the account's open spot orders; `timeout: 0` disarms it.
 *
 * The client is the lifecycle component `rest:gate`: released after everything that uses it,
 * before the rate limiter.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Redacted, Result, Schema, SchemaTransformation } from "effect"
import type { Scope } from "effect"
import type { HttpClient } from "effect/http"
import { Decode, ExchangeError, FilterRejected, InvalidConfig, InvalidSymbol, UnknownOrder } from "../../exchange/ExchangeError.ts"
import type { Balance, Fill, Instrument, Order, OrderRef, Quote } from "../../exchange/Model.ts"
import type { RateLimiter } from "../../ratelimit/RateLimiter.ts"
import * as RestClient from "../../rest/RestClient.ts"
import * as Transport from "../../rest/Transport.ts"
import type { Credentials } from "../Credentials.ts"
import * as ClientOrderId from "./ClientOrderId.ts"
import * as ErrorLabels from "./ErrorLabels.ts"
import * as Parse from "./Parse.ts"
import type * as Protocol from "./Protocol.ts"
import * as Quotas from "./Quotas.ts"
import * as Schemas from "./Schemas.ts"
import * as Signing from "./Signing.ts"

export interface GateRestShape {
  /** Venue time now (ms) as measured by the client's offset. */
  readonly serverTime: Effect.Effect<number, ExchangeError>
  /** `GET /spot/currency_pairs` (or one pair's), as instruments. `InvalidSymbol` for an unknown one. */
  readonly instruments: (symbols?: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Instrument>, ExchangeError>
  /** `GET /spot/order_book?with_id=true`: a snapshot at its update id. `limit` default 100. */
  readonly orderBook: (symbol: string, limit?: number) => Effect.Effect<Parse.BookSnapshot, ExchangeError>
  /** `GET /spot/tickers` for one pair: the best bid and ask. */
  readonly ticker: (symbol: string) => Effect.Effect<Quote, ExchangeError>
  /** `GET /spot/accounts`: every balance. */
  readonly accounts: Effect.Effect<ReadonlyArray<Balance>, ExchangeError>
  /**
   * `POST /spot/orders`: the order as Gate created it (it may already be filled or finished). A
   * 5xx, timeout or lost connection fails `Unavailable`: the outcome is unknown, and this call never
   * retries (the private side resolves it by the client order id).
   */
  readonly newOrder: (order: Parse.NewOrder) => Effect.Effect<Order, ExchangeError>
  /** `DELETE /spot/orders/{id}`: the order after the cancel. `UnknownOrder` when it is not open. */
  readonly cancelOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /**
   * `GET /spot/orders/{id}`; by client order id, falling back to the pair's recently finished
   * orders. `UnknownOrder` when it does not exist (or is not visible yet).
   */
  readonly queryOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /** Open orders of one pair (`GET /spot/orders?status=open`), or of all (`GET /spot/open_orders`). */
  readonly openOrders: (symbol?: string) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  /** `DELETE /spot/orders?currency_pair=`: cancels every open order of a pair (asynchronously at Gate). */
  readonly cancelAll: (symbol: string) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  /** `GET /spot/my_trades` of a pair, optionally one order's. `from` in ms (Gate takes seconds). */
  readonly myTrades: (
    symbol: string,
    options?: { readonly orderId?: string | undefined; readonly from?: number | undefined; readonly limit?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<Fill>, ExchangeError>
  /**
   * `POST /spot/countdown_cancel_all`: arms (or renews) the dead-man switch for `timeoutSeconds`
   * (0 disarms), for one pair or all. Answers the trigger time (ms).
   */
  readonly countdownCancelAll: (timeoutSeconds: number, symbol?: string) => Effect.Effect<number, ExchangeError>
  /**
   * The `auth` of a private WebSocket subscribe of `channel` sent at `time` (s), signed with this
   * client's credentials (the secret stays inside); `undefined` without credentials.
   */
  readonly channelAuth: (channel: string, event: "subscribe" | "unsubscribe", time: number) => Protocol.Auth | undefined
}

export class GateRest extends Context.Service<GateRest, GateRestShape>()("scoped-exchange/venues/gate/GateRest") {}

/** Gate's production REST base URL. */
export const productionUrl = "https://api.gateio.ws/api/v4"

/** Options of {@link make}. */
export interface Options {
  /** REST base URL, with its `/api/v4` path. Default {@link productionUrl}. */
  readonly baseUrl?: string | undefined
  /** Needed by signed calls; without them those fail `InvalidConfig` (GATE_API_KEY / GATE_API_SECRET). */
  readonly credentials?: Credentials | undefined
  /** Venue name in errors, and the lifecycle component `rest:<name>`. Default `gate`. */
  readonly name?: string | undefined
  /** Timeout of one attempt of a request. Default 10 s. */
  readonly timeout?: Duration.Input | undefined
  /** Retries of a safe request (see `RestClient.Options`). Default 3, from 200 ms. */
  readonly retries?: number | undefined
  readonly retryBase?: Duration.Input | undefined
  /** Longest wait for the rate limiter (see `RestClient.Options.quotaWait`). Default 30 s. */
  readonly quotaWait?: Duration.Input | undefined
  /**
   * How far back (ms) a query by client order id looks among finished orders. Default 10 minutes:
   * an unknown outcome is resolved within seconds of the placement.
   */
  readonly finishedLookback?: number | undefined
}

const missingCredentials = new InvalidConfig({
  variable: "GATE_API_KEY/GATE_API_SECRET",
  detail: "signed Gate calls need an API key and secret"
})

/**
 * How long after its timestamp a state-changing request may still be carried out: Gate rejects one
 * that arrives after its `X-Gate-Exptime` (gateio-wire.md, "Signing"), which bounds how long a
 * request whose answer was lost can still act (without it, the 60 s timestamp window would).
 */
export const requestExpirySeconds = 5

/**
 * The signer: `KEY`, `Timestamp` (s) and `SIGN` headers, and `X-Gate-Exptime` on a request that
 * changes something; the query and body go out as signed.
 */
const signer = (credentials: Credentials | undefined): RestClient.Venue["sign"] => {
  if (credentials === undefined) return () => Effect.fail(missingCredentials)
  return ({ body, method, path, query, timestamp }) =>
    Effect.sync(() => ({
      query,
      headers: {
        [Signing.keyHeader]: Redacted.value(credentials.apiKey),
        [Signing.timestampHeader]: String(timestamp),
        [Signing.signHeader]: Signing.signRest(credentials.apiSecret, { method, path, query, body, timestamp }),
        ...(method === "GET" ? {} : { "X-Gate-Exptime": String((timestamp + requestExpirySeconds) * 1000) }),
        "content-type": "application/json"
      }
    }))
}

const serverTimeRequest: RestClient.Request<number> = {
  method: "GET",
  path: "/spot/time",
  cost: Quotas.cost("GET /spot/time", { _tag: "public" }),
  response: Schemas.ServerTime.pipe(
    Schema.decodeTo(
      Schema.Number,
      SchemaTransformation.transform({ decode: (a) => a.server_time, encode: (server_time) => ({ server_time }) })
    )
  )
}

const Orders = Schema.Array(Schemas.Order)

/** A path segment for an order: Gate's id, or our client order id as its `text`. */
const orderPathId = (ref: OrderRef): string =>
  encodeURIComponent("orderId" in ref ? ref.orderId : ClientOrderId.prefix + ref.clientOrderId)

/** Builds the Gate REST client in the caller's scope (component `rest:<venue>`). */
export const make = (
  options: Options = {}
): Effect.Effect<GateRestShape, ExchangeError, HttpClient.HttpClient | RateLimiter | Scope.Scope> =>
  Effect.gen(function*() {
    const venueName = options.name ?? "gate"
    const client = yield* RestClient.make({
      venue: {
        name: venueName,
        baseUrl: (options.baseUrl ?? productionUrl).replace(/\/+$/, ""),
        sign: signer(options.credentials),
        timestampUnit: "seconds",
        errorReason: ErrorLabels.reasonFor,
        serverTime: serverTimeRequest
      },
      timeout: options.timeout,
      retries: options.retries,
      retryBase: options.retryBase,
      quotaWait: options.quotaWait
    })
    const lookbackMs = options.finishedLookback ?? 10 * 60_000

    const call = <A>(
      method: RestClient.Request<A>["method"],
      /** The endpoint as Gate counts it (`/spot/orders/{order_id}`). */
      template: string,
      kind: Quotas.Kind,
      response: Schema.Decoder<A>,
      extra?: { readonly path?: string; readonly params?: RestClient.Params; readonly body?: unknown }
    ): Effect.Effect<A, ExchangeError> =>
      client.request({
        method,
        path: extra?.path ?? template,
        params: extra?.params,
        body: extra?.body,
        signed: kind._tag !== "public",
        cost: Quotas.cost(`${method} ${template}`, kind),
        response
      })

    const fail = (operation: string, reason: ExchangeError["reason"]) => new ExchangeError({ venue: venueName, operation, reason })

    /** A parse result to the value, or a `Decode` error keeping what came. */
    const parsed = <A>(operation: string, wire: unknown, result: Parse.ParseResult<A>): Effect.Effect<A, ExchangeError> =>
      Result.isSuccess(result)
        ? Effect.succeed(result.success)
        : Effect.fail(fail(operation, new Decode({ what: operation, body: JSON.stringify(wire).slice(0, 2_000), detail: result.failure })))

    const instruments = Effect.fn("GateRest.instruments")(function*(symbols?: ReadonlyArray<string>) {
      const operation = "GET /spot/currency_pairs"
      const pairs = symbols !== undefined && symbols.length === 1
        ? [yield* call("GET", "/spot/currency_pairs/{currency_pair}", { _tag: "public" }, Schemas.CurrencyPair, {
          path: `/spot/currency_pairs/${encodeURIComponent(symbols[0]!)}`,
          params: { currency_pair: symbols[0] }
        })]
        : yield* call("GET", "/spot/currency_pairs", { _tag: "public" }, Schema.Array(Schemas.CurrencyPair))
      const out: Array<Instrument> = []
      for (const pair of pairs) {
        if (symbols !== undefined && symbols.length > 0 && !symbols.includes(pair.id)) continue
        out.push(yield* parsed(operation, pair, Parse.instrument(pair)))
      }
      for (const wanted of symbols ?? []) {
        if (!out.some((i) => i.symbol === wanted)) return yield* fail(operation, new InvalidSymbol({ symbol: wanted }))
      }
      return out as ReadonlyArray<Instrument>
    })

    const orderBook = Effect.fn("GateRest.orderBook")(function*(symbol: string, limit: number = 100) {
      const answer = yield* call("GET", "/spot/order_book", { _tag: "public" }, Schemas.OrderBook, {
        params: { currency_pair: symbol, limit: Math.min(Math.max(1, limit), 100), with_id: true }
      })
      return yield* parsed("GET /spot/order_book", answer, Parse.bookSnapshot(symbol, answer))
    })

    const ticker = Effect.fn("GateRest.ticker")(function*(symbol: string) {
      const operation = "GET /spot/tickers"
      const answer = yield* call("GET", "/spot/tickers", { _tag: "public" }, Schema.Array(Schemas.Ticker), { params: { currency_pair: symbol } })
      const one = answer.find((t) => t.currency_pair === symbol)
      if (one === undefined) return yield* fail(operation, new InvalidSymbol({ symbol }))
      return yield* parsed(operation, one, Parse.quote(one, yield* client.serverTime))
    })

    const accounts = Effect.gen(function*() {
      const answer = yield* call("GET", "/spot/accounts", { _tag: "private" }, Schema.Array(Schemas.AccountBalance))
      return (yield* parsed("GET /spot/accounts", answer, Parse.balances(answer))) as ReadonlyArray<Balance>
    }).pipe(Effect.withSpan("GateRest.accounts"))

    const newOrder = Effect.fn("GateRest.newOrder")(function*(order: Parse.NewOrder) {
      const operation = "POST /spot/orders"
      const body = Parse.orderRequest(order)
      if (Result.isFailure(body)) return yield* fail(operation, body.failure)
      const answer = yield* call("POST", "/spot/orders", { _tag: "order", pair: order.symbol }, Schemas.Order, { body: body.success })
      const created = yield* parsed(operation, answer, Parse.order(answer))
      if (created.status === "REJECTED") {
        return yield* fail(operation, new FilterRejected({
          symbol: order.symbol,
          filter: "postOnly",
          detail: `post-only order ${order.clientOrderId} would have taken: Gate cancelled it (finish_as poc)`
        }))
      }
      return created
    })

    const cancelOrder = Effect.fn("GateRest.cancelOrder")(function*(ref: OrderRef) {
      const answer = yield* call("DELETE", "/spot/orders/{order_id}", { _tag: "cancel" }, Schemas.Order, {
        path: `/spot/orders/${orderPathId(ref)}`,
        params: { currency_pair: ref.symbol }
      })
      return yield* parsed("DELETE /spot/orders/{order_id}", answer, Parse.order(answer))
    })

    const listOrders = (symbol: string, status: "open" | "finished", from?: number) =>
      Effect.gen(function*() {
        const answer = yield* call("GET", "/spot/orders", { _tag: "private" }, Orders, {
          params: {
            currency_pair: symbol,
            status,
            limit: 100,
            ...(from === undefined ? {} : { from: Math.floor(from / 1000) })
          }
        })
        return (yield* parsed("GET /spot/orders", answer, Parse.orders(answer))) as ReadonlyArray<Order>
      })

    const queryOrder = Effect.fn("GateRest.queryOrder")(function*(ref: OrderRef) {
      const operation = "GET /spot/orders/{order_id}"
      const direct = yield* Effect.result(call("GET", "/spot/orders/{order_id}", { _tag: "private" }, Schemas.Order, {
        path: `/spot/orders/${orderPathId(ref)}`,
        params: { currency_pair: ref.symbol }
      }))
      if (Result.isSuccess(direct)) return yield* parsed(operation, direct.success, Parse.order(direct.success))
      const error = direct.failure
      if (!("clientOrderId" in ref) || error.reason._tag !== "UnknownOrder") return yield* error
      // A finished order is no longer found by its text: look among the pair's recent finished ones.
      const since = (yield* client.serverTime) - lookbackMs
      const finished = yield* listOrders(ref.symbol, "finished", since)
      const found = finished.find((o) => o.clientOrderId === ref.clientOrderId)
      if (found !== undefined) return found
      return yield* fail(operation, new UnknownOrder({
        symbol: ref.symbol,
        clientOrderId: ref.clientOrderId,
        venueMessage: `${error.reason.venueMessage}; not among the pair's orders finished in the last ${Math.round(lookbackMs / 1000)} s either`
      }))
    })

    const OpenOrdersByPair = Schemas.OpenOrdersByPair
    const openOrders = Effect.fn("GateRest.openOrders")(function*(symbol?: string) {
      if (symbol !== undefined) return yield* listOrders(symbol, "open")
      const answer = yield* call("GET", "/spot/open_orders", { _tag: "private" }, OpenOrdersByPair, { params: { limit: 100 } })
      const out: Array<Order> = []
      for (const group of answer) out.push(...(yield* parsed("GET /spot/open_orders", group, Parse.orders(group.orders))))
      return out as ReadonlyArray<Order>
    })

    const cancelAll = Effect.fn("GateRest.cancelAll")(function*(symbol: string) {
      const answer = yield* call("DELETE", "/spot/orders", { _tag: "cancel" }, Orders, { params: { currency_pair: symbol } })
      return (yield* parsed("DELETE /spot/orders", answer, Parse.orders(answer))) as ReadonlyArray<Order>
    })

    const myTrades = Effect.fn("GateRest.myTrades")(function*(
      symbol: string,
      options?: { readonly orderId?: string | undefined; readonly from?: number | undefined; readonly limit?: number | undefined }
    ) {
      const answer = yield* call("GET", "/spot/my_trades", { _tag: "private" }, Schema.Array(Schemas.Trade), {
        params: {
          currency_pair: symbol,
          order_id: options?.orderId,
          from: options?.from === undefined ? undefined : Math.floor(options.from / 1000),
          limit: options?.limit
        }
      })
      return (yield* parsed("GET /spot/my_trades", answer, Parse.fills(answer))) as ReadonlyArray<Fill>
    })

    const countdownCancelAll = Effect.fn("GateRest.countdownCancelAll")(function*(timeoutSeconds: number, symbol?: string) {
      const answer = yield* call("POST", "/spot/countdown_cancel_all", { _tag: "cancel" }, Schemas.CountdownCancelAll, {
        body: { timeout: Math.max(0, Math.floor(timeoutSeconds)), ...(symbol === undefined ? {} : { currency_pair: symbol }) }
      })
      return answer.triggerTime
    })

    return GateRest.of({
      serverTime: client.serverTime,
      instruments,
      orderBook,
      ticker,
      accounts,
      newOrder,
      cancelOrder,
      queryOrder,
      openOrders,
      cancelAll,
      myTrades,
      countdownCancelAll,
      channelAuth: (channel, event, time) =>
        options.credentials === undefined ? undefined : Signing.channelAuth(options.credentials, channel, event, time)
    })
  })

/** {@link GateRest} as a layer; needs an `HttpClient` and the venue's `RateLimiter`. */
export const layer = (options: Options = {}): Layer.Layer<GateRest, ExchangeError, HttpClient.HttpClient | RateLimiter> =>
  Layer.effect(GateRest, make(options))

/**
 * {@link layer} with Node's HTTP client (undici, an agent of its own, closed with the layer), requests
 * sent straight through it (`Transport.layerNode`).
 * Still needs the venue's `RateLimiter` (`GateQuotas.layer`), shared with the public side.
 */
export const layerNode = (options: Options = {}): Layer.Layer<GateRest, ExchangeError, RateLimiter> =>
  layer(options).pipe(Layer.provide(Transport.layerNode))
