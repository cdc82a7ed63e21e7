/**
 * A MARKET order by quote amount against the simulator over real HTTP (issue 16, item 5): the
 * amount keeps to the instrument's quote step like a price or quantity does. Before, 2.123456 on
 * HIFIUSDT (4-decimal quote) was sent as is and the venue answered 400/33333.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { counterOrder, withPrivate } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse

describe("MexcPrivate: MARKET by quote amount", () => {
  it.live("precision round sends the amount rounded down to the quote step; reject refuses it before sending", () =>
    withPrivate(({ exchange, sim }) =>
      Effect.gen(function*() {
        counterOrder(sim, { symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: "0.61", quantity: "100" })
        const order = { symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quoteQuantity: d("2.123456") } as const
        const refused = yield* Effect.flip(exchange.placeOrder(order))
        assert.strictEqual(refused.reason._tag, "FilterRejected")
        assert.include(refused.message, "quote step")
        const placed = yield* exchange.placeOrder({ ...order, precision: "round" })
        const final = yield* exchange.queryOrder({ symbol: "HIFIUSDT", orderId: placed.orderId })
        assert.strictEqual(final.status, "FILLED")
        assert.strictEqual(Decimal.format(final.quoteQuantity!), "2.1234")
      })
    ))
})
