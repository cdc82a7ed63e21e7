/**
 * Gate in the venue registry: `--venue gate` is one of the choices, its credentials come from
 * GATE_API_KEY / GATE_API_SECRET (a missing one named, never shown), its public exchange works
 * against the Gate simulator's REST, and its private side, which needs the venue-neutral private
 * connector, refuses to start with one clear line instead of half working.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Logger } from "effect"
import { PublicExchange } from "../../../src/exchange/PublicExchange.ts"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import { GateSim, SimVenue } from "../../../src/sim/index.ts"
import * as Venue from "../../../src/venues/Venue.ts"

const withEnv = (env: Record<string, string>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

describe("Gate in the venue registry", () => {
  it("is a --venue choice", () => {
    assert.include(SimVenue.names, "gate")
    assert.include(Object.keys(Venue.adapters), "gate")
  })

  it.effect("credentials come from GATE_API_KEY / GATE_API_SECRET; a missing one is named", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(Layer.build(Venue.layer({ _tag: "gate" })).pipe(Effect.scoped, withEnv({ GATE_API_KEY: "k" })))
      assert.strictEqual(missing.reason._tag === "InvalidConfig" && missing.reason.variable, "GATE_API_SECRET")
      const credentials = yield* Venue.adapters.gate.credentials.pipe(withEnv({ GATE_API_KEY: "k", GATE_API_SECRET: "s3cr3t" }))
      assert.notInclude(JSON.stringify(credentials), "s3cr3t")
    }))

  it.live("the public exchange reads the Gate simulator; the private side refuses to start with one line", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const gate = yield* GateSim.GateSim
      const config = { _tag: "gate", restUrl: gate.restUrl, wsUrl: gate.wsUrl }
      const listed = yield* Effect.gen(function*() {
        const exchange = yield* PublicExchange
        return yield* exchange.instruments
      }).pipe(Effect.provide(Venue.layerPublic(config)))
      assert.includeMembers(listed.map((i) => i.symbol), ["BTC_USDT", "ETH_USDT"])
      const refused = yield* Effect.flip(Layer.build(Venue.layer(config, { credentials: SimVenue.demoCredentials })).pipe(Effect.scoped))
      assert.strictEqual(refused.reason._tag, "InvalidConfig")
      assert.include(refused.message, "Gate's private exchange (orders, balances) is not available")
    }).pipe(Effect.provide(GateSim.layer({ market: false })), Effect.provide(Logger.layer([])))))
})
