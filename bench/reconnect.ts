/**
 * 6. Memory over forced reconnects: the server (child process) cuts the connection on request, again and again,
 * while the client holds 100 subscriptions that it must replay each time. Reports the time from
 * asking for the drop to the next open connection (detection, 1 ms backoff, dial, handshake,
 * replay), and heap and RSS (after a forced GC) once connected, after 10 and after `RECONNECTS`
 * (1,000) reconnects.
 *
 * Two variants, each in a fresh process of its own so that one's memory does not count against
 * the other: `ours` (the Connection, its state observed through one long-lived `states`
 * subscription) and `raw` (a bare `ws` client that redials on close and resends its
 * subscriptions: the least a hand-written client does).
 *
 * Run with `node bench/reconnect.ts`, or as part of `npm run bench`.
 */
import { execFile } from "node:child_process"
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Deferred, Effect, References, Stream } from "effect"
import WebSocket from "ws"
import * as Connection from "../src/socket/Connection.ts"
import * as Protocol from "../src/socket/Protocol.ts"
import { figure, type Row } from "./Report.ts"
import { startFeedServer } from "./support/FeedServer.ts"
import { percentile, size, type Suite } from "./Suite.ts"

const RECONNECTS = size("RECONNECTS", 1_000, 100)
const EARLY = 10
const SUBSCRIPTIONS = 100
const channels = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `spot@public.aggre.deals.v3.api.pb@100ms@SYM${i}USDT`)

export interface ReconnectResult {
  readonly variant: string
  readonly p50Ms: number
  readonly p99Ms: number
  /** MB after a forced GC: connected, after 10 reconnects, after all of them. */
  readonly rssMb: readonly [number, number, number]
  readonly heapMb: readonly [number, number, number]
}

const gc = () => (globalThis as { gc?: () => void }).gc?.()

const mb = (bytes: number) => bytes / (1024 * 1024)
const snapshot = () => {
  gc()
  const m = process.memoryUsage()
  return { rss: mb(m.rss), heap: mb(m.heapUsed) }
}

/** Runs `RECONNECTS` cycles of `cycle`, with memory taken once connected, after 10, and at the end. */
const measure = (variant: string, cycle: Effect.Effect<number>) =>
  Effect.gen(function*() {
    const start = snapshot()
    const latencies: Array<number> = []
    for (let i = 0; i < EARLY; i++) latencies.push(yield* cycle)
    const early = snapshot()
    for (let i = EARLY; i < RECONNECTS; i++) latencies.push(yield* cycle)
    const end = snapshot()
    return {
      variant,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      rssMb: [start.rss, early.rss, end.rss],
      heapMb: [start.heap, early.heap, end.heap]
    } satisfies ReconnectResult
  })

const ours = (url: string) =>
  Effect.gen(function*() {
    const conn = yield* Connection.make({
      name: "bench-reconnect",
      url,
      protocol: Protocol.mexc,
      sink: () => Effect.void,
      pingInterval: false,
      backoff: { initial: "1 millis", max: "1 millis", jitter: 0 }
    }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))
    for (const channel of channels) yield* conn.subscribe(channel)
    // One long-lived state subscription, as an app would hold, signals each new connection.
    let opened: Deferred.Deferred<void> | undefined
    let awaitedAfter = Infinity
    yield* conn.states.pipe(
      Stream.runForEach((s) =>
        Effect.sync(() => {
          if (s._tag === "Open" && s.connectionId > awaitedAfter && opened) Deferred.doneUnsafe(opened, Effect.void)
        })
      ),
      Effect.forkScoped
    )
    const cycle = Effect.gen(function*() {
      awaitedAfter = (yield* conn.stats).connects
      opened = yield* Deferred.make<void>()
      const start = performance.now()
      yield* conn.send("drop")
      yield* Deferred.await(opened)
      return performance.now() - start
    }).pipe(Effect.orDie)
    return yield* measure("ours", cycle)
  })

const raw = (url: string) =>
  Effect.gen(function*() {
    let current: WebSocket | undefined
    let onOpen: (() => void) | undefined
    let stopped = false
    const dial = () => {
      const ws = new WebSocket(url)
      ws.on("error", () => {})
      ws.on("open", () => {
        current = ws
        for (const frame of Protocol.subscribeFrames(Protocol.mexc, channels)) ws.send(frame)
        onOpen?.()
      })
      ws.on("close", () => {
        current = undefined
        if (!stopped) setTimeout(dial, 1)
      })
    }
    const opened = () => Effect.callback<void>((resume) => void (onOpen = () => resume(Effect.void)))
    yield* Effect.acquireRelease(
      Effect.suspend(() => {
        const wait = opened()
        dial()
        return wait
      }),
      () => Effect.sync(() => (stopped = true, current?.terminate()))
    )
    const cycle = Effect.suspend(() => {
      const start = performance.now()
      const wait = opened()
      current!.send("drop")
      return Effect.map(wait, () => performance.now() - start)
    })
    return yield* measure("raw ws", cycle)
  })

/** One variant in this process. */
const runVariant = (variant: "ours" | "raw") =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* startFeedServer
    const url = `ws://127.0.0.1:${server.port}/`
    return yield* (variant === "ours" ? ours(url) : raw(url))
  })).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

/**
 * Each variant in a fresh child process (with `--expose-gc`) with the young generation pinned at
 * 4 MB: by default V8 grows the young generation (up to 64 MB committed) when the allocation rate
 * is high, which shows up as RSS growth without anything being retained, and depends on how fast
 * the loop runs; pinned, for both variants alike, RSS shows what is kept.
 */
export const forcedReconnects = Effect.forEach(
  ["raw", "ours"] as const,
  (variant) =>
    Effect.callback<ReconnectResult>((resume) => {
      execFile(
        process.execPath,
        ["--expose-gc", "--max-semi-space-size=4", new URL(import.meta.url).pathname, variant],
        { maxBuffer: 1 << 20 },
        (error, stdout) => {
          if (error) return resume(Effect.die(error))
          resume(Effect.succeed(JSON.parse(stdout.trim().split("\n").at(-1)!) as ReconnectResult))
        }
      )
    })
)

const toRows = ([raw, ours]: ReadonlyArray<ReconnectResult>): Array<Row> => {
  const r = raw!
  const o = ours!
  const growth = (xs: readonly [number, number, number]) => xs[2] - xs[1]
  const mbFig = (v: number) => figure([v], "MB")
  return [
    {
      group: 6,
      what: `RSS after 10 / after ${RECONNECTS.toLocaleString("en")} forced reconnects (young gen pinned at 4 MB)`,
      ours: mbFig(o.rssMb[2]),
      baselines: { "raw ws": mbFig(r.rssMb[2]) },
      target: { text: "growth 10 -> 1,000 <= 5 MB", met: growth(o.rssMb) <= 5 },
      note: `ours ${o.rssMb[1].toFixed(1)} -> ${o.rssMb[2].toFixed(1)} MB (+${growth(o.rssMb).toFixed(1)}), raw ${r.rssMb[1].toFixed(1)} -> ${r.rssMb[2].toFixed(1)} MB (+${growth(r.rssMb).toFixed(1)})`
    },
    {
      group: 6,
      what: `heap after 10 / after ${RECONNECTS.toLocaleString("en")} forced reconnects`,
      ours: mbFig(o.heapMb[2]),
      baselines: { "raw ws": mbFig(r.heapMb[2]) },
      note: `ours ${o.heapMb[1].toFixed(2)} -> ${o.heapMb[2].toFixed(2)} MB (+${growth(o.heapMb).toFixed(2)}), raw ${r.heapMb[1].toFixed(2)} -> ${r.heapMb[2].toFixed(2)} MB (+${growth(r.heapMb).toFixed(2)})`
    },
    {
      group: 6,
      what: "reconnect, drop to open (1 ms backoff, 100 subscriptions replayed)",
      ours: figure([o.p50Ms], "ms"),
      baselines: { "raw ws": figure([r.p50Ms], "ms") },
      ratio: { against: "raw ws", value: o.p50Ms / r.p50Ms },
      note: `p99 ours ${o.p99Ms.toFixed(2)} ms, raw ${r.p99Ms.toFixed(2)} ms`
    }
  ]
}

export const suite: Suite = {
  name: "memory",
  description: "heap and RSS over forced reconnects vs raw ws",
  run: () =>
    Effect.runPromise(forcedReconnects).then((results) => {
      const rows = toRows(results)
      for (const row of rows) console.log(`${row.what}: ${row.note}`)
      return rows
    })
}

if (import.meta.main) {
  const variant = process.argv[2]
  if (variant === "ours" || variant === "raw") {
    Effect.runPromise(runVariant(variant)).then((r) => console.log(JSON.stringify(r)))
  } else {
    await suite.run()
  }
}
