/**
 * The documented launchers (`npm start`, `npx scoped-exchange`) as a supervisor or a terminal
 * multiplexer uses them: a signal sent to the top process only (npm), never to the program under
 * it. The program must get it, shut down in order with no order left open, and its exit code must
 * be the one the shell sees. The program's end is proved by the output pipes closing: the program
 * holds them until it exits, whoever its parent is.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { openOrders, root, spawnCommand, standaloneSim } from "./support.ts"

const npmBin = new URL("../../node_modules/.bin/", import.meta.url).pathname
// What a shell in the checkout looks like after `npm install`: Node 24 first on PATH.
const env = { PATH: `${npmBin}:${process.env.PATH ?? ""}` }

const mmArgs = (restUrl: string, wsUrl: string) => ["mm", "--cycles", "0", "--rest-url", restUrl, "--ws-url", wsUrl]

type Launch = (restUrl: string, wsUrl: string) => readonly [string, ReadonlyArray<string>]

const launchers: ReadonlyArray<readonly [string, Launch]> = [
  ["npm start", (restUrl: string, wsUrl: string) => ["npm", ["start", "--silent", "--", ...mmArgs(restUrl, wsUrl).slice(1)]]],
  ["npx scoped-exchange", (restUrl: string, wsUrl: string) => ["npx", ["scoped-exchange", ...mmArgs(restUrl, wsUrl)]]],
  // npm's default script shell (dash on Debian) dies on the signal without passing it on: the
  // program notices its parent is gone and stops as on SIGTERM.
  ["npx with a plain sh as script shell", (restUrl: string, wsUrl: string) => [
    "npx",
    ["--script-shell=sh", "scoped-exchange", ...mmArgs(restUrl, wsUrl)]
  ]]
]

describe("CLI launchers: a signal to the top process only", () => {
  for (const [name, command] of launchers) {
    for (const signal of name.includes("plain sh") ? ["SIGTERM"] as const : ["SIGINT", "SIGTERM"] as const) {
      it.live(`${name}: ${signal} to npm alone stops the program, cancels its order, no orphan`, () =>
        Effect.scoped(Effect.gen(function*() {
          const { restUrl, wsUrl } = yield* standaloneSim
          const [cmd, args] = command(restUrl, wsUrl)
          const run = yield* spawnCommand(cmd, args, { cwd: root, env })
          yield* run.waitFor(/placed \(/, 90_000)
          yield* run.kill(signal)
          const end = yield* run.ended(60_000)
          yield* run.closed(60_000)
          assert.match(run.output(), /shutdown\s+stopped in/, "the program shut down and printed its exit report")
          assert.notMatch(run.output(), /\n\s+at /, "no stack trace")
          assert.deepStrictEqual(yield* openOrders(restUrl), [], run.output())
          if (!name.includes("plain sh")) {
            // The shell sees the program's own code.
            assert.deepStrictEqual(end, { code: signal === "SIGINT" ? 130 : 143, signal: null }, run.output())
          }
        })), 180_000)
    }
  }

  it.live("npx scoped-exchange: Ctrl-C (SIGINT to the whole process group) exits 130 after the shutdown", () =>
    Effect.scoped(Effect.gen(function*() {
      const { restUrl, wsUrl } = yield* standaloneSim
      const run = yield* spawnCommand("npx", ["scoped-exchange", ...mmArgs(restUrl, wsUrl)], { cwd: root, env, detached: true })
      yield* run.waitFor(/placed \(/, 90_000)
      process.kill(-run.child.pid!, "SIGINT")
      const end = yield* run.ended(60_000)
      yield* run.closed(60_000)
      assert.deepStrictEqual(end, { code: 130, signal: null }, run.output())
      assert.match(run.output(), /shutdown\s+stopped in/)
      assert.deepStrictEqual(yield* openOrders(restUrl), [], run.output())
    })), 180_000)

  it.live("npx scoped-exchange: a user error's exit code comes through", () =>
    Effect.scoped(Effect.gen(function*() {
      const run = yield* spawnCommand("npx", ["scoped-exchange", "sim", "--port", "70000"], { cwd: root, env })
      assert.strictEqual(yield* run.exit(60_000), 1, run.output())
      assert.include(run.output(), "--port must be 0-65535")
    })), 90_000)
})
