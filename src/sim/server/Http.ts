/**
 * Binds a simulator's HTTP app on a node server in the current scope ({@link serveVenue}: a venue's
 * WebSocket, admin and REST endpoints on one port), with the simulator's shutdown order: on close,
 * `beforeClose` runs first (the venue asks its WebSockets to go and cuts those that linger), then
 * the server closes with a short graceful window for in-flight requests
 * (on the live clock, so a test's TestClock cannot hold it up), then any connection left is cut.
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Clock, Duration, Effect, Scope } from "effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { LiveClock } from "../../lifecycle/index.ts"
import { type FaultControl, handleAdmin } from "./Admin.ts"
import type { FaultState } from "./Faults.ts"
import { splitUrl } from "./Startup.ts"
import type { SessionRegistry } from "./WsSession.ts"

/** Where the server listens, and what a client should dial. */
export interface Bound {
  /** The interface bound, as asked. */
  readonly bound: string
  /** A host clients can dial (`127.0.0.1` for a wildcard bind, IPv6 in brackets). */
  readonly host: string
  readonly port: number
}

/** Serves `app` until the scope closes. */
export const serveHttp = Effect.fnUntraced(function*<E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest>,
  options: {
    readonly host?: string | undefined
    readonly port?: number | undefined
    readonly beforeClose: Effect.Effect<void>
  }
) {
  // The HTTP server lives in a scope of its own, closed after `beforeClose` has closed every
  // WebSocket: the server's WebSocketServer (created on the first upgrade) waits for its clients
  // when it closes, so they must be gone by then. It closes on the live clock: its graceful window
  // for in-flight requests must end even when a test installed a TestClock.
  const serverScope = yield* Effect.acquireRelease(
    Scope.make("sequential"),
    (scope, exit) => Scope.close(scope, exit).pipe(LiveClock.withLiveClock)
  )
  yield* Effect.addFinalizer(() => options.beforeClose)
  const nodeServer = Http.createServer()
  const server = yield* NodeHttpServer.make(() => nodeServer, {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    // WebSockets are closed by `beforeClose`; in-flight requests get this long.
    gracefulShutdownTimeout: Duration.millis(250)
  }).pipe(Scope.provide(serverScope))
  // Runs after the graceful window: whatever HTTP connection is left is cut.
  yield* Scope.addFinalizer(serverScope, Effect.sync(() => nodeServer.closeAllConnections()))
  // The simulator is not the program being observed: no server span per request (an embedded
  // simulator's spans would land in the app's traces, with listen keys in their URLs).
  yield* server.serve(app as Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>).pipe(
    Effect.withTracerEnabled(false),
    Scope.provide(serverScope)
  )
  const address = nodeServer.address()
  const port = typeof address === "object" && address !== null ? address.port : (options.port ?? 0)
  const bound = options.host ?? "127.0.0.1"
  const host = bound === "0.0.0.0" || bound === "::" ? "127.0.0.1" : bound.includes(":") ? `[${bound}]` : bound
  return { bound, host, port } satisfies Bound
})

/** What a venue's server is made of, for {@link serveVenue}. */
export interface VenueServer {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly faults: FaultState
  /** The switchboard the admin endpoint under `/sim/` drives. */
  readonly control: FaultControl
  /** The venue's WebSocket sessions, closed first at shutdown. */
  readonly registry: SessionRegistry<any>
  /** The request's URL as the venue routes it (default `request.url`). */
  readonly urlOf?: ((request: HttpServerRequest) => string) | undefined
  /** Whether `path` is the venue's WebSocket endpoint. */
  readonly isWsPath: (path: string) => boolean
  /** The venue's answer to an upgrade while connections are refused (the fault, or shutting down). */
  readonly refused: () => HttpServerResponse.HttpServerResponse
  /** Serves one WebSocket session until it ends. */
  readonly serveWs: (request: HttpServerRequest) => Effect.Effect<unknown>
  /** Answers any other request (the venue's REST API). */
  readonly rest: (request: HttpServerRequest, url: string) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  /** Runs first at shutdown, after new upgrades are refused (the feed stops pushing). */
  readonly onClose: () => void
}

/**
 * Serves a venue until the scope closes: its WebSocket endpoint (refused with the venue's answer
 * while the refuse-connections fault is on or the server is closing), the admin endpoint under
 * `/sim/`, and its REST API. At close: new upgrades are refused, `onClose` runs, every session is
 * asked to go and the lingering ones are cut (`SessionRegistry.closeAll`), then the HTTP server
 * closes ({@link serveHttp}).
 */
export const serveVenue = (venue: VenueServer) => {
  let closing = false
  const app = Effect.gen(function*() {
    const request = yield* HttpServerRequest
    const url = venue.urlOf?.(request) ?? request.url
    const { path, query } = splitUrl(url)
    if (venue.isWsPath(path)) {
      const now = yield* Clock.currentTimeMillis
      if (closing || venue.faults.refusing(now)) return venue.refused()
      yield* venue.serveWs(request)
      return HttpServerResponse.empty()
    }
    const admin = handleAdmin(request.method, path, new URLSearchParams(query), venue.control)
    if (admin !== undefined) return yield* admin
    return yield* venue.rest(request, url)
  }).pipe(
    // effect/http runs handlers uninterruptibly unless they opt in. Ours may be interrupted
    // anywhere (engine calls are synchronous), so shutdown and client aborts are not held up by
    // a latency fault or an open WebSocket session.
    Effect.interruptible
  )
  return serveHttp(app, {
    host: venue.host,
    port: venue.port,
    // Runs first on close: refuse new sockets, ask clients to go, then cut those that linger.
    beforeClose: Effect.suspend(() => {
      closing = true
      venue.onClose()
      return venue.registry.closeAll()
    })
  })
}
