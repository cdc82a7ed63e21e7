/**
 * 4. Shutdown: SIGINT to process exit of the real CLI, `mm --cycles 0`, with an order open or just
 * filled, and 100 public subscriptions live: the market maker quotes HIFIUSDT and follows 33
 * reference markets (`--reference`, each its order book, quotes and trades: 99 channels, plus its
 * own quotes) on a standalone simulator listing 33 more symbols (`sim --extra-symbols 33`, each with
 * a synthetic market on MEXC's 10 ms channels). MEXC takes at most 30 subscriptions per connection,
 * so the 100 channels are 4 public connections; with the private stream, 5.
 *
 * Each run starts `mm` in a fresh process and sends SIGINT at one of three moments, taken in turn:
 * while a quote rests (just after an order was placed), right after a fill, and during a
 * re-quote (just after a cancel because the touch moved). It then checks the exit code (130) and
 * asks the simulator over signed REST for the demo account's open orders (every symbol): 0 after
 * every stop. The exit report of each run gives the public hub's topics (the subscriptions) and how
 * much the public queue still held when it drained.
 *
 * Sizes: `SHUTDOWN_RUNS` (6, `--quick` 3), `SHUTDOWN_REFERENCES` (33).
 *
 * Run alone with `node bench/shutdown.ts`, or as part of `npm run bench`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { Redacted } from "effect"
import { MexcSigning } from "../src/venues/mexc/index.ts"
import { figure, type Row } from "./Report.ts"
import { median, size, type Suite } from "./Suite.ts"

const RUNS = size("SHUTDOWN_RUNS", 6, 3)
const REFERENCES = size("SHUTDOWN_REFERENCES", 33, 33)
/** How long a run waits for its moment before it signals anyway (the moment is then "none"). */
const MOMENT_CAP_MS = 30_000

const node = process.execPath
const main = new URL("../src/cli/main.ts", import.meta.url).pathname
const simEntry = new URL("../src/cli/sim.ts", import.meta.url).pathname

const moments = [
  { name: "quote resting", marker: /(BUY|SELL) [\d.]+ HIFIUSDT @ [\d.]+ placed \(/ },
  { name: "after a fill", marker: /(BUY|SELL) \S+ filled [\d.]+ @/ },
  { name: "re-quote", marker: /canceled \(touch moved/ }
] as const

interface Spawned {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
  /** Resolves as soon as the output (from `from` on) matches `pattern`; false after `timeoutMs`. */
  readonly when: (pattern: RegExp, timeoutMs: number, from?: number) => Promise<boolean>
}

const start = (args: ReadonlyArray<string>): Spawned => {
  const child = spawn(node, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } })
  let output = ""
  const waiters = new Set<() => void>()
  const onData = (d: Buffer) => {
    output += d.toString()
    for (const w of [...waiters]) w()
  }
  child.stdout!.on("data", onData)
  child.stderr!.on("data", onData)
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const when = (pattern: RegExp, timeoutMs: number, from = 0) =>
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (!pattern.test(output.slice(from))) return
        done(true)
      }
      const timer = setTimeout(() => done(false), timeoutMs)
      const done = (ok: boolean) => {
        clearTimeout(timer)
        waiters.delete(check)
        resolve(ok)
      }
      waiters.add(check)
      check()
    })
  return { child, output: () => output, exited, when }
}

const openOrders = async (restUrl: string): Promise<number> => {
  const query = MexcSigning.signQuery(Redacted.make("sim-secret"), {}, Date.now())
  const response = await fetch(`${restUrl}/api/v3/openOrders?${query}`, { headers: { "X-MEXC-APIKEY": "sim-key" } })
  const body = (await response.json()) as ReadonlyArray<unknown>
  return body.length
}

interface Stop {
  readonly moment: string
  readonly ms: number
  readonly code: number | null
  readonly open: number
  /** Public hub topics at close (the subscriptions), from the exit log. */
  readonly topics: number | undefined
  /** Public connections the run used (from the exit report). */
  readonly connections: number
  /** Messages the public queue drained at shutdown. */
  readonly drained: number | undefined
  /** The `mm` component's stop (cancel its open order and confirm it, over REST), from the exit report. */
  readonly mmStopMs: number | undefined
}

const oneRun = async (restUrl: string, wsUrl: string, references: string, moment: (typeof moments)[number]): Promise<Stop> => {
  const mm = start([main, "mm", "--cycles", "0", "--rest-url", restUrl, "--ws-url", wsUrl, "--reference", references])
  try {
    // Started: the first order is placed (every subscription is made before it).
    if (!(await mm.when(/placed \(/, 60_000))) throw new Error(`mm placed no order within 60 s:\n${mm.output()}`)
    const from = mm.output().length
    const reached = moment.name === "quote resting" ? true : await mm.when(moment.marker, MOMENT_CAP_MS, from)
    const signalledAt = performance.now()
    mm.child.kill("SIGINT")
    const code = await mm.exited
    const ms = performance.now() - signalledAt
    const out = mm.output()
    const topics = /hub closed \{ component: 'hub:mexc-public', topics: (\d+)/.exec(out)?.[1]
    const drained = /component: 'queue:mexc-public',\s+drained: (\d+)/.exec(out)?.[1]
    const mmStop = /^  mm\s+(\d+) ms/m.exec(out)?.[1]
    const connections = new Set([...out.matchAll(/connection:mexc-public-(\d+)/g)].map((m) => m[1])).size
    const stop: Stop = {
      moment: reached ? moment.name : "none",
      ms,
      code,
      open: await openOrders(restUrl),
      topics: topics === undefined ? undefined : Number(topics),
      connections,
      drained: drained === undefined ? undefined : Number(drained),
      mmStopMs: mmStop === undefined ? undefined : Number(mmStop)
    }
    if (code !== 130 || stop.open !== 0) console.log(out)
    return stop
  } finally {
    if (mm.child.exitCode === null) mm.child.kill("SIGKILL")
  }
}

export const shutdownRuns = async (): Promise<ReadonlyArray<Stop>> => {
  const sim = start([simEntry, "--port", "0", "--extra-symbols", String(REFERENCES)])
  try {
    if (!(await sim.when(/sim rest=\S+ ws=\S+/, 30_000))) throw new Error(`the simulator did not start:\n${sim.output()}`)
    const [, restUrl, wsUrl] = /sim rest=(\S+) ws=(\S+)/.exec(sim.output())!
    const references = Array.from({ length: REFERENCES }, (_, i) => `SIM${i + 1}USDT`).join(",")
    const stops: Array<Stop> = []
    for (let run = 0; run < RUNS; run++) {
      const stop = await oneRun(restUrl!, wsUrl!, references, moments[run % moments.length]!)
      stops.push(stop)
      console.log(
        `shutdown run ${run + 1}: SIGINT (${stop.moment}) to exit ${stop.ms.toFixed(0)} ms, exit ${stop.code}, ` +
          `open orders after ${stop.open}, ${stop.topics} subscriptions on ${stop.connections} public connections, ` +
          `public queue drained ${stop.drained}, mm's stop (cancel + confirm) ${stop.mmStopMs} ms`
      )
    }
    return stops
  } finally {
    sim.child.kill("SIGINT")
    await sim.exited
  }
}

const rows = (stops: ReadonlyArray<Stop>): Array<Row> => {
  const times = stops.map((s) => s.ms)
  const codes = [...new Set(stops.map((s) => s.code))]
  const open = stops.reduce((a, s) => a + s.open, 0)
  const byMoment = moments.map((m) => {
    const ms = stops.filter((s) => s.moment === m.name).map((s) => s.ms)
    return ms.length === 0 ? `${m.name} -` : `${m.name} ${median(ms).toFixed(0)}`
  })
  const missed = stops.filter((s) => s.moment === "none").length
  const topics = [...new Set(stops.map((s) => s.topics))].join("/")
  const connections = [...new Set(stops.map((s) => s.connections))].join("/")
  const drained = Math.max(...stops.map((s) => s.drained ?? 0))
  const mmStops = stops.flatMap((s) => s.mmStopMs === undefined ? [] : [s.mmStopMs])
  const rest = stops.flatMap((s) => s.mmStopMs === undefined ? [] : [s.ms - s.mmStopMs])
  return [{
    group: 4,
    what: `shutdown of mm --cycles 0, SIGINT to exit, ${topics} subscriptions on ${connections} public connections + private, orders open`,
    ours: figure(times, "ms"),
    baselines: {},
    target: {
      text: "p50 <= 100 ms, exit 130, 0 open orders",
      met: median(times) <= 100 && codes.length === 1 && codes[0] === 130 && open === 0
    },
    note: `${stops.length} runs, max ${Math.max(...times).toFixed(0)} ms; p50 by moment (ms): ${byMoment.join(", ")}; ` +
      `of which mm's stop (cancel + confirm over REST) p50 ${mmStops.length === 0 ? "-" : median(mmStops).toFixed(0)} ms, ` +
      `the rest (signal to interrupt, references and their 4 connections' close handshakes, private stream, listen key, exit) p50 ${rest.length === 0 ? "-" : median(rest).toFixed(0)} ms` +
      `${missed > 0 ? `; ${missed} runs signalled at a cap before their moment` : ""}; exit codes ${codes.join(",")}; ` +
      `open orders after all stops ${open}; public queue held at most ${drained} messages at shutdown (not full: the sim's cadence does not fill it)`
  }]
}

export const suite: Suite = {
  name: "shutdown",
  description: "SIGINT to exit of mm --cycles 0 with 100 subscriptions and orders open, exit code and open orders after",
  run: async () => rows(await shutdownRuns())
}

if (import.meta.main) console.log(JSON.stringify(await suite.run(), null, 1))
