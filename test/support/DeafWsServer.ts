/**
 * A WebSocket peer that completes the opening handshake and then never reads or answers anything
 * again, not even a close frame: the server a clean shutdown must not wait for (beyond its
 * close timeout).
 */
import { createHash } from "node:crypto"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/** A running deaf peer: its URL and the server-side sockets it still holds. */
export interface DeafWsServer {
  readonly url: string
  readonly sockets: ReadonlySet<net.Socket>
}

/** An unmasked server-to-client binary frame of `size` bytes (126 < size < 65536). */
const binaryFrame = (size: number): Buffer => {
  const frame = Buffer.alloc(4 + size, 0x61)
  frame[0] = 0x82
  frame[1] = 126
  frame.writeUInt16BE(size, 2)
  return frame
}

/** An unmasked server-to-client close frame with `code` and a short `reason`. */
const closeFrame = (code: number, reason: string): Buffer => {
  const text = Buffer.from(reason, "utf8")
  const frame = Buffer.alloc(4 + text.length)
  frame[0] = 0x88
  frame[1] = 2 + text.length // reasons here stay under 124 bytes
  frame.writeUInt16BE(code, 2)
  text.copy(frame, 4)
  return frame
}

/**
 * A deaf peer. With `burstFrames`, right after the handshake it also sends that many 1 KB binary
 * frames (a flood the client may stop reading); with `trickleEveryMs` it keeps streaming small
 * frames while never reading; with `closeWith`, it sends a close frame right after the handshake
 * and then keeps the TCP connection open without reading (a peer that says goodbye and hangs).
 */
export const make = (options?: {
  readonly burstFrames?: number
  readonly trickleEveryMs?: number
  readonly closeWith?: { readonly code: number; readonly reason: string }
}) =>
  Effect.acquireRelease(
  Effect.callback<{ url: string; server: net.Server; sockets: Set<net.Socket> }>((resume) => {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => {})
      let head = ""
      const onData = (chunk: Buffer) => {
        head += chunk.toString("latin1")
        if (!head.includes("\r\n\r\n")) return
        socket.off("data", onData)
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? ""
        const accept = createHash("sha1").update(key + GUID).digest("base64")
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`
        )
        const burst = options?.burstFrames ?? 0
        if (burst > 0) {
          const frame = binaryFrame(1000)
          socket.write(Buffer.concat(Array.from({ length: burst }, () => frame)))
        }
        if (options?.closeWith !== undefined) socket.write(closeFrame(options.closeWith.code, options.closeWith.reason))
        // From here on: read nothing (so the close frame goes unanswered); write nothing more, or
        // keep streaming small frames with `trickleEveryMs`.
        socket.pause()
        if (options?.trickleEveryMs !== undefined) {
          const small = binaryFrame(200)
          const timer = setInterval(() => socket.write(small), options.trickleEveryMs)
          socket.on("close", () => clearInterval(timer))
        }
      }
      socket.on("data", onData)
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resume(Effect.succeed({ url: `ws://127.0.0.1:${port}/ws`, server, sockets }))
    })
  }),
  ({ server, sockets }) =>
    Effect.callback<void>((resume) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resume(Effect.void))
    })
)
