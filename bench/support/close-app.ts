/**
 * One run of the close suite: `node close-app.ts <ours|ccxt> <sim json>`. Opens a private stream
 * (the account's order updates) on the simulator, prints `closing` once it is open, closes the
 * client, and then lets the process end by itself: the parent times `closing` to process exit.
 *
 * - ccxt: `watchOrders()` (ccxt creates the listen key), then `close()`.
 * - ours: a listen key from a signed `fetch`, then our Connection on the private stream with the
 *   orders channel held, in a scope that is then closed (the private exchange replaces this once
 *   it is on main).
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Effect, Redacted, References } from "effect"
import * as Connection from "../../src/socket/Connection.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import { signQuery } from "../../src/venues/mexc/Signing.ts"
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
  const response = await fetch(`${sim.restUrl}/api/v3/userDataStream?${signQuery(Redacted.make(sim.apiSecret), {}, Date.now())}`, {
    method: "POST",
    headers: { "X-MEXC-APIKEY": sim.apiKey }
  })
  const { listenKey } = await response.json() as { listenKey: string }
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const connection = yield* Connection.make({
      name: "private",
      url: `${sim.wsUrl}?listenKey=${listenKey}`,
      protocol: Protocol.mexc,
      sink: () => Effect.void
    })
    yield* connection.subscribe("spot@private.orders.v3.api.pb")
    yield* connection.awaitOpen
    console.log("closing")
  })).pipe(Effect.provide(NodeWS.layerWebSocketConstructor), Effect.provideService(References.MinimumLogLevel, "Warn")))
}
