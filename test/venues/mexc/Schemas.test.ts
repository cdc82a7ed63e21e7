import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { MexcSchemas } from "../../../src/venues/mexc/index.ts"
import { fixture } from "./fixtures.ts"

const cases: ReadonlyArray<readonly [string, Schema.Top & Schema.ConstraintDecoder<unknown>]> = [
  ["ping", MexcSchemas.Ping],
  ["time", MexcSchemas.ServerTime],
  ["exchangeInfo", MexcSchemas.ExchangeInfo],
  ["depth", MexcSchemas.Depth],
  ["bookTicker", MexcSchemas.BookTicker],
  ["tickerPrice", MexcSchemas.TickerPrice],
  ["ticker24hr", MexcSchemas.Ticker24h],
  ["trades", Schema.Array(MexcSchemas.Trade)],
  ["newOrder", MexcSchemas.NewOrder],
  ["cancelOrder", MexcSchemas.CanceledOrder],
  ["queryOrder", MexcSchemas.Order],
  ["openOrders", Schema.Array(MexcSchemas.Order)],
  ["cancelOpenOrders", Schema.Array(MexcSchemas.CanceledOpenOrder)],
  ["account", MexcSchemas.Account],
  ["listenKey", MexcSchemas.ListenKey],
  ["error", MexcSchemas.ErrorBody],
  ["errorStringCode", MexcSchemas.ErrorBody],
  ["aggTrades", Schema.Array(MexcSchemas.AggTrade)],
  ["klines", Schema.Array(MexcSchemas.Kline)],
  ["myTrades", Schema.Array(MexcSchemas.MyTrade)],
  ["tradeFee", MexcSchemas.TradeFee],
  ["cancelAll", MexcSchemas.CancelAll],
  ["batchOrders", Schema.Array(MexcSchemas.BatchOrderResult)],
  ["listenKeys", MexcSchemas.ListenKeys],
  ["contractDetail", MexcSchemas.ContractDetail],
  ["wsAck", MexcSchemas.WsControlReply]
]

describe("MexcSchemas", () => {
  for (const [name, schema] of cases) {
    it(`decodes the saved ${name} payload`, () => {
      const result = Schema.decodeUnknownExit(schema)(fixture(name))
      assert.strictEqual(result._tag, "Success", `${name}: ${String(result)}`)
    })
  }

  it("rejects numbers where MEXC sends decimal strings, and exponent notation", () => {
    const depth = fixture("depth") as { bids: Array<Array<unknown>> }
    const numeric = { ...depth, bids: [[96210.01, "1"]] }
    assert.strictEqual(Schema.decodeUnknownExit(MexcSchemas.Depth)(numeric)._tag, "Failure")
    const exponent = { ...depth, bids: [["1e-7", "1"]] }
    assert.strictEqual(Schema.decodeUnknownExit(MexcSchemas.Depth)(exponent)._tag, "Failure")
  })

  it("decodes an error code sent as a string to the number", () => {
    const decoded = Schema.decodeUnknownSync(MexcSchemas.ErrorBody)(fixture("errorStringCode"))
    assert.strictEqual(decoded.code, 730002)
  })

  it("rejects a numeric order id", () => {
    const order = { ...(fixture("newOrder") as object), orderId: 481937457916551168071 }
    assert.strictEqual(Schema.decodeUnknownExit(MexcSchemas.NewOrder)(order)._tag, "Failure")
  })
})
