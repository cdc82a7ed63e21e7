/**
 * The CLI as users run it: a real child process on Node 24, real signals, real exit codes. The
 * time bounds are hang detectors (a leak keeps the process alive), not performance assertions.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const node = new URL("../../node_modules/.bin/node", import.meta.url).pathname
const main = new URL("../../src/cli/main.ts", import.meta.url).pathname

interface Run {
  readonly child: ChildProcess
  readonly output: () => string
  /** Resolves with the exit code, or dies if the process is still alive after `hangAfterMs`. */
  readonly exit: (hangAfterMs: number) => Effect.Effect<number | null>
  /** Waits until the output contains `text`. */
  readonly waitFor: (text: string, timeoutMs?: number) => Effect.Effect<void>
}

const run = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync((): Run => {
      const child = spawn(node, [main, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } })
      let output = ""
      child.stdout!.on("data", (d: Buffer) => (output += d.toString()))
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      return {
        child,
        output: () => output.replace(/\x1b\[[0-9;]*m/g, ""),
        exit: (hangAfterMs) =>
          Effect.promise(() =>
            Promise.race([
              exited,
              new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), hangAfterMs).unref())
            ])
          ).pipe(Effect.flatMap((code) => code === "hung" ? Effect.die(new Error(`process still running after ${hangAfterMs} ms:\n${output}`)) : Effect.succeed(code))),
        waitFor: (text, timeoutMs = 20_000) =>
          Effect.gen(function*() {
            const deadline = performance.now() + timeoutMs
            while (!output.includes(text)) {
              if (performance.now() > deadline) return yield* Effect.die(new Error(`no "${text}" in:\n${output}`))
              yield* Effect.sleep(20)
            }
          })
      }
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

const stoppingOrder = (output: string) =>
  [...output.matchAll(/(stopping|stopped) \{ component: '([^']+)'/g)].map((m) => `${m[2]}:${m[1]}`)

describe("CLI: watch", () => {
  it.live("watches the embedded simulator for its duration, then exits 0 on its own", () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* run(["watch", "--duration", "3"])
      const code = yield* proc.exit(30_000)
      const out = proc.output()
      assert.strictEqual(code, 0, out)
      assert.match(out, /BTCUSDT bid \d+(\.\d+)? x [\d.]+ \| ask \d+(\.\d+)? x [\d.]+ \| trades \d+/)
      assert.match(out, /done: \d+ frames routed, 0 malformed/)
      assert.deepStrictEqual(stoppingOrder(out), [
        "connection:mexc-public:stopping",
        "connection:mexc-public:stopped",
        "queue:mexc-public:stopping",
        "queue:mexc-public:stopped",
        "hub:mexc-public:stopping",
        "hub:mexc-public:stopped",
        "sim:stopping",
        "sim:stopped"
      ])
    })))

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it.live(`stops in order on ${signal} and exits 0`, () =>
      Effect.scoped(Effect.gen(function*() {
        const proc = yield* run(["watch", "--duration", "0", "--symbol", "ETHUSDT"])
        yield* proc.waitFor("ETHUSDT bid")
        proc.child.kill(signal)
        const code = yield* proc.exit(10_000)
        const out = proc.output()
        assert.strictEqual(code, 0, out)
        assert.deepStrictEqual(stoppingOrder(out).filter((e) => e.endsWith(":stopped")), [
          "connection:mexc-public:stopped",
          "queue:mexc-public:stopped",
          "hub:mexc-public:stopped",
          "sim:stopped"
        ])
        assert.notMatch(out, /outcome: '(abandoned|failed)'/)
      })))
  }

  it.live("rejects bad flags with a clear message and a non-zero exit", () =>
    Effect.scoped(Effect.gen(function*() {
      const badSymbol = yield* run(["watch", "--symbol", "btc"])
      assert.notStrictEqual(yield* badSymbol.exit(20_000), 0)
      assert.include(badSymbol.output(), "--symbol must be an upper-case pair like BTCUSDT")

      const badVenue = yield* run(["watch", "--venue", "kraken"])
      assert.notStrictEqual(yield* badVenue.exit(20_000), 0)
      assert.match(badVenue.output(), /kraken/)

      const badDuration = yield* run(["watch", "--duration", "-1"])
      assert.notStrictEqual(yield* badDuration.exit(20_000), 0)
      assert.include(badDuration.output(), "--duration must be >= 0")
    })))
})
