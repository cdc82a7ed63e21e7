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
