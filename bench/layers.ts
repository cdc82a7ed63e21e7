/**
 * 5, by layer: where our CPU per update at the venue's cadence goes. Five clients keep the same
 * order book of one symbol on the simulator's 10 ms depth channel, each in a process of its own,
 * at the same time (`support/layers-client.ts`): raw `ws`, then our `Connection`, then
 * `+ MessageQueue`, then `+ StreamHub` and a subscriber stream, then the whole `MexcPublic`.
 * Each row is CPU time per 1,000 updates and its ratio to raw, paired per window; the step from
 * one row to the next is what that layer costs per update.
 *
 * Run alone with `node bench/layers.ts`, or as part of `npm run bench`.
 */
import { Effect, References } from "effect"
import { runClient } from "./support/ClientProcess.ts"
import { figure, pairedRatio, type Row } from "./Report.ts"
import { startSimServer } from "./support/SimServer.ts"
import { size, type Suite } from "./Suite.ts"

const SECONDS = size("LAYERS_SECONDS", 8, 2)
const WINDOWS = size("LAYERS_WINDOWS", 4, 1)
const WARMUP = size("LAYERS_WARMUP_SECONDS", 3, 2)
const layers = ["raw", "connection", "queue", "hub", "exchange"] as const
const described: Record<(typeof layers)[number], string> = {
  raw: "raw ws",
  connection: "Connection",
  queue: "Connection + MessageQueue",
  hub: "Connection + MessageQueue + StreamHub + a stream",
  exchange: "the whole MexcPublic orderBook stream"
}

interface Window {
  readonly cpuMs: number
  readonly updates: number
}

const client = (variant: string, config: object) =>
  runClient<Window>(new URL("./support/layers-client.ts", import.meta.url), variant, config)

export const byLayer = Effect.scoped(Effect.gen(function*() {
  const sim = yield* startSimServer
  const config = { restUrl: sim.restUrl, wsUrl: sim.wsUrl, symbol: sim.symbols[0], warmupSeconds: WARMUP, seconds: SECONDS, windows: WINDOWS }
  const results = yield* Effect.all(layers.map((layer) => client(layer, config)), { concurrency: "unbounded" })
  const perK = results.map((ws) => ws.map((w) => (w.cpuMs / Math.max(1, w.updates)) * 1000))
  const raw = perK[0]!
  const rows: Array<Row> = []
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i]!
    const ratio = pairedRatio("raw ws", perK[i]!, raw)
    rows.push({
      group: 5,
      what: `CPU per 1,000 updates by layer: ${described[layer]}`,
      ours: figure(perK[i]!, "ms CPU"),
      baselines: { "raw ws": figure(raw, "ms CPU") },
      ratio,
      note: `1 symbol, 10 ms depth; the same book code in every layer; ${WINDOWS} windows of ${SECONDS} s`
    })
    console.log(`layers: ${layer.padEnd(10)} ${ratio.value.toFixed(2)}x raw (${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)})`)
  }
  return rows
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "layers",
  description: "CPU per update at the venue's cadence, layer by layer",
  run: () => Effect.runPromise(byLayer)
}

if (import.meta.main) await suite.run()
