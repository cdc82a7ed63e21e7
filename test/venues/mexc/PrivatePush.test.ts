/**
 * MEXC private pushes to domain values, on hand-built bodies (issue 16, item 7): what fails the
 * neutral checks is refused with a reason, for the caller to count and skip like an undecodable
 * frame.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import type { PrivateAccountV3Api, PrivateDealsV3Api, PrivateOrdersV3Api } from "../../../src/venues/mexc/Proto.ts"
import * as PrivatePush from "../../../src/venues/mexc/PrivatePush.ts"

const order = (patch: Partial<PrivateOrdersV3Api> = {}): PrivateOrdersV3Api => ({
  id: "C02__1",
  clientId: "bot-1",
  price: "0.6",
  quantity: "10",
  amount: "6",
  avgPrice: "0",
  orderType: 1,
  tradeType: 1,
  isMaker: false,
  remainAmount: "6",
  remainQuantity: "10",
  cumulativeQuantity: "0",
  cumulativeAmount: "0",
  status: 1,
  createTime: 1732200000000,
  ...patch
} as PrivateOrdersV3Api)

const deal = (patch: Partial<PrivateDealsV3Api> = {}): PrivateDealsV3Api => ({
  price: "0.6",
  quantity: "5",
  amount: "3",
  tradeType: 1,
  isMaker: true,
  isSelfTrade: false,
  tradeId: "t-1",
  clientOrderId: "bot-1",
  orderId: "C02__1",
  feeAmount: "0.001",
  feeCurrency: "USDT",
  time: 1732200000100,
  ...patch
} as PrivateDealsV3Api)

const account = (patch: Partial<PrivateAccountV3Api> = {}): PrivateAccountV3Api => ({
  vcoinName: "USDT",
  coinId: "1",
  balanceAmount: "100",
  balanceAmountChange: "-6",
  frozenAmount: "6",
  frozenAmountChange: "6",
  type: "ENTRUST_PLACE",
  time: 1732200000000,
  ...patch
} as PrivateAccountV3Api)

const refused = (parsed: PrivatePush.Parsed<unknown>, what: string, pattern: RegExp) => {
  assert.isFalse(parsed.ok, what)
  if (!parsed.ok) assert.match(parsed.reason, pattern, what)
}

describe("MEXC PrivatePush", () => {
  it("good pushes read as domain values", () => {
    const o = PrivatePush.order(order(), "HIFIUSDT", 1732200000001)
    assert.isTrue(o.ok)
    if (o.ok) assert.strictEqual(Decimal.format(o.value.quantity!), "10")
    assert.isTrue(PrivatePush.fill(deal(), "HIFIUSDT").ok)
    const b = PrivatePush.balance(account(), new Set(["USDT"]))
    assert.isTrue(b.ok)
  })

  it("order updates: an empty id, negative or exponent amounts are refused", () => {
    refused(PrivatePush.order(order({ id: "" }), "HIFIUSDT", 1), "empty id", /order id/)
    refused(PrivatePush.order(order({ quantity: "-10" }), "HIFIUSDT", 1), "negative quantity", /negative/)
    refused(PrivatePush.order(order({ cumulativeAmount: "1e999999999" }), "HIFIUSDT", 1), "exponent", /out of range/)
    refused(PrivatePush.order(order({ price: "-0.6" }), "HIFIUSDT", 1), "negative price", /negative/)
  })

  it("fills: quantity 0, negative amounts and fees, impossible times and empty ids are refused", () => {
    refused(PrivatePush.fill(deal({ quantity: "0" }), "HIFIUSDT"), "quantity 0", /not positive/)
    refused(PrivatePush.fill(deal({ quantity: "1e999999999" }), "HIFIUSDT"), "exponent quantity", /out of range/)
    refused(PrivatePush.fill(deal({ feeAmount: "-1" }), "HIFIUSDT"), "negative fee", /negative/)
    refused(PrivatePush.fill(deal({ amount: "-3" }), "HIFIUSDT"), "negative amount", /negative/)
    refused(PrivatePush.fill(deal({ orderId: "" }), "HIFIUSDT"), "empty order id", /orderId/)
    for (const time of [-1, 0, 2 ** 53]) refused(PrivatePush.fill(deal({ time }), "HIFIUSDT"), `time ${time}`, /not a time/)
  })

  it("balance updates: unknown assets, badly spelled ones, negative or exponent amounts are refused", () => {
    const known = new Set(["USDT", "HIFI"])
    refused(PrivatePush.balance(account({ vcoinName: "DOGE" }), known), "unknown asset", /unknown asset/)
    refused(PrivatePush.balance(account({ vcoinName: "U\u0000SDT" })), "spelling", /asset code/)
    refused(PrivatePush.balance(account({ balanceAmount: "-100" }), known), "negative free", /negative/)
    refused(PrivatePush.balance(account({ frozenAmount: "1e999999999" }), known), "exponent locked", /out of range/)
  })
})

describe("MEXC private order pushes: statuses", () => {
  it("status 5 (partially canceled) is CANCELED with what was filled, not a status of its own", () => {
    const parsed = PrivatePush.order(order({ status: 5, cumulativeQuantity: "4", cumulativeAmount: "2.4" }), "HIFIUSDT", 1732200000500)
    assert.isTrue(parsed.ok)
    if (!parsed.ok) return
    assert.strictEqual(parsed.value.status, "CANCELED")
    assert.strictEqual(Decimal.format(parsed.value.filledQuantity), "4")
    assert.isFalse(parsed.value.isOpen)
  })

  it("statuses 1-4 keep their meaning", () => {
    const statuses = [1, 2, 3, 4].map((status) => {
      const parsed = PrivatePush.order(
        order({ status, cumulativeQuantity: status === 2 ? "10" : status === 3 ? "4" : "0" }),
        "HIFIUSDT",
        1732200000500
      )
      return parsed.ok ? parsed.value.status : parsed.reason
    })
    assert.deepStrictEqual(statuses, ["NEW", "FILLED", "PARTIALLY_FILLED", "CANCELED"])
  })
})
