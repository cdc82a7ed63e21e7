/**
 * The three order-book clients the feed and latency suites compare, each on its own venue of the
 * feed server (`FeedServer.ts`), each fanning the book out to `subscribers` consumers:
 *
 * - **raw**: `ws` (binaryType `arraybuffer`, the faster raw configuration) + the same decoder
 *   (`decodePush`) + `RawBook` (the same parser, `BookSync` over an `OrderBook`, its REST
 *   snapshot fetched with `fetch`) + an `EventEmitter` emitting the book's view after every
 *   applied frame to its listeners.
 * - **ours**: `MexcPublic` (the `PublicExchange`) on a `MexcRest` pointed at the server; each
 *   subscriber is an `exchange.orderBook(symbol)` stream. The book topic slides with the latest
 *   view replayed, one view per routed batch: a subscriber sees the newest book.
 * - **ccxt**: ccxt pro's `watchOrderBook` in a loop (it hands its consumer the latest book).
 *
 * A run asks the server (over HTTP) for `count` frames, blasted or paced, and ends when every
 * subscriber has seen the book at the run's last version; then the client's book is checked
 * against the server's (version, best bid and ask), and raw's and ours' against resyncs, so a
 * lost or misapplied frame fails the run instead of passing as speed.
 *
 * With `record`, the first subscriber notes each view's version and when it saw it, and (raw,
 * ours) for each binary frame the socket's `message` event time and the time of the TCP read that
 * completed it, for the latency figures: frame `v` is seen when the first view at version `>= v`
 * is.
 */
import { EventEmitter } from "node:events"
import { BigDecimal, Context, Effect, Layer, Stream } from "effect"
import * as Socket from "effect/socket/Socket"
import WebSocket from "ws"
import type { BookLevel, BookView } from "../../src/exchange/Model.ts"
import { PublicExchange } from "../../src/exchange/PublicExchange.ts"
import * as NodeWebSocket from "../../src/socket/NodeWebSocket.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import * as MexcPublic from "../../src/venues/mexc/MexcPublic.ts"
import * as MexcRest from "../../src/venues/mexc/MexcRest.ts"
import { decodePush } from "../../src/venues/mexc/Proto.ts"
import { channelName } from "../../src/venues/mexc/PushParse.ts"
import * as Quotas from "../../src/venues/mexc/Quotas.ts"
import { mexcAt } from "./Ccxt.ts"
import { type FeedServer, feedSymbol, type ServerBook } from "./FeedServer.ts"
import * as RawBook from "./RawBook.ts"

const symbol = feedSymbol
const channel = channelName("depth", symbol, "100ms")

/** What the recording subscriber saw in one run (times from `performance.now()`, ms). */
export interface Recording {
  /** Version of each view seen, in order. */
  readonly versions: Array<number>
  /** When each view was seen. */
  readonly seenAt: Array<number>
  /** The socket's `message` event time of each binary frame, in order (raw and ours). */
  readonly arrivals: Array<number>
  /**
   * When the TCP read that completed each binary frame came in (the socket's `data` event,
   * before `ws` parses it), in order (raw and ours).
   */
  readonly reads: Array<number>
}

export interface RunResult {
  /** From the run's request to every subscriber having seen the book at `last` (ms). */
  readonly ms: number
  readonly first: number
  readonly last: number
}

export interface BookClient {
  readonly name: string
  /** One run of `count` frames, blasted (`rate` undefined) or paced at `rate` per second. */
  readonly run: (count: number, rate?: number) => Effect.Effect<RunResult>
  /** The recording subscriber's notes (`record` on), cleared at the start of each run. */
  readonly recording: Recording
}

export interface ClientOptions {
  /** The client's venue on the feed server. Default: its name. */
  readonly id?: string | undefined
  readonly subscribers: number
  readonly record?: boolean | undefined
}

const newRecording = (): Recording => ({ versions: [], seenAt: [], arrivals: [], reads: [] })
const clear = (r: Recording) => {
  r.versions.length = 0
  r.seenAt.length = 0
  r.arrivals.length = 0
  r.reads.length = 0
}

/**
 * Notes when each TCP read of `ws` comes in, ahead of `ws`'s own `data` listener; `last()` is the
 * read that completed the frame `ws` is emitting now.
 */
const watchReads = (ws: WebSocket) => {
  let lastRead = 0
  const hook = () => {
    const socket = (ws as unknown as { _socket?: NodeJS.EventEmitter })._socket
    socket?.prependListener("data", () => (lastRead = performance.now()))
  }
  if (ws.readyState === ws.OPEN) hook()
  else ws.once("open", hook)
  return { last: () => lastRead }
}

/** A level as numbers, to compare the three clients' books with the server's text. */
type Top = readonly [number, number] | null
const topOf = (level: BookLevel | undefined): Top =>
  level === undefined ? null : [BigDecimal.toNumberUnsafe(level.price), BigDecimal.toNumberUnsafe(level.quantity)]
const serverTop = (level: ServerBook["bestBid"]): Top => level === null ? null : [Number(level[0]), Number(level[1])]
const sameTop = (a: Top, b: Top) => a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1])

/** Fails (defects) unless the client's book is the server's. */
const checkBook = (
  server: FeedServer,
  id: string,
  name: string,
  book: { readonly version: number; readonly bestBid: Top; readonly bestAsk: Top }
) =>
  Effect.map(server.book(id), (expected) => {
    const bid = serverTop(expected.bestBid)
    const ask = serverTop(expected.bestAsk)
    if (book.version !== expected.version || !sameTop(book.bestBid, bid) || !sameTop(book.bestAsk, ask)) {
      throw new Error(
        `${name}: book at ${book.version} ${JSON.stringify([book.bestBid, book.bestAsk])}, ` +
          `server at ${expected.version} ${JSON.stringify([bid, ask])}`
      )
    }
  })

/** Waits until `seen` (every subscriber's last version) reaches `target`. */
class Progress {
  readonly seen: Array<number>
  private target = Infinity
  private resolve: (() => void) | undefined
  constructor(subscribers: number) {
    this.seen = new Array<number>(subscribers).fill(-1)
  }
  note(s: number, version: number) {
    this.seen[s] = version
    if (version >= this.target && this.resolve !== undefined && this.seen.every((v) => v >= this.target)) {
      const resolve = this.resolve
      this.resolve = undefined
      resolve()
    }
  }
  until(target: number): Promise<void> {
    this.target = target
    if (this.seen.every((v) => v >= target)) return Promise.resolve()
    return new Promise((resolve) => (this.resolve = resolve))
  }
}

// --- raw -----------------------------------------------------------------------------------------

/** Baseline: raw `ws` + decode + `RawBook` (parse, `BookSync`/`OrderBook`) + an EventEmitter of views. */
export const raw = (server: FeedServer, options: ClientOptions) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const id = options.id ?? "raw"
      const rest = server.restUrl(id)
      const scale = (await RawBook.scales(rest, [symbol])).get(symbol)!
      const recording = newRecording()
      const record = options.record === true
      const progress = new Progress(options.subscribers)
      const emitter = new EventEmitter()
      emitter.setMaxListeners(options.subscribers + 1)
      for (let s = 0; s < options.subscribers; s++) {
        const recorder = record && s === 0
        emitter.on("book", (view: BookView) => {
          const version = Number(view.version)
          if (recorder) {
            recording.versions.push(version)
            recording.seenAt.push(performance.now())
          }
          progress.note(s, version)
        })
      }
      const ws = new WebSocket(server.wsUrl(id))
      ws.binaryType = "arraybuffer"
      const reads = watchReads(ws)
      let book: RawBook.RawBook | undefined
      ws.on("message", (data: ArrayBuffer | string, isBinary) => {
        if (!isBinary) return // acknowledgements
        if (record) {
          recording.arrivals.push(performance.now())
          recording.reads.push(reads.last())
        }
        const wrapper = decodePush(new Uint8Array(data as ArrayBuffer))
        if (wrapper.channel === channel && book?.apply(wrapper) === true) emitter.emit("book", book.sync.book.view())
      })
      await new Promise((resolve, reject) => {
        ws.once("open", resolve)
        ws.once("error", reject)
      })
      for (const frame of Protocol.subscribeFrames(MexcProtocol.market, [channel])) ws.send(frame)
      book = RawBook.make(rest, symbol, scale)
      await book.ready
      const sync = book.sync
      emitter.emit("book", sync.book.view())
      await progress.until(0)
      const client: BookClient = {
        name: "raw ws",
        recording,
        run: (count, rate) =>
          Effect.gen(function*() {
            clear(recording)
            const resyncs = sync.stats.resyncs
            const start = performance.now()
            const versions = yield* server.send(id, count, rate)
            yield* Effect.promise(() => progress.until(versions.last))
            const ms = performance.now() - start
            if (sync.stats.resyncs !== resyncs) throw new Error(`raw: ${sync.stats.resyncs - resyncs} resync(s) in a run`)
            yield* checkBook(server, id, "raw", {
              version: Number(sync.book.version),
              bestBid: topOf(sync.book.bestBid),
              bestAsk: topOf(sync.book.bestAsk)
            })
            return { ms, ...versions }
          })
      }
      return { client, ws }
    }),
    ({ ws }) => Effect.sync(() => ws.terminate())
  ).pipe(Effect.map(({ client }) => client))

// --- ours ----------------------------------------------------------------------------------------

/** Node's `ws` constructor as the product uses it, noting when each binary frame arrives (`message` event). */
const recordingConstructor = (recording: Recording) =>
  Layer.succeed(Socket.WebSocketConstructor)((url, options) => {
    const ws = NodeWebSocket.makeConstructor()(url, options) as unknown as WebSocket
    const reads = watchReads(ws)
    // Registered before the connection's own listener: where raw `ws` hands a frame to its code.
    ws.on("message", (_data, isBinary) => {
      if (isBinary) {
        recording.arrivals.push(performance.now())
        recording.reads.push(reads.last())
      }
    })
    return ws as unknown as globalThis.WebSocket
  })

/** Ours: `MexcPublic` on `MexcRest`, `subscribers` streams of `exchange.orderBook(symbol)`. */
export const ours = (server: FeedServer, options: ClientOptions) =>
  Effect.gen(function*() {
    const id = options.id ?? "ours"
    const recording = newRecording()
    const record = options.record === true
    const webSocket = record ? recordingConstructor(recording) : NodeWebSocket.layerConstructor()
    const context = yield* Layer.build(
      MexcPublic.layer({ url: server.wsUrl(id) }).pipe(
        Layer.provide(MexcRest.layerNode({ baseUrl: server.restUrl(id) }).pipe(Layer.provide(Quotas.layer))),
        Layer.provide(webSocket)
      )
    )
    const exchange = Context.get(context, PublicExchange)
    const progress = new Progress(options.subscribers)
    /** The newest view the first subscriber saw (the book as a user reads it). */
    let last: BookView | undefined
    for (let s = 0; s < options.subscribers; s++) {
      const recorder = record && s === 0
      yield* exchange.orderBook(symbol).pipe(
        Stream.runForEach((view) =>
          Effect.sync(() => {
            const version = Number(view.version)
            if (recorder) {
              recording.versions.push(version)
              recording.seenAt.push(performance.now())
            }
            if (s === 0) last = view
            progress.note(s, version)
          })
        ),
        Effect.orDie,
        Effect.forkScoped
      )
    }
    yield* Effect.promise(() => progress.until(0))
    const client: BookClient = {
      name: "ours",
      recording,
      run: (count, rate) =>
        Effect.gen(function*() {
          clear(recording)
          const resyncs = (yield* exchange.stats).resyncs
          const start = performance.now()
          const versions = yield* server.send(id, count, rate)
          yield* Effect.promise(() => progress.until(versions.last))
          const ms = performance.now() - start
          const after = (yield* exchange.stats).resyncs
          if (after !== resyncs) throw new Error(`ours: ${after - resyncs} resync(s) in a run`)
          if (last === undefined) throw new Error("ours: no book after the run")
          yield* checkBook(server, id, "ours", {
            version: Number(last.version),
            bestBid: topOf(last.bestBid),
            bestAsk: topOf(last.bestAsk)
          })
          return { ms, ...versions }
        })
    }
    return client
  })

// --- ccxt ----------------------------------------------------------------------------------------

/** ccxt pro: `watchOrderBook` in a loop until its book reaches the run's last version. */
export const ccxt = (server: FeedServer, options: Omit<ClientOptions, "subscribers">) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const id = options.id ?? "ccxt"
      const rest = server.restUrl(id)
      const mexc = await mexcAt(rest, server.wsUrl(id))
      await mexc.loadMarkets()
      const unified = "BTC/USDT"
      const recording = newRecording()
      const record = options.record === true
      let book = await (async () => {
        // ccxt takes its REST snapshot after the first deltas: frames until its first book.
        const first = mexc.watchOrderBook(unified)
        let warm = await Effect.runPromise(server.send(id, 2000))
        while (true) {
          const settled = await Promise.race([first.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))])
          if (settled) break
          warm = await Effect.runPromise(server.send(id, 100))
        }
        let b = await first
        while ((b.nonce as number) < warm.last) b = await mexc.watchOrderBook(unified)
        return b
      })()
      const client: BookClient = {
        name: "ccxt",
        recording,
        run: (count, rate) =>
          Effect.gen(function*() {
            clear(recording)
            const start = performance.now()
            const versions = yield* server.send(id, count, rate)
            const ms = yield* Effect.promise(async () => {
              while ((book.nonce as number) < versions.last) {
                book = await mexc.watchOrderBook(unified)
                if (record) {
                  recording.versions.push(book.nonce as number)
                  recording.seenAt.push(performance.now())
                }
              }
              return performance.now() - start
            })
            const top = (side: Array<Array<number | undefined>>): Top => side.length === 0 ? null : [side[0]![0]!, side[0]![1]!]
            yield* checkBook(server, id, "ccxt", {
              version: book.nonce as number,
              bestBid: top(book.bids as Array<Array<number>>),
              bestAsk: top(book.asks as Array<Array<number>>)
            })
            return { ms, ...versions }
          })
      }
      return { client, mexc }
    }),
    ({ mexc }) => Effect.promise(() => mexc.close())
  ).pipe(Effect.map(({ client }) => client))

/**
 * Per-frame latencies of a recorded paced run (ms): frame `v` is seen at the first view at a
 * version `>= v`; `from(v)` is when it started (its send time, or its arrival), on the
 * `performance.now()` clock of this process.
 */
export const perFrame = (recording: Recording, first: number, last: number, from: (version: number) => number): Array<number> => {
  const out: Array<number> = []
  let j = 0
  const { versions, seenAt } = recording
  for (let v = first; v <= last; v++) {
    while (j < versions.length && versions[j]! < v) j++
    if (j === versions.length) break
    out.push(seenAt[j]! - from(v))
  }
  return out
}
