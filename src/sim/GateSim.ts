/**
 * The simulated Gate.io Spot v4 exchange as a scoped service: REST under `/api/v4`, the JSON
 * WebSocket at `/ws/v4/`, the fault admin endpoint under `/sim/`, on its own port, with its own
 * engine (accounts, books) and synthetic market. The same instruments as the MEXC side, spelt
 * Gate's way (`BTC_USDT`, `ETH_USDT`, `HIFI_USDT`), with the same rules.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const gate = yield* GateSim.GateSim
 *   // gate.restUrl = "http://127.0.0.1:<port>/api/v4", gate.wsUrl = "ws://127.0.0.1:<port>/ws/v4/"
 *   yield* gate.faults.failNextRest(3, { status: 429 })
 * }).pipe(Effect.provide(GateSim.layer({ seed: 42 })))
 * ```
 *
 * Time is Effect's `Clock`. See `docs/simulator.md`, "Gate.io".
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { Lifecycle } from "../lifecycle/index.ts"
import { defaultSymbols, type SymbolConfig } from "./engine/Symbols.ts"
import { defaultSyntheticParams, type SyntheticSymbolParams } from "./engine/SyntheticMarket.ts"
import type { GateRateLimitOptions } from "./server/gate/Quotas.ts"
import type { GateRestOptions } from "./server/gate/Rest.ts"
import { makeGateServer } from "./server/gate/Server.ts"
import { gateSymbol } from "./server/gate/Wire.ts"
import { type RunningVenue, startEngine, type VenueOptions } from "./server/Startup.ts"
import type { GateWsOptions } from "./server/gate/Ws.ts"
import { extraSymbols } from "./SimExchange.ts"

/** How to run the Gate simulator. Every field is optional; those every venue has are {@link VenueOptions}'. */
export interface GateSimOptions extends VenueOptions {
  /** Pairs, Gate-spelt (`symbol: "BTC_USDT"`). Default: the MEXC side's instruments renamed. */
  readonly symbols?: ReadonlyArray<SymbolConfig> | undefined
  /** Also list `SIM1_USDT` ... `SIM<n>_USDT` (the MEXC side's `extraSymbols`, Gate-spelt). Default 0. */
  readonly extraSymbols?: number | undefined
  /** Quotas; Gate's by default (see `Quotas.ts`). */
  readonly rateLimits?: GateRateLimitOptions | undefined
  /** Choices where the reference is uncertain (precision, post-only crossing, order-book limit). */
  readonly rest?: GateRestOptions | undefined
  /** WebSocket limits: `idleTimeout` (default 60 s), `maxConnectionAge`, `maxInboundPerSecond`, `outboxCapacity`. */
  readonly ws?: GateWsOptions | undefined
  /** Chance that a book push is a `full: true` snapshot instead of an increment (seeded). Default 0.01. */
  readonly fullPushChance?: number | undefined
}

/** The running Gate simulator. */
export interface GateSimShape extends RunningVenue {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string
  /** Gate's REST base URL: `http://127.0.0.1:<port>/api/v4`. */
  readonly restUrl: string
  /** `ws://127.0.0.1:<port>/ws/v4/`. */
  readonly wsUrl: string
  /**
   * The WebSocket subscriptions open now, one entry per connection and stream: public ones as
   * `spot.trades|BTC_USDT`, `spot.order_book_update|BTC_USDT|100ms`, `spot.obu|ob.BTC_USDT.50`,
   * private ones as `spot.orders|<apiKey>` (lets a test wait until a client subscribed).
   */
  readonly subscriptions: () => ReadonlyArray<string>
}

/** The simulated Gate.io exchange. */
export class GateSim extends Context.Service<GateSim, GateSimShape>()("scoped-exchange/sim/GateSim") {}

/** The default pairs: the MEXC side's instruments, Gate-spelt. */
export const defaultGateSymbols: ReadonlyArray<SymbolConfig> = defaultSymbols.map(gateSymbol)

/** Synthetic-market parameters keyed by Gate pair (`BTCUSDT` -> `BTC_USDT`). */
export const gateParams = (
  params: Readonly<Record<string, SyntheticSymbolParams>>,
  symbols: ReadonlyArray<SymbolConfig> = defaultSymbols
): Record<string, SyntheticSymbolParams> => {
  const out: Record<string, SyntheticSymbolParams> = {}
  for (const config of symbols) {
    const p = params[config.symbol]
    if (p !== undefined) out[gateSymbol(config).symbol] = p
  }
  return out
}

/** Builds the Gate simulator in the current scope. */
export const make = Effect.fnUntraced(function*(options: GateSimOptions = {}) {
  const extra = extraSymbols(options.extraSymbols ?? 0)
  const { credentials, engine, market, seed } = yield* startEngine("GateSim", options, {
    symbols: [...(options.symbols ?? defaultGateSymbols), ...extra.symbols.map(gateSymbol)],
    params: options.market === false ? undefined : {
      ...(options.market?.params ?? gateParams(defaultSyntheticParams)),
      ...gateParams(extra.params, extra.symbols)
    }
  })
  const server = yield* makeGateServer(engine, market, {
    host: options.host,
    port: options.port,
    rateLimits: options.rateLimits,
    rest: options.rest,
    ws: options.ws,
    seed,
    fullPushChance: options.fullPushChance,
    faults: options.faults
  })
  return GateSim.of({
    baseUrl: server.baseUrl,
    restUrl: server.restUrl,
    wsUrl: server.wsUrl,
    host: server.host,
    port: server.port,
    credentials,
    engine,
    market,
    faults: server.faults,
    subscriptions: server.subscriptions
  })
})

/** The Gate simulator as a scoped layer (127.0.0.1, free port by default). */
export const layer = (options: GateSimOptions = {}) =>
  Layer.effect(GateSim, make(options)).pipe(Lifecycle.component({ name: "sim-gate", stopBudget: "2 seconds" }))
