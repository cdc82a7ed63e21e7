/**
 * 2. Latency at a paced rate: the feed server (child process) sends depth frames at `LATENCY_RATE`
 * per second, each stamped with its send time; raw `ws` + decoder and our whole public data path
 * each record, per frame, the time from send to a subscriber seeing it. Rounds alternate between
 * the two; each round's p50, p99 and p99.9 are taken, the figures are their medians over rounds,
 * and the ratio is ours over raw, paired per round. Then ccxt pro's `watchOrderBook` on the same
 * feed (the time from send to the book it hands its consumer; it coalesces updates its consumer has
 * not awaited yet, so it reports fewer samples).
 *
 * Also counts the fiber wake-ups our path makes per frame (`EagerScheduler.counters`), and the
 * latency our path adds inside the process: from the socket's `message` event (a listener
 * registered before ours, where raw `ws` hands the frame to its code) to our subscriber. Both
 * ends are in the same process, so this figure leaves out the feed server, the network and the
 * scheduling of two processes, which dominate the end-to-end figures on a loaded machine.
 *
 * Run alone with `node bench/latency.ts`, or as part of `npm run bench`.
 */
import { Deferred, Effect, Layer, References, Stream } from "effect"
import * as Socket from "effect/socket/Socket"
import WebSocket from "ws"
import { counters as wakeups } from "../src/queue/internal/EagerScheduler.ts"
import { decodePush } from "../src/venues/mexc/Proto.ts"
import * as PublicFeed from "../src/venues/mexc/PublicFeed.ts"
import { figure, pairedRatio, type Row } from "./Report.ts"
import { mexcAt } from "./support/Ccxt.ts"
import { startFeedServer } from "./support/FeedServer.ts"
import { percentile, size, type Suite } from "./Suite.ts"

const RATE = size("LATENCY_RATE", 20_000, 20_000)
const SECONDS = size("LATENCY_SECONDS", 2, 0.5)
const ROUNDS = size("LATENCY_ROUNDS", 7, 2)
/** `LATENCY_CCXT=0` leaves ccxt out (for quick before/after comparisons of our path). */
const WITH_CCXT = size("LATENCY_CCXT", 1, 1) !== 0
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

/** `ws` as NodeWS builds it, with a first `message` listener that notes when each binary frame arrived. */
const arrivals: Array<number> = []
let arrivalHead = 0
const recordingWebSocket = Layer.succeed(Socket.WebSocketConstructor)((url, options) => {
  const ws = new WebSocket(url, typeof options === "string" || Array.isArray(options) ? options : options?.protocols)
  ws.on("message", (_data, isBinary) => {
    if (isBinary) arrivals.push(performance.now())
  })
  return ws as unknown as globalThis.WebSocket
})

const ours = (url: string) =>
  Effect.gen(function*() {
    const feed = yield* PublicFeed.make({ url, connection: { pingInterval: false } })
    const samples: Array<number> = []
    const added: Array<number> = []
    let target = 0
    let seen = 0
    let done: Deferred.Deferred<void> | undefined
    yield* feed.depth("BTCUSDT").pipe(
      Stream.runForEachArray((pushes) =>
        Effect.sync(() => {
          const now = nowMicros()
          const at = performance.now()
          for (const push of pushes) {
            samples.push((now - (push.sendTime ?? 0)) / 1000)
            added.push(at - arrivals[arrivalHead++]!)
          }
          if (arrivalHead > 100_000) {
            arrivals.splice(0, arrivalHead)
            arrivalHead = 0
          }
          seen += pushes.length
          if (done !== undefined && seen >= target) Deferred.doneUnsafe(done, Effect.void)
        })
      ),
      Effect.forkScoped
    )
    yield* Effect.sleep("100 millis")
    return {
      samples,
      added,
      run: (count) =>
        Effect.gen(function*() {
          seen = 0
          target = count
          done = yield* Deferred.make<void>()
          yield* feed.connection.send(`pace ${count} ${RATE} quiet`)
          yield* Deferred.await(done)
        }).pipe(Effect.orDie)
    } satisfies Recorder & { added: Array<number> }
  }).pipe(Effect.provide(recordingWebSocket))

/** ccxt pro: `watchOrderBook` until the book has applied the last paced frame. */
const ccxtRecorder = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const mexc = await mexcAt(`http://127.0.0.1:${port}`, `ws://127.0.0.1:${port}/ws`)
      await mexc.loadMarkets()
      const first = mexc.watchOrderBook("BTC/USDT")
      const socket = () => (Object.values(mexc.clients)[0] as { connection: WebSocket }).connection
      await new Promise((resolve) => setTimeout(resolve, 200))
      socket().send("blast 2000 quiet")
      let book = await first
      while ((book.nonce as number) < 1_000_000_000 + 1999) book = await mexc.watchOrderBook("BTC/USDT")
      let nonce = book.nonce as number
      const samples: Array<number> = []
      return {
        mexc,
        samples,
        run: (count: number) =>
          Effect.promise(async () => {
            const target = nonce + count
            socket().send(`pace ${count} ${RATE} quiet`)
            let b = await mexc.watchOrderBook("BTC/USDT")
            while (true) {
              samples.push((nowMicros() - (b.timestamp as number)) / 1000)
              if ((b.nonce as number) >= target) break
              b = await mexc.watchOrderBook("BTC/USDT")
            }
            nonce = b.nonce as number
          })
      }
    }),
    ({ mexc }) => Effect.promise(() => mexc.close())
  )

interface Rounds {
  p50: Array<number>
  p99: Array<number>
  p999: Array<number>
  samples: Array<number>
}
const rounds = (): Rounds => ({ p50: [], p99: [], p999: [], samples: [] })
const record = (into: Rounds, samples: Array<number>) => {
  into.p50.push(percentile(samples, 0.5))
  into.p99.push(percentile(samples, 0.99))
  into.p999.push(percentile(samples, 0.999))
  into.samples.push(samples.length)
  samples.length = 0
}

export const pacedLatency = Effect.scoped(Effect.gen(function*() {
  const server = yield* startFeedServer
  const url = `ws://127.0.0.1:${server.port}/`
  const baseline = yield* raw(url)
  const mine = yield* ours(url)
  yield* baseline.run(RATE / 2) // warm-up
  yield* mine.run(RATE / 2)
  const r = { raw: rounds(), ours: rounds(), ccxt: rounds(), added: rounds() }
  baseline.samples.length = 0
  mine.samples.length = 0
  mine.added.length = 0
  let wakeupsPerFrame = 0
  for (let i = 0; i < ROUNDS; i++) {
    yield* baseline.run(COUNT)
    record(r.raw, baseline.samples)
    const before = wakeups.microtask + wakeups.immediate
    yield* mine.run(COUNT)
    wakeupsPerFrame += (wakeups.microtask + wakeups.immediate - before) / COUNT / ROUNDS
    record(r.ours, mine.samples)
    record(r.added, mine.added)
  }
  if (WITH_CCXT) yield* Effect.scoped(Effect.gen(function*() {
    const ccxt = yield* ccxtRecorder(server.port)
    yield* ccxt.run(RATE / 2)
    ccxt.samples.length = 0
    for (let i = 0; i < ROUNDS; i++) {
      yield* ccxt.run(COUNT)
      record(r.ccxt, ccxt.samples)
    }
  }))
  const rows: Array<Row> = []
  for (const [p, label, target] of [["p50", "p50", undefined], ["p99", "p99", 1.5], ["p999", "p99.9", undefined]] as const) {
    const ratio = pairedRatio("raw ws", r.ours[p], r.raw[p])
    rows.push({
      group: 2,
      what: `latency ${label}, send to subscriber, ${RATE.toLocaleString("en")} msg/s paced`,
      ours: figure(r.ours[p], "ms"),
      baselines: WITH_CCXT ? { "raw ws": figure(r.raw[p], "ms"), ccxt: figure(r.ccxt[p], "ms") } : { "raw ws": figure(r.raw[p], "ms") },
      ratio,
      target: target !== undefined
        ? { text: `<= ${target}x raw`, met: ratio.value <= target }
        : undefined,
      note: p === "p50" ? `${wakeupsPerFrame.toFixed(2)} fiber wake-ups per frame` : undefined
    })
  }
  for (const [p, label] of [["p50", "p50"], ["p99", "p99"], ["p999", "p99.9"]] as const) {
    rows.push({
      group: 2,
      what: `latency ${label} added in process, socket message to subscriber, ${RATE.toLocaleString("en")} msg/s paced`,
      ours: figure(r.added[p].map((ms) => ms * 1000), "µs"),
      baselines: {},
      note: p === "p50" ? "raw ws hands the frame to its code at the socket message: 0 by definition" : undefined
    })
  }
  const ccxtP99 = figure(r.ccxt.p99, "ms")
  const oursP99 = figure(r.ours.p99, "ms")
  if (WITH_CCXT) rows.push({
    group: 7,
    what: "latency p99 vs ccxt watchOrderBook, same paced feed",
    ours: oursP99,
    baselines: { ccxt: ccxtP99 },
    ratio: pairedRatio("ccxt", r.ours.p99, r.ccxt.p99),
    target: { text: "faster than ccxt", met: oursP99.value < ccxtP99.value },
    note: `ccxt coalesces: ${Math.round(r.ccxt.samples.reduce((a, b) => a + b, 0) / ROUNDS)} books per ${COUNT} frames`
  })
  for (const row of rows) {
    console.log(`${row.what}: ours ${row.ours?.value.toFixed(3)} ms, ${Object.entries(row.baselines).map(([k, f]) => `${k} ${f.value.toFixed(3)} ms`).join(", ")}`)
  }
  const perRound = (p: "p50" | "p99" | "p999") => r.ours[p].map((o, i) => (o / r.raw[p][i]!).toFixed(2)).join(" ")
  console.log(`per-round ours/raw: p50 ${perRound("p50")}; p99 ${perRound("p99")}; p99.9 ${perRound("p999")}; wake-ups/frame ${wakeupsPerFrame.toFixed(2)}`)
  const us = (xs: ReadonlyArray<number>) => xs.map((x) => (x * 1000).toFixed(0)).join(" ")
  console.log(`per-round added in process (µs): p50 ${us(r.added.p50)}; p99 ${us(r.added.p99)}; p99.9 ${us(r.added.p999)}`)
  return rows
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "latency",
  description: "send-to-subscriber latency at a paced rate vs raw ws and ccxt",
  run: () => Effect.runPromise(pacedLatency)
}

if (import.meta.main) await suite.run()
