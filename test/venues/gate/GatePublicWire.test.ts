/**
 * GatePublic's wire on a loopback WebSocket server speaking Gate's frames (no simulator): the
 * subscribe frames Gate reads (time, id, channel, payload), pushes routed by channel and pair, the
 * documented book sync on `U`/`u` against a REST snapshot `id` (drop `u < id + 1`, straddle, then
 * continuity, resync on a gap), a `full: true` push replacing the book, book ticker and trades,
 * a refusal answered by request id, `spot.ping` with the time, and `event: "upgrade"` redialing.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Logger, Stream } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { ExchangeError } from "../../../src/exchange/ExchangeError.ts"
import type { SnapshotInput } from "../../../src/exchange/OrderBook.ts"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import * as PublicConnector from "../../../src/connector/PublicConnector.ts"
import * as NodeWebSocket from "../../../src/socket/NodeWebSocket.ts"
import * as GatePublic from "../../../src/venues/gate/GatePublic.ts"
import type { GateRestShape } from "../../../src/venues/gate/GateRest.ts"
import * as instruments from "../../support/instruments.ts"
import * as LoopbackWsServer from "../../support/LoopbackWsServer.ts"
import { eventually } from "../../support/eventually.ts"
import { fakeGateRest } from "./support/fakeRest.ts"

const pair = instruments.btc({ symbol: "BTC_USDT" })

/** A GateRest whose snapshots the test hands out, one per request. */
const fakeRest = (snapshots: Array<Deferred.Deferred<SnapshotInput>>): GateRestShape =>
  fakeGateRest({
    instruments: () => Effect.succeed([pair]),
    orderBook: () =>
      Effect.suspend(() => {
        const next = Deferred.makeUnsafe<SnapshotInput>()
        snapshots.push(next)
        return Deferred.await(next) as Effect.Effect<never>
      })
  })

const open = (snapshots: Array<Deferred.Deferred<SnapshotInput>> = [], connection: Parameters<typeof PublicConnector.make>[1] = {}) =>
  Effect.gen(function*() {
    const server = yield* LoopbackWsServer.make
    const ex = yield* PublicConnector.make(GatePublic.port(fakeRest(snapshots), { url: server.url }), {
      connection: { closeTimeout: "200 millis" },
      ...connection
    }).pipe(Effect.provide(NodeWebSocket.layerConstructor()))
    return { ex, server }
  })

const depth = (U: number, u: number, b: Array<[string, string]>, a: Array<[string, string]>, full = false) =>
  JSON.stringify({
    time: 1,
    time_ms: 1000,
    channel: "spot.order_book_update",
    event: "update",
    result: { t: 1000, ...(full ? { full: true, l: "100" } : {}), e: "depthUpdate", E: 1, s: "BTC_USDT", U, u, b, a }
  })

const level = (price: string, quantity: string) => ({ price, quantity })

const subscribes = (server: LoopbackWsServer.LoopbackWsServer, channel: string) =>
  server.received.flat().map((f) => JSON.parse(f) as Record<string, unknown>).filter((f) => f.channel === channel && f.event === "subscribe")

const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(Logger.layer([])))

describe("GatePublic wire (loopback server)", () => {
  it.live("subscribes in Gate's shape and syncs the book by the documented procedure, full pushes included", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const snapshots: Array<Deferred.Deferred<SnapshotInput>> = []
      const { ex, server } = yield* open(snapshots)
      const views: Array<{ version: bigint; bids: Array<string>; asks: Array<string> }> = []
      yield* ex.orderBook("BTC_USDT").pipe(
        Stream.runForEach((view) =>
          Effect.sync(() =>
            void views.push({
              version: view.version,
              bids: view.bids(10).map((l) => `${Decimal.format(l.price)}x${Decimal.format(l.quantity)}`),
              asks: view.asks(10).map((l) => `${Decimal.format(l.price)}x${Decimal.format(l.quantity)}`)
            })
          )
        ),
        Effect.forkScoped
      )
      yield* eventually(() => subscribes(server, "spot.order_book_update").length === 1, "5 seconds", "the subscribe")
      const frame = subscribes(server, "spot.order_book_update")[0]!
      assert.deepStrictEqual(frame.payload, ["BTC_USDT", "100ms"])
      assert.isNumber(frame.id)
      assert.approximately(frame.time as number, Date.now() / 1000, 5, "the time it was sent, in seconds")
      yield* eventually(() => snapshots.length === 1, "5 seconds", "the snapshot request")
      // Sent while the snapshot (id 100) is on its way: u < 101 is dropped, 99..101 straddles it
      // (the outcome is the same whether they arrive before or after it).
      server.broadcast(depth(95, 98, [["10", "9"]], []))
      server.broadcast(depth(99, 101, [["10", "2"]], [["11", "1"]]))
      server.broadcast(depth(102, 102, [], [["12", "3"]]))
      yield* Deferred.succeed(snapshots[0]!, { version: 100n, bids: [level("10", "1"), level("9", "1")], asks: [level("11", "5")], time: 0 })
      yield* eventually(() => views.some((v) => v.version === 102n), "5 seconds", "the synced book")
      assert.deepStrictEqual(views.at(-1), { version: 102n, bids: ["10x2", "9x1"], asks: ["11x1", "12x3"] })
      // A full push replaces the book, whatever came before.
      server.broadcast(depth(103, 120, [["8", "4"]], [["13", "1"]], true))
      yield* eventually(() => views.some((v) => v.version === 120n), "5 seconds", "the full book")
      assert.deepStrictEqual(views.at(-1), { version: 120n, bids: ["8x4"], asks: ["13x1"] })
      // U == previous u + 1 applies; a gap (U > u + 1) resyncs from a new snapshot.
      server.broadcast(depth(121, 121, [["8", "0"], ["7", "1"]], []))
      yield* eventually(() => views.some((v) => v.version === 121n))
      server.broadcast(depth(125, 126, [["6", "1"]], []))
      yield* eventually(() => snapshots.length === 2, "5 seconds", "the resync's snapshot request")
      server.broadcast(depth(127, 127, [], [["14", "1"]]))
      yield* Deferred.succeed(snapshots[1]!, { version: 126n, bids: [level("6", "1")], asks: [level("13", "1")], time: 0 })
      yield* eventually(() => views.some((v) => v.version === 127n), "5 seconds", "the resynced book")
      assert.deepStrictEqual(views.at(-1), { version: 127n, bids: ["6x1"], asks: ["13x1", "14x1"] })
      assert.strictEqual((yield* ex.stats).resyncs, 1)
    }))))

  it.live("book ticker and trades are routed by channel and pair; a duplicate trade id is dropped", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const { ex, server } = yield* open()
      const quote = yield* ex.quotes("BTC_USDT").pipe(Stream.take(1), Stream.runCollect, Effect.forkScoped)
      const trades = yield* ex.trades("BTC_USDT").pipe(Stream.take(2), Stream.runCollect, Effect.forkScoped)
      yield* eventually(() => subscribes(server, "spot.trades").length === 1 && subscribes(server, "spot.book_ticker").length === 1)
      assert.deepStrictEqual(subscribes(server, "spot.trades")[0]!.payload, ["BTC_USDT"])
      // Another pair's push on the same connection is not ours.
      server.broadcast(JSON.stringify({ time: 1, channel: "spot.book_ticker", event: "update", result: { t: 5, u: 9, s: "ETH_USDT", b: "1", B: "1", a: "2", A: "1" } }))
      server.broadcast(JSON.stringify({ time: 1, channel: "spot.book_ticker", event: "update", result: { t: 5, u: 9, s: "BTC_USDT", b: "100.5", B: "2", a: "100.6", A: "3" } }))
      const trade = (id: number, price: string) =>
        JSON.stringify({ time: 1, channel: "spot.trades", event: "update", result: { id, create_time: 1, create_time_ms: "1000.5", side: "sell", currency_pair: "BTC_USDT", amount: "0.1", price } })
      server.broadcast(trade(1, "100.5"))
      server.broadcast(trade(1, "100.5"))
      server.broadcast(trade(2, "100.4"))
      const [q] = yield* Fiber.join(quote)
      assert.deepStrictEqual([Decimal.format(q!.bidPrice), Decimal.format(q!.askPrice)], ["100.5", "100.6"])
      const got = yield* Fiber.join(trades)
      assert.deepStrictEqual(got.map((t) => `${t.tradeId} ${t.side} ${Decimal.format(t.price)}`), ["1 SELL 100.5", "2 SELL 100.4"])
      assert.strictEqual((yield* ex.stats).duplicates, 1)
    }))))

  it.live("a refusal answered by request id fails the stream SubscriptionRefused with Gate's message", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const { ex, server } = yield* open()
      const fiber = yield* ex.trades("BTC_USDT").pipe(Stream.runDrain, Effect.forkScoped)
      yield* eventually(() => subscribes(server, "spot.trades").length === 1)
      const id = subscribes(server, "spot.trades")[0]!.id
      server.broadcast(JSON.stringify({ time: 1, id, channel: "spot.trades", event: "subscribe", error: { code: 2, message: "unknown currency pair: BTC_USDT" }, result: null }))
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
      const reason = error?._tag === "Fail" && error.error instanceof ExchangeError ? error.error.reason : undefined
      assert.strictEqual(reason?._tag, "SubscriptionRefused")
      assert.include(reason?.message ?? "", "unknown currency pair")
    }))))

  it.live("pings carry the time they are sent; an upgrade event makes the connection dial again and resubscribe", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const { ex, server } = yield* open([], { connection: { closeTimeout: "200 millis", pingInterval: "50 millis" } })
      yield* ex.trades("BTC_USDT").pipe(Stream.runDrain, Effect.forkScoped)
      yield* eventually(() => server.received.flat().filter((f) => f.includes("spot.ping")).length >= 2, "5 seconds", "two pings")
      const pings = server.received.flat().filter((f) => f.includes("spot.ping")).map((f) => JSON.parse(f) as { time: number })
      for (const ping of pings) assert.approximately(ping.time, Date.now() / 1000, 5)
      server.broadcast(JSON.stringify({ time: 1, channel: "", event: "upgrade" }))
      yield* eventually(() => server.accepted() === 2 && subscribes(server, "spot.trades").length === 2, "5 seconds", "the redial and resubscribe")
    }))))
})
