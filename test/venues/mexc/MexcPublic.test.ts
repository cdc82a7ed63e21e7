/**
 * The MEXC public exchange against the simulator over real loopback HTTP and WebSocket, under the
 * leak check: books from a cold start on both channels, resyncs through the simulator's faults,
 * each compared with the simulator engine's own book at the same version.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Option, Scope, Stream } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { ExchangeError } from "../../../src/exchange/ExchangeError.ts"
import type { BookView } from "../../../src/exchange/Model.ts"
import { describe as describeBook, OrderBook } from "../../../src/exchange/OrderBook.ts"
import { defaultSyntheticParams, SyntheticMarket } from "../../../src/sim/engine/SyntheticMarket.ts"
import { makeSymbol } from "../../../src/sim/engine/Symbols.ts"
import { waitUntil } from "../../support/eventually.ts"
import type { SimExchange } from "../../../src/sim/index.ts"
import { recordBook, watchBook, withSim } from "./publicSupport.ts"

/**
 * 34 symbols (34 books + 34 quotes + 32 trades = 100 channels) with a light synthetic market each:
 * a book and a quote are live from their first snapshot; trades need a taker now and then.
 */
const manySymbols = Array.from({ length: 34 }, (_, i) =>
  makeSymbol({ symbol: `C${i}USDT`, baseAsset: `C${i}`, quoteAsset: "USDT", baseAssetPrecision: 2, quoteAssetPrecision: 2 }))
const manyParams = Object.fromEntries(
  manySymbols.map((s) => [s.symbol, { initialMid: "100", levelQty: "5", levels: 5, takersPerSecond: 3 }])
)

describe("MexcPublic against the simulator", () => {
  for (const interval of ["10ms", "100ms"] as const) {
    it.live(`cold start on the ${interval} channel: every book handed out is the venue's book at its version`, () =>
      withSim({}, ({ exchange, sim }) =>
        Effect.gen(function*() {
          const recorder = yield* recordBook(sim, "BTCUSDT")
          const ex = yield* exchange({ interval })
          const watched = yield* watchBook(ex, recorder, "BTCUSDT")
          yield* waitUntil("20 book views", () => watched.views.length >= 20)
          assert.deepStrictEqual(watched.mismatches, [])
          const versions = watched.views.map((v) => v.version)
          for (let i = 1; i < versions.length; i++) assert.isTrue(versions[i]! > versions[i - 1]!, "versions only grow")
          assert.isAbove(watched.views[0]!.bids(5).length, 0)
          const stats = yield* ex.stats
          assert.strictEqual(stats.connections, 1)
          assert.strictEqual(stats.resyncs, 0)
          assert.strictEqual(stats.malformed, 0)
        })
      ))
  }

  const faults = [
    {
      name: "an injected version gap resyncs",
      inject: (sim: SimExchange.SimExchangeShape) => sim.faults.depthGap("BTCUSDT"),
      expect: { resyncs: 1, log: /order book resynced.*"reason":"gap"/ }
    },
    {
      name: "a stale snapshot is taken again",
      // The snapshot armed now is answered to the resync the gap causes, by then older than the stream.
      inject: (sim: SimExchange.SimExchangeShape, views: ReadonlyArray<BookView>) =>
        Effect.gen(function*() {
          const armedAt = sim.engine.depthVersion("BTCUSDT")!
          yield* sim.faults.staleSnapshot("BTCUSDT")
          yield* waitUntil("the stream past the stale snapshot", () => Number(views[views.length - 1]!.version) > armedAt + 20)
          yield* sim.faults.depthGap("BTCUSDT")
        }),
      expect: { resyncs: 2, log: /order book snapshot taken again/ }
    },
    {
      name: "a reordered push resyncs rather than leave a wrong book",
      inject: (sim: SimExchange.SimExchangeShape) => sim.faults.reorderDepth("BTCUSDT"),
      expect: { resyncs: 1, log: /order book resynced.*"reason":"gap"/ }
    },
    {
      name: "a duplicated push is dropped without a resync",
      inject: (sim: SimExchange.SimExchangeShape) => sim.faults.duplicateDepth("BTCUSDT"),
      expect: { resyncs: 0, log: undefined }
    },
    {
      name: "a reconnect while the market moves starts the book over from a snapshot",
      inject: (sim: SimExchange.SimExchangeShape) => Effect.asVoid(sim.faults.dropConnections),
      expect: { resyncs: 1, log: /order book resynced.*"reason":"reconnect"/ }
    }
  ]
  for (const fault of faults) {
    it.live(`${fault.name}; every book handed out is the venue's at its version, never crossed`, () =>
      withSim({}, ({ exchange, logs, sim }) =>
        Effect.gen(function*() {
          const recorder = yield* recordBook(sim, "BTCUSDT")
          const ex = yield* exchange({ interval: "10ms" })
          const watched = yield* watchBook(ex, recorder, "BTCUSDT")
          yield* waitUntil("first views", () => watched.views.length >= 5)
          yield* fault.inject(sim, watched.views)
          // The fault has happened once the simulator has pushed well past the arming point.
          const armedAt = recorder.latest()
          yield* waitUntil("views well after the fault", () =>
            watched.views.length > 0 && Number(watched.views[watched.views.length - 1]!.version) > armedAt + 200)
          if (fault.expect.log !== undefined) {
            yield* waitUntil("the resync's log line", () => logs.some((l) => fault.expect.log!.test(l)))
          }
          const stats = yield* ex.stats
          if (fault.expect.resyncs === 0) assert.strictEqual(stats.resyncs, 0)
          else assert.isAtLeast(stats.resyncs, fault.expect.resyncs, "resyncs counted (a stale snapshot counts too)")
          assert.deepStrictEqual(watched.mismatches, [])
        })
      ))
  }

  it.live("a book rebuilt by us equals a REST snapshot at the same version, again and again over a minute of market", () =>
    withSim({ market: false }, ({ exchange, sim }) =>
      Effect.gen(function*() {
        // The market is stepped by the test: paused between steps, so the REST snapshot and our
        // book can be taken at one version. 30 steps of 2 s of market each: a minute.
        let now = Date.now()
        const market = SyntheticMarket.make(sim.engine, { seed: 11, params: defaultSyntheticParams }, now)
        const ex = yield* exchange({ interval: "10ms" })
        let latest: BookView | undefined
        yield* ex.orderBook("BTCUSDT").pipe(
          Stream.runForEach((view) => Effect.sync(() => void (latest = view))),
          Effect.forkScoped
        )
        for (let round = 1; round <= 30; round++) {
          now += 2000
          market.step(now)
          const version = sim.engine.depthVersion("BTCUSDT")!
          yield* waitUntil(`our book at version ${version}`, () => latest !== undefined && latest.version === BigInt(version))
          const rest = yield* Effect.promise(() =>
            fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5000`).then((r) =>
              r.json() as Promise<{ lastUpdateId: number; bids: Array<[string, string]>; asks: Array<[string, string]> }>
            )
          )
          assert.strictEqual(rest.lastUpdateId, version, "the market is paused")
          const book = new OrderBook("BTCUSDT")
          book.applySnapshot({
            version: BigInt(rest.lastUpdateId),
            time: 0,
            bids: rest.bids.map(([price, quantity]) => ({ price, quantity })),
            asks: rest.asks.map(([price, quantity]) => ({ price, quantity }))
          })
          assert.strictEqual(describeBook(latest!), describeBook(book.view()), `round ${round}`)
        }
        assert.isAbove(market.tickCount, 5000)
        // snapshot(): the live book while subscribed, a REST snapshot otherwise.
        assert.strictEqual(describeBook(yield* ex.snapshot("BTCUSDT")), describeBook(latest!))
        const eth = yield* ex.snapshot("ETHUSDT")
        assert.strictEqual(eth.version, BigInt(sim.engine.depthVersion("ETHUSDT")!))
        assert.isAbove(eth.bids(100).length, 0)
      })
    ))

  it.live("a slow book subscriber does not delay a fast quote subscriber; it then sees the newest book", () =>
    withSim({}, ({ exchange }) =>
      Effect.gen(function*() {
        const ex = yield* exchange({ interval: "10ms" })
        const holding = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const booksSeen: Array<BookView> = []
        yield* ex.orderBook("BTCUSDT").pipe(
          Stream.runForEach((view) =>
            Effect.gen(function*() {
              booksSeen.push(view)
              if (booksSeen.length === 1) {
                yield* Deferred.succeed(holding, undefined)
                yield* Deferred.await(release)
              }
            })
          ),
          Effect.forkScoped
        )
        yield* Deferred.await(holding)
        let quotes = 0
        yield* ex.quotes("BTCUSDT").pipe(Stream.runForEach(() => Effect.sync(() => void quotes++)), Effect.forkScoped)
        yield* waitUntil("30 quotes while the book subscriber is stuck", () => quotes >= 30)
        assert.strictEqual(booksSeen.length, 1, "the book subscriber is still on its first view")
        const stuckAt = booksSeen[0]!.version
        yield* Deferred.succeed(release, undefined)
        yield* waitUntil("the book subscriber's next view", () => booksSeen.length >= 2)
        // It skipped ahead to the newest book: one view, many versions later.
        assert.isTrue(booksSeen[1]!.version > stuckAt + 50n, `${booksSeen[1]!.version} after ${stuckAt}`)
      })
    ))

  it.live("100 channels over 4 connections, every stream live; connections close with their last channel", () =>
    withSim({ symbols: manySymbols, market: { params: manyParams } }, ({ exchange }) =>
      Effect.gen(function*() {
        const ex = yield* exchange({ interval: "100ms" })
        const symbols = manySymbols.map((s) => s.symbol)
        const seen = new Map<string, number>()
        const count = (key: string) => Effect.sync(() => void seen.set(key, (seen.get(key) ?? 0) + 1))
        const channelsScope = yield* Scope.make()
        const streams: Array<[string, Stream.Stream<unknown, unknown>]> = []
        for (const symbol of symbols) {
          streams.push([`book ${symbol}`, ex.orderBook(symbol)], [`quote ${symbol}`, ex.quotes(symbol)])
        }
        for (const symbol of symbols.slice(0, 100 - streams.length)) streams.push([`trades ${symbol}`, ex.trades(symbol)])
        assert.strictEqual(streams.length, 100)
        for (const [key, stream] of streams) {
          yield* stream.pipe(Stream.runForEach(() => count(key)), Effect.forkIn(channelsScope))
        }
        yield* waitUntil("every one of the 100 streams delivering", () => streams.every(([key]) => (seen.get(key) ?? 0) > 0), 30_000)
        const stats = yield* ex.stats
        assert.strictEqual(stats.connections, 4)
        assert.strictEqual(stats.refused, 0)
        assert.strictEqual(stats.malformed, 0)
        yield* Scope.close(channelsScope, Exit.void)
        yield* waitUntil("every connection closed with its last channel", () => Effect.runSync(ex.stats).connections === 0)
      })
    ), 60_000)

  it.live("a channel the venue refuses fails its stream with SubscriptionRefused; others keep streaming", () =>
    withSim({ symbols: manySymbols, market: false }, ({ exchange }) =>
      Effect.gen(function*() {
        // 31 channels on one connection: MEXC (and the simulator) refuse the 31st. (No market:
        // each quote channel pushes the current, empty, best bid/ask once.)
        const ex = yield* exchange({ interval: "100ms", channelsPerConnection: 31 })
        const symbols = manySymbols.map((s) => s.symbol).slice(0, 31)
        const results = yield* Effect.forEach(symbols, (symbol) =>
          ex.quotes(symbol).pipe(Stream.take(1), Stream.runDrain, Effect.exit), { concurrency: "unbounded" })
        const failures = results.filter(Exit.isFailure)
        assert.strictEqual(failures.length, 1)
        const error = Cause.findErrorOption(failures[0]!.cause)
        assert.isTrue(Option.isSome(error) && error.value.reason._tag === "SubscriptionRefused", String(failures[0]))
        assert.strictEqual((yield* ex.stats).refused, 1)
      })
    ), 30_000)

  it.live("release order from the lifecycle log: connections, queue, hub, then the REST client and rate limiter", () =>
    Effect.gen(function*() {
      let events: ReadonlyArray<{ component: string; phase: string }> = []
      yield* withSim({}, (h) => {
        events = h.events
        return Effect.gen(function*() {
          const ex = yield* h.exchange({ interval: "10ms", channelsPerConnection: 1 })
          yield* ex.orderBook("BTCUSDT").pipe(Stream.take(1), Stream.runDrain)
          yield* ex.quotes("ETHUSDT").pipe(Stream.runDrain, Effect.forkScoped)
          yield* ex.orderBook("ETHUSDT").pipe(Stream.runDrain, Effect.forkScoped)
          yield* waitUntil("two connections", () => Effect.runSync(ex.stats).connections === 2)
        })
      })
      const stopped = events.filter((e) => e.phase === "stopped").map((e) => e.component)
      const at = (component: string) => {
        const i = stopped.indexOf(component)
        assert.isAtLeast(i, 0, `${component} stopped (${stopped.join(", ")})`)
        return i
      }
      const connections = stopped.filter((c) => c.startsWith("connection:mexc-public-"))
      assert.isAtLeast(connections.length, 3, "one connection for the first book, two for the others")
      const lastConnection = Math.max(...connections.map(at))
      assert.isBelow(lastConnection, at("queue:mexc-public"))
      assert.isBelow(at("queue:mexc-public"), at("hub:mexc-public"))
      assert.isBelow(at("hub:mexc-public"), at("rest:mexc"))
      assert.isBelow(at("rest:mexc"), at("ratelimit:mexc"))
    }))

  it.live("trades: every venue trade, in venue order, as domain Trades", () =>
    withSim({ market: { params: { BTCUSDT: { initialMid: "65000", levelQty: "0.05", takersPerSecond: 50 } } } }, ({ exchange, sim }) =>
      Effect.gen(function*() {
        const venue: Array<string> = []
        const unsubscribe = sim.engine.subscribeTrades("BTCUSDT", (t) =>
          void venue.push(`${t.tradeId} ${t.price} ${t.quantity} ${t.tradeType === 1 ? "BUY" : "SELL"}`))
        yield* Effect.addFinalizer(() => Effect.sync(unsubscribe))
        const ex = yield* exchange({ interval: "10ms" })
        const ours: Array<string> = []
        yield* ex.trades("BTCUSDT").pipe(
          Stream.runForEach((t) =>
            Effect.sync(() => void ours.push(`${t.tradeId} ${Decimal.format(t.price)} ${Decimal.format(t.quantity)} ${t.side}`))
          ),
          Effect.forkScoped
        )
        yield* waitUntil("100 trades", () => ours.length >= 100)
        const start = venue.indexOf(ours[0]!)
        assert.isAtLeast(start, 0)
        assert.deepStrictEqual(ours.slice(0, 100), venue.slice(start, start + 100))
      })
    ))

  it.live("malformed frames are counted and skipped; the book stays right and the connection stays up", () =>
    withSim({}, ({ exchange, sim }) =>
      Effect.gen(function*() {
        const recorder = yield* recordBook(sim, "BTCUSDT")
        const ex = yield* exchange({ interval: "10ms" })
        const watched = yield* watchBook(ex, recorder, "BTCUSDT")
        yield* waitUntil("first views", () => watched.views.length >= 5)
        yield* sim.faults.malformedFrames(3)
        yield* waitUntil("three malformed frames", () => Effect.runSync(ex.stats).malformed === 3)
        const seen = watched.views.length
        yield* waitUntil("more views", () => watched.views.length > seen + 10)
        assert.deepStrictEqual(watched.mismatches, [])
        assert.strictEqual((yield* ex.stats).reconnects, 0, "bad frames are no reason to reconnect")
      })
    ))

  it.live("a silent venue is dropped as stale; after it speaks again the book is resynced and right", () =>
    withSim({}, ({ exchange, sim }) =>
      Effect.gen(function*() {
        const recorder = yield* recordBook(sim, "BTCUSDT")
        const ex = yield* exchange({ interval: "10ms", connection: { staleAfter: "500 millis", pingInterval: "100 millis" } })
        const watched = yield* watchBook(ex, recorder, "BTCUSDT")
        yield* waitUntil("first views", () => watched.views.length >= 5)
        yield* sim.faults.silence(true)
        yield* waitUntil("a reconnect", () => Effect.runSync(ex.stats).reconnects > 0)
        yield* sim.faults.silence(false)
        const seen = watched.views.length
        yield* waitUntil("views after the silence", () => watched.views.length > seen + 10)
        assert.deepStrictEqual(watched.mismatches, [])
        assert.isAtLeast((yield* ex.stats).resyncs, 1)
      })
    ))

  it.live("a book asked for while the venue refuses connections arrives once it accepts them", () =>
    withSim({}, ({ exchange, sim }) =>
      Effect.gen(function*() {
        const recorder = yield* recordBook(sim, "ETHUSDT")
        const ex = yield* exchange({ interval: "10ms", connection: { writeTimeout: "200 millis" } })
        yield* sim.faults.refuseConnections(1)
        const watched = yield* watchBook(ex, recorder, "ETHUSDT")
        yield* waitUntil("views after the refusals", () => watched.views.length >= 5)
        assert.deepStrictEqual(watched.mismatches, [])
        assert.isAtLeast((yield* ex.stats).reconnects, 1, "at least one refused attempt")
      })
    ))

  it.live("a book whose snapshots cannot be had fails with BookSyncFailed after its attempts", () =>
    withSim({}, ({ exchange, sim }) =>
      Effect.gen(function*() {
        const ex = yield* exchange({ interval: "10ms", bookSync: { maxSnapshotAttempts: 2, retryDelayMs: 10 } })
        yield* ex.instrument("BTCUSDT")
        yield* sim.faults.failNextRest(1000, { status: 503 })
        const exit = yield* ex.orderBook("BTCUSDT").pipe(Stream.runDrain, Effect.exit)
        const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
        assert.isTrue(Option.isSome(error) && error.value.reason._tag === "BookSyncFailed", String(exit))
        yield* sim.faults.reset
      })
    ))

  it.live("an unknown symbol fails with InvalidSymbol before anything is subscribed", () =>
    withSim({ market: false }, ({ exchange }) =>
      Effect.gen(function*() {
        const ex = yield* exchange()
        for (const stream of [ex.orderBook("NOSUCHUSDT"), ex.quotes("NOSUCHUSDT"), ex.trades("NOSUCHUSDT")] as Array<Stream.Stream<unknown, unknown>>) {
          const exit = yield* Stream.runDrain(stream).pipe(Effect.exit)
          assert.isTrue(Exit.isFailure(exit))
          const failure = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
          assert.isTrue(Option.isSome(failure) && failure.value instanceof ExchangeError)
          const error = (failure as Option.Some<ExchangeError>).value
          assert.strictEqual(error.reason._tag, "InvalidSymbol")
          assert.match(error.message, /NOSUCHUSDT/)
        }
        const instrumentExit = yield* Effect.exit(ex.instrument("NOSUCHUSDT"))
        assert.isTrue(Exit.isFailure(instrumentExit))
        assert.strictEqual((yield* ex.stats).connections, 0, "no connection was opened")
        const btc = yield* ex.instrument("BTCUSDT")
        assert.strictEqual(btc.symbol, "BTCUSDT")
      })
    ))
})
