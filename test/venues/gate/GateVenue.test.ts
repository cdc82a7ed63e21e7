/**
 * Gate in the venue registry: `--venue gate` is one of the choices, its credentials come from
 * GATE_API_KEY / GATE_API_SECRET (a missing one named, never shown), and both its exchanges work
 * against the Gate simulator.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Logger, Redacted } from "effect"
import { PrivateExchange } from "../../../src/exchange/PrivateExchange.ts"
import { PublicExchange } from "../../../src/exchange/PublicExchange.ts"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import { GateSim, SimVenue } from "../../../src/sim/index.ts"
import * as Root from "../../../src/index.ts"
import * as Venue from "../../../src/venues/Venue.ts"

const withEnv = (env: Record<string, string>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

describe("Gate in the venue registry", () => {
  it("is a --venue choice, and the root module exports it under Gate", () => {
    assert.include(SimVenue.names, "gate")
    assert.include(Object.keys(Venue.adapters), "gate")
    assert.strictEqual(Root.Gate.Venue.adapter, Venue.adapters.gate)
    assert.isFunction(Root.Gate.Private.layer)
    assert.isFunction(Root.Gate.Signing.signRest)
  })

  it.effect("credentials come from GATE_API_KEY / GATE_API_SECRET; a missing one is named", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(Layer.build(Venue.layer({ _tag: "gate" })).pipe(Effect.scoped, withEnv({ GATE_API_KEY: "k" })))
      assert.strictEqual(missing.reason._tag === "InvalidConfig" && missing.reason.variable, "GATE_API_SECRET")
      const credentials = yield* Venue.adapters.gate.credentials.pipe(withEnv({ GATE_API_KEY: "k", GATE_API_SECRET: "s3cr3t" }))
      assert.notInclude(JSON.stringify(credentials), "s3cr3t")
    }))

  it.live("both exchanges from the registry work against the Gate simulator", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const gate = yield* GateSim.GateSim
      const config = { _tag: "gate", restUrl: gate.restUrl, wsUrl: gate.wsUrl }
      const listed = yield* Effect.gen(function*() {
        const exchange = yield* PublicExchange
        return yield* exchange.instruments
      }).pipe(Effect.provide(Venue.layerPublic(config)))
      assert.includeMembers(listed.map((i) => i.symbol), ["BTC_USDT", "ETH_USDT"])
      const balances = yield* Effect.gen(function*() {
        const exchange = yield* PrivateExchange
        return yield* exchange.balances
      }).pipe(Effect.provide(Venue.layer(config, { credentials: { apiKey: Redacted.make(gate.credentials.apiKey), apiSecret: gate.credentials.apiSecret } })))
      assert.isDefined(balances.find((b) => b.asset === "USDT"))
    }).pipe(Effect.provide(GateSim.layer({ market: false })), Effect.provide(Logger.layer([])))))
})
