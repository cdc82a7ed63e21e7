/**
 * Keeps a passing test quiet: its log lines are kept in memory and printed only if the test
 * fails, so a failure comes with its context and a passing run prints nothing. Call it inside
 * the test body (`it.live("...", () => quiet(effect))`); tests that assert on log lines provide
 * their own logger inside, which takes precedence.
 */
import { it } from "@effect/vitest"
import { Effect, Logger, type Scope } from "effect"
import { onTestFailed } from "vitest"

export const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const lines: Array<string> = []
  onTestFailed(() => {
    if (lines.length > 0) console.log(`log of the failed test:\n${lines.join("\n")}`)
  })
  const keep = Logger.map(Logger.formatLogFmt, (line) => {
    lines.push(line)
  })
  return Effect.provide(effect, Logger.layer([keep]))
}

/** `it.live` whose logs are kept quiet unless the test fails. */
export const live = <A, E>(
  name: string,
  self: () => Effect.Effect<A, E, Scope.Scope>,
  timeout?: number
): void => it.live(name, () => quiet(self()), timeout)

/** `it.effect` (TestClock) whose logs are kept quiet unless the test fails. */
export const effect = <A, E>(
  name: string,
  self: () => Effect.Effect<A, E, Scope.Scope>,
  timeout?: number
): void => it.effect(name, () => quiet(self()), timeout)
