/**
 * Venue credentials from `Config`: a missing or malformed one is a clear configuration error at
 * start, naming the variable and never showing the value.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted, Schema } from "effect"
import { SimVenue } from "../../src/sim/index.ts"
import * as Venue from "../../src/venues/Venue.ts"

const withEnv = (env: Record<string, string>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

const secret = "3f1b0c9e8d7a6b5c4d3e2f1a0b9c8d7e"

describe("Venue credentials", () => {
  it.effect("reads both from MEXC_API_KEY / MEXC_API_SECRET, Redacted", () =>
    Effect.gen(function*() {
      const credentials = yield* Venue.credentialsFromConfig.pipe(withEnv({ MEXC_API_KEY: "mx0abc", MEXC_API_SECRET: secret }))
      assert.strictEqual(Redacted.value(credentials.apiKey), "mx0abc")
      assert.strictEqual(Redacted.value(credentials.apiSecret), secret)
      assert.notInclude(String(credentials.apiSecret), secret)
      assert.notInclude(JSON.stringify(credentials), secret)
    }))

  it.effect("a missing one fails with InvalidConfig naming the variable", () =>
    Effect.gen(function*() {
      const noSecret = yield* Effect.flip(Venue.credentialsFromConfig.pipe(withEnv({ MEXC_API_KEY: "mx0abc" })))
      assert.strictEqual(noSecret.reason._tag, "InvalidConfig")
      assert.strictEqual(noSecret.reason._tag === "InvalidConfig" && noSecret.reason.variable, "MEXC_API_SECRET")
      assert.include(noSecret.message, "MEXC_API_SECRET: is not set")
      const none = yield* Effect.flip(Venue.credentialsFromConfig.pipe(withEnv({})))
      assert.strictEqual(none.reason._tag === "InvalidConfig" && none.reason.variable, "MEXC_API_KEY")
    }))

  it.effect("a malformed one fails naming the variable and never showing the value", () =>
    Effect.gen(function*() {
      const pasted = `${secret}\n`
      const error = yield* Effect.flip(Venue.credentialsFromConfig.pipe(withEnv({ MEXC_API_KEY: "mx0abc", MEXC_API_SECRET: pasted })))
      assert.strictEqual(error.reason._tag === "InvalidConfig" && error.reason.variable, "MEXC_API_SECRET")
      assert.include(error.message, "malformed")
      assert.notInclude(error.message, secret)
      assert.notInclude(JSON.stringify(error), secret)
      const quoted = yield* Effect.flip(Venue.credentialsFromConfig.pipe(withEnv({ MEXC_API_KEY: "\"mx0abc\"", MEXC_API_SECRET: secret })))
      assert.strictEqual(quoted.reason._tag === "InvalidConfig" && quoted.reason.variable, "MEXC_API_KEY")
      assert.notInclude(quoted.message, "mx0abc")
      const empty = yield* Effect.flip(Venue.credentialsFromConfig.pipe(withEnv({ MEXC_API_KEY: "mx0abc", MEXC_API_SECRET: "" })))
      assert.strictEqual(empty.reason._tag, "InvalidConfig")
    }))

  it("the config schema takes mexc and sim, with optional URL overrides", () => {
    const decode = Schema.decodeUnknownSync(SimVenue.VenueConfig)
    assert.deepStrictEqual(decode({ _tag: "mexc" }), { _tag: "mexc" })
    assert.deepStrictEqual(decode({ _tag: "sim", restUrl: "http://127.0.0.1:8080", seed: 3 }), { _tag: "sim", restUrl: "http://127.0.0.1:8080", seed: 3 })
    assert.throws(() => decode({ _tag: "binance" }))
    assert.throws(() => decode({ _tag: "mexc", restUrl: 42 }))
  })
})
