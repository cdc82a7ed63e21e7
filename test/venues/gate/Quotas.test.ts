/**
 * The Gate quota preset under the limiter (TestClock): 10 placements a second per pair, pairs
 * independent; cancels on their own 200/s; signed requests never queued behind market data.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import { TestClock } from "effect/testing"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import { RateLimiter } from "../../../src/ratelimit/index.ts"
import { GateQuotas } from "../../../src/venues/gate/index.ts"

const request = (limiter: RateLimiter.RateLimiterShape, endpoint: string, kind: GateQuotas.Kind) =>
  Effect.forEach(GateQuotas.cost(endpoint, kind), (cost) => limiter.take(cost), { discard: true })

const settle = Effect.gen(function*() {
  for (let i = 0; i < 50; i++) yield* Effect.yieldNow
})

const pending = (fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>) => fibers.filter((f) => f.pollUnsafe() === undefined).length

describe("Gate quotas", () => {
  it.effect("9 placements a second per pair (one under Gate's 10); another pair is not held up", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const limiter = yield* RateLimiter.make(GateQuotas.options).pipe(Scope.provide(scope))
      const btc = yield* Effect.forEach(
        Array.from({ length: 15 }, () => request(limiter, "POST /spot/orders", { _tag: "order", pair: "BTC_USDT" })),
        (r) => Effect.forkChild(r)
      )
      const eth = yield* Effect.forEach(
        Array.from({ length: 10 }, () => request(limiter, "POST /spot/orders", { _tag: "order", pair: "ETH_USDT" })),
        (r) => Effect.forkChild(r)
      )
      yield* settle
      assert.strictEqual(pending(btc), 6, "the 10th to 15th BTC_USDT placements wait")
      assert.strictEqual(pending(eth), 1, "ETH_USDT has its own 9")
      yield* TestClock.adjust("1 second")
      yield* settle
      assert.strictEqual(pending(eth), 0)
      yield* TestClock.adjust("1 second")
      yield* settle
      assert.strictEqual(pending(btc), 0)
      yield* Fiber.joinAll([...btc, ...eth])
      yield* Scope.close(scope, Exit.void)
    })))

  it.effect("a cancel goes out at once behind a burst of snapshots and placements; snapshots keep 200 per 10 s", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const limiter = yield* RateLimiter.make(GateQuotas.options).pipe(Scope.provide(scope))
      const snapshots = yield* Effect.forEach(
        Array.from({ length: 210 }, () => request(limiter, "GET /spot/order_book", { _tag: "public" })),
        (r) => Effect.forkChild(r)
      )
      const placements = yield* Effect.forEach(
        Array.from({ length: 12 }, () => request(limiter, "POST /spot/orders", { _tag: "order", pair: "BTC_USDT" })),
        (r) => Effect.forkChild(r)
      )
      yield* settle
      const cancel = yield* Effect.forkChild(request(limiter, "DELETE /spot/orders/{order_id}", { _tag: "cancel" }))
      const query = yield* Effect.forkChild(request(limiter, "GET /spot/orders/{order_id}", { _tag: "private" }))
      yield* settle
      assert.isDefined(cancel.pollUnsafe(), "the cancel went out at once")
      assert.isDefined(query.pollUnsafe(), "an order query has its own quota")
      assert.strictEqual(pending(snapshots), 10, "200 snapshots per 10 s per endpoint")
      yield* TestClock.adjust("10 seconds")
      yield* settle
      assert.strictEqual(pending(snapshots), 0)
      assert.strictEqual(pending(placements), 0)
      yield* Fiber.joinAll([...snapshots, ...placements, cancel, query])
      yield* Scope.close(scope, Exit.void)
    })))
})
