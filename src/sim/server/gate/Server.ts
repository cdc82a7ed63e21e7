/**
 * The Gate.io Spot v4 side of the simulator on its own port: REST under `/api/v4`, the WebSocket
 * at `/ws/v4/`, the fault admin endpoint under `/sim/`, on a shared-engine exchange (its own
 * engine instance: its own accounts and books). Built in the caller's scope; closing the scope
 * closes every connection and stops the driver.
 *
 * Around each REST handler, in order: route lookup (404 `NOT_FOUND`, 405 `METHOD_NOT_ALLOWED`),
 * the latency fault, the REST failure fault (429 / 5xx), the quota (429 `TOO_MANY_REQUESTS`),
 * signature checks on private routes (401), the handler, then the answer-loss fault. Every answer
 * carries `X-In-Time`, `X-Out-Time` (µs), `X-Gate-Trace-Id`, the `X-Gate-RateLimit-*` headers and
 * echoes `X-Client-Request-Id`.
 *
 * @since 0.1.0
 */
import type * as Http from "node:http"
import { Clock, Duration, Effect, Option } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { SimEngine } from "../../engine/Engine.ts"
import type { DepthSnapshot } from "../../engine/Types.ts"
import type { SyntheticMarket } from "../../engine/SyntheticMarket.ts"
import type { FaultControl } from "../Admin.ts"
import { FaultState, type InitialFaults } from "../Faults.ts"
import { serveVenue } from "../Http.ts"
import { MarketStats } from "../MarketStats.ts"
import { answerUnlessLost, applyInitialFaults, faultSwitchboard, splitUrl, startRecurringFaults } from "../Startup.ts"
import { GateAccounts } from "./Accounts.ts"
import { verifyRest } from "./Auth.ts"
import { GateFeed } from "./Feed.ts"
import { GateQuotas, type GateRateLimitOptions, quotaHeaders } from "./Quotas.ts"
import { fireCountdowns, type GateRestOptions, gateRoutes, matchRoute } from "./Rest.ts"
import { GateRegistry, type GateWsOptions, serveGateSession } from "./Ws.ts"

/** How to run the Gate side. */
export interface GateServerOptions {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly rateLimits?: GateRateLimitOptions | undefined
  readonly rest?: GateRestOptions | undefined
  /** WebSocket limits (idle timeout, connection age, inbound rate, outbox). */
  readonly ws?: GateWsOptions | undefined
  /** Seed of the feed's irregular full book pushes. Default 1. */
  readonly seed?: number | undefined
  /** Chance that a book push is `full: true` instead of an increment. Default 0.01. */
  readonly fullPushChance?: number | undefined
  /** Faults on from the start (listen-key faults do not apply to Gate). */
  readonly faults?: InitialFaults | undefined
}

/** The running Gate side. */
export interface GateServer {
  /** `http://127.0.0.1:<port>` (the API is under `/api/v4`). */
  readonly baseUrl: string
  /** `http://127.0.0.1:<port>/api/v4`, Gate's REST base URL. */
  readonly restUrl: string
  /** `ws://127.0.0.1:<port>/ws/v4/`. */
  readonly wsUrl: string
  readonly host: string
  readonly port: number
  readonly faults: FaultControl
  readonly faultState: FaultState
  /** Subscriptions now open, one entry per connection and stream (`spot.orders|<apiKey>` for private ones). */
  readonly subscriptions: () => ReadonlyArray<string>
}

let traceSeq = 0

/** Serves the Gate dialect for `engine` (and `market`, stepped by the driver) until the scope closes. */
export const makeGateServer = Effect.fnUntraced(function*(
  engine: SimEngine,
  market: SyntheticMarket | undefined,
  options: GateServerOptions,
  faults: FaultState = new FaultState()
) {
  const startedAt = yield* Clock.currentTimeMillis
  if (options.faults !== undefined) applyInitialFaults(faults, options.faults, startedAt)
  const stats = new MarketStats(engine)
  yield* Effect.addFinalizer(() => Effect.sync(() => stats.close()))
  const accounts = new GateAccounts(engine)
  yield* Effect.addFinalizer(() => Effect.sync(() => accounts.close()))
  const quotas = new GateQuotas(options.rateLimits)
  const bookUpdatedAt = new Map<string, number>()
  for (const config of engine.symbols()) {
    bookUpdatedAt.set(config.symbol, startedAt)
    const unsubscribe = engine.subscribeDepth(config.symbol, (change) => void bookUpdatedAt.set(change.symbol, lastNow))
    yield* Effect.addFinalizer(() => Effect.sync(unsubscribe))
  }
  let lastNow = startedAt
  const registry = new GateRegistry(faults)
  registry.now = startedAt
  const feed = new GateFeed(engine, registry, faults, accounts, stats, {
    seed: options.seed ?? 1,
    fullPushChance: options.fullPushChance
  })
  feed.now = startedAt
  const depth = (pair: string, limit: number): DepthSnapshot | undefined => feed.depthSnapshot(pair, limit)
  const routes = gateRoutes({
    engine,
    stats,
    accounts,
    faults,
    depth,
    bookUpdatedAt: (pair) => bookUpdatedAt.get(pair),
    options: options.rest
  })
  const secretOf = (key: string) => engine.account(key)?.secret

  const respond = (status: number, body: unknown, headers: Record<string, string>) =>
    HttpServerResponse.jsonUnsafe(body, { status, headers })

  const rest = (request: HttpServerRequest, rawUrl: string) =>
    Effect.gen(function*() {
      const inTime = (yield* Clock.currentTimeMillis) * 1000
      const { path, query } = splitUrl(rawUrl)
      const headers: Record<string, string> = { "x-in-time": String(inTime), "x-gate-trace-id": (++traceSeq).toString(16).padStart(32, "0") }
      const requestId = request.headers["x-client-request-id"]
      if (requestId !== undefined) headers["x-client-request-id"] = requestId
      const answer = (status: number, body: unknown) =>
        Effect.map(Clock.currentTimeMillis, (now) => respond(status, body, { ...headers, "x-out-time": String(now * 1000) }))
      const error = (status: number, label: string, message: string) => answer(status, { label, message })

      const matched = path.startsWith("/api/v4/") ? matchRoute(routes, request.method, path.slice("/api/v4".length)) : undefined
      if (matched === undefined) return yield* error(404, "NOT_FOUND", `Not found: ${request.method} ${path}`)
      if (matched === "method") return yield* error(405, "METHOD_NOT_ALLOWED", `Method not allowed: ${request.method} ${path}`)
      const { pathParams, route } = matched
      if (faults.restLatencyMs > 0) yield* Effect.sleep(Duration.millis(faults.restLatencyMs))
      const body = request.method === "GET" ? "" : yield* request.text.pipe(Effect.orElseSucceed(() => ""))
      const now = yield* Clock.currentTimeMillis
      lastNow = now
      feed.now = now
      registry.now = now
      const failure = faults.takeRestFailure()
      if (failure !== undefined && (failure.status === 429 || failure.status === 418)) {
        headers["retry-after"] = String(failure.retryAfterSeconds)
        return yield* error(failure.status, "TOO_MANY_REQUESTS", "Request Rate limit Exceeded")
      }
      const unknownOutcome = () => error(failure!.status, "SERVER_ERROR", "Internal server error: the request's outcome is unknown")
      if (failure !== undefined && request.method === "GET") return yield* unknownOutcome()

      const key = request.headers["key"]
      const ip = `ip:${Option.getOrElse(request.remoteAddress, () => "?")}`
      const identity = route.signed && key ? `key:${key}` : ip
      let quotaKey = `${route.method} ${route.pattern} ${identity}`
      let parsed: unknown = undefined
      if (body !== "") {
        try {
          parsed = JSON.parse(body)
        } catch {
          parsed = Symbol.for("invalid")
        }
      }
      if (route.quota === "placement") {
        // Counted per account and currency pair.
        const pair = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["currency_pair"] : undefined
        quotaKey = `${identity} ${typeof pair === "string" ? pair : ""}`
      } else if (route.quota === "cancel") quotaKey = identity
      const decision = quotas.take(route.quota, quotaKey, now)
      Object.assign(headers, quotaHeaders(decision))
      if (!decision.allowed) {
        if (failure !== undefined) return yield* unknownOutcome()
        return yield* error(429, "TOO_MANY_REQUESTS", "Request Rate limit Exceeded")
      }
      let apiKey = ""
      if (route.signed) {
        const verified = verifyRest({
          method: request.method,
          path,
          query,
          body,
          key,
          timestamp: request.headers["timestamp"],
          sign: request.headers["sign"]
        }, now, secretOf)
        if ("label" in verified) {
          return yield* (failure !== undefined ? unknownOutcome() : error(verified.status, verified.label, verified.message))
        }
        apiKey = verified.apiKey
      }
      if (typeof parsed === "symbol") {
        return yield* (failure !== undefined ? unknownOutcome() : error(400, "INVALID_REQUEST_BODY", "Request body is not valid JSON"))
      }
      let queryParams: URLSearchParams
      try {
        queryParams = new URLSearchParams(query)
      } catch {
        queryParams = new URLSearchParams()
      }
      let result: { readonly status: number; readonly body: unknown }
      try {
        result = route.handle({ query: queryParams, pathParams, body: parsed, apiKey, now })
      } catch (cause) {
        // A simulator bug: answered as Gate answers its own failures, and logged.
        yield* Effect.logError("Gate REST handler failed", cause)
        result = { status: 500, body: { label: "INTERNAL", message: "Internal server error" } }
      }
      if (failure !== undefined) return yield* unknownOutcome()
      return yield* answerUnlessLost(request, faults, answer(result.status, result.body))
    })

  const control = faultSwitchboard(faults, engine, registry)
  const refusedPairs = new Set(options.ws?.refusedPairs ?? [])
  const wsDeps = {
    faults,
    hasPair: (pair: string) => engine.symbol(pair) !== undefined && !refusedPairs.has(pair),
    secretOf,
    onSubscribe: feed.onSubscribe.bind(feed)
  }

  const bound = yield* serveVenue({
    host: options.host,
    port: options.port,
    faults,
    control,
    registry,
    // The URL as the client sent it: signatures are checked over the query string as sent.
    urlOf: (request) => (request.source as Http.IncomingMessage).url ?? request.url,
    isWsPath: (path) => path === "/ws/v4/" || path === "/ws/v4",
    refused: () => respond(503, { label: "SERVER_ERROR", message: "Service unavailable: connections refused" }, {}),
    serveWs: (request) => serveGateSession(request, registry, wsDeps, options.ws ?? {}),
    rest,
    onClose: () => feed.close()
  })

  // Recurring faults from the start (the CLI's --*-every flags).
  yield* startRecurringFaults(options.faults, control)

  // The driver: flushes the push windows, then steps the market and fires countdown switches.
  // Stepping after the flush leaves the step's changes pending until the next window.
  yield* Effect.forkScoped(Effect.gen(function*() {
    let windows = 0
    let last100 = startedAt
    let last1000 = startedAt
    while (true) {
      yield* Effect.sleep(Duration.millis(10))
      const now = yield* Clock.currentTimeMillis
      lastNow = now
      feed.now = now
      registry.now = now
      windows++
      feed.flush("10ms")
      if (windows % 2 === 0) feed.flush("20ms")
      if (now - last100 >= 100) {
        last100 = now
        feed.flush("100ms")
      }
      if (now - last1000 >= 1000) {
        last1000 = now
        feed.flush("1000ms")
      }
      market?.step(now)
      fireCountdowns(engine, accounts, now)
    }
  }))

  const baseUrl = `http://${bound.host}:${bound.port}`
  return {
    baseUrl,
    restUrl: `${baseUrl}/api/v4`,
    wsUrl: `ws://${bound.host}:${bound.port}/ws/v4/`,
    host: bound.bound,
    port: bound.port,
    faults: control,
    faultState: faults,
    subscriptions: () => {
      const out: Array<string> = []
      for (const session of registry.sessions) {
        for (const key of session.streams) out.push(key)
        for (const sub of session.privates.values()) out.push(`${sub.channel}|${sub.apiKey}`)
      }
      return out
    }
  } satisfies GateServer
})
