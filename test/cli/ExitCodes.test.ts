/**
 * The exit rule of `src/cli/Teardown.ts`, with the CLI as a real child process and real signals at
 * each moment of a run: while the entry loads its modules, while components start, while it
 * runs, during shutdown (a second signal), and for a component abandoned at shutdown.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { exitCode, ExitCode } from "../../src/cli/Teardown.ts"
import { waitUntil } from "../support/eventually.ts"
import { main, openOrders, runCli, spawnEntry, standaloneSim, stoppingOrder } from "./support.ts"

const markLoading = new URL("./fixtures/markLoading.ts", import.meta.url).pathname
const abandon = new URL("./fixtures/abandon.ts", import.meta.url).pathname

const watchForever = ["watch", "--duration", "0"]

/** Every component that logged `stopping` also logged `stopped`, none abandoned or failed. */
const assertOrderlyShutdown = (out: string) => {
  const order = stoppingOrder(out)
  const stopping = order.filter((e) => e.endsWith(":stopping")).map((e) => e.replace(/:stopping$/, ""))
  const stopped = order.filter((e) => e.endsWith(":stopped")).map((e) => e.replace(/:stopped$/, ""))
  assert.deepStrictEqual(stopped, stopping, out)
  assert.notMatch(out, /outcome: '(abandoned|failed)'/)
}

/** `watch`'s components in the order they stop: the reverse of how they were built. */
const watchStopOrder = [
  "connection:mexc-public-1:stopped",
  "queue:mexc-public:stopped",
  "hub:mexc-public:stopped",
  "rest:mexc:stopped",
  "ratelimit:mexc:stopped",
  "sim:stopped"
]

describe("CLI exit codes", () => {
  it.live("130 for a SIGINT while the entry is still loading its modules", () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* spawnEntry(main, watchForever, ["--import", markLoading])
      yield* proc.waitFor("[test] entry loading its modules")
      assert.notInclude(proc.output(), "starting", "the signal must come before the command starts")
      yield* proc.kill("SIGINT")
      assert.strictEqual(yield* proc.exit(), ExitCode.sigint, proc.output())
      // Handled between two loading steps, not after the whole program loaded and started.
      assert.notInclude(proc.output(), "starting", "nothing may start after a SIGINT while loading")
    })))

  it.live("130 for a SIGINT while the standalone simulator's entry loads, nothing started", () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* spawnEntry(new URL("../../src/cli/sim.ts", import.meta.url).pathname, ["--port", "0"], ["--import", markLoading])
      yield* proc.waitFor("[test] entry loading its modules")
      yield* proc.kill("SIGINT")
      assert.strictEqual(yield* proc.exit(), ExitCode.sigint, proc.output())
      assert.notInclude(proc.output(), "starting")
    })))

  it.live("130 for a SIGINT while the components start", () =>
    Effect.scoped(Effect.gen(function*() {
      // At debug level the start-up's lines show as they happen (by default they wait for it).
      const proc = yield* runCli([...watchForever, "--log-level", "debug"])
      yield* proc.waitFor("starting { component: 'sim' }")
      yield* proc.kill("SIGINT")
      assert.strictEqual(yield* proc.exit(), ExitCode.sigint, proc.output())
      assertOrderlyShutdown(proc.output())
    })))

  for (const [signal, code] of [["SIGINT", ExitCode.sigint], ["SIGTERM", ExitCode.sigterm]] as const) {
    it.live(`${code} for a ${signal} while it runs, after an orderly shutdown`, () =>
      Effect.scoped(Effect.gen(function*() {
        const proc = yield* runCli(watchForever)
        yield* proc.waitFor("BTCUSDT bid")
        yield* proc.kill(signal)
        assert.strictEqual(yield* proc.exit(), code, proc.output())
        assert.deepStrictEqual(stoppingOrder(proc.output()).filter((e) => e.endsWith(":stopped")), watchStopOrder)
        assertOrderlyShutdown(proc.output())
      })))
  }

  it.live("a second SIGINT during shutdown neither skips it nor changes the code", () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* runCli(watchForever)
      yield* proc.waitFor("BTCUSDT bid")
      yield* proc.kill("SIGINT")
      yield* proc.waitFor("stopping { component: 'connection:mexc-public-1' }")
      yield* proc.kill("SIGINT")
      assert.strictEqual(yield* proc.exit(), ExitCode.sigint, proc.output())
      assert.include(proc.output(), "SIGINT received again while shutting down; the shutdown continues")
      assert.deepStrictEqual(stoppingOrder(proc.output()).filter((e) => e.endsWith(":stopped")), watchStopOrder)
      assertOrderlyShutdown(proc.output())
    })))

  // A second signal at a fixed offset lands wherever the run is by then: still shutting down, or
  // already past its end while Node tears the process down (where Node's handlers are gone).
  for (const afterMs of [20, 60]) {
    it.live(`a second SIGINT ${afterMs} ms after the first still ends with 130`, () =>
      Effect.scoped(Effect.gen(function*() {
        const proc = yield* runCli(watchForever)
        yield* proc.waitFor("BTCUSDT bid")
        yield* proc.kill("SIGINT")
        yield* Effect.sleep(afterMs)
        if (proc.child.exitCode === null) proc.child.kill("SIGINT")
        const end = yield* proc.ended()
        assert.deepStrictEqual(end, { code: ExitCode.sigint, signal: null }, proc.output())
        assertOrderlyShutdown(proc.output())
      })))
  }

  it.live("130 / 143 for the sim command too", () =>
    Effect.scoped(Effect.gen(function*() {
      for (const [signal, code] of [["SIGINT", ExitCode.sigint], ["SIGTERM", ExitCode.sigterm]] as const) {
        const proc = yield* runCli(["sim", "--port", "0", "--no-market"])
        yield* proc.waitFor("sim rest=")
        yield* proc.kill(signal)
        assert.strictEqual(yield* proc.exit(), code, proc.output())
      }
    })))
})

describe("CLI exit codes: output closed by its reader (`mm | head -3`, `watch | jq` then quit)", () => {
  const moments = [
    ["after three lines, while it starts", (proc: { stdout: () => string }) => proc.stdout().split("\n").length > 3],
    ["while an order rests", (proc: { stdout: () => string }) => /placed \(/.test(proc.stdout())]
  ] as const
  for (const [moment, closeWhen] of moments) {
    it.live(`mm, ${moment}: no stack trace, orders canceled, exit ${ExitCode.outputClosed}`, () =>
      Effect.scoped(Effect.gen(function*() {
        const { restUrl, wsUrl } = yield* standaloneSim
        const proc = yield* runCli(["mm", "--cycles", "0", "--rest-url", restUrl, "--ws-url", wsUrl])
        yield* waitUntil(moment, () => closeWhen(proc), 90_000)
        // The reader goes away, as `head` does once it has its lines.
        proc.child.stdout!.destroy()
        assert.strictEqual(yield* proc.exit(60_000), ExitCode.outputClosed, proc.output())
        assert.notMatch(proc.output(), /EPIPE|\n\s+at /, "no stack trace")
        assert.deepStrictEqual(yield* openOrders(restUrl), [], proc.output())
      })), 120_000)
  }

  it.live(`watch: stderr closed too, exit ${ExitCode.outputClosed}`, () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* runCli(watchForever)
      yield* proc.waitFor("BTCUSDT bid")
      proc.child.stdout!.destroy()
      proc.child.stderr!.destroy()
      assert.strictEqual(yield* proc.exit(), ExitCode.outputClosed)
    })))
})

describe("CLI exit codes: a component abandoned at shutdown", () => {
  for (const release of ["sleep", "never"] as const) {
    it.live(`exits ${ExitCode.abandoned} naming it when its release (${release}) overruns the budget`, () =>
      Effect.scoped(Effect.gen(function*() {
        const proc = yield* spawnEntry(abandon, [release])
        assert.strictEqual(yield* proc.exit(), ExitCode.abandoned, proc.output())
        assert.include(proc.output(), "done")
        assert.match(
          proc.output(),
          /exiting with 70: abandoned at shutdown: stuck-release \(stop budget 50 ms, still releasing after \d+ ms\)/
        )
      })))
  }

  it.live("a failed command that also abandons a component exits 1 and says both, without pairing 1 with 'abandoned'", () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* spawnEntry(abandon, ["sleep", "--fail"])
      assert.strictEqual(yield* proc.exit(), ExitCode.failure, proc.output())
      assert.match(
        proc.output(),
        /abandoned at shutdown: stuck-release \(stop budget 50 ms, [^)]+\); exiting with 1 for the failure above/
      )
      assert.notMatch(proc.output(), /exiting with 1: abandoned/)
    })))

  it.live(`exits ${ExitCode.abandoned}, not 130, when the shutdown after a SIGINT abandons a component`, () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* spawnEntry(abandon, ["sleep", "--until-signal"])
      yield* proc.waitFor("running")
      yield* proc.kill("SIGINT")
      assert.strictEqual(yield* proc.exit(), ExitCode.abandoned, proc.output())
      assert.include(proc.output(), "stuck-release (stop budget 50 ms")
    })))
})

describe("Teardown.exitCode", () => {
  const failure = Exit.fail(new Error("unreachable venue"))
  const interrupted = Exit.failCause(Cause.interrupt(1))
  const none = { signal: undefined, abandoned: false }

  it("follows the documented precedence: orders left open or unknown, failure, abandoned, signal, success", () => {
    assert.strictEqual(exitCode(Exit.void, none), 0)
    assert.strictEqual(exitCode(interrupted, { signal: "SIGINT", abandoned: false }), 130)
    assert.strictEqual(exitCode(interrupted, { signal: "SIGTERM", abandoned: false }), 143)
    assert.strictEqual(exitCode(Exit.void, { signal: "SIGINT", abandoned: false }), 130)
    assert.strictEqual(exitCode(interrupted, { signal: "SIGINT", abandoned: true }), 70)
    assert.strictEqual(exitCode(Exit.void, { signal: undefined, abandoned: true }), 70)
    assert.strictEqual(exitCode(failure, { signal: "SIGINT", abandoned: true }), 1)
    assert.strictEqual(exitCode(interrupted, none), 1)
    // Orders left open or unknown at close: 3 replaces 0, 130 and 143.
    assert.strictEqual(exitCode(Exit.void, { signal: undefined, abandoned: false, unconfirmed: true }), 3)
    assert.strictEqual(exitCode(interrupted, { signal: "SIGINT", abandoned: false, unconfirmed: true }), 3)
    assert.strictEqual(exitCode(interrupted, { signal: "SIGTERM", abandoned: false, unconfirmed: true }), 3)
    // Orders that may be open outrank everything: a run that failed because the venue went away
    // (the usual way orders end up unknown) still exits 3, so a supervisor knows to look.
    assert.strictEqual(exitCode(interrupted, { signal: "SIGINT", abandoned: true, unconfirmed: true }), 3)
    assert.strictEqual(exitCode(failure, { signal: undefined, abandoned: false, unconfirmed: true }), 3)
    assert.strictEqual(exitCode(failure, { signal: undefined, abandoned: true, unconfirmed: false }), 1)
  })
})
