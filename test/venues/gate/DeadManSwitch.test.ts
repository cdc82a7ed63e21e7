/**
 * Gate's dead-man switch under TestClock, against a recording GateRest: armed at start, renewed on
 * its tick while the scope lives, a failed renewal logged and retried, disarmed at close; a refused
 * arming fails the start.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Logger, Scope } from "effect"
import { TestClock } from "effect/testing"
import { ExchangeError, Unavailable } from "../../../src/exchange/ExchangeError.ts"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import * as DeadManSwitch from "../../../src/venues/gate/DeadManSwitch.ts"
import type { GateRestShape } from "../../../src/venues/gate/GateRest.ts"
import { fakeGateRest } from "./support/fakeRest.ts"

const recording = (failWhen: (call: number) => boolean = () => false) => {
  const calls: Array<{ timeout: number; symbol: string | undefined; at: number }> = []
  const rest: GateRestShape = fakeGateRest({
    countdownCancelAll: (timeout, symbol) =>
      Effect.clockWith((clock) => {
        const at = clock.currentTimeMillisUnsafe()
        calls.push({ timeout, symbol, at })
        return failWhen(calls.length)
          ? Effect.fail(new ExchangeError({ venue: "gate", operation: "POST /spot/countdown_cancel_all", reason: new Unavailable({ detail: "lost" }) }))
          : Effect.succeed(at + timeout * 1000)
      })
  })
  return { rest, calls }
}

const settle = Effect.gen(function*() {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow
})

describe("Gate dead-man switch", () => {
  it.effect("armed at start, renewed every third of the timeout, a lost renewal retried, disarmed at close", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const { rest, calls } = recording((n) => n === 3)
      const scope = yield* Scope.make()
      const dms = yield* DeadManSwitch.make(rest, { timeoutSeconds: 30, symbol: "BTC_USDT" }).pipe(Scope.provide(scope))
      assert.deepStrictEqual(calls.map((c) => [c.timeout, c.symbol, c.at]), [[30, "BTC_USDT", 0]])
      for (let i = 0; i < 3; i++) {
        yield* TestClock.adjust("10 seconds")
        yield* settle
      }
      assert.deepStrictEqual(calls.map((c) => c.at), [0, 10_000, 20_000, 30_000])
      assert.deepStrictEqual([dms.renewals(), dms.failures()], [3, 1], "the renewal at 20 s was lost, the one at 30 s went")
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(calls.at(-1)!.timeout, 0, "disarmed at close")
      yield* TestClock.adjust("60 seconds")
      yield* settle
      assert.strictEqual(calls.length, 5, "nothing renews after the close")
    })).pipe(Effect.provide(Logger.layer([]))))

  it.effect("a refused arming fails the start; a timeout under Gate's 5 s is raised to it", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const refused = recording(() => true)
      const exit = yield* Effect.exit(Effect.scoped(DeadManSwitch.make(refused.rest)))
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(refused.calls.length, 1, "nothing to disarm")
      const short = recording()
      yield* Effect.scoped(DeadManSwitch.make(short.rest, { timeoutSeconds: 1 }))
      assert.deepStrictEqual(short.calls.map((c) => c.timeout), [5, 0])
    })).pipe(Effect.provide(Logger.layer([]))))
})
