/**
 * One client of the cadence suite, in a process of its own so that its CPU time is its own:
 * `node cadence-client.ts <raw|ours|ccxt|floor> <config json>` (floor: a bare `ws` wake-up per
 * frame, nothing decoded). It subscribes the 10 ms depth channel of
 * the first `symbols` symbols on the simulator, warms up, then measures `windows` windows of
 * `seconds` each: the process's CPU time (user + system), the depth updates its consumer got,
 * and (ours) the fibers started. Prints one JSON line per window.
 */
import { EventEmitter } from "node:events"
import { Effect, Layer, Metric, References, Stream } from "effect"
import WebSocket from "ws"
import type { BookView } from "../../src/exchange/Model.ts"
import { PublicExchange } from "../../src/exchange/PublicExchange.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import * as MexcPublic from "../../src/venues/mexc/MexcPublic.ts"
import * as MexcRest from "../../src/venues/mexc/MexcRest.ts"
import { decodePush } from "../../src/venues/mexc/Proto.ts"
import { channelName } from "../../src/venues/mexc/PushParse.ts"
import * as Quotas from "../../src/venues/mexc/Quotas.ts"
import * as SimVenue from "../../src/sim/SimVenue.ts"
import { mexcAt } from "./Ccxt.ts"
import * as RawBook from "./RawBook.ts"

interface Config {
  readonly restUrl: string
  readonly wsUrl: string
  readonly symbols: ReadonlyArray<string>
  readonly warmupSeconds: number
  readonly seconds: number
  readonly windows: number
}

const variant = process.argv[2] as "raw" | "ours" | "ccxt" | "floor"
const config = JSON.parse(process.argv[3]!) as Config
let updates = 0
let fibers = 0

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** `CADENCE_PROFILE=<file>`: a CPU profile of the measured windows only (not start-up). */
const profiled = async <A>(body: () => Promise<A>): Promise<A> => {
  const file = process.env.CADENCE_PROFILE
  if (file === undefined) return body()
  const { Session } = await import("node:inspector/promises")
  const { writeFileSync } = await import("node:fs")
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 100 })
  await session.post("Profiler.start")
  const out = await body()
  const { profile } = await session.post("Profiler.stop")
  writeFileSync(file, JSON.stringify(profile))
  return out
}

const measure = async () => {
  await sleep(config.warmupSeconds * 1000)
  await profiled(windows)
}

const windows = async () => {
  for (let w = 0; w < config.windows; w++) {
    const cpu = process.cpuUsage()
    const u0 = updates
    const f0 = fibers
    const t0 = performance.now()
    await sleep(config.seconds * 1000)
    const used = process.cpuUsage(cpu)
    console.log(JSON.stringify({
      cpuMs: (used.user + used.system) / 1000,
      userMs: used.user / 1000,
      systemMs: used.system / 1000,
      variant,
      updates: updates - u0,
      fibers: fibers - f0,
      ms: performance.now() - t0
    }))
  }
}

const channels = config.symbols.map((s) => channelName("depth", s, "10ms"))

if (variant === "raw") {
  // raw `ws` + the same decoder, push parser, book sync and book (`RawBook`) + an EventEmitter
  // handing each new book view to the consumer, pinging like ours (every 10 s).
  const scale = await RawBook.scales(config.restUrl, config.symbols)
  const books = new Map(config.symbols.map((s) => [channels[config.symbols.indexOf(s)]!, RawBook.make(config.restUrl, s, scale.get(s)!)]))
  const emitter = new EventEmitter()
  emitter.on("book", (_view: BookView) => {
    updates++
  })
  const ws = new WebSocket(config.wsUrl)
  ws.binaryType = "arraybuffer"
  ws.on("message", (data: ArrayBuffer | string, isBinary) => {
    if (!isBinary) return
    const push = decodePush(new Uint8Array(data as ArrayBuffer))
    const book = books.get(push.channel)
    if (book !== undefined && book.apply(push)) emitter.emit("book", book.sync.book.view())
  })
  await new Promise((resolve) => ws.once("open", resolve))
  for (const frame of Protocol.subscribeFrames(MexcProtocol.market, channels)) ws.send(frame)
  const ping = setInterval(() => ws.send(MexcProtocol.ping), 10_000)
  await Promise.all([...books.values()].map((b) => b.ready))
  await measure()
  clearInterval(ping)
  ws.terminate()
} else if (variant === "floor") {
  // The floor: a bare `ws` wake-up per frame, nothing decoded (binary frames counted as updates),
  // pinging like the others. The least a client on this channel can cost.
  const ws = new WebSocket(config.wsUrl)
  ws.binaryType = "arraybuffer"
  ws.on("message", (_data, isBinary) => {
    if (isBinary) updates++
  })
  await new Promise((resolve) => ws.once("open", resolve))
  for (const frame of Protocol.subscribeFrames(MexcProtocol.market, channels)) ws.send(frame)
  const ping = setInterval(() => ws.send(MexcProtocol.ping), 10_000)
  await measure()
  clearInterval(ping)
  ws.terminate()
} else if (variant === "ours") {
  // Counts fibers started (the lifecycle kit chains its own tracking after this one).
  const counting: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => void fibers++,
    recordFiberEnd: () => {}
  }
  const rest = MexcRest.layerNode({ baseUrl: config.restUrl, credentials: SimVenue.demoCredentials }).pipe(
    Layer.provideMerge(Quotas.layer)
  )
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const exchange = yield* PublicExchange
    for (const symbol of config.symbols) {
      yield* exchange.orderBook(symbol).pipe(
        Stream.runForEachArray((views) => Effect.sync(() => void (updates += views.length))),
        Effect.forkScoped
      )
    }
    yield* Effect.promise(measure)
  })).pipe(
    Effect.provide(MexcPublic.layerNode({ url: config.wsUrl, interval: "10ms", venue: "sim" }).pipe(Layer.provide(rest))),
    Effect.provideService(Metric.FiberRuntimeMetrics, counting),
    Effect.provideService(References.MinimumLogLevel, "Warn")
  ))
} else {
  const mexc = await mexcAt(config.restUrl, config.wsUrl)
  await mexc.loadMarkets()
  let running = true
  const loops = config.symbols.map(async (id) => {
    const symbol = mexc.safeSymbol(id)
    while (running) {
      await mexc.watchOrderBook(symbol, undefined, { frequency: "10ms" })
      updates++
    }
  })
  await measure()
  running = false
  void loops
  // ccxt does not let the process end after `close()` (see the close suite): end it here.
  await mexc.close()
  process.exit(0)
}
