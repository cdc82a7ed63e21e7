import { assert, describe, it } from "@effect/vitest"
import { Effect, References } from "effect"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { SimExchange } from "../../src/sim/index.ts"
import { call, connect, eventually, jsonTexts, signed } from "./support.ts"

describe("SimExchange", () => {
  it.live("serves REST and the protobuf WebSocket on one free port, and leaves nothing behind", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const sim = yield* SimExchange.SimExchange
        assert.match(sim.restUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
        assert.strictEqual(sim.wsUrl, `ws://127.0.0.1:${sim.port}/ws`)
        const ping = yield* call("GET", `${sim.restUrl}/api/v3/ping`)
        assert.deepStrictEqual(ping.body, {})
        const account = yield* signed(sim.restUrl, "GET", "/api/v3/account", {})
        assert.strictEqual(account.status, 200)

        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: ["spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"] })
        yield* eventually(() => client.pushes.length >= 2, "5 seconds", "depth pushes")
        assert.deepStrictEqual(jsonTexts(client)[0], { id: 0, code: 0, msg: "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT" })
        // The client stays connected while the layer closes: the leak check proves the close.
      }).pipe(Effect.provide(SimExchange.layer()), Effect.provideService(References.MinimumLogLevel, "Warn"))
    ))
})
