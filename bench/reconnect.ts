/**
 * Forced reconnects: the server (child process) cuts the connection on request, again and again,
 * while the client holds 100 subscriptions that it must replay each time. Reports the time from
 * asking for the drop to the next open connection (detection, 1 ms backoff, dial, handshake,
 * replay) and the RSS and heap growth over `RECONNECTS` cycles after `RECONNECT_WARMUP` warm-up
 * cycles, with a forced GC at both ends.
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
import { startFeedServer } from "./support/FeedServer.ts"
import { percentile } from "./Suite.ts"

const RECONNECTS = Number(process.env.RECONNECTS ?? 1_000)
// RSS climbs during the first few hundred cycles while V8 and the allocator grow their pools and
// the path is JIT-compiled, for raw ws as for us; the figure is the growth after that.
const WARMUP = Number(process.env.RECONNECT_WARMUP ?? 500)
const SUBSCRIPTIONS = 100
const channels = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `spot@public.aggre.deals.v3.api.pb@100ms@SYM${i}USDT`)

export interface ReconnectResult {
  readonly variant: string
  readonly p50Ms: number
  readonly p99Ms: number
  readonly rssGrowthMb: number
  readonly heapGrowthMb: number
}

const gc = () => (globalThis as { gc?: () => void }).gc?.()

/** Runs warm-up and measured cycles of `cycle` and summarises them. */
const measure = (variant: string, cycle: Effect.Effect<number>) =>
  Effect.gen(function*() {
    for (let i = 0; i < WARMUP; i++) yield* cycle
    gc()
    const before = process.memoryUsage()
    const latencies: Array<number> = []
    for (let i = 0; i < RECONNECTS; i++) latencies.push(yield* cycle)
    gc()
    const after = process.memoryUsage()
    return {
      variant,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      rssGrowthMb: (after.rss - before.rss) / (1024 * 1024),
      heapGrowthMb: (after.heapUsed - before.heapUsed) / (1024 * 1024)
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
 * Each variant in a fresh child process (with `--expose-gc`), twice: with V8's default heap
 * settings, and with the young generation pinned at 4 MB. By default V8 grows the young
 * generation (up to 64 MB committed) when the allocation rate is high, which shows up as RSS
 * growth without anything being retained; pinning it, for both variants alike, leaves the growth
 * that is actually kept.
 */
export const forcedReconnects = Effect.forEach(
  [
    ["raw", []],
    ["ours", []],
    ["raw", ["--max-semi-space-size=4"]],
    ["ours", ["--max-semi-space-size=4"]]
  ] as const,
  ([variant, flags]) =>
    Effect.callback<ReconnectResult>((resume) => {
      execFile(
        process.execPath,
        ["--expose-gc", ...flags, new URL(import.meta.url).pathname, variant],
        { maxBuffer: 1 << 20 },
        (error, stdout) => {
          if (error) return resume(Effect.die(error))
          const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as ReconnectResult
          resume(Effect.succeed({ ...result, variant: flags.length > 0 ? `${result.variant}, young gen 4 MB` : result.variant }))
        }
      )
    })
)

export const printReconnects = (results: ReadonlyArray<ReconnectResult>) => {
  for (const r of results) {
    console.log(
      `forced reconnects (${r.variant}): ${RECONNECTS} after ${WARMUP} warm-up, ${SUBSCRIPTIONS} subscriptions ` +
        `replayed each; drop-to-open p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms; ` +
        `RSS growth ${r.rssGrowthMb.toFixed(1)} MB, heap growth ${r.heapGrowthMb.toFixed(1)} MB`
    )
  }
  const [base, mine] = results
  if (base && mine) console.log(`forced reconnects: p50 latency ratio ours/raw ${(mine.p50Ms / base.p50Ms).toFixed(2)}x`)
}

if (import.meta.main) {
  const variant = process.argv[2]
  if (variant === "ours" || variant === "raw") {
    Effect.runPromise(runVariant(variant)).then((r) => console.log(JSON.stringify(r)))
  } else {
    Effect.runPromise(forcedReconnects).then(printReconnects)
  }
}
