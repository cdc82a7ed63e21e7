/**
 * One logical WebSocket connection to a venue: it dials, reconnects forever (or up to N attempts)
 * with capped exponential backoff and jitter, pings on a heartbeat and drops connections that go
 * silent, holds scoped subscriptions and replays them after every reconnect, writes every frame
 * through the rate its protocol declares, and delivers inbound frames in batches to the sink it
 * was built with.
 *
 * Every (re)connection is a session in a child scope of its own (`internal/Session.ts`): its
 * reader, control writer, heartbeat and watchdog die with it, so an old session can never
 * deliver into, or write for, the next one. Closing the connection's scope sends a normal close
 * and terminates the socket if the peer does not answer in time.
 *
 * This module needs a `Socket.WebSocketConstructor`; on Node, `NodeWebSocket.layerConstructor`
 * provides one backed by `ws` (and `NodeWebSocket.layerConnection` a ready connection layer).
 *
 * ```ts
 * const connection = yield* Connection.make({
 *   name: "public",
 *   url: "wss://stream.example.com/ws",
 *   protocol, // the venue's SubscriptionProtocol (e.g. `venues/mexc/MexcProtocol.ts`)
 *   sink: (frames) => queue.offerAll(frames)
 * })
 * const deals = yield* connection.subscribe("trades.BTCUSDT") // scoped; the venue's channel name
 * yield* deals.refused // fails with a ConnectionError (reason SubscriptionRefused) if the venue says no
 * ```
 *
 * @since 0.1.0
 */
import {
  Cause,
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Layer,
  Metric,
  Option,
  Random,
  type Scope,
  Stream,
  SubscriptionRef,
  type Tracer
} from "effect"
import * as Socket from "effect/socket/Socket"
import * as CountedSeries from "../internal/CountedSeries.ts"
import { monotonicMs } from "../internal/monotonic.ts"
import { Lifecycle } from "../lifecycle/index.ts"
import * as Backoff from "./Backoff.ts"
import {
  ConnectionError,
  type ConnectionErrorReason,
  ConnectionShutdown,
  Ended,
  ReadFailed,
  WriteTimeout
} from "./ConnectionError.ts"
import * as Session from "./internal/Session.ts"
import { SubscriptionRegistry } from "./internal/SubscriptionRegistry.ts"
import type { SubscriptionProtocol } from "./Protocol.ts"

/** An inbound or outbound WebSocket message. */
export type Frame = Session.Frame

/**
 * Where inbound frames go, a batch at a time. The connection does not read the next batch until
 * the sink's effect completes, so a sink that waits (a full queue) pauses socket reads.
 */
export type FrameSink = Session.FrameSink

/** Takes one data frame synchronously, or declines it (`false`): see `ConnectionOptions.syncSink`. */
export type SyncSink = Session.SyncSink

/** What a connection is doing now. */
export type ConnectionState =
  | { readonly _tag: "Connecting"; readonly attempt: number }
  | { readonly _tag: "Open"; readonly connectionId: number; readonly since: number }
  | {
    readonly _tag: "Reconnecting"
    readonly attempt: number
    readonly retryInMs: number
    /** Why the last session ended; a `Closed` reason carries the close code and reason. */
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
  /** Control replies (acks, pongs, refusals) consumed by the connection. */
  readonly controlFrames: number
  /** Frames over `maxFrameBytes`, skipped. */
  readonly oversizedFrames: number
  /** Sessions dropped by the stale-connection watchdog. */
  readonly staleDrops: number
  /** Channels the venue refused (a refusal naming no channel counts once); each logged as a warning. */
  readonly refusedSubscriptions: number
}

/** How a connection is set up. Durations accept Effect's `Duration.Input`. */
export interface ConnectionOptions {
  /** Names the connection in logs, metrics and errors (`connection:<name>` in the lifecycle log). */
  readonly name: string
  /** Where to dial. An effect is evaluated on every (re)connect (e.g. a fresh session token in the URL). */
  readonly url: string | Effect.Effect<string>
  /** The venue's control-message format, liveness rule and outbound rate. */
  readonly protocol: SubscriptionProtocol
  /** Where inbound frames go. */
  readonly sink: FrameSink
  /**
   * Where a data frame may go synchronously, from the socket's event, when the connection's
   * reader is idle (waiting, nothing buffered): `true` if it took the frame, `false` to have it
   * go to `sink` as usual, in order. Frames it does not see (control replies, answers, oversized,
   * anything arriving while the sink holds a batch) take the usual way. Default: none, every
   * frame goes to `sink` (e.g. `MessageQueue.offerSync` beside `offerAll`).
   */
  readonly syncSink?: SyncSink | undefined
  /** Handshake timeout. Default 10 s. */
  readonly openTimeout?: Duration.Input | undefined
  /** Reconnect backoff. Default 100 ms to 30 s, factor 2, jitter 0.2. */
  readonly backoff?: Backoff.BackoffOptions | undefined
  /** A connection open at least this long resets the backoff to its first step. Default 10 s. */
  readonly resetBackoffAfter?: Duration.Input | undefined
  /** Give up after this many consecutive failed attempts. Default: never. */
  readonly maxAttempts?: number | undefined
  /**
   * Give up after this many failed attempts while no attempt has ever opened: a venue that cannot
   * be reached at start-up is reported (the connection closes, writes and subscribes fail with
   * `ConnectionShutdown`) instead of dialed forever. Each failed start-up attempt is a warning and
   * is not counted as a reconnect. Once a first connection opened, reconnects are bounded only by
   * `maxAttempts`. Default: never.
   */
  readonly maxStartAttempts?: number | undefined
  /** Send `protocol.ping` this often. Default 10 s. `false` to disable. */
  readonly pingInterval?: Duration.Input | false | undefined
  /**
   * A ping answered by nothing the protocol recognises (its pong, data, any control reply) for
   * this long ends the session as stale, so a half-open socket is dropped within one ping
   * interval plus this, not after `staleAfter`. Counted only while we wait for frames, like
   * `staleAfter`. Default 5 s.
   */
  readonly pongTimeout?: Duration.Input | undefined
  /**
   * A connection with no frame the protocol recognises (data, acks, pongs; see
   * `SubscriptionProtocol.isData`) for this long is stale and is dropped. Default 30 s.
   */
  readonly staleAfter?: Duration.Input | undefined
  /** How long an outbound frame may wait for an open connection (and its rate). Default 5 s. */
  readonly writeTimeout?: Duration.Input | undefined
  /**
   * How long a close handshake may take. Ours: how long to wait for the peer to answer our close
   * frame before terminating; a connection that is still streaming data when it closes does not
   * wait, as the answer would sit behind everything the peer has in flight. The peer's: a session
   * whose peer sent a close frame ends within this long, even if the peer then keeps the TCP
   * connection open. Default 1 s.
   */
  readonly closeTimeout?: Duration.Input | undefined
  /**
   * Frames larger than this many bytes (text counted as UTF-8) are counted and skipped. Default
   * 16 MiB. A frame over the WebSocket implementation's own limit (`ws`: 100 MiB, see
   * `NodeWebSocket`) closes the session with code 1009 instead, reported as such.
   */
  readonly maxFrameBytes?: number | undefined
  /** Bytes buffered before socket reads pause (passed to `Socket.fromWebSocket`). Default 64 KiB. */
  readonly highWaterMark?: number | undefined
  /** Release budget for the lifecycle kit. Default: `closeTimeout` + 1 s. */
  readonly stopBudget?: Duration.Input | undefined
}

/** A held channel, from {@link ConnectionShape.subscribe}. */
export interface Subscription {
  readonly channel: string
  /**
   * Fails with a `ConnectionError` whose reason is `SubscriptionRefused` (the channel and the
   * venue's message) once the venue refuses the channel; never succeeds. Watch it alongside the
   * channel's data, e.g. `Stream.interruptWhen(subscription.refused)`: a refused channel never
   * delivers anything.
   */
  readonly refused: Effect.Effect<never, ConnectionError>
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
   * Holds `channel` for as long as the caller's scope is open; returns at once, without waiting
   * for a connection (it fails only once the connection is shut down). The first holder makes
   * the channel due for a subscribe, the last one leaving for an unsubscribe: the live session
   * sends what is due in as few frames as the protocol allows, within its rate, and a hold and
   * release between two frames send nothing. Held channels are replayed after every reconnect,
   * except those the venue refused (see {@link Subscription.refused}); a refused channel is
   * tried again only after every holder has released it.
   */
  readonly subscribe: (channel: string) => Effect.Effect<Subscription, ConnectionError, Scope.Scope>
  /** The channels currently held and not refused, in subscription order. */
  readonly channels: Effect.Effect<ReadonlyArray<string>>
  /**
   * Sends a frame on the open connection, within the protocol's rate, waiting up to
   * `writeTimeout` for a connection and a token. Fails rather than dropping the frame silently.
   */
  readonly send: (frame: Frame) => Effect.Effect<void, ConnectionError>
  /** Counters since the connection was made. */
  readonly stats: Effect.Effect<ConnectionStats>
  /**
   * Ends the live session (reason `Ended`, by the client) so that the connection dials again,
   * evaluating `url` afresh and replaying its subscriptions: for a session that is open but no
   * longer useful (a private stream found silent, a session the venue says is dead). Does
   * nothing while no session is open (the next dial evaluates `url` anyway).
   */
  readonly restart: (why: string) => Effect.Effect<void>
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
  const backoff = Backoff.resolve(options.backoff)
  const resetAfterMs = Duration.toMillis(options.resetBackoffAfter ?? Duration.seconds(10))
  const writeTimeout = Duration.fromInputUnsafe(options.writeTimeout ?? Duration.seconds(5))
  const attributes = { connection: name }
  const reconnectCounter = Metric.withAttributes(reconnects, attributes)

  const makeWs = yield* Socket.WebSocketConstructor
  const clock = yield* Clock.Clock
  const services = yield* Effect.context<never>()
  const stateRef = yield* SubscriptionRef.make<ConnectionState>({ _tag: "Connecting", attempt: 1 })
  const fail = (reason: ConnectionErrorReason) => new ConnectionError({ connection: name, reason })
  const setState = (state: ConnectionState) => SubscriptionRef.set(stateRef, state)

  const link = Session.makeLink()
  const registry = new SubscriptionRegistry(options.protocol)
  const stats: Session.MutableStats = {
    connects: 0,
    reconnects: 0,
    framesDelivered: 0,
    controlFrames: 0,
    oversizedFrames: 0,
    staleDrops: 0,
    refusedSubscriptions: 0
  }
  // Frames are counted per frame in `stats` and read by the metric when it is read.
  const framesSeries = CountedSeries.counter(framesReceived, attributes, services, () => stats.framesDelivered)
  yield* Effect.addFinalizer(() => Effect.sync(framesSeries.close))
  const elapsedMs = () => monotonicMs(clock)
  /**
   * The `Connection.reconnect` span of the attempt under way: from the decision to reconnect to
   * the session being open (replayed), or to that attempt failing. One per attempt, none per frame.
   */
  let reconnecting: Tracer.Span | undefined
  const endReconnect = (exit: Exit.Exit<unknown, unknown>) => {
    if (reconnecting === undefined) return
    reconnecting.end(clock.currentTimeNanosUnsafe(), exit)
    reconnecting = undefined
  }

  const env: Session.SessionEnv = {
    name,
    url: options.url,
    protocol: options.protocol,
    sink: options.sink,
    syncSink: options.syncSink,
    registry,
    link,
    stats,
    makeWs: (url) => makeWs(url),
    clock,
    services,
    oversizedCounter: Metric.withAttributes(framesSkipped, { connection: name, why: "oversized" }),
    onOpen: (connectionId, since, replayed) =>
      Effect.andThen(
        Effect.andThen(
          Effect.sync(() => {
            reconnecting?.attribute("connection.replayed", replayed)
            endReconnect(Exit.void)
          }),
          setState({ _tag: "Open", connectionId, since })
        ),
        Effect.logDebug("open").pipe(Effect.annotateLogs({ connection: name, replayed }))
      ),
    openTimeout: Duration.fromInputUnsafe(options.openTimeout ?? Duration.seconds(10)),
    pingInterval: options.pingInterval === false
      ? undefined
      : Duration.fromInputUnsafe(options.pingInterval ?? Duration.seconds(10)),
    staleAfterMs: Duration.toMillis(options.staleAfter ?? Duration.seconds(30)),
    pongTimeoutMs: Duration.toMillis(Duration.fromInputUnsafe(options.pongTimeout ?? Duration.seconds(5))),
    closeTimeout: Duration.fromInputUnsafe(options.closeTimeout ?? Duration.seconds(1)),
    maxFrameBytes: options.maxFrameBytes ?? 16 * 1024 * 1024,
    highWaterMark: options.highWaterMark
  }

  // --- writes ------------------------------------------------------------------------------------
  /** Sends on the live, replayed session within its rate; otherwise waits for the next one. */
  const writeWhenOpen = (frame: Frame): Effect.Effect<void, ConnectionError> =>
    Effect.suspend(() => {
      if (link.shutdown !== undefined) return Effect.fail(fail(link.shutdown))
      const session = link.live
      if (session !== undefined && session.ready) {
        if (session.ws.readyState === 1) {
          const waitMs = session.bucket.reserve(elapsedMs())
          if (waitMs === 0) {
            Session.sendNow(session.ws, frame)
            return Effect.void
          }
          return Effect.andThen(Effect.sleep(Duration.millis(waitMs)), sendReserved(session, frame))
        }
        // The live session's socket is closing (the peer's close frame arrived; the TCP close
        // may take a while): its session is ending, so wait for the next one rather than
        // retrying against an open latch in a loop.
        link.openLatch.closeUnsafe()
      }
      return link.openLatch.whenOpen(Effect.suspend(() => writeWhenOpen(frame)))
    })

  /** Sends with the token reserved on `session`, or starts over if that session is gone. */
  const sendReserved = (session: Session.LiveSession, frame: Frame): Effect.Effect<void, ConnectionError> =>
    Effect.suspend(() =>
      link.live === session && Session.sendNow(session.ws, frame) ? Effect.void : writeWhenOpen(frame)
    )

  const send: (frame: Frame) => Effect.Effect<void, ConnectionError> = Effect.fn("Connection.send")(
    function*(frame: Frame) {
      return yield* Effect.timeoutOrElse(writeWhenOpen(frame), {
        duration: writeTimeout,
        orElse: () => Effect.fail(fail(new WriteTimeout({ timeoutMs: Duration.toMillis(writeTimeout) })))
      })
    },
    Effect.annotateSpans({ connection: name })
  )

  // --- subscriptions -----------------------------------------------------------------------------
  const subscribe: (channel: string) => Effect.Effect<Subscription, ConnectionError, Scope.Scope> = Effect.fn(
    "Connection.subscribe"
  )(
    function*(channel: string) {
      const entry = yield* Effect.acquireRelease(
        Effect.suspend(() =>
          link.shutdown !== undefined ? Effect.fail(fail(link.shutdown)) : Effect.succeed(registry.hold(channel))
        ),
        (entry) => Effect.sync(() => registry.release(entry))
      )
      return { channel, refused: Deferred.await(entry.refusal) } satisfies Subscription
    },
    Effect.annotateSpans({ connection: name })
  )

  // --- the reconnect loop --------------------------------------------------------------------------
  const run = Effect.gen(function*() {
    let attempt = 1
    while (true) {
      const startedAt = elapsedMs()
      const connectsBefore = stats.connects
      const exit = yield* Effect.exit(Effect.scoped(Session.run(env)))
      const reason: ConnectionErrorReason = Exit.isFailure(exit)
        ? Option.getOrElse(Cause.findErrorOption(exit.cause), () => new ReadFailed({ cause: Cause.squash(exit.cause) }))
        : new ReadFailed({ cause: "session ended" })
      endReconnect(Exit.fail(reason._tag))
      if (Exit.isFailure(exit) && Cause.hasDies(exit.cause)) {
        yield* Effect.logError("session died", exit.cause).pipe(Effect.annotateLogs(attributes))
      }
      // A session that stayed open long enough was stable: the backoff starts over.
      if (stats.connects > connectsBefore && elapsedMs() - startedAt >= resetAfterMs) attempt = 1
      const starting = options.maxStartAttempts !== undefined && stats.connects === 0
      if (
        (options.maxAttempts !== undefined && attempt >= options.maxAttempts) ||
        (starting && attempt >= options.maxStartAttempts!)
      ) {
        link.shutdown = new ConnectionShutdown({ lastError: reason.message })
        yield* Effect.logWarning(
          `giving up after ${attempt} attempts${stats.connects === 0 ? " (never connected)" : ""}`,
          reason.message
        ).pipe(Effect.annotateLogs(attributes))
        link.openLatch.openUnsafe() // wake waiting writers so they fail with ConnectionShutdown
        return yield* setState({ _tag: "Closed", lastError: reason })
      }
      const retryInMs = Backoff.delayMs(backoff, attempt, yield* Random.next)
      if (starting) {
        yield* Effect.logWarning(`cannot connect (attempt ${attempt} of ${options.maxStartAttempts})`, reason.message).pipe(
          Effect.annotateLogs({ connection: name, attempt, retry_in_ms: retryInMs, reason: reason._tag })
        )
      } else {
        stats.reconnects++
        reconnectCounter.updateUnsafe(1, services)
        reconnecting = yield* Effect.makeSpan("Connection.reconnect", {
          attributes: { connection: name, "connection.attempt": attempt, "connection.reason": reason._tag, "connection.retry_in_ms": retryInMs }
        })
        yield* Effect.logInfo("reconnecting", reason.message).pipe(
          Effect.annotateLogs({ connection: name, attempt, retry_in_ms: retryInMs, reason: reason._tag })
        )
      }
      yield* setState({ _tag: "Reconnecting", attempt, retryInMs, lastError: reason })
      yield* Effect.sleep(Duration.millis(retryInMs))
      attempt++
      yield* setState({ _tag: "Connecting", attempt })
    }
  })

  // Finalizers run in reverse: the loop (and its live session) stops, then the state closes.
  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      link.shutdown ??= new ConnectionShutdown({})
      endReconnect(Exit.interrupt())
      link.openLatch.openUnsafe() // wake waiting writers so they fail with ConnectionShutdown
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
        : Effect.fail(fail(link.shutdown ?? new ConnectionShutdown({})))
    )
  )

  return {
    name,
    state,
    states,
    awaitOpen,
    subscribe,
    channels: Effect.sync(() => registry.held()),
    send,
    stats: Effect.sync(() => ({ ...stats })),
    restart: (why) => Effect.sync(() => link.end?.(new Ended({ why, by: "client" })))
  } satisfies ConnectionShape
})

/**
 * A `Connection` layer. Needs a `Socket.WebSocketConstructor`: on Node, provide
 * `NodeWebSocket.layerConstructor()` (backed by `ws`, with read backpressure and close codes for
 * protocol errors), or use `NodeWebSocket.layerConnection`.
 */
export const layer = (options: ConnectionOptions): Layer.Layer<Connection, never, Socket.WebSocketConstructor> =>
  Layer.effect(Connection, make(options))
