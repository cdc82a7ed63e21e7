/** The Gate side's market is a function of its seed: same seed, same books and trades; another seed, another market. */
import { assert, describe, it } from "@effect/vitest"
import { SimEngine } from "../../../src/sim/engine/Engine.ts"
import { defaultSyntheticParams, SyntheticMarket } from "../../../src/sim/engine/SyntheticMarket.ts"
import { defaultGateSymbols, gateParams } from "../../../src/sim/GateSim.ts"

const run = (seed: number) => {
  const engine = SimEngine.make({ symbols: defaultGateSymbols })
  const trades: Array<string> = []
  engine.subscribeTrades("BTC_USDT", (t) => trades.push(`${t.price}x${t.quantity}`))
  const market = SyntheticMarket.make(engine, { seed, params: gateParams(defaultSyntheticParams) }, 0)
  for (let t = 1; t <= 1_000; t++) market.step(t * 10)
  return { book: engine.depth("BTC_USDT", 20), eth: engine.depth("ETH_USDT", 5), trades }
}

describe("Gate market determinism", () => {
  it("same seed, same books and trades; another seed, another market", () => {
    const a = run(42)
    assert.deepStrictEqual(run(42), a)
    assert.isAbove(a.trades.length, 0)
    assert.notDeepEqual(run(43).book, a.book)
  })
})
