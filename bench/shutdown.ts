/**
 * 4. Shutdown latency: SIGINT to process exit for an app with 2 connections, 100 subscriptions and
 * full queues (see `support/shutdown-app.ts`), over several runs, with the exit codes seen (130: a
 * clean stop on SIGINT, as the CLI reports it).
 *
 * Run alone with `node bench/shutdown.ts`, or as part of `npm run bench`.
 */
import { spawn } from "node:child_process"
import { Effect, References } from "effect"
import { figure, type Row } from "./Report.ts"
import { startFeedServer } from "./support/FeedServer.ts"
import { median, size, type Suite } from "./Suite.ts"

const RUNS = size("SHUTDOWN_RUNS", 10, 2)

export interface ShutdownResult {
  readonly runs: number
  readonly p50Ms: number
  readonly maxMs: number
  readonly exitCodes: ReadonlyArray<number | null>
  readonly times: ReadonlyArray<number>
}

const oneRun = (port: number) =>
  Effect.callback<{ ms: number; code: number | null }>((resume) => {
    const child = spawn(process.execPath, [new URL("./support/shutdown-app.ts", import.meta.url).pathname, String(port)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let signalledAt = 0
    child.stdout.on("data", (chunk: Buffer) => {
      if (signalledAt === 0 && chunk.toString().includes("ready")) {
        signalledAt = performance.now()
        child.kill("SIGINT")
      }
    })
    child.on("exit", (code) => resume(Effect.succeed({ ms: performance.now() - signalledAt, code })))
  })

export const shutdownLatency = Effect.scoped(Effect.gen(function*() {
  const server = yield* startFeedServer
  const times: Array<number> = []
  const exitCodes: Array<number | null> = []
  for (let i = 0; i < RUNS; i++) {
    const { code, ms } = yield* oneRun(server.port)
    times.push(ms)
    exitCodes.push(code)
  }
  return { runs: RUNS, p50Ms: median(times), maxMs: Math.max(...times), exitCodes, times } satisfies ShutdownResult
}))

export const printShutdown = (r: ShutdownResult) =>
  console.log(
    `shutdown, SIGINT to exit (2 connections, 100 subscriptions, full queues): p50 ${r.p50Ms.toFixed(1)} ms, ` +
      `max ${r.maxMs.toFixed(1)} ms over ${r.runs} runs; exit codes ${[...new Set(r.exitCodes)].join(",")}`
  )

const rows = (r: ShutdownResult): Array<Row> => [{
  group: 4,
  what: "shutdown, SIGINT to exit, 2 connections, 100 subscriptions, full queues",
  ours: figure(r.times, "ms"),
  baselines: {},
  target: { text: "p50 <= 100 ms, exit 130", met: r.p50Ms <= 100 && r.exitCodes.every((c) => c === 130) },
  note: `${r.runs} runs, exit codes ${[...new Set(r.exitCodes)].join(",")}; PublicFeed app (mm --cycles 0 not on main yet)`
}]

export const suite: Suite = {
  name: "shutdown",
  description: "SIGINT to exit with 2 connections, 100 subscriptions, full queues",
  run: () =>
    Effect.runPromise(shutdownLatency.pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))).then((r) => {
      printShutdown(r)
      return rows(r)
    })
}

if (import.meta.main) await suite.run()
