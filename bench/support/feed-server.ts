/**
 * The feed benchmarks' server, run as a child process so that it does not share an event loop
 * with the client being measured. It prints its port, then serves, on that one port:
 *
 * - WebSocket, MEXC's framing: `SUBSCRIPTION` / `UNSUBSCRIPTION` / `PING` are acknowledged as MEXC
 *   does. Bench commands are plain text:
 *   - `blast <count> [quiet]`: `count` aggregated-depth frames for BTCUSDT as fast as the socket
 *     takes them, then the text frame `done` (unless `quiet`: a client that counts needs no
 *     marker, and our pipeline rightly logs a text frame it cannot route);
 *   - `pace <count> <perSecond> [quiet]`: the same frames paced at `perSecond`, each carrying its
 *     send time in microseconds (`sendTime`) for latency measurement;
 *   - `drop`: terminates the connection (TCP reset, no close frame), for reconnect measurements.
 * - REST, the few public MEXC endpoints a client needs to sync an order book: `exchangeInfo` (the
 *   recorded fixture), `depth` (a snapshot), `time`, `ping`, and ccxt's futures market list (empty).
 *
 * Every frame carries the next version of its connection's sequence (`fromVersion` = `toVersion`,
 * continuous), so a client that keeps an order book applies every frame without a gap, and a
 * `depth` snapshot answers the version last sent (on the connection that sent last: the bench
 * drives one client at a time).
 */
import * as FS from "node:fs"
import * as Http from "node:http"
import { WebSocketServer, type WebSocket } from "ws"
import { encodePush } from "../../src/venues/mexc/Proto.ts"

const symbol = "BTCUSDT"
const channel = `spot@public.aggre.depth.v3.api.pb@100ms@${symbol}`
/** Ten digits, so that every version of a run has the same width and can be patched in place. */
const firstVersion = 1_000_000_000

/** An aggregated depth delta of 3 bid and 3 ask levels, MEXC's most frequent public frame. */
const frame = (i: number, version: number, sentAtMicros: number): Uint8Array => {
  const level = (side: number, k: number) => ({
    price: (65000 + side * (0.1 * (k + 1) + (i % 50) / 100)).toFixed(2),
    quantity: ((i + k) % 7 === 0 ? 0 : 0.001 * ((i + k) % 97)).toFixed(4)
  })
  return encodePush({
    channel,
    symbol,
    sendTime: sentAtMicros,
    createTime: sentAtMicros,
    body: {
      $case: "publicAggreDepths",
      value: {
        asks: [0, 1, 2].map((k) => level(1, k)),
        bids: [0, 1, 2].map((k) => level(-1, k)),
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
  const bytes = frame(i, firstVersion, 0)
  return { bytes, offsets: offsetsOf(bytes, firstVersion) }
})
const stamped = (i: number, version: number): Buffer => {
  const t = templates[i % templates.length]!
  const out = Buffer.from(t.bytes)
  const digits = String(version)
  for (const at of t.offsets) out.write(digits, at, "latin1")
  return out
}

const micros = () => Math.round((performance.timeOrigin + performance.now()) * 1000)

/** The version last sent, on the connection that sent last (what a depth snapshot answers). */
let lastVersion = firstVersion - 1

const fixture = (name: string) => FS.readFileSync(new URL(`../../test/fixtures/mexc/${name}`, import.meta.url))
const exchangeInfo = fixture("exchangeInfo.json")
const contractDetail = fixture("contractDetail.json")

const json = (res: Http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body))
}

const server = Http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost")
  switch (url.pathname) {
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
      const levels = (side: number) =>
        Array.from({ length: 20 }, (_, k) => [(65000 + side * 0.01 * (k + 1)).toFixed(2), "0.5000"])
      return json(res, 200, { lastUpdateId: lastVersion, bids: levels(-1), asks: levels(1), timestamp: Date.now() })
    }
    default:
      return json(res, 404, { code: -1, msg: "not served by the bench feed server" })
  }
})

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
    if (method === "PING") ws.send(JSON.stringify({ id: 0, code: 0, msg: "PONG" }))
    else if (method === "SUBSCRIPTION" || method === "UNSUBSCRIPTION") {
      ws.send(JSON.stringify({ id: 0, code: 0, msg: (message.params ?? []).join(",") }))
    }
  } catch {
    // not JSON: ignored
  }
  return true
}

wss.on("connection", (ws) => {
  let version = firstVersion - 1
  const next = () => (lastVersion = ++version)
  ws.on("message", (data) => {
    const text = data.toString()
    if (control(ws, text)) return
    const [command, a, b, c] = text.split(" ")
    const count = Number(a)
    if (command === "drop") {
      ws.terminate()
    } else if (command === "blast") {
      let i = 0
      const pump = () => {
        while (i < count) {
          if (ws.readyState !== ws.OPEN) return
          ws.send(stamped(i, next()))
          i++
          // Yield now and then, as a real server's event loop does: a close frame from the
          // client must be read (and stop the blast) promptly.
          if (ws.bufferedAmount > 4 * 1024 * 1024 || i % 4096 === 0) return void setImmediate(pump)
        }
        if (b !== "quiet") ws.send("done")
      }
      pump()
    } else if (command === "pace") {
      const perSecond = Number(b)
      const start = performance.now()
      let i = 0
      const tick = () => {
        const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * perSecond))
        if (ws.readyState !== ws.OPEN) return
        while (i < due) ws.send(frame(i++, next(), micros()))
        if (i < count) setImmediate(tick)
        else if (c !== "quiet") ws.send("done")
      }
      tick()
    }
  })
})
process.on("SIGTERM", () => {
  for (const client of wss.clients) client.terminate()
  wss.close(() => server.close(() => process.exit(0)))
})
