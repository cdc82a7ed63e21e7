import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { SimExchange } from "../../src/sim/index.ts"
import { connect, signed } from "./support.ts"

describe("SimExchange under a TestClock", () => {
  // The simulator's time is Effect's Clock, so tests run it under TestClock; its shutdown must not
  // wait for that clock (nobody advances it while the layer closes).
  it.effect("closes with a REST call in flight (latency fault) and a WebSocket open", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        // The server's clock reads the wall clock's time (signed calls check their timestamp), then stands still.
        yield* TestClock.setTime(Date.now())
        const inFlight = yield* Effect.gen(function*() {
          const sim = yield* SimExchange.SimExchange
          yield* connect(sim.wsUrl)
          // The order is placed, its answer held on the TestClock, which nobody advances.
          yield* sim.faults.loseAnswers(1, { mode: "delay", delayMs: 5_000 })
          const inFlight = yield* Effect.forkDetach(Effect.exit(signed(sim.restUrl, "POST", "/api/v3/order", {
            symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "10000"
          })))
          // Bounded polling on real timers (the TestClock does not move) until the call is in the handler.
          for (let i = 0; ; i++) {
            const open = sim.engine.openOrders("sim-key")
            if (open._tag === "Success" && open.success.length === 1) break
            assert.isBelow(i, 500, "the call never reached the handler")
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
          }
          return inFlight
        }).pipe(Effect.provide(SimExchange.layer({ market: false })))
        const answer = yield* Fiber.join(inFlight)
        // Cut by the shutdown: answered 503, never left hanging.
        assert.isTrue(Exit.isSuccess(answer), "the call was answered")
        if (Exit.isSuccess(answer)) assert.strictEqual(answer.value.status, 503)
      })
    ), { timeout: 10_000 })
})
