/** The cycle summary and the exit report as people and log pipelines read them. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as ExitReport from "../../src/cli/ExitReport.ts"
import * as Decimal from "../../src/exchange/Decimal.ts"
import type { CycleSummary } from "../../src/mm/MarketMaker.ts"
import * as Summary from "../../src/mm/Summary.ts"

const d = Decimal.unsafeParse

const summary: CycleSummary = {
  cycle: 1,
  symbol: "HIFIUSDT",
  baseAsset: "HIFI",
  quoteAsset: "USDT",
  orders: [
    {
      clientOrderId: "mmabc-1",
      orderId: "42",
      side: "BUY",
      price: d("0.6"),
      quantity: d("3.5"),
      status: "FILLED",
      filledQuantity: d("3.5"),
      filledQuoteQuantity: d("2.1"),
      averagePrice: d("0.6"),
      fees: [{ asset: "HIFI", amount: d("0.0035") }],
      ackMs: 2.4,
      fillMs: 812.6,
      end: "filled"
    },
    {
      clientOrderId: "mmabc-2",
      orderId: undefined,
      side: "SELL",
      price: d("0.6001"),
      quantity: d("3.49"),
      status: undefined,
      filledQuantity: d("0"),
      filledQuoteQuantity: d("0"),
      averagePrice: undefined,
      fees: [],
      ackMs: undefined,
      fillMs: undefined,
      end: "open"
    }
  ],
  bought: d("3.5"),
  boughtQuote: d("2.1"),
  sold: d("0"),
  soldQuote: d("0"),
  fees: [{ asset: "HIFI", amount: d("0.0035") }],
  unsold: d("3.4965"),
  pnl: d("-0.0021"),
  completed: false,
  durationMs: 1234
}

describe("Summary", () => {
  it.effect("text: a header, one aligned line per order, the totals with a signed PnL", () =>
    Effect.sync(() => {
      const lines = Summary.formatText(summary)
      assert.strictEqual(lines[0], "cycle 1 on HIFIUSDT: incomplete in 1.2 s")
      assert.match(lines[1]!, /^ {2}BUY {3}3\.5 @ 0\.6 +FILLED +filled 3\.5 @ 0\.6 +fee 0\.0035 HIFI +ack 2 ms +fill 813 ms +filled 42 mmabc-1$/)
      assert.match(lines[2]!, /^ {2}SELL {2}3\.49 @ 0\.6001 +\(no answer\) +filled 0 +fee 0 +ack - +fill - +open mmabc-2$/)
      assert.strictEqual(lines[1]!.indexOf("FILLED"), lines[2]!.indexOf("(no answer)"), "columns line up")
      assert.strictEqual(
        lines[3],
        "  bought 3.5 HIFI for 2.1 USDT, sold 0 for 0 USDT, fees 0.0035 HIFI, unsold 3.4965 HIFI, PnL -0.0021 USDT"
      )
    }))

  it.effect("json: exact decimals as strings, times as whole milliseconds", () =>
    Effect.sync(() => {
      const json = JSON.parse(JSON.stringify(Summary.toJson(summary)))
      assert.strictEqual(json.pnl, "-0.0021")
      assert.deepStrictEqual(json.orders[0].fees, [{ asset: "HIFI", amount: "0.0035" }])
      assert.strictEqual(json.orders[0].fillMs, 813)
      assert.strictEqual(json.orders[1].status, null)
    }))
})

describe("ExitReport", () => {
  const report: ExitReport.Report = {
    components: [
      { name: "mm", stopMs: 3.2, stopBudgetMs: 6000, outcome: "ok" },
      { name: "connection:mexc-private", stopMs: 5001, stopBudgetMs: 5000, outcome: "abandoned" }
    ],
    counts: { reconnects: 1, resyncs: 2, abandoned: 1 }
  }

  it.effect("a table with each component's stop time, budget and outcome, then the counts", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(ExitReport.formatTable(report), [
        "shutdown                   stopped in  budget   outcome",
        "  mm                       3 ms        6000 ms  ok",
        "  connection:mexc-private  5001 ms     5000 ms  abandoned (over budget)",
        "counts: reconnects 1, resyncs 2, abandoned 1"
      ])
    }))

  it.effect("one JSON line", () =>
    Effect.sync(() => {
      const line = ExitReport.formatJson(report)
      assert.notInclude(line, "\n")
      assert.deepStrictEqual(JSON.parse(line).exitReport.components[1], {
        name: "connection:mexc-private",
        stopMs: 5001,
        stopBudgetMs: 5000,
        outcome: "abandoned"
      })
    }))
})
