/**
 * The public data path against the embedded simulator, through the simulator's own faults: the
 * feed must ride out dropped connections, malformed frames, a silent (half-open) server and
 * refused reconnects, and keep delivering.
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { assert, describe } from "@effect/vitest"
import { type Duration, Effect, Fiber, Layer, Logger, type Scope, Stream } from "effect"
import type * as Socket from "effect/socket/Socket"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { SimExchange } from "../../src/sim/index.ts"
import * as PublicFeed from "../../src/venues/mexc/PublicFeed.ts"
import { waitUntil } from "../support/eventually.ts"
import { live } from "../support/quiet.ts"

/**
 * Runs `effect` with a fresh simulator built in the same scope, first: the feed the effect makes is
 * then released before the simulator, as in an app where the client depends on the venue. (With
 * `Effect.provide` the simulator would stop while the feed was still connected and reconnecting.)
 */
const withSim = <A, E>(
  effect: Effect.Effect<A, E, SimExchange.SimExchange | Scope.Scope | Socket.WebSocketConstructor>
) =>
  LeakCheck.scoped(
    Effect.gen(function*() {
      const sim = yield* Layer.build(Layer.fresh(SimExchange.layer({ seed: 7 })))
      return yield* effect.pipe(Effect.provide(sim))
    }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))
  )

const makeFeed = (sim: SimExchange.SimExchangeShape, staleAfter: Duration.Input = "30 seconds") =>
  PublicFeed.make({
    url: sim.wsUrl,
    interval: "10ms",
    connection: {
      backoff: { initial: "20 millis", max: "200 millis" },
      closeTimeout: "200 millis",
      pingInterval: "100 millis",
      staleAfter
    }
  })

/** Counts depth pushes seen by a subscriber; `seen()` reads the count. */
const countDepth = (feed: PublicFeed.PublicFeedShape, symbol: string) =>
  Effect.gen(function*() {
    let seen = 0
    yield* feed.depth(symbol).pipe(
      Stream.runForEachArray((pushes) => Effect.sync(() => (seen += pushes.length))),
      Effect.forkScoped
    )
    return () => seen
  })

describe("MEXC public feed against the simulator", () => {
  live("keeps delivering across dropped connections: reconnects and resubscribes", () =>
    withSim(Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      const feed = yield* makeFeed(sim)
      const seen = yield* countDepth(feed, "BTCUSDT")
      yield* waitUntil("first depth pushes", () => seen() > 5)
      for (let drop = 1; drop <= 3; drop++) {
        yield* sim.faults.dropConnections
        const before = seen()
        yield* waitUntil(`data after drop ${drop}`, () => seen() > before + 5)
      }
      const stats = yield* feed.connection.stats
      assert.isAtLeast(stats.reconnects, 3)
      assert.isAtLeast(stats.connects, 4)
    })))

  live("counts and skips malformed frames from the server, and carries on", () =>
    withSim(Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      const feed = yield* makeFeed(sim)
      const seen = yield* countDepth(feed, "ETHUSDT")
      yield* waitUntil("first depth pushes", () => seen() > 5)
      yield* sim.faults.malformedFrames(3)
      const before = seen()
      yield* waitUntil("data after the malformed frames", () => seen() > before + 10)
      const decode = yield* feed.decodeStats
      assert.strictEqual(decode.malformed, 3)
      assert.strictEqual((yield* feed.connection.stats).reconnects, 0, "bad frames are no reason to reconnect")
    })))

  live("drops a silent server's connection as stale and recovers when it speaks again", () =>
    withSim(Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      const feed = yield* makeFeed(sim, "500 millis")
      const seen = yield* countDepth(feed, "BTCUSDT")
      yield* waitUntil("first depth pushes", () => seen() > 5)
      yield* sim.faults.silence(true)
      const stale = yield* feed.connection.stats.pipe(
        Effect.repeat({ until: (s) => s.staleDrops > 0 }),
        Effect.timeout("10 seconds")
      )
      assert.isAtLeast(stale.staleDrops, 1)
      yield* sim.faults.silence(false)
      const before = seen()
      yield* waitUntil("data after silence", () => seen() > before + 5)
    })))

  live("a channel the venue refuses fails its subscribers with the venue's message; others carry on", () => {
    const warnings: Array<string> = []
    const collector = Logger.make((options) => {
      if (options.logLevel === "Warn") warnings.push(JSON.stringify(options.message))
    })
    return withSim(Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      const feed = yield* makeFeed(sim)
      const seen = yield* countDepth(feed, "BTCUSDT")
      yield* waitUntil("first depth pushes", () => seen() > 5)
      // A second subscriber joins while the first one waits: both learn of the refusal.
      const first = yield* feed.deals("NOSUCHUSDT").pipe(Stream.runDrain, Effect.flip, Effect.forkScoped)
      const second = yield* feed.deals("NOSUCHUSDT").pipe(Stream.runDrain, Effect.flip, Effect.forkScoped)
      const error = yield* Fiber.join(first)
      const refused = PublicFeed.channels.deals("NOSUCHUSDT", "10ms")
      assert.strictEqual(error._tag, "ConnectionError")
      assert.strictEqual(error.reason._tag, "SubscriptionRefused")
      if (error._tag !== "ConnectionError" || error.reason._tag !== "SubscriptionRefused") return
      assert.strictEqual(error.reason.channel, refused)
      assert.include(error.reason.message, "Not Subscribed successfully!")
      assert.include(error.reason.message, refused)
      assert.isFalse(error.retryable)
      const again = yield* Fiber.join(second)
      assert.strictEqual(again._tag === "ConnectionError" ? again.reason._tag : undefined, "SubscriptionRefused")

      // The refused channel is not replayed after a reconnect, and the good one keeps delivering.
      assert.deepStrictEqual(yield* feed.connection.channels, [PublicFeed.channels.depth("BTCUSDT", "10ms")])
      yield* sim.faults.dropConnections
      const before = seen()
      yield* waitUntil("data after the reconnect", () => seen() > before + 5)
      const stats = yield* feed.connection.stats
      assert.strictEqual(stats.refusedSubscriptions, 1, "refused once: not sent again")
      assert.isAtLeast(stats.reconnects, 1)
      assert.isTrue(warnings.some((w) => w.includes("Not Subscribed successfully!")), warnings.join("\n"))
    })).pipe(Effect.provide(Logger.layer([collector])))
  })

  live("waits out refused connections, then resubscribes", () =>
    withSim(Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      const feed = yield* makeFeed(sim)
      const ticker = yield* feed.bookTicker("HIFIUSDT").pipe(Stream.take(1), Stream.runHead, Effect.forkScoped)
      yield* Fiber.join(ticker)
      const seen = yield* countDepth(feed, "HIFIUSDT")
      yield* sim.faults.refuseConnections(1)
      yield* sim.faults.dropConnections
      const before = seen()
      yield* waitUntil("data after the refusal ended", () => seen() > before + 5)
      assert.isAtLeast((yield* feed.connection.stats).reconnects, 2, "at least one refused attempt before success")
    })))
})
