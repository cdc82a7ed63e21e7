/**
 * 6. Memory over forced reconnects, with 100 subscriptions replayed on every reconnect: heap and
 * RSS after 10 and after `RECONNECTS` (1,000) reconnects, and the time from the drop to every
 * connection open again.
 *
 * The venue is a standalone simulator (`sim --extra-symbols 50`, a child process) whose admin
 * endpoint drops every WebSocket connection on request (TCP destroyed, no close frame). The
 * clients hold the quotes (book ticker) and trades (deals) of 50 symbols: 100 channels, which MEXC
 * spreads over 4 connections (at most 30 each), live data flowing at the simulator's cadence.
 *
 * - `ours`: the `PublicExchange` (MexcPublic: connection pool, queue, router, hub), one stream per
 *   channel held for the whole run, reconnecting with a 1 ms backoff; a reconnect is done when
 *   every connection logged `open` again (counted by a logger that keeps nothing: the exchange
 *   does not say how many of its connections are open, see the note in `toRows`).
 * - `raw ws`: 4 bare `ws` clients that redial 1 ms after a close and resend their subscriptions,
 *   and do nothing with the data (the least a hand-written client does).
 *
 * The measurement, so that the figure is about what is retained and not about V8's sizing:
 * - each round is a fresh process per variant, rounds alternate between the variants;
 * - the young generation is pinned (`--min-semi-space-size` = `--max-semi-space-size` = 2 MB): V8
 *   otherwise grows it (up to 64 MB committed) when allocation is fast, which shows as RSS without
 *   anything retained;
 * - a sample is taken after a settle of 300 ms without reconnects and three forced full GCs;
 * - growth is from the sample after 10 reconnects (everything warmed up: JIT, pools, buffers) to
 *   the one after 1,000, so start-up allocation does not count. Heap is the leak signal (what
 *   survives a full GC); RSS also counts code space and the allocator's free lists.
 *
 * Sizes: `RECONNECTS` (1,000, `--quick` 100), `MEMORY_ROUNDS` (2, `--quick` 1).
 *
 * Run with `node bench/reconnect.ts`, or as part of `npm run bench`.
 */
import { execFile, spawn } from "node:child_process"
import { Effect, Layer, Logger, References, Stream } from "effect"
import WebSocket from "ws"
import { PublicExchange } from "../src/exchange/PublicExchange.ts"
import * as MexcPublic from "../src/venues/mexc/MexcPublic.ts"
import * as MexcRest from "../src/venues/mexc/MexcRest.ts"
import * as Quotas from "../src/venues/mexc/Quotas.ts"
import * as Protocol from "../src/socket/Protocol.ts"
import * as MexcProtocol from "../src/venues/mexc/MexcProtocol.ts"
import { figure, type Row } from "./Report.ts"
import { median, percentile, size, type Suite } from "./Suite.ts"

const RECONNECTS = size("RECONNECTS", 1_000, 100)
const ROUNDS = size("MEMORY_ROUNDS", 2, 1)
const EARLY = 10
/** After this many the JIT has compiled the reconnect path: heap growth from here on is retention. */
const WARM = Math.min(100, Math.floor(RECONNECTS / 2))
const SYMBOLS = 50
const SEMI_SPACE_MB = 2
const symbols = Array.from({ length: SYMBOLS }, (_, i) => `SIM${i + 1}USDT`)
/** The channels `quotes` and `trades` take on MEXC (`PushParse.channelName`). */
const channels = symbols.flatMap((s) => [
  `spot@public.aggre.bookTicker.v3.api.pb@100ms@${s}`,
  `spot@public.aggre.deals.v3.api.pb@100ms@${s}`
])
const PER_CONNECTION = MexcPublic.maxChannelsPerConnection

export interface ReconnectResult {
  readonly variant: string
  readonly p50Ms: number
  readonly p99Ms: number
  /** MB: after 10 reconnects, after `WARM` (100), after all of them. */
  readonly rssMb: readonly [number, number, number]
  readonly heapMb: readonly [number, number, number]
}

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const mb = (bytes: number) => bytes / (1024 * 1024)

/** Heap and RSS after a settle without reconnects and three full GCs. */
const sample = Effect.gen(function*() {
  yield* Effect.sleep("300 millis")
  for (let i = 0; i < 3; i++) {
    gc()
    yield* Effect.sleep("20 millis")
  }
  const m = process.memoryUsage()
  return { rss: mb(m.rss), heap: mb(m.heapUsed) }
})

const drop = (restUrl: string) =>
  Effect.promise(() =>
    fetch(`${restUrl}/sim/faults/drop-connections`, { method: "POST" }).then((r) => {
      // Node keeps a timing entry per fetch (up to 250): the bench's own requests, not the client's.
      performance.clearResourceTimings()
      return r.arrayBuffer()
    })
  )

/** Runs `RECONNECTS` cycles of `cycle`, sampled after 10, after `WARM` and at the end. */
const measure = (variant: string, cycle: Effect.Effect<number>) =>
  Effect.gen(function*() {
    const latencies: Array<number> = []
    const samples: Array<{ rss: number; heap: number }> = []
    for (const upTo of [EARLY, WARM, RECONNECTS]) {
      while (latencies.length < upTo) latencies.push(yield* cycle)
      samples.push(yield* sample)
    }
    return {
      variant,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      rssMb: [samples[0]!.rss, samples[1]!.rss, samples[2]!.rss],
      heapMb: [samples[0]!.heap, samples[1]!.heap, samples[2]!.heap]
    } satisfies ReconnectResult
  })

const ours = (restUrl: string, wsUrl: string) => {
  // Each connection logs "open" (DEBUG) when a session opened and its channels were replayed.
  let opens = 0
  const countOpens = Logger.make<unknown, void>(({ message }) => {
    if ((Array.isArray(message) ? message[0] : message) === "open") opens++
  })
  return Effect.gen(function*() {
    const pub = yield* PublicExchange
    for (const symbol of symbols) {
      yield* pub.quotes(symbol).pipe(Stream.runDrain, Effect.forkScoped)
      yield* pub.trades(symbol).pipe(Stream.runDrain, Effect.forkScoped)
    }
    const connections = Math.ceil(channels.length / PER_CONNECTION)
    const opened = (target: number) =>
      Effect.gen(function*() {
        while (opens < target) yield* Effect.sleep("1 millis")
      })
    yield* opened(connections)
    const cycle = Effect.gen(function*() {
      const target = opens + connections
      const start = performance.now()
      yield* drop(restUrl)
      yield* opened(target)
      return performance.now() - start
    })
    return yield* measure("ours", cycle)
  }).pipe(
    Effect.provide(
      MexcPublic.layerNode({
        venue: "sim",
        url: wsUrl,
        connection: { pingInterval: false, backoff: { initial: "1 millis", max: "1 millis", jitter: 0 } }
      }).pipe(Layer.provide(MexcRest.layerNode({ baseUrl: restUrl }).pipe(Layer.provide(Quotas.layer))))
    ),
    Effect.provide(Logger.layer([countOpens])),
    Effect.provideService(References.MinimumLogLevel, "Debug")
  )
}

const raw = (restUrl: string, wsUrl: string) =>
  Effect.gen(function*() {
    const groups: Array<Array<string>> = []
    for (let i = 0; i < channels.length; i += PER_CONNECTION) groups.push(channels.slice(i, i + PER_CONNECTION))
    let stopped = false
    /** Opens so far (every dial that completed), and who waits for a count. */
    let opens = 0
    let waiter: { readonly target: number; readonly resume: () => void } | undefined
    const sockets: Array<WebSocket | undefined> = groups.map(() => undefined)
    const dial = (g: number) => {
      const ws = new WebSocket(wsUrl)
      ws.on("error", () => {})
      ws.on("message", () => {})
      ws.on("open", () => {
        sockets[g] = ws
        for (const frame of Protocol.subscribeFrames(MexcProtocol.market, groups[g]!)) ws.send(frame)
        opens++
        if (waiter !== undefined && opens >= waiter.target) waiter.resume()
      })
      ws.on("close", () => {
        if (sockets[g] === ws) sockets[g] = undefined
        if (!stopped) setTimeout(() => dial(g), 1)
      })
    }
    const opened = (target: number) =>
      Effect.callback<void>((resume) => {
        if (opens >= target) return resume(Effect.void)
        waiter = { target, resume: () => (waiter = undefined, resume(Effect.void)) }
      })
    yield* Effect.acquireRelease(
      Effect.suspend(() => {
        groups.forEach((_, g) => dial(g))
        return opened(groups.length)
      }),
      () => Effect.sync(() => (stopped = true, sockets.forEach((ws) => ws?.terminate())))
    )
    const cycle = Effect.gen(function*() {
      const target = opens + groups.length
      const start = performance.now()
      yield* drop(restUrl)
      yield* opened(target)
      return performance.now() - start
    })
    return yield* measure("raw ws", cycle)
  })

/** One variant in this process, against the simulator at `restUrl` / `wsUrl`. */
const runVariant = (variant: "ours" | "raw", restUrl: string, wsUrl: string) =>
  Effect.scoped(variant === "ours" ? ours(restUrl, wsUrl) : raw(restUrl, wsUrl))

const startSim = Effect.acquireRelease(
  Effect.callback<{ restUrl: string; wsUrl: string; kill: () => void }>((resume) => {
    const child = spawn(
      process.execPath,
      [new URL("../src/cli/sim.ts", import.meta.url).pathname, "--port", "0", "--extra-symbols", String(SYMBOLS), "--rate-limit", "100000", ...(process.env.MEMORY_MARKET === "1" ? [] : ["--no-market"])],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const m = /sim rest=(\S+) ws=(\S+)/.exec(out)
      if (m !== null) resume(Effect.succeed({ restUrl: m[1]!, wsUrl: m[2]!, kill: () => child.kill("SIGINT") }))
    })
  }),
  (sim) => Effect.sync(() => sim.kill())
)

const inChild = (variant: "ours" | "raw", restUrl: string, wsUrl: string, nodeFlags: ReadonlyArray<string> = []) =>
  Effect.callback<ReconnectResult>((resume) => {
    execFile(
      process.execPath,
      [
        "--expose-gc",
        `--min-semi-space-size=${SEMI_SPACE_MB}`,
        `--max-semi-space-size=${SEMI_SPACE_MB}`,
        ...nodeFlags,
        new URL(import.meta.url).pathname,
        variant,
        restUrl,
        wsUrl
      ],
      { maxBuffer: 1 << 20 },
      (error, stdout) => {
        if (error) return resume(Effect.die(error))
        resume(Effect.succeed(JSON.parse(stdout.trim().split("\n").at(-1)!) as ReconnectResult))
      }
    )
  })

/** `ROUNDS` rounds, each variant in a fresh child process, alternating. */
export const forcedReconnects = Effect.scoped(Effect.gen(function*() {
  const sim = yield* startSim
  const results: Record<"raw" | "ours" | "oursNoJit", Array<ReconnectResult>> = { raw: [], ours: [], oursNoJit: [] }
  for (let r = 0; r < ROUNDS; r++) {
    for (const variant of r % 2 === 0 ? (["raw", "ours"] as const) : (["ours", "raw"] as const)) {
      const result = yield* inChild(variant, sim.restUrl, sim.wsUrl)
      results[variant].push(result)
      console.log(
        `memory round ${r + 1} ${result.variant}: after ${EARLY} / ${WARM} / ${RECONNECTS} reconnects: ` +
          `heap ${result.heapMb.map((x) => x.toFixed(2)).join(" / ")} MB, RSS ${result.rssMb.map((x) => x.toFixed(1)).join(" / ")} MB; ` +
          `reconnect p50 ${result.p50Ms.toFixed(1)} ms`
      )
    }
  }
  // The control: ours once without V8's optimizing compilers (Maglev, TurboFan). What RSS gains
  // there and not here is the compilers' own native memory, not anything the client keeps.
  const noJit = yield* inChild("ours", sim.restUrl, sim.wsUrl, ["--no-opt", "--no-maglev"])
  results.oursNoJit.push(noJit)
  console.log(
    `memory ours without optimizing JIT: heap ${noJit.heapMb.map((x) => x.toFixed(2)).join(" / ")} MB, ` +
      `RSS ${noJit.rssMb.map((x) => x.toFixed(1)).join(" / ")} MB`
  )
  return results
}))

const toRows = (results: Record<"raw" | "ours" | "oursNoJit", ReadonlyArray<ReconnectResult>>): Array<Row> => {
  /** Per round: the growth from sample `from` to the last one. */
  const growth = (xs: ReadonlyArray<ReconnectResult>, of: "rssMb" | "heapMb", from: 0 | 1) => xs.map((x) => x[of][2] - x[of][from])
  const o = results.ours
  const r = results.raw
  const n = RECONNECTS.toLocaleString("en")
  const kb = (mbs: ReadonlyArray<number>) => mbs.map((x) => x * 1024)
  const rssGrowth = growth(o, "rssMb", 0)
  const heapWarmKb = kb(growth(o, "heapMb", 1))
  const bytesPer = (kbs: ReadonlyArray<number>) => ((median(kbs) * 1024) / (RECONNECTS - WARM)).toFixed(0)
  const at = (xs: ReadonlyArray<ReconnectResult>, of: "rssMb" | "heapMb") =>
    [0, 1, 2].map((i) => median(xs.map((x) => x[of][i]!)).toFixed(1)).join(" / ")
  return [
    {
      group: 6,
      what: `RSS growth from ${EARLY} to ${n} forced reconnects, 100 subscriptions on 4 connections (young gen pinned at ${SEMI_SPACE_MB} MB, after GC)`,
      ours: figure(rssGrowth, "MB"),
      baselines: { "raw ws": figure(growth(r, "rssMb", 0), "MB") },
      target: { text: `growth ${EARLY} -> ${n} <= 5 MB`, met: median(rssGrowth) <= 5 },
      note: `RSS after ${EARLY} / ${WARM} / ${n}: ours ${at(o, "rssMb")} MB, raw ${at(r, "rssMb")} MB; ${o.length} rounds; ` +
        `ours without V8's optimizing JIT (--no-opt --no-maglev, 1 run): ${at(results.oursNoJit, "rssMb")} MB, ` +
        `growth ${growth(results.oursNoJit, "rssMb", 0)[0]!.toFixed(1)} MB`
    },
    {
      group: 6,
      what: `heap growth from ${WARM} to ${n} forced reconnects (the leak signal; ${EARLY} -> ${WARM} is mostly JIT code)`,
      ours: figure(heapWarmKb, "KB"),
      baselines: { "raw ws": figure(kb(growth(r, "heapMb", 1)), "KB") },
      note: `heap after ${EARLY} / ${WARM} / ${n}: ours ${at(o, "heapMb")} MB, raw ${at(r, "heapMb")} MB; ` +
        `ours ${bytesPer(heapWarmKb)} bytes per reconnect, raw ${bytesPer(kb(growth(r, "heapMb", 1)))}`
    },
    {
      group: 6,
      what: "reconnect, drop to every connection open (4 connections, 100 subscriptions replayed, 1 ms backoff)",
      ours: figure(o.map((x) => x.p50Ms), "ms"),
      baselines: { "raw ws": figure(r.map((x) => x.p50Ms), "ms") },
      ratio: { against: "raw ws", value: median(o.map((x) => x.p50Ms)) / median(r.map((x) => x.p50Ms)) },
      note: `p50 per round; p99 ours ${median(o.map((x) => x.p99Ms)).toFixed(1)} ms, raw ${median(r.map((x) => x.p99Ms)).toFixed(1)} ms`
    }
  ]
}

export const suite: Suite = {
  name: "memory",
  description: "heap and RSS growth over 1,000 forced reconnects with 100 subscriptions vs raw ws",
  run: () =>
    Effect.runPromise(forcedReconnects).then((results) => {
      const rows = toRows(results)
      for (const row of rows) console.log(`${row.what}: ${row.note}`)
      return rows
    })
}

if (import.meta.main) {
  const [variant, restUrl, wsUrl] = process.argv.slice(2)
  if ((variant === "ours" || variant === "raw") && restUrl !== undefined && wsUrl !== undefined) {
    Effect.runPromise(runVariant(variant, restUrl, wsUrl)).then((r) => console.log(JSON.stringify(r)))
  } else {
    await suite.run()
  }
}
