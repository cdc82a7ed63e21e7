/**
 * 1. Feed throughput through the whole public path with order books: our `PublicExchange`
 * (`MexcPublic`: connection, queue, decode, parse, `BookSync` + `OrderBook`, hub, subscriber
 * streams of `orderBook(symbol)`) against raw `ws` + the same decoder, parser and book code + an
 * EventEmitter of views, both fed the same MEXC protobuf depth frames by a server in a child
 * process (`support/feed-server.ts`), both fanning the book out to 1, 4 and 16 subscribers (see
 * `support/BookClients.ts`). A run blasts `FEED_FRAMES` frames and ends when every subscriber has
 * seen the book at the last version; the book is then checked against the server's. The rate is
 * frames applied per second. Rounds alternate between the two so that machine noise hits both
 * alike; figures are medians of per-round rates, ratios are paired per round. Then ccxt pro's
 * `watchOrderBook` on the same feed.
 *
 * Where the two differ: raw takes a view and emits it after every frame; ours publishes one view
 * per routed batch (a subscriber of a sliding book wants the newest book, not every one).
 *
 * Run alone with `node bench/feed.ts`, or as part of `npm run bench`.
 */
import { Effect, References } from "effect"
import { figure, pairedRatio, type Row } from "./Report.ts"
import * as BookClients from "./support/BookClients.ts"
import { startFeedServer } from "./support/FeedServer.ts"
import { size, type Suite } from "./Suite.ts"

const FRAMES = size("FEED_FRAMES", 200_000, 20_000)
const ROUNDS = size("FEED_ROUNDS", 5, 2)
const CCXT_FRAMES = size("FEED_CCXT_FRAMES", 20_000, 5_000)
const SUBSCRIBERS = [1, 4, 16]

const rate = (client: BookClients.BookClient, frames: number) =>
  Effect.map(client.run(frames), (r) => frames / (r.ms / 1000))

const targets: Record<number, { text: string; min: number }> = {
  1: { text: ">= 0.90x raw", min: 0.9 },
  4: { text: ">= 0.80x raw", min: 0.8 }
}

/** Runs the throughput comparison for each subscriber count, then ccxt. */
export const feedThroughput = Effect.scoped(Effect.gen(function*() {
  const server = yield* startFeedServer
  const rows: Array<Row> = []
  let ours1: Array<number> = []
  for (const subscribers of SUBSCRIBERS) {
    const { raw, ours } = yield* Effect.scoped(Effect.gen(function*() {
      const id = `-${subscribers}`
      const raw = yield* BookClients.raw(server, { id: `raw${id}`, subscribers })
      const ours = yield* BookClients.ours(server, { id: `ours${id}`, subscribers })
      // warm-up: JIT both paths
      yield* raw.run(20_000)
      yield* ours.run(20_000)
      const rawRates: Array<number> = []
      const oursRates: Array<number> = []
      for (let r = 0; r < ROUNDS; r++) {
        rawRates.push(yield* rate(raw, FRAMES))
        oursRates.push(yield* rate(ours, FRAMES))
      }
      return { raw: rawRates, ours: oursRates }
    }))
    if (subscribers === 1) ours1 = ours
    const ratio = pairedRatio("raw ws", ours, raw)
    const target = targets[subscribers]
    rows.push({
      group: 1,
      what: `feed throughput with order book, ${subscribers} subscriber${subscribers > 1 ? "s" : ""}`,
      ours: figure(ours, "msg/s"),
      baselines: { "raw ws": figure(raw, "msg/s") },
      ratio,
      target: target ? { text: target.text, met: ratio.value >= target.min } : undefined,
      note: `PublicExchange.orderBook streams vs ws + decodePush + BookSync/OrderBook + EventEmitter; ${FRAMES.toLocaleString("en")} frames a round, book checked against the server's`
    })
    const rates = (xs: ReadonlyArray<number>) => xs.map((x) => Math.round(x)).join(" ")
    console.log(
      `feed ${subscribers}: ours/raw ${ratio.value.toFixed(2)}x (${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)}); ` +
        `msg/s per round: ours ${rates(ours)}, raw ${rates(raw)}`
    )
  }
  // ccxt keeps a book per update and hands its consumer the latest: a separate row.
  const ccxtRates = yield* Effect.scoped(Effect.gen(function*() {
    const ccxt = yield* BookClients.ccxt(server, {})
    const rates: Array<number> = []
    for (let r = 0; r < ROUNDS; r++) rates.push(yield* rate(ccxt, CCXT_FRAMES))
    return rates
  }))
  const oursFigure = figure(ours1, "msg/s")
  const ccxtFigure = figure(ccxtRates, "msg/s")
  rows.push({
    group: 7,
    what: "feed throughput with order book, 1 subscriber, vs ccxt watchOrderBook",
    ours: oursFigure,
    baselines: { ccxt: ccxtFigure },
    ratio: { against: "ccxt", value: oursFigure.value / ccxtFigure.value },
    target: { text: "faster than ccxt", met: oursFigure.value > ccxtFigure.value },
    note: `ccxt applies each frame to its book; ${CCXT_FRAMES.toLocaleString("en")} frames a round`
  })
  console.log(`feed vs ccxt: ours ${oursFigure.value.toFixed(0)} msg/s, ccxt ${ccxtFigure.value.toFixed(0)} msg/s`)
  return rows
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "feed",
  description: "feed throughput with order books vs raw ws and ccxt",
  run: () => Effect.runPromise(feedThroughput)
}

if (import.meta.main) await suite.run()
