// One-off measurement (not committed): place + cancel round trips over loopback REST, interleaved
// (Gate, MEXC, Gate, MEXC...) so machine load hits both alike.
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Logger, Redacted } from "effect"
import * as Decimal from "../src/exchange/Decimal.ts"
import { GateSim, SimExchange } from "../src/sim/index.ts"
import * as GateQuotas from "../src/venues/gate/Quotas.ts"
import * as GateRest from "../src/venues/gate/GateRest.ts"
import * as MexcQuotas from "../src/venues/mexc/Quotas.ts"
import * as MexcRest from "../src/venues/mexc/MexcRest.ts"
import * as RL from "../src/ratelimit/RateLimiter.ts"
const RateLimiter = Object.assign(RL.RateLimiter, { make: RL.make })

const n = Number(process.argv[2] ?? 200)
const pct = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!
const line = (name: string, place: Array<number>, cancel: Array<number>) =>
  `${name}: place p50 ${pct(place, 0.5).toFixed(2)} p90 ${pct(place, 0.9).toFixed(2)} ms; cancel p50 ${pct(cancel, 0.5).toFixed(2)} p90 ${pct(cancel, 0.9).toFixed(2)} ms`
const d = Decimal.unsafeParse

const program = Effect.gen(function*() {
  const gsim = yield* GateSim.GateSim
  const msim = yield* SimExchange.SimExchange
  const gate = yield* GateRest.make({ baseUrl: gsim.restUrl, credentials: { apiKey: Redacted.make(gsim.credentials.apiKey), apiSecret: gsim.credentials.apiSecret } })
    .pipe(Effect.provideService(RateLimiter, yield* RateLimiter.make(GateQuotas.options)))
  const mexc = yield* MexcRest.make({ baseUrl: msim.restUrl, credentials: { apiKey: Redacted.make(msim.credentials.apiKey), apiSecret: msim.credentials.apiSecret } })
    .pipe(Effect.provideService(RateLimiter, yield* RateLimiter.make(MexcQuotas.options)))
  const g = { place: [] as Array<number>, cancel: [] as Array<number> }
  const m = { place: [] as Array<number>, cancel: [] as Array<number> }
  for (let i = 0; i < n + 20; i++) {
    let t0 = performance.now()
    const go = yield* gate.newOrder({ symbol: "BTC_USDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", price: d("10000"), quantity: d("0.001"), clientOrderId: `rt-${i}` })
    let t1 = performance.now()
    yield* gate.cancelOrder({ symbol: "BTC_USDT", orderId: go.orderId })
    let t2 = performance.now()
    if (i >= 20) { g.place.push(t1 - t0); g.cancel.push(t2 - t1) }
    t0 = performance.now()
    const mo = yield* mexc.newOrder({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", price: d("10000"), quantity: d("0.001"), clientOrderId: `rt${i}` })
    t1 = performance.now()
    yield* mexc.cancelOrder({ symbol: "BTCUSDT", orderId: mo.orderId })
    t2 = performance.now()
    if (i >= 20) { m.place.push(t1 - t0); m.cancel.push(t2 - t1) }
    yield* Effect.sleep("110 millis")
  }
  console.log(`${line("gate", g.place, g.cancel)}\n${line("mexc", m.place, m.cancel)}\n(n=${n} each, interleaved)`)
}).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(GateSim.layer({ market: false }), SimExchange.layer({ market: false }), NodeHttpClient.layerUndici)))

Effect.runPromise(program.pipe(Effect.provide(Logger.layer([])))).then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
