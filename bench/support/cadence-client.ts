/**
 * One client of the cadence suite, in a process of its own so that its CPU time is its own:
 * `node cadence-client.ts <raw|ours|ccxt> <config json>`. It subscribes the 10 ms depth channel of
 * the first `symbols` symbols on the simulator, warms up, then measures `windows` windows of
 * `seconds` each: the process's CPU time (user + system), the depth updates its consumer got,
 * and (ours) the fibers started. Prints one JSON line per window.
 */
import { EventEmitter } from "node:events"
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Effect, Metric, References, Stream } from "effect"
import WebSocket from "ws"
import { decodePush, type PushDataV3ApiWrapper } from "../../src/venues/mexc/Proto.ts"
import * as PublicFeed from "../../src/venues/mexc/PublicFeed.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import { mexcAt } from "./Ccxt.ts"

interface Config {
  readonly restUrl: string
  readonly wsUrl: string
  readonly symbols: ReadonlyArray<string>
  readonly warmupSeconds: number
  readonly seconds: number
  readonly windows: number
}

const variant = process.argv[2] as "raw" | "ours" | "ccxt"
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

const channels = config.symbols.map((s) => PublicFeed.channels.depth(s, "10ms"))

if (variant === "raw") {
  // raw `ws` + the same decoder + an EventEmitter, pinging like ours (every 10 s).
  const ws = new WebSocket(config.wsUrl)
  ws.binaryType = "arraybuffer"
  const emitter = new EventEmitter()
  emitter.on("depth", (_push: PushDataV3ApiWrapper) => {
    updates++
  })
  ws.on("message", (data: ArrayBuffer | string, isBinary) => {
    if (isBinary) emitter.emit("depth", decodePush(new Uint8Array(data as ArrayBuffer)))
  })
  await new Promise((resolve) => ws.once("open", resolve))
  for (const frame of Protocol.subscribeFrames(Protocol.mexc, channels)) ws.send(frame)
  const ping = setInterval(() => ws.send(Protocol.mexc.ping!), 10_000)
  await measure()
  clearInterval(ping)
  ws.terminate()
} else if (variant === "ours") {
  // Counts fibers started (the lifecycle kit chains its own tracking after this one).
  const counting: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => void fibers++,
    recordFiberEnd: () => {}
  }
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const feed = yield* PublicFeed.make({ url: config.wsUrl, interval: "10ms" })
    for (const symbol of config.symbols) {
      yield* feed.depth(symbol).pipe(
        Stream.runForEachArray((pushes) => Effect.sync(() => void (updates += pushes.length))),
        Effect.forkScoped
      )
    }
    yield* Effect.promise(measure)
  })).pipe(
    Effect.provide(NodeWS.layerWebSocketConstructor),
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
