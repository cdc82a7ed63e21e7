/**
 * `--help` of every command lists each flag with its default, as the README promises. The CLI
 * runs as a real child process.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { runCli } from "./support.ts"

/** The lines of the FLAGS section (one per flag; a flag's description is on its line). */
const flagLines = (help: string) => {
  const section = help.split(/^FLAGS$/m)[1]?.split(/^GLOBAL FLAGS$/m)[0] ?? ""
  return section.split("\n").filter((l) => /^\s+--/.test(l))
}

describe("CLI: --help", () => {
  it.live("every flag of mm, watch and sim names its default", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* Effect.forEach(["mm", "watch", "sim"], (command) =>
        Effect.gen(function*() {
          const proc = yield* runCli([command, "--help"])
          assert.strictEqual(yield* proc.exit(60_000), 0, proc.output())
          const flags = flagLines(proc.output())
          assert.isAbove(flags.length, 3, proc.output())
          for (const line of flags) assert.include(line, "Default:", `${command}: ${line.trim()}`)
        }), { concurrency: 2, discard: true })
    })), 120_000)
})
