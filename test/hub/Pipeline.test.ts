import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import { StreamHub, Topic } from "../../src/hub/index.ts"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import { MessageQueue } from "../../src/queue/index.ts"
import { RateLimiter } from "../../src/ratelimit/index.ts"

class Inbound extends Context.Service<Inbound, MessageQueue.MessageQueue<number>>()("test/Inbound") {}

const ticks = Topic.make<number>("ticks", { replay: 0, strategy: "backpressure" })

/** limiter <- hub <- queue: built in that order, so released queue, hub, limiter. */
const app = MessageQueue.layer(Inbound, {
  name: "queue:pipeline",
  capacity: 64,
  handleBatch: (batch) => Effect.flatMap(StreamHub.StreamHub, (hub) => hub.publishAll(ticks, batch))
}).pipe(
  Layer.provideMerge(StreamHub.layer({ name: "hub:pipeline" })),
  Layer.provideMerge(
    RateLimiter.layer({ name: "ratelimit:pipeline", quotas: { ip: { limit: 10, window: "1 second" } } })
  )
)

describe("queue -> hub pipeline as layers", () => {
  it.live("on close the queue drains into the still-open hub, then the hub completes its subscribers", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const events: Array<string> = []
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(app, scope).pipe(
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => {
          events.push(`${e.component}:${e.phase}`)
        })
      )
      const hub = Context.get(context, StreamHub.StreamHub)
      const queue = Context.get(context, Inbound)
      const limiter = Context.get(context, RateLimiter.RateLimiter)
      yield* limiter.take({ keys: ["ip"] })

      const subscriber = yield* hub.subscribe(ticks).pipe(Stream.runCollect, Effect.forkChild)
      while ((yield* hub.stats).topics.find((t) => t.key === "ticks")?.subscribers.length !== 1) {
        yield* Effect.sleep("1 millis")
      }
      const messages = Array.from({ length: 1_000 }, (_, i) => i)
      for (let i = 0; i < messages.length; i += 100) yield* queue.offerAll(messages.slice(i, i + 100))
      // Close at once: whatever the queue still holds must reach the subscriber before it completes.
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(Array.from(yield* Fiber.join(subscriber)), messages)
      assert.deepStrictEqual(events.filter((e) => !e.endsWith("starting") && !e.endsWith("started")), [
        "queue:pipeline:stopping",
        "queue:pipeline:stopped",
        "hub:pipeline:stopping",
        "hub:pipeline:stopped",
        "ratelimit:pipeline:stopping",
        "ratelimit:pipeline:stopped"
      ])
    })))
})
