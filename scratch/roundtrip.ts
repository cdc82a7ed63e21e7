// One-off measurement (not committed): order round trip (place + cancel) over loopback REST,
// GateRest on the Gate simulator vs MexcRest on the MEXC simulator, sequential, same machine.
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Logger, Redacted } from "effect"
import * as Decimal from "../src/exchange/Decimal.ts"
import { GateSim, SimExchange } from "../src/sim/index.ts"
import * as GateQuotas from "../src/venues/gate/Quotas.ts"
import * as GateRest from "../src/venues/gate/GateRest.ts"
import * as MexcQuotas from "../src/venues/mexc/Quotas.ts"
import * as MexcRest from "../src/venues/mexc/MexcRest.ts"

const n = Number(process.argv[2] ?? 200)
const pct = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!
const report = (name: string, place: Array<number>, cancel: Array<number>) =>
  console.log(`${name}: place p50 ${pct(place, 0.5).toFixed(2)} ms p90 ${pct(place, 0.9).toFixed(2)} ms; cancel p50 ${pct(cancel, 0.5).toFixed(2)} ms p90 ${pct(cancel, 0.9).toFixed(2)} ms (n=${n})`)
const d = Decimal.unsafeParse

const gate = Effect.gen(function*() {
  const sim = yield* GateSim.GateSim
  const rest = yield* GateRest.make({ baseUrl: sim.restUrl, credentials: { apiKey: Redacted.make(sim.credentials.apiKey), apiSecret: sim.credentials.apiSecret } })
  const place: Array<number> = []
  const cancel: Array<number> = []
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now()
    const o = yield* rest.newOrder({ symbol: "BTC_USDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", price: d("10000"), quantity: d("0.001"), clientOrderId: `rt-${i}` })
    const t1 = performance.now()
    yield* rest.cancelOrder({ symbol: "BTC_USDT", orderId: o.orderId })
    const t2 = performance.now()
    if (i >= 20) { place.push(t1 - t0); cancel.push(t2 - t1) }
    yield* Effect.sleep("110 millis") // under 10 placements/s per pair
  }
  report("gate", place, cancel)
}).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(GateSim.layer({ market: false }), GateQuotas.layer, NodeHttpClient.layerUndici)))

const mexc = Effect.gen(function*() {
  const sim = yield* SimExchange.SimExchange
  const rest = yield* MexcRest.make({ baseUrl: sim.restUrl, credentials: { apiKey: Redacted.make(sim.credentials.apiKey), apiSecret: sim.credentials.apiSecret } })
  const place: Array<number> = []
  const cancel: Array<number> = []
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now()
    const o = yield* rest.newOrder({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", price: d("10000"), quantity: d("0.001"), clientOrderId: `rt${i}` })
    const t1 = performance.now()
    yield* rest.cancelOrder({ symbol: "BTCUSDT", orderId: o.orderId })
    const t2 = performance.now()
    if (i >= 20) { place.push(t1 - t0); cancel.push(t2 - t1) }
    yield* Effect.sleep("110 millis")
  }
  report("mexc", place, cancel)
}).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(SimExchange.layer({ market: false }), MexcQuotas.layer, NodeHttpClient.layerUndici)))

Effect.runPromise(Effect.andThen(gate, mexc).pipe(Effect.provide(Logger.layer([])))).then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
