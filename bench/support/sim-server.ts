/**
 * The simulator in a child process of its own for the bench (so its CPU is not counted against
 * any client): the three default symbols plus seven more (`X1USDT`..`X7USDT`), each traded by the
 * synthetic market, request quotas raised out of the way (the bench measures clients, not the
 * venue's limits). Prints one JSON line `{ restUrl, wsUrl, apiKey, apiSecret, symbols }` and
 * serves until SIGTERM.
 */
import { Effect, Fiber, Layer, Redacted, References } from "effect"
import { SimExchange } from "../../src/sim/index.ts"
import { defaultSymbols, makeSymbol } from "../../src/sim/engine/Symbols.ts"
import { defaultSyntheticParams } from "../../src/sim/engine/SyntheticMarket.ts"

const extra = Array.from({ length: 7 }, (_, i) =>
  makeSymbol({
    symbol: `X${i + 1}USDT`,
    baseAsset: `X${i + 1}`,
    quoteAsset: "USDT",
    baseAssetPrecision: 4,
    quoteAssetPrecision: 2
  }))
const symbols = [...defaultSymbols, ...extra]
const params = {
  ...defaultSyntheticParams,
  ...Object.fromEntries(extra.map((s, i) => [s.symbol, { initialMid: String(100 + 10 * i), levelQty: "5" }]))
}

const program = Effect.gen(function*() {
  const sim = yield* SimExchange.SimExchange
  console.log(JSON.stringify({
    restUrl: sim.restUrl,
    wsUrl: sim.wsUrl,
    apiKey: sim.credentials.apiKey,
    apiSecret: Redacted.value(sim.credentials.apiSecret),
    symbols: symbols.map((s) => s.symbol)
  }))
  return yield* Effect.never
}).pipe(
  Effect.provide(
    SimExchange.layer({
      seed: 7,
      symbols,
      market: { params },
      rateLimits: { default: { limit: 1_000_000_000, windowMs: 10_000 } }
    }) as Layer.Layer<SimExchange.SimExchange>
  ),
  Effect.provideService(References.MinimumLogLevel, "Warn")
)

const fiber = Effect.runFork(program)
const stop = () => void Effect.runPromise(Fiber.interrupt(fiber))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
