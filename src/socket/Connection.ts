/**
 * One logical WebSocket connection to a venue: it dials, reconnects forever (or up to N attempts)
 * with capped exponential backoff and jitter, pings on a heartbeat and drops connections that go
 * silent, replays its subscriptions after every reconnect, and delivers inbound frames in batches
 * to the sink it was built with.
 *
 * Every (re)connection lives in a child scope of its own: its reader, heartbeat and watchdog die
 * with it, so an old connection can never deliver into the next one. Closing the connection's
 * scope sends a normal close and terminates the socket if the peer does not answer in time.
 *
 * ```ts
 * const connection = yield* Connection.make({
 *   name: "public",
 *   url: "wss://wbs-api.mexc.com/ws",
 *   protocol: Protocol.mexc,
 *   sink: (frames) => queue.offerAll(frames)
 * })
 * yield* connection.subscribe("spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT") // scoped
 * ```
 *
 * @since 0.1.0
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import {
  Cause,
  Clock,
  Context,
  Duration,
  Effect,
  Exit,
  Latch,
  Layer,
  Metric,
  Option,
  Random,
  Scope,
  Stream,
  SubscriptionRef
} from "effect"
import * as Socket from "effect/socket/Socket"
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Lifecycle } from "../lifecycle/index.ts"
import * as Backoff from "./Backoff.ts"
import {
  Closed,
  ConnectionError,
  type ConnectionErrorReason,
  ConnectionShutdown,
  OpenFailed,
  OpenTimeout,
  ReadFailed,
  Stale,
  WriteTimeout
} from "./ConnectionError.ts"
import { type SubscriptionProtocol, subscribeFrames } from "./Protocol.ts"

/** An inbound or outbound WebSocket message. */
export type Frame = string | Uint8Array

/**
 * Where inbound frames go, a batch at a time. The connection does not read the next batch until
 * the sink's effect completes, so a sink that waits (a full queue) pauses socket reads.
 */
export type FrameSink = (frames: NonEmptyReadonlyArray<Frame>) => Effect.Effect<void>

/** What a connection is doing now. */
export type ConnectionState =
  | { readonly _tag: "Connecting"; readonly attempt: number }
  | { readonly _tag: "Open"; readonly connectionId: number; readonly since: number }
  | {
    readonly _tag: "Reconnecting"
    readonly attempt: number
    readonly retryInMs: number
    readonly lastError: ConnectionErrorReason
  }
  | { readonly _tag: "Closed"; readonly lastError?: ConnectionErrorReason | undefined }

/** Counters since the connection was made. */
export interface ConnectionStats {
  /** Connections that reached `Open`. */
  readonly connects: number
  /** Sessions that ended and were retried. */
  readonly reconnects: number
  /** Frames handed to the sink. */
  readonly framesDelivered: number
  /** Control replies (acks, pongs) consumed by the connection. */
  readonly controlFrames: number
  /** Frames over `maxFrameBytes`, skipped. */
  readonly oversizedFrames: number
  /** Sessions dropped by the stale-connection watchdog. */
  readonly staleDrops: number
  /** Control replies in which the venue refused a subscription (each logged as a warning). */
  readonly refusedSubscriptions: number
}

/** How a connection is set up. Durations accept Effect's `Duration.Input`. */
export interface ConnectionOptions {
  /** Names the connection in logs, metrics and errors (`connection:<name>` in the lifecycle log). */
  readonly name: string
  /** Where to dial. An effect is evaluated on every (re)connect (e.g. a fresh listen key). */
  readonly url: string | Effect.Effect<string>
  /** The venue's control-message format. */
  readonly protocol: SubscriptionProtocol
  /** Where inbound frames go. */
  readonly sink: FrameSink
  /** Handshake timeout. Default 10 s. */
  readonly openTimeout?: Duration.Input | undefined
  /** Reconnect backoff. Default 100 ms to 30 s, factor 2, jitter 0.2. */
  readonly backoff?: Backoff.BackoffOptions | undefined
  /** A connection open at least this long resets the backoff to its first step. Default 10 s. */
  readonly resetBackoffAfter?: Duration.Input | undefined
  /** Give up after this many consecutive failed attempts. Default: never. */
  readonly maxAttempts?: number | undefined
  /** Send `protocol.ping` this often. Default 10 s. `false` to disable. */
  readonly pingInterval?: Duration.Input | false | undefined
  /** A connection with no inbound frame for this long is stale and is dropped. Default 30 s. */
  readonly staleAfter?: Duration.Input | undefined
  /** How long an outbound frame may wait for an open connection. Default 5 s. */
  readonly writeTimeout?: Duration.Input | undefined
  /**
   * How long to wait for the peer to answer our close frame before terminating. Default 1 s. A
   * connection that is still streaming data when it closes does not wait: the answer would sit
   * behind everything the peer has in flight.
   */
  readonly closeTimeout?: Duration.Input | undefined
  /** Frames larger than this are counted and skipped. Default 16 MiB. */
  readonly maxFrameBytes?: number | undefined
  /** Bytes buffered before socket reads pause (passed to `Socket.fromWebSocket`). Default 64 KiB. */
  readonly highWaterMark?: number | undefined
  /** Release budget for the lifecycle kit. Default: `closeTimeout` + 1 s. */
  readonly stopBudget?: Duration.Input | undefined
}

/** One logical WebSocket connection. */
export interface ConnectionShape {
  readonly name: string
  /** The current state. */
  readonly state: Effect.Effect<ConnectionState>
  /** The current state, then every change, ending after `Closed`. */
  readonly states: Stream.Stream<ConnectionState>
  /** Waits until the connection is open (or fails if it is shut down). */
  readonly awaitOpen: Effect.Effect<void, ConnectionError>
  /**
   * Holds `channel` for as long as the caller's scope is open. The first holder sends the
   * subscribe frame: at once on an open connection, otherwise when the next connection opens
   * (it does not wait for one, and fails only once the connection is shut down). The last holder
   * to leave sends the unsubscribe. Live channels are replayed after every reconnect.
   */
  readonly subscribe: (channel: string) => Effect.Effect<void, ConnectionError, Scope.Scope>
  /** The channels currently held, in subscription order. */
  readonly channels: Effect.Effect<ReadonlyArray<string>>
  /**
   * Sends a frame on the open connection, waiting up to `writeTimeout` for one. Fails rather
   * than dropping the frame silently.
   */
  readonly send: (frame: Frame) => Effect.Effect<void, ConnectionError>
  /** Counters since the connection was made. */
  readonly stats: Effect.Effect<ConnectionStats>
}

/** The connection service, for apps with a single connection (use `make` for several). */
export class Connection extends Context.Service<Connection, ConnectionShape>()("scoped-exchange/socket/Connection") {}

/** Frames received per connection (counter, attribute `connection`). */
export const framesReceived = Metric.counter("scoped_exchange_connection_frames", {
  description: "Data frames a connection delivered to its sink"
})
/** Reconnects per connection (counter, attribute `connection`). */
export const reconnects = Metric.counter("scoped_exchange_connection_reconnects", {
  description: "Sessions that ended and were retried"
})
/** Skipped frames per connection (counter, attributes `connection`, `why`). */
export const framesSkipped = Metric.counter("scoped_exchange_connection_frames_skipped", {
  description: "Inbound frames the connection skipped (oversized)"
})

/** The socket as this module sees it: Effect's `WebSocketLike`, plus `terminate` when `ws` backs it. */
interface RawSocket extends Socket.WebSocketLike {
  terminate?: () => void
}

const OPEN = 1
const CLOSED = 3

/** A session that received a batch this recently is still streaming when it closes. */
const busyWindowMs = 100

const frameSize = (frame: Frame): number => typeof frame === "string" ? frame.length : frame.byteLength

/**
 * Makes a connection owned by the caller's scope, as a lifecycle component named
 * `connection:<name>`. The connection starts dialing at once; `make` does not wait for it.
 */
export const make = (
  options: ConnectionOptions
): Effect.Effect<ConnectionShape, never, Socket.WebSocketConstructor | Scope.Scope> => {
  const closeTimeout = Duration.fromInputUnsafe(options.closeTimeout ?? Duration.seconds(1))
  return makeUnmanaged(options).pipe(
    Lifecycle.scoped({
      name: `connection:${options.name}`,
      stopBudget: options.stopBudget ?? Duration.sum(closeTimeout, Duration.seconds(1))
    })
  )
}

const makeUnmanaged = Effect.fnUntraced(function*(options: ConnectionOptions) {
  const name = options.name
  const protocol = options.protocol
  const sink = options.sink
  const openTimeout = Duration.fromInputUnsafe(options.openTimeout ?? Duration.seconds(10))
  const openTimeoutMs = Duration.toMillis(openTimeout)
  const backoff = Backoff.resolve(options.backoff)
  const resetAfterMs = Duration.toMillis(options.resetBackoffAfter ?? Duration.seconds(10))
  const pingInterval = options.pingInterval === false
    ? undefined
    : Duration.fromInputUnsafe(options.pingInterval ?? Duration.seconds(10))
  const staleAfterMs = Duration.toMillis(options.staleAfter ?? Duration.seconds(30))
  const writeTimeout = Duration.fromInputUnsafe(options.writeTimeout ?? Duration.seconds(5))
  const closeTimeout = Duration.fromInputUnsafe(options.closeTimeout ?? Duration.seconds(1))
  const maxFrameBytes = options.maxFrameBytes ?? 16 * 1024 * 1024
  const attributes = { connection: name }
  const framesCounter = Metric.withAttributes(framesReceived, attributes)
  const reconnectCounter = Metric.withAttributes(reconnects, attributes)
  const oversizedCounter = Metric.withAttributes(framesSkipped, { connection: name, why: "oversized" })

  const makeWs = yield* Socket.WebSocketConstructor
  const clock = yield* Clock.Clock
  const services = yield* Effect.context<never>()
  const stateRef = yield* SubscriptionRef.make<ConnectionState>({ _tag: "Connecting", attempt: 1 })
  const fail = (reason: ConnectionErrorReason) => new ConnectionError({ connection: name, reason })

  // --- shared state, touched only from this connection's fibers ---------------------------------
  /** The raw socket of the live session, set once it is open, cleared when the session ends. */
  let live: RawSocket | undefined
  /** Opens while a session is live; writes wait on it. */
  const openLatch = Latch.makeUnsafe(false)
  let shutdown: ConnectionShutdown | undefined
  /** Subscription reference counts, in insertion order (the replay order). */
  const holders = new Map<string, number>()
  const stats = {
    connects: 0,
    reconnects: 0,
    framesDelivered: 0,
    controlFrames: 0,
    oversizedFrames: 0,
    staleDrops: 0,
    refusedSubscriptions: 0
  }

  /**
   * Milliseconds on the monotonic clock, for everything that measures elapsed time (silence,
   * backoff reset): a wall clock stepped back would hide a dead connection for the size of the
   * step, and one stepped ahead would drop a live one.
   */
  const elapsedMs = (): number => Number(clock.monotonicTimeNanosUnsafe() / 1_000_000n)

  const setState = (state: ConnectionState) => SubscriptionRef.set(stateRef, state)

  // --- writes ------------------------------------------------------------------------------------
  const sendNow = (ws: RawSocket, frame: Frame): boolean => {
    if (ws.readyState !== OPEN) return false
    ws.send(frame as string | Uint8Array<ArrayBuffer>)
    return true
  }

  const writeWhenOpen = (frame: Frame): Effect.Effect<void, ConnectionError> =>
    Effect.suspend(() => {
      if (shutdown !== undefined) return Effect.fail(fail(shutdown))
      if (live !== undefined) {
        if (sendNow(live, frame)) return Effect.void
        // The live session's socket is closing (the peer's close frame arrived; the TCP close
        // may take a while): its session is ending, so wait for the next one rather than
        // retrying against an open latch in a loop.
        openLatch.closeUnsafe()
      }
      return openLatch.whenOpen(Effect.suspend(() => writeWhenOpen(frame)))
    })

  const withWriteTimeout = <A>(effect: Effect.Effect<A, ConnectionError>) =>
    Effect.timeoutOrElse(effect, {
      duration: writeTimeout,
      orElse: () => Effect.fail(fail(new WriteTimeout({ timeoutMs: Duration.toMillis(writeTimeout) })))
    })

  const send = (frame: Frame): Effect.Effect<void, ConnectionError> => withWriteTimeout(writeWhenOpen(frame))

  /** Sends now if a connection is open, otherwise does nothing: for unsubscribes and pings. */
  const sendIfOpen = (frame: Frame): Effect.Effect<void> =>
    Effect.sync(() => {
      if (live !== undefined) sendNow(live, frame)
    })

  // --- subscriptions -----------------------------------------------------------------------------
  // A held channel is sent at once on an open connection, and otherwise by the next connection's
  // replay (which runs before any other write): subscribing never waits for, or fails on, a
  // connection that is down, so a subscriber arriving during an outage is served once it ends.
  const subscribe = (channel: string): Effect.Effect<void, ConnectionError, Scope.Scope> =>
    Effect.acquireRelease(
      Effect.suspend(() => {
        if (shutdown !== undefined) return Effect.fail(fail(shutdown))
        const count = holders.get(channel) ?? 0
        holders.set(channel, count + 1)
        // A socket that is no longer open here belongs to a session that is ending: the next
        // one replays the channel.
        if (count === 0 && live !== undefined) sendNow(live, protocol.subscribe([channel]))
        return Effect.void
      }),
      () => Effect.suspend(() => release(channel) ? sendIfOpen(protocol.unsubscribe([channel])) : Effect.void)
    )

  /** Drops one holder; true when it was the last. */
  const release = (channel: string): boolean => {
    const count = holders.get(channel) ?? 0
    if (count <= 1) {
      holders.delete(channel)
      return count === 1
    }
    holders.set(channel, count - 1)
    return false
  }

  // --- one session: dial, replay, read until something ends it -----------------------------------
  const acquireRaw = (url: string) =>
    Effect.acquireRelease(
      Effect.try({
        try: () => makeWs(url) as RawSocket,
        catch: (cause) => new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) })
      }),
      (ws) => closeRaw(ws)
    )

  /** Sockets judged stale: cut without a close frame. */
  const unresponsive = new WeakSet<RawSocket>()
  /**
   * Sockets that were still streaming when their session ended: reads paused by a full queue, or
   * a batch within the last `busyWindowMs`. The peer's answer to our close frame is queued behind
   * everything it has in flight, which we would have to read through first (hundreds of ms under
   * a busy feed): send the close frame and cut the connection instead of waiting for the answer.
   */
  const streaming = new WeakSet<RawSocket>()

  /** Normal close, bounded by `closeTimeout`; past it (or for a socket not yet open) terminate. */
  const closeRaw = (ws: RawSocket): Effect.Effect<void> => {
    if (ws.readyState === CLOSED) return Effect.void
    if (ws.readyState !== OPEN || unresponsive.has(ws)) return Effect.sync(() => terminate(ws))
    if (streaming.has(ws)) {
      return Effect.sync(() => {
        try {
          ws.close(1000)
        } finally {
          terminate(ws)
        }
      })
    }
    return Effect.callback<void>((resume) => {
      const onClose = () => resume(Effect.void)
      ws.addEventListener("close", onClose, { once: true })
      try {
        ws.close(1000)
      } catch {
        terminate(ws)
      }
      return Effect.sync(() => ws.removeEventListener("close", onClose))
    }).pipe(
      Effect.interruptible,
      Effect.timeoutOrElse({ duration: closeTimeout, orElse: () => Effect.sync(() => terminate(ws)) })
    )
  }

  const terminate = (ws: RawSocket) => {
    // Late errors from an aborted handshake must not surface as unhandled.
    ws.addEventListener("error", () => {})
    if (ws.terminate) ws.terminate()
    else ws.close()
  }

  const session = Effect.gen(function*() {
    const url = typeof options.url === "string" ? options.url : yield* options.url
    let raw: RawSocket | undefined
    const socket = yield* Socket.fromWebSocket(
      Effect.tap(acquireRaw(url), (ws) => Effect.sync(() => (raw = ws))),
      { openTimeout, ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}) }
    )
    const reader = yield* socket.reader.pipe(Effect.mapError((error) => toReason(error, url)))
    const ws = raw!

    stats.connects++
    const connectionId = stats.connects
    const openedAt = clock.currentTimeMillisUnsafe() // shown to users: wall time
    live = ws
    // Replay before anyone else can write: subscriptions first, then waiting writers.
    const channels = [...holders.keys()]
    for (const frame of subscribeFrames(protocol, channels)) sendNow(ws, frame)
    openLatch.openUnsafe()
    yield* setState({ _tag: "Open", connectionId, since: openedAt })
    yield* Effect.logDebug("open").pipe(Effect.annotateLogs({ connection: name, replayed: channels.length }))

    if (pingInterval !== undefined && protocol.ping !== undefined) {
      const ping = protocol.ping
      yield* Effect.forkScoped(
        Effect.forever(Effect.andThen(Effect.sleep(pingInterval), Effect.sync(() => sendNow(ws, ping))))
      )
    }

    // Staleness is judged only while we are waiting for data: while the sink holds a batch
    // (backpressure), silence is ours, not the peer's.
    let waitingSince: number | undefined = elapsedMs()

    // Runs before the reader's own finalizers (which resume a paused socket): stop routing
    // writes to this socket, and note whether data is still streaming in.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (live === ws) live = undefined
        openLatch.closeUnsafe()
        const paused = (ws as { readonly isPaused?: boolean }).isPaused === true
        const busy = waitingSince === undefined || elapsedMs() - waitingSince < busyWindowMs
        if (paused || busy) streaming.add(ws)
      })
    )
    const onBatch = (batch: NonEmptyReadonlyArray<Frame>): Effect.Effect<void> => {
      waitingSince = undefined
      let data: Array<Frame> | undefined
      let refusals: Array<string> | undefined
      for (let i = 0; i < batch.length; i++) {
        const frame = batch[i]!
        let keep = true
        if (frameSize(frame) > maxFrameBytes) {
          stats.oversizedFrames++
          oversizedCounter.updateUnsafe(1, services)
          keep = false
        } else if (typeof frame === "string" && protocol.isControl(frame)) {
          stats.controlFrames++
          keep = false
          const refused = protocol.refusal?.(frame)
          if (refused !== undefined) {
            stats.refusedSubscriptions++
            ;(refusals ??= []).push(refused)
          }
        }
        if (keep) {
          if (data !== undefined) data.push(frame)
        } else if (data === undefined) {
          data = batch.slice(0, i)
        }
      }
      const out = data ?? batch
      if (refusals !== undefined) return Effect.andThen(logRefusals(refusals), deliver(out))
      return deliver(out)
    }
    const deliver = (out: ReadonlyArray<Frame>): Effect.Effect<void> => {
      if (out.length === 0) return markWaiting
      stats.framesDelivered += out.length
      framesCounter.updateUnsafe(out.length, services)
      return Effect.andThen(sink(out as NonEmptyReadonlyArray<Frame>), markWaiting)
    }
    const logRefusals = (refusals: ReadonlyArray<string>): Effect.Effect<void> =>
      Effect.forEach(refusals, (message) =>
        Effect.logWarning("subscription refused by the venue", message).pipe(
          Effect.annotateLogs({ connection: name, connection_id: connectionId })
        ), { discard: true })
    const markWaiting = Effect.sync(() => {
      waitingSince = elapsedMs()
    })
    const readLoop = Effect.forever(
      Effect.flatMap(Effect.mapError(reader.pull, (error) => toReason(error, url)), onBatch)
    )
    const watchdog = Effect.gen(function*() {
      const tick = Duration.millis(Math.max(1, Math.floor(staleAfterMs / 4)))
      while (true) {
        yield* Effect.sleep(tick)
        const since = waitingSince
        if (since === undefined) continue
        const silentForMs = elapsedMs() - since
        if (silentForMs >= staleAfterMs) {
          stats.staleDrops++
          // A half-open peer will not answer a close handshake: the release cuts it instead.
          unresponsive.add(ws)
          return yield* new Stale({ silentForMs })
        }
      }
    })
    return yield* Effect.raceFirst(readLoop, watchdog)
  })

  const toReason = (error: Socket.SocketError, url: string): ConnectionErrorReason => {
    const reason = error.reason
    switch (reason._tag) {
      case "SocketOpenError":
        return reason.kind === "Timeout"
          ? new OpenTimeout({ url, timeoutMs: openTimeoutMs })
          : new OpenFailed({ url, cause: reason.cause })
      case "SocketCloseError":
        return new Closed({ closeCode: reason.code, ...(reason.closeReason ? { closeReason: reason.closeReason } : {}) })
      default:
        return new ReadFailed({ cause: reason })
    }
  }

  // --- the reconnect loop --------------------------------------------------------------------------
  const run = Effect.gen(function*() {
    let attempt = 1
    while (true) {
      const startedAt = elapsedMs()
      const connectsBefore = stats.connects
      const exit = yield* Effect.exit(Effect.scoped(session))
      const reason: ConnectionErrorReason = Exit.isFailure(exit)
        ? Option.getOrElse(Cause.findErrorOption(exit.cause), () =>
          new ReadFailed({ cause: Cause.squash(exit.cause) }))
        : new ReadFailed({ cause: "session ended" })
      if (Exit.isFailure(exit) && Cause.hasDies(exit.cause)) {
        yield* Effect.logError("session died", exit.cause).pipe(Effect.annotateLogs(attributes))
      }
      // A session that stayed open long enough was stable: the backoff starts over.
      if (stats.connects > connectsBefore && elapsedMs() - startedAt >= resetAfterMs) attempt = 1
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) {
        shutdown = new ConnectionShutdown({ lastError: reason.message })
        yield* Effect.logWarning(`giving up after ${attempt} attempts`, reason.message).pipe(
          Effect.annotateLogs(attributes)
        )
        openLatch.openUnsafe() // wake waiting writers so they fail with ConnectionShutdown
        return yield* setState({ _tag: "Closed", lastError: reason })
      }
      const retryInMs = Backoff.delayMs(backoff, attempt, yield* Random.next)
      stats.reconnects++
      reconnectCounter.updateUnsafe(1, services)
      yield* setState({ _tag: "Reconnecting", attempt, retryInMs, lastError: reason })
      yield* Effect.logInfo("reconnecting", reason.message).pipe(
        Effect.annotateLogs({ connection: name, attempt, retry_in_ms: retryInMs })
      )
      yield* Effect.sleep(Duration.millis(retryInMs))
      attempt++
      yield* setState({ _tag: "Connecting", attempt })
    }
  })

  // Finalizers run in reverse: the loop (and its live session) stops, then the state closes.
  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      shutdown ??= new ConnectionShutdown({})
      openLatch.openUnsafe() // wake waiting writers so they fail with ConnectionShutdown
      return setState({ _tag: "Closed" })
    })
  )
  yield* Effect.forkScoped(run)

  const state = SubscriptionRef.get(stateRef)
  const states = SubscriptionRef.changes(stateRef).pipe(Stream.takeUntil((s) => s._tag === "Closed"))
  const awaitOpen = states.pipe(
    Stream.filter((s) => s._tag === "Open" || s._tag === "Closed"),
    Stream.runHead,
    Effect.flatMap((s) =>
      Option.isSome(s) && s.value._tag === "Open"
        ? Effect.void
        : Effect.fail(fail(shutdown ?? new ConnectionShutdown({})))
    )
  )

  return {
    name,
    state,
    states,
    awaitOpen,
    subscribe,
    channels: Effect.sync(() => [...holders.keys()]),
    send,
    stats: Effect.sync(() => ({ ...stats }))
  } satisfies ConnectionShape
})

/**
 * A `Connection` layer. Needs a `Socket.WebSocketConstructor`: provide
 * `NodeWS.layerWebSocketConstructor` from `@effect/platform-node` (backed by `ws`, with read
 * backpressure), or use {@link layerNode}.
 */
export const layer = (options: ConnectionOptions): Layer.Layer<Connection, never, Socket.WebSocketConstructor> =>
  Layer.effect(Connection, make(options))

/** {@link layer} on Node, with the `ws`-backed WebSocket constructor (read backpressure). */
export const layerNode = (options: ConnectionOptions): Layer.Layer<Connection> =>
  layer(options).pipe(Layer.provide(NodeWS.layerWebSocketConstructor))
