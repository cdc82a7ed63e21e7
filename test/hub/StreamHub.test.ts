import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Latch, Metric, Option, Queue, Scope, Stream } from "effect"
import { HubError, HubMetrics, StreamHub, Topic } from "../../src/hub/index.ts"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"

const range = (from: number, to: number): Array<number> => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Builds a hub in a scope of its own so the test decides when it closes. */
const open = (options?: Partial<StreamHub.Options>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const hub = yield* StreamHub.make({ name: "hub:test", ...options }).pipe(Scope.provide(scope))
    return { hub, close: Scope.close(scope, Exit.void) }
  })

/** Waits (live clock) until `key` has `n` subscribers. */
const subscribers = (hub: StreamHub.StreamHubShape, key: string, n: number) =>
  Effect.gen(function*() {
    for (;;) {
      const stats = yield* hub.stats
      if ((stats.topics.find((t) => t.key === key)?.subscribers.length ?? 0) === n) return
      yield* Effect.sleep("1 millis")
    }
  }).pipe(Effect.timeout("5 seconds"))

const failureReason = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "succeeded"
  const error = Cause.findErrorOption(exit.cause)
  if (error._tag === "None" || !(error.value instanceof HubError.HubError)) return "other failure"
  return error.value.reason._tag
}

const prices = Topic.family<number>("price", { replay: 1, strategy: "sliding", capacity: 4 })
const orders = Topic.make<number>("orders", { replay: 0, strategy: "backpressure", capacity: 4 })

describe("StreamHub", () => {
  it.live("replays the latest values to a late subscriber, then live ones, without gap or duplicate", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      const topic = Topic.make<number>("ticker", { replay: 2 })
      yield* hub.publishAll(topic, [1, 2, 3])
      assert.deepStrictEqual(yield* hub.latest(topic), Option.some(3))
      const fiber = yield* hub.subscribe(topic).pipe(Stream.take(4), Stream.runCollect, Effect.forkChild)
      yield* subscribers(hub, "ticker", 1)
      yield* hub.publish(topic, 4)
      yield* hub.publish(topic, 5)
      assert.deepStrictEqual(Array.from(yield* Fiber.join(fiber)), [2, 3, 4, 5])
      yield* close
    })))

  it.live("subscribeWith maps each chunk the subscriber takes, and its failure ends the stream", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      const topic = Topic.make<number>("levels", { replay: 0, strategy: "backpressure", capacity: 16 })
      const seen: Array<ReadonlyArray<number>> = []
      const out: Array<number> = []
      const fiber = yield* hub.subscribeWith(topic, (chunk) =>
        Effect.suspend(() => {
          seen.push(chunk)
          return chunk.includes(-1)
            ? Effect.fail("negative" as const)
            : Effect.succeed([chunk[chunk.length - 1]! * 10] as const)
        })).pipe(Stream.runForEach((value) => Effect.sync(() => void out.push(value))), Effect.exit, Effect.forkChild)
      yield* subscribers(hub, "levels", 1)
      yield* hub.publishAll(topic, [1, 2, 3])
      // Everything buffered is one chunk; the mapped chunk (its latest value) reaches the stream.
      yield* Effect.gen(function*() {
        while (seen.length < 1) yield* Effect.sleep("1 millis")
      }).pipe(Effect.timeout("5 seconds"))
      yield* hub.publish(topic, -1)
      const exit = yield* Fiber.join(fiber)
      assert.deepStrictEqual(seen, [[1, 2, 3], [-1]])
      assert.deepStrictEqual(out, [30])
      assert.isTrue(Exit.isFailure(exit) && Cause.findErrorOption(exit.cause)._tag === "Some")
      assert.deepStrictEqual(Option.getOrUndefined(Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()), "negative")
      // The failed subscriber left the topic.
      yield* subscribers(hub, "levels", 0)
      yield* close
    })))

  it.live("a \"fail\" topic: a stuck subscriber never stalls the publisher or the others; it fails with SubscriberOverflow", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      const fills = Topic.make<number>("fills", { replay: 0, strategy: "fail", capacity: 100 })
      const gate = Latch.makeUnsafe(false)
      // Takes its first chunk, then stops reading until the gate opens.
      const stuck = yield* hub.subscribe(fills, { name: "stuck" }).pipe(
        Stream.mapEffect((n) => Effect.as(gate.await, n)),
        Stream.runCollect,
        Effect.exit,
        Effect.forkChild
      )
      const all = yield* hub.subscribe(fills, { name: "reader" }).pipe(Stream.take(3_000), Stream.runCollect, Effect.forkChild)
      yield* subscribers(hub, "fills", 2)
      // 3,000 publishes one by one, each followed by a turn for the readers (as frames arriving
      // from a socket would give): each completes although the stuck buffer is full.
      for (const n of range(1, 3_000)) {
        yield* hub.publish(fills, n)
        yield* Effect.yieldNow
      }
      assert.deepStrictEqual(Array.from(yield* Fiber.join(all)), range(1, 3_000), "the other subscriber sees every value")
      yield* gate.open
      const exit = yield* Fiber.join(stuck)
      assert.strictEqual(failureReason(exit), "SubscriberOverflow")
      const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
      assert.include(Option.getOrThrow(error).message, "stuck")
      yield* subscribers(hub, "fills", 0)
      yield* close
    })))

  it.live("completes every subscriber stream when the hub closes, after what was buffered", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      const btc = prices("BTCUSDT")
      const a = yield* hub.subscribe(btc).pipe(Stream.runCollect, Effect.forkChild)
      const b = yield* hub.subscribe(orders).pipe(Stream.runCollect, Effect.forkChild)
      yield* subscribers(hub, btc.key, 1)
      yield* subscribers(hub, orders.key, 1)
      yield* hub.publishAll(btc, [1, 2])
      yield* hub.publishAll(orders, [10, 11])
      yield* close
      // Joining proves they completed (a hang would time the test out) and did not fail.
      assert.deepStrictEqual(Array.from(yield* Fiber.join(a)), [1, 2])
      assert.deepStrictEqual(Array.from(yield* Fiber.join(b)), [10, 11])
    })))

  it.live("fails subscribe and publish with HubClosed once the hub has closed", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      yield* close
      const subscribed = yield* hub.subscribe(orders).pipe(Stream.runCollect, Effect.exit)
      assert.strictEqual(failureReason(subscribed), "HubClosed")
      const published = yield* hub.publish(orders, 1).pipe(Effect.exit)
      assert.strictEqual(failureReason(published), "HubClosed")
      assert.isTrue((yield* hub.stats).closed)
    })))

  it.live("runs the first-subscriber and last-unsubscribed hooks once per transition", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const hooks: Array<string> = []
      const { close, hub } = yield* open({
        onFirstSubscriber: (key) => Effect.sync(() => hooks.push(`first:${key}`)),
        onLastUnsubscribed: (key) => Effect.sync(() => hooks.push(`last:${key}`))
      })
      const eth = prices("ETHUSDT")
      const a = yield* hub.subscribe(eth).pipe(Stream.runDrain, Effect.forkChild)
      yield* subscribers(hub, eth.key, 1)
      const b = yield* hub.subscribe(eth).pipe(Stream.runDrain, Effect.forkChild)
      yield* subscribers(hub, eth.key, 2)
      assert.deepStrictEqual(hooks, ["first:price:ETHUSDT"])
      yield* Fiber.interrupt(a)
      yield* subscribers(hub, eth.key, 1)
      assert.deepStrictEqual(hooks, ["first:price:ETHUSDT"])
      yield* Fiber.interrupt(b)
      assert.deepStrictEqual(hooks, ["first:price:ETHUSDT", "last:price:ETHUSDT"])
      // The subscription lived in the stream's scope: nothing is left registered.
      yield* subscribers(hub, eth.key, 0)
      // A new first subscriber subscribes upstream again.
      yield* hub.subscribe(eth).pipe(Stream.take(1), Stream.runDrain, Effect.forkChild)
      yield* subscribers(hub, eth.key, 1)
      assert.strictEqual(hooks.length, 3)
      yield* close
    })))

  it.live("with upstream hooks, a subscriber after everyone left gets no value from the old subscription", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      // The upstream was unsubscribed meanwhile: the last value it left behind (a quote from an
      // hour ago, say) must not be handed out as the latest.
      const { close, hub } = yield* open({
        onFirstSubscriber: () => Effect.void,
        onLastUnsubscribed: () => Effect.void
      })
      const ticker = prices("SOLUSDT")
      const first = yield* hub.subscribe(ticker).pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      yield* subscribers(hub, ticker.key, 1)
      yield* hub.publish(ticker, 100)
      assert.deepStrictEqual(Array.from(yield* Fiber.join(first)), [100])
      yield* subscribers(hub, ticker.key, 0)
      // A frame still in flight after the upstream unsubscribe.
      yield* hub.publish(ticker, 101)
      const second = yield* hub.subscribe(ticker).pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      // Registered (or, replaying a stale value, already done).
      while (second.pollUnsafe() === undefined && (yield* hub.stats).topics[0]!.subscribers.length === 0) {
        yield* Effect.sleep("1 millis")
      }
      yield* hub.publish(ticker, 200)
      assert.deepStrictEqual(Array.from(yield* Fiber.join(second)), [200])
      yield* subscribers(hub, ticker.key, 0)
      // While someone holds the topic, a late subscriber still gets the latest value at once.
      const holder = yield* hub.subscribe(ticker).pipe(Stream.runDrain, Effect.forkChild)
      yield* subscribers(hub, ticker.key, 1)
      yield* hub.publish(ticker, 300)
      const late = yield* hub.subscribe(ticker).pipe(Stream.take(1), Stream.runCollect)
      assert.deepStrictEqual(Array.from(late), [300])
      yield* Fiber.interrupt(holder)
      yield* close
    })))

  it.live("fails the subscription with UpstreamSubscribeFailed when the first hook fails, and rolls back", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const hooks: Array<string> = []
      const { close, hub } = yield* open({
        onFirstSubscriber: () =>
          Effect.suspend(() => {
            hooks.push("first")
            return hooks.length === 1 ? Effect.fail("refused") : Effect.void
          }),
        onLastUnsubscribed: () => Effect.sync(() => hooks.push("last"))
      })
      const topic = prices("HIFIUSDT")
      const first = yield* hub.subscribe(topic).pipe(Stream.runDrain, Effect.exit)
      assert.strictEqual(failureReason(first), "UpstreamSubscribeFailed")
      yield* subscribers(hub, topic.key, 0)
      assert.deepStrictEqual(hooks, ["first"], "a failed subscription never ran the last hook")
      const a = yield* hub.subscribe(topic).pipe(Stream.runDrain, Effect.forkChild)
      yield* subscribers(hub, topic.key, 1)
      const b = yield* hub.subscribe(topic).pipe(Stream.runDrain, Effect.forkChild)
      yield* subscribers(hub, topic.key, 2)
      yield* Fiber.interrupt(a)
      yield* Fiber.interrupt(b)
      // The reference count came back exactly: one more first, one last.
      assert.deepStrictEqual(hooks, ["first", "first", "last"])
      yield* close
    })))

  it.live("a subscription still setting up when the hub closes completes; its upstream hook does not run", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const release = yield* Latch.make(false)
      const hooks: Array<string> = []
      let hubClosed = false
      const { close, hub } = yield* open({
        onFirstSubscriber: () =>
          Effect.gen(function*() {
            hooks.push(hubClosed ? "first after close" : "first")
            if (hooks.length === 1) {
              yield* release.await
              return yield* Effect.fail("upstream refused")
            }
            // The upstream (a connection) is gone once the hub closes.
            if (hubClosed) return yield* Effect.fail("connection shut down")
          })
      })
      const topic = prices("ADAUSDT")
      const a = yield* hub.subscribe(topic).pipe(Stream.runDrain, Effect.exit, Effect.forkChild)
      yield* subscribers(hub, topic.key, 1)
      // b registers, then waits for a's hook to finish.
      const b = yield* hub.subscribe(topic).pipe(Stream.runCollect, Effect.exit, Effect.forkChild)
      yield* subscribers(hub, topic.key, 2)
      yield* close
      hubClosed = true
      yield* release.open
      assert.strictEqual(failureReason(yield* Fiber.join(a)), "UpstreamSubscribeFailed")
      const bExit = yield* Fiber.join(b)
      assert.isTrue(Exit.isSuccess(bExit), `completed, not ${failureReason(bExit)}`)
      assert.deepStrictEqual(hooks, ["first"])
    })))

  it.live("a slow subscriber of a sliding topic loses old values but never stalls the publisher or others", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      const topic = Topic.make<number>("book", { replay: 0, strategy: "sliding", capacity: 4 })
      const release = yield* Latch.make(false)
      const slow = yield* hub.subscribe(topic, { name: "slow" }).pipe(
        Stream.mapEffect((n) => Effect.as(release.await, n)),
        Stream.runCollect,
        Effect.forkChild
      )
      const received = yield* Queue.unbounded<number>()
      const fast = yield* hub.subscribe(topic, { name: "fast" }).pipe(
        Stream.runForEach((n) => Queue.offer(received, n)),
        Effect.forkChild
      )
      yield* subscribers(hub, topic.key, 2)
      // Publish one value at a time and wait until the fast subscriber has it: the slow one is
      // blocked throughout, so if it could stall the publisher this would never finish.
      for (const n of range(1, 100)) {
        yield* hub.publish(topic, n)
        assert.strictEqual(yield* Queue.take(received), n)
      }
      const whileBlocked = (yield* hub.stats).topics[0]!.subscribers
      const slowStats = whileBlocked.find((s) => s.name === "slow")!
      assert.isAbove(slowStats.dropped, 0)
      assert.strictEqual(whileBlocked.find((s) => s.name === "fast")!.dropped, 0)
      yield* release.open
      yield* close
      const slowGot = Array.from(yield* Fiber.join(slow))
      yield* Fiber.join(fast)
      // The slow subscriber kept the newest values: what it got plus what it lost is everything.
      assert.strictEqual(slowGot.length + slowStats.dropped, 100)
      const droppedMetric = yield* Metric.value(
        Metric.withAttributes(HubMetrics.dropped, { hub: "hub:test", topic: "book", subscriber: "slow" })
      )
      assert.strictEqual(droppedMetric.count, slowStats.dropped)
      assert.deepStrictEqual(slowGot.slice(-4), [97, 98, 99, 100])
    })))

  it.live("a backpressure topic never drops: the publisher waits for the slow subscriber", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      const release = yield* Latch.make(false)
      const slow = yield* hub.subscribe(orders).pipe(
        Stream.mapEffect((n) => Effect.as(release.await, n)),
        Stream.runCollect,
        Effect.forkChild
      )
      yield* subscribers(hub, orders.key, 1)
      const publisher = yield* Effect.forEach(range(1, 50), (n) => hub.publish(orders, n)).pipe(Effect.forkChild)
      yield* Effect.sleep("50 millis")
      assert.isUndefined(publisher.pollUnsafe(), "the publisher must wait while the subscriber is full")
      yield* release.open
      yield* Fiber.join(publisher)
      yield* close
      assert.deepStrictEqual(Array.from(yield* Fiber.join(slow)), range(1, 50))
    })))

  it.live("a backpressure or lossless buffer with room takes a whole batch larger than its room: nothing dropped", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      const lossless = Topic.make<number>("fills", { replay: 0, strategy: "fail", capacity: 4 })
      const taken = yield* Effect.forEach([orders, lossless], (topic) =>
        hub.subscribe(topic).pipe(Stream.take(10), Stream.runCollect, Effect.forkChild))
      yield* subscribers(hub, orders.key, 1)
      yield* subscribers(hub, lossless.key, 1)
      // 3 buffered, then 7 more at once while it holds fewer than its capacity of 4.
      for (const topic of [orders, lossless]) {
        hub.publishAllUnsafe(topic, [1, 2, 3])
        assert.isUndefined(hub.publishAllUnsafe(topic, range(4, 10)), "nothing to wait for")
      }
      assert.deepStrictEqual((yield* hub.stats).topics.map((t) => t.subscribers[0]!.dropped), [0, 0])
      for (const fiber of taken) assert.deepStrictEqual(Array.from(yield* Fiber.join(fiber)), range(1, 10))
      yield* close
    })))

  it.live("a subscriber leaving releases a publisher waiting on it", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, hub } = yield* open()
      const stuck = yield* hub.subscribe(orders).pipe(
        Stream.mapEffect(() => Effect.never),
        Stream.runDrain,
        Effect.forkChild
      )
      yield* subscribers(hub, orders.key, 1)
      const publisher = yield* Effect.forEach(range(1, 50), (n) => hub.publish(orders, n)).pipe(Effect.forkChild)
      yield* Effect.sleep("20 millis")
      assert.isUndefined(publisher.pollUnsafe(), "the publisher waits on the stuck subscriber")
      yield* Fiber.interrupt(stuck)
      yield* Fiber.join(publisher)
      yield* close
    })))

  it.live("is a lifecycle component and works as a layer", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const events: Array<string> = []
      const values = yield* Effect.gen(function*() {
        const hub = yield* StreamHub.StreamHub
        const fiber = yield* hub.subscribe(orders).pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
        yield* subscribers(hub, orders.key, 1)
        yield* hub.publishAll(orders, [1, 2])
        return Array.from(yield* Fiber.join(fiber))
      }).pipe(
        Effect.provide(StreamHub.layer({ name: "hub:layer" })),
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => {
          events.push(`${e.component}:${e.phase}`)
        })
      )
      assert.deepStrictEqual(values, [1, 2])
      assert.deepStrictEqual(events, ["hub:layer:starting", "hub:layer:started", "hub:layer:stopping", "hub:layer:stopped"])
    })))
})
