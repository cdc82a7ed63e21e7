/**
 * 1. Feed throughput: our whole public data path (connection, queue, decode and route, hub,
 * subscriber streams) against raw `ws` + the same decoder + an EventEmitter, both fed the same
 * MEXC protobuf depth frames by a server in a child process (`support/feed-server.ts`), both
 * fanning every frame out to 1, 4 and 16 subscribers. Rounds alternate between the two so that
 * machine noise hits both alike; figures are medians of per-round rates, ratios are paired per
 * round. Then ccxt pro's `watchOrderBook` on the same feed (it keeps an order book; it hands its
 * consumer the latest book, so its rate is frames applied per second).
 *
 * Run alone with `node bench/feed.ts`, or as part of `npm run bench`.
 */
import { EventEmitter } from "node:events"
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Deferred, Effect, References, Stream } from "effect"
import WebSocket from "ws"
import * as PublicFeed from "../src/venues/mexc/PublicFeed.ts"
import { decodePush, type PushDataV3ApiWrapper } from "../src/venues/mexc/Proto.ts"
import { figure, pairedRatio, type Row } from "./Report.ts"
import { mexcAt } from "./support/Ccxt.ts"
import { startFeedServer } from "./support/FeedServer.ts"
import { size, type Suite } from "./Suite.ts"

const FRAMES = size("FEED_FRAMES", 200_000, 20_000)
const ROUNDS = size("FEED_ROUNDS", 5, 2)
const CCXT_FRAMES = size("FEED_CCXT_FRAMES", 20_000, 5_000)
const SUBSCRIBERS = [1, 4, 16]

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
      emitter.setMaxListeners(subscribers + 1)
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

/** ccxt pro: `watchOrderBook` in a loop until the book has applied every frame of the blast. */
const ccxtClient = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const mexc = await mexcAt(`http://127.0.0.1:${port}`, `ws://127.0.0.1:${port}/ws`)
      await mexc.loadMarkets()
      let nonce = 0
      // Open the subscription: ccxt waits for the first book (snapshot after 25 deltas).
      const first = mexc.watchOrderBook("BTC/USDT")
      // The socket ccxt opened: the bench's commands go to the feed server through it.
      const socket = () => (Object.values(mexc.clients)[0] as { connection: WebSocket }).connection
      await new Promise((resolve) => setTimeout(resolve, 200))
      socket().send("blast 2000 quiet")
      let book = await first
      while ((book.nonce as number) < 1_000_000_000 + 1999) book = await mexc.watchOrderBook("BTC/USDT")
      nonce = book.nonce as number
      return {
        mexc,
        blast: (count: number) =>
          Effect.promise(async () => {
            const targetNonce = nonce + count
            socket().send(`blast ${count} quiet`)
            let b = await mexc.watchOrderBook("BTC/USDT")
            while ((b.nonce as number) < targetNonce) b = await mexc.watchOrderBook("BTC/USDT")
            nonce = b.nonce as number
          })
      }
    }),
    ({ mexc }) => Effect.promise(() => mexc.close())
  )

const timed = (effect: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

const targets: Record<number, { text: string; min: number }> = {
  1: { text: ">= 0.90x raw", min: 0.9 },
  4: { text: ">= 0.80x raw", min: 0.8 }
}

/** Runs the throughput comparison for each subscriber count, then ccxt. */
export const feedThroughput = Effect.scoped(Effect.gen(function*() {
  const server = yield* startFeedServer
  const url = `ws://127.0.0.1:${server.port}/`
  const rows: Array<Row> = []
  let ours1: Array<number> = []
  for (const subscribers of SUBSCRIBERS) {
    const { raw, ours } = yield* Effect.scoped(Effect.gen(function*() {
      const raw = yield* rawClient(url, subscribers)
      const ours = yield* oursClient(url, subscribers)
      // warm-up: JIT both paths
      yield* raw.blast(20_000)
      yield* ours.blast(20_000)
      const rawRates: Array<number> = []
      const oursRates: Array<number> = []
      for (let r = 0; r < ROUNDS; r++) {
        rawRates.push(FRAMES / ((yield* timed(raw.blast(FRAMES))) / 1000))
        oursRates.push(FRAMES / ((yield* timed(ours.blast(FRAMES))) / 1000))
      }
      return { raw: rawRates, ours: oursRates }
    }))
    if (subscribers === 1) ours1 = ours
    const ratio = pairedRatio("raw ws", ours, raw)
    const target = targets[subscribers]
    rows.push({
      group: 1,
      what: `feed throughput, ${subscribers} subscriber${subscribers > 1 ? "s" : ""}`,
      ours: figure(ours, "msg/s"),
      baselines: { "raw ws": figure(raw, "msg/s") },
      ratio,
      target: target ? { text: target.text, met: ratio.value >= target.min } : undefined,
      note: "no order book yet: PublicFeed"
    })
    console.log(`feed ${subscribers}: ours/raw ${ratio.value.toFixed(2)}x (${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)})`)
  }
  // ccxt keeps a book per update and coalesces what its consumer has not awaited: a separate row.
  const ccxtRates = yield* Effect.scoped(Effect.gen(function*() {
    const ccxt = yield* ccxtClient(server.port)
    const rates: Array<number> = []
    for (let r = 0; r < ROUNDS; r++) rates.push(CCXT_FRAMES / ((yield* timed(ccxt.blast(CCXT_FRAMES))) / 1000))
    return rates
  }))
  const oursFigure = figure(ours1, "msg/s")
  const ccxtFigure = figure(ccxtRates, "msg/s")
  rows.push({
    group: 7,
    what: "feed throughput, 1 subscriber, vs ccxt watchOrderBook",
    ours: oursFigure,
    baselines: { ccxt: ccxtFigure },
    ratio: { against: "ccxt", value: oursFigure.value / ccxtFigure.value },
    target: { text: "faster than ccxt", met: oursFigure.value > ccxtFigure.value },
    note: "ccxt applies each frame to its book"
  })
  console.log(`feed vs ccxt: ours ${oursFigure.value.toFixed(0)} msg/s, ccxt ${ccxtFigure.value.toFixed(0)} msg/s`)
  return rows
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "feed",
  description: "feed throughput vs raw ws and ccxt",
  run: () => Effect.runPromise(feedThroughput)
}

if (import.meta.main) await suite.run()
