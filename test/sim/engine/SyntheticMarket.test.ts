import { assert, describe, it } from "@effect/vitest"
import {
  type DepthSnapshot,
  type PublicTrade,
  SimEngine,
  SyntheticMarket,
  type SyntheticMarketOptions
} from "../../../src/sim/engine/index.ts"
import { ok, T0 } from "./helpers.ts"

/** Runs a fresh engine + market for `ticks` 10 ms ticks, stepping every `every` ms. */
const run = (options: SyntheticMarketOptions, ticks: number, every = 10) => {
  const engine = SimEngine.make()
  const trades: Array<PublicTrade> = []
  for (const s of engine.symbols()) engine.subscribeTrades(s.symbol, (t) => trades.push(t))
  const market = SyntheticMarket.make(engine, options, T0)
  for (let now = T0 + every; now <= T0 + ticks * 10; now += every) market.step(now)
  const depth: Record<string, DepthSnapshot> = {}
  for (const s of engine.symbols()) depth[s.symbol] = engine.depth(s.symbol, 5000)!
  return { engine, market, trades, depth }
}

const quantities: Record<string, string> = { BTCUSDT: "0.001", ETHUSDT: "0.01", HIFIUSDT: "5" }

describe("SyntheticMarket", () => {
  it("is deterministic for a seed, and different seeds give different markets", () => {
    const a = run({ seed: 42 }, 1500)
    const b = run({ seed: 42 }, 1500)
    const c = run({ seed: 43 }, 1500)
    assert.deepStrictEqual(a.depth, b.depth)
    assert.deepStrictEqual(a.trades, b.trades)
    assert(a.trades.length > 50, `only ${a.trades.length} trades`)
    assert.notDeepEqual(a.depth.BTCUSDT, c.depth.BTCUSDT)
    assert.notDeepEqual(a.trades, c.trades)
  })

  it("evolves with time, not with how often step is called", () => {
    const often = run({ seed: 5 }, 1000, 10)
    const rarely = run({ seed: 5 }, 1000, 250)
    assert.deepStrictEqual(often.depth, rarely.depth)
    assert.deepStrictEqual(often.trades, rarely.trades)
    assert.strictEqual(often.market.tickCount, 1000)
    assert.strictEqual(rarely.market.tickCount, 1000)
  })

  it("quotes both sides of every symbol from the start, never crossed, with trades on every symbol", () => {
    const engine = SimEngine.make()
    const market = SyntheticMarket.make(engine, { seed: 1 }, T0)
    for (const s of engine.symbols()) {
      const depth = engine.depth(s.symbol, 100)!
      assert.strictEqual(depth.bids.length, 20)
      assert.strictEqual(depth.asks.length, 20)
    }
    const traded = new Set<string>()
    for (const s of engine.symbols()) engine.subscribeTrades(s.symbol, (t) => traded.add(t.symbol))
    for (let i = 1; i <= 3000; i++) {
      market.step(T0 + i * 10)
      for (const s of engine.symbols()) {
        const t = engine.bookTicker(s.symbol)!
        assert(Number(t.bidPrice) > 0 && Number(t.bidPrice) < Number(t.askPrice), `${s.symbol} crossed or empty at tick ${i}`)
      }
    }
    assert.deepStrictEqual([...traded].sort(), ["BTCUSDT", "ETHUSDT", "HIFIUSDT"])
    // The mid wanders but stays near where it started over 30 s.
    const mid = Number(market.mid("BTCUSDT"))
    assert(mid > 60_000 && mid < 70_000, `BTC mid ${mid}`)
  })

  it("changes every book in every tick, so 10 ms depth windows are never empty", () => {
    const engine = SimEngine.make()
    const market = SyntheticMarket.make(engine, { seed: 3 }, T0)
    const sent: Record<string, number> = {}
    for (const s of engine.symbols()) sent[s.symbol] = engine.depthVersion(s.symbol)!
    for (let i = 1; i <= 500; i++) {
      market.step(T0 + i * 10)
      for (const s of engine.symbols()) {
        const delta = engine.depthChangesSince(s.symbol, sent[s.symbol]!)!
        assert.strictEqual(delta._tag, "Changes", `${s.symbol} had no change in window ${i}`)
        if (delta._tag === "Changes") sent[s.symbol] = delta.toVersion
      }
    }
  })

  it("fills an order resting at the best bid or ask within seconds", () => {
    const fillTicks: Array<number> = []
    for (const symbol of ["BTCUSDT", "ETHUSDT", "HIFIUSDT"]) {
      for (let seed = 1; seed <= 12; seed++) {
        for (const side of ["BUY", "SELL"] as const) {
          const engine = SimEngine.make()
          let now = T0
          const market = SyntheticMarket.make(engine, { seed }, now)
          now += 1000
          market.step(now)
          const ticker = engine.bookTicker(symbol)!
          const order = ok(engine.placeOrder("sim-key", {
            symbol,
            side,
            type: "LIMIT",
            price: side === "BUY" ? ticker.bidPrice : ticker.askPrice,
            quantity: quantities[symbol]
          }, now))
          assert.strictEqual(order.status, "NEW")
          let ticks = 0
          while (engine.isOrderOpen("sim-key", order.orderId) && ticks < 3000) {
            now += 10
            market.step(now)
            ticks++
          }
          const filled = ok(engine.queryOrder("sim-key", { symbol, orderId: order.orderId }))
          assert.strictEqual(filled.status, "FILLED", `${symbol} ${side} seed ${seed} not filled in 30 s`)
          fillTicks.push(ticks)
        }
      }
    }
    fillTicks.sort((a, b) => a - b)
    // Deterministic for these seeds; the point is the shape: most within a few seconds.
    const within3s = fillTicks.filter((t) => t <= 300).length / fillTicks.length
    assert(within3s >= 0.75, `only ${within3s} filled within 3 s; ticks: ${fillTicks.join(",")}`)
  })

  it("never touches client balances except through the client's own trades", () => {
    const engine = SimEngine.make()
    const before = engine.balances("sim-key")
    const market = SyntheticMarket.make(engine, { seed: 9 }, T0)
    for (let i = 1; i <= 1000; i++) market.step(T0 + i * 10)
    assert.deepStrictEqual(engine.balances("sim-key"), before)
    assert.deepStrictEqual(engine.accounts().map((a) => a.apiKey), ["sim-key"])
  })

  it("skips a long pause instead of replaying it, and ignores time going backwards", () => {
    const engine = SimEngine.make()
    const market = SyntheticMarket.make(engine, { seed: 2, maxTicksPerStep: 50 }, T0)
    assert.strictEqual(market.step(T0 + 3_600_000), 50)
    assert.strictEqual(market.step(T0), 0)
    assert.strictEqual(market.step(T0 + 3_600_000 + 25), 2)
  })

  it("drives only the symbols it has parameters for, and refuses unknown ones", () => {
    const engine = SimEngine.make()
    SyntheticMarket.make(engine, { seed: 1, params: { ETHUSDT: { initialMid: "2000", levelQty: "1", levels: 5 } } }, T0)
    assert.strictEqual(engine.depth("ETHUSDT")!.bids.length, 5)
    assert.strictEqual(engine.depth("BTCUSDT")!.bids.length, 0)
    assert.throws(() => SyntheticMarket.make(SimEngine.make(), { seed: 1, params: { NOPE: { initialMid: "1", levelQty: "1" } } }, T0))
  })
})
