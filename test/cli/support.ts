/**
 * A CLI entry as users run it: a real child process on Node 24, real signals, its exit code and
 * signal as the parent sees them. Time bounds are hang detectors, not performance assertions.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { waitUntil } from "../support/eventually.ts"

export const node = new URL("../../node_modules/.bin/node", import.meta.url).pathname
export const main = new URL("../../src/cli/main.ts", import.meta.url).pathname

/** How a child process ended: an exit code, or the signal that killed it. */
export interface Ended {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface Run {
  readonly child: ChildProcess
  /** stdout and stderr so far, interleaved, without colour codes. */
  readonly output: () => string
  /** Waits for the end, or dies if the process is still alive after `hangAfterMs`. */
  readonly ended: (hangAfterMs?: number) => Effect.Effect<Ended>
  /** Resolves with the exit code; dies if the process was killed by a signal or hung. */
  readonly exit: (hangAfterMs?: number) => Effect.Effect<number>
  /** Waits until the output contains `text`. */
  readonly waitFor: (text: string | RegExp, timeoutMs?: number) => Effect.Effect<void>
  /** Sends `signal` (the child must still be running). */
  readonly kill: (signal: NodeJS.Signals) => Effect.Effect<void>
}

/**
 * Spawns `node ...nodeArgs entry ...args`, killed with SIGKILL when the scope closes if still
 * running.
 */
export const spawnEntry = (entry: string, args: ReadonlyArray<string>, nodeArgs: ReadonlyArray<string> = []) =>
  Effect.acquireRelease(
    Effect.sync((): Run => {
      const child = spawn(node, [...nodeArgs, entry, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1" }
      })
      let output = ""
      child.stdout!.on("data", (d: Buffer) => (output += d.toString()))
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()))
      const ended = new Promise<Ended>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })))
      const clean = () => output.replace(/\x1b\[[0-9;]*m/g, "")
      const endedWithin = (hangAfterMs = 20_000) =>
        Effect.promise(() =>
          Promise.race([
            ended,
            new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), hangAfterMs).unref())
          ])
        ).pipe(
          Effect.flatMap((end) =>
            end === "hung"
              ? Effect.die(new Error(`process still running after ${hangAfterMs} ms:\n${clean()}`))
              : Effect.succeed(end)
          )
        )
      return {
        child,
        output: clean,
        ended: endedWithin,
        exit: (hangAfterMs) =>
          endedWithin(hangAfterMs).pipe(
            Effect.flatMap((end) =>
              end.code === null
                ? Effect.die(new Error(`killed by ${end.signal} instead of exiting:\n${clean()}`))
                : Effect.succeed(end.code)
            )
          ),
        waitFor: (text, timeoutMs = 20_000) =>
          waitUntil(
            `${text} in the output`,
            () => typeof text === "string" ? output.includes(text) : text.test(clean()),
            timeoutMs
          ).pipe(Effect.catchDefect((e) => Effect.die(new Error(`${String(e)}; output:\n${clean()}`)))),
        kill: (signal) =>
          Effect.sync(() => {
            if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${signal}: process already ended`)
            child.kill(signal)
          })
      }
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )

/** Spawns the CLI (`src/cli/main.ts`) with `args`. */
export const runCli = (args: ReadonlyArray<string>) => spawnEntry(main, args)

/**
 * Whether the process has installed a handler for `signal` (Linux: the `SigCgt` mask in
 * /proc/PID/status). The CLI's entry installs its SIGINT/SIGTERM handlers on its first line, so
 * this tells when its own code started running, before anything else loaded.
 */
export const catchesSignal = (pid: number, signal: "SIGINT" | "SIGTERM"): boolean => {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8")
  } catch {
    return false
  }
  const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1]
  if (mask === undefined) return false
  const bit = BigInt(signal === "SIGINT" ? 2 : 15) - 1n
  return ((BigInt(`0x${mask}`) >> bit) & 1n) === 1n
}

/** The lifecycle log's stopping/stopped lines, as `component:phase`. */
export const stoppingOrder = (output: string) =>
  [...output.matchAll(/(stopping|stopped) \{ component: '([^']+)'/g)].map((m) => `${m[2]}:${m[1]}`)
