/**
 * The whole public data path against a real loopback ws server pushing real protobuf frames:
 * socket -> Connection -> MessageQueue -> decode + route -> StreamHub -> subscriber streams,
 * and its shutdown order, proved from the lifecycle log.
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { assert, describe } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope, Stream } from "effect"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import * as PublicFeed from "../../src/venues/mexc/PublicFeed.ts"
import { encodePush } from "../../src/venues/mexc/Proto.ts"
import * as LoopbackWsServer from "../support/LoopbackWsServer.ts"
import { live } from "../support/quiet.ts"

const dealsChannel = PublicFeed.channels.deals("BTCUSDT")

const dealFrame = (tradeId: number, channel = dealsChannel) =>
  encodePush({
    channel,
    symbol: "BTCUSDT",
    sendTime: 1_700_000_000_000 + tradeId,
    body: {
      $case: "publicAggreDeals",
      value: {
        eventType: channel,
        deals: [{ price: "65000.10", quantity: "0.5", tradeType: 1, time: 1_700_000_000_000, tradeId: String(tradeId) }]
      }
    }
  } as Parameters<typeof encodePush>[0])

const subscriptions = (server: LoopbackWsServer.LoopbackWsServer, method: string) =>
  server.received.flat().flatMap((text) => {
    const msg = JSON.parse(text) as { method?: string; params?: Array<string> }
    return msg.method === method ? msg.params ?? [] : []
  })

const makeFeed = (url: string) =>
  PublicFeed.make({
    url,
    connection: { backoff: { initial: "20 millis", max: "100 millis" }, closeTimeout: "200 millis" }
  }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))

describe("MEXC public feed pipeline", () => {
  live("subscribes upstream on first use, decodes and delivers every frame in order", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const feed = yield* makeFeed(server.url)
      const received = yield* feed.deals("BTCUSDT").pipe(Stream.take(300), Stream.runCollect, Effect.forkScoped)
      yield* server.waitFor("upstream subscribe", () => subscriptions(server, "SUBSCRIPTION").includes(dealsChannel))
      for (let i = 0; i < 300; i++) server.broadcast(dealFrame(i))
      const pushes = yield* Fiber.join(received)
      assert.deepStrictEqual(pushes.map((p) => p.data.deals[0]!.tradeId), [...Array(300).keys()].map(String))
      assert.strictEqual(pushes[0]!.channel, dealsChannel)
      assert.strictEqual(pushes[0]!.symbol, "BTCUSDT")
      yield* server.waitFor("unsubscribe after the last subscriber left", () =>
        subscriptions(server, "UNSUBSCRIPTION").includes(dealsChannel))
    })))

  live("a subscriber that arrives while the venue is unreachable gets data once it is back", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      // A bot started during an outage (or a long backoff) longer than the write timeout: its
      // streams must not fail; the connection subscribes them when it connects.
      const server = yield* LoopbackWsServer.make
      yield* server.refuse()
      const feed = yield* PublicFeed.make({
        url: server.url,
        connection: {
          backoff: { initial: "20 millis", max: "100 millis" },
          closeTimeout: "200 millis",
          writeTimeout: "200 millis"
        }
      }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))
      const received = yield* feed.deals("BTCUSDT").pipe(Stream.take(3), Stream.runCollect, Effect.forkScoped)
      // Several refused attempts, longer than the write timeout, before the venue is back.
      yield* feed.connection.states.pipe(
        Stream.filter((s) => s._tag === "Reconnecting" && s.attempt >= 5),
        Stream.runHead,
        Effect.timeout("10 seconds")
      )
      yield* server.accept()
      yield* server.waitFor("upstream subscribe", () => subscriptions(server, "SUBSCRIPTION").includes(dealsChannel))
      for (let i = 0; i < 3; i++) server.broadcast(dealFrame(i))
      const pushes = yield* Fiber.join(received)
      assert.deepStrictEqual(pushes.map((p) => p.data.deals[0]!.tradeId), ["0", "1", "2"])
      assert.deepStrictEqual(subscriptions(server, "SUBSCRIPTION"), [dealsChannel], "subscribed exactly once")
    })))

  live("counts and skips malformed frames; the stream carries on", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const feed = yield* makeFeed(server.url)
      const received = yield* feed.deals("BTCUSDT").pipe(Stream.take(2), Stream.runCollect, Effect.forkScoped)
      yield* server.waitFor("upstream subscribe", () => subscriptions(server, "SUBSCRIPTION").includes(dealsChannel))
      server.broadcast(dealFrame(1))
      server.broadcast(new Uint8Array([0x0a, 0x05, 0x73, 0x70, 0xff])) // truncated wrapper
      server.broadcast("Invalid listen key")
      server.broadcast(dealFrame(2))
      const pushes = yield* Fiber.join(received)
      assert.deepStrictEqual(pushes.map((p) => p.data.deals[0]!.tradeId), ["1", "2"])
      const stats = yield* feed.decodeStats
      assert.strictEqual(stats.malformed, 2)
      assert.strictEqual(stats.routed, 2)
    })))

  live("shuts down connection, then queue, then hub; subscribers complete rather than hang", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const events: Array<string> = []
      const scope = yield* Scope.make()
      const feed = yield* makeFeed(server.url).pipe(
        Scope.provide(scope),
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => events.push(`${e.component}:${e.phase}`))
      )
      const seen: Array<string> = []
      const subscriber = yield* feed.deals("BTCUSDT").pipe(
        Stream.runForEach((p) => Effect.sync(() => seen.push(p.data.deals[0]!.tradeId))),
        Effect.forkChild
      )
      yield* server.waitFor("upstream subscribe", () => subscriptions(server, "SUBSCRIPTION").includes(dealsChannel))
      for (let i = 0; i < 50; i++) server.broadcast(dealFrame(i))
      yield* server.waitFor("frames through", () => seen.length === 50)

      yield* Scope.close(scope, Exit.void)
      const exit = yield* Fiber.await(subscriber)
      assert.isTrue(Exit.isSuccess(exit), "the subscriber's stream completed")
      assert.deepStrictEqual(events.filter((e) => e.endsWith(":stopping") || e.endsWith(":stopped")), [
        "connection:mexc-public:stopping",
        "connection:mexc-public:stopped",
        "queue:mexc-public:stopping",
        "queue:mexc-public:stopped",
        "hub:mexc-public:stopping",
        "hub:mexc-public:stopped"
      ])
    })))
})
