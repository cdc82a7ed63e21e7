/**
 * LeakCheck itself: it fails on each leak the old checker passed (a detached fiber still running,
 * an unref'd timer or server, a new timer offset by a cleared old one, a runFork'd fiber, a leak
 * while the effect fails) and passes each clean effect, with the same verdicts under plain Node.
 */
import { spawn } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { leakCases, runCase } from "./leakCases.ts"

const node = new URL("../../node_modules/.bin/node", import.meta.url).pathname
const plainNodeRun = new URL("./fixtures/leakVerdicts.ts", import.meta.url).pathname

describe("LeakCheck.scoped", () => {
  for (const c of leakCases) {
    it.live(c.expected === "pass" ? `passes: ${c.name}` : `reports: ${c.name}`, () =>
      runCase(c).pipe(Effect.map((verdict) => assert.deepStrictEqual(verdict, c.expected))))
  }

  it.live("says where each leaked timer or handle was created", () =>
    Effect.gen(function*() {
      const timers: Array<NodeJS.Timeout> = []
      const exit = yield* LeakCheck.scoped(Effect.sync(() => timers.push(setTimeout(() => {}, 10_000).unref()))).pipe(
        Effect.exit
      )
      timers.forEach(clearTimeout)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(error, LeakCheck.LeakDetected)
      const leak = error as LeakCheck.LeakDetected
      assert.strictEqual(leak.createdAt.length, 1)
      assert.match(leak.createdAt[0]!, /^Timeout at .*LeakCheck\.test\.ts:\d+:\d+/)
      assert.include(leak.message, leak.createdAt[0]!)
    }))

  it.live("gives the same verdicts under plain Node", () =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* Effect.promise(() =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(node, [plainNodeRun], { stdio: ["ignore", "pipe", "pipe"] })
          let stdout = ""
          let stderr = ""
          child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
          child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
          child.on("exit", (code) => resolve({ code, stdout, stderr }))
        })
      )
      assert.strictEqual(code, 0, stderr)
      const verdicts = stdout.trim().split("\n").map((line) => JSON.parse(line) as { name: string; verdict: unknown })
      assert.deepStrictEqual(verdicts, leakCases.map((c) => ({ name: c.name, verdict: c.expected })))
    }))
})
