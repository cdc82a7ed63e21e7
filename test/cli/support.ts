/**
 * A CLI entry as users run it: a real child process on Node 24, real signals, its exit code and
 * signal as the parent sees them. Time bounds are hang detectors, not performance assertions.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { Effect, Redacted } from "effect"
import { MexcSigning } from "../../src/venues/mexc/index.ts"
import { waitUntil } from "../support/eventually.ts"

export const node = new URL("../../node_modules/.bin/node", import.meta.url).pathname
export const main = new URL("../../src/cli/main.ts", import.meta.url).pathname
export const simEntry = new URL("../../src/cli/sim.ts", import.meta.url).pathname
/** The checkout, where `npm start` and `npx scoped-exchange` run. */
export const root = new URL("../..", import.meta.url).pathname

/** How a child process ended: an exit code, or the signal that killed it. */
export interface Ended {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface Run {
  readonly child: ChildProcess
  /** stdout alone so far, without colour codes. */
  readonly stdout: () => string
  /**
   * Waits until stdout and stderr are closed at the far end: every process that held them (the
   * child and anything it started, such as the program under `npm start`) has exited.
   */
  readonly closed: (hangAfterMs?: number) => Effect.Effect<void>
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
 * Spawns `command ...args` (its own process group when `detached`, so that a test can signal the
 * whole group as a terminal's Ctrl-C does), killed with SIGKILL when the scope closes if still
 * running.
 */
export const spawnCommand = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: Record<string, string>; readonly detached?: boolean } = {}
) =>
  Effect.acquireRelease(
    Effect.sync((): Run => {
      const child = spawn(command, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1", ...options.env },
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        detached: options.detached ?? false
      })
      let output = ""
      let stdout = ""
      child.stdout!.on("data", (d: Buffer) => {
        output += d.toString()
        stdout += d.toString()
      })
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()))
      const ended = new Promise<Ended>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })))
      const closed = Promise.all([
        new Promise((resolve) => child.stdout!.on("close", resolve)),
        new Promise((resolve) => child.stderr!.on("close", resolve))
      ])
      const clean = () => output.replace(/\x1b\[[0-9;]*m/g, "")
      const within = <A>(promise: Promise<A>, hangAfterMs: number, what: string) =>
        Effect.promise(() =>
          Promise.race([
            promise,
            new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), hangAfterMs).unref())
          ])
        ).pipe(
          Effect.flatMap((end) =>
            end === "hung"
              ? Effect.die(new Error(`${what} after ${hangAfterMs} ms:\n${clean()}`))
              : Effect.succeed(end as A)
          )
        )
      const endedWithin = (hangAfterMs = 20_000) => within(ended, hangAfterMs, "process still running")
      return {
        child,
        output: clean,
        stdout: () => stdout.replace(/\x1b\[[0-9;]*m/g, ""),
        closed: (hangAfterMs = 20_000) => Effect.asVoid(within(closed, hangAfterMs, "output still held open")),
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

/** Spawns `node ...nodeArgs entry ...args` on the checkout's Node 24. */
export const spawnEntry = (entry: string, args: ReadonlyArray<string>, nodeArgs: ReadonlyArray<string> = []) =>
  spawnCommand(node, [...nodeArgs, entry, ...args])

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

/** A standalone simulator (`npm run sim -- --port 0`, `--seed` when given), its URLs read from its start line. */
export const standaloneSimSeeded = (seed?: number) =>
  Effect.gen(function*() {
    const sim = yield* spawnEntry(simEntry, ["--port", "0", ...(seed === undefined ? [] : ["--seed", String(seed)])])
    yield* sim.waitFor(/sim rest=\S+ ws=\S+/)
    const match = /sim rest=(\S+) ws=(\S+)/.exec(sim.output())!
    return { sim, restUrl: match[1]!, wsUrl: match[2]! }
  })

/** A standalone simulator (`npm run sim -- --port 0`), its URLs read from its start line. */
export const standaloneSim = standaloneSimSeeded()

/** The demo account's open orders on HIFIUSDT, asked of the simulator over signed REST. */
export const openOrders = (restUrl: string) =>
  Effect.promise(async () => {
    const query = MexcSigning.signQuery(Redacted.make("sim-secret"), { symbol: "HIFIUSDT" }, Date.now())
    const response = await fetch(`${restUrl}/api/v3/openOrders?${query}`, { headers: { "X-MEXC-APIKEY": "sim-key" } })
    return (await response.json()) as ReadonlyArray<{ readonly orderId: string }>
  })
