/**
 * Detection: executable prices over depth, fees of both venues, thresholds, both venues' rules,
 * and hysteresis against threshold flapping.
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Result } from "effect"
import * as Detect from "../../src/arb/Detect.ts"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { BookLevel, type BookView } from "../../src/exchange/Model.ts"
import * as instruments from "../support/instruments.ts"

const d = Decimal.unsafeParse
const fmt = (v: BigDecimal.BigDecimal | undefined) => v === undefined ? undefined : Decimal.format(v)
const levels = (list: ReadonlyArray<readonly [string, string]>) => list.map(([price, quantity]) => new BookLevel({ price: d(price), quantity: d(quantity) }))

const book = (bids: ReadonlyArray<readonly [string, string]>, asks: ReadonlyArray<readonly [string, string]>): BookView => {
  const b = levels(bids)
  const a = levels(asks)
  return { symbol: "HIFIUSDT", version: 1n, bestBid: b[0], bestAsk: a[0], bids: (n) => b.slice(0, n), asks: (n) => a.slice(0, n), time: 0 }
}

const side = (venue: string, view: BookView, fee = "0.001", fields: Parameters<typeof instruments.hifi>[0] = {}): Detect.VenueSide => ({
  venue,
  instrument: instruments.hifi(fields),
  book: view,
  takerFeeRate: d(fee)
})

const options = (fields: Partial<Detect.DetectOptions> = {}): Detect.DetectOptions => ({
  quantity: d("10"),
  minProfitBps: 10,
  minProfitAbs: d("0"),
  limitBufferBps: 5,
  ...fields
})

describe("Detect", () => {
  it("executable: VWAP over the levels the size takes, the worst level reached, none without depth", () => {
    const asks = levels([["0.6", "4"], ["0.61", "4"], ["0.62", "100"]])
    const ex = Detect.executable(asks, d("10"))!
    assert.strictEqual(fmt(ex.vwap), "0.608") // (2.4 + 2.44 + 1.24) / 10
    assert.strictEqual(fmt(ex.worst), "0.62")
    assert.strictEqual(ex.levels, 3)
    assert.isUndefined(Detect.executable(levels([["0.6", "4"]]), d("10")))
  })

  it("limit price: worst level plus a bounded buffer, on the tick, never less aggressive than the level", () => {
    assert.strictEqual(fmt(Detect.limitPrice("BUY", d("0.6"), 5, d("0.0001"))), "0.6003")
    assert.strictEqual(fmt(Detect.limitPrice("SELL", d("0.6"), 5, d("0.0001"))), "0.5997")
    // A buffer smaller than a tick rounds back to the level itself.
    assert.strictEqual(fmt(Detect.limitPrice("BUY", d("0.6"), 1, d("0.001"))), "0.6")
    assert.strictEqual(fmt(Detect.limitPrice("SELL", d("0.6"), 1, d("0.001"))), "0.6")
  })

  it("a profitable direction net of both venues' fees, with both legs ready to send", () => {
    const cheap = side("alpha", book([["0.599", "100"]], [["0.6", "100"]]))
    const dear = side("beta", book([["0.61", "100"]], [["0.611", "100"]]), "0.002")
    const result = Detect.evaluate(cheap, dear, options())
    assert.isTrue(Result.isSuccess(result))
    const opp = Result.getOrThrow(result)
    assert.strictEqual(opp.buyVenue, "alpha")
    assert.strictEqual(opp.sellVenue, "beta")
    // fees: 6 x 0.001 + 6.1 x 0.002 = 0.0182; profit 6.1 - 6 - 0.0182
    assert.strictEqual(fmt(opp.fees), "0.0182")
    assert.strictEqual(fmt(opp.profit), "0.0818")
    assert.closeTo(opp.edgeBps, 136.33, 0.01)
    assert.strictEqual(fmt(opp.buyLimit), "0.6003")
    assert.strictEqual(fmt(opp.sellLimit), "0.6097")
    assert.deepStrictEqual([opp.buyRequest.timeInForce, opp.sellRequest.timeInForce], ["IOC", "IOC"])
    // The other way round loses money.
    const back = Detect.evaluate(dear, cheap, options())
    assert.isTrue(Result.isFailure(back) && back.failure._tag === "BelowThreshold")
  })

  it("fees can eat the edge; the absolute minimum applies too", () => {
    const cheap = side("alpha", book([["0.599", "100"]], [["0.6", "100"]]), "0.004")
    const dear = side("beta", book([["0.6048", "100"]], [["0.611", "100"]]), "0.004")
    const result = Detect.evaluate(cheap, dear, options())
    assert.isTrue(Result.isFailure(result) && result.failure._tag === "BelowThreshold")
    const ok = side("beta", book([["0.61", "100"]], [["0.611", "100"]]))
    const abs = Detect.evaluate(side("alpha", book([["0.599", "100"]], [["0.6", "100"]])), ok, options({ minProfitAbs: d("1") }))
    assert.isTrue(Result.isFailure(abs) && abs.failure._tag === "BelowThreshold")
  })

  it("both venues' rules are checked before either leg goes out (minimum notional on the sell venue)", () => {
    const cheap = side("alpha", book([["0.599", "100"]], [["0.6", "100"]]))
    const dear = side("beta", book([["0.61", "100"]], [["0.611", "100"]]), "0.001", { minNotional: d("10") })
    const result = Detect.evaluate(cheap, dear, options())
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure._tag, "Rules")
      assert.include((result.failure as { detail: string }).detail, "minNotional")
    }
  })

  it("depth decides: the VWAP over a thin top is what counts", () => {
    const cheap = side("alpha", book([["0.599", "100"]], [["0.6", "2"], ["0.609", "100"]]))
    const dear = side("beta", book([["0.609", "100"]], [["0.611", "100"]]))
    // At the top (0.6) this is ~130 bps; over the size's levels (VWAP 0.6072) under 10.
    const result = Detect.evaluate(cheap, dear, options())
    assert.isTrue(Result.isFailure(result) && result.failure._tag === "BelowThreshold")
    const thin = Detect.evaluate(cheap, dear, options({ quantity: d("2") }))
    assert.isTrue(Result.isSuccess(thin))
  })

  it("commonQuantity: rounded down to the coarser lot; lots with no common step refused", () => {
    assert.strictEqual(fmt(Detect.commonQuantity(d("10.037"), instruments.hifi({ lotSize: d("0.01") }), instruments.hifi({ lotSize: d("0.001") }))), "10.03")
    assert.isUndefined(Detect.commonQuantity(d("10"), instruments.hifi({ lotSize: d("0.03") }), instruments.hifi({ lotSize: d("0.02") })))
  })

  it("hysteresis: an edge hovering at the threshold fires once; a closed-and-reopened or clearly wider edge fires again", () => {
    const h = new Detect.Hysteresis(10, 2)
    const fired: Array<number> = []
    for (const [i, edge] of [10.1, 9.9, 10.1, 9.9, 10.1, 9.9, 10.1].entries()) {
      if (h.allows("a>b", edge)) {
        fired.push(i)
        h.fired("a>b")
      }
    }
    assert.deepStrictEqual(fired, [0])
    assert.isTrue(h.allows("a>b", 12)) // clearly above
    h.fired("a>b")
    assert.isFalse(h.allows("a>b", 10.5))
    assert.isFalse(h.allows("a>b", 7.9)) // closed: re-armed, but below the threshold
    assert.isTrue(h.allows("a>b", 10.1))
    // Without hysteresis every update at the threshold may fire.
    const none = new Detect.Hysteresis(10, 0)
    let count = 0
    for (const edge of [10.1, 9.9, 10.1, 9.9, 10.1]) {
      if (none.allows("a>b", edge)) {
        count++
        none.fired("a>b")
      }
    }
    assert.strictEqual(count, 3)
  })
})
