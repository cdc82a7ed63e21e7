/**
 * The start-up steps every simulated venue takes the same way, whatever dialect it then serves:
 * the engine and its synthetic market from the options (seed checked, demo account first), the
 * faults switched on from the start, the fault switchboard's operations on the shared
 * `FaultState`, and the recurring faults of the CLI's `--*-every` flags. Each venue's server adds
 * what is its own (MEXC's listen-key faults, Gate's countdown switches) on top.
 *
 * @since 0.1.0
 */
import type * as Http from "node:http"
import { Clock, Duration, Effect, Redacted, type Scope } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { demoAccount, SimEngine } from "../engine/Engine.ts"
import type { MidDriver } from "../engine/Correlated.ts"
import type { SymbolConfig } from "../engine/Symbols.ts"
import { SyntheticMarket, type SyntheticSymbolParams } from "../engine/SyntheticMarket.ts"
import type { DepthSnapshot } from "../engine/Types.ts"
import type { FaultControl } from "./Admin.ts"
import type { FaultState, InitialFaults } from "./Faults.ts"

/** A request URL split at its `?`: the path, and the query string without the `?`. */
export const splitUrl = (url: string): { readonly path: string; readonly query: string } => {
  const q = url.indexOf("?")
  return q < 0 ? { path: url, query: "" } : { path: url.slice(0, q), query: url.slice(q + 1) }
}

/** An extra account: API key, secret, and optionally its balances (asset -> free amount). */
export interface SimAccount {
  readonly apiKey: string
  readonly secret: string
  readonly balances?: Readonly<Record<string, string>> | undefined
}

/** How to run any simulated venue; each venue's options add its own (symbols, quotas, WebSocket limits). Every field is optional. */
export interface VenueOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** Port to bind; 0 (the default) picks a free one. */
  readonly port?: number | undefined
  /** Seed of the synthetic market, an integer from 0 to 4294967295 (its generator uses 32 bits). Default 1. */
  readonly seed?: number | undefined
  /** Demo account API key. Default `sim-key`. */
  readonly apiKey?: string | undefined
  /** Demo account secret. Default `sim-secret`. */
  readonly apiSecret?: string | Redacted.Redacted<string> | undefined
  /** More accounts, funded like the demo account unless they say otherwise. */
  readonly accounts?: ReadonlyArray<SimAccount> | undefined
  /**
   * The synthetic market: `false` leaves the books empty (tests that want full control),
   * or per-symbol parameters (keys in the venue's spelling). Default: on, with the engine's defaults.
   */
  readonly market?:
    | false
    | {
      readonly params?: Readonly<Record<string, SyntheticSymbolParams>> | undefined
      /** Where the mids come from (correlated venues, see `SimVenues`); default the market's own walk. */
      readonly driver?: MidDriver | undefined
    }
    | undefined
  /** Open orders a client account may hold before new orders are refused. Default 500. */
  readonly maxOpenOrders?: number | undefined
  /** Faults on from the start (the listen-key ones only where the venue has listen keys). */
  readonly faults?: InitialFaults | undefined
}

/** The `RangeError` of a seed that is not an integer from 0 to 4294967295 (the market's generator uses 32 bits), else undefined. */
export const seedError = (service: string, seed: number): RangeError | undefined =>
  Number.isSafeInteger(seed) && seed >= 0 && seed <= 0xffff_ffff
    ? undefined
    : new RangeError(`${service}: seed must be an integer from 0 to 4294967295 (got ${seed})`)

/** What every running simulated venue offers besides its URLs (each venue's shape extends it). */
export interface RunningVenue {
  /** The interface bound, as asked. */
  readonly host: string
  readonly port: number
  /** The demo account's credentials. */
  readonly credentials: { readonly apiKey: string; readonly apiSecret: Redacted.Redacted<string> }
  /** The exchange core (orders, balances, books); synchronous, time passed in. */
  readonly engine: SimEngine
  /** The synthetic market, unless disabled. */
  readonly market: SyntheticMarket | undefined
  /** The fault switchboard (the admin endpoint under `/sim/` drives the same operations). */
  readonly faults: FaultControl
}

/** A venue's engine and market, built. */
export interface EngineStarted {
  /** Epoch ms (Effect's `Clock`) at start. */
  readonly startedAt: number
  readonly seed: number
  /** The demo account's credentials. */
  readonly credentials: { readonly apiKey: string; readonly apiSecret: Redacted.Redacted<string> }
  readonly engine: SimEngine
  /** The synthetic market, unless disabled. */
  readonly market: SyntheticMarket | undefined
}

/**
 * Builds a venue's engine (the demo account first, then `accounts`) and its synthetic market, on
 * the venue's `symbols` (undefined: the engine's defaults) with the market's per-symbol `params`
 * (undefined: the market's defaults). A seed outside 0..4294967295 is a defect (`RangeError`).
 */
export const startEngine = Effect.fnUntraced(function*(
  service: string,
  options: VenueOptions,
  venue: {
    readonly symbols: ReadonlyArray<SymbolConfig> | undefined
    readonly params: Readonly<Record<string, SyntheticSymbolParams>> | undefined
  }
) {
  const startedAt = yield* Clock.currentTimeMillis
  const seed = options.seed ?? 1
  const invalid = seedError(service, seed)
  if (invalid !== undefined) return yield* Effect.die(invalid)
  const apiKey = options.apiKey ?? demoAccount.apiKey
  const apiSecret = options.apiSecret === undefined
    ? demoAccount.secret
    : typeof options.apiSecret === "string"
    ? options.apiSecret
    : Redacted.value(options.apiSecret)
  const engine = SimEngine.make({
    symbols: venue.symbols,
    maxOpenOrders: options.maxOpenOrders,
    accounts: [{ apiKey, secret: apiSecret }, ...(options.accounts ?? [])]
  })
  const market = options.market === false
    ? undefined
    : SyntheticMarket.make(engine, { seed, params: venue.params, driver: options.market?.driver }, startedAt)
  return {
    startedAt,
    seed,
    credentials: { apiKey, apiSecret: Redacted.make(apiSecret) },
    engine,
    market
  } satisfies EngineStarted
})

/**
 * Applies the faults on from the start that every venue has (the CLI's fault flags). MEXC's
 * listen-key ones (`keepAliveFailures`) are its own server's to apply.
 */
export const applyInitialFaults = (faults: FaultState, initial: InitialFaults, startedAt: number): void => {
  if (initial.refuseConnectionsSeconds) faults.refuseUntil = startedAt + initial.refuseConnectionsSeconds * 1000
  faults.silent = initial.silent ?? false
  faults.malformedFrames = initial.malformedFrames ?? 0
  faults.restLatencyMs = initial.restLatencyMs ?? 0
  faults.wsLatencyMs = initial.wsLatencyMs ?? 0
  faults.depthSnapshotStart = initial.depthSnapshotStart ?? "alternate"
  if (initial.loseAnswers !== undefined) {
    faults.answersLost = initial.loseAnswers.count
    faults.answerLoss = initial.loseAnswers.loss ?? { mode: "cut" }
  }
  faults.notYetVisibleMs = initial.notYetVisibleMs ?? 0
  if (initial.silentPrivate) faults.privateSilenced.add("*")
  if (initial.restFailures !== undefined) {
    faults.restFailures = initial.restFailures.count
    faults.restFailure = { status: initial.restFailures.status ?? 503, retryAfterSeconds: initial.restFailures.retryAfterSeconds ?? 1 }
  }
}

/**
 * The fault switchboard's operations on `faults`, for a venue serving `engine`'s books over
 * `connections`. The listen-key operations answer as a venue without listen keys does (nothing to
 * invalidate, fail or expire); MEXC's server replaces them.
 */
export const faultSwitchboard = (
  faults: FaultState,
  engine: SimEngine,
  connections: { dropAll(): number }
): FaultControl => ({
  dropConnections: Effect.sync(() => connections.dropAll()),
  refuseConnections: (seconds) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      faults.refuseUntil = now + seconds * 1000
    }),
  silence: (on) => Effect.sync(() => void (faults.silent = on)),
  malformedFrames: (count) => Effect.sync(() => void (faults.malformedFrames = count)),
  depthGap: (symbol) => Effect.sync(() => void faults.depthGaps.add(symbol ?? "*")),
  staleSnapshot: (symbol) =>
    Effect.sync(() => {
      const snapshots = new Map<string, DepthSnapshot>()
      for (const config of engine.symbols()) {
        if (symbol !== undefined && config.symbol !== symbol) continue
        snapshots.set(config.symbol, engine.depth(config.symbol, 5000)!)
      }
      faults.staleSnapshots.set(symbol ?? "*", snapshots)
    }),
  reorderDepth: (symbol) => Effect.sync(() => void faults.depthReorders.add(symbol ?? "*")),
  duplicateDepth: (symbol) => Effect.sync(() => void faults.depthDuplicates.add(symbol ?? "*")),
  depthSnapshotStart: (mode) => Effect.sync(() => void (faults.depthSnapshotStart = mode)),
  latency: ({ restMs, wsMs }) =>
    Effect.sync(() => {
      if (restMs !== undefined) faults.restLatencyMs = restMs
      if (wsMs !== undefined) faults.wsLatencyMs = wsMs
    }),
  failNextRest: (count, failure) =>
    Effect.sync(() => {
      faults.restFailures = count
      faults.restFailure = { status: failure?.status ?? 503, retryAfterSeconds: failure?.retryAfterSeconds ?? 1 }
    }),
  loseAnswers: (count, loss) =>
    Effect.sync(() => {
      faults.answersLost = count
      faults.answerLoss = loss ?? { mode: "cut" }
    }),
  notYetVisible: (ms) => Effect.sync(() => void (faults.notYetVisibleMs = ms)),
  silencePrivate: (on, key) =>
    Effect.sync(() => {
      const k = key ?? "*"
      if (on) faults.privateSilenced.add(k)
      else if (k === "*") faults.privateSilenced.clear()
      else faults.privateSilenced.delete(k)
    }),
  invalidateListenKey: () => Effect.succeed(false),
  failKeepAlives: () => Effect.void,
  expireListenKeys: Effect.succeed(0),
  reset: Effect.sync(() => faults.reset()),
  snapshot: Effect.map(Clock.currentTimeMillis, (now) => faults.snapshot(now))
})

/** Forks `action` into the current scope every `seconds` (nothing when `seconds` is absent or not positive). */
export const repeatEvery = (seconds: number | undefined, action: Effect.Effect<unknown>): Effect.Effect<void, never, Scope.Scope> =>
  seconds === undefined || seconds <= 0
    ? Effect.void
    : Effect.asVoid(Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(Duration.seconds(seconds)), action))))

/** Starts the recurring faults every venue has (the CLI's `--*-every` flags) in the current scope. */
export const startRecurringFaults = (
  initial: InitialFaults | undefined,
  control: FaultControl
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    yield* repeatEvery(initial?.dropConnectionsEverySeconds, control.dropConnections)
    yield* repeatEvery(initial?.depthGapEverySeconds, control.depthGap())
    yield* repeatEvery(initial?.staleSnapshotEverySeconds, control.staleSnapshot())
    yield* repeatEvery(initial?.depthReorderEverySeconds, control.reorderDepth())
    yield* repeatEvery(initial?.depthDuplicateEverySeconds, control.duplicateDepth())
  })

/**
 * Sends `answer` unless the answer-lost fault takes it: a state-changing call (not `GET`) that was
 * carried out then has its connection cut (an empty response on a destroyed socket) or its answer
 * held `delayMs` first, so the client never learns, or learns too late, how it went.
 */
export const answerUnlessLost = <E, R>(
  request: HttpServerRequest,
  faults: FaultState,
  answer: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  Effect.gen(function*() {
    const loss = request.method === "GET" ? undefined : faults.takeAnswerLoss()
    if (loss?.mode === "cut") {
      ;(request.source as Http.IncomingMessage).socket.destroy()
      return HttpServerResponse.empty()
    }
    if (loss?.mode === "delay") yield* Effect.sleep(Duration.millis(loss.delayMs))
    return yield* answer
  })
