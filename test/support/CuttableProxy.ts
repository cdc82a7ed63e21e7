/**
 * A TCP proxy on 127.0.0.1 in front of a loopback server that a test can cut off: while cut,
 * every connection through it is destroyed and new ones are closed as soon as they arrive (a
 * process whose network is gone), until it is restored. Lives in the caller's scope.
 */
import * as net from "node:net"
import { Effect } from "effect"

export interface CuttableProxy {
  /** `http://127.0.0.1:<port>`: the target's origin, through the proxy. */
  readonly origin: string
  /** Destroys every open connection and refuses new ones until {@link restore}. */
  readonly cut: () => void
  readonly restore: () => void
}

/** A proxy to `target` (an `http://host:port` origin) in the current scope. */
export const make = (target: string) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ server: net.Server; sockets: Set<net.Socket>; proxy: CuttableProxy }>((resolve) => {
        const url = new URL(target)
        const sockets = new Set<net.Socket>()
        let isCut = false
        const track = (socket: net.Socket) => {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => socket.destroy())
        }
        const server = net.createServer((client) => {
          track(client)
          if (isCut) return void client.destroy()
          const upstream = net.connect(Number(url.port), url.hostname)
          track(upstream)
          client.pipe(upstream)
          upstream.pipe(client)
          client.on("close", () => upstream.destroy())
          upstream.on("close", () => client.destroy())
        })
        server.listen(0, "127.0.0.1", () => {
          const port = (server.address() as net.AddressInfo).port
          resolve({
            server,
            sockets,
            proxy: {
              origin: `http://127.0.0.1:${port}`,
              cut: () => {
                isCut = true
                for (const socket of sockets) socket.destroy()
              },
              restore: () => {
                isCut = false
              }
            }
          })
        })
      })
    ),
    ({ server, sockets }) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resolve())
        })
      )
  ).pipe(Effect.map(({ proxy }) => proxy))
