/**
 * Gate vs MEXC on the embedded simulators, side by side in one run (issue 20's closing figures):
 *
 * - **order round trip**: `PrivateExchange.placeOrder` of a resting LIMIT buy far below the
 *   market, its acknowledgement, then `cancelOrder` and its answer: the connector's whole path
 *   (client order id, own-order view, signing, REST, parse), venue by venue in alternating
 *   rounds, p50 and p99 over every round trip. Both simulators' quotas and both clients' rate
 *   limiters are raised out of the way (Gate's 10 placements per second per pair would otherwise
 *   be the figure), as the `order` suite does.
 * - **book resync after a gap**: `PublicExchange.orderBook` on BTC at the 100 ms depth channel of
 *   each venue (the interval both offer), the simulator's gap fault armed (its next push skips a
 *   version), venue by venue in turn. Two figures per gap: the connector's own resync time (from
 *   its log of the resync's start, written when it saw the gap, to the first book view after the
 *   resync: REST snapshot, straddling push, publish), and what a subscriber waits: from the fault
 *   armed to the first book view past the version the venue had then (this includes waiting up to 100 ms for the next push, and the REST snapshot).
 *   Gate's irregular `full: true` pushes are off (they would replace the book without a resync).
 *
 * The simulators run in this process (embedded), so their work shares the client's event loop;
 * the ratio of Gate to MEXC is the figure to read, not the absolute times. Not in the default
 * table: `npm run bench -- venues`. Sizes: `VENUES_ROUNDS` (20) of `VENUES_PER_ROUND` (10) round
 * trips per venue, `VENUES_GAPS` (30) gaps per venue.
 */
import * as OS from "node:os"
import { Context, Effect, Layer, Logger, Redacted, References, Stream } from "effect"
import * as Decimal from "../src/exchange/Decimal.ts"
import type { PrivateExchangeShape } from "../src/exchange/PrivateExchange.ts"
import type { PublicExchangeShape } from "../src/exchange/PublicExchange.ts"
import * as RateLimiter from "../src/ratelimit/RateLimiter.ts"
import { GateSim, SimExchange } from "../src/sim/index.ts"
import type { RunningVenue } from "../src/sim/server/Startup.ts"
import * as NodeWebSocket from "../src/socket/NodeWebSocket.ts"
import * as GatePrivate from "../src/venues/gate/GatePrivate.ts"
import * as GatePublic from "../src/venues/gate/GatePublic.ts"
import * as GateQuotas from "../src/venues/gate/Quotas.ts"
import * as GateRest from "../src/venues/gate/GateRest.ts"
import * as MexcPrivate from "../src/venues/mexc/MexcPrivate.ts"
import * as MexcPublic from "../src/venues/mexc/MexcPublic.ts"
import * as MexcQuotas from "../src/venues/mexc/Quotas.ts"
import * as MexcRest from "../src/venues/mexc/MexcRest.ts"
import { type Row, single } from "./Report.ts"
import { percentile, size, type Suite } from "./Suite.ts"

const ROUNDS = size("VENUES_ROUNDS", 20, 3)
const PER_ROUND = size("VENUES_PER_ROUND", 10, 5)
const GAPS = size("VENUES_GAPS", 30, 4)

const big = 1_000_000_000

/** A venue under measurement: its two exchanges, its engine's BTC book version and its gap fault. */
interface Venue {
  readonly name: "mexc" | "gate"
  readonly symbol: string
  readonly publicExchange: PublicExchangeShape
  readonly privateExchange: PrivateExchangeShape
  readonly depthVersion: () => number
  readonly depthGap: Effect.Effect<void>
}

/** A client rate limiter with every key of a venue's preset raised out of the way. */
const raisedLimiter = (name: string, quotas: Readonly<Record<string, unknown>>) =>
  RateLimiter.layer({ name, quotas: Object.fromEntries(Object.keys(quotas).map((key) => [key, { limit: big, window: "10 seconds" }])) })

const credentialsOf = (sim: { readonly credentials: { readonly apiKey: string; readonly apiSecret: Redacted.Redacted<string> } }) => ({
  apiKey: Redacted.make(sim.credentials.apiKey),
  apiSecret: sim.credentials.apiSecret
})

/** Builds an exchange in the caller's scope over a venue's built REST layer, dialling with `ws`. */
const overRest = <RestServices>(rest: Context.Context<RestServices>) =>
<A, E, R>(make: Effect.Effect<A, E, R>) =>
  make.pipe(Effect.provide(rest), Effect.provide(NodeWebSocket.layerConstructor()))

/** The {@link Venue} measured on `sim`'s `symbol` book through the two exchanges. */
const measured = (
  name: Venue["name"],
  symbol: string,
  sim: RunningVenue,
  exchanges: Pick<Venue, "publicExchange" | "privateExchange">
): Venue => ({
  name,
  symbol,
  ...exchanges,
  depthVersion: () => sim.engine.depthVersion(symbol)!,
  depthGap: sim.faults.depthGap(symbol)
})

const mexc = Effect.gen(function*() {
  const sim = Context.get(
    yield* Layer.build(SimExchange.layer({ seed: 1, rateLimits: { default: { limit: big, windowMs: 10_000 } } })),
    SimExchange.SimExchange
  )
  const rest = yield* Layer.build(
    MexcRest.layerNode({ baseUrl: sim.restUrl, credentials: credentialsOf(sim) }).pipe(
      Layer.provideMerge(raisedLimiter("ratelimit:mexc", MexcQuotas.quotas))
    )
  )
  const exchanges = overRest(rest)
  return measured("mexc", "BTCUSDT", sim, {
    publicExchange: yield* exchanges(MexcPublic.make({ venue: "sim", url: sim.wsUrl, interval: "100ms" })),
    privateExchange: yield* exchanges(MexcPrivate.make({ venue: "sim", wsUrl: sim.wsUrl }))
  })
})

const gate = Effect.gen(function*() {
  const raised = { limit: big, windowMs: 10_000 }
  const sim = Context.get(
    yield* Layer.build(GateSim.layer({ seed: 1, fullPushChance: 0, rateLimits: { public: raised, private: raised, placement: raised, cancel: raised } })),
    GateSim.GateSim
  )
  const rest = yield* Layer.build(
    GateRest.layerNode({ baseUrl: sim.restUrl, credentials: credentialsOf(sim) }).pipe(
      Layer.provideMerge(raisedLimiter("ratelimit:gate", GateQuotas.quotas))
    )
  )
  const exchanges = overRest(rest)
  return measured("gate", "BTC_USDT", sim, {
    publicExchange: yield* exchanges(GatePublic.make({ url: sim.wsUrl, interval: "100ms" })),
    privateExchange: yield* exchanges(GatePrivate.make({ wsUrl: sim.wsUrl }))
  })
})

/** One place + cancel through the private exchange, in milliseconds. */
const roundTrip = (venue: Venue) =>
  Effect.gen(function*() {
    const start = performance.now()
    const placed = yield* venue.privateExchange.placeOrder({
      symbol: venue.symbol,
      side: "BUY",
      type: "LIMIT",
      price: Decimal.unsafeParse("30000"),
      quantity: Decimal.unsafeParse("0.001")
    })
    yield* venue.privateExchange.cancelOrder({ symbol: venue.symbol, orderId: placed.orderId })
    return performance.now() - start
  })

/** Book views as they arrive (arrival on the monotonic clock), and the connector's resync logs. */
const watchBook = (venue: Venue) =>
  Effect.gen(function*() {
    const views: Array<{ readonly version: bigint; readonly at: number }> = []
    yield* venue.publicExchange.orderBook(venue.symbol).pipe(
      Stream.runForEach((view) => Effect.sync(() => void views.push({ version: view.version, at: performance.now() }))),
      Effect.forkScoped
    )
    while (views.length < 3) yield* Effect.sleep("10 millis")
    return views
  })

/**
 * Arms the gap and waits for the resync; answers [resync start (the connector's log of it) to the
 * first view past the venue's version at the fault, fault armed to that view], in ms. Then waits
 * for three more views, so the next gap finds a steady book (one right after a resync is taken as
 * a stale snapshot instead).
 */
const gapAndResync = (
  venue: Venue,
  views: ReadonlyArray<{ readonly version: bigint; readonly at: number }>,
  resyncStarts: ReadonlyArray<number>
) =>
  Effect.gen(function*() {
    const logged = resyncStarts.length
    const from = views.length
    const version = BigInt(venue.depthVersion())
    const start = performance.now()
    yield* venue.depthGap
    const deadline = start + 20_000
    while (true) {
      const index = views.findIndex((v, i) => i >= from && v.version > version && v.at > start)
      if (index >= 0 && resyncStarts.length > logged) {
        const seen = views[index]!
        while (views.length < index + 4) yield* Effect.sleep("5 millis")
        return [seen.at - resyncStarts[logged]!, seen.at - start] as const
      }
      if (performance.now() > deadline) return yield* Effect.die(new Error(`${venue.name}: no resync within 20 s of a gap`))
      yield* Effect.sleep("5 millis")
    }
  })

const p = (xs: ReadonlyArray<number>) => ({ p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) })

/** When the connector logged each resync's start (`order book resync`, or a stale snapshot taken again), by symbol. */
const resyncLogger = (starts: Map<string, Array<number>>) =>
  Logger.make((options) => {
    const message = Array.isArray(options.message) ? options.message[0] : options.message
    if (message !== "order book resync" && message !== "order book snapshot taken again") return
    const annotations = options.fiber.getRef(References.CurrentLogAnnotations) as Record<string, unknown>
    starts.get(String(annotations.symbol))?.push(performance.now())
  })

const resyncStarts = new Map<string, Array<number>>([["BTCUSDT", []], ["BTC_USDT", []]])

export const venuesRun = Effect.gen(function*() {
  const loadBefore = OS.loadavg()[0]!
  const results = yield* Effect.scoped(Effect.gen(function*() {
    const venues = [yield* mexc, yield* gate] as const
    const trips: Record<string, Array<number>> = { mexc: [], gate: [] }
    for (const venue of venues) for (let i = 0; i < 10; i++) yield* roundTrip(venue) // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < venues.length; k++) {
        const venue = venues[(k + r) % venues.length]!
        for (let i = 0; i < PER_ROUND; i++) trips[venue.name]!.push(yield* roundTrip(venue))
      }
    }
    const views = { mexc: yield* watchBook(venues[0]), gate: yield* watchBook(venues[1]) }
    const connectorMs: Record<string, Array<number>> = { mexc: [], gate: [] }
    const visibleMs: Record<string, Array<number>> = { mexc: [], gate: [] }
    for (let g = 0; g < GAPS; g++) {
      for (let k = 0; k < venues.length; k++) {
        const venue = venues[(k + g) % venues.length]!
        const [connector, visible] = yield* gapAndResync(venue, views[venue.name], resyncStarts.get(venue.symbol)!)
        connectorMs[venue.name]!.push(connector)
        visibleMs[venue.name]!.push(visible)
      }
    }
    return { trips, connectorMs, visibleMs }
  }))
  const loadAfter = OS.loadavg()[0]!
  const rows: Array<Row> = []
  const add = (what: string, unit: string, values: Record<string, ReadonlyArray<number>>, note: string) => {
    const gateP = p(values.gate!)
    const mexcP = p(values.mexc!)
    for (const q of ["p50", "p99"] as const) {
      rows.push({
        group: 0,
        what: `${what} ${q}, Gate (baseline MEXC)`,
        ours: single(gateP[q], unit, values.gate!.length),
        baselines: { mexc: single(mexcP[q], unit, values.mexc!.length) },
        ratio: { against: "mexc", value: gateP[q] / mexcP[q] },
        note
      })
    }
    console.log(
      `${what}: gate p50 ${gateP.p50.toFixed(2)} ${unit}, p99 ${gateP.p99.toFixed(2)} ${unit}; ` +
        `mexc p50 ${mexcP.p50.toFixed(2)} ${unit}, p99 ${mexcP.p99.toFixed(2)} ${unit} (n ${values.gate!.length} / ${values.mexc!.length})`
    )
  }
  add("order round trip (place, ack, cancel) via PrivateExchange", "ms", results.trips, `${ROUNDS} alternating rounds of ${PER_ROUND}; quotas raised`)
  add("book resync after a gap, connector (resync start to the first view after it)", "ms", results.connectorMs, `${GAPS} gaps per venue, 100 ms depth channel`)
  add("book resync after a gap, subscriber (fault armed to next view)", "ms", results.visibleMs, `${GAPS} gaps per venue; includes the wait for the next 100 ms push`)
  console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; ${OS.cpus().length} cores`)
  return rows
}).pipe(Effect.provide(Logger.layer([resyncLogger(resyncStarts)])))

export const suite: Suite = {
  name: "venues",
  description: "Gate vs MEXC on the embedded simulators: order round trip and book resync after a gap, p50/p99",
  run: () => Effect.runPromise(venuesRun)
}

if (import.meta.main) await suite.run()
