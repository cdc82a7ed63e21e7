/**
 * The WebSocket session skeleton every simulated venue shares: how a connection is upgraded and
 * tracked, how its outbox is written out (batches, the TCP socket's backpressure, the WS latency
 * fault, a queued close frame ends the session), the inbound rate limit, the watchdog that closes
 * a connection when one of its deadlines passes, and the registry's connection-level operations
 * (drop every connection, ask one to close, shut every one down at server close).
 *
 * What a session says (MEXC's control plane, Gate's envelope) and what it subscribes to stay in
 * each venue's `Ws.ts`; they build on these pieces.
 *
 * @since 0.1.0
 */
import type * as Http from "node:http"
import { Clock, Deferred, Duration, Effect, Queue, type Scope } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as Socket from "effect/socket/Socket"
import { LiveClock } from "../../lifecycle/index.ts"
import type { FaultState } from "./Faults.ts"

/** A frame a venue sends: text (JSON) or binary (protobuf). */
export type Frame = Uint8Array | string

/** What every session holds for its connection, whatever the venue. */
export interface SessionLine<F extends Frame = Frame> {
  /** Frames (and at most one close frame) waiting for the writer; bounded, newest dropped when full. */
  readonly outbox: Queue.Queue<F | Socket.CloseEvent>
  /** The TCP socket under the upgrade, destroyed to drop the connection abruptly. */
  readonly raw: { destroy(): void } | undefined
  /** Completed when the server wants the session gone. */
  readonly stop: Deferred.Deferred<void>
  /** Completed when a close frame was queued: the writer then stops waiting for the client to drain. */
  readonly closing: Deferred.Deferred<void>
}

/** A TCP socket under an upgraded connection, as far as the registry needs it. */
interface TrackedSocket {
  readonly destroyed: boolean
  destroy(): void
  once(event: "close", listener: () => void): unknown
}

/**
 * The open sessions of one venue's WebSocket server and the TCP sockets under them. A venue's
 * registry extends it with its subscriptions (by channel, by account) and its own `add`/`remove`.
 */
export class SessionRegistry<S extends SessionLine<any>> {
  readonly sessions = new Set<S>()
  /** TCP sockets under upgraded connections, until they close. */
  private readonly raw = new Set<{ destroy(): void }>()

  /** Tracks the TCP socket under an upgraded connection until it closes. */
  trackSocket(socket: TrackedSocket): void {
    // Already gone (the client left right after the upgrade): its "close" will not come again.
    if (socket.destroyed) return
    this.raw.add(socket)
    socket.once("close", () => this.raw.delete(socket))
  }

  /** TCP sockets of WebSocket connections still open (including ones in their close handshake). */
  openSockets(): number {
    return this.raw.size
  }

  /** Destroys every WebSocket TCP socket still open (the end of shutdown). */
  destroyAll(): void {
    for (const socket of this.raw) socket.destroy()
    this.raw.clear()
  }

  /** Drops every connection abruptly (TCP destroyed, no close frame); answers how many. */
  dropAll(): number {
    let n = 0
    for (const session of this.sessions) {
      n++
      if (session.raw !== undefined) session.raw.destroy()
      else Deferred.doneUnsafe(session.stop, Effect.void)
    }
    return n
  }

  /**
   * Asks a session to close with `code`/`reason` after what it has queued. A session whose
   * outbox is full (a stalled client) is stopped at once instead.
   */
  requestClose(session: S, code: number, reason: string): void {
    if (!Queue.offerUnsafe(session.outbox, new Socket.CloseEvent(code, reason))) {
      Deferred.doneUnsafe(session.stop, Effect.void)
    } else {
      Deferred.doneUnsafe(session.closing, Effect.void)
    }
  }

  /**
   * The server's shutdown of its WebSockets: asks every session to go (1001), gives clients up to
   * 250 ms to answer the close frame (on the live clock, so a test's TestClock cannot hold it up),
   * then destroys whatever TCP socket is left.
   */
  closeAll(): Effect.Effect<void> {
    const registry = this
    return Effect.gen(function*() {
      for (const session of registry.sessions) registry.requestClose(session, 1001, "server shutting down")
      // Sessions end once their close frame is written; give clients a moment to answer it.
      for (let waited = 0; registry.openSockets() > 0 && waited < 250; waited += 10) {
        yield* Effect.sleep(Duration.millis(10))
      }
      registry.destroyAll()
    }).pipe(LiveClock.withLiveClock)
  }
}

/** A connection just upgraded: its socket's two sides and the TCP socket under it. */
export interface Upgraded<F extends Frame> {
  readonly writer: Socket.Writer
  readonly reader: Socket.Reader
  readonly tcp: Http.IncomingMessage["socket"]
  /** The session's connection parts, outbox bounded at `outboxCapacity` (default 4096). */
  readonly line: SessionLine<F>
}

/** Upgrades `request` to a WebSocket in the current scope and tracks its TCP socket in `registry`. */
export const upgrade = <F extends Frame>(
  request: HttpServerRequest,
  registry: SessionRegistry<any>,
  outboxCapacity: number | undefined
): Effect.Effect<Upgraded<F>, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const socket = yield* request.upgrade
    const writer = yield* socket.writer
    const reader = yield* socket.reader
    const tcp = (request.source as Http.IncomingMessage).socket
    registry.trackSocket(tcp)
    const line: SessionLine<F> = {
      outbox: yield* Queue.dropping<F | Socket.CloseEvent>(outboxCapacity ?? 4096),
      raw: tcp,
      stop: yield* Deferred.make<void>(),
      closing: yield* Deferred.make<void>()
    }
    return { writer, reader, tcp, line }
  })

/**
 * Forks the session's writer into the current scope: it drains the outbox in batches, the WS
 * latency fault delaying each batch; a close frame is written after what was queued before it,
 * then the session stops. A failed write stops the session too.
 *
 * A socket write never waits: a client that stops reading makes Node buffer without bound. So the
 * writer waits for the TCP socket to drain before taking more, and the bounded outbox (newest
 * frames dropped when full) is what a stalled client costs the server. A queued close frame ends
 * the wait: it goes out (and `ws` cuts the connection if no close reply comes).
 */
export const startWriter = <F extends Frame>(
  upgraded: Upgraded<F>,
  faults: FaultState
): Effect.Effect<void, never, Scope.Scope> => {
  const { line, tcp, writer } = upgraded
  const socketDrained = Effect.callback<void>((resume) => {
    // Checked again here: the drain may have happened before this callback ran.
    if (!tcp.writableNeedDrain || tcp.destroyed) return resume(Effect.void)
    const done = () => {
      tcp.off("drain", done)
      tcp.off("close", done)
      resume(Effect.void)
    }
    tcp.on("drain", done)
    tcp.on("close", done)
    return Effect.sync(() => {
      tcp.off("drain", done)
      tcp.off("close", done)
    })
  })
  const drained = Effect.suspend(() =>
    tcp.writableNeedDrain && !tcp.destroyed ? Effect.raceFirst(socketDrained, Deferred.await(line.closing)) : Effect.void
  )
  return Effect.asVoid(Effect.forkScoped(Effect.forever(
    Effect.gen(function*() {
      yield* drained
      const batch = yield* Queue.takeAll(line.outbox)
      if (faults.wsLatencyMs > 0) yield* Effect.sleep(Duration.millis(faults.wsLatencyMs))
      let pending: Array<Frame> = []
      for (const item of batch) {
        if (Socket.isCloseEvent(item)) {
          if (pending.length > 0) yield* writer.writeAll(pending as [Frame])
          pending = []
          yield* writer.write(item)
          return yield* Deferred.succeed(line.stop, undefined)
        }
        pending.push(item)
      }
      if (pending.length > 0) yield* writer.writeAll(pending as [Frame])
    })
  ).pipe(Effect.catchCause(() => Deferred.succeed(line.stop, undefined)))))
}

/** The next deadline of a session and the close reason it gives. */
export interface Deadline {
  /** Epoch ms. */
  readonly at: number
  readonly reason: string
}

/**
 * Forks the session's watchdog into the current scope: it closes the session (1000, the deadline's
 * reason) once `next()` is due, checking at least every second (activity moves deadlines).
 */
export const startWatchdog = <S extends SessionLine<any>>(
  registry: SessionRegistry<S>,
  session: S,
  next: () => Deadline
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.asVoid(Effect.forkScoped(Effect.gen(function*() {
    while (true) {
      const now = yield* Clock.currentTimeMillis
      const deadline = next()
      if (now >= deadline.at) {
        registry.requestClose(session, 1000, deadline.reason)
        return
      }
      yield* Effect.sleep(Duration.millis(Math.min(deadline.at - now, 1_000)))
    }
  })))

/**
 * Reads the session's inbound frames until the client leaves or the server stops the session:
 * each frame (text, or binary decoded as UTF-8) goes to `handle` with the time it arrived, after
 * `onInbound`. More than `maxInboundPerSecond` (default 100) frames in a second close the
 * connection (1008 "too many messages") after what is queued.
 */
export const serveReads = <S extends SessionLine<any>>(
  upgraded: Upgraded<any>,
  registry: SessionRegistry<S>,
  session: S,
  options: {
    readonly startedAt: number
    readonly maxInboundPerSecond?: number | undefined
    readonly onInbound?: ((at: number) => void) | undefined
    readonly handle: (text: string, at: number) => void
  }
): Effect.Effect<void> => {
  const maxInbound = options.maxInboundPerSecond ?? 100
  let inboundWindowStart = options.startedAt
  let inboundCount = 0
  const readLoop = Effect.gen(function*() {
    while (true) {
      const batch = yield* upgraded.reader.pull
      const at = yield* Clock.currentTimeMillis
      for (const data of batch) {
        options.onInbound?.(at)
        if (at - inboundWindowStart >= 1_000) {
          inboundWindowStart = at
          inboundCount = 0
        }
        if (++inboundCount > maxInbound) {
          registry.requestClose(session, 1008, "too many messages")
          // Let the writer send what is queued and the close frame; it then ends the session.
          return yield* Deferred.await(session.stop)
        }
        options.handle(typeof data === "string" ? data : new TextDecoder().decode(data), at)
      }
    }
  }).pipe(Effect.ignore)
  return Effect.asVoid(Effect.raceFirst(readLoop, Deferred.await(session.stop)))
}
