/**
 * The simulator as a venue: an adapter that connects a venue's dialect (MEXC's by default) to an
 * embedded simulator (started and stopped with the layer, on a free port) or to a standalone one
 * (`npm run sim`, by its URLs), with the demo account's credentials. The simulator may import the
 * venues; no venue imports the simulator.
 *
 * ```ts
 * // tests: the embedded simulator with its faults at hand, and both exchanges wired to it
 * Effect.provide(SimVenue.layerSim({ sim: { seed: 7 } }))
 * // the registry the CLI uses: `sim` beside every real venue
 * Venue.layer({ _tag: "sim", restUrl: "http://127.0.0.1:8080" }, {}, SimVenue.adapters)
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer, Redacted } from "effect"
import { ExchangeError, Transport } from "../exchange/ExchangeError.ts"
import type { PrivateExchange } from "../exchange/PrivateExchange.ts"
import type { PublicExchange } from "../exchange/PublicExchange.ts"
import * as Adapter from "../venues/Adapter.ts"
import * as Credentials from "../venues/Credentials.ts"
import * as MexcVenue from "../venues/mexc/MexcVenue.ts"
import * as Venue from "../venues/Venue.ts"
import * as GateSim from "./GateSim.ts"
import * as SimExchange from "./SimExchange.ts"

/** The simulator's demo account (`npm run sim` prints it). */
export const demoCredentials: Credentials.Credentials = {
  apiKey: Redacted.make("sim-key"),
  apiSecret: Redacted.make("sim-secret")
}

/** Options of {@link layerSim}. */
export interface SimLayerOptions {
  /** The embedded simulator's options (seed, symbols, market, ...). */
  readonly sim?: SimExchange.SimOptions | undefined
  /** Instance name (see `Adapter.Settings.name`); the simulator's component is then `sim:<name>`. */
  readonly name?: string | undefined
  readonly connection?: Adapter.ConnectionSettings | undefined
  /** The venue dialect the clients speak. Default MEXC's. */
  readonly dialect?: Adapter.Adapter | undefined
  /** The dialect's dead-man switch (see `Adapter.Settings.deadManSwitch`); Gate's simulator runs it. */
  readonly deadManSwitch?: Adapter.DeadManSwitchSettings | undefined
}

const startFailed = (cause: unknown) =>
  new ExchangeError({
    venue: "sim",
    operation: "start the simulator",
    reason: new Transport({ detail: cause instanceof Error ? cause.message : String(cause) })
  })

/** The embedded simulator, its start failure an `ExchangeError`. */
const embedded = (options: SimExchange.SimOptions) =>
  SimExchange.layer(options).pipe(
    Layer.catch((cause) => Layer.effect(SimExchange.SimExchange, Effect.fail(startFailed(cause))))
  )

/** Settings that point a dialect at a running simulator (the MEXC side or the Gate side). */
const onSim = (
  sim: Pick<SimExchange.SimExchangeShape, "restUrl" | "wsUrl" | "credentials">,
  options: SimLayerOptions
): Adapter.Settings => ({
  venue: options.name ?? "sim",
  name: options.name,
  restUrl: sim.restUrl,
  wsUrl: sim.wsUrl,
  privateWsUrl: sim.wsUrl,
  credentials: { apiKey: Redacted.make(sim.credentials.apiKey), apiSecret: sim.credentials.apiSecret },
  connection: options.connection,
  deadManSwitch: options.deadManSwitch
})

const simOptions = (options: SimLayerOptions): SimExchange.SimOptions =>
  options.name === undefined ? options.sim ?? {} : { name: `sim:${options.name}`, ...options.sim }

/**
 * For tests: an embedded simulator (fresh, on a free port) and both exchanges wired to it, with
 * the `SimExchange` service at hand for its faults and its engine. Built simulator first, so it
 * is released last.
 *
 * ```ts
 * it.live("my strategy survives a dropped connection", () =>
 *   Effect.gen(function*() {
 *     const sim = yield* SimExchange.SimExchange
 *     const exchange = yield* PrivateExchange
 *     yield* sim.faults.dropConnections
 *     // ...
 *   }).pipe(Effect.provide(SimVenue.layerSim({ sim: { seed: 7 } }))))
 * ```
 */
export const layerSim = (
  options: SimLayerOptions = {}
): Layer.Layer<PublicExchange | PrivateExchange | SimExchange.SimExchange, ExchangeError> =>
  Layer.unwrap(Effect.map(SimExchange.SimExchange, (sim) => (options.dialect ?? MexcVenue.adapter).exchanges(onSim(sim, options))))
    .pipe(Layer.provideMerge(embedded(simOptions(options))))

/** The public exchange on an embedded simulator (no account needed), the simulator released last. */
export const layerSimPublic = (options: SimLayerOptions = {}): Layer.Layer<PublicExchange | SimExchange.SimExchange, ExchangeError> =>
  Layer.unwrap(Effect.map(SimExchange.SimExchange, (sim) => (options.dialect ?? MexcVenue.adapter).publicExchange(onSim(sim, options))))
    .pipe(Layer.provideMerge(embedded(simOptions(options))))

/** The embedded Gate simulator, its start failure an `ExchangeError`. */
const embeddedGate = (options: SimLayerOptions) =>
  GateSim.layer(options.sim === undefined ? {} : { seed: options.sim.seed }).pipe(
    Layer.catch((cause) => Layer.effect(GateSim.GateSim, Effect.fail(startFailed(cause))))
  )

/** Whether `dialect` speaks Gate.io's Spot v4 (served by the Gate simulator). */
const isGate = (dialect: Adapter.Adapter | undefined): dialect is Adapter.Adapter => dialect?.name === "gate"

/**
 * For tests: an embedded Gate.io simulator (`GateSim`, fresh, on a free port) and the `dialect`'s
 * exchanges (Gate's adapter) wired to it. The simulator is released last.
 */
export const layerSimGate = (
  dialect: Adapter.Adapter,
  options: Omit<SimLayerOptions, "dialect"> = {}
): Layer.Layer<PublicExchange | PrivateExchange | GateSim.GateSim, ExchangeError> =>
  Layer.unwrap(Effect.map(GateSim.GateSim, (gate) => dialect.exchanges(onSim(gate, options))))
    .pipe(Layer.provideMerge(embeddedGate(options)))

/** The public exchange of `dialect` (Gate's adapter) on an embedded Gate simulator. */
export const layerSimGatePublic = (
  dialect: Adapter.Adapter,
  options: Omit<SimLayerOptions, "dialect"> = {}
): Layer.Layer<PublicExchange | GateSim.GateSim, ExchangeError> =>
  Layer.unwrap(Effect.map(GateSim.GateSim, (gate) => dialect.publicExchange(onSim(gate, options))))
    .pipe(Layer.provideMerge(embeddedGate(options)))

/**
 * A standalone simulator's WebSocket on its REST port: `/ws` (MEXC), or `/ws/v4/` for the Gate
 * side, whose REST base URL ends in `/api/v4`.
 */
const wsUrlOf = (restUrl: string, gate = false): string => {
  const base = restUrl.replace(/^http/, "ws").replace(/\/+$/, "")
  return gate ? `${base.replace(/\/api\/v4$/, "")}/ws/v4/` : `${base}/ws`
}

/**
 * The simulator as an adapter speaking `dialect`. Without `restUrl` it is embedded (`seed` picks
 * its market); with `restUrl` (and `wsUrl`, default `<restUrl>/ws`) it is a standalone one, as the
 * demo account unless the dialect's credential variables are set (both, or it is an error).
 */
export const adapter = (dialect: Adapter.Adapter = MexcVenue.adapter): Adapter.Adapter => {
  const credentials = Credentials.fromConfigOr(dialect.credentialVariables, demoCredentials)
  const standalone = (settings: Adapter.Settings, restUrl: string): Adapter.Settings => ({
    ...settings,
    venue: settings.venue ?? settings.name ?? "sim",
    wsUrl: settings.wsUrl ?? wsUrlOf(restUrl, isGate(dialect))
  })
  const layerOptions = (settings: Adapter.Settings): SimLayerOptions => ({
    dialect,
    name: settings.name,
    connection: settings.connection,
    deadManSwitch: settings.deadManSwitch,
    sim: settings.seed === undefined ? {} : { seed: settings.seed }
  })
  return {
    name: "sim",
    restUrl: "http://127.0.0.1:8080",
    wsUrl: "ws://127.0.0.1:8080/ws",
    credentialVariables: dialect.credentialVariables,
    deadManSwitch: dialect.deadManSwitch,
    credentials,
    exchanges: (settings = {}) => {
      // Refused before an embedded simulator starts, in the dialect's words.
      if (Adapter.deadManSwitchProblem(settings.venue ?? settings.name ?? "sim", dialect.deadManSwitch, settings) !== undefined) {
        return dialect.exchanges({ ...settings, venue: settings.venue ?? settings.name ?? "sim" })
      }
      const restUrl = settings.restUrl
      if (restUrl === undefined) {
        return isGate(dialect)
          ? Layer.fresh(layerSimGate(dialect, layerOptions(settings)))
          : Layer.fresh(layerSim(layerOptions(settings)))
      }
      return Layer.unwrap(Effect.map(
        settings.credentials === undefined ? credentials : Effect.succeed(settings.credentials),
        (checked) => dialect.exchanges({ ...standalone(settings, restUrl), credentials: checked })
      ))
    },
    publicExchange: (settings = {}) => {
      const restUrl = settings.restUrl
      if (restUrl === undefined) {
        return isGate(dialect)
          ? Layer.fresh(layerSimGatePublic(dialect, layerOptions(settings)))
          : Layer.fresh(layerSimPublic(layerOptions(settings)))
      }
      return dialect.publicExchange(standalone(settings, restUrl))
    }
  }
}

/** Every venue, and `sim`: the simulator speaking MEXC's dialect. What the CLI offers as `--venue`. */
export const adapters = {
  sim: adapter(),
  ...Venue.adapters
} as const satisfies Venue.Adapters

/** A config of one of {@link adapters} (`sim` or a real venue). */
export const VenueConfig = Venue.configSchema(adapters)

/** The names of {@link adapters}, in order: the CLI's `--venue` choices. */
export const names = Object.keys(adapters) as ReadonlyArray<keyof typeof adapters>
