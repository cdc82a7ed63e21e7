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
      end: "filled",
      rejection: undefined
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
      end: "open",
      rejection: undefined
    },
    {
      clientOrderId: "mmabc-3",
      orderId: undefined,
      side: "SELL",
      price: d("0.6"),
      quantity: d("3.49"),
      status: undefined,
      filledQuantity: d("0"),
      filledQuoteQuantity: d("0"),
      averagePrice: undefined,
      fees: [],
      ackMs: undefined,
      fillMs: undefined,
      end: "rejected",
      rejection: "insufficient balance: not enough HIFI (code 30004)"
    }
  ],
  bought: d("3.5"),
  boughtQuote: d("2.1"),
  sold: d("0"),
  soldQuote: d("0"),
  fees: [{ asset: "HIFI", amount: d("0.0035") }],
  unsold: d("3.4965"),
  mark: { price: d("0.60005"), source: "mid" },
  // -2.1 + 3.4965 x 0.60005
  pnl: d("-0.001925175"),
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
      // A refused order is REJECTED, with the venue's reason, not "(no answer)".
      assert.match(lines[3]!, /^ {2}SELL {2}3\.49 @ 0\.6 +REJECTED +filled 0 .* rejected mmabc-3: insufficient balance: not enough HIFI \(code 30004\)$/)
      assert.strictEqual(
        lines[4],
        "  bought 3.5 HIFI for 2.1 USDT, sold 0 for 0 USDT, fees 0.0035 HIFI, unsold 3.4965 HIFI, PnL -0.001925175 USDT" +
          " (unsold HIFI marked at the mid 0.60005)"
      )
    }))

  it.effect("json: exact decimals as strings, times as whole milliseconds", () =>
    Effect.sync(() => {
      const json = JSON.parse(JSON.stringify(Summary.toJson(summary)))
      assert.strictEqual(json.pnl, "-0.001925175")
      assert.deepStrictEqual(json.mark, { price: "0.60005", source: "mid" })
      assert.strictEqual(json.orders[2].rejection, "insufficient balance: not enough HIFI (code 30004)")
      assert.deepStrictEqual(json.orders[0].fees, [{ asset: "HIFI", amount: "0.0035" }])
      assert.strictEqual(json.orders[0].fillMs, 813)
      assert.strictEqual(json.orders[1].status, null)
    }))
})

describe("Summary totals over cycles", () => {
  it.effect("realized PnL adds up; all unsold base is valued at the latest mark", () =>
    Effect.sync(() => {
      const done: CycleSummary = {
        ...summary,
        cycle: 2,
        orders: [],
        bought: d("3.5"),
        boughtQuote: d("2.1"),
        sold: d("3.5"),
        soldQuote: d("2.10035"),
        fees: [],
        unsold: d("0"),
        mark: { price: d("0.6001"), source: "mid" },
        pnl: d("0.00035"),
        completed: true
      }
      const first = Summary.addToTotal(undefined, summary)
      const total = Summary.addToTotal(first, done)
      assert.strictEqual(total.cycles, 2)
      // realized: -2.1 (cycle 1) + 0.00035 (cycle 2); unsold 3.4965 at the latest mid 0.6001
      assert.strictEqual(Decimal.format(total.realized), "-2.09965")
      assert.strictEqual(Decimal.format(total.pnl), "-0.00140035")
      assert.strictEqual(
        Summary.formatTotal(total),
        "total over 2 cycles: PnL -0.00140035 USDT (realized -2.09965 USDT, unsold 3.4965 HIFI marked at the mid 0.6001)"
      )
      assert.deepStrictEqual(JSON.parse(JSON.stringify(Summary.totalToJson(total))).pnl, "-0.00140035")
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

  it.effect("a line of each queue's dropped and abandoned messages, when the queues are known", () =>
    Effect.sync(() => {
      const lines = ExitReport.formatTable({
        ...report,
        queues: [{ name: "queue:mexc-public", dropped: 3, abandoned: 0 }, { name: "queue:mexc-private", dropped: 0, abandoned: 2 }]
      })
      assert.strictEqual(lines.at(-1), "queues: queue:mexc-public dropped 3 abandoned 0, queue:mexc-private dropped 0 abandoned 2")
      assert.strictEqual(lines.at(-2), "counts: reconnects 1, resyncs 2, abandoned 1")
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
