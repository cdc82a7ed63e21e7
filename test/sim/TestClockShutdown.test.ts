import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { SimExchange } from "../../src/sim/index.ts"
import { call, connect } from "./support.ts"

describe("SimExchange under a TestClock", () => {
  // The simulator's time is Effect's Clock, so tests run it under TestClock; its shutdown must not
  // wait for that clock (nobody advances it while the layer closes).
  it.effect("closes with a REST call in flight (latency fault) and a WebSocket open", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const inFlight = yield* Effect.gen(function*() {
          const sim = yield* SimExchange.SimExchange
          yield* connect(sim.wsUrl)
          yield* sim.faults.latency({ restMs: 5_000 })
          const inFlight = yield* Effect.forkDetach(Effect.exit(call("GET", `${sim.restUrl}/api/v3/time`)))
          // Real time for the request to reach the server (the TestClock does not move).
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 100)))
          return inFlight
        }).pipe(Effect.provide(SimExchange.layer({ market: false })))
        const answer = yield* Fiber.join(inFlight)
        // Cut by the shutdown: answered 503, or the connection closed under it.
        assert.isTrue(Exit.isFailure(answer) || answer.value.status === 503)
      })
    ), { timeout: 10_000 })
})
