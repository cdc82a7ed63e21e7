/**
 * Binds a simulator's HTTP app on a node server in the current scope, with the simulator's
 * shutdown order: on close, `beforeClose` runs first (the venue asks its WebSockets to go and cuts
 * those that linger), then the server closes with a short graceful window for in-flight requests
 * (on the live clock, so a test's TestClock cannot hold it up), then any connection left is cut.
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Duration, Effect, Scope } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import { LiveClock } from "../../lifecycle/index.ts"

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
