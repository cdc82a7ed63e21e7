/**
 * `watch` as users run it: a real child process on Node 24. Its exit codes on signals, at every
 * moment of a run, are proved in ExitCodes.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { runCli as run, stoppingOrder } from "./support.ts"

describe("CLI: watch", () => {
  it.live("watches the embedded simulator for its duration, then exits 0 on its own", () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* run(["watch", "--duration", "3"])
      const code = yield* proc.exit(30_000)
      const out = proc.output()
      assert.strictEqual(code, 0, out)
      assert.match(out, /BTCUSDT bid \d+(\.\d+)? x [\d.]+ \| ask \d+(\.\d+)? x [\d.]+ \| spread [\d.]+ \| trades \d+.* \| book v\d+ \| resyncs \d+ \| reconnects \d+/)
      assert.match(out, /done: \d+ book views, \d+ trades, \d+ resyncs, \d+ reconnects, 0 malformed/)
      assert.deepStrictEqual(stoppingOrder(out), [
        "connection:mexc-public-1:stopping",
        "connection:mexc-public-1:stopped",
        "queue:mexc-public:stopping",
        "queue:mexc-public:stopped",
        "hub:mexc-public:stopping",
        "hub:mexc-public:stopped",
        "rest:mexc:stopping",
        "rest:mexc:stopped",
        "ratelimit:mexc:stopping",
        "ratelimit:mexc:stopped",
        "sim:stopping",
        "sim:stopped"
      ])
    })))

  it.live("rejects bad flags with a clear message and a non-zero exit", () =>
    Effect.scoped(Effect.gen(function*() {
      const badSymbol = yield* run(["watch", "--symbol", "btc/usdt"])
      assert.notStrictEqual(yield* badSymbol.exit(20_000), 0)
      assert.include(badSymbol.output(), "--symbol must be a pair like BTCUSDT")

      const badVenue = yield* run(["watch", "--venue", "kraken"])
      assert.notStrictEqual(yield* badVenue.exit(20_000), 0)
      assert.match(badVenue.output(), /kraken/)

      const badDuration = yield* run(["watch", "--duration", "-1"])
      assert.notStrictEqual(yield* badDuration.exit(20_000), 0)
      assert.include(badDuration.output(), "--duration must be >= 0")
    })), 90_000)
})
