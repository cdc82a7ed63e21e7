/**
 * 3. Order round trip on the simulator (its own process): place a resting LIMIT order, get its
 * acknowledgement, cancel it, get the cancel's answer. A bare `fetch` client doing the same signed
 * calls (the least a hand-written client does) and ccxt (`createOrder` + `cancelOrder`) take
 * turns in alternating rounds; the figure is the median round trip per round, then the median
 * and range over rounds. The ratios are paired round by round (the three variants of a round ran
 * within moments of each other); the target is judged on the median of the paired ratios vs
 * ccxt, and only from `minPairs` (20) rounds up: with fewer the row says n/a.
 * Before the rounds, each variant makes `ORDER_WARM_UP` (200) round trips: connections open, and
 * every client's hot code optimised by V8.
 *
 * Ours is the MEXC REST client (`MexcRest.newOrder` + `cancelOrder`: signing, server-time
 * offset, rate limiter, typed errors, domain values). Like ccxt (`enableRateLimit: false`), it
 * runs with its rate limiter's quotas raised out of the way: the figure is the client's own cost,
 * not MEXC's 20 requests per second.
 *
 * Run alone with `node bench/order.ts`, or as part of `npm run bench`.
 */
import { Effect, Exit, Layer, Redacted, References, Scope } from "effect"
import * as Decimal from "../src/exchange/Decimal.ts"
import * as RateLimiter from "../src/ratelimit/RateLimiter.ts"
import * as MexcRest from "../src/venues/mexc/MexcRest.ts"
import * as Quotas from "../src/venues/mexc/Quotas.ts"
import { signQuery } from "../src/venues/mexc/Signing.ts"
import { figure, minPairs, pairedRatio, type Row, verdict } from "./Report.ts"
import { mexcAt } from "./support/Ccxt.ts"
import { type SimServer, startSimServer } from "./support/SimServer.ts"
import { median, size, type Suite } from "./Suite.ts"

// At least `minPairs` rounds: a verdict pools that many paired rounds (see `Report.verdict`).
const PER_ROUND = size("ORDER_PER_ROUND", 10, 5)
const ROUNDS = size("ORDER_ROUNDS", minPairs, 2)
/** Round trips each variant makes before the measured rounds. */
const WARM_UP = size("ORDER_WARM_UP", 200, 10)

/** A place + cancel, resolving with the milliseconds it took. */
type RoundTrip = (i: number) => Promise<number>

/** Far below the market (65,000): the order rests until cancelled. */
const price = "30000"
const quantity = "0.0001"

const fetchClient = (sim: SimServer): RoundTrip => {
  const signed = async (method: string, path: string, params: Record<string, string>) => {
    const query = signQuery(Redacted.make(sim.apiSecret), params, Date.now())
    const response = await fetch(`${sim.restUrl}${path}?${query}`, {
      method,
      headers: { "X-MEXC-APIKEY": sim.apiKey, "content-type": "application/json" }
    })
    const body = await response.json() as Record<string, unknown>
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body)}`)
    return body
  }
  return async (i) => {
    const start = performance.now()
    const placed = await signed("POST", "/api/v3/order", {
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      price,
      quantity,
      newClientOrderId: `fetch-${i}`
    })
    await signed("DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId: String(placed.orderId) })
    return performance.now() - start
  }
}

const ccxtClient = async (sim: SimServer) => {
  const mexc = await mexcAt(sim.restUrl, sim.wsUrl, { apiKey: sim.apiKey, secret: sim.apiSecret })
  await mexc.loadMarkets()
  const roundTrip: RoundTrip = async (i) => {
    const start = performance.now()
    const order = await mexc.createOrder("BTC/USDT", "limit", "buy", Number(quantity), Number(price), {
      clientOrderId: `ccxt-${i}`
    })
    await mexc.cancelOrder(String(order.id), "BTC/USDT")
    return performance.now() - start
  }
  return { roundTrip, close: () => mexc.close() }
}

/** Ours: `MexcRest` built in a scope of its own, driven from promises like the others. */
const oursClient = async (sim: SimServer) => {
  const unlimited = { limit: 1_000_000_000, window: "10 seconds" } as const
  const limiter = RateLimiter.layer({
    name: "ratelimit:bench",
    // Every key of the MEXC preset, raised.
    quotas: Object.fromEntries(Object.keys(Quotas.quotas).map((key) => [key, unlimited]))
  })
  const scope = Effect.runSync(Scope.make())
  const rest = await Effect.runPromise(
    Layer.buildWithScope(
      MexcRest.layerNode({
        baseUrl: sim.restUrl,
        credentials: { apiKey: Redacted.make(sim.apiKey), apiSecret: Redacted.make(sim.apiSecret) }
      }).pipe(Layer.provide(limiter)),
      scope
    ).pipe(Effect.map((context) => context.mapUnsafe.get(MexcRest.MexcRest.key) as MexcRest.MexcRestShape), Effect.provideService(References.MinimumLogLevel, "Warn"))
  )
  const order = (i: number): MexcRest.NewOrder => ({
    symbol: "BTCUSDT",
    side: "BUY",
    type: "LIMIT",
    timeInForce: "GTC",
    price: Decimal.unsafeParse(price),
    quantity: Decimal.unsafeParse(quantity),
    clientOrderId: `ours-${i}`
  })
  const roundTrip: RoundTrip = (i) =>
    Effect.runPromise(Effect.gen(function*() {
      const start = performance.now()
      const ack = yield* rest.newOrder(order(i))
      yield* rest.cancelOrder({ symbol: "BTCUSDT", orderId: ack.orderId })
      return performance.now() - start
    }))
  return {
    roundTrip,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
  }
}

export const orderRoundTrip = Effect.scoped(Effect.gen(function*() {
  const sim = yield* startSimServer
  const results = yield* Effect.promise(async () => {
    const bare = fetchClient(sim)
    const ccxt = await ccxtClient(sim)
    const ours = await oursClient(sim)
    const variants: Array<[string, RoundTrip]> = [["ours", ours.roundTrip], ["fetch", bare], ["ccxt", ccxt.roundTrip]]
    const perRound: Record<string, Array<number>> = { ours: [], fetch: [], ccxt: [] }
    let n = 0
    // Warm-up, the same for every variant: connections, and enough calls for V8 to optimise each
    // client's hot code (with 10, the first rounds measured partly unoptimised code).
    for (const [, rt] of variants) for (let i = 0; i < WARM_UP; i++) await rt(n++)
    for (let r = 0; r < ROUNDS; r++) {
      // The order of the variants rotates from round to round.
      for (let k = 0; k < variants.length; k++) {
        const [name, rt] = variants[(k + r) % variants.length]!
        const times: Array<number> = []
        for (let i = 0; i < PER_ROUND; i++) times.push(await rt(n++))
        perRound[name]!.push(median(times))
      }
    }
    await ccxt.close()
    await ours.close()
    return perRound
  })
  const oursF = figure(results.ours!, "ms")
  const fetchF = figure(results.fetch!, "ms")
  const ccxtF = figure(results.ccxt!, "ms")
  const vsCcxt = pairedRatio("ccxt", results.ours!, results.ccxt!)
  const rounds = results.ours!.length
  const rows: Array<Row> = [{
    group: 3,
    what: "order round trip (place, ack, cancel), median per round",
    ours: oursF,
    baselines: { fetch: fetchF, ccxt: ccxtF },
    ratio: pairedRatio("fetch", results.ours!, results.fetch!),
    target: { text: "faster than ccxt (median of paired rounds)", met: verdict(rounds, vsCcxt.value < 1) },
    note: `MexcRest, rate limiter quotas raised; ${rounds} paired rounds of ${PER_ROUND}; ` +
      `vs ccxt ${vsCcxt.value.toFixed(2)}x (${vsCcxt.min.toFixed(2)}–${vsCcxt.max.toFixed(2)})`
  }]
  const vsFetch = pairedRatio("fetch", results.ours!, results.fetch!)
  console.log(
    `order round trip: ours ${oursF.value.toFixed(2)} ms, fetch ${fetchF.value.toFixed(2)} ms, ccxt ${ccxtF.value.toFixed(2)} ms; ` +
      `paired over ${rounds} rounds: ${vsFetch.value.toFixed(2)}x fetch (${vsFetch.min.toFixed(2)}–${vsFetch.max.toFixed(2)}), ` +
      `${vsCcxt.value.toFixed(2)}x ccxt (${vsCcxt.min.toFixed(2)}–${vsCcxt.max.toFixed(2)})`
  )
  return rows
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "order",
  description: "order round trip vs bare fetch and ccxt",
  run: () => Effect.runPromise(orderRoundTrip)
}

if (import.meta.main) await suite.run()
