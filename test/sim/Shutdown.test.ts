import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Scope } from "effect"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import { SimExchange } from "../../src/sim/index.ts"
import { connect, createListenKey, eventually, signed, type WsClient } from "./support.ts"

describe("SimExchange shutdown", () => {
  it.live("closes within its budget with clients connected, subscribed, mid-request, and one that never answers", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const events: Array<Lifecycle.LifecycleEvent> = []
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(SimExchange.layer(), scope).pipe(
          Effect.provideService(Lifecycle.LifecycleObserver, (event) => events.push(event))
        )
        const sim = context.mapUnsafe.get(SimExchange.SimExchange.key) as SimExchange.SimExchangeShape

        const listenKey = yield* createListenKey(sim)
        const clients: Array<WsClient> = []
        for (let i = 0; i < 4; i++) {
          const client = yield* connect(i === 3 ? `${sim.wsUrl}?listenKey=${listenKey}` : sim.wsUrl)
          client.send({
            method: "SUBSCRIPTION",
            params: i === 3
              ? ["spot@private.orders.v3.api.pb"]
              : ["spot@public.aggre.depth.v3.api.pb@10ms@BTCUSDT", "spot@public.aggre.deals.v3.api.pb@10ms@ETHUSDT"]
          })
          clients.push(client)
        }
        yield* eventually(() => clients.slice(0, 3).every((c) => c.pushes.length > 0))
        // This client stops reading: it will never answer the server's close frame.
        clients[0]!.ws.pause()
        // A REST call still in flight when the close starts.
        yield* sim.faults.latency({ restMs: 5_000 })
        const inFlight = yield* Effect.forkChild(Effect.exit(signed(sim.restUrl, "GET", "/api/v3/account", {})))
        yield* Effect.sleep("50 millis")

        yield* Scope.close(scope, Exit.void)
        const stopped = events.find((e) => e.component === "sim" && e.phase === "stopped")
        assert.strictEqual(stopped?.outcome, "ok")
        for (const client of clients.slice(1)) {
          assert.strictEqual((yield* Effect.promise(() => client.closed)).code, 1001)
        }
        const answer = yield* Fiber.join(inFlight)
        // Cut by the shutdown: answered 503, or the connection closed under it; never left hanging.
        assert.isTrue(Exit.isFailure(answer) || answer.value.status === 503)
      })
    ))
})
