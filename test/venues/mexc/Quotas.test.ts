/**
 * The MEXC quota preset: market data never queues an order operation behind it. A strategy that
 * follows many books asks for a snapshot of each at start; a cancel made meanwhile (a shutdown
 * right after start) must not wait for all of them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import { TestClock } from "effect/testing"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import { RateLimiter } from "../../../src/ratelimit/index.ts"
import * as Quotas from "../../../src/venues/mexc/Quotas.ts"

/** What the REST client does before sending: take each cost entry in turn. */
const request = (limiter: RateLimiter.RateLimiterShape, endpoint: string, signed: boolean, isOrder = false) =>
  Effect.forEach(Quotas.cost(endpoint, 1, signed, isOrder), (cost) => limiter.take(cost), { discard: true })

const settle = Effect.gen(function*() {
  for (let i = 0; i < 50; i++) yield* Effect.yieldNow
})

describe("MEXC quotas", () => {
  it.effect("a cancel or an order is not queued behind a burst of book snapshots", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const limiter = yield* RateLimiter.make(Quotas.options).pipe(Scope.provide(scope))
      // 40 books followed: 40 snapshots at once, two seconds of `overall` at 20/s.
      const snapshots = yield* Effect.forEach(
        Array.from({ length: 40 }, () => request(limiter, "GET /api/v3/depth", false)),
        (r) => Effect.forkChild(r)
      )
      yield* settle
      const cancel = yield* Effect.forkChild(request(limiter, "DELETE /api/v3/order", true))
      const order = yield* Effect.forkChild(request(limiter, "POST /api/v3/order", true, true))
      yield* settle
      // Granted in the same second, while most snapshots still wait for theirs.
      assert.isDefined(cancel.pollUnsafe(), "the cancel went out at once")
      assert.isDefined(order.pollUnsafe(), "the order went out at once")
      const waiting = snapshots.filter((f) => f.pollUnsafe() === undefined).length
      assert.strictEqual(waiting, 40 - 14, "market data took only its share of the second")
      // The snapshots still all go, within the quota.
      for (let s = 0; s < 4; s++) {
        yield* TestClock.adjust("1 second")
        yield* settle
      }
      assert.strictEqual(snapshots.filter((f) => f.pollUnsafe() === undefined).length, 0)
      yield* Fiber.joinAll([...snapshots, cancel, order])
      yield* Scope.close(scope, Exit.void)
    })))
})
