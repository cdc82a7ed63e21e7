/**
 * 2. Latency at a paced rate, with order books: the feed server (child process) sends depth
 * frames at `LATENCY_RATE` per second and records each version's send time; raw `ws` + the same
 * decoder, parser and book code + an EventEmitter of views, and our `PublicExchange` with one
 * `orderBook(symbol)` subscriber (see `support/BookClients.ts`), each note the version of every
 * view their subscriber sees and when. Frame `v` is seen when the first view at a version `>= v`
 * is (ours publishes one view per routed batch, raw one per frame), so every frame gives one
 * sample: seen minus its send time (both read the machine's monotonic clock, `process.hrtime`). Rounds alternate
 * between the two; each round's p50, p99 and p99.9 are taken, the figures are their medians over
 * rounds, and the ratio is ours over raw, paired per round. Then ccxt pro's `watchOrderBook` on
 * the same feed, measured the same way (it hands its consumer the latest book, so it sees fewer
 * views).
 *
 * Also counts the fiber wake-ups our path makes per frame (`EagerScheduler.counters`), and the
 * latency added inside the process, to the subscriber seeing the frame's book, from two points:
 * the socket's `message` event (for ours a listener registered before the connection's own; for
 * raw the start of its handler), and the TCP read that completed the frame (the socket's `data`
 * event, before `ws` parses it). The first favours raw when several frames come in one read: raw
 * handles each inside its own event, so a frame's wait behind the frames before it happens before
 * its event; ours collects the read's frames and routes them as a batch, so that wait is counted.
 * The second counts it for both. Both ends are in the same process, so these figures leave out the
 * feed server, the network and the scheduling of two processes, which dominate the end-to-end
 * figures on a loaded machine.
 *
 * Run alone with `node bench/latency.ts`, or as part of `npm run bench`.
 */
import { Effect, References } from "effect"
import { counters as wakeups } from "../src/queue/internal/EagerScheduler.ts"
import { figure, pairedRatio, type Row } from "./Report.ts"
import * as BookClients from "./support/BookClients.ts"
import { type FeedServer, monotonicOffsetMs, startFeedServer } from "./support/FeedServer.ts"
import { percentile, size, type Suite } from "./Suite.ts"

const RATE = size("LATENCY_RATE", 20_000, 20_000)
const SECONDS = size("LATENCY_SECONDS", 2, 0.5)
const ROUNDS = size("LATENCY_ROUNDS", 7, 2)
/** `LATENCY_CCXT=0` leaves ccxt out (for quick before/after comparisons of our path). */
const WITH_CCXT = size("LATENCY_CCXT", 1, 1) !== 0
const COUNT = RATE * SECONDS

interface Rounds {
  p50: Array<number>
  p99: Array<number>
  p999: Array<number>
  /** Views the subscriber saw per round. */
  views: Array<number>
}
const rounds = (): Rounds => ({ p50: [], p99: [], p999: [], views: [] })
const record = (into: Rounds, samples: ReadonlyArray<number>, views: number) => {
  into.p50.push(percentile(samples, 0.5))
  into.p99.push(percentile(samples, 0.99))
  into.p999.push(percentile(samples, 0.999))
  into.views.push(views)
}

/**
 * One paced run of `client`: per-frame latencies from the server's send (ms) and, when the client
 * notes arrivals, from the socket's `message` event.
 */
const pacedRun = (server: FeedServer, id: string, client: BookClients.BookClient) =>
  Effect.gen(function*() {
    const run = yield* client.run(COUNT, RATE)
    const sent = yield* server.sent(id)
    if (sent.first !== run.first || sent.micros.length !== COUNT) throw new Error(`${client.name}: send times do not match the run`)
    const rec = client.recording
    const offset = monotonicOffsetMs()
    const fromSend = BookClients.perFrame(rec, run.first, run.last, (v) => sent.micros[v - run.first]! / 1000 + offset)
    if (fromSend.length !== COUNT) throw new Error(`${client.name}: ${fromSend.length} of ${COUNT} frames seen`)
    let fromMessage: Array<number> | undefined
    let fromRead: Array<number> | undefined
    if (rec.arrivals.length > 0) {
      if (rec.arrivals.length !== COUNT) throw new Error(`${client.name}: ${rec.arrivals.length} arrivals for ${COUNT} frames`)
      fromMessage = BookClients.perFrame(rec, run.first, run.last, (v) => rec.arrivals[v - run.first]!)
      fromRead = BookClients.perFrame(rec, run.first, run.last, (v) => rec.reads[v - run.first]!)
    }
    return { fromSend, fromMessage, fromRead, views: rec.versions.length }
  })

export const pacedLatency = Effect.scoped(Effect.gen(function*() {
  const server = yield* startFeedServer
  const baseline = yield* BookClients.raw(server, { id: "raw", subscribers: 1, record: true })
  const mine = yield* BookClients.ours(server, { id: "ours", subscribers: 1, record: true })
  yield* baseline.run(RATE / 2, RATE) // warm-up
  yield* mine.run(RATE / 2, RATE)
  const r = {
    raw: rounds(),
    ours: rounds(),
    ccxt: rounds(),
    rawAdded: rounds(),
    oursAdded: rounds(),
    rawRead: rounds(),
    oursRead: rounds()
  }
  let wakeupsPerFrame = 0
  for (let i = 0; i < ROUNDS; i++) {
    const a = yield* pacedRun(server, "raw", baseline)
    record(r.raw, a.fromSend, a.views)
    record(r.rawAdded, a.fromMessage!, a.views)
    record(r.rawRead, a.fromRead!, a.views)
    const before = wakeups.microtask + wakeups.immediate
    const b = yield* pacedRun(server, "ours", mine)
    wakeupsPerFrame += (wakeups.microtask + wakeups.immediate - before) / COUNT / ROUNDS
    record(r.ours, b.fromSend, b.views)
    record(r.oursAdded, b.fromMessage!, b.views)
    record(r.oursRead, b.fromRead!, b.views)
  }
  if (WITH_CCXT) {
    yield* Effect.scoped(Effect.gen(function*() {
      const ccxt = yield* BookClients.ccxt(server, { id: "ccxt", record: true })
      yield* ccxt.run(RATE / 2, RATE)
      for (let i = 0; i < ROUNDS; i++) {
        const c = yield* pacedRun(server, "ccxt", ccxt)
        record(r.ccxt, c.fromSend, c.views)
      }
    }))
  }
  const mean = (xs: ReadonlyArray<number>) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length)
  const rows: Array<Row> = []
  for (const [p, label, target] of [["p50", "p50", undefined], ["p99", "p99", 1.5], ["p999", "p99.9", undefined]] as const) {
    const ratio = pairedRatio("raw ws", r.ours[p], r.raw[p])
    rows.push({
      group: 2,
      what: `latency ${label} with order book, send to subscriber, ${RATE.toLocaleString("en")} msg/s paced`,
      ours: figure(r.ours[p], "ms"),
      baselines: WITH_CCXT ? { "raw ws": figure(r.raw[p], "ms"), ccxt: figure(r.ccxt[p], "ms") } : { "raw ws": figure(r.raw[p], "ms") },
      ratio,
      target: target !== undefined
        ? { text: `<= ${target}x raw`, met: ratio.value <= target }
        : undefined,
      note: p === "p50"
        ? `per frame: seen at the first view at its version or later; ${wakeupsPerFrame.toFixed(2)} fiber wake-ups per frame; ` +
          `views per ${COUNT.toLocaleString("en")} frames: ours ${mean(r.ours.views)}, raw ${mean(r.raw.views)}` +
          (WITH_CCXT ? `, ccxt ${mean(r.ccxt.views)}` : "")
        : undefined
    })
  }
  const inProcess = [
    [
      "socket message to subscriber",
      r.oursAdded,
      r.rawAdded,
      "raw does its work inside each frame's message event, so a frame's wait behind the frames before it in the same read is not counted for raw; ours takes the read's frames first, then routes them as one batch"
    ],
    [
      "socket read to subscriber",
      r.oursRead,
      r.rawRead,
      "from the TCP read that completed the frame (before ws parses it): both count the wait behind the frames before it in the same read"
    ]
  ] as const
  for (const [what, mine, base, note] of inProcess) {
    for (const [p, label] of [["p50", "p50"], ["p99", "p99"], ["p999", "p99.9"]] as const) {
      rows.push({
        group: 2,
        what: `latency ${label} in process with order book, ${what}, ${RATE.toLocaleString("en")} msg/s paced`,
        ours: figure(mine[p].map((ms) => ms * 1000), "µs"),
        baselines: { "raw ws": figure(base[p].map((ms) => ms * 1000), "µs") },
        ratio: pairedRatio("raw ws", mine[p], base[p]),
        note: p === "p50" ? note : undefined
      })
    }
  }
  const ccxtP99 = figure(r.ccxt.p99, "ms")
  const oursP99 = figure(r.ours.p99, "ms")
  if (WITH_CCXT) {
    rows.push({
      group: 7,
      what: "latency p99 with order book vs ccxt watchOrderBook, same paced feed",
      ours: oursP99,
      baselines: { ccxt: ccxtP99 },
      ratio: pairedRatio("ccxt", r.ours.p99, r.ccxt.p99),
      target: { text: "faster than ccxt", met: oursP99.value < ccxtP99.value },
      note: `ccxt hands over the latest book: ${mean(r.ccxt.views)} books per ${COUNT.toLocaleString("en")} frames`
    })
  }
  for (const row of rows) {
    console.log(`${row.what}: ours ${row.ours?.value.toFixed(3)} ${row.ours?.unit}, ${Object.entries(row.baselines).map(([k, f]) => `${k} ${f.value.toFixed(3)} ${f.unit}`).join(", ")}`)
  }
  const perRound = (a: Rounds, b: Rounds, p: "p50" | "p99" | "p999") => a[p].map((o, i) => (o / b[p][i]!).toFixed(2)).join(" ")
  console.log(
    `per-round ours/raw: p50 ${perRound(r.ours, r.raw, "p50")}; p99 ${perRound(r.ours, r.raw, "p99")}; ` +
      `p99.9 ${perRound(r.ours, r.raw, "p999")}; wake-ups/frame ${wakeupsPerFrame.toFixed(2)}`
  )
  const us = (xs: ReadonlyArray<number>) => xs.map((x) => (x * 1000).toFixed(0)).join(" ")
  for (const [what, mine, base] of inProcess) {
    console.log(
      `per-round in process, ${what} (µs): ours p50 ${us(mine.p50)}; p99 ${us(mine.p99)}; p99.9 ${us(mine.p999)} | ` +
        `raw p50 ${us(base.p50)}; p99 ${us(base.p99)}; p99.9 ${us(base.p999)}`
    )
  }
  return rows
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "latency",
  description: "send-to-subscriber latency with order books at a paced rate vs raw ws and ccxt",
  run: () => Effect.runPromise(pacedLatency)
}

if (import.meta.main) await suite.run()
