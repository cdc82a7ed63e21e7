/**
 * 5. CPU per 1,000 updates at the venue's real cadence: the simulator (its own process) pushes
 * the 10 ms depth channel of 1, 3 and 10 symbols, about 100 updates per symbol per second, as
 * MEXC does; raw `ws` (+ the same decoder, book sync and book + an EventEmitter: `support/RawBook.ts`), ours
 * (`MexcPublic`: order-book streams) and ccxt pro
 * (`watchOrderBook`) each run in a process of their own, at the same time, on the same market, and
 * report their CPU time (user + system) and the updates their consumer got, per window. At this
 * rate the fixed per-batch costs decide, not the per-message ones: this is the figure that says
 * how many strategies fit on a core.
 *
 * The floor runs beside them: a bare `ws` client that only counts the frames it is woken for (no
 * decode, no book), the least any client on this channel pays; raw's distance from it is what a
 * ratio to raw is made of, shown as `floor` in the row. Windows are paired by index (the processes
 * run at the same time), and a row says met or missed only from `minPairs` (20) paired windows,
 * judged on the median of the paired ratios; with fewer it says n/a.
 *
 * Lifecycle tracking costs only per fiber started; ours counts the fibers started while
 * streaming, and the `lifecycle` suite measures the price of one.
 *
 * Run alone with `node bench/cadence.ts`, or as part of `npm run bench`.
 */
import { Effect, References } from "effect"
import { runClient } from "./support/ClientProcess.ts"
import { figure, minPairs, pairedRatio, type Row, verdict } from "./Report.ts"
import { startSimServer } from "./support/SimServer.ts"
import { size, type Suite } from "./Suite.ts"

// 20 windows of 2 s rather than 3 of 8: a verdict pools at least `minPairs` paired windows.
const SECONDS = size("CADENCE_SECONDS", 2, 2)
const WINDOWS = size("CADENCE_WINDOWS", minPairs, 1)
const WARMUP = size("CADENCE_WARMUP_SECONDS", 3, 2)
/** `CADENCE_SYMBOLS=1,3`: only these symbol counts. */
const SYMBOL_COUNTS = (process.env.CADENCE_SYMBOLS ?? "1,3,10").split(",").map(Number)
const variants = ["raw", "ours", "ccxt", "floor"] as const

interface Window {
  readonly cpuMs: number
  readonly updates: number
  readonly fibers: number
  readonly ms: number
}

const client = (variant: string, config: object) =>
  runClient<Window>(new URL("./support/cadence-client.ts", import.meta.url), variant, config)

export const cadence = Effect.scoped(Effect.gen(function*() {
  const sim = yield* startSimServer
  const rows: Array<Row> = []
  for (const n of SYMBOL_COUNTS) {
    const config = {
      restUrl: sim.restUrl,
      wsUrl: sim.wsUrl,
      symbols: sim.symbols.slice(0, n),
      warmupSeconds: WARMUP,
      seconds: SECONDS,
      windows: WINDOWS
    }
    const results = yield* Effect.all(variants.map((v) => client(v, config)), { concurrency: "unbounded" })
    const perK = (ws: ReadonlyArray<Window>) => ws.map((w) => (w.cpuMs / Math.max(1, w.updates)) * 1000)
    // Paired by window index: a client that measured fewer windows limits the pairs.
    const pairs = Math.min(...results.map((ws) => ws.length))
    const [raw, ours, ccxt, floor] = results.map((ws) => perK(ws.slice(0, pairs))) as [Array<number>, Array<number>, Array<number>, Array<number>]
    const oursF = figure(ours, "ms CPU")
    const rawF = figure(raw, "ms CPU")
    const ccxtF = figure(ccxt, "ms CPU")
    const floorF = figure(floor, "ms CPU")
    const ratio = pairedRatio("raw ws", ours, raw)
    const vsCcxt = pairedRatio("ccxt", ours, ccxt)
    const floorVsRaw = pairedRatio("raw ws", floor, raw)
    const updatesPerSecond = results.map((ws) => Math.round(ws.reduce((a, w) => a + w.updates / (w.ms / 1000), 0) / ws.length))
    const oursWindows = results[1]!
    const fibersPerK = (oursWindows.reduce((a, w) => a + w.fibers, 0) / Math.max(1, oursWindows.reduce((a, w) => a + w.updates, 0))) * 1000
    rows.push({
      group: 5,
      what: `CPU per 1,000 updates, ${n} symbol${n > 1 ? "s" : ""} on the 10 ms depth channel`,
      ours: oursF,
      baselines: { "raw ws": rawF, ccxt: ccxtF, "floor (bare ws wake-up)": floorF },
      ratio,
      target: { text: "<= 1.2x raw and below ccxt (medians of paired windows)", met: verdict(pairs, ratio.value <= 1.2 && vsCcxt.value < 1) },
      note: `${pairs} paired windows of ${SECONDS} s; floor ${floorVsRaw.value.toFixed(2)}x raw ` +
        `(${floorVsRaw.min.toFixed(2)}–${floorVsRaw.max.toFixed(2)}); vs ccxt ${vsCcxt.value.toFixed(2)}x; ` +
        `updates/s raw ${updatesPerSecond[0]}, ours ${updatesPerSecond[1]}, ccxt ${updatesPerSecond[2]}, floor frames ${updatesPerSecond[3]}; ` +
        `ours starts ${fibersPerK.toFixed(2)} fibers per 1,000 updates`
    })
    console.log(
      `cadence ${n}: per 1,000 updates floor ${floorF.value.toFixed(1)} ms, raw ${rawF.value.toFixed(1)} ms, ours ${oursF.value.toFixed(1)} ms, ` +
        `ccxt ${ccxtF.value.toFixed(1)} ms; paired over ${pairs} windows: ours ${ratio.value.toFixed(2)}x raw ` +
        `(${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}), floor ${floorVsRaw.value.toFixed(2)}x raw; ` +
        `${updatesPerSecond.join("/")} updates/s (raw/ours/ccxt/floor frames); ${fibersPerK.toFixed(2)} fibers/1k`
    )
  }
  return rows
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "cadence",
  description: "CPU per 1,000 updates at the venue's cadence vs raw ws and ccxt",
  run: () => Effect.runPromise(cadence)
}

if (import.meta.main) await suite.run()
