/**
 * The feed benchmarks' server, run as a child process so that it does not share an event loop
 * with the client being measured. It prints its port, then serves, on that one port, one small
 * MEXC venue per client id: everything under `/c/<id>/` (REST at `http://host:port/c/<id>`,
 * WebSocket at `ws://host:port/c/<id>/ws`) belongs to client `<id>`; paths without the prefix
 * belong to the client with the empty id. Clients measured in turn (raw, ours, ccxt) so never
 * see each other's frames, and each one's versions stay continuous.
 *
 * Each venue keeps a real BTCUSDT order book (20 levels a side to start with) and its version:
 * every depth frame is the next version (`fromVersion` = `toVersion` = previous + 1) and is
 * applied to the server's book when sent, so a `depth` snapshot is exactly the book at the version
 * it answers, and a client's book can be checked against the server's after a run.
 *
 * - WebSocket, MEXC's framing: `SUBSCRIPTION` / `UNSUBSCRIPTION` / `PING` are acknowledged as MEXC
 *   does; subscriptions are remembered per socket.
 * - REST, the public MEXC endpoints an order-book client needs: `exchangeInfo` (the recorded
 *   fixture), `depth` (the venue's book and version), `time`, `ping`, and ccxt's futures market
 *   list and currency list (fixture, empty).
 * - Bench control over HTTP, not through the measured client (JSON answers):
 *   - `POST /bench/blast?count=N`: `N` aggregated-depth frames to every socket of the venue that
 *     subscribed BTCUSDT's 100 ms depth channel, as fast as the sockets take them, 256 frames to a
 *     socket write (a socket whose send buffer passes 4 MiB is waited for, on its `drain`). Answers at once
 *     `{ "first": v, "last": w }`, the versions the run will carry; 409 when no socket has
 *     subscribed the channel (yet).
 *   - `POST /bench/pace?count=N&rate=R`: the same frames paced at `R` per second, each stamped
 *     with its send time in microseconds (`sendTime`; MEXC sends milliseconds there), which the
 *     server also keeps per version for `GET /bench/sent`.
 *   - `GET /bench/book`: `{ version, bestBid: [price, quantity] | null, bestAsk }`, the venue's book.
 *   - `GET /bench/sent`: `{ first, micros: [...] }`, the send time of each version of the last
 *     paced run on the machine's monotonic clock (`process.hrtime`, µs; 409 while it runs).
 * - Legacy text commands on a socket (the shutdown and memory suites): `blast <count> [quiet]`
 *   and `pace <count> <perSecond> [quiet]` send to that socket only (then the text `done` unless
 *   `quiet`), `drop` terminates the connection (TCP reset, no close frame).
 */
import * as FS from "node:fs"
import * as Http from "node:http"
import type * as Net from "node:net"
import { type WebSocket, WebSocketServer } from "ws"
import { encodePush } from "../../src/venues/mexc/Proto.ts"

const symbol = "BTCUSDT"
const channel = `spot@public.aggre.depth.v3.api.pb@100ms@${symbol}`
/** Ten digits, so that every version of a run has the same width and can be patched in place. */
const firstVersion = 1_000_000_000
/** A socket whose send buffer holds more than this is waited for (its `drain`). */
const highWaterBytes = 4 * 1024 * 1024

// --- frames ------------------------------------------------------------------------------------

interface Level {
  readonly bid: boolean
  readonly price: string
  readonly quantity: string
  readonly remove: boolean
}

/**
 * Frame `i`'s levels: 3 bids and 3 asks within 30 ticks of 65,000, about one in five removing its
 * level, so that the touch moves (a lost or misapplied frame shows in the best bid/ask).
 */
const levelsOf = (i: number): ReadonlyArray<Level> => {
  const out: Array<Level> = []
  for (const bid of [true, false]) {
    for (let k = 0; k < 3; k++) {
      const ticks = 1 + ((i * 7 + k * 13 + (bid ? 0 : 5)) % 30)
      const remove = (i + k + (bid ? 0 : 2)) % 5 === 0
      out.push({
        bid,
        price: (65000 + (bid ? -1 : 1) * 0.01 * ticks).toFixed(2),
        quantity: remove ? "0.0000" : (0.0001 * (1 + ((i * 31 + k) % 997))).toFixed(4),
        remove
      })
    }
  }
  return out
}

/** An aggregated depth delta of 3 bid and 3 ask levels, MEXC's most frequent public frame. */
const frame = (levels: ReadonlyArray<Level>, version: number, sentAtMicros: number): Uint8Array => {
  const side = (bid: boolean) => levels.filter((l) => l.bid === bid).map((l) => ({ price: l.price, quantity: l.quantity }))
  return encodePush({
    channel,
    symbol,
    sendTime: sentAtMicros,
    createTime: sentAtMicros,
    body: {
      $case: "publicAggreDepths",
      value: {
        asks: side(false),
        bids: side(true),
        eventType: channel,
        fromVersion: String(version),
        toVersion: String(version),
        lastOrderCreateTime: 0
      }
    }
  } as Parameters<typeof encodePush>[0])
}

/** Byte offsets of the ASCII `version` in `bytes` (fromVersion and toVersion). */
const offsetsOf = (bytes: Uint8Array, version: number): Array<number> => {
  const needle = Buffer.from(String(version), "latin1")
  const out: Array<number> = []
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) out.push(at)
  return out
}

/** Blast frames: encoded once, copied and stamped with their version when sent. */
const templates = Array.from({ length: 1024 }, (_, i) => {
  const levels = levelsOf(i)
  const bytes = frame(levels, firstVersion, 0)
  return { levels, bytes, offsets: offsetsOf(bytes, firstVersion) }
})

const micros = () => Math.round((performance.timeOrigin + performance.now()) * 1000)
/**
 * The machine's monotonic clock (`CLOCK_MONOTONIC`, shared by every process) in µs: the send
 * times the client compares with its own readings. (`performance.timeOrigin` is each process's
 * own estimate of the wall clock at its start: two processes' estimates differ by tens of µs,
 * which is more than a quiet loopback's latency.)
 */
const monotonicMicros = () => Number(process.hrtime.bigint()) / 1000

// --- one venue per client id -------------------------------------------------------------------

class Venue {
  version = firstVersion - 1
  /** Frames sent so far (picks the next frame's template). */
  sequence = 0
  /** Price text -> quantity text. */
  readonly bids = new Map<string, string>()
  readonly asks = new Map<string, string>()
  readonly sockets = new Set<WebSocket>()
  /** The last paced run's send times, per version from `sentFirst`. */
  sent: Float64Array = new Float64Array(0)
  sentFirst = 0
  pacing = false

  constructor() {
    for (let k = 1; k <= 20; k++) {
      this.bids.set((65000 - 0.01 * k).toFixed(2), "0.5000")
      this.asks.set((65000 + 0.01 * k).toFixed(2), "0.5000")
    }
  }

  /** The next frame: its levels applied to the venue's book, its version taken. */
  next(): { readonly version: number; readonly template: (typeof templates)[number] } {
    const template = templates[this.sequence++ % templates.length]!
    for (const level of template.levels) {
      const side = level.bid ? this.bids : this.asks
      if (level.remove) side.delete(level.price)
      else side.set(level.price, level.quantity)
    }
    return { version: ++this.version, template }
  }

  subscribed(): Array<WebSocket> {
    return [...this.sockets].filter((ws) => subscriptions.get(ws)?.has(channel) === true && isOpen(ws))
  }

  best(bid: boolean): [string, string] | null {
    let best: string | undefined
    let bestValue = bid ? -Infinity : Infinity
    for (const price of (bid ? this.bids : this.asks).keys()) {
      const value = Number(price)
      if (bid ? value > bestValue : value < bestValue) {
        best = price
        bestValue = value
      }
    }
    return best === undefined ? null : [best, (bid ? this.bids : this.asks).get(best)!]
  }

  /** MEXC's `GET depth` answer: best first. */
  depth(limit: number) {
    const sorted = (side: Map<string, string>, bid: boolean) =>
      [...side.entries()].sort((a, b) => (bid ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))).slice(0, limit)
    return { lastUpdateId: this.version, bids: sorted(this.bids, true), asks: sorted(this.asks, false), timestamp: Date.now() }
  }
}

const venues = new Map<string, Venue>()
const venueOf = (id: string): Venue => {
  let venue = venues.get(id)
  if (venue === undefined) venues.set(id, venue = new Venue())
  return venue
}
const subscriptions = new WeakMap<WebSocket, Set<string>>()

/** `/c/<id>/rest...` -> [`id`, `/rest...`]; any other path belongs to the client with the empty id. */
const split = (pathname: string): [string, string] => {
  const m = /^\/c\/([^/]+)(\/.*)?$/.exec(pathname)
  return m === null ? ["", pathname] : [decodeURIComponent(m[1]!), m[2] ?? "/"]
}

const isOpen = (ws: WebSocket) => ws.readyState === ws.OPEN
const isFull = (ws: WebSocket) => isOpen(ws) && socketOf(ws).writableLength > highWaterBytes
const socketOf = (ws: WebSocket): Net.Socket => (ws as unknown as { _socket: Net.Socket })._socket

/** Frames written per socket write when blasting. */
const framesPerWrite = 256

/**
 * Writes frames `version`.. of the venue into `out` as WebSocket binary frames (server to client:
 * unmasked, FIN set), the bytes `ws.send` would write for each; returns the bytes used.
 */
const writeFrames = (venue: Venue, n: number, out: Buffer): number => {
  let at = 0
  for (let k = 0; k < n; k++) {
    const { template, version } = venue.next()
    const length = template.bytes.byteLength
    out[at++] = 0x82
    if (length < 126) out[at++] = length
    else {
      out[at++] = 126
      out.writeUInt16BE(length, at)
      at += 2
    }
    out.set(template.bytes, at)
    const digits = String(version)
    for (const offset of template.offsets) out.write(digits, at + offset, "latin1")
    at += length
  }
  return at
}
const maxFrameBytes = 4 + Math.max(...templates.map((t) => t.bytes.byteLength))

/**
 * Sends `count` frames to `targets` as fast as they take them; `then` after the last. Frames go
 * out `framesPerWrite` to a socket write, as a busy venue's do (one `ws.send` per frame would make
 * this server, not the client, the bottleneck: about 70,000 frames/s here).
 */
const blast = (venue: Venue, targets: ReadonlyArray<WebSocket>, count: number, then?: () => void) => {
  let i = 0
  const pump = () => {
    while (i < count) {
      if (!targets.some(isOpen)) return
      const n = Math.min(framesPerWrite, count - i)
      const out = Buffer.allocUnsafe(n * maxFrameBytes)
      const bytes = out.subarray(0, writeFrames(venue, n, out))
      for (const ws of targets) if (isOpen(ws)) socketOf(ws).write(bytes)
      i += n
      const full = targets.find(isFull)
      if (full !== undefined) return void socketOf(full).once("drain", pump)
      // Yield now and then, as a real server's event loop does: a close frame from the client
      // must be read (and stop the blast) promptly.
      if (i % 4096 === 0) return void setImmediate(pump)
    }
    then?.()
  }
  pump()
}

/** Sends `count` frames to `targets` paced at `perSecond`, each stamped with its send time. */
const pace = (venue: Venue, targets: ReadonlyArray<WebSocket>, count: number, perSecond: number, then?: () => void) => {
  const start = performance.now()
  venue.sent = new Float64Array(count)
  venue.sentFirst = venue.version + 1
  venue.pacing = true
  let i = 0
  const tick = () => {
    if (!targets.some(isOpen)) return void (venue.pacing = false)
    const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * perSecond))
    while (i < due) {
      const { template, version } = venue.next()
      venue.sent[i++] = monotonicMicros()
      const bytes = frame(template.levels, version, micros())
      for (const ws of targets) if (isOpen(ws)) ws.send(bytes)
    }
    if (i < count) return void setImmediate(tick)
    venue.pacing = false
    then?.()
  }
  tick()
}

// --- HTTP --------------------------------------------------------------------------------------

const fixture = (name: string) => FS.readFileSync(new URL(`../../test/fixtures/mexc/${name}`, import.meta.url))
const exchangeInfo = fixture("exchangeInfo.json")
const contractDetail = fixture("contractDetail.json")

const json = (res: Http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body))
}

const server = Http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost")
  const [id, path] = split(url.pathname)
  const venue = venueOf(id)
  const count = Number(url.searchParams.get("count"))
  switch (path) {
    case "/api/v3/ping":
      return json(res, 200, {})
    case "/api/v3/time":
      return json(res, 200, { serverTime: Date.now() })
    case "/api/v3/exchangeInfo":
      return json(res, 200, exchangeInfo)
    case "/api/v1/contract/detail":
      return json(res, 200, contractDetail)
    case "/api/v3/capital/config/getall":
      return json(res, 200, [])
    case "/api/v3/depth": {
      if (url.searchParams.get("symbol") !== symbol) return json(res, 400, { code: -1121, msg: "Invalid symbol." })
      return json(res, 200, venue.depth(Number(url.searchParams.get("limit") ?? 100)))
    }
    case "/bench/blast":
    case "/bench/pace": {
      const targets = venue.subscribed()
      if (targets.length === 0) return json(res, 409, { msg: `no socket of client "${id}" subscribed ${channel}` })
      if (!(count > 0)) return json(res, 400, { msg: "count must be a positive number" })
      const first = venue.version + 1
      json(res, 200, { first, last: first + count - 1 })
      if (path === "/bench/blast") return blast(venue, targets, count)
      return pace(venue, targets, count, Number(url.searchParams.get("rate") ?? 20_000))
    }
    case "/bench/book":
      return json(res, 200, { version: venue.version, bestBid: venue.best(true), bestAsk: venue.best(false) })
    case "/bench/sent":
      if (venue.pacing) return json(res, 409, { msg: "a paced run is in progress" })
      return json(res, 200, { first: venue.sentFirst, micros: Array.from(venue.sent) })
    default:
      return json(res, 404, { code: -1, msg: "not served by the bench feed server" })
  }
})

// --- WebSocket ---------------------------------------------------------------------------------

const wss = new WebSocketServer({ server })
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`${typeof address === "object" && address !== null ? address.port : address}\n`)
})

const control = (ws: WebSocket, text: string): boolean => {
  if (!text.startsWith("{")) return false
  try {
    const message = JSON.parse(text) as { method?: string; params?: Array<string> }
    const method = message.method?.toUpperCase()
    const params = message.params ?? []
    const subscribed = subscriptions.get(ws)!
    if (method === "PING") ws.send(JSON.stringify({ id: 0, code: 0, msg: "PONG" }))
    else if (method === "SUBSCRIPTION" || method === "UNSUBSCRIPTION") {
      for (const p of params) method === "SUBSCRIPTION" ? subscribed.add(p) : subscribed.delete(p)
      ws.send(JSON.stringify({ id: 0, code: 0, msg: params.join(",") }))
    }
  } catch {
    // not JSON: ignored
  }
  return true
}

wss.on("connection", (ws, req) => {
  const venue = venueOf(split(new URL(req.url ?? "/", "http://localhost").pathname)[0])
  venue.sockets.add(ws)
  subscriptions.set(ws, new Set())
  ws.on("close", () => venue.sockets.delete(ws))
  ws.on("message", (data) => {
    const text = data.toString()
    if (control(ws, text)) return
    const [command, a, b, c] = text.split(" ")
    const count = Number(a)
    if (command === "drop") {
      ws.terminate()
    } else if (command === "blast") {
      blast(venue, [ws], count, () => b !== "quiet" && ws.send("done"))
    } else if (command === "pace") {
      pace(venue, [ws], count, Number(b), () => c !== "quiet" && ws.send("done"))
    }
  })
})
process.on("SIGTERM", () => {
  for (const client of wss.clients) client.terminate()
  wss.close(() => server.close(() => process.exit(0)))
})
