/**
 * Starts `feed-server.ts` in a child process for the scope's lifetime: its port, each client's
 * URLs, and the bench's control calls (over HTTP, not through the client being measured).
 */
import { spawn } from "node:child_process"
import { Effect } from "effect"

/** The symbol the feed server serves (its only one). */
export const feedSymbol = "BTCUSDT"

/** The versions a blast or paced run carries. */
export interface RunVersions {
  readonly first: number
  readonly last: number
}

/** The server's book after a run: version and top of book as MEXC text. */
export interface ServerBook {
  readonly version: number
  readonly bestBid: readonly [string, string] | null
  readonly bestAsk: readonly [string, string] | null
}

/**
 * This process's `performance.now()` (ms) minus the machine's monotonic clock (`process.hrtime`,
 * ms): the server's send times plus this are on the `performance.now()` clock here.
 */
export const monotonicOffsetMs = (): number => performance.now() - Number(process.hrtime.bigint()) / 1e6

export interface FeedServer {
  readonly port: number
  /** The REST base URL of client `id`'s venue (`http://127.0.0.1:<port>/c/<id>`). */
  readonly restUrl: (id: string) => string
  /** The WebSocket URL of client `id`'s venue. */
  readonly wsUrl: (id: string) => string
  /**
   * Starts sending `count` frames to client `id`'s subscribed sockets, as fast as they take them
   * (`rate` undefined) or paced at `rate` per second; answers the versions they carry. Retries
   * (up to 2 s) while no socket of the client has subscribed yet.
   */
  readonly send: (id: string, count: number, rate?: number) => Effect.Effect<RunVersions>
  /** The server's book of client `id`. */
  readonly book: (id: string) => Effect.Effect<ServerBook>
  /**
   * The send time of each version of client `id`'s last paced run, in µs on the machine's
   * monotonic clock (`process.hrtime`, the same in every process): see {@link monotonicOffsetMs}.
   */
  readonly sent: (id: string) => Effect.Effect<{ readonly first: number; readonly micros: ReadonlyArray<number> }>
  readonly kill: () => void
}

const call = <A>(url: string, method: "GET" | "POST" = "GET", retryConflictMs = 0): Effect.Effect<A> =>
  Effect.promise(async () => {
    const until = performance.now() + retryConflictMs
    while (true) {
      const res = await fetch(url, { method })
      if (res.status === 409 && performance.now() < until) {
        await res.arrayBuffer()
        await new Promise((resolve) => setTimeout(resolve, 10))
        continue
      }
      if (!res.ok) throw new Error(`feed server: ${method} ${url}: ${res.status} ${await res.text()}`)
      return (await res.json()) as A
    }
  })

export const startFeedServer = Effect.acquireRelease(
  Effect.callback<FeedServer>((resume) => {
    const child = spawn(process.execPath, [new URL("./feed-server.ts", import.meta.url).pathname], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout.once("data", (chunk: Buffer) => {
      const port = Number(chunk.toString().trim())
      const restUrl = (id: string) => `http://127.0.0.1:${port}/c/${encodeURIComponent(id)}`
      resume(Effect.succeed({
        port,
        restUrl,
        wsUrl: (id) => `ws://127.0.0.1:${port}/c/${encodeURIComponent(id)}/ws`,
        send: (id, count, rate) =>
          call<RunVersions>(
            rate === undefined
              ? `${restUrl(id)}/bench/blast?count=${count}`
              : `${restUrl(id)}/bench/pace?count=${count}&rate=${rate}`,
            "POST",
            2000
          ),
        book: (id) => call<ServerBook>(`${restUrl(id)}/bench/book`),
        sent: (id) => call(`${restUrl(id)}/bench/sent`, "GET", 2000),
        kill: () => child.kill("SIGTERM")
      }))
    })
  }),
  (server) => Effect.sync(() => server.kill())
)
