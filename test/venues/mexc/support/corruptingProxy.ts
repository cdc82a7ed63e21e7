/**
 * A WebSocket proxy on 127.0.0.1 between a client and the simulator that passes every frame on and,
 * after each private deal push, sends two copies: one exact, one whose trade id is corrupted (a
 * venue's resend, a bit flip in transit). Lives in the caller's scope.
 */
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { type RawData, WebSocket, WebSocketServer } from "ws"
import { decodePush, encodePush } from "../../../../src/venues/mexc/Proto.ts"

export interface CorruptingProxy {
  /** Base URL to give the client instead of the simulator's. */
  readonly url: string
  /** Copies sent so far (two per deal push). */
  readonly copiesSent: () => number
}

const asBytes = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data

export const corruptingProxy = (upstreamUrl: string) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ server: WebSocketServer; proxy: CorruptingProxy }>((resolve) => {
        const upstream = new URL(upstreamUrl)
        let copies = 0
        const server = new WebSocketServer({ host: "127.0.0.1", port: 0 }, () => {
          const port = (server.address() as AddressInfo).port
          resolve({ server, proxy: { url: `ws://127.0.0.1:${port}${upstream.pathname}`, copiesSent: () => copies } })
        })
        server.on("connection", (client, request) => {
          const target = new WebSocket(`${upstream.protocol}//${upstream.host}${request.url ?? "/"}`)
          const pending: Array<RawData> = []
          client.on("message", (data, isBinary) => {
            if (target.readyState === WebSocket.OPEN) target.send(data, { binary: isBinary })
            else pending.push(data)
          })
          target.on("open", () => {
            for (const data of pending.splice(0)) target.send(data, { binary: false })
          })
          target.on("message", (data, isBinary) => {
            if (client.readyState !== WebSocket.OPEN) return
            client.send(data, { binary: isBinary })
            if (!isBinary) return
            const wrapper = decodePush(asBytes(data))
            if (wrapper.body?.$case !== "privateDeals") return
            client.send(data, { binary: true })
            const corrupted = { ...wrapper, body: { $case: "privateDeals" as const, value: { ...wrapper.body.value, tradeId: `${wrapper.body.value.tradeId}9` } } }
            client.send(encodePush(corrupted), { binary: true })
            copies += 2
          })
          const closeBoth = () => {
            client.terminate()
            target.terminate()
          }
          client.on("close", closeBoth)
          target.on("close", closeBoth)
          client.on("error", closeBoth)
          target.on("error", closeBoth)
        })
      })
    ),
    ({ server }) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          for (const client of server.clients) client.terminate()
          server.close(() => resolve())
        })
      )
  ).pipe(Effect.map(({ proxy }) => proxy))
