/**
 * Feed throughput: our connection against raw `ws`, both fed the same MEXC protobuf deal frames by
 * a server in a child process, both decoding every frame with the same decoder and fanning it out
 * to the same number of subscribers. Rounds alternate between the two so that machine noise hits
 * both alike; the figure is the ratio of medians.
 *
 * Run alone with `node bench/feed.ts`, or as part of `npm run bench`.
 */
import { EventEmitter } from "node:events"
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Deferred, Effect, References } from "effect"
import WebSocket from "ws"
import * as Connection from "../src/socket/Connection.ts"
import * as Protocol from "../src/socket/Protocol.ts"
import { decodePush, type PushDataV3ApiWrapper } from "../src/venues/mexc/Proto.ts"
import { startFeedServer } from "./support/FeedServer.ts"

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
      const emitter = new EventEmitter()
      const seen = new Array<number>(subscribers).fill(0)
      for (let s = 0; s < subscribers; s++) {
        emitter.on("deal", (_msg: PushDataV3ApiWrapper) => {
          seen[s]!++
        })
      }
      let onDone: (() => void) | undefined
      ws.on("message", (data: Buffer, isBinary) => {
        if (isBinary) emitter.emit("deal", decodePush(data))
        else if (data.toString() === "done") onDone?.()
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

/** Ours: Connection -> sink -> decode -> subscribers. */
const oursClient = (url: string, subscribers: number) =>
  Effect.gen(function*() {
    const seen = new Array<number>(subscribers).fill(0)
    const handlers: Array<(msg: PushDataV3ApiWrapper) => void> = []
    for (let s = 0; s < subscribers; s++) handlers.push(() => void seen[s]!++)
    let done: Deferred.Deferred<void> | undefined
    const conn = yield* Connection.make({
      name: "bench",
      url,
      protocol: Protocol.mexc,
      pingInterval: false,
      sink: (batch) =>
        Effect.sync(() => {
          for (const frame of batch) {
            if (typeof frame === "string") {
              if (frame === "done" && done) Deferred.doneUnsafe(done, Effect.void)
              continue
            }
            const msg = decodePush(frame)
            for (let h = 0; h < handlers.length; h++) handlers[h]!(msg)
          }
        })
    }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))
    yield* conn.awaitOpen
    return {
      blast: (count) =>
        Effect.gen(function*() {
          seen.fill(0)
          done = yield* Deferred.make<void>()
          yield* conn.send(`blast ${count}`)
          yield* Deferred.await(done)
          if (seen.some((n) => n !== count)) throw new Error("connection lost frames")
        }).pipe(Effect.orDie)
    } satisfies Client
  })

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

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
