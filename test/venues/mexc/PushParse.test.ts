import { assert, describe, it } from "@effect/vitest"
import { BigDecimal } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { Quote, Trade } from "../../../src/exchange/Model.ts"
import { MexcProto } from "../../../src/venues/mexc/index.ts"
import type { PushDataV3ApiWrapper } from "../../../src/venues/mexc/Proto.ts"
import * as PushParse from "../../../src/venues/mexc/PushParse.ts"
import { fixture } from "./fixtures.ts"

/** Saved binary frames (base64), one per public push kind. */
const frames = fixture("pushes") as Record<"depth" | "deals" | "bookTicker", string>
const decode = (name: keyof typeof frames) => MexcProto.decodePush(Buffer.from(frames[name], "base64"))
const text = (value: BigDecimal.BigDecimal) => Decimal.format(value)

describe("MEXC PushParse", () => {
  it("channel names round-trip", () => {
    const name = PushParse.channelName("bookTicker", "BTCUSDT", "10ms")
    assert.strictEqual(name, "spot@public.aggre.bookTicker.v3.api.pb@10ms@BTCUSDT")
    assert.deepStrictEqual(PushParse.parseChannelName(name), { kind: "bookTicker", interval: "10ms", symbol: "BTCUSDT" })
    assert.strictEqual(PushParse.parseChannelName("spot@public.limit.depth.v3.api.pb@BTCUSDT@5"), undefined)
  })

  it("a depth frame: versions as bigints, wire levels kept as exact text, send time", () => {
    const parsed = PushParse.parsePush("depth", "BTCUSDT", decode("depth"))
    assert.strictEqual(parsed._tag, "DepthDelta")
    if (parsed._tag !== "DepthDelta") return
    assert.strictEqual(parsed.fromVersion, 40153181751n)
    assert.strictEqual(parsed.toVersion, 40153181754n)
    assert.deepStrictEqual(parsed.asks, [{ price: "96210.02", quantity: "0.51200000" }, { price: "96211.00", quantity: "0" }])
    assert.deepStrictEqual(parsed.bids, [{ price: "96210.01", quantity: "1.2" }])
    assert.strictEqual(parsed.time, 1732200000123)
  })

  it("a deals frame: domain Trades with exact amounts, the taker's side and no empty trade id", () => {
    const parsed = PushParse.parsePush("deals", "ETHUSDT", decode("deals"))
    assert.strictEqual(parsed._tag, "Trades")
    if (parsed._tag !== "Trades") return
    assert.strictEqual(parsed.trades.length, 2)
    const [a, b] = parsed.trades
    assert.instanceOf(a, Trade)
    assert.strictEqual(text(a!.price), "3120.55")
    assert.strictEqual(text(a!.quantity), "0.01")
    assert.strictEqual(a!.side, "BUY")
    assert.strictEqual(a!.time, 1732200000190)
    assert.strictEqual(a!.tradeId, undefined)
    assert.strictEqual(b!.side, "SELL")
  })

  it("a book ticker frame: a domain Quote", () => {
    const parsed = PushParse.parsePush("bookTicker", "BTCUSDT", decode("bookTicker"))
    assert.strictEqual(parsed._tag, "QuoteUpdate")
    if (parsed._tag !== "QuoteUpdate") return
    assert.instanceOf(parsed.quote, Quote)
    assert.strictEqual(text(parsed.quote.bidPrice), "96210.01")
    assert.strictEqual(text(parsed.quote.askQuantity), "0.512")
    assert.strictEqual(parsed.quote.time, 1732200000300)
    assert.strictEqual(parsed.version, undefined)
  })

  it("a body of another kind than its channel carries is malformed, for every pair of kinds", () => {
    const bodies = { depth: decode("depth"), deals: decode("deals"), bookTicker: decode("bookTicker") }
    for (const channelKind of ["depth", "deals", "bookTicker"] as const) {
      for (const bodyKind of ["depth", "deals", "bookTicker"] as const) {
        const parsed = PushParse.parsePush(channelKind, bodies[bodyKind].symbol!, bodies[bodyKind])
        if (channelKind === bodyKind) assert.notStrictEqual(parsed._tag, "Malformed")
        else {
          assert.strictEqual(parsed._tag, "Malformed", `${bodyKind} body on a ${channelKind} channel`)
        }
      }
    }
  })

  it("malformed: no body, another symbol, bad versions, bad numbers, unknown trade side", () => {
    const depth = decode("depth")
    const withDepth = (patch: Partial<Extract<PushDataV3ApiWrapper["body"], { $case: "publicAggreDepths" }>["value"]>) =>
      ({ ...depth, body: { $case: "publicAggreDepths", value: { ...(depth.body as any).value, ...patch } } }) as PushDataV3ApiWrapper
    const cases: Array<[string, PushParse.Parsed]> = [
      ["no body", PushParse.parsePush("depth", "BTCUSDT", { channel: depth.channel })],
      ["other symbol", PushParse.parsePush("depth", "ETHUSDT", depth)],
      ["empty version", PushParse.parsePush("depth", "BTCUSDT", withDepth({ fromVersion: "" }))],
      ["negative version", PushParse.parsePush("depth", "BTCUSDT", withDepth({ toVersion: "-4" }))],
      ["backwards versions", PushParse.parsePush("depth", "BTCUSDT", withDepth({ fromVersion: "9", toVersion: "8" }))],
      // Issue 16, item 8: versions no venue counter reaches, and that no JSON snapshot can match.
      ["version 2^64-1", PushParse.parsePush("depth", "BTCUSDT", withDepth({ fromVersion: "18446744073709551615", toVersion: "18446744073709551615" }))],
      ["version above 2^64", PushParse.parsePush("depth", "BTCUSDT", withDepth({ toVersion: "36893488147419103232" }))],
      ["version 2^63", PushParse.parsePush("depth", "BTCUSDT", withDepth({ toVersion: "9223372036854775808" }))]
    ]
    const deals = decode("deals")
    const dealsValue = (deals.body as any).value
    const withDeal = (patch: object) =>
      ({ ...deals, body: { $case: "publicAggreDeals", value: { ...dealsValue, deals: [{ ...dealsValue.deals[0], ...patch }] } } }) as PushDataV3ApiWrapper
    cases.push(["bad price", PushParse.parsePush("deals", "ETHUSDT", withDeal({ price: "1,5" }))])
    cases.push(["negative quantity", PushParse.parsePush("deals", "ETHUSDT", withDeal({ quantity: "-1" }))])
    cases.push(["trade side 0", PushParse.parsePush("deals", "ETHUSDT", withDeal({ tradeType: 0 }))])
    const ticker = decode("bookTicker")
    cases.push(["bad ticker", PushParse.parsePush("bookTicker", "BTCUSDT", { ...ticker, body: { $case: "publicAggreBookTicker", value: { ...(ticker.body as any).value, askPrice: "x" } } })])
    for (const [what, parsed] of cases) assert.strictEqual(parsed._tag, "Malformed", what)
  })

  it("versions are taken up to 2^63 - 1, the venue's 64-bit counter", () => {
    assert.strictEqual(PushParse.readVersion("9223372036854775807"), 9223372036854775807n)
    assert.strictEqual(PushParse.readVersion("9223372036854775808"), undefined)
    assert.strictEqual(PushParse.readVersion("18446744073709551615"), undefined)
    assert.strictEqual(PushParse.readVersion("0"), 0n)
  })

  // Issue 16, item 7: garbage never reaches a subscriber; it is Malformed, counted and skipped.
  it("domain checks: crossed quotes, exponent numbers, trades of no quantity or at no time are malformed", () => {
    const deals = decode("deals")
    const dealsValue = (deals.body as any).value
    const withDeal = (patch: object) =>
      ({ ...deals, body: { $case: "publicAggreDeals", value: { ...dealsValue, deals: [{ ...dealsValue.deals[0], ...patch }] } } }) as PushDataV3ApiWrapper
    const ticker = decode("bookTicker")
    const withTicker = (patch: object) =>
      ({ ...ticker, body: { $case: "publicAggreBookTicker", value: { ...(ticker.body as any).value, ...patch } } }) as PushDataV3ApiWrapper
    const cases: Array<[string, PushParse.Parsed]> = [
      ["quantity 0", PushParse.parsePush("deals", "ETHUSDT", withDeal({ quantity: "0" }))],
      ["price 0", PushParse.parsePush("deals", "ETHUSDT", withDeal({ price: "0.000" }))],
      ["exponent price", PushParse.parsePush("deals", "ETHUSDT", withDeal({ price: "1e999999999" }))],
      ["time -1", PushParse.parsePush("deals", "ETHUSDT", withDeal({ time: -1 }))],
      ["time 0", PushParse.parsePush("deals", "ETHUSDT", withDeal({ time: 0 }))],
      ["time 2^53", PushParse.parsePush("deals", "ETHUSDT", withDeal({ time: 2 ** 53 }))],
      ["bid = ask", PushParse.parsePush("bookTicker", "BTCUSDT", withTicker({ bidPrice: "96210.02", askPrice: "96210.02" }))],
      ["bid > ask", PushParse.parsePush("bookTicker", "BTCUSDT", withTicker({ bidPrice: "96300", askPrice: "96210.02" }))],
      ["exponent ask", PushParse.parsePush("bookTicker", "BTCUSDT", withTicker({ askPrice: "1e999999999" }))],
      ["exponent quantity", PushParse.parsePush("bookTicker", "BTCUSDT", withTicker({ bidQuantity: "1e-999999999" }))]
    ]
    for (const [what, parsed] of cases) assert.strictEqual(parsed._tag, "Malformed", what)
    assert.strictEqual(PushParse.parsePush("deals", "ETHUSDT", deals)._tag, "Trades", "the saved frame itself is fine")
    assert.strictEqual(PushParse.parsePush("bookTicker", "BTCUSDT", ticker)._tag, "QuoteUpdate")
  })

  it("an empty book side in a ticker is zero", () => {
    const ticker = decode("bookTicker")
    const parsed = PushParse.parsePush("bookTicker", "BTCUSDT", {
      ...ticker,
      body: { $case: "publicAggreBookTicker", value: { ...(ticker.body as any).value, askPrice: "0", askQuantity: "" } }
    })
    assert.strictEqual(parsed._tag, "QuoteUpdate")
    if (parsed._tag === "QuoteUpdate") assert.isTrue(BigDecimal.isZero(parsed.quote.askQuantity))
  })
})
