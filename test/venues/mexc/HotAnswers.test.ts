/**
 * The hand-written checks of MEXC's hot answers (place, cancel, query an order) accept exactly what
 * their schemas accept: a body either check refuses goes to the schema, which explains it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Parse from "../../../src/venues/mexc/Parse.ts"

const order = {
  symbol: "BTCUSDT",
  orderId: "C02__1",
  clientOrderId: "c-1",
  price: "30000",
  origQty: "0.0001",
  executedQty: "0",
  cummulativeQuoteQty: "0",
  status: "NEW",
  type: "LIMIT",
  side: "BUY",
  time: 1_700_000_000_000,
  updateTime: null
}

const agrees = <A>(schema: Schema.Decoder<A>, check: (json: unknown) => A | undefined, body: unknown) => {
  const bySchema = Schema.decodeUnknownExit(schema)(body)
  const byHand = check(body)
  assert.strictEqual(byHand !== undefined, bySchema._tag === "Success", JSON.stringify(body))
  if (byHand !== undefined && bySchema._tag === "Success") {
    // The same fields and values as the schema's (which leaves unknown fields out).
    for (const [key, value] of Object.entries(bySchema.value as object)) {
      assert.deepStrictEqual((byHand as Record<string, unknown>)[key], value, key)
    }
  }
}

describe("MEXC hot answers", () => {
  it("POST order: the hand-written check accepts what NewOrderAnswer accepts", () => {
    const bodies: Array<unknown> = [
      { symbol: "BTCUSDT", orderId: "C02__1", transactTime: 1 },
      { symbol: "BTCUSDT", orderId: 42 },
      { symbol: "BTCUSDT", orderId: 42, transactTime: null, extra: true },
      { symbol: "BTCUSDT", orderId: 42, transactTime: "1" },
      { symbol: "BTCUSDT" },
      { symbol: 1, orderId: 42 },
      { orderId: 42 },
      { code: 30004, msg: "Insufficient position" },
      [],
      null,
      "text",
      42
    ]
    for (const body of bodies) agrees(Parse.NewOrderAnswer, Parse.newOrderAnswer, body)
  })

  it("GET / DELETE order: the hand-written check accepts what OrderAnswer accepts", () => {
    const bodies: Array<unknown> = [
      order,
      { ...order, orderId: 7, time: undefined, clientOrderId: null },
      { ...order, extra: "kept out of the schema's" },
      { ...order, status: undefined },
      { ...order, type: 1 },
      { ...order, side: null },
      { ...order, price: 30000 },
      { ...order, origQuoteOrderQty: 1 },
      { ...order, time: "1700000000000" },
      { ...order, updateTime: "1" },
      { ...order, orderId: null },
      { code: -2011, msg: "Unknown order" },
      [order],
      null
    ]
    for (const body of bodies) agrees(Parse.OrderAnswer, Parse.orderAnswer, body)
  })
})
