/**
 * Runs one measuring client in a process of its own (so that its CPU time is its own):
 * `node <script> <variant> <config json>`, and reads back the JSON lines it prints, one per
 * measured window. A client that fails fails the suite.
 */
import { execFile } from "node:child_process"
import { Effect } from "effect"

export const runClient = <W>(script: URL, variant: string, config: object): Effect.Effect<ReadonlyArray<W>> =>
  Effect.callback<ReadonlyArray<W>>((resume) => {
    execFile(process.execPath, [script.pathname, variant, JSON.stringify(config)], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) return resume(Effect.die(error))
      resume(Effect.succeed(stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as W)))
    })
  })
