/**
 * The bench runner: `npm run bench [-- [--quick] [suite...]]`. `npm run bench -- --help` lists the
 * suites.
 *
 * Each suite measures our code side by side with its baselines (raw `ws`, a bare `fetch` client,
 * ccxt) in the same run, alternating rounds so that machine noise hits both alike, and returns
 * rows: medians with their ranges over rounds, the ratio, and the target from `DESIGN.md`, met or
 * missed. At the end the runner prints every row as one table and writes the same rows as JSON to
 * `bench/results/<time>.json`, with the machine's core count, CPU, load and Node version.
 *
 * The default run (the suites of the table) takes about 6 minutes on 2 quiet cores (more when busy). `--quick` shrinks every
 * suite (rounds, durations) to check that it works, not to measure. Figures are measured on
 * whatever machine runs them; nothing here asserts a target.
 */
import * as FS from "node:fs"
import * as OS from "node:os"
import * as Path from "node:path"
import { type Row, table } from "./Report.ts"
import type { Suite } from "./Suite.ts"

interface Entry {
  readonly name: string
  readonly description: string
  /** In the default run (the table), or only when named. */
  readonly inTable: boolean
  /** The suite's module exports `suite`. */
  readonly load: () => Promise<Suite>
}

const entries: ReadonlyArray<Entry> = [
  { name: "feed", inTable: true, description: "1. feed throughput with order books, 1/4/16 subscribers, vs raw ws (+ same decoder, book sync and book + EventEmitter) and ccxt", load: () => import("./feed.ts").then((m) => m.suite) },
  { name: "latency", inTable: true, description: "2. send-to-subscriber latency p50/p99/p99.9 at 20,000 msg/s paced, vs raw ws and ccxt", load: () => import("./latency.ts").then((m) => m.suite) },
  { name: "order", inTable: true, description: "3. order round trip (place, ack, cancel) on the simulator, vs bare fetch and ccxt", load: () => import("./order.ts").then((m) => m.suite) },
  { name: "shutdown", inTable: true, description: "4. SIGINT to exit of mm --cycles 0 (100 subscriptions, orders open), exit 130, 0 open orders after", load: () => import("./shutdown.ts").then((m) => m.suite) },
  { name: "cadence", inTable: true, description: "5. CPU per 1,000 book updates at the venue's cadence (1/3/10 symbols, 10 ms channels), vs raw ws and ccxt", load: () => import("./cadence.ts").then((m) => m.suite) },
  { name: "layers", inTable: true, description: "5. the same, layer by layer: raw ws, + Connection, + MessageQueue, + StreamHub, the whole MexcPublic", load: () => import("./layers.ts").then((m) => m.suite) },
  { name: "lifecycle", inTable: true, description: "5. lifecycle tracking cost per fork, inside a component vs outside", load: () => import("./lifecycle.ts").then((m) => m.suite) },
  { name: "memory", inTable: true, description: "6. heap and RSS growth from 10 to 1,000 forced reconnects (100 subscriptions), vs raw ws", load: () => import("./reconnect.ts").then((m) => m.suite) },
  { name: "close", inTable: true, description: "7. close() to process exit with a private stream open, vs ccxt", load: () => import("./close.ts").then((m) => m.suite) },
  { name: "pipeline", inTable: true, description: "in-process queue -> hub -> subscriber, CPU per one-frame batch (the per-batch fixed cost)", load: () => import("./pipeline.ts").then((m) => m.suite) },
  { name: "venues", inTable: false, description: "Gate vs MEXC on the embedded simulators: order round trip (place, ack, cancel) and book resync after a gap, p50/p99", load: () => import("./venues.ts").then((m) => m.suite) },
  { name: "hub", inTable: false, description: "StreamHub fan-out vs EventEmitter (component)", load: () => import("./hub.ts").then((m) => m.suite) },
  { name: "queue", inTable: false, description: "MessageQueue throughput vs an Effect Queue loop (component)", load: () => import("./queue.ts").then((m) => m.suite) },
  { name: "ratelimit", inTable: false, description: "RateLimiter.take overhead when not limited (component)", load: () => import("./ratelimit.ts").then((m) => m.suite) },
  { name: "protobuf", inTable: false, description: "MEXC push decode, ts-proto vs protobufjs (component)", load: () => import("./protobuf.ts").then((m) => m.suite) }
]

const help = (): string =>
  [
    "usage: npm run bench -- [--quick] [--no-save] [suite...]",
    "",
    "Runs the named suites, or every suite of the table (marked *) when none is named; `all` runs every suite.",
    "Prints one table (ours, baselines, ratio, target met or missed) and writes it as JSON to bench/results/.",
    "",
    "  --quick    short rounds and durations: checks that the suites work; the figures mean little",
    "  --no-save  do not write bench/results/<time>.json",
    "  --help     this text",
    "",
    "suites:",
    ...entries.map((e) => `  ${e.inTable ? "*" : " "} ${e.name.padEnd(10)} ${e.description}`)
  ].join("\n")

const args = process.argv.slice(2)
const flags = new Set(args.filter((a) => a.startsWith("-")))
const names = args.filter((a) => !a.startsWith("-"))
const knownFlags = new Set(["--quick", "--no-save", "--help", "-h"])
const badFlags = [...flags].filter((f) => !knownFlags.has(f))
const unknown = names.filter((n) => n !== "all" && !entries.some((e) => e.name === n))

if (flags.has("--help") || flags.has("-h")) {
  console.log(help())
} else if (badFlags.length > 0 || unknown.length > 0) {
  console.error(`unknown ${[...badFlags, ...unknown].join(", ")}\n\n${help()}`)
  process.exitCode = 2
} else {
  const quick = flags.has("--quick")
  // Suites read their sizes from the environment when their module loads.
  if (quick) process.env.BENCH_QUICK = "1"
  const selected = names.length === 0
    ? entries.filter((e) => e.inTable)
    : names.includes("all") ? entries : entries.filter((e) => names.includes(e.name))
  const loadBefore = OS.loadavg()
  const started = performance.now()
  const rows: Array<Row> = []
  const ran: Array<{ name: string; seconds: number; error?: string }> = []
  console.log(
    `bench: node ${process.version}, ${OS.availableParallelism()} cores (${OS.cpus()[0]?.model ?? "?"}), ` +
      `load ${loadBefore.map((l) => l.toFixed(2)).join(" ")}${quick ? ", QUICK (figures are not measurements)" : ""}`
  )
  for (const entry of selected) {
    console.log(`\n# ${entry.name}: ${entry.description}`)
    const at = performance.now()
    try {
      const suite = await entry.load()
      const out = await suite.run()
      if (out) rows.push(...out)
      ran.push({ name: entry.name, seconds: (performance.now() - at) / 1000 })
    } catch (error) {
      process.exitCode = 1
      console.error(`suite ${entry.name} failed:`, error)
      ran.push({ name: entry.name, seconds: (performance.now() - at) / 1000, error: String(error) })
    }
    console.log(`(${entry.name}: ${((performance.now() - at) / 1000).toFixed(1)} s)`)
  }
  const seconds = (performance.now() - started) / 1000
  const loadAfter = OS.loadavg()
  rows.sort((a, b) => (a.group || 99) - (b.group || 99))
  if (rows.length > 0) console.log(`\n${table(rows)}`)
  console.log(
    `\nbench done in ${seconds.toFixed(1)} s (node ${process.version}, ${OS.availableParallelism()} cores, ` +
      `load before ${loadBefore.map((l) => l.toFixed(2)).join(" ")}, after ${loadAfter.map((l) => l.toFixed(2)).join(" ")})`
  )
  if (!flags.has("--no-save")) {
    const dir = new URL("./results/", import.meta.url).pathname
    FS.mkdirSync(dir, { recursive: true })
    const file = Path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}${quick ? "-quick" : ""}.json`)
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cores: OS.availableParallelism(),
      cpu: OS.cpus()[0]?.model,
      platform: `${OS.platform()} ${OS.release()}`,
      quick,
      load: { before: loadBefore, after: loadAfter },
      seconds,
      suites: ran,
      rows
    }
    FS.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
    console.log(`results: ${Path.relative(process.cwd(), file)}`)
  }
}
