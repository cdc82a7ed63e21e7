/**
 * GatePublic against the Gate simulator (REST and WebSocket over loopback): books that are the
 * venue's book at every version handed out, on both intervals and through Gate's irregular full
 * pushes; through an injected gap, a stale snapshot, a reordered or duplicated push and a
 * reconnect while the market moves; trades in venue order; release order from the lifecycle log.
 * The same cases MexcPublic has, in Gate's wire.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import type { BookView } from "../../../src/exchange/Model.ts"
import type { GateSim } from "../../../src/sim/index.ts"
import { waitUntil } from "../../support/eventually.ts"
import { recorderOf, watchBook, withGate } from "./support/publicHarness.ts"

const lastVersion = (views: ReadonlyArray<BookView>) => (views.length === 0 ? 0 : Number(views[views.length - 1]!.version))

describe("GatePublic against the Gate simulator", () => {
  for (const interval of ["20ms", "100ms"] as const) {
    it.live(`cold start on the ${interval} channel, full pushes included: every book handed out is the venue's at its version`, () =>
      withGate({ fullPushChance: 0.2 }, ({ exchange, gate }) =>
        Effect.gen(function*() {
          const recorder = yield* recorderOf(gate, "BTC_USDT")
          const ex = yield* exchange({ interval })
          const watched = yield* watchBook(ex, recorder, "BTC_USDT")
          yield* waitUntil("30 book views", () => watched.views.length >= 30)
          assert.deepStrictEqual(watched.mismatches, [])
          const versions = watched.views.map((v) => v.version)
          for (let i = 1; i < versions.length; i++) assert.isTrue(versions[i]! > versions[i - 1]!, "versions only grow")
          assert.isAbove(watched.views[0]!.bids(5).length, 0)
          const stats = yield* ex.stats
          assert.strictEqual(stats.resyncs, 0, "full pushes replace the book without a resync")
          assert.strictEqual(stats.malformed, 0)
        })))
  }

  const faults = [
    {
      name: "an injected gap resyncs",
      inject: (gate: GateSim.GateSimShape) => gate.faults.depthGap("BTC_USDT"),
      resyncs: 1
    },
    {
      name: "a stale snapshot is taken again",
      inject: (gate: GateSim.GateSimShape, views: ReadonlyArray<BookView>) =>
        Effect.gen(function*() {
          const armedAt = gate.engine.depthVersion("BTC_USDT")!
          yield* gate.faults.staleSnapshot("BTC_USDT")
          yield* waitUntil("the stream past the stale snapshot", () => lastVersion(views) > armedAt + 20)
          yield* gate.faults.depthGap("BTC_USDT")
        }),
      resyncs: 2
    },
    {
      name: "a reordered push resyncs rather than leave a wrong book",
      inject: (gate: GateSim.GateSimShape) => gate.faults.reorderDepth("BTC_USDT"),
      resyncs: 1
    },
    {
      name: "a duplicated push is dropped without a resync",
      inject: (gate: GateSim.GateSimShape) => gate.faults.duplicateDepth("BTC_USDT"),
      resyncs: 0
    },
    {
      name: "a reconnect while the market moves starts the book over from a snapshot",
      inject: (gate: GateSim.GateSimShape) => Effect.asVoid(gate.faults.dropConnections),
      resyncs: 1
    }
  ]
  for (const fault of faults) {
    it.live(`${fault.name}; every book handed out is the venue's at its version, never crossed`, () =>
      withGate({ fullPushChance: 0 }, ({ exchange, gate }) =>
        Effect.gen(function*() {
          const recorder = yield* recorderOf(gate, "BTC_USDT")
          const ex = yield* exchange({ interval: "20ms" })
          const watched = yield* watchBook(ex, recorder, "BTC_USDT")
          yield* waitUntil("first views", () => watched.views.length >= 5)
          yield* fault.inject(gate, watched.views)
          const armedAt = recorder.latest()
          yield* waitUntil("views well after the fault", () => lastVersion(watched.views) > armedAt + 200, 20_000)
          const stats = yield* ex.stats
          if (fault.resyncs === 0) assert.strictEqual(stats.resyncs, 0)
          else assert.isAtLeast(stats.resyncs, fault.resyncs, "resyncs counted (a stale snapshot counts too)")
          assert.deepStrictEqual(watched.mismatches, [])
        })))
  }

  it.live("trades: the venue's trades as domain trades; quotes: the venue's best bid and ask", () =>
    withGate({}, ({ exchange, gate }) =>
      Effect.gen(function*() {
        const ex = yield* exchange()
        const trades = yield* ex.trades("BTC_USDT").pipe(Stream.take(3), Stream.runCollect, Effect.forkScoped)
        const quotes = yield* ex.quotes("BTC_USDT").pipe(Stream.take(3), Stream.runCollect)
        for (const q of quotes) assert.isTrue(q.bidPrice.value > 0n && q.askPrice.value > 0n)
        const got = yield* Fiber.join(trades)
        assert.strictEqual(got.length, 3)
        const ids = got.map((t) => Number(t.tradeId))
        for (let i = 1; i < ids.length; i++) assert.isAbove(ids[i]!, ids[i - 1]!, "venue order")
        assert.isDefined(gate.engine.depthVersion("BTC_USDT"))
      })))

  it.live("channels per connection is an option (Gate documents no limit; 50 assumed): 3 channels at 2 per connection take 2 connections", () =>
    withGate({}, ({ exchange }) =>
      Effect.gen(function*() {
        const ex = yield* exchange({ channelsPerConnection: 2 })
        yield* Effect.forEach(["BTC_USDT", "ETH_USDT", "HIFI_USDT"], (symbol) => ex.quotes(symbol).pipe(Stream.runDrain, Effect.forkScoped))
        yield* waitUntil("two connections", () => Effect.runSync(ex.stats).connections === 2)
        const stats = yield* ex.stats
        assert.strictEqual(stats.connections, 2)
      })))

  it.live("release order: connections, then the queue and the hub, then the REST client and rate limiter", () =>
    withGate({}, ({ events, exchange }) =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const ex = yield* exchange()
          yield* ex.orderBook("BTC_USDT").pipe(Stream.take(2), Stream.runDrain)
        }))
        const stopped = events.filter((e) => e.phase === "stopped").map((e) => e.component)
        const at = (prefix: string) => stopped.findIndex((c) => c.startsWith(prefix))
        assert.isAbove(at("connection:gate-public"), -1)
        assert.isBelow(at("connection:gate-public"), at("queue:gate-public"))
        assert.isBelow(at("queue:gate-public"), at("hub:gate-public"))
      })))
})
