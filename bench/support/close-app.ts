/**
 * One run of the close suite: `node close-app.ts <ours|ccxt> <sim json>`. Opens a private stream
 * (the account's order updates) on the simulator, prints `closing` once it is open, closes the
 * client, and then lets the process end by itself: the parent times `closing` to process exit.
 *
 * - ccxt: `watchOrders()` (ccxt creates the listen key), then `close()`.
 * - ours: the venue's exchanges (`Venue.layer` on the standalone simulator, the demo account),
 *   `PrivateExchange.orderUpdates` held, in a scope that is then closed (which deletes the listen
 *   key, closes both connections, and releases REST and the rate limiter).
 */
import { Effect, Layer, References, Stream } from "effect"
import { PrivateExchange } from "../../src/exchange/PrivateExchange.ts"
import * as SimVenue from "../../src/sim/SimVenue.ts"
import * as Venue from "../../src/venues/Venue.ts"
import { mexcAt } from "./Ccxt.ts"
import type { SimServer } from "./SimServer.ts"

const variant = process.argv[2]
const sim = JSON.parse(process.argv[3]!) as SimServer

if (variant === "ccxt") {
  const mexc = await mexcAt(sim.restUrl, sim.wsUrl, { apiKey: sim.apiKey, secret: sim.apiSecret })
  await mexc.loadMarkets()
  void mexc.watchOrders("BTC/USDT").catch(() => {})
  // Open once ccxt's private socket is connected.
  while (!Object.values(mexc.clients).some((c) => (c as { connection?: { readyState?: number } }).connection?.readyState === 1)) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  console.log("closing")
  await mexc.close()
} else {
  // The private side's layer is built once its user-data stream is open (listen key, connection).
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const priv = yield* PrivateExchange
    yield* priv.orderUpdates.pipe(Stream.runDrain, Effect.forkScoped)
    yield* Effect.yieldNow
    console.log("closing")
  })).pipe(
    Effect.provide(Layer.fresh(Venue.layer({ _tag: "sim", restUrl: sim.restUrl, wsUrl: sim.wsUrl }, {}, SimVenue.adapters))),
    Effect.provideService(References.MinimumLogLevel, "Warn")
  ))
}
