/**
 * Two simulated venues at once: MEXC (Spot v3) and Gate.io (Spot v4), each with its own port,
 * accounts and books, driven by one seeded reference price per instrument so that the two markets
 * are correlated but drift apart (`engine/Correlated.ts`: a mean-reverting divergence per venue
 * with occasional jumps, and a latency per venue). Crossed prices between the venues (one venue's
 * best bid above the other's best ask) therefore occur at a known, seeded rate
 * ({@link measureCrossings}).
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const venues = yield* SimVenues.SimVenues
 *   for (const v of venues.endpoints) console.log(v.venue, v.restUrl, v.wsUrl, v.credentials.apiKey)
 *   const mexc = yield* SimExchange.SimExchange   // the MEXC side, faults at hand
 *   const gate = yield* GateSim.GateSim           // the Gate side
 * }).pipe(Effect.provide(SimVenues.layer({ seed: 1 })))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { ExchangeError, Transport } from "../exchange/ExchangeError.ts"
import { Lifecycle } from "../lifecycle/index.ts"
import type * as Adapter from "../venues/Adapter.ts"
import * as Venues from "../venues/Venues.ts"
import {
  defaultReferenceInstruments,
  instrumentKey,
  type ReferenceInstrument,
  ReferencePrices,
  type SpreadProcess,
  VenuePrices
} from "./engine/Correlated.ts"
import { SimEngine } from "./engine/Engine.ts"
import { defaultSymbols, type SymbolConfig } from "./engine/Symbols.ts"
import { defaultSyntheticParams, SyntheticMarket } from "./engine/SyntheticMarket.ts"
import * as GateSim from "./GateSim.ts"
import { seedError, type VenueOptions } from "./server/Startup.ts"
import * as SimExchange from "./SimExchange.ts"

/** The venues the simulator speaks. */
export type SimVenueName = "mexc" | "gate"

/** Every venue, in order (their index salts their seeds). */
export const venueNames: ReadonlyArray<SimVenueName> = ["mexc", "gate"]

/** Default latency per venue (ms): how late each venue's market follows the reference. */
export const defaultLatencyMs: Readonly<Record<SimVenueName, number>> = { mexc: 0, gate: 0 }

/** How to run several venues. Every field is optional. */
export interface SimVenuesOptions {
  /** The venues to serve. Default both. */
  readonly venues?: ReadonlyArray<SimVenueName> | undefined
  /** One seed for the reference, the divergences and each venue's market (0 to 4294967295). Default 1. */
  readonly seed?: number | undefined
  /** How the venues drift apart. Default `defaultSpread`. */
  readonly spread?: SpreadProcess | undefined
  /** How late each venue follows the reference, in ms. Default `defaultLatencyMs`. */
  readonly latencyMs?: Partial<Record<SimVenueName, number>> | undefined
  /** Reference instruments (`BASE/QUOTE` -> start and volatility). Default BTC, ETH, HIFI against USDT. */
  readonly reference?: Readonly<Record<string, ReferenceInstrument>> | undefined
  /** The MEXC side's other options (its seed and market driver are set here). */
  readonly mexc?: SimExchange.SimOptions | undefined
  /** The Gate side's other options (its seed and market driver are set here). */
  readonly gate?: GateSim.GateSimOptions | undefined
}

/** What a client needs to reach one venue. */
export interface VenueEndpoint {
  readonly venue: SimVenueName
  /** The venue's REST base URL (MEXC: `http://127.0.0.1:<port>`; Gate: `.../api/v4`). */
  readonly restUrl: string
  /** Its WebSocket URL (MEXC: `/ws`; Gate: `/ws/v4/`). */
  readonly wsUrl: string
  readonly credentials: { readonly apiKey: string; readonly apiSecret: Redacted.Redacted<string> }
}

/** The running venues. */
export interface SimVenuesShape {
  readonly mexc: SimExchange.SimExchangeShape | undefined
  readonly gate: GateSim.GateSimShape | undefined
  /** Each venue served, in `venues` order. */
  readonly endpoints: ReadonlyArray<VenueEndpoint>
  /** The shared reference prices. */
  readonly reference: ReferencePrices
  /** Each venue's view of the reference (its divergence, in basis points, per tick). */
  readonly prices: Partial<Record<SimVenueName, VenuePrices>>
}

/** Several simulated venues at once. */
export class SimVenues extends Context.Service<SimVenues, SimVenuesShape>()("scoped-exchange/sim/SimVenues") {}

/** The seed of one venue's synthetic market (its takers and sizes), derived from the shared seed. */
export const venueSeed = (seed: number, venue: SimVenueName): number =>
  venue === "mexc" ? seed : (seed ^ 0x4741_5445) >>> 0

/** The reference and each venue's prices for `options`. */
export const correlatedPrices = (options: SimVenuesOptions) => {
  const seed = options.seed ?? 1
  const invalid = seedError("SimVenues", seed)
  if (invalid !== undefined) throw invalid
  // The extra symbols (`SIM<i>/USDT`, mid 1) follow the reference too.
  const extras: Record<string, ReferenceInstrument> = {}
  for (let i = 1; i <= (options.mexc?.extraSymbols ?? options.gate?.extraSymbols ?? 0); i++) extras[`SIM${i}/USDT`] = { initialMid: 1 }
  const reference = new ReferencePrices({ seed, instruments: { ...(options.reference ?? defaultReferenceInstruments), ...extras } })
  const prices: Partial<Record<SimVenueName, VenuePrices>> = {}
  for (const venue of options.venues ?? venueNames) {
    prices[venue] = new VenuePrices(reference, {
      seed,
      venue: venueNames.indexOf(venue),
      latencyMs: options.latencyMs?.[venue] ?? defaultLatencyMs[venue],
      spread: options.spread
    })
  }
  return { seed, reference, prices }
}

/** Builds the venues in the current scope (each on its own port). */
export const make = Effect.fnUntraced(function*(options: SimVenuesOptions = {}) {
  const venues = options.venues ?? venueNames
  if (venues.length === 0) return yield* Effect.die(new RangeError("SimVenues: name at least one venue"))
  const { prices, reference, seed } = yield* Effect.try({ try: () => correlatedPrices(options), catch: (e) => e }).pipe(Effect.orDie)
  let mexc: SimExchange.SimExchangeShape | undefined
  let gate: GateSim.GateSimShape | undefined
  const endpoints: Array<VenueEndpoint> = []
  // A venue's own options, its seed derived from the shared one and its mids driven by its prices.
  const driven = <O extends VenueOptions>(given: O, venue: SimVenueName): O => ({
    ...given,
    seed: venueSeed(seed, venue),
    market: given.market === false ? false : { ...given.market, driver: prices[venue] }
  })
  for (const venue of venues) {
    if (venue === "mexc" && mexc === undefined) {
      mexc = yield* SimExchange.make(driven(options.mexc ?? {}, venue))
      endpoints.push({ venue, restUrl: mexc.restUrl, wsUrl: mexc.wsUrl, credentials: mexc.credentials })
    }
    if (venue === "gate" && gate === undefined) {
      gate = yield* GateSim.make(driven(options.gate ?? {}, venue))
      endpoints.push({ venue, restUrl: gate.restUrl, wsUrl: gate.wsUrl, credentials: gate.credentials })
    }
  }
  return SimVenues.of({ mexc, gate, endpoints, reference, prices })
})

/**
 * The venues as one scoped layer: `SimVenues`, and the `SimExchange` (MEXC) and `GateSim` services
 * of the venues served (a venue not served is not in the context).
 */
export const layer = (options: SimVenuesOptions = {}) =>
  Layer.effectContext(Effect.map(make(options), (venues) => {
    let context = Context.make(SimVenues, venues)
    if (venues.mexc !== undefined) context = Context.add(context, SimExchange.SimExchange, venues.mexc)
    if (venues.gate !== undefined) context = Context.add(context, GateSim.GateSim, venues.gate)
    return context as Context.Context<SimVenues | SimExchange.SimExchange | GateSim.GateSim>
  })).pipe(Lifecycle.component({ name: "sim-venues", stopBudget: "3 seconds" }))

/**
 * Settings that point a venue adapter of the same dialect at one simulated venue: its URLs and
 * demo credentials, named after the venue (or `name`).
 */
export const settingsFor = (
  endpoint: VenueEndpoint,
  options: { readonly name?: string | undefined; readonly connection?: Adapter.ConnectionSettings | undefined } = {}
): Adapter.Settings => ({
  venue: options.name ?? endpoint.venue,
  name: options.name ?? endpoint.venue,
  restUrl: endpoint.restUrl,
  wsUrl: endpoint.wsUrl,
  privateWsUrl: endpoint.wsUrl,
  credentials: { apiKey: Redacted.make(endpoint.credentials.apiKey), apiSecret: endpoint.credentials.apiSecret },
  connection: options.connection
})

/**
 * The simulated venues and, on top, a `Venues` service with each venue's exchanges built by the
 * adapter given for its dialect (a venue without one is served but not in `Venues`): the
 * arbitrage setup in one layer. Simulators are released last.
 *
 * ```ts
 * SimVenues.layerVenues({ seed: 1 }, { mexc: MexcVenue.adapter, gate: GateVenue.adapter })
 * ```
 */
export const layerVenues = (
  options: SimVenuesOptions,
  dialects: Partial<Record<SimVenueName, Adapter.Adapter>>
): Layer.Layer<Venues.Venues | SimVenues | SimExchange.SimExchange | GateSim.GateSim, ExchangeError> =>
  Layer.unwrap(Effect.map(SimVenues, (venues) => {
    const layers: Record<string, Venues.VenueLayer> = {}
    for (const endpoint of venues.endpoints) {
      const dialect = dialects[endpoint.venue]
      if (dialect !== undefined) layers[endpoint.venue] = dialect.exchanges(settingsFor(endpoint))
    }
    return Venues.layer(layers)
  })).pipe(Layer.provideMerge(layer(options).pipe(
    Layer.catch((cause) =>
      Layer.effectContext(
        Effect.fail(startFailed(cause)) as Effect.Effect<Context.Context<SimVenues | SimExchange.SimExchange | GateSim.GateSim>, ExchangeError>
      )
    )
  )))

const startFailed = (cause: unknown) =>
  new ExchangeError({
    venue: "sim",
    operation: "start the simulated venues",
    reason: new Transport({ detail: cause instanceof Error ? cause.message : String(cause) })
  })

/** How often the venues' books crossed, per instrument. */
export interface Crossings {
  /** Ticks looked at (one per `tickMs` of simulated time). */
  readonly ticks: number
  /** Per instrument (`BASE/QUOTE`): ticks where one venue's best bid was above the other's best ask. */
  readonly crossed: Readonly<Record<string, number>>
  /** Per instrument: `crossed / ticks`. */
  readonly rate: Readonly<Record<string, number>>
  /** Ticks where at least one instrument was crossed, over `ticks`. */
  readonly anyRate: number
  /** Crossing episodes (runs of consecutive crossed ticks) per instrument, per simulated hour. */
  readonly episodesPerHour: Readonly<Record<string, number>>
}

/**
 * Runs the two synthetic markets headless (no servers, simulated time) for `seconds` and counts the
 * ticks at which their books are crossed: the rate a running `sim --venues mexc,gate` shows for
 * the same seed and spread, before any client order. Deterministic: same options, same result.
 */
export const measureCrossings = (
  options: Pick<SimVenuesOptions, "seed" | "spread" | "latencyMs" | "reference"> & { readonly seconds?: number | undefined } = {}
): Crossings => {
  const { prices, seed } = correlatedPrices({ ...options, venues: venueNames })
  const tickMs = 10
  const books = (venue: SimVenueName, symbols: ReadonlyArray<SymbolConfig>, params: Record<string, never> | typeof defaultSyntheticParams) => {
    const engine = SimEngine.make({ symbols })
    const market = SyntheticMarket.make(engine, { seed: venueSeed(seed, venue), params, driver: prices[venue] }, 0)
    return { engine, market, symbols }
  }
  const mexc = books("mexc", defaultSymbols, defaultSyntheticParams)
  const gate = books("gate", GateSim.defaultGateSymbols, GateSim.gateParams(defaultSyntheticParams))
  const ticks = Math.round(((options.seconds ?? 600) * 1000) / tickMs)
  const crossed: Record<string, number> = {}
  const episodes: Record<string, number> = {}
  const wasCrossed: Record<string, boolean> = {}
  let any = 0
  for (let t = 1; t <= ticks; t++) {
    mexc.market.step(t * tickMs)
    gate.market.step(t * tickMs)
    let anyNow = false
    for (let i = 0; i < mexc.symbols.length; i++) {
      const key = instrumentKey(mexc.symbols[i]!)
      const a = mexc.engine.bookTicker(mexc.symbols[i]!.symbol)!
      const b = gate.engine.bookTicker(gate.symbols[i]!.symbol)!
      const now = (Number(a.bidPrice) > Number(b.askPrice) && b.askQty !== "0") ||
        (Number(b.bidPrice) > Number(a.askPrice) && a.askQty !== "0")
      if (now) {
        crossed[key] = (crossed[key] ?? 0) + 1
        if (!wasCrossed[key]) episodes[key] = (episodes[key] ?? 0) + 1
        anyNow = true
      } else {
        crossed[key] ??= 0
        episodes[key] ??= 0
      }
      wasCrossed[key] = now
    }
    if (anyNow) any++
  }
  const hours = (ticks * tickMs) / 3_600_000
  const rate: Record<string, number> = {}
  const episodesPerHour: Record<string, number> = {}
  for (const key of Object.keys(crossed)) {
    rate[key] = crossed[key]! / ticks
    episodesPerHour[key] = episodes[key]! / hours
  }
  return { ticks, crossed, rate, anyRate: any / ticks, episodesPerHour }
}

