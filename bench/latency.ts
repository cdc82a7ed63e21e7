/**
 * Latency at a paced rate: the feed server (child process) sends depth frames at `LATENCY_RATE`
 * per second, each stamped with its send time; raw `ws` + decoder and our whole public data path
 * each record, per frame, the time from send to a subscriber seeing it. Rounds alternate between
 * the two; the figures are percentiles over all rounds, and the ratio is ours over raw.
 *
 * Run alone with `node bench/latency.ts`, or as part of `npm run bench`.
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Deferred, Effect, References, Stream } from "effect"
import WebSocket from "ws"
import { decodePush } from "../src/venues/mexc/Proto.ts"
import * as PublicFeed from "../src/venues/mexc/PublicFeed.ts"
import { startFeedServer } from "./support/FeedServer.ts"
import { percentile } from "./Suite.ts"

const RATE = Number(process.env.LATENCY_RATE ?? 20_000)
const SECONDS = Number(process.env.LATENCY_SECONDS ?? 3)
const ROUNDS = Number(process.env.LATENCY_ROUNDS ?? 3)
const COUNT = RATE * SECONDS

const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000

interface Recorder {
  readonly run: (count: number) => Effect.Effect<void>
  readonly samples: Array<number>
}

const raw = (url: string) =>
  Effect.acquireRelease(
    Effect.callback<Recorder & { ws: WebSocket }>((resume) => {
      const ws = new WebSocket(url)
      ws.binaryType = "arraybuffer"
      const samples: Array<number> = []
      let onDone: (() => void) | undefined
      ws.on("message", (data: ArrayBuffer | string, isBinary) => {
        if (!isBinary) return void (String(data) === "done" && onDone?.())
        const push = decodePush(new Uint8Array(data as ArrayBuffer))
        samples.push((nowMicros() - (push.sendTime ?? 0)) / 1000)
      })
      ws.once("open", () =>
        resume(Effect.succeed({
          ws,
          samples,
          run: (count) =>
            Effect.callback<void>((done) => {
              onDone = () => done(Effect.void)
              ws.send(`pace ${count} ${RATE}`)
            })
        })))
    }),
    ({ ws }) => Effect.sync(() => ws.terminate())
  )

const ours = (url: string) =>
  Effect.gen(function*() {
    const feed = yield* PublicFeed.make({ url, connection: { pingInterval: false } })
    const samples: Array<number> = []
    let target = 0
    let seen = 0
    let done: Deferred.Deferred<void> | undefined
    yield* feed.depth("BTCUSDT").pipe(
      Stream.runForEachArray((pushes) =>
        Effect.sync(() => {
          const now = nowMicros()
          for (const push of pushes) samples.push((now - (push.sendTime ?? 0)) / 1000)
          seen += pushes.length
          if (done !== undefined && seen >= target) Deferred.doneUnsafe(done, Effect.void)
        })
      ),
      Effect.forkScoped
    )
    yield* Effect.sleep("100 millis")
    return {
      samples,
      run: (count) =>
        Effect.gen(function*() {
          seen = 0
          target = count
          done = yield* Deferred.make<void>()
          yield* feed.connection.send(`pace ${count} ${RATE} quiet`)
          yield* Deferred.await(done)
        }).pipe(Effect.orDie)
    } satisfies Recorder
  }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))

export interface LatencyResult {
  readonly rate: number
  readonly raw: { readonly p50: number; readonly p99: number }
  readonly ours: { readonly p50: number; readonly p99: number }
}

export const pacedLatency = Effect.scoped(Effect.gen(function*() {
  const server = yield* startFeedServer
  const url = `ws://127.0.0.1:${server.port}/`
  const baseline = yield* raw(url)
  const mine = yield* ours(url)
  yield* baseline.run(RATE / 2) // warm-up
  yield* mine.run(RATE / 2)
  baseline.samples.length = 0
  mine.samples.length = 0
  for (let r = 0; r < ROUNDS; r++) {
    yield* baseline.run(COUNT)
    yield* mine.run(COUNT)
  }
  const summary = (xs: ReadonlyArray<number>) => ({ p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) })
  return { rate: RATE, raw: summary(baseline.samples), ours: summary(mine.samples) } satisfies LatencyResult
}))

export const printLatency = (r: LatencyResult) =>
  console.log(
    `latency at ${r.rate.toLocaleString("en")} msg/s paced: raw ws p50 ${r.raw.p50.toFixed(3)} ms, p99 ${r.raw.p99.toFixed(3)} ms; ` +
      `ours p50 ${r.ours.p50.toFixed(3)} ms, p99 ${r.ours.p99.toFixed(3)} ms; p99 ratio ${(r.ours.p99 / r.raw.p99).toFixed(2)}x`
  )

if (import.meta.main) {
  Effect.runPromise(pacedLatency.pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))).then(printLatency)
}
