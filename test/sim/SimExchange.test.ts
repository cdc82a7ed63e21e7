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

  it.live("extraSymbols lists SIM1USDT ... SIM<n>USDT besides the defaults, each with a live synthetic book and a funded base asset", () =>
    Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      const info = yield* call("GET", `${sim.restUrl}/api/v3/exchangeInfo`)
      const names = (info.body as { symbols: ReadonlyArray<{ symbol: string }> }).symbols.map((s) => s.symbol)
      assert.deepStrictEqual(names.sort(), ["BTCUSDT", "ETHUSDT", "HIFIUSDT", "SIM1USDT", "SIM2USDT", "SIM3USDT"])
      const depth = yield* call("GET", `${sim.restUrl}/api/v3/depth?symbol=SIM3USDT&limit=5`)
      const book = depth.body as { bids: ReadonlyArray<[string, string]>; asks: ReadonlyArray<[string, string]> }
      assert.strictEqual(book.bids.length, 5)
      assert.strictEqual(book.asks.length, 5)
      assert.isBelow(Number(book.bids[0]![0]), Number(book.asks[0]![0]))
      const account = yield* signed(sim.restUrl, "GET", "/api/v3/account", {})
      const balances = (account.body as { balances: ReadonlyArray<{ asset: string; free: string }> }).balances
      assert.strictEqual(balances.find((b) => b.asset === "SIM2")?.free, "100")
    }).pipe(Effect.provide(SimExchange.layer({ extraSymbols: 3 })), Effect.provideService(References.MinimumLogLevel, "Warn")))

  it("extraSymbols refuses a negative or fractional count", () => {
    assert.throws(() => SimExchange.extraSymbols(-1), /whole number >= 0/)
    assert.throws(() => SimExchange.extraSymbols(1.5), /whole number >= 0/)
  })
})
