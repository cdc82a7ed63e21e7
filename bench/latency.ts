/**
 * Latency at a paced rate: the feed server (child process) sends depth frames at `LATENCY_RATE`
 * per second, each stamped with its send time; raw `ws` + decoder and our whole public data path
 * each record, per frame, the time from send to a subscriber seeing it. Rounds alternate between
 * the two; each round's p50 and p99 are taken, the figures are their medians over rounds, and the
 * ratio is ours over raw.
 *
 * Run alone with `node bench/latency.ts`, or as part of `npm run bench`.
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Deferred, Effect, References, Stream } from "effect"
import WebSocket from "ws"
import { decodePush } from "../src/venues/mexc/Proto.ts"
import * as PublicFeed from "../src/venues/mexc/PublicFeed.ts"
import { startFeedServer } from "./support/FeedServer.ts"
import { median, percentile } from "./Suite.ts"

const RATE = Number(process.env.LATENCY_RATE ?? 20_000)
const SECONDS = Number(process.env.LATENCY_SECONDS ?? 2)
const ROUNDS = Number(process.env.LATENCY_ROUNDS ?? 7)
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
  readonly rounds: number
  /** Medians over rounds of each round's p50 and p99: one slow round (a GC storm, a noisy neighbour) does not decide the figure. */
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
  const rounds = { raw: { p50: [] as Array<number>, p99: [] as Array<number> }, ours: { p50: [] as Array<number>, p99: [] as Array<number> } }
  const record = (into: { p50: Array<number>; p99: Array<number> }, samples: Array<number>) => {
    into.p50.push(percentile(samples, 0.5))
    into.p99.push(percentile(samples, 0.99))
    samples.length = 0
  }
  baseline.samples.length = 0
  mine.samples.length = 0
  for (let r = 0; r < ROUNDS; r++) {
    yield* baseline.run(COUNT)
    record(rounds.raw, baseline.samples)
    yield* mine.run(COUNT)
    record(rounds.ours, mine.samples)
  }
  return {
    rate: RATE,
    rounds: ROUNDS,
    raw: { p50: median(rounds.raw.p50), p99: median(rounds.raw.p99) },
    ours: { p50: median(rounds.ours.p50), p99: median(rounds.ours.p99) }
  } satisfies LatencyResult
}))

export const printLatency = (r: LatencyResult) =>
  console.log(
    `latency at ${r.rate.toLocaleString("en")} msg/s paced (median of ${r.rounds} rounds): raw ws p50 ${r.raw.p50.toFixed(3)} ms, p99 ${r.raw.p99.toFixed(3)} ms; ` +
      `ours p50 ${r.ours.p50.toFixed(3)} ms, p99 ${r.ours.p99.toFixed(3)} ms; p99 ratio ${(r.ours.p99 / r.raw.p99).toFixed(2)}x`
  )

if (import.meta.main) {
  Effect.runPromise(pacedLatency.pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))).then(printLatency)
}
