import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Latch, Logger, Metric, References, Scope } from "effect"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import { MessageQueue, QueueMetrics } from "../../src/queue/index.ts"
import { waitUntilEffect } from "../support/eventually.ts"

const range = (from: number, to: number): Array<number> => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Builds a queue in a scope of its own so the test decides when it closes. */
const open = <A, R>(options: MessageQueue.Options<A, R>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const queue = yield* MessageQueue.make(options).pipe(Scope.provide(scope))
    return { queue, close: Scope.close(scope, Exit.void) }
  })

describe("MessageQueue", () => {
  it.live("hands every accepted message to the handler in order, including those still buffered at close", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const seen: Array<number> = []
      const { close, queue } = yield* open<number, never>({
        name: "queue:order",
        capacity: 16,
        handle: (n) => Effect.andThen(Effect.yieldNow, Effect.sync(() => seen.push(n)))
      })
      const messages = range(1, 2_000)
      for (let i = 0; i < messages.length; i += 50) yield* queue.offerAll(messages.slice(i, i + 50))
      // Close right away: whatever is still buffered must be drained, not lost.
      const before = yield* queue.stats
      yield* close
      const after = yield* queue.stats
      assert.deepStrictEqual(seen, messages)
      assert.strictEqual(after.processed, messages.length)
      assert.strictEqual(after.accepted, messages.length)
      assert.strictEqual(after.drained, messages.length - before.processed)
      assert.strictEqual(after.abandoned, 0)
      assert.strictEqual(after.dropped, 0)
      assert.strictEqual(after.depth, 0)
    })))

  it.live("stops accepting at close and counts what was refused", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const seen: Array<number> = []
      const { close, queue } = yield* open<number, never>({
        name: "queue:refuse",
        handle: (n) => Effect.sync(() => seen.push(n))
      })
      yield* queue.offerAll([1, 2, 3])
      yield* close
      yield* queue.offerAll([4, 5])
      const stats = yield* queue.stats
      assert.deepStrictEqual(seen, [1, 2, 3])
      assert.strictEqual(stats.refused, 2)
      assert.isTrue(stats.closed)
    })))

  it.live("bounds close by the drain budget and counts the rest as abandoned", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const seen: Array<number> = []
      const { close, queue } = yield* open<number, never>({
        name: "queue:slow",
        capacity: 100,
        drainBudget: "300 millis",
        handle: (n) => Effect.andThen(Effect.sleep("100 millis"), Effect.sync(() => seen.push(n)))
      })
      yield* queue.offerAll(range(1, 50))
      const started = performance.now()
      yield* close
      const elapsed = performance.now() - started
      const stats = yield* queue.stats
      // Handling everything would take 5 s; the budget must cut it short.
      assert.isBelow(elapsed, 4_000)
      assert.isAbove(stats.abandoned, 0)
      assert.strictEqual(stats.processed + stats.abandoned, 50)
      // What was handled is exactly the oldest messages, in order.
      assert.deepStrictEqual(seen, range(1, stats.processed))
    })))

  it.live("bounds close for a slow batch handler too, counting the unfinished batch as abandoned", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const handled: Array<number> = []
      const { close, queue } = yield* open<number, never>({
        name: "queue:slow-batch",
        maxBatch: 10,
        drainBudget: "200 millis",
        handleBatch: (batch) => Effect.andThen(Effect.sleep("150 millis"), Effect.sync(() => handled.push(...batch)))
      })
      yield* queue.offerAll(range(1, 100))
      yield* close
      const stats = yield* queue.stats
      assert.isAbove(stats.abandoned, 0)
      assert.strictEqual(stats.failed, 0, "an interrupted batch is abandoned, not failed")
      assert.strictEqual(stats.processed + stats.abandoned, 100)
      assert.deepStrictEqual(handled, range(1, stats.processed))
    })))

  it.live("logs the drain summary right before the component's stopped event", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const lines: Array<{ readonly message: string; readonly annotations: Record<string, unknown> }> = []
      const collector = Logger.make((options) => {
        const message = Array.isArray(options.message) ? String(options.message[0]) : String(options.message)
        const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
        lines.push({ message, annotations })
      })
      const events: Array<string> = []
      yield* Effect.gen(function*() {
        const { close, queue } = yield* open<number, never>({
          name: "queue:summary",
          capacity: 4,
          overflow: "dropping",
          handle: () => Effect.void
        })
        yield* queue.offerAll([1, 2, 3, 4, 5, 6])
        yield* close
      }).pipe(
        Effect.provide(Logger.layer([collector])),
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => {
          events.push(e.phase)
        })
      )
      const summaryAt = lines.findIndex((l) => l.message === "drain summary")
      assert.isAtLeast(summaryAt, 0)
      assert.strictEqual(lines[summaryAt + 1]?.message, "stopped")
      const summary = lines[summaryAt]!.annotations
      assert.strictEqual(summary.component, "queue:summary")
      assert.strictEqual(summary.dropped, 2)
      assert.strictEqual(summary.abandoned, 0)
      assert.deepStrictEqual(events, ["starting", "started", "stopping", "stopped"])
    })))

  describe("overflow", () => {
    /**
     * Offers `1`, waits until the handler holds it (so the processor is busy), then offers
     * `2..13` into a queue of capacity 5 and returns what the handler saw after release.
     */
    const overfill = (overflow: MessageQueue.Overflow) =>
      Effect.gen(function*() {
        const seen: Array<number> = []
        const holding = yield* Deferred.make<void>()
        const release = yield* Latch.make(false)
        const { close, queue } = yield* open<number, never>({
          name: `queue:${overflow}`,
          capacity: 5,
          overflow,
          handle: (n) =>
            Effect.gen(function*() {
              if (n === 1) {
                yield* Deferred.succeed(holding, undefined)
                yield* release.await
              }
              seen.push(n)
            })
        })
        yield* queue.offer(1)
        yield* Deferred.await(holding)
        const producer = yield* Effect.forkChild(queue.offerAll(range(2, 13)))
        // Let the producer run as far as it can: until the queue is full (backpressure, where it
        // then waits), or until it is done (the other policies never wait).
        yield* waitUntilEffect(
          "the producer to fill the queue",
          overflow === "backpressure"
            ? Effect.map(queue.stats, (s) => s.depth === 5)
            : Effect.sync(() => producer.pollUnsafe() !== undefined)
        )
        const whileHeld = yield* queue.stats
        const producerDoneWhileHeld = producer.pollUnsafe() !== undefined
        yield* release.open
        yield* Fiber.join(producer)
        yield* close
        return { seen, whileHeld, producerDoneWhileHeld, stats: yield* queue.stats }
      })

    it.live("backpressure: the producer waits and nothing is dropped", () =>
      LeakCheck.scoped(Effect.gen(function*() {
        const { producerDoneWhileHeld, seen, stats, whileHeld } = yield* overfill("backpressure")
        assert.isFalse(producerDoneWhileHeld, "the producer must wait while the queue is full")
        assert.strictEqual(whileHeld.depth, 5)
        assert.deepStrictEqual(seen, range(1, 13))
        assert.strictEqual(stats.dropped, 0)
      })))

    it.live("sliding: the oldest are dropped and counted", () =>
      LeakCheck.scoped(Effect.gen(function*() {
        const { producerDoneWhileHeld, seen, stats } = yield* overfill("sliding")
        assert.isTrue(producerDoneWhileHeld)
        assert.deepStrictEqual(seen, [1, 9, 10, 11, 12, 13])
        assert.strictEqual(stats.dropped, 7)
        assert.strictEqual(stats.processed, 6)
        // The same counts reach the metrics.
        const series = (metric: Metric.Counter<number>) => Metric.value(Metric.withAttributes(metric, { queue: "queue:sliding" }))
        assert.strictEqual((yield* series(QueueMetrics.dropped)).count, 7)
        assert.strictEqual((yield* series(QueueMetrics.processed)).count, 6)
      })))

    it.live("dropping: the newest are dropped and counted", () =>
      LeakCheck.scoped(Effect.gen(function*() {
        const { producerDoneWhileHeld, seen, stats } = yield* overfill("dropping")
        assert.isTrue(producerDoneWhileHeld)
        assert.deepStrictEqual(seen, [1, 2, 3, 4, 5, 6])
        assert.strictEqual(stats.dropped, 7)
      })))
  })

  it.live("a failing or dying handler is counted and the processor goes on", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const seen: Array<number> = []
      const { close, queue } = yield* open<number, never>({
        name: "queue:failures",
        handle: (n) => {
          if (n % 5 === 0) return Effect.die(new Error(`defect on ${n}`))
          if (n % 3 === 0) return Effect.fail(`failure on ${n}`)
          return Effect.sync(() => seen.push(n))
        }
      })
      yield* queue.offerAll(range(1, 30))
      yield* close
      const stats = yield* queue.stats
      const ok = range(1, 30).filter((n) => n % 5 !== 0 && n % 3 !== 0)
      assert.deepStrictEqual(seen, ok)
      assert.strictEqual(stats.processed, ok.length)
      assert.strictEqual(stats.failed, 30 - ok.length)
    })))

  it.live("a handler that is interrupted on its own (not the queue closing) is a failure; the processor goes on", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      // E.g. a handler joining a fiber that was interrupted, or publishing to a shut-down PubSub.
      const seen: Array<number> = []
      const { close, queue } = yield* open<number, never>({
        name: "queue:self-interrupt",
        capacity: 4,
        handle: (n) => (n % 4 === 0 ? Effect.interrupt : Effect.sync(() => seen.push(n)))
      })
      // Under backpressure a dead processor would leave this producer waiting forever.
      yield* queue.offerAll(range(1, 20)).pipe(Effect.timeoutOption("2 seconds"))
      yield* close
      const stats = yield* queue.stats
      const ok = range(1, 20).filter((n) => n % 4 !== 0)
      assert.deepStrictEqual(seen, ok)
      assert.strictEqual(stats.processed, ok.length)
      assert.strictEqual(stats.failed, 5)
      assert.strictEqual(stats.abandoned, 0)
    })))

  it.live("a batch handler that is interrupted on its own is a failure of that batch; the processor goes on", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      let calls = 0
      const handled: Array<number> = []
      const { close, queue } = yield* open<number, never>({
        name: "queue:batch-self-interrupt",
        handleBatch: (batch) =>
          Effect.suspend(() => (++calls === 1 ? Effect.interrupt : Effect.sync(() => handled.push(...batch))))
      })
      yield* queue.offerAll([1, 2, 3])
      yield* waitUntilEffect("the first batch to fail", Effect.map(queue.stats, (s) => s.failed === 3))
      yield* queue.offerAll([4, 5])
      yield* close
      const stats = yield* queue.stats
      assert.deepStrictEqual(handled, [4, 5])
      assert.strictEqual(stats.failed, 3)
      assert.strictEqual(stats.processed, 2)
      assert.strictEqual(stats.abandoned, 0)
    })))

  it.live("counts as accepted what a producer got in before it was interrupted while waiting", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      // A socket reader blocked on a full queue when its connection closes: part of its batch is
      // already in the queue (and will be handled), the rest is not.
      const handled: Array<number> = []
      const holding = yield* Deferred.make<void>()
      const release = yield* Latch.make(false)
      const { close, queue } = yield* open<number, never>({
        name: "queue:interrupted-producer",
        capacity: 2,
        handleBatch: (batch) =>
          Effect.gen(function*() {
            if (handled.length === 0) {
              yield* Deferred.succeed(holding, undefined)
              yield* release.await
            }
            handled.push(...batch)
          })
      })
      const producer = yield* Effect.forkChild(queue.offerAll(range(1, 6)))
      yield* Deferred.await(holding)
      // [1, 2] are with the handler, [3, 4] took their room, [5, 6] still wait.
      yield* waitUntilEffect("[3, 4] in the queue", Effect.map(queue.stats, (s) => s.depth === 2))
      yield* Fiber.interrupt(producer)
      yield* release.open
      yield* close
      const stats = yield* queue.stats
      assert.deepStrictEqual(handled, [1, 2, 3, 4])
      assert.strictEqual(stats.processed, 4)
      assert.strictEqual(stats.accepted, 4, "everything handled was accepted")
    })))

  it.live("failures seen before the drain budget ran out are still counted", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, queue } = yield* open<number, never>({
        name: "queue:failed-then-abandoned",
        drainBudget: "200 millis",
        handle: (n) => (n === 1 ? Effect.fail("bad message") : Effect.never)
      })
      yield* queue.offerAll([1, 2, 3])
      yield* close
      const stats = yield* queue.stats
      assert.strictEqual(stats.failed, 1)
      assert.strictEqual(stats.abandoned, 2)
      assert.strictEqual(stats.processed, 0)
    })))

  it.live("hands the batch handler what is buffered, in order, up to maxBatch", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const batches: Array<ReadonlyArray<number>> = []
      const holding = yield* Deferred.make<void>()
      const release = yield* Latch.make(false)
      const { close, queue } = yield* open<number, never>({
        name: "queue:batches",
        maxBatch: 64,
        handleBatch: (batch) =>
          Effect.gen(function*() {
            if (batches.length === 0) {
              yield* Deferred.succeed(holding, undefined)
              yield* release.await
            }
            batches.push(batch)
          })
      })
      yield* queue.offer(0)
      yield* Deferred.await(holding)
      yield* queue.offerAll(range(1, 200))
      yield* release.open
      yield* close
      assert.deepStrictEqual(batches.flat(), range(0, 200))
      assert.deepStrictEqual(batches.map((b) => b.length), [1, 64, 64, 64, 8])
    })))

  describe("handoff", () => {
    /** Waits until the queue's processor is waiting on its empty queue (its first take). */
    const settle = Effect.andThen(Effect.yieldNow, Effect.yieldNow)

    it.live("an idle queue hands the batch to the handler in the producer's fiber, before offerAll completes", () =>
      LeakCheck.scoped(Effect.gen(function*() {
        const batches: Array<ReadonlyArray<number>> = []
        const producer = yield* Effect.fiberId
        const ran: Array<boolean> = []
        const { close, queue } = yield* open<number, never>({
          name: "queue:handoff",
          handoff: true,
          handleBatch: (batch) =>
            Effect.flatMap(Effect.fiberId, (id) =>
              Effect.sync(() => {
                ran.push(id === producer)
                batches.push(batch)
              }))
        })
        yield* settle
        for (let i = 0; i < 5; i++) {
          yield* queue.offerAll([i])
          // Handled by the time offerAll returned.
          assert.strictEqual(batches.length, i + 1)
        }
        yield* close
        assert.deepStrictEqual(batches, [[0], [1], [2], [3], [4]])
        assert.deepStrictEqual(ran, [true, true, true, true, true])
        const stats = yield* queue.stats
        assert.strictEqual(stats.accepted, 5)
        assert.strictEqual(stats.processed, 5)
      })))

    it.live("a batch offered while a handoff runs waits for it: order holds and the handler never runs twice at once", () =>
      LeakCheck.scoped(Effect.gen(function*() {
        const seen: Array<number> = []
        let running = 0
        let overlapped = false
        const holding = yield* Deferred.make<void>()
        const release = yield* Latch.make(false)
        const { close, queue } = yield* open<number, never>({
          name: "queue:handoff-order",
          handoff: true,
          handleBatch: (batch) =>
            Effect.gen(function*() {
              running++
              if (running > 1) overlapped = true
              if (batch[0] === 0) {
                yield* Deferred.succeed(holding, undefined)
                yield* release.await
              }
              seen.push(...batch)
              running--
            })
        })
        yield* settle
        // The first batch is handed off and held; two producers (two connections, say) offer more.
        const first = yield* Effect.forkChild(queue.offerAll([0]))
        yield* Deferred.await(holding)
        yield* queue.offerAll([1, 2])
        const third = yield* Effect.forkChild(queue.offerAll([3]))
        yield* Fiber.join(third)
        assert.deepStrictEqual(seen, [], "nothing overtakes the held batch")
        yield* release.open
        yield* Fiber.join(first)
        yield* close
        assert.deepStrictEqual(seen, [0, 1, 2, 3])
        assert.isFalse(overlapped)
      })))

    it.live("a handed-off batch is handled to its end even when its producer is interrupted", () =>
      LeakCheck.scoped(Effect.gen(function*() {
        const seen: Array<number> = []
        const holding = yield* Deferred.make<void>()
        const release = yield* Latch.make(false)
        const { close, queue } = yield* open<number, never>({
          name: "queue:handoff-interrupt",
          handoff: true,
          handleBatch: (batch) =>
            Effect.gen(function*() {
              yield* Deferred.succeed(holding, undefined)
              yield* release.await
              seen.push(...batch)
            })
        })
        yield* settle
        const producer = yield* Effect.forkChild(queue.offerAll([1, 2, 3]))
        yield* Deferred.await(holding)
        const interrupting = yield* Effect.forkChild(Fiber.interrupt(producer))
        yield* release.open
        yield* Fiber.join(interrupting)
        yield* close
        assert.deepStrictEqual(seen, [1, 2, 3])
        const stats = yield* queue.stats
        assert.strictEqual(stats.accepted, 3)
        assert.strictEqual(stats.processed, 3)
        assert.strictEqual(stats.abandoned, 0)
      })))

    it.live("close waits for a running handoff within the drain budget", () =>
      LeakCheck.scoped(Effect.gen(function*() {
        const seen: Array<number> = []
        const holding = yield* Deferred.make<void>()
        const { close, queue } = yield* open<number, never>({
          name: "queue:handoff-close",
          handoff: true,
          drainBudget: "5 seconds",
          handleBatch: (batch) =>
            Effect.gen(function*() {
              yield* Deferred.succeed(holding, undefined)
              yield* Effect.sleep("50 millis")
              seen.push(...batch)
            })
        })
        yield* settle
        const producer = yield* Effect.forkChild(queue.offerAll([7]))
        yield* Deferred.await(holding)
        yield* close
        // Closed only after the handed-off batch was handled.
        assert.deepStrictEqual(seen, [7])
        yield* Fiber.join(producer)
        const stats = yield* queue.stats
        assert.strictEqual(stats.processed, 1)
        assert.strictEqual(stats.abandoned, 0)
      })))
  })

  it.live("a failing batch handler counts the whole batch as failed and goes on", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      let calls = 0
      const { close, queue } = yield* open<number, never>({
        name: "queue:batch-failure",
        handleBatch: () => Effect.suspend(() => (++calls === 1 ? Effect.fail("boom") : Effect.void))
      })
      yield* queue.offerAll([1, 2, 3])
      yield* waitUntilEffect("the first batch to fail", Effect.map(queue.stats, (s) => s.failed === 3))
      yield* queue.offerAll([4, 5])
      yield* close
      const stats = yield* queue.stats
      assert.strictEqual(stats.failed, 3)
      assert.strictEqual(stats.processed, 2)
    })))

  it.live("runs several processors concurrently when asked", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      let running = 0
      let peak = 0
      // Each handler holds until four run at once: a queue running fewer in parallel never gets
      // there (its handlers are then abandoned at close and the counts below fail).
      const fourRunning = yield* Latch.make(false)
      const { close, queue } = yield* open<number, never>({
        name: "queue:concurrent",
        concurrency: 4,
        maxBatch: 1,
        drainBudget: "2 seconds",
        handle: () =>
          Effect.gen(function*() {
            running++
            peak = Math.max(peak, running)
            if (running === 4) yield* fourRunning.open
            yield* fourRunning.await
            running--
          })
      })
      yield* queue.offerAll(range(1, 16))
      yield* close
      const stats = yield* queue.stats
      assert.strictEqual(stats.processed, 16)
      assert.strictEqual(peak, 4)
    })))
})
