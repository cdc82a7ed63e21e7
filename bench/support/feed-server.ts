/**
 * The feed benchmark's server, run as a child process so that it does not share an event loop
 * with the client being measured. It prints its port, then answers each text message
 * `blast <count> [quiet]` by sending `count` pre-encoded MEXC aggregated-depth frames as fast as
 * the socket takes them, followed by the text frame `done` (unless `quiet`: a client that counts needs no marker, and our
 * pipeline rightly logs a text frame it cannot route).
 *
 * `drop` terminates the connection (TCP reset, no close frame), for reconnect measurements.
 *
 * `pace <count> <perSecond> [quiet]` sends the same frames paced at `perSecond`, each carrying its
 * send time in microseconds (`sendTime`) for latency measurement.
 */
import { WebSocketServer } from "ws"
import { encodePush } from "../../src/venues/mexc/Proto.ts"

const channel = "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"

/** An aggregated depth delta of 3 bid and 3 ask levels, MEXC's most frequent public frame. */
const frame = (i: number, sentAtMicros: number): Uint8Array => {
  const level = (side: number, k: number) => ({
    price: (65000 + side * (0.1 * (k + 1) + (i % 50) / 100)).toFixed(2),
    quantity: ((i + k) % 7 === 0 ? 0 : 0.001 * ((i + k) % 97)).toFixed(4)
  })
  return encodePush({
    channel,
    symbol: "BTCUSDT",
    sendTime: sentAtMicros,
    createTime: sentAtMicros,
    body: {
      $case: "publicAggreDepths",
      value: {
        asks: [0, 1, 2].map((k) => level(1, k)),
        bids: [0, 1, 2].map((k) => level(-1, k)),
        eventType: channel,
        fromVersion: String(1_000_000 + i),
        toVersion: String(1_000_000 + i),
        lastOrderCreateTime: 0
      }
    }
  } as Parameters<typeof encodePush>[0])
}

const prebuilt = Array.from({ length: 1024 }, (_, i) => frame(i, 0))
const micros = () => Math.round((performance.timeOrigin + performance.now()) * 1000)

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
wss.on("listening", () => {
  const address = wss.address()
  process.stdout.write(`${typeof address === "object" && address !== null ? address.port : address}\n`)
})
wss.on("connection", (ws) => {
  ws.on("message", (data) => {
    const [command, a, b, c] = data.toString().split(" ")
    const count = Number(a)
    if (command === "drop") {
      ws.terminate()
    } else if (command === "blast") {
      let i = 0
      const pump = () => {
        while (i < count) {
          if (ws.readyState !== ws.OPEN) return
          ws.send(prebuilt[i % prebuilt.length]!)
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
        while (i < due) ws.send(frame(i++, micros()))
        if (i < count) setImmediate(tick)
        else if (c !== "quiet") ws.send("done")
      }
      tick()
    }
  })
})
process.on("SIGTERM", () => {
  for (const client of wss.clients) client.terminate()
  wss.close(() => process.exit(0))
})
