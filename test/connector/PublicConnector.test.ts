/**
 * The venue-neutral public connector against a port fake (no venue): a made-up venue speaking JSON
 * text frames on a loopback WebSocket server, whose depth pushes carry `U`/`u` ids and sometimes the
 * whole book (`full`), whose trades carry the venue's trade id, and whose snapshots the test hands
 * out. What every venue gets from the connector: a full push that replaces the book, duplicates
 * dropped by the venue's identity of the trade, undecodable frames counted and skipped, and spans
 * named `PublicExchange.*` with the venue.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Logger, Stream, Tracer } from "effect"
import * as PublicConnector from "../../src/connector/PublicConnector.ts"
import type { Parsed } from "../../src/connector/Market.ts"
import { type PublicPort, Undecodable } from "../../src/connector/PublicPort.ts"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { Quote, Trade } from "../../src/exchange/Model.ts"
import type { SnapshotInput } from "../../src/exchange/OrderBook.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as NodeWebSocket from "../../src/socket/NodeWebSocket.ts"
import type { SubscriptionProtocol } from "../../src/socket/Protocol.ts"
import * as instruments from "../support/instruments.ts"
import * as LoopbackWsServer from "../support/LoopbackWsServer.ts"
import { eventually, waitUntilEffect } from "../support/eventually.ts"

const pair = instruments.btc({ symbol: "BTC_USDT" })

/** The fake venue's wire: one JSON object per frame. */
interface Push {
  readonly ch: string
  readonly U?: number
  readonly u?: number
  readonly full?: boolean
  readonly b?: ReadonlyArray<readonly [string, string]>
  readonly a?: ReadonlyArray<readonly [string, string]>
  readonly trades?: ReadonlyArray<{ readonly id?: string; readonly p: string; readonly q: string }>
  readonly bid?: string
  readonly ask?: string
}

/** The loopback server's control dialect (JSON `method` frames, replies opening with `id`). */
const protocol: SubscriptionProtocol = {
  subscribe: (channels) => JSON.stringify({ method: "SUBSCRIPTION", params: channels }),
  unsubscribe: (channels) => JSON.stringify({ method: "UNSUBSCRIPTION", params: channels }),
  ping: undefined,
  maxChannelsPerFrame: 10,
  isControl: (frame) => frame.startsWith("{\"id\":")
}

const levels = (side: Push["b"]) => (side ?? []).map(([price, quantity]) => ({ price, quantity }))

const parse = (kind: string, symbol: string, push: Push): Parsed => {
  if (kind === "orderBook") {
    if (push.u === undefined) return { _tag: "Malformed", channel: push.ch, detail: "no u" }
    return {
      _tag: "DepthDelta",
      symbol,
      fromVersion: BigInt(push.U ?? push.u),
      toVersion: BigInt(push.u),
      bids: levels(push.b),
      asks: levels(push.a),
      time: 0,
      full: push.full
    }
  }
  if (kind === "trades") {
    return {
      _tag: "Trades",
      symbol,
      trades: (push.trades ?? []).map((t) =>
        new Trade({ symbol, price: Decimal.unsafeParse(t.p), quantity: Decimal.unsafeParse(t.q), side: "BUY", time: 0, ...(t.id === undefined ? {} : { tradeId: t.id }) })
      )
    }
  }
  const bid = Decimal.unsafeParse(push.bid ?? "0")
  const ask = Decimal.unsafeParse(push.ask ?? "0")
  return { _tag: "QuoteUpdate", symbol, version: undefined, quote: new Quote({ symbol, bidPrice: bid, bidQuantity: bid, askPrice: ask, askQuantity: ask }) }
}

/** A port for the fake venue at `url`; snapshots are taken from `snapshots` (one per request). */
const fakePort = (url: string, snapshots: Array<Deferred.Deferred<SnapshotInput>>): PublicPort<Push> => ({
  venue: "fake",
  url,
  protocol,
  channelsPerConnection: 10,
  channel: (kind, symbol) => `${kind}.${symbol}`,
  decode: (frame) => {
    if (typeof frame !== "string") return new Undecodable("(binary)", "binary frame")
    try {
      return JSON.parse(frame) as Push
    } catch {
      return new Undecodable("(text)", frame.slice(0, 40))
    }
  },
  channelOf: (push) => push.ch,
  repeatKey: (kind, push) => kind === "quotes" ? `${push.bid} ${push.ask}` : undefined,
  parse,
  instruments: Effect.succeed([pair]),
  snapshot: () =>
    Effect.suspend(() => {
      const next = Deferred.makeUnsafe<SnapshotInput>()
      snapshots.push(next)
      return Deferred.await(next)
    })
})

const open = (snapshots: Array<Deferred.Deferred<SnapshotInput>> = []) =>
  Effect.gen(function*() {
    const server = yield* LoopbackWsServer.make
    const ex = yield* PublicConnector.make(fakePort(server.url, snapshots), { connection: { closeTimeout: "200 millis" } }).pipe(
      Effect.provide(NodeWebSocket.layerConstructor())
    )
    return { ex, server }
  })

const send = (server: LoopbackWsServer.LoopbackWsServer, push: Push) => server.broadcast(JSON.stringify(push))

const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(Logger.layer([])))

describe("PublicConnector (port fake, no venue)", () => {
  it.live("a full push replaces the book and goes live without the snapshot; then deltas apply; a gap resyncs from a snapshot", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const snapshots: Array<Deferred.Deferred<SnapshotInput>> = []
      const { ex, server } = yield* open(snapshots)
      const views: Array<{ version: bigint; bids: number; asks: number }> = []
      yield* ex.orderBook("BTC_USDT").pipe(
        Stream.runForEach((view) => Effect.sync(() => void views.push({ version: view.version, bids: view.bids(10).length, asks: view.asks(10).length }))),
        Effect.forkScoped
      )
      yield* eventually(() => server.received.some((log) => log.some((f) => f.includes("orderBook.BTC_USDT"))), "5 seconds", "the subscribe")
      // The snapshot was asked for but does not come: a full push makes the book live anyway.
      yield* eventually(() => snapshots.length === 1, "5 seconds", "the snapshot request")
      send(server, { ch: "orderBook.BTC_USDT", U: 90, u: 100, full: true, b: [["100", "1"], ["99", "2"]], a: [["101", "1"]] })
      yield* eventually(() => views.some((v) => v.version === 100n), "5 seconds", "the full book")
      assert.deepStrictEqual(views.at(-1), { version: 100n, bids: 2, asks: 1 })
      send(server, { ch: "orderBook.BTC_USDT", U: 101, u: 102, b: [["99", "0"]], a: [["102", "3"]] })
      yield* eventually(() => views.some((v) => v.version === 102n), "5 seconds", "the delta")
      assert.deepStrictEqual(views.at(-1), { version: 102n, bids: 1, asks: 2 })
      // The late snapshot answer is ignored: the book stays where the stream took it.
      yield* Deferred.succeed(snapshots[0]!, { version: 50n, bids: [], asks: [], time: 0 })
      // A gap: the book is cleared and synced again from a new snapshot plus the pushes after it.
      send(server, { ch: "orderBook.BTC_USDT", U: 110, u: 111, b: [["98", "1"]] })
      yield* eventually(() => snapshots.length === 2, "5 seconds", "the resync's snapshot request")
      send(server, { ch: "orderBook.BTC_USDT", U: 112, u: 112, a: [["103", "1"]] })
      yield* Deferred.succeed(snapshots[1]!, { version: 111n, bids: [{ price: "98", quantity: "1" }], asks: [{ price: "101", quantity: "1" }], time: 0 })
      yield* eventually(() => views.some((v) => v.version === 112n), "5 seconds", "the resynced book")
      assert.deepStrictEqual(views.at(-1), { version: 112n, bids: 1, asks: 2 })
      assert.isFalse(views.some((v) => v.version === 50n), "the stale snapshot was never handed out")
      const stats = yield* ex.stats
      assert.strictEqual(stats.resyncs, 1)
    }))))

  it.live("trades: a trade id delivered already is dropped and counted; trades without an id all pass; undecodable frames are counted", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const { ex, server } = yield* open()
      // A subscriber that stays keeps the channel (and its connection) open after the one that counts leaves.
      yield* ex.trades("BTC_USDT").pipe(Stream.runDrain, Effect.forkScoped)
      const trades = yield* ex.trades("BTC_USDT").pipe(Stream.take(4), Stream.runCollect, Effect.forkScoped)
      yield* eventually(() => server.received.some((log) => log.some((f) => f.includes("trades.BTC_USDT"))), "5 seconds", "the subscribe")
      send(server, { ch: "trades.BTC_USDT", trades: [{ id: "1", p: "1", q: "1" }, { id: "2", p: "2", q: "1" }] })
      // A repeated push (a venue resending after a hiccup): id 2 again, then a new one.
      send(server, { ch: "trades.BTC_USDT", trades: [{ id: "2", p: "2", q: "1" }, { id: "3", p: "3", q: "1" }] })
      send(server, { ch: "trades.BTC_USDT", trades: [{ p: "4", q: "1" }] })
      const got = yield* Fiber.join(trades)
      assert.deepStrictEqual(got.map((t) => Decimal.format(t.price)), ["1", "2", "3", "4"])
      assert.strictEqual((yield* ex.stats).duplicates, 1)
      send(server, { ch: "nowhere", bid: "1" })
      server.broadcast("not json")
      yield* waitUntilEffect("the text that is not JSON counted", Effect.map(ex.stats, (stats) => stats.malformed === 1))
    }))))

  it.live("a frame whose parsing throws counts as malformed; the frames before and after it are delivered, in order", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const { ex, server } = yield* open()
      const trades = yield* ex.trades("BTC_USDT").pipe(Stream.take(3), Stream.runCollect, Effect.forkScoped)
      yield* eventually(() => server.received.some((log) => log.some((f) => f.includes("trades.BTC_USDT"))), "5 seconds", "the subscribe")
      for (let round = 1; round <= 3; round++) {
        send(server, { ch: "trades.BTC_USDT", trades: [{ p: String(round), q: "1" }] })
        // The port's parser throws on a price that is not a number (a bug in a port, say).
        send(server, { ch: "trades.BTC_USDT", trades: [{ p: "not a price", q: "1" }] })
        server.broadcast("not json")
        // Each round is routed before the next goes out: it starts with an idle connection.
        yield* waitUntilEffect(`round ${round} counted`, Effect.map(ex.stats, (stats) => stats.malformed === 2 * round))
      }
      const got = yield* Fiber.join(trades)
      assert.deepStrictEqual(got.map((t) => Decimal.format(t.price)), ["1", "2", "3"])
    }))))

  it.live("instrument, instruments and snapshot are spans PublicExchange.* with the venue attribute", () => {
    const spans: Array<{ name: string; venue: unknown }> = []
    const tracer = Tracer.make({
      span(options) {
        const span = new Tracer.NativeSpan(options)
        spans.push({ name: options.name, get venue() { return span.attributes.get("venue") } })
        return span
      }
    })
    return quiet(LeakCheck.scoped(Effect.gen(function*() {
      const snapshots: Array<Deferred.Deferred<SnapshotInput>> = []
      const { ex } = yield* open(snapshots)
      yield* ex.instruments
      const unknown = yield* Effect.exit(ex.instrument("NOPE"))
      assert.isTrue(Exit.isFailure(unknown))
      const fiber = yield* Effect.forkScoped(ex.snapshot("BTC_USDT"))
      yield* eventually(() => snapshots.length === 1)
      yield* Deferred.succeed(snapshots[0]!, { version: 7n, bids: [{ price: "1", quantity: "1" }], asks: [], time: 0 })
      const view = yield* Fiber.join(fiber)
      assert.strictEqual(view.version, 7n)
      const names = spans.map((s) => s.name)
      for (const name of ["PublicExchange.instruments", "PublicExchange.instrument", "PublicExchange.snapshot"]) {
        assert.include(names, name)
      }
      for (const span of spans.filter((s) => s.name.startsWith("PublicExchange."))) assert.strictEqual(span.venue, "fake")
    })).pipe(Effect.provideService(Tracer.Tracer, tracer)))
  })

  it.live("a symbol in another spelling of a listed pair fails naming the venue's spelling; a pair not listed names none", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const { ex } = yield* open()
      const reasonOf = (symbol: string) =>
        Effect.flip(ex.instrument(symbol)).pipe(Effect.map((error) => error.reason))
      for (const asked of ["BTCUSDT", "btc_usdt", "BTC/USDT"]) {
        const reason = yield* reasonOf(asked)
        assert.strictEqual(reason._tag, "InvalidSymbol")
        if (reason._tag !== "InvalidSymbol") continue
        assert.strictEqual(reason.listedAs, "BTC_USDT")
        assert.strictEqual(reason.message, `unknown symbol ${asked} (this venue lists the pair as BTC_USDT)`)
      }
      const nope = yield* reasonOf("NOPEUSDT")
      assert.strictEqual(nope._tag, "InvalidSymbol")
      if (nope._tag === "InvalidSymbol") {
        assert.isUndefined(nope.listedAs)
        assert.strictEqual(nope.message, "unknown symbol NOPEUSDT")
      }
      assert.strictEqual((yield* ex.instrument("BTC_USDT")).symbol, "BTC_USDT")
    }))))
})
