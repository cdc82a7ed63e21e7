/**
 * The router of the MEXC public exchange, against a loopback WebSocket server that sends frames
 * a venue should not (issue 11, fault 9): a body of another kind on a known channel is counted as
 * malformed and skipped, never delivered. REST is a small in-test fake (instruments only).
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Effect, Fiber, Logger, Stream } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import * as NodeWebSocket from "../../../src/socket/NodeWebSocket.ts"
import { MexcRest, type MexcRestShape } from "../../../src/venues/mexc/MexcRest.ts"
import * as MexcPublic from "../../../src/venues/mexc/MexcPublic.ts"
import { encodePush } from "../../../src/venues/mexc/Proto.ts"
import { channelName } from "../../../src/venues/mexc/PushParse.ts"
import * as instruments from "../../support/instruments.ts"
import * as LoopbackWsServer from "../../support/LoopbackWsServer.ts"
import { collectInto } from "./publicSupport.ts"

const btc = instruments.btc({
  lotSize: Decimal.unsafeParse("0.000001"),
  minQuantity: Decimal.unsafeParse("0.000001"),
  orderTypes: ["LIMIT", "MARKET"],
  takerFeeRate: Decimal.zero
})

/** Only `exchangeInfo` is used by trades and quotes. */
const fakeRest = { exchangeInfo: () => Effect.succeed([btc]) } as unknown as MexcRestShape

const deals = channelName("deals", "BTCUSDT", "100ms")
const ticker = channelName("bookTicker", "BTCUSDT", "100ms")
type Body = Parameters<typeof encodePush>[0]["body"]
const dealsBody = (tradeId: string, quantity = "0.5"): Body => ({
  $case: "publicAggreDeals",
  value: { eventType: "", deals: [{ price: "65000.1", quantity, tradeType: 2, time: 1732200000123, tradeId }] }
})
const tickerBody = (bid: string): Body => ({
  $case: "publicAggreBookTicker",
  value: { bidPrice: bid, bidQuantity: "1", askPrice: "65001", askQuantity: "2", version: "", lastOrderCreateTime: 0 }
})
const frame = (channel: string, body: Body) => encodePush({ channel, symbol: "BTCUSDT", sendTime: 1732200000125, body })

/** A loopback server and the exchange on it (REST faked), in the test's scope. */
const openExchange = Effect.gen(function*() {
  const server = yield* LoopbackWsServer.make
  const ex = yield* MexcPublic.make({ url: server.url, connection: { closeTimeout: "200 millis" } }).pipe(
    Effect.provideService(MexcRest, fakeRest),
    Effect.provide(NodeWebSocket.layerConstructor())
  )
  return { ex, server }
})

describe("MexcPublic routing", () => {
  it.live("a body of another kind than its channel carries is counted as malformed, skipped, never delivered", () =>
  {
    const logs: Array<string> = []
    return LeakCheck.scoped(Effect.gen(function*() {
      const { ex, server } = yield* openExchange
      const trades = yield* ex.trades("BTCUSDT").pipe(Stream.take(2), Stream.runCollect, Effect.forkScoped)
      // Quotes are latest-only (a batch of two hands out the newest): read until the last one.
      const quotes = yield* ex.quotes("BTCUSDT").pipe(
        Stream.takeUntil((q) => Decimal.format(q.bidPrice) === "65000"),
        Stream.runCollect,
        Effect.forkScoped
      )
      yield* server.waitFor("both channels subscribed", () => {
        const sent = server.received.flat().join(" ")
        return sent.includes(deals) && sent.includes(ticker)
      })
      server.broadcast(frame(deals, tickerBody("1")))
      server.broadcast(frame(deals, dealsBody("a")))
      server.broadcast(frame(ticker, dealsBody("x")))
      server.broadcast(frame(ticker, tickerBody("64999")))
      server.broadcast(frame(ticker, tickerBody("64999"))) // a repeat: dropped
      // Decodes, but garbage (issue 16, item 7): a trade of no quantity, a crossed quote.
      server.broadcast(frame(deals, dealsBody("zero", "0")))
      server.broadcast(frame(ticker, tickerBody("65001")))
      server.broadcast(frame(deals, dealsBody("b")))
      server.broadcast(frame(ticker, tickerBody("65000")))
      const gotTrades = yield* Fiber.join(trades)
      const gotQuotes = yield* Fiber.join(quotes)
      assert.deepStrictEqual(gotTrades.map((t) => `${t.tradeId} ${t.side} ${Decimal.format(t.price)}`), [
        "a SELL 65000.1",
        "b SELL 65000.1"
      ])
      const bids = gotQuotes.map((q) => Decimal.format(q.bidPrice))
      assert.strictEqual(bids[bids.length - 1], "65000")
      assert.isTrue(bids.every((bid) => bid === "64999" || bid === "65000"), bids.join(", "))
      assert.isTrue(BigDecimal.equals(gotQuotes[0]!.askQuantity, Decimal.unsafeParse("2")))
      assert.isFalse(gotQuotes.some((q) => Decimal.format(q.bidPrice) === "65001"), "the crossed quote never reached a subscriber")
      assert.strictEqual((yield* ex.stats).malformed, 4, "counted with the frames that do not belong")
      assert.isTrue(logs.some((l) => l.includes("a publicAggreBookTicker body on a deals channel") && l.includes(deals)), logs.join("\n"))
    })).pipe(Effect.provide(Logger.layer([collectInto(logs)])))
  })

  it.live("undecodable bytes and unexpected text (a private stream's `Invalid listen key`) are counted and skipped; trades carry on", () =>
  {
    const logs: Array<string> = []
    return LeakCheck.scoped(Effect.gen(function*() {
      const { ex, server } = yield* openExchange
      const trades = yield* ex.trades("BTCUSDT").pipe(Stream.take(2), Stream.runCollect, Effect.forkScoped)
      yield* server.waitFor("deals subscribed", () => server.received.flat().join(" ").includes(deals))
      server.broadcast(frame(deals, dealsBody("1")))
      server.broadcast(new Uint8Array([0x0a, 0x05, 0x73, 0x70, 0xff])) // a truncated wrapper
      // On the public protocol this text ends nothing: it is an unexpected frame.
      server.broadcast("Invalid listen key")
      server.broadcast(frame(deals, dealsBody("2")))
      const got = yield* Fiber.join(trades)
      assert.deepStrictEqual(got.map((t) => t.tradeId), ["1", "2"])
      const stats = yield* ex.stats
      assert.strictEqual(stats.malformed, 2)
      assert.strictEqual(stats.reconnects, 0)
      // One warning per burst (the second one is counted, not logged again).
      assert.strictEqual(logs.filter((l) => l.includes("skipping malformed frame(s)")).length, 1, logs.join("\n"))
    })).pipe(Effect.provide(Logger.layer([collectInto(logs)])))
  })
})
