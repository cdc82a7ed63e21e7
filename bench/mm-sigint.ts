/**
 * SIGINT-to-exit of `mm --cycles 0` at random moments of its cycles, against a standalone
 * simulator, and the demo account's open orders after each stop (asked of the simulator over
 * signed REST: must be 0 every time).
 *
 * ```sh
 * node_modules/.bin/node bench/mm-sigint.ts          # 20 runs
 * MM_SIGINT_RUNS=5 node_modules/.bin/node bench/mm-sigint.ts
 * ```
 *
 * Each run starts `mm`, waits for its first order to be placed, then waits a random 0-3 s (so the
 * signal lands while a quote rests, during a re-quote, right after a fill, or between legs) and
 * sends SIGINT. Also reports `npm start` (one cycle on the embedded simulator) from launch to exit.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { Redacted } from "effect"
import { MexcSigning } from "../src/venues/mexc/index.ts"

const RUNS = Number(process.env.MM_SIGINT_RUNS ?? 20)
const node = process.execPath
const root = new URL("..", import.meta.url).pathname
const main = new URL("../src/cli/main.ts", import.meta.url).pathname
const simEntry = new URL("../src/cli/sim.ts", import.meta.url).pathname

const collect = (child: ChildProcess) => {
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  return () => output
}

const waitFor = async (output: () => string, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> => {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    const match = pattern.exec(output())
    if (match !== null) return match
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output()}`)
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.on("exit", (code) => resolve(code))
  })

const openOrders = async (restUrl: string): Promise<number> => {
  const query = MexcSigning.signQuery(Redacted.make("sim-secret"), { symbol: "HIFIUSDT" }, Date.now())
  const response = await fetch(`${restUrl}/api/v3/openOrders?${query}`, { headers: { "X-MEXC-APIKEY": "sim-key" } })
  const body = (await response.json()) as ReadonlyArray<unknown>
  return body.length
}

const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

const npmStart = async () => {
  const started = performance.now()
  const child = spawn("npm", ["start", "--silent"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
  const output = collect(child)
  const code = await exited(child)
  return { ms: performance.now() - started, code, output: output() }
}

const sim = spawn(node, [simEntry, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] })
const simOutput = collect(sim)
try {
  const start = await npmStart()
  console.log(`npm start: exit ${start.code} after ${Math.round(start.ms)} ms (launch to exit)`)
  if (start.code !== 0) console.log(start.output)

  const [, restUrl, wsUrl] = await waitFor(simOutput, /sim rest=(\S+) ws=(\S+)/, 30_000)
  const times: Array<number> = []
  const open: Array<number> = []
  const codes: Array<number | null> = []
  for (let run = 1; run <= RUNS; run++) {
    const mm = spawn(node, [main, "mm", "--cycles", "0", "--rest-url", restUrl!, "--ws-url", wsUrl!], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" }
    })
    const output = collect(mm)
    await waitFor(output, /placed \(/, 60_000)
    const delay = Math.random() * 3000
    await new Promise((resolve) => setTimeout(resolve, delay))
    const signalledAt = performance.now()
    mm.kill("SIGINT")
    const code = await exited(mm)
    const ms = performance.now() - signalledAt
    const left = await openOrders(restUrl!)
    times.push(ms)
    open.push(left)
    codes.push(code)
    const phase = /.*(placed|filled|canceled|quoting again)[^\n]*\n?(?![\s\S]*(placed|filled|canceled))/.exec(output())?.[1] ?? "?"
    console.log(
      `run ${String(run).padStart(2)}: signal at +${Math.round(delay)} ms (last: ${phase}), exit ${code} after ${Math.round(ms)} ms, open orders after: ${left}`
    )
    if (code !== 130 || left !== 0) console.log(output())
  }
  console.log(
    `SIGINT to exit over ${RUNS} runs: p50 ${Math.round(percentile(times, 0.5))} ms, max ${Math.round(Math.max(...times))} ms; ` +
      `exit codes ${[...new Set(codes)].join(", ")}; open orders after a stop: max ${Math.max(...open)}, total ${open.reduce((a, b) => a + b, 0)}`
  )
} finally {
  sim.kill("SIGINT")
  await exited(sim)
}
