import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Scheduler } from "effect"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { MessageQueue } from "../../src/queue/index.ts"
import { counters, eagerScheduler, microtaskBudget } from "../../src/queue/internal/EagerScheduler.ts"

describe("EagerScheduler", () => {
  it.live("a fiber that keeps yielding under it does not starve timers and I/O: it falls back to setImmediate", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const immediateBefore = counters.immediate
      const spinning = yield* Deferred.make<void>()
      let spins = 0
      // Yields on every step: without the fallback this is an endless chain of microtasks and the
      // event loop (the timer below, any socket) never runs again: the test would hang.
      const spinner = yield* Effect.forkChild(
        Effect.forever(Effect.andThen(
          Effect.sync(() => {
            if (++spins === 4 * microtaskBudget) Deferred.doneUnsafe(spinning, Effect.void)
          }),
          Effect.yieldNow
        )).pipe(Effect.provideService(Scheduler.Scheduler, eagerScheduler))
      )
      yield* Deferred.await(spinning)
      // A timer fires while the spinner keeps running.
      yield* Effect.sleep("1 millis")
      assert.isUndefined(spinner.pollUnsafe(), "still spinning")
      yield* Fiber.interrupt(spinner)
      assert.isAbove(counters.immediate, immediateBefore, "it fell back to setImmediate")
    })))

  it.live("wakes fibers on microtasks: a queue's processor handles a batch before the event loop turns", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const microtasksBefore = counters.microtask
      const seen: Array<number> = []
      yield* Effect.scoped(Effect.gen(function*() {
        const queue = yield* MessageQueue.make<number>({ name: "queue:eager", handle: (n) => Effect.sync(() => seen.push(n)) })
        yield* Effect.yieldNow
        // Offer, then look once the current task and its microtasks are done but before the
        // next turn of the event loop: the processor must already have run.
        const handledBeforeTurn = yield* Effect.promise(() =>
          new Promise<number>((resolve) => {
            void Effect.runPromise(queue.offerAll([1, 2, 3])).then(() => {
              setImmediate(() => resolve(-1))
              queueMicrotask(() => queueMicrotask(() => resolve(seen.length)))
            })
          })
        )
        assert.strictEqual(handledBeforeTurn, 3)
      }))
      assert.isAbove(counters.microtask, microtasksBefore)
    })))
})
