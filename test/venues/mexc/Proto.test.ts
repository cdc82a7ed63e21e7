import { assert, describe, it } from "@effect/vitest"
import { MexcProto } from "../../../src/venues/mexc/index.ts"

/** Minimal hand-written protobuf encoder, independent of the generated code, to pin field tags. */
const varint = (n: number): Array<number> => {
  const out: Array<number> = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
const key = (field: number, wire: number) => varint(field * 8 + wire)
const str = (field: number, s: string) => {
  const bytes = [...Buffer.from(s, "utf8")]
  return [...key(field, 2), ...varint(bytes.length), ...bytes]
}
const msg = (field: number, body: Array<number>) => [...key(field, 2), ...varint(body.length), ...body]
const int = (field: number, n: number) => [...key(field, 0), ...varint(n)]

describe("MexcProto", () => {
  it("decodes an aggregated depth frame built by hand from the reference tags", () => {
    const depth = [
      ...msg(1, [...str(1, "96210.02"), ...str(2, "0.5")]),
      ...msg(2, [...str(1, "96210.01"), ...str(2, "0")]),
      ...str(3, "spot@public.aggre.depth.v3.api.pb@100ms"),
      ...str(4, "1001"),
      ...str(5, "1004")
    ]
    const frame = Uint8Array.from([
      ...str(1, "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"),
      ...msg(313, depth),
      ...str(3, "BTCUSDT"),
      ...int(6, 1732200000123)
    ])
    const decoded = MexcProto.decodePush(frame)
    assert.strictEqual(decoded.channel, "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT")
    assert.strictEqual(decoded.symbol, "BTCUSDT")
    assert.strictEqual(decoded.sendTime, 1732200000123)
    assert.strictEqual(decoded.body?.$case, "publicAggreDepths")
    if (decoded.body?.$case !== "publicAggreDepths") return
    assert.deepStrictEqual(decoded.body.value.asks, [{ price: "96210.02", quantity: "0.5" }])
    assert.deepStrictEqual(decoded.body.value.bids, [{ price: "96210.01", quantity: "0" }])
    assert.strictEqual(decoded.body.value.fromVersion, "1001")
    assert.strictEqual(decoded.body.value.toVersion, "1004")
  })

  it("decodes every other pushed body from frames built by hand with the reference tags", () => {
    const frame = (tag: number, body: Array<number>) => MexcProto.decodePush(Uint8Array.from([...str(1, "c"), ...msg(tag, body)]))
    const boolean = (field: number) => int(field, 1)

    const deals = frame(314, [...msg(1, [...str(1, "1.5"), ...str(2, "2"), ...int(3, 2), ...int(4, 1732200000000), ...str(5, "t1")]), ...str(2, "e")])
    assert.deepStrictEqual(deals.body, {
      $case: "publicAggreDeals",
      value: { deals: [{ price: "1.5", quantity: "2", tradeType: 2, time: 1732200000000, tradeId: "t1" }], eventType: "e" }
    })

    const ticker = frame(315, [...str(1, "1"), ...str(2, "2"), ...str(3, "3"), ...str(4, "4"), ...str(5, "9"), ...int(6, 5)])
    assert.deepStrictEqual(ticker.body, {
      $case: "publicAggreBookTicker",
      value: { bidPrice: "1", bidQuantity: "2", askPrice: "3", askQuantity: "4", version: "9", lastOrderCreateTime: 5 }
    })

    const limit = frame(303, [...msg(1, [...str(1, "3"), ...str(2, "1")]), ...msg(2, [...str(1, "2"), ...str(2, "4")]), ...str(3, "e"), ...str(4, "7"), ...int(5, 6)])
    assert.deepStrictEqual(limit.body, {
      $case: "publicLimitDepths",
      value: { asks: [{ price: "3", quantity: "1" }], bids: [{ price: "2", quantity: "4" }], eventType: "e", version: "7", lastOrderCreateTime: 6 }
    })

    const order = frame(304, [
      ...str(1, "id"), ...str(2, "cid"), ...str(3, "10"), ...str(4, "2"), ...str(5, "20"), ...str(6, "10"), ...int(7, 1), ...int(8, 2),
      ...boolean(9), ...str(10, "10"), ...str(11, "1"), ...str(12, "1"), ...str(13, "1"), ...str(14, "10"), ...int(15, 3),
      ...int(16, 1732200000000), ...str(17, "BTCUSDT")
    ])
    assert.strictEqual(order.body?.$case, "privateOrders")
    if (order.body?.$case === "privateOrders") {
      const v = order.body.value
      assert.deepStrictEqual(
        [v.id, v.clientId, v.price, v.quantity, v.amount, v.avgPrice, v.orderType, v.tradeType, v.isMaker, v.remainAmount],
        ["id", "cid", "10", "2", "20", "10", 1, 2, true, "10"]
      )
      assert.deepStrictEqual(
        [v.remainQuantity, v.lastDealQuantity, v.cumulativeQuantity, v.cumulativeAmount, v.status, v.createTime, v.market],
        ["1", "1", "1", "10", 3, 1732200000000, "BTCUSDT"]
      )
    }

    const deal = frame(306, [
      ...str(1, "10"), ...str(2, "1"), ...str(3, "10"), ...int(4, 1), ...boolean(5), ...boolean(6), ...str(7, "t"), ...str(8, "c"),
      ...str(9, "o"), ...str(10, "0.01"), ...str(11, "USDT"), ...int(12, 1732200000000)
    ])
    assert.deepStrictEqual(deal.body, {
      $case: "privateDeals",
      value: {
        price: "10", quantity: "1", amount: "10", tradeType: 1, isMaker: true, isSelfTrade: true, tradeId: "t",
        clientOrderId: "c", orderId: "o", feeAmount: "0.01", feeCurrency: "USDT", time: 1732200000000
      }
    })

    const account = frame(307, [
      ...str(1, "USDT"), ...str(2, "id"), ...str(3, "10"), ...str(4, "-1"), ...str(5, "1"), ...str(6, "1"), ...str(7, "DEAL"),
      ...int(8, 1732200000000)
    ])
    assert.deepStrictEqual(account.body, {
      $case: "privateAccount",
      value: {
        vcoinName: "USDT", coinId: "id", balanceAmount: "10", balanceAmountChange: "-1", frozenAmount: "1",
        frozenAmountChange: "1", type: "DEAL", time: 1732200000000
      }
    })
  })

  it("skips oneof members it does not model (e.g. publicSpotKline = 308)", () => {
    const frame = Uint8Array.from([...str(1, "spot@public.kline.v3.api.pb@BTCUSDT@Min1"), ...msg(308, str(1, "x"))])
    const decoded = MexcProto.decodePush(frame)
    assert.strictEqual(decoded.channel, "spot@public.kline.v3.api.pb@BTCUSDT@Min1")
    assert.isUndefined(decoded.body)
  })

  it("round-trips every pushed body kind", () => {
    const bodies: Array<NonNullable<MexcProto.PushDataV3ApiWrapper["body"]>> = [
      {
        $case: "publicAggreDeals",
        value: { deals: [{ price: "1.5", quantity: "2", tradeType: 2, time: 1732200000000, tradeId: "t1" }], eventType: "e" }
      },
      {
        $case: "publicAggreBookTicker",
        value: { bidPrice: "1", bidQuantity: "2", askPrice: "3", askQuantity: "4", version: "9", lastOrderCreateTime: 5 }
      },
      {
        $case: "publicLimitDepths",
        value: { asks: [{ price: "3", quantity: "1" }], bids: [], eventType: "e", version: "7", lastOrderCreateTime: 0 }
      },
      {
        $case: "privateDeals",
        value: {
          price: "1", quantity: "2", amount: "2", tradeType: 1, isMaker: true, isSelfTrade: false, tradeId: "t",
          clientOrderId: "c", orderId: "o", feeAmount: "0.001", feeCurrency: "USDT", time: 1732200000000
        }
      },
      {
        $case: "privateAccount",
        value: {
          vcoinName: "USDT", coinId: "USDT", balanceAmount: "10", balanceAmountChange: "-1", frozenAmount: "1",
          frozenAmountChange: "1", type: "ENTRUST_PLACE", time: 1732200000000
        }
      }
    ]
    for (const body of bodies) {
      const frame: MexcProto.PushDataV3ApiWrapper = {
        channel: "c", body, symbol: "BTCUSDT", symbolId: undefined, createTime: undefined, sendTime: 1
      }
      assert.deepStrictEqual(MexcProto.decodePush(MexcProto.encodePush(frame)), frame)
    }
  })

  it("throws on a truncated frame", () => {
    const frame = MexcProto.encodePush({ channel: "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT" })
    assert.throws(() => MexcProto.decodePush(frame.subarray(0, frame.length - 3)))
  })
})
