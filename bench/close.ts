/**
 * 7. Close to exit: a process with a private stream open closes its client and should then end
 * by itself, with nothing left running. Each run is a fresh process (`support/close-app.ts`);
 * the figure is the time from `closing` to the process's exit, or "did not exit" when it was
 * still running after `CLOSE_CAP_SECONDS` (then it is killed). Ours and ccxt alternate.
 *
 * Run alone with `node bench/close.ts`, or as part of `npm run bench`.
 */
import { spawn } from "node:child_process"
import { Effect, References } from "effect"
import { figure, type Row } from "./Report.ts"
import { startSimServer, type SimServer } from "./support/SimServer.ts"
import { size, type Suite } from "./Suite.ts"

const RUNS = size("CLOSE_RUNS", 2, 1)
const CAP_SECONDS = size("CLOSE_CAP_SECONDS", 5, 3)

/** Milliseconds from `closing` to exit, or `undefined` when it had to be killed. */
const oneRun = (variant: string, sim: SimServer) =>
  Effect.callback<number | undefined>((resume) => {
    const child = spawn(process.execPath, [new URL("./support/close-app.ts", import.meta.url).pathname, variant, JSON.stringify(sim)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let closingAt = 0
    let killed = false
    let cap: NodeJS.Timeout | undefined
    child.stdout.on("data", (chunk: Buffer) => {
      if (closingAt === 0 && chunk.toString().includes("closing")) {
        closingAt = performance.now()
        cap = setTimeout(() => {
          killed = true
          child.kill("SIGKILL")
        }, CAP_SECONDS * 1000)
      }
    })
    child.on("exit", () => {
      clearTimeout(cap)
      resume(Effect.succeed(killed || closingAt === 0 ? undefined : performance.now() - closingAt))
    })
  })

export const closeToExit = Effect.scoped(Effect.gen(function*() {
  const sim = yield* startSimServer
  const info: SimServer = { restUrl: sim.restUrl, wsUrl: sim.wsUrl, apiKey: sim.apiKey, apiSecret: sim.apiSecret, symbols: sim.symbols }
  const times: Record<string, Array<number | undefined>> = { ours: [], ccxt: [] }
  for (let r = 0; r < RUNS; r++) {
    for (const variant of ["ours", "ccxt"]) times[variant]!.push(yield* oneRun(variant, info))
  }
  const exited = (xs: ReadonlyArray<number | undefined>) => xs.filter((x): x is number => x !== undefined)
  const ours = exited(times.ours!)
  const ccxt = exited(times.ccxt!)
  const describe = (xs: ReadonlyArray<number | undefined>) =>
    `${xs.length - exited(xs).length} of ${xs.length} runs did not exit within ${CAP_SECONDS} s`
  const rows: Array<Row> = [{
    group: 7,
    what: "close() to process exit, private stream open",
    ours: ours.length > 0 ? figure(ours, "ms") : undefined,
    baselines: ccxt.length > 0 ? { ccxt: figure(ccxt, "ms") } : {},
    target: {
      text: "exits, faster than ccxt",
      met: ours.length === RUNS && (ccxt.length < RUNS || Math.max(...ours) < Math.min(...ccxt))
    },
    note: `ours: PrivateExchange (Venue.layer) with orderUpdates held; ours ${describe(times.ours!)}; ccxt ${describe(times.ccxt!)}`
  }]
  console.log(`close to exit: ours ${JSON.stringify(times.ours)}, ccxt ${JSON.stringify(times.ccxt)}`)
  return rows
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "close",
  description: "close() to exit with a private stream open vs ccxt",
  run: () => Effect.runPromise(closeToExit)
}

if (import.meta.main) await suite.run()
