import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, Exit, Fiber, Metric, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { RateLimiter, RateLimitError, RateLimitMetrics } from "../../src/ratelimit/index.ts"

/** Builds a limiter in a scope of its own so the test decides when it closes. */
const open = (quotas: RateLimiter.Options["quotas"], name = "ratelimit:test") =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const limiter = yield* RateLimiter.make({ name, quotas }).pipe(Scope.provide(scope))
    return { limiter, close: Scope.close(scope, Exit.void) }
  })

/** Lets forked fibers run until they block (on the TestClock or a queue). */
const settle = Effect.gen(function*() {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow
})

const isDone = (fiber: Fiber.Fiber<unknown, unknown>) => fiber.pollUnsafe() !== undefined

const reasonOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "succeeded"
  const error = Cause.findErrorOption(exit.cause)
  if (error._tag === "None" || !(error.value instanceof RateLimitError.RateLimitError)) return "other failure"
  return error.value.reason._tag
}

const usedOf = (stats: RateLimiter.RateLimiterStats, key: string) => stats.keys.find((k) => k.key === key)?.used

describe("RateLimiter", () => {
  it.effect("grants up to the limit per window, counting weights, and waits for the window to slide", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 10, window: "1 second" } })
      yield* limiter.take({ keys: ["ip"], weight: 4 })
      yield* TestClock.adjust("100 millis")
      yield* limiter.take({ keys: ["ip"], weight: 4 })
      assert.strictEqual(usedOf(yield* limiter.stats, "ip"), 8)

      const third = yield* limiter.take({ keys: ["ip"], weight: 4 }).pipe(Effect.forkChild)
      yield* settle
      yield* TestClock.adjust("899 millis")
      yield* settle
      assert.isFalse(isDone(third), "8 + 4 > 10 until the first grant leaves the window")
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(third)
      // The first 4 left the window at t=1000: 4 (t=100) + 4 (t=1000).
      assert.strictEqual(usedOf(yield* limiter.stats, "ip"), 8)
      yield* close
    })))

  it.effect("keeps sub-keys of one quota apart", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ account: { limit: 2, window: "10 seconds" } })
      yield* limiter.take({ keys: ["account:a"], weight: 2 })
      yield* limiter.take({ keys: ["account:b"], weight: 2 })
      const stats = yield* limiter.stats
      assert.strictEqual(usedOf(stats, "account:a"), 2)
      assert.strictEqual(usedOf(stats, "account:b"), 2)
      yield* close
    })))

  it.effect("grants a request on all its keys at once or not at all", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({
        ip: { limit: 100, window: "1 second" },
        account: { limit: 3, window: "1 second" }
      })
      yield* limiter.take({ keys: ["account:1"], weight: 3 })
      const both = yield* limiter.take({ keys: ["ip", "account:1"], weight: 2 }).pipe(Effect.forkChild)
      yield* settle
      assert.isFalse(isDone(both))
      // While it waits for the account quota, it holds nothing of the ip quota.
      assert.strictEqual(usedOf(yield* limiter.stats, "ip"), 0)
      // A later ip-only request queues behind it (arrival order per key).
      const ipOnly = yield* limiter.take({ keys: ["ip"], weight: 50 }).pipe(Effect.forkChild)
      yield* settle
      assert.isFalse(isDone(ipOnly))
      yield* TestClock.adjust("1 second")
      yield* Fiber.joinAll([both, ipOnly])
      const stats = yield* limiter.stats
      assert.strictEqual(usedOf(stats, "ip"), 52)
      assert.strictEqual(usedOf(stats, "account:1"), 2)
      yield* close
    })))

  it.effect("serves waiters in arrival order", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 1, window: "1 second" } })
      yield* limiter.take({ keys: ["ip"] })
      const waiters: Array<Fiber.Fiber<void, RateLimitError.RateLimitError>> = []
      for (let i = 0; i < 3; i++) {
        waiters.push(yield* limiter.take({ keys: ["ip"] }).pipe(Effect.forkChild))
        yield* settle
      }
      for (let window = 1; window <= 3; window++) {
        yield* TestClock.adjust("1 second")
        yield* settle
        // Exactly the first `window` arrivals have been served.
        assert.deepStrictEqual(waiters.map(isDone), waiters.map((_, i) => i < window))
      }
      yield* close
    })))

  it.effect("serves a waiter with priority ahead of earlier ones without it, behind earlier ones with it", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ overall: { limit: 1, window: "1 second" } })
      yield* limiter.take({ keys: ["overall"] })
      const order: Array<string> = []
      const enter = (name: string, priority: boolean) =>
        limiter.take({ keys: ["overall"], priority }).pipe(
          Effect.andThen(Effect.sync(() => void order.push(name))),
          Effect.forkChild
        )
      // A backlog of market data, then a cancel and an order query with priority, then more data.
      const fibers = [
        yield* enter("snapshot 1", false),
        yield* enter("snapshot 2", false),
        yield* enter("snapshot 3", false)
      ]
      yield* settle
      fibers.push(yield* enter("cancel", true))
      yield* settle
      fibers.push(yield* enter("query", true))
      yield* settle
      fibers.push(yield* enter("snapshot 4", false))
      yield* settle
      for (let window = 1; window <= 6; window++) {
        yield* TestClock.adjust("1 second")
        yield* settle
        assert.strictEqual(order.length, window, "one grant per window: priority changes the order, not the quota")
      }
      assert.deepStrictEqual(order, ["cancel", "query", "snapshot 1", "snapshot 2", "snapshot 3", "snapshot 4"])
      yield* Fiber.joinAll(fibers)
      yield* close
    })))

  it.effect("does not let a later, lighter request overtake a waiting heavy one", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 10, window: "1 second" } })
      yield* limiter.take({ keys: ["ip"], weight: 8 })
      const heavy = yield* limiter.take({ keys: ["ip"], weight: 5 }).pipe(Effect.forkChild)
      yield* settle
      const light = yield* limiter.take({ keys: ["ip"], weight: 1 }).pipe(Effect.forkChild)
      yield* settle
      yield* TestClock.adjust("999 millis")
      yield* settle
      // 8 + 1 fits, but the light request arrived after the heavy one.
      assert.isFalse(isDone(light))
      assert.strictEqual((yield* limiter.stats).keys[0]!.waiting, 2)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.joinAll([heavy, light])
      assert.strictEqual(usedOf(yield* limiter.stats, "ip"), 6)
      yield* close
    })))

  it.effect("never grants more than the limit within any window, and grants in arrival order", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 10, window: "1 second" } })
      // Deterministic weights 1..4.
      const weights = Array.from({ length: 60 }, (_, i) => 1 + ((i * 7 + 3) % 4))
      const grants: Array<{ readonly index: number; readonly at: number; readonly weight: number }> = []
      const fibers: Array<Fiber.Fiber<void, RateLimitError.RateLimitError>> = []
      for (const [index, weight] of weights.entries()) {
        fibers.push(
          yield* limiter.take({ keys: ["ip"], weight }).pipe(
            Effect.andThen(Clock.currentTimeMillis),
            Effect.map((at) => void grants.push({ index, at, weight })),
            Effect.forkChild
          )
        )
        yield* settle
      }
      for (let step = 0; step < 400 && grants.length < weights.length; step++) {
        yield* TestClock.adjust("50 millis")
        yield* settle
      }
      yield* Fiber.joinAll(fibers)
      const total = weights.reduce((a, b) => a + b, 0)
      assert.strictEqual(grants.reduce((a, g) => a + g.weight, 0), total)
      for (const g of grants) {
        const inWindow = grants.filter((h) => h.at > g.at - 1000 && h.at <= g.at).reduce((a, h) => a + h.weight, 0)
        assert.isAtMost(inWindow, 10, `window ending at ${g.at}`)
      }
      const byIndex = [...grants].sort((a, b) => a.index - b.index)
      for (let i = 1; i < byIndex.length; i++) assert.isAtLeast(byIndex[i]!.at, byIndex[i - 1]!.at)
      yield* close
    })))

  it.effect("grants thousands of waiters released by one window without a deep call chain", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 10_000, window: "1 second" } })
      yield* limiter.take({ keys: ["ip"], weight: 10_000 })
      const waiters: Array<Fiber.Fiber<void, RateLimitError.RateLimitError>> = []
      for (let i = 0; i < 5_000; i++) waiters.push(yield* limiter.take({ keys: ["ip"] }).pipe(Effect.forkChild))
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* Fiber.joinAll(waiters)
      assert.strictEqual(usedOf(yield* limiter.stats, "ip"), 5_000)
      yield* close
    })))

  it.effect("an interrupted waiter leaves no consumed slot and no waiting entry, and the next one moves up", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 10, window: "1 second" } })
      yield* limiter.take({ keys: ["ip"], weight: 10 })
      const first = yield* limiter.take({ keys: ["ip"], weight: 6 }).pipe(Effect.forkChild)
      yield* settle
      const second = yield* limiter.take({ keys: ["ip"], weight: 4 }).pipe(Effect.forkChild)
      yield* settle
      yield* TestClock.adjust("500 millis")
      yield* Fiber.interrupt(first)
      assert.strictEqual((yield* limiter.stats).keys[0]!.waiting, 1)
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(second)
      // Only the second request's weight was taken in the new window.
      assert.strictEqual(usedOf(yield* limiter.stats, "ip"), 4)
      assert.strictEqual((yield* limiter.stats).keys[0]!.waiting, 0)
      yield* close
    })))

  it.effect("measures windows and pauses on the monotonic clock: a wall clock set back does not stall it", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 1, window: "1 second" } })
      yield* TestClock.adjust("1 hour")
      yield* limiter.take({ keys: ["ip"] })
      yield* limiter.pause("ip", "2 seconds")
      // NTP steps the system clock back an hour; real (monotonic) time keeps going.
      yield* TestClock.setTime(0)
      const next = yield* limiter.take({ keys: ["ip"] }).pipe(Effect.forkChild)
      yield* settle
      assert.isFalse(isDone(next), "still paused")
      assert.strictEqual((yield* limiter.stats).keys[0]!.pausedForMs, 2_000)
      yield* TestClock.adjust("2 seconds")
      yield* settle
      assert.isTrue(isDone(next), "granted once the pause and the window are over, not an hour later")
      yield* close
    })))

  it.effect("pauses the quota for every caller after a 429 with Retry-After, and counts it", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 100, window: "1 second" } }, "ratelimit:pause")
      const pauses = Metric.withAttributes(RateLimitMetrics.pauses, { limiter: "ratelimit:pause", quota: "ip" })
      const before = (yield* Metric.value(pauses)).count
      yield* limiter.onResponse({ keys: ["ip"], status: 200, retryAfter: "5" })
      yield* limiter.take({ keys: ["ip"] })
      yield* limiter.onResponse({ keys: ["ip"], status: 429, retryAfter: "5" })
      const a = yield* limiter.take({ keys: ["ip"] }).pipe(Effect.forkChild)
      const b = yield* limiter.take({ keys: ["ip"] }).pipe(Effect.forkChild)
      yield* settle
      yield* TestClock.adjust("4999 millis")
      yield* settle
      assert.isFalse(isDone(a) || isDone(b), "nobody passes while paused")
      assert.strictEqual((yield* limiter.stats).keys[0]!.pausedForMs, 1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(a)
      // The venue had accepted nothing else in that window: the quota shrank to 1 (issue 16, item 4).
      yield* settle
      assert.isFalse(isDone(b), "the refused burst is not sent again at once")
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(b)
      assert.strictEqual((yield* Metric.value(pauses)).count - before, 1)
      yield* close
    })))

  // Issue 16, item 4: a venue whose real limit (6 per second) is below the quota (10) used to get
  // the same burst of 10 every window after its 429, and banned the IP.
  it.effect("after a 429 the quota shrinks to what the venue accepted, never re-sends the burst, and recovers slowly", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 10, window: "1 second" } }, "ratelimit:adapt")
      // The venue: at most 6 per fixed second; a refusal answers 429, Retry-After to the second's end.
      let second = -1
      let acceptedThisSecond = 0
      let refusals = 0
      const sentPerSecond = new Map<number, number>()
      const venue = Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const s = Math.floor(now / 1000)
        sentPerSecond.set(s, (sentPerSecond.get(s) ?? 0) + 1)
        if (s !== second) {
          second = s
          acceptedThisSecond = 0
        }
        if (acceptedThisSecond >= 6) {
          refusals++
          yield* limiter.onResponse({ keys: ["ip"], status: 429, retryAfter: String((s + 1) * 1000 - now > 0 ? 1 : 0) })
          return
        }
        acceptedThisSecond++
      })
      // A client that always has work: 40 callers, each sending as fast as the limiter lets it.
      const callers: Array<Fiber.Fiber<unknown, unknown>> = []
      for (let i = 0; i < 40; i++) {
        callers.push(yield* Effect.forever(Effect.andThen(limiter.take({ keys: ["ip"] }), venue)).pipe(Effect.forkChild))
      }
      for (let ms = 0; ms < 60_000; ms += 100) {
        yield* settle
        yield* TestClock.adjust("100 millis")
      }
      yield* Effect.forEach(callers, Fiber.interrupt)
      const stats = (yield* limiter.stats).keys[0]!
      // The first second's burst meets the venue's limit once; after that the quota stays at
      // what it accepted, probing one more every 10 s: a few refusals a minute, not one a second.
      assert.isAtMost(refusals, 7, `refusals: ${refusals}`)
      const afterFirst = [...sentPerSecond.entries()].filter(([s]) => s >= 2).map(([, n]) => n)
      assert.isAtMost(Math.max(...afterFirst), 7, `sent per second: ${afterFirst.join(",")}`)
      assert.isAtLeast(afterFirst.reduce((a, b) => a + b, 0) / afterFirst.length, 5, "and still uses what the venue accepts")
      assert.isAtMost(stats.limit, 7, "the quota shows its adapted limit")
      yield* close
    })))

  it.effect("a 418 without Retry-After pauses for the quota's window", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 100, window: "10 seconds" } })
      yield* limiter.onResponse({ keys: ["ip"], status: 418 })
      assert.strictEqual((yield* limiter.stats).keys[0]!.pausedForMs, 10_000)
      yield* close
    })))

  it.effect("fails with typed errors: unknown key, weight over the limit, closed", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 1, window: "1 second" } })
      assert.strictEqual(reasonOf(yield* Effect.exit(limiter.take({ keys: ["nope"] }))), "UnknownQuota")
      assert.strictEqual(reasonOf(yield* Effect.exit(limiter.take({ keys: ["ip"], weight: 2 }))), "WeightExceedsLimit")
      yield* limiter.take({ keys: ["ip"] })
      const waiting = yield* limiter.take({ keys: ["ip"] }).pipe(Effect.exit, Effect.forkChild)
      yield* settle
      yield* close
      assert.strictEqual(reasonOf(yield* Fiber.join(waiting)), "LimiterClosed")
      assert.strictEqual(reasonOf(yield* Effect.exit(limiter.take({ keys: ["ip"] }))), "LimiterClosed")
    })))

  it.effect("tryTake grants at once and counts when every key has room; otherwise takes nothing and queues nobody", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 3, window: "1 second" }, uid: { limit: 10, window: "1 second" } })
      assert.isTrue(yield* limiter.tryTake({ keys: ["ip", "uid"], weight: 2 }))
      let stats = yield* limiter.stats
      assert.strictEqual(usedOf(stats, "ip"), 2, "a grant without waiting is counted like take's")
      assert.strictEqual(usedOf(stats, "uid"), 2)
      // 2 + 2 > 3 on "ip": refused whole, "uid" untouched too.
      assert.isFalse(yield* limiter.tryTake({ keys: ["ip", "uid"], weight: 2 }))
      stats = yield* limiter.stats
      assert.strictEqual(usedOf(stats, "ip"), 2)
      assert.strictEqual(usedOf(stats, "uid"), 2)
      assert.deepStrictEqual(stats.keys.map((k) => k.waiting), [0, 0], "nobody queued")
      // A waiter queued on a key: a later request does not jump it, even with room for itself.
      const waiting = yield* limiter.take({ keys: ["ip"], weight: 3 }).pipe(Effect.forkChild)
      yield* settle
      assert.isFalse(yield* limiter.tryTake({ keys: ["ip"], weight: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(waiting)
      // Paused by the venue: no grant at once either.
      yield* limiter.pause("uid", "5 seconds")
      assert.isFalse(yield* limiter.tryTake({ keys: ["uid"] }))
      assert.strictEqual(reasonOf(yield* Effect.exit(limiter.tryTake({ keys: ["nope"] }))), "UnknownQuota")
      assert.strictEqual(reasonOf(yield* Effect.exit(limiter.tryTake({ keys: ["ip"], weight: 4 }))), "WeightExceedsLimit")
      const negative = yield* Effect.exit(limiter.tryTake({ keys: ["ip"], weight: -1 }))
      assert.isTrue(Exit.isFailure(negative) && Cause.hasDies(negative.cause))
      yield* close
      assert.strictEqual(reasonOf(yield* Effect.exit(limiter.tryTake({ keys: ["ip"] }))), "LimiterClosed")
    })))

  it.effect("tryTakeUnsafe: tryTake as a plain call on the caller's clock, answering the error instead of failing", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 2, window: "1 second" } })
      const clock = yield* Clock.Clock
      assert.isTrue(limiter.tryTakeUnsafe({ keys: ["ip"] }, clock))
      assert.isTrue(limiter.tryTakeUnsafe({ keys: ["ip"] }, clock))
      assert.isFalse(limiter.tryTakeUnsafe({ keys: ["ip"] }, clock), "the window is full")
      assert.strictEqual(usedOf(yield* limiter.stats, "ip"), 2, "a refusal takes nothing")
      // The window is read on the clock it is given (here the test's): a second later there is room.
      yield* TestClock.adjust("1 second")
      assert.isTrue(limiter.tryTakeUnsafe({ keys: ["ip"] }, clock))
      const unknown = limiter.tryTakeUnsafe({ keys: ["nope"] }, clock)
      assert.isTrue(unknown instanceof RateLimitError.RateLimitError && unknown.reason._tag === "UnknownQuota")
      assert.throws(() => limiter.tryTakeUnsafe({ keys: ["ip"], weight: -1 }, clock), RangeError)
      yield* close
      const closed = limiter.tryTakeUnsafe({ keys: ["ip"] }, clock)
      assert.isTrue(closed instanceof RateLimitError.RateLimitError && closed.reason._tag === "LimiterClosed")
    })))

  it.effect("a key list reused as is (frozen) counts on its keys every time; a list changed between calls counts on its new keys", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 10, window: "1 second" }, uid: { limit: 10, window: "1 second" } })
      const frozen = Object.freeze(["ip"])
      yield* limiter.take({ keys: frozen })
      yield* limiter.take({ keys: frozen })
      let stats = yield* limiter.stats
      assert.strictEqual(usedOf(stats, "ip"), 2)
      const mutable = ["ip"]
      yield* limiter.take({ keys: mutable })
      mutable[0] = "uid"
      yield* limiter.take({ keys: mutable })
      stats = yield* limiter.stats
      assert.strictEqual(usedOf(stats, "ip"), 3)
      assert.strictEqual(usedOf(stats, "uid"), 1)
      yield* close
    })))

  it.effect("rejects a weight that is negative or not a number as a defect, instead of corrupting the quota", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 2, window: "1 second" } })
      for (const weight of [-5, Number.NaN, Number.POSITIVE_INFINITY]) {
        const exit = yield* Effect.exit(limiter.take({ keys: ["ip"], weight }))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause), `weight ${weight}`)
      }
      // The quota is untouched: two fit, the third waits.
      yield* limiter.take({ keys: ["ip"], weight: 2 })
      assert.strictEqual(usedOf(yield* limiter.stats, "ip"), 2)
      const third = yield* limiter.take({ keys: ["ip"] }).pipe(Effect.forkChild)
      yield* settle
      assert.isFalse(isDone(third))
      yield* close
    })))

  it.effect("uses Effect's fixed-window algorithm and store when asked", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 2, window: "1 second", algorithm: "fixed-window" } })
      yield* limiter.take({ keys: ["ip"] })
      yield* limiter.take({ keys: ["ip"] })
      const third = yield* limiter.take({ keys: ["ip"] }).pipe(Effect.forkChild)
      yield* settle
      assert.isFalse(isDone(third))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(third)
      yield* close
    })))

  it.effect("uses Effect's token-bucket algorithm and store when asked", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { close, limiter } = yield* open({ ip: { limit: 4, window: "1 second", algorithm: "token-bucket" } })
      yield* limiter.take({ keys: ["ip"], weight: 4 })
      const next = yield* limiter.take({ keys: ["ip"], weight: 2 }).pipe(Effect.forkChild)
      yield* settle
      yield* TestClock.adjust("499 millis")
      yield* settle
      assert.isFalse(isDone(next), "two tokens refill in 500 ms")
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(next)
      yield* close
    })))

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    assert.deepStrictEqual(RateLimiter.parseRetryAfter("7", now), Option.some(Duration.seconds(7)))
    assert.deepStrictEqual(
      RateLimiter.parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now),
      Option.some(Duration.millis(30_000))
    )
    assert.deepStrictEqual(RateLimiter.parseRetryAfter("soon", now), Option.none())
    assert.deepStrictEqual(RateLimiter.parseRetryAfter(undefined, now), Option.none())
  })
})
