/**
 * The simulated MEXC exchange as a scoped service: one HTTP port serves REST under `/api/v3/...`,
 * the protobuf WebSocket at `/ws` (private streams at `/ws?listenKey=...`) and the fault admin
 * endpoint under `/sim/`. The synthetic market is stepped by a fiber the layer owns; closing the
 * layer's scope closes every WebSocket (clients still connected get a close frame, then their TCP
 * connection is destroyed if they linger), stops the server and the market, and leaves nothing
 * running.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const sim = yield* SimExchange
 *   // sim.restUrl = "http://127.0.0.1:<port>", sim.wsUrl = "ws://127.0.0.1:<port>/ws"
 *   yield* sim.faults.dropConnections
 * }).pipe(Effect.provide(SimExchange.layer()))
 * ```
 *
 * Time is Effect's `Clock`: REST timestamps, signature windows, listen-key expiry, rate-limit
 * windows and the market's steps all read it.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Option } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { Lifecycle } from "../lifecycle/index.ts"
import { MexcSigning } from "../venues/mexc/index.ts"
import { defaultSymbols, makeSymbol, type SymbolConfig } from "./engine/Symbols.ts"
import { defaultSyntheticParams, type SyntheticSymbolParams } from "./engine/SyntheticMarket.ts"
import type { FaultControl } from "./server/Admin.ts"
import { serveVenue } from "./server/Http.ts"
import { isApiError, parseParams, verifySigned } from "./server/mexc/Auth.ts"
import { AccountTrades } from "./server/AccountTrades.ts"
import { FaultState } from "./server/Faults.ts"
import { Feed } from "./server/mexc/Feed.ts"
import { ListenKeys } from "./server/mexc/ListenKeys.ts"
import { MarketStats } from "./server/MarketStats.ts"
import type { RateLimitOptions } from "./server/RateLimits.ts"
import { RateLimits } from "./server/RateLimits.ts"
import {
  answerUnlessLost,
  applyInitialFaults,
  faultSwitchboard,
  repeatEvery,
  splitUrl,
  startEngine,
  startRecurringFaults,
  type RunningVenue,
  type VenueOptions
} from "./server/Startup.ts"
import type { RestAnswer } from "./server/mexc/Rest.ts"
import { routes } from "./server/mexc/Rest.ts"
import type { WsOptions } from "./server/mexc/Ws.ts"
import { serveSession, WsRegistry } from "./server/mexc/Ws.ts"

/** An extra account: API key, secret, and optionally its balances (asset -> free amount). */
export type { SimAccount } from "./server/Startup.ts"

/** Faults switched on from the start (the standalone CLI's fault flags); defined beside the fault state. */
export type { InitialFaults } from "./server/Faults.ts"

/** How to run the simulator. Every field is optional; those every venue has are {@link VenueOptions}'. */
export interface SimOptions extends VenueOptions {
  /** Lifecycle component name (several simulators in one program). Default `sim`. */
  readonly name?: string | undefined
  /** Symbols. Default BTCUSDT, ETHUSDT, HIFIUSDT. */
  readonly symbols?: ReadonlyArray<SymbolConfig> | undefined
  /**
   * How many more symbols to list besides `symbols`: `SIM1USDT` ... `SIM<n>USDT` (see
   * {@link extraSymbols}), each with a synthetic market unless `market` is `false`. For clients
   * and strategies that follow many symbols (MEXC allows 30 subscriptions per connection, so
   * 100 channels need several). Default 0.
   */
  readonly extraSymbols?: number | undefined
  /** Request quotas. Default: 500 per 10 s per endpoint and key/IP. */
  readonly rateLimits?: RateLimitOptions | undefined
  /** WebSocket limits (subscriptions, idle timeouts). Default: MEXC's. */
  readonly ws?: WsOptions | undefined
  /** Listen-key validity without keep-alive. Default 60 minutes. */
  readonly listenKeyValidity?: Duration.Input | undefined
}

/**
 * `count` generated USDT pairs, `SIM1USDT` ... `SIM<count>USDT` (base asset `SIM<i>`, prices to
 * 4 decimals, whole-unit quantities, minimum notional 1 USDT, like HIFIUSDT), and the parameters of
 * their synthetic markets (mid 1 USDT, 1,000 per level). The demo account gets 100 of each base
 * asset (`fundingFor`).
 */
export const extraSymbols = (count: number): {
  readonly symbols: ReadonlyArray<SymbolConfig>
  readonly params: Readonly<Record<string, SyntheticSymbolParams>>
} => {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`extraSymbols: count must be a whole number >= 0 (got ${count})`)
  const symbols: Array<SymbolConfig> = []
  const params: Record<string, SyntheticSymbolParams> = {}
  for (let i = 1; i <= count; i++) {
    const symbol = makeSymbol({
      symbol: `SIM${i}USDT`,
      baseAsset: `SIM${i}`,
      quoteAsset: "USDT",
      fullName: `Simulated ${i}`,
      baseAssetPrecision: 2,
      quoteAssetPrecision: 4,
      baseSizePrecision: "1"
    })
    symbols.push(symbol)
    params[symbol.symbol] = { initialMid: "1", levelQty: "1000" }
  }
  return { symbols, params }
}

/** The running simulator: its URLs, and what every simulated venue offers ({@link RunningVenue}). */
export interface SimExchangeShape extends RunningVenue {
  /** REST base URL, like `https://api.mexc.com`: `http://127.0.0.1:<port>`. */
  readonly restUrl: string
  /** Market-data WebSocket URL: `ws://127.0.0.1:<port>/ws` (append `?listenKey=` for private). */
  readonly wsUrl: string
}

/** The simulated MEXC exchange. */
export class SimExchange extends Context.Service<SimExchange, SimExchangeShape>()("scoped-exchange/sim/SimExchange") {}

const json = (answer: RestAnswer) =>
  HttpServerResponse.jsonUnsafe(answer.body, { status: answer.status, headers: answer.headers })

const errorResponse = (status: number, code: number, msg: string, headers?: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe({ code, msg }, { status, headers })

/** The driver's cadence: 10 ms windows; 100 ms windows every tenth. */
const windowMs = 10

/** Builds the simulator in the current scope. */
export const make = Effect.fnUntraced(function*(options: SimOptions = {}) {
  const extra = extraSymbols(options.extraSymbols ?? 0)
  const { credentials, engine, market, startedAt } = yield* startEngine("SimExchange", options, {
    symbols: extra.symbols.length === 0 ? options.symbols : [...(options.symbols ?? defaultSymbols), ...extra.symbols],
    params: options.market === false ? undefined : extra.symbols.length === 0
      ? options.market?.params
      : { ...(options.market?.params ?? defaultSyntheticParams), ...extra.params }
  })

  const faults = new FaultState()
  const initial = options.faults
  if (initial !== undefined) {
    applyInitialFaults(faults, initial, startedAt)
    faults.keepAliveFailures = initial.keepAliveFailures ?? 0
  }
  const listenKeys = new ListenKeys(
    options.listenKeyValidity === undefined ? undefined : Duration.toMillis(Duration.fromInputUnsafe(options.listenKeyValidity))
  )
  const rateLimits = new RateLimits(options.rateLimits)
  const registry = new WsRegistry(faults)
  const feed = new Feed(engine, registry, faults)
  feed.now = startedAt
  const stats = new MarketStats(engine)
  yield* Effect.addFinalizer(() => Effect.sync(() => stats.close()))
  const trades = new AccountTrades(engine)
  yield* Effect.addFinalizer(() => Effect.sync(() => trades.close()))
  const table = routes({
    engine,
    listenKeys,
    stats,
    depth: (symbol, limit) => feed.depthSnapshot(symbol, limit),
    faults,
    trades,
    closeStreams: (keys) => registry.expireListenKeys(keys)
  })
  const secretOf = (key: string) => engine.account(key)?.secret
  const wsDeps = {
    faults,
    hasSymbol: (symbol: string) => engine.symbol(symbol) !== undefined,
    listenKeyOwner: (key: string, now: number) => listenKeys.owner(key, now),
    onSubscribe: feed.onSubscribe.bind(feed)
  }
  const control: FaultControl = {
    ...faultSwitchboard(faults, engine, registry),
    invalidateListenKey: (listenKey) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (!listenKeys.expireOne(listenKey, now)) return false
        registry.expireListenKeys([listenKey])
        return true
      }),
    failKeepAlives: (count) => Effect.sync(() => void (faults.keepAliveFailures = count)),
    expireListenKeys: Effect.sync(() => {
      const expired = listenKeys.expireAll()
      registry.expireListenKeys(expired)
      return expired.length
    }),
  }

  const rest = (request: HttpServerRequest, path: string, query: string) =>
    Effect.gen(function*() {
      const route = table.get(`${request.method} ${path}`)
      if (route === undefined) return errorResponse(404, -1, `Not found: ${request.method} ${path}`)
      if (faults.restLatencyMs > 0) yield* Effect.sleep(Duration.millis(faults.restLatencyMs))
      const body = request.method === "GET" ? "" : yield* request.text.pipe(Effect.orElseSucceed(() => ""))
      const now = yield* Clock.currentTimeMillis
      feed.now = now
      const failure = faults.takeRestFailure()
      if (failure !== undefined && (failure.status === 429 || failure.status === 418)) {
        return errorResponse(failure.status, failure.status, "Too many requests", {
          "retry-after": String(failure.retryAfterSeconds)
        })
      }
      const unknownOutcome = () =>
        errorResponse(failure!.status, failure!.status, "Internal error: the request's outcome is unknown")
      if (failure !== undefined && request.method === "GET") return unknownOutcome()
      // From here a 5xx fault answers the call whatever happened: carried out if it passed the
      // checks (the call took effect, the client cannot know), refused otherwise.
      const headerKey = request.headers["x-mexc-apikey"]
      const ip = `ip:${Option.getOrElse(request.remoteAddress, () => "?")}`
      const identity = route.signed && headerKey ? `key:${headerKey}` : ip
      const decision = rateLimits.check(`${request.method} ${path}`, identity, now, ip)
      if (decision._tag !== "Allowed") {
        if (failure !== undefined) return unknownOutcome()
        const retryAfter = { "retry-after": String(decision.retryAfterSeconds) }
        return decision._tag === "Limited"
          ? errorResponse(429, 429, "Too many requests", retryAfter)
          : errorResponse(418, 418, "IP banned: requests kept coming after 429", retryAfter)
      }
      const params = parseParams(query, body)
      let accountKey = ""
      if (route.signed) {
        const verified = verifySigned(headerKey, params, now, secretOf)
        if (isApiError(verified)) {
          return failure !== undefined ? unknownOutcome() : errorResponse(verified.status, verified.code, verified.msg)
        }
        accountKey = verified.apiKey
      }
      const answer = route.handle({ request: params, apiKey: accountKey, now })
      if (failure !== undefined) return unknownOutcome()
      return yield* answerUnlessLost(request, faults, Effect.sync(() => json(answer)))
    })

  const bound = yield* serveVenue({
    host: options.host,
    port: options.port,
    faults,
    control,
    registry,
    isWsPath: (path) => path === "/ws",
    refused: () => errorResponse(503, 503, "Service unavailable: connections refused"),
    serveWs: (request) => serveSession(request, registry, wsDeps, options.ws ?? {}),
    rest: (request, url) => {
      const { path, query } = splitUrl(url)
      return rest(request, path, query)
    },
    onClose: () => feed.close()
  })

  // Recurring faults from the start (the CLI's --*-every flags).
  yield* startRecurringFaults(initial, control)
  yield* repeatEvery(initial?.expireListenKeysEverySeconds, control.expireListenKeys)

  // The driver: flushes the push windows, then steps the market. Stepping after the flush
  // leaves the step's changes pending until the next window, on the 10 ms channels as on the
  // 100 ms ones, so a REST snapshot taken in between can straddle the next push's versions.
  yield* Effect.forkScoped(Effect.gen(function*() {
    let last100 = startedAt
    let lastSweep = startedAt
    while (true) {
      yield* Effect.sleep(Duration.millis(windowMs))
      const now = yield* Clock.currentTimeMillis
      feed.now = now
      feed.flush("10ms")
      if (now - last100 >= 100) {
        last100 = now
        feed.flush("100ms")
      }
      market?.step(now)
      if (now - lastSweep >= 1_000) {
        lastSweep = now
        const expired = listenKeys.expire(now)
        if (expired.length > 0) registry.expireListenKeys(expired)
      }
    }
  }))

  return SimExchange.of({
    restUrl: `http://${bound.host}:${bound.port}`,
    wsUrl: `ws://${bound.host}:${bound.port}/ws`,
    host: bound.bound,
    port: bound.port,
    credentials,
    engine,
    market,
    faults: control
  })
})

/** The simulator as a scoped layer (127.0.0.1, free port by default). */
export const layer = (options: SimOptions = {}) =>
  Layer.effect(SimExchange, make(options)).pipe(Lifecycle.component({ name: options.name ?? "sim", stopBudget: "2 seconds" }))

/** Signs `params` for the demo account at `timestamp` (tests and examples). */
export const signQuery = (sim: SimExchangeShape, params: Readonly<Record<string, string | number | undefined>>, timestamp: number) =>
  MexcSigning.signQuery(sim.credentials.apiSecret, params, timestamp)
