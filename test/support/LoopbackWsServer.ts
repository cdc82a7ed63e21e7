/**
 * A real `ws` server on 127.0.0.1 for connection tests, with switches for the faults a venue can
 * throw at a client: drop every connection (TCP reset), close them politely, refuse new
 * connections, go silent (no data, no pongs, TCP left open), push arbitrary frames.
 *
 * It speaks just enough of the MEXC control protocol: `PING` gets a pong, `SUBSCRIPTION` an ack
 * (or, for channels `refuseChannel` picks, MEXC's refusal), `UNSUBSCRIPTION` an ack.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { WebSocket, WebSocketServer } from "ws"
import { waitUntil } from "./eventually.ts"

export interface LoopbackWsServer {
  readonly url: string
  readonly port: number
  /** Every text frame received, per connection, in order (connection index = accept order). */
  readonly received: Array<Array<string>>
  /** Connections accepted so far. */
  readonly accepted: () => number
  /** Currently open server-side sockets. */
  readonly clients: () => ReadonlyArray<WebSocket>
  /** Sends `frame` to every open client. */
  readonly broadcast: (frame: string | Uint8Array) => void
  /** Destroys every client's TCP socket without a close frame. */
  readonly dropAll: () => void
  /** Sends a close frame with `code` to every client. */
  readonly closeAll: (code?: number) => void
  /** Stops accepting TCP connections (connects are refused) until `accept()`. */
  readonly refuse: () => Effect.Effect<void>
  readonly accept: () => Effect.Effect<void>
  /** When true, inbound frames get no reply and nothing is pushed: a half-open peer. */
  silent: boolean
  /** Channels to refuse as MEXC does (`Not Subscribed successfully! [...]`). Default: none. */
  refuseChannel: (channel: string) => boolean
  /** Waits until `predicate` holds, polling; fails the test after `timeoutMs`. */
  readonly waitFor: (what: string, predicate: () => boolean, timeoutMs?: number) => Effect.Effect<void>
}

const listen = (server: http.Server, port: number) =>
  Effect.callback<void>((resume) => {
    server.listen(port, "127.0.0.1", () => resume(Effect.void))
  })

/** A scoped loopback server; closed (all clients terminated) with the scope. */
export const make = Effect.acquireRelease(
  Effect.gen(function*() {
    const httpServer = http.createServer((_, res) => res.writeHead(426).end())
    const wss = new WebSocketServer({ server: httpServer })
    const received: Array<Array<string>> = []
    const open = new Set<WebSocket>()
    wss.on("connection", (ws) => {
      const log: Array<string> = []
      received.push(log)
      open.add(ws)
      ws.on("close", () => open.delete(ws))
      ws.on("error", () => {})
      ws.on("message", (data, isBinary) => {
        if (isBinary) return
        const text = data.toString()
        log.push(text)
        if (self.silent) return
        try {
          const msg = JSON.parse(text) as { method?: string; params?: Array<string> }
          const method = msg.method?.toUpperCase()
          if (method === "PING") ws.send(JSON.stringify({ id: 0, code: 0, msg: "PONG" }))
          else if (method === "SUBSCRIPTION") {
            const params = msg.params ?? []
            const refused = params.filter((c) => self.refuseChannel(c))
            const accepted = params.filter((c) => !self.refuseChannel(c))
            if (accepted.length > 0) ws.send(JSON.stringify({ id: 0, code: 0, msg: accepted.join(",") }))
            if (refused.length > 0) {
              ws.send(JSON.stringify({
                id: 0,
                code: 0,
                msg: `Not Subscribed successfully! [${refused.join(",")}].  Reason： Blocked! `
              }))
            }
          } else if (method === "UNSUBSCRIPTION") {
            ws.send(JSON.stringify({ id: 0, code: 0, msg: (msg.params ?? []).join(",") }))
          }
        } catch {
          // not JSON: ignore, like a venue would
        }
      })
    })
    yield* listen(httpServer, 0)
    const port = (httpServer.address() as AddressInfo).port
    const self: LoopbackWsServer & { readonly close: () => Promise<void> } = {
      url: `ws://127.0.0.1:${port}/ws`,
      port,
      received,
      accepted: () => received.length,
      clients: () => [...open],
      broadcast: (frame) => {
        if (self.silent) return
        for (const ws of open) if (ws.readyState === WebSocket.OPEN) ws.send(frame)
      },
      dropAll: () => {
        for (const ws of open) ws.terminate()
      },
      closeAll: (code = 1001) => {
        for (const ws of open) ws.close(code, "server closing")
      },
      refuse: () =>
        Effect.sync(() => {
          httpServer.close()
        }),
      accept: () => listen(httpServer, port),
      silent: false,
      refuseChannel: () => false,
      waitFor: (what, predicate, timeoutMs = 5_000) => waitUntil(what, predicate, timeoutMs),
      close: () =>
        new Promise<void>((resolve) => {
          for (const ws of open) ws.terminate()
          wss.close()
          if (httpServer.listening) httpServer.close(() => resolve())
          else resolve()
        })
    }
    return self
  }),
  (server) => Effect.promise(() => server.close())
)
