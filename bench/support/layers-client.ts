/**
 * One client of the `layers` suite, in a process of its own so that its CPU time is its own:
 * `node layers-client.ts <layer> <config json>`. Every layer keeps the same order book of one
 * symbol on the simulator's 10 ms depth channel with the same code (`RawBook`: decoder, push
 * parser, `BookSync`, `OrderBook`, a view per applied frame) and differs only in how a frame gets
 * there:
 *
 * - `raw`: `ws.on("message")` calls it.
 * - `connection`: our `Connection` (session reader, liveness, rate, metrics) delivers the frame
 *   to a sink that calls it.
 * - `queue`: the same, through a `MessageQueue` (handoff on, as `MexcPublic` runs it).
 * - `hub`: the same, and the view goes through a `StreamHub` topic (sliding, latest replayed) to
 *   a subscriber stream.
 * - `exchange`: the whole `MexcPublic` (pool, router, book sync, hub, `orderBook` stream); the
 *   book is its own, not `RawBook`'s.
 *
 * Prints one JSON line per window: CPU time (user + system) and the updates its consumer got.
 */
import { Effect, Layer, References, Stream } from "effect"
import WebSocket from "ws"
import { PublicExchange } from "../../src/exchange/PublicExchange.ts"
import { StreamHub, Topic } from "../../src/hub/index.ts"
import { MessageQueue } from "../../src/queue/index.ts"
import * as Connection from "../../src/socket/Connection.ts"
import * as NodeWebSocket from "../../src/socket/NodeWebSocket.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import * as MexcPublic from "../../src/venues/mexc/MexcPublic.ts"
import * as MexcRest from "../../src/venues/mexc/MexcRest.ts"
import { decodePush } from "../../src/venues/mexc/Proto.ts"
import { channelName } from "../../src/venues/mexc/PushParse.ts"
import * as Quotas from "../../src/venues/mexc/Quotas.ts"
import * as SimVenue from "../../src/sim/SimVenue.ts"
import * as RawBook from "./RawBook.ts"

type LayerName = "raw" | "connection" | "queue" | "hub" | "exchange"

interface Config {
  readonly restUrl: string
  readonly wsUrl: string
  readonly symbol: string
  readonly warmupSeconds: number
  readonly seconds: number
  readonly windows: number
}

const layer = process.argv[2] as LayerName
const config = JSON.parse(process.argv[3] ?? "{}") as Config
const channel = channelName("depth", config.symbol, "10ms")
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
let updates = 0

const measure = async () => {
  await sleep(config.warmupSeconds * 1000)
  for (let w = 0; w < config.windows; w++) {
    const cpu = process.cpuUsage()
    const u0 = updates
    const t0 = performance.now()
    await sleep(config.seconds * 1000)
    const used = process.cpuUsage(cpu)
    console.log(JSON.stringify({ layer, cpuMs: (used.user + used.system) / 1000, updates: updates - u0, ms: performance.now() - t0 }))
  }
}

if (layer === "exchange") {
  const rest = MexcRest.layerNode({ baseUrl: config.restUrl, credentials: SimVenue.demoCredentials }).pipe(
    Layer.provideMerge(Quotas.layer)
  )
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const exchange = yield* PublicExchange
    yield* exchange.orderBook(config.symbol).pipe(
      Stream.runForEachArray((views) => Effect.sync(() => void (updates += views.length))),
      Effect.forkScoped
    )
    yield* Effect.promise(measure)
  })).pipe(
    Effect.provide(MexcPublic.layerNode({ url: config.wsUrl, interval: "10ms", venue: "sim" }).pipe(Layer.provide(rest))),
    Effect.provideService(References.MinimumLogLevel, "Warn")
  ))
} else {
  const scale = (await RawBook.scales(config.restUrl, [config.symbol])).get(config.symbol)!
  const book = RawBook.make(config.restUrl, config.symbol, scale)
  /** Applies a frame; the view when the book moved. */
  const apply = (frame: Connection.Frame) =>
    typeof frame !== "string" && book.apply(decodePush(frame)) ? book.sync.book.view() : undefined
  if (layer === "raw") {
    const ws = new WebSocket(config.wsUrl)
    ws.binaryType = "arraybuffer"
    ws.on("message", (data: ArrayBuffer, isBinary) => {
      if (isBinary && apply(new Uint8Array(data)) !== undefined) updates++
    })
    await new Promise((resolve) => ws.once("open", resolve))
    for (const frame of Protocol.subscribeFrames(MexcProtocol.market, [channel])) ws.send(frame)
    const ping = setInterval(() => ws.send(MexcProtocol.ping), 10_000)
    await book.ready
    await measure()
    clearInterval(ping)
    ws.terminate()
  } else {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const count = (frames: ReadonlyArray<Connection.Frame>) =>
        Effect.sync(() => {
          for (const frame of frames) if (apply(frame) !== undefined) updates++
        })
      let sink: Connection.FrameSink = count
      if (layer === "queue" || layer === "hub") {
        let handleBatch = count
        if (layer === "hub") {
          const hub = yield* StreamHub.make({ name: "hub:layers" })
          const topic = Topic.make<unknown>("book", { replay: 1, strategy: "sliding", capacity: 1 })
          yield* hub.subscribe(topic).pipe(
            Stream.runForEachArray((views) => Effect.sync(() => void (updates += views.length))),
            Effect.forkScoped
          )
          handleBatch = (frames) =>
            Effect.suspend(() => {
              let view: unknown
              for (const frame of frames) view = apply(frame) ?? view
              return view === undefined ? Effect.void : Effect.ignore(hub.publish(topic, view))
            })
        }
        const queue = yield* MessageQueue.make<Connection.Frame>({ name: "queue:layers", handoff: true, handleBatch })
        sink = queue.offerAll
      }
      const connection = yield* Connection.make({ name: "layers", url: config.wsUrl, protocol: MexcProtocol.market, sink })
      yield* connection.subscribe(channel)
      yield* Effect.promise(() => book.ready)
      yield* Effect.promise(measure)
    })).pipe(
      Effect.provide(NodeWebSocket.layerConstructor()),
      Effect.provideService(References.MinimumLogLevel, "Warn")
    ))
  }
}
