import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { Decimal, makeSymbol, type PlaceOrderRequest, Prng, SimEngine } from "../../../src/sim/engine/index.ts"
import { T0, TEST } from "./helpers.ts"

const OTHER = makeSymbol({
  symbol: "OTHERUSDT",
  baseAsset: "OTHER",
  quoteAsset: "USDT",
  baseAssetPrecision: 1,
  quoteAssetPrecision: 4,
  baseSizePrecision: "0.1",
  quoteAmountPrecision: "0.5",
  quoteAmountPrecisionMarket: "0.5",
  makerCommission: "0.0003",
  takerCommission: "0.0007",
  baseCommissionPrecision: 5,
  quoteCommissionPrecision: 6
})

const keys = ["a", "b", "c", "d"]
const symbols = [
  { name: "TESTUSDT", base: "TEST", mid: 10, priceDecimals: 2, qtyDecimals: 3 },
  { name: "OTHERUSDT", base: "OTHER", mid: 0.5, priceDecimals: 4, qtyDecimals: 1 }
]
const assets = ["USDT", "TEST", "OTHER"]

describe("engine invariants under random trading", () => {
  it("conserves every asset (net of fees), keeps locks equal to open orders, and never crosses the book", () => {
    const engine = SimEngine.make({
      symbols: [TEST, OTHER],
      accounts: keys.map((apiKey) => ({ apiKey, secret: "s", balances: { USDT: "2000", TEST: "100", OTHER: "2000" } }))
    })
    const fees = new Map<string, bigint>(assets.map((a) => [a, 0n]))
    for (const key of keys) {
      engine.subscribeAccount(key, (e) => {
        if (e._tag === "Deal") fees.set(e.deal.feeCurrency, fees.get(e.deal.feeCurrency)! + Decimal.unsafeParse(e.deal.feeAmount))
      })
    }
    const totals = () => {
      const out = new Map<string, bigint>(assets.map((a) => [a, 0n]))
      for (const key of keys) {
        for (const b of engine.balances(key)!) {
          const free = Decimal.unsafeParse(b.free)
          const locked = Decimal.unsafeParse(b.locked)
          assert(free >= 0n && locked >= 0n, `negative balance ${key} ${b.asset}`)
          out.set(b.asset, out.get(b.asset)! + free + locked)
        }
      }
      return out
    }
    const initial = totals()
    const random = new Prng(2024)
    let fills = 0
    let rejections = 0
    for (let step = 0; step < 3000; step++) {
      const now = T0 + step
      const key = keys[random.int(keys.length)]!
      const s = symbols[random.int(symbols.length)]!
      const roll = random.next()
      if (roll < 0.75) {
        const type = (["LIMIT", "LIMIT", "LIMIT", "LIMIT_MAKER", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL", "MARKET"] as const)[random.int(7)]!
        const side = random.chance(0.5) ? "BUY" : "SELL"
        const price = (s.mid * (1 + random.between(-0.05, 0.05))).toFixed(s.priceDecimals)
        const quantity = random.between(0.1, 30).toFixed(s.qtyDecimals)
        const req: PlaceOrderRequest = type === "MARKET"
          ? random.chance(0.5)
            ? { symbol: s.name, side, type, quantity }
            : { symbol: s.name, side, type, quoteOrderQty: random.between(1, 50).toFixed(2) }
          : { symbol: s.name, side, type, price, quantity }
        const before = engine.balances(key)
        const result = engine.placeOrder(key, req, now)
        if (Result.isFailure(result)) {
          rejections++
          assert.deepStrictEqual(engine.balances(key), before, `rejection ${result.failure.code} changed balances`)
        } else if (result.success.executedQty !== "0") fills++
      } else if (roll < 0.95) {
        const open = Result.getOrThrow(engine.openOrders(key))
        if (open.length > 0) {
          const victim = open[random.int(open.length)]!
          assert(Result.isSuccess(engine.cancelOrder(key, { symbol: victim.symbol, orderId: victim.orderId }, now)))
        }
      } else {
        assert(Result.isSuccess(engine.cancelOpenOrders(key, s.name, now)))
      }

      // Conservation: what the accounts hold plus the fees charged is what they started with.
      const now_ = totals()
      for (const asset of assets) {
        assert.strictEqual(now_.get(asset)! + fees.get(asset)!, initial.get(asset)!, `${asset} not conserved at step ${step}`)
      }
      // Locks equal what the open orders may still spend; the book holds exactly the open orders.
      const expectedLocks = new Map<string, bigint>()
      const bookTotals = new Map<string, bigint>()
      for (const k of keys) {
        for (const o of Result.getOrThrow(engine.openOrders(k))) {
          const sym = symbols.find((x) => x.name === o.symbol)!
          const remaining = Decimal.unsafeParse(o.origQty) - Decimal.unsafeParse(o.executedQty)
          assert(remaining > 0n)
          const lockKey = `${k}:${o.side === "BUY" ? "USDT" : sym.base}`
          const lock = o.side === "BUY" ? Decimal.mul(Decimal.unsafeParse(o.price), remaining) : remaining
          expectedLocks.set(lockKey, (expectedLocks.get(lockKey) ?? 0n) + lock)
          const sideKey = `${o.symbol}:${o.side}`
          bookTotals.set(sideKey, (bookTotals.get(sideKey) ?? 0n) + remaining)
        }
        for (const asset of assets) {
          const b = engine.balances(k)!.find((x) => x.asset === asset)
          const locked = b === undefined ? 0n : Decimal.unsafeParse(b.locked)
          assert.strictEqual(locked, expectedLocks.get(`${k}:${asset}`) ?? 0n, `lock of ${k} ${asset} at step ${step}`)
        }
      }
      for (const sym of symbols) {
        const depth = engine.depth(sym.name, 5000)!
        const sum = (levels: ReadonlyArray<readonly [string, string]>) =>
          levels.reduce((acc, [, q]) => acc + Decimal.unsafeParse(q), 0n)
        assert.strictEqual(sum(depth.bids), bookTotals.get(`${sym.name}:BUY`) ?? 0n)
        assert.strictEqual(sum(depth.asks), bookTotals.get(`${sym.name}:SELL`) ?? 0n)
        const bid = depth.bids[0]
        const ask = depth.asks[0]
        if (bid !== undefined && ask !== undefined) {
          assert(Decimal.unsafeParse(bid[0]) < Decimal.unsafeParse(ask[0]), `${sym.name} crossed at step ${step}`)
        }
      }
    }
    assert(fills > 300, `only ${fills} orders traded`)
    assert(rejections > 50, `only ${rejections} rejections exercised`)
    assert(fees.get("USDT")! > 0n && fees.get("TEST")! > 0n && fees.get("OTHER")! > 0n)
  })
})
