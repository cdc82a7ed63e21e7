/**
 * The start-up steps every simulated venue takes the same way, whatever dialect it then serves:
 * the engine and its synthetic market from the options (seed checked, demo account first), the
 * faults switched on from the start, the fault switchboard's operations on the shared
 * `FaultState`, and the recurring faults of the CLI's `--*-every` flags. Each venue's server adds
 * what is its own (MEXC's listen-key faults, Gate's countdown switches) on top.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Redacted, type Scope } from "effect"
import { demoAccount, SimEngine } from "../engine/Engine.ts"
import type { MidDriver } from "../engine/Correlated.ts"
import type { SymbolConfig } from "../engine/Symbols.ts"
import { SyntheticMarket, type SyntheticSymbolParams } from "../engine/SyntheticMarket.ts"
import type { AccountSpec, DepthSnapshot } from "../engine/Types.ts"
import type { FaultControl } from "./Admin.ts"
import type { FaultState, InitialFaults } from "./Faults.ts"

/** A request URL split at its `?`: the path, and the query string without the `?`. */
export const splitUrl = (url: string): { readonly path: string; readonly query: string } => {
  const q = url.indexOf("?")
  return q < 0 ? { path: url, query: "" } : { path: url.slice(0, q), query: url.slice(q + 1) }
}

/** What a venue's engine and market are built from (each venue spells its symbols its own way first). */
export interface EngineSetup {
  /** The service starting, named in the seed's error (`SimExchange`, `GateSim`). */
  readonly service: string
  /** Seed of the synthetic market, an integer from 0 to 4294967295. Default 1. */
  readonly seed?: number | undefined
  /** Demo account API key. Default `sim-key`. */
  readonly apiKey?: string | undefined
  /** Demo account secret. Default `sim-secret`. */
  readonly apiSecret?: string | Redacted.Redacted<string> | undefined
  /** More accounts, after the demo account. */
  readonly accounts?: ReadonlyArray<AccountSpec> | undefined
  /** The venue's symbols (undefined: the engine's defaults). */
  readonly symbols: ReadonlyArray<SymbolConfig> | undefined
  readonly maxOpenOrders?: number | undefined
  /** `false`: no market (empty books); else its per-symbol parameters (undefined: the market's defaults) and mid driver. */
  readonly market:
    | false
    | { readonly params: Readonly<Record<string, SyntheticSymbolParams>> | undefined; readonly driver: MidDriver | undefined }
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
 * Builds a venue's engine (the demo account first, then `accounts`) and its synthetic market.
 * A seed outside 0..4294967295 is a defect (`RangeError`): the market's generator uses 32 bits.
 */
export const startEngine = Effect.fnUntraced(function*(setup: EngineSetup) {
  const startedAt = yield* Clock.currentTimeMillis
  const seed = setup.seed ?? 1
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    return yield* Effect.die(new RangeError(`${setup.service}: seed must be an integer from 0 to 4294967295 (got ${seed})`))
  }
  const apiKey = setup.apiKey ?? demoAccount.apiKey
  const apiSecret = setup.apiSecret === undefined
    ? demoAccount.secret
    : typeof setup.apiSecret === "string"
    ? setup.apiSecret
    : Redacted.value(setup.apiSecret)
  const engine = SimEngine.make({
    symbols: setup.symbols,
    maxOpenOrders: setup.maxOpenOrders,
    accounts: [{ apiKey, secret: apiSecret }, ...(setup.accounts ?? [])]
  })
  const market = setup.market === false
    ? undefined
    : SyntheticMarket.make(engine, { seed, params: setup.market.params, driver: setup.market.driver }, startedAt)
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
