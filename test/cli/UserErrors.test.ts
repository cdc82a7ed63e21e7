/**
 * A user error is one line: a bad flag prints its error and one hint, not the help; a runtime
 * user error (unknown symbol, an amount below the minimums, flags that do not go together)
 * prints one line on stderr, not the start-up logs, a summary and an empty exit report. With
 * `--log-format json` every line is JSON. The CLI runs as a real child process.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { runCli, standaloneSim } from "./support.ts"

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "")

/** Runs the CLI, expects exit 1 and exactly one line of output matching `line`. */
const oneLine = (args: ReadonlyArray<string>, line: RegExp) =>
  Effect.gen(function*() {
    const proc = yield* runCli(args)
    const code = yield* proc.exit(60_000)
    assert.strictEqual(code, 1, proc.output())
    assert.strictEqual(lines(proc.output()).length, 1, `${args.join(" ")}: one line expected:\n${proc.output()}`)
    assert.match(proc.output(), line)
    return proc.output()
  })

const everyLineJson = (out: string) => {
  for (const line of lines(out)) {
    assert.doesNotThrow(() => JSON.parse(line), undefined, `not JSON: ${line}\n${out}`)
  }
}

describe("CLI: a user error is one line", () => {
  it.live("a bad flag: the error and a hint to --help, not the whole help", () =>
    Effect.scoped(Effect.gen(function*() {
      const out = yield* oneLine(["mm", "--cycls", "0"], /^scoped-exchange mm: Unrecognized flag: --cycls .*--cycles.*--help/)
      assert.notInclude(out, "FLAGS")
      yield* oneLine(["watch", "--duration", "-1"], /--duration must be >= 0.*--help/)
    })), 120_000)

  it.live("a bad flag with --log-format json: one JSON line", () =>
    Effect.scoped(Effect.gen(function*() {
      const out = yield* oneLine(["mm", "--log-format", "json", "--cycls", "0"], /"error"/)
      everyLineJson(out)
      assert.include(JSON.parse(out).error.message, "--cycls")
    })), 60_000)

  it.live("runtime user errors: unknown symbol, below the minimums, --ws-url alone: one line on stderr", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* Effect.forEach([
        [["mm", "--symbol", "NOPEUSDT"], /^mm: .*unknown symbol NOPEUSDT$/m],
        [["mm", "--quote-qty", "0.2"], /^mm: order size on HIFIUSDT too small: .*below the minimum/],
        [["watch", "--symbol", "NOPEUSDT"], /^watch: .*unknown symbol NOPEUSDT$/m],
        [["mm", "--ws-url", "ws://127.0.0.1:9/ws"], /^mm: --ws-url needs --rest-url too/],
        [["watch", "--ws-url", "ws://127.0.0.1:9/ws"], /^watch: --ws-url needs --rest-url too/]
      ] as const, ([args, line]) => oneLine(args, line), { concurrency: 2, discard: true })
    })), 180_000)

  it.live("a runtime user error with --log-format json: one JSON line", () =>
    Effect.scoped(Effect.gen(function*() {
      const out = yield* oneLine(["watch", "--symbol", "NOPEUSDT", "--log-format", "json"], /"error"/)
      assert.deepStrictEqual(Object.keys(JSON.parse(out).error), ["command", "message"])
    })), 60_000)

  it.live("watch --log-format json: every line is JSON, the done line too", () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* runCli(["watch", "--duration", "2", "--log-format", "json"])
      assert.strictEqual(yield* proc.exit(60_000), 0, proc.output())
      everyLineJson(proc.output())
      const done = lines(proc.output()).map((l) => JSON.parse(l)).find((o) => o.done !== undefined)
      assert.isDefined(done, proc.output())
      assert.isAbove(done.done.books, 0)
    })), 60_000)

  it.live("lower-case symbols are the venue's symbols", () =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* runCli(["watch", "--symbol", "ethusdt", "--duration", "3"])
      assert.strictEqual(yield* proc.exit(60_000), 0, proc.output())
      assert.match(proc.output(), /^ETHUSDT bid/m)
    })), 60_000)

  it.live("a refused WebSocket: 'connection refused' after the start-up attempts, listen keys shortened", () =>
    Effect.scoped(Effect.gen(function*() {
      const { restUrl } = yield* standaloneSim
      const proc = yield* runCli(["mm", "--rest-url", restUrl, "--ws-url", "ws://127.0.0.1:9/ws"])
      assert.strictEqual(yield* proc.exit(90_000), 1, proc.output())
      const out = proc.output()
      assert.match(out, /^mm: .*connection refused/m)
      assert.notMatch(out, /not subscribed/)
      // A listen key grants access to the account's private stream: never printed whole.
      assert.match(out, /listenKey=[0-9a-f]{6}…/)
      assert.notMatch(out, /listenKey=[0-9a-f]{7,}/)
    })), 120_000)
})
