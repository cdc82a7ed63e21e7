import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, References, Scope } from "effect"
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
        // A REST call still in flight when the close starts: the order is placed (so the call is
        // in the handler), its answer held.
        yield* sim.faults.loseAnswers(1, { mode: "delay", delayMs: 60_000 })
        const inFlight = yield* Effect.forkChild(Effect.exit(signed(sim.restUrl, "POST", "/api/v3/order", {
          symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "10000", newClientOrderId: "in-flight"
        })))
        yield* eventually(() => {
          const open = sim.engine.openOrders("sim-key")
          return open._tag === "Success" && open.success.length === 1
        }, "5 seconds", "the in-flight call to be in the handler")

        yield* Scope.close(scope, Exit.void)
        const stopped = events.find((e) => e.component === "sim" && e.phase === "stopped")
        assert.strictEqual(stopped?.outcome, "ok")
        for (const client of clients.slice(1)) {
          assert.strictEqual((yield* Effect.promise(() => client.closed)).code, 1001)
        }
        const answer = yield* Fiber.join(inFlight)
        // Cut by the shutdown: answered 503 once the in-flight grace period is over, never left hanging.
        assert.isTrue(Exit.isSuccess(answer), "the call was answered")
        if (Exit.isSuccess(answer)) assert.strictEqual(answer.value.status, 503)
      }).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
    ))
})
