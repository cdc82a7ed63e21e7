/**
 * Feed throughput: our whole public data path (connection, queue, decode and route, hub, subscriber
 * streams) against raw `ws` + the same decoder + an EventEmitter, both fed the same MEXC protobuf
 * depth frames by a server in a child process, both fanning every frame out to the same number of
 * subscribers. Rounds alternate between the two so that machine noise hits
 * both alike; the figure is the ratio of medians.
 *
 * Run alone with `node bench/feed.ts`, or as part of `npm run bench`.
 */
import { EventEmitter } from "node:events"
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Deferred, Effect, References, Stream } from "effect"
import WebSocket from "ws"
import * as PublicFeed from "../src/venues/mexc/PublicFeed.ts"
import { decodePush, type PushDataV3ApiWrapper } from "../src/venues/mexc/Proto.ts"
import { startFeedServer } from "./support/FeedServer.ts"
import { median } from "./Suite.ts"

const FRAMES = Number(process.env.FEED_FRAMES ?? 200_000)
const ROUNDS = Number(process.env.FEED_ROUNDS ?? 5)

interface Client {
  /** Asks for `count` frames and resolves when every subscriber has seen all of them. */
  readonly blast: (count: number) => Effect.Effect<void>
}

/** Baseline: raw `ws`, decode, EventEmitter fan-out. */
const rawClient = (url: string, subscribers: number) =>
  Effect.acquireRelease(
    Effect.callback<Client & { ws: WebSocket }>((resume) => {
      const ws = new WebSocket(url)
      // The faster raw configuration: decoding from a fresh ArrayBuffer beats decoding from ws's
      // pooled Buffer slices by ~1.5x here, so the baseline gets it too.
      ws.binaryType = "arraybuffer"
      const emitter = new EventEmitter()
      const seen = new Array<number>(subscribers).fill(0)
      for (let s = 0; s < subscribers; s++) {
        emitter.on("depth", (_msg: PushDataV3ApiWrapper) => {
          seen[s]!++
        })
      }
      let onDone: (() => void) | undefined
      ws.on("message", (data: ArrayBuffer | string, isBinary) => {
        if (isBinary) emitter.emit("depth", decodePush(new Uint8Array(data as ArrayBuffer)))
        else if (String(data) === "done") onDone?.()
      })
      ws.once("open", () =>
        resume(Effect.succeed({
          ws,
          blast: (count) =>
            Effect.callback<void>((done) => {
              seen.fill(0)
              onDone = () => {
                if (seen.some((n) => n !== count)) throw new Error("baseline lost frames")
                done(Effect.void)
              }
              ws.send(`blast ${count}`)
            })
        })))
    }),
    ({ ws }) => Effect.sync(() => ws.terminate())
  )

/** Ours: the MEXC public feed (Connection -> MessageQueue -> decode/route -> StreamHub) and subscriber streams. */
const oursClient = (url: string, subscribers: number) =>
  Effect.gen(function*() {
    const feed = yield* PublicFeed.make({ url, connection: { pingInterval: false } })
    let target = Infinity
    const seen = new Array<number>(subscribers).fill(0)
    let done: Deferred.Deferred<void> | undefined
    const check = () => {
      if (done !== undefined && seen.every((n) => n >= target)) Deferred.doneUnsafe(done, Effect.void)
    }
    for (let s = 0; s < subscribers; s++) {
      yield* feed.depth("BTCUSDT").pipe(
        Stream.runForEachArray((pushes) =>
          Effect.sync(() => {
            seen[s]! += pushes.length
            check()
          })
        ),
        Effect.forkScoped
      )
    }
    yield* Effect.sleep("100 millis") // let the upstream subscription go out
    return {
      blast: (count) =>
        Effect.gen(function*() {
          seen.fill(0)
          target = count
          done = yield* Deferred.make<void>()
          yield* feed.connection.send(`blast ${count} quiet`)
          yield* Deferred.await(done)
          if (seen.some((n) => n !== count)) throw new Error("the pipeline lost or duplicated frames")
        }).pipe(Effect.orDie)
    } satisfies Client
  }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))

const timed = (effect: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

export interface FeedResult {
  readonly subscribers: number
  readonly rawPerSecond: number
  readonly oursPerSecond: number
  readonly ratio: number
}

/** Runs the throughput comparison for each subscriber count. */
export const feedThroughput = (subscriberCounts: ReadonlyArray<number> = [1, 4]) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* startFeedServer
    const url = `ws://127.0.0.1:${server.port}/`
    const results: Array<FeedResult> = []
    for (const subscribers of subscriberCounts) {
      const raw = yield* rawClient(url, subscribers)
      const ours = yield* oursClient(url, subscribers)
      // warm-up: JIT both paths
      yield* raw.blast(20_000)
      yield* ours.blast(20_000)
      const rawMs: Array<number> = []
      const oursMs: Array<number> = []
      for (let r = 0; r < ROUNDS; r++) {
        rawMs.push(yield* timed(raw.blast(FRAMES)))
        oursMs.push(yield* timed(ours.blast(FRAMES)))
      }
      const rawPerSecond = FRAMES / (median(rawMs) / 1000)
      const oursPerSecond = FRAMES / (median(oursMs) / 1000)
      results.push({ subscribers, rawPerSecond, oursPerSecond, ratio: oursPerSecond / rawPerSecond })
    }
    return results
  }))

export const printFeed = (results: ReadonlyArray<FeedResult>) => {
  for (const r of results) {
    console.log(
      `feed throughput, ${r.subscribers} subscriber(s): raw ws ${Math.round(r.rawPerSecond).toLocaleString("en")} msg/s, ` +
        `ours ${Math.round(r.oursPerSecond).toLocaleString("en")} msg/s, ratio ${r.ratio.toFixed(2)}x`
    )
  }
}

if (import.meta.main) {
  Effect.runPromise(feedThroughput().pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))).then(printFeed)
}
