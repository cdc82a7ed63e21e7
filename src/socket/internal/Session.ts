/**
 * One session of a connection: dial, replay the held channels, then read until something ends
 * it (the peer, the network, the stale watchdog: silence, or a ping left unanswered), writing through the session's rate budget. It
 * runs in a scope of its own: its reader, control writer, heartbeat and watchdog die with it, so
 * an old session can never deliver into, or write for, the next one.
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import { type Clock, type Context, Deferred, Duration, Effect, Latch, type Metric, type Scope } from "effect"
import * as Socket from "effect/socket/Socket"
import { monotonicMs, monotonicMsOf } from "../../internal/monotonic.ts"
import {
  Closed,
  ConnectionError,
  type ConnectionErrorReason,
  type ConnectionShutdown,
  Ended,
  OpenFailed,
  OpenTimeout,
  ReadFailed,
  Stale,
  SubscriptionRefused
} from "../ConnectionError.ts"
import { pingFrame, type SubscriptionProtocol, type SubscriptionRefusal } from "../Protocol.ts"
import * as Reader from "./Reader.ts"
import type { SubscriptionRegistry } from "./SubscriptionRegistry.ts"
import * as TokenBucket from "./TokenBucket.ts"

/** An inbound or outbound WebSocket message. */
export type Frame = Reader.Frame

/** Where inbound frames go, a batch at a time (see `Connection.FrameSink`). */
export type FrameSink = (frames: NonEmptyReadonlyArray<Frame>) => Effect.Effect<void>

/**
 * Takes one data frame synchronously, or declines (`false`) and the frame goes to the
 * {@link FrameSink} as usual (see `Connection.SyncSink`). Must not throw.
 */
export type SyncSink = (frame: Frame) => boolean

/** The socket as a session sees it: Effect's `WebSocketLike`, plus `terminate` when `ws` backs it. */
export type RawSocket = Reader.RawSocket

const OPEN = 1
const CLOSING = 2
const CLOSED = 3

/** At most this many scheduler turns for subscriptions made together to join one frame. */
const maxCoalesceTurns = 64

/** A session that received a batch this recently is still streaming when it closes. */
const busyWindowMs = 100

/** The live session, as writers see it. */
export interface LiveSession {
  readonly ws: RawSocket
  readonly bucket: TokenBucket.TokenBucket
  /** The replay is done: other writers may go. */
  ready: boolean
}

/** What sessions share with their connection (mutable: touched only by its fibers). */
export interface Link {
  /** The live session, set once its socket is open, cleared when it ends. */
  live: LiveSession | undefined
  /** Open while a session is live and replayed; writers wait on it. */
  readonly openLatch: Latch.Latch
  /** Set when the connection is shut down or gave up. */
  shutdown: ConnectionShutdown | undefined
  /** Ends the live session with the given reason (`restart`); unset between sessions. */
  end: ((reason: Ended) => void) | undefined
}

export const makeLink = (): Link => ({
  live: undefined,
  openLatch: Latch.makeUnsafe(false),
  shutdown: undefined,
  end: undefined
})

/** Counters of a connection (see `Connection.ConnectionStats`). */
export interface MutableStats {
  connects: number
  reconnects: number
  framesDelivered: number
  controlFrames: number
  oversizedFrames: number
  staleDrops: number
  refusedSubscriptions: number
}

/** Everything a session needs from its connection. */
export interface SessionEnv {
  readonly name: string
  readonly url: string | Effect.Effect<string>
  readonly protocol: SubscriptionProtocol
  readonly sink: FrameSink
  readonly syncSink: SyncSink | undefined
  readonly registry: SubscriptionRegistry
  readonly link: Link
  readonly stats: MutableStats
  readonly makeWs: (url: string) => Socket.WebSocketLike
  readonly clock: Clock.Clock
  readonly services: Context.Context<never>
  readonly oversizedCounter: Metric.Metric<number, unknown>
  readonly onOpen: (connectionId: number, openedAt: number, replayed: number) => Effect.Effect<void>
  readonly openTimeout: Duration.Duration
  readonly pingInterval: Duration.Duration | undefined
  readonly staleAfterMs: number
  /** A ping unanswered this long while we wait for frames ends the session (stale). */
  readonly pongTimeoutMs: number
  readonly closeTimeout: Duration.Duration
  readonly maxFrameBytes: number
  readonly highWaterMark: number | undefined
}

/** Sends on `ws` if it is open; false when it is not (its session is ending). */
export const sendNow = (ws: RawSocket, frame: Frame): boolean => {
  if (ws.readyState !== OPEN) return false
  ws.send(frame as string | Uint8Array<ArrayBuffer>)
  return true
}

/** Waits for the session's next outbound token. */
export const takeToken = (env: SessionEnv, session: LiveSession): Effect.Effect<void> =>
  Effect.suspend(() => {
    const waitMs = session.bucket.reserve(monotonicMs(env.clock))
    return waitMs === 0 ? Effect.void : Effect.sleep(Duration.millis(waitMs))
  })

/**
 * Whether `frame` is over `maxBytes`, counting text as UTF-8 bytes (what the wire carries). A
 * string of n UTF-16 units takes n to 3n bytes, so only strings in between are measured.
 */
export const exceedsBytes = (frame: Frame, maxBytes: number): boolean => {
  if (typeof frame !== "string") return frame.byteLength > maxBytes
  if (frame.length > maxBytes) return true
  if (frame.length * 3 <= maxBytes) return false
  return utf8Length(frame) > maxBytes
}

const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next < 0xe000) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3 // BMP, or a lone surrogate (encoded as U+FFFD)
  }
  return bytes
}

/** One session, in the caller's scope; fails with why it ended. */
export const run = (env: SessionEnv): Effect.Effect<never, ConnectionErrorReason, Scope.Scope> =>
  Effect.gen(function*() {
    const { clock, link, protocol, registry, stats } = env
    const elapsedMs = monotonicMsOf(clock)
    const url = typeof env.url === "string" ? env.url : yield* env.url
    const closeTimeoutMs = Duration.toMillis(env.closeTimeout)
    const ws = yield* acquireRaw(env, url).pipe(Effect.mapError((error) => toReason(error, url, env.openTimeout)))
    const reader = yield* Reader.make(ws, { openTimeout: env.openTimeout, highWaterMark: env.highWaterMark }).pipe(
      Effect.mapError((error) => toReason(error, url, env.openTimeout))
    )

    stats.connects++
    const connectionId = stats.connects
    const session: LiveSession = { ws, bucket: TokenBucket.make(protocol.outboundRate, elapsedMs()), ready: false }
    link.live = session
    const ended = Deferred.makeUnsafe<never, Ended>()
    const end = (reason: Ended) => Deferred.doneUnsafe(ended, Effect.fail(reason))
    link.end = end
    registry.resetWire()
    yield* env.onOpen(connectionId, clock.currentTimeMillisUnsafe(), registry.held().length)

    // The control writer: replays the held channels first (other writers wait for it), then
    // keeps the venue in line with holds and releases. It computes each frame only once it has a
    // token, so whatever changed while it waited goes out together, in as few frames as the
    // protocol allows, and a hold released meanwhile costs no frame.
    yield* Effect.forkScoped(Effect.gen(function*() {
      while (true) {
        registry.changed.closeUnsafe()
        if (!registry.hasChanges()) {
          if (!session.ready) {
            session.ready = true
            link.openLatch.openUnsafe()
          }
          yield* registry.changed.await
          // Let the fibers that are subscribing right now (a strategy starting up, a hub
          // resubscribing its topics) finish first, so their channels share frames: wait until
          // a scheduler turn passes without a change (bounded, so a flood cannot starve it).
          for (let turns = 0, seen = -1; turns < maxCoalesceTurns && registry.version !== seen; turns++) {
            seen = registry.version
            yield* Effect.yieldNow
          }
          continue
        }
        yield* takeToken(env, session)
        if (link.live !== session) return
        const frame = registry.nextFrame(clock.currentTimeMillisUnsafe())
        if (frame !== undefined) sendNow(ws, frame)
      }
    }))

    if (env.pingInterval !== undefined && protocol.ping !== undefined) {
      const interval = env.pingInterval
      yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
        yield* Effect.sleep(interval)
        yield* takeToken(env, session)
        // Marked before it goes: the answer may be read before `send` returns.
        if (ws.readyState === OPEN && pingUnansweredSince === undefined) pingUnansweredSince = elapsedMs()
        sendNow(ws, pingFrame(protocol, { id: registry.nextRequestId(), nowMs: clock.currentTimeMillisUnsafe() })!)
      })))
    }

    // Silence is time spent waiting for data since the last frame the protocol recognised. It
    // is judged only while we wait: while the sink holds a batch (backpressure), the silence is
    // ours, not the peer's, and that time does not count.
    let waitingSince: number | undefined = elapsedMs()
    // A ping waits for an answer (anything recognised) from when it was sent; the time the sink
    // holds a batch does not count either, so the wait is carried across a batch like silence.
    let pingUnansweredSince: number | undefined = undefined
    let pingWaitedBefore = 0
    /** When the last batch arrived, recognised or not: data still streaming in at close. */
    let lastBatchAt = -Infinity

    // Runs before the reader's own finalizers (which resume a paused socket): stop routing
    // writes to this socket, and note whether data is still streaming in.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (link.live === session) link.live = undefined
        if (link.end === end) link.end = undefined
        link.openLatch.closeUnsafe()
        const paused = (ws as { readonly isPaused?: boolean }).isPaused === true
        const busy = waitingSince === undefined || elapsedMs() - lastBatchAt < busyWindowMs
        if (paused || busy) streaming.add(ws)
      })
    )

    const isData = protocol.isData
    const sessionEnd = protocol.sessionEnd
    const onBatch = (batch: NonEmptyReadonlyArray<Frame>): Effect.Effect<void, Ended> => {
      const arrivedAt = elapsedMs()
      lastBatchAt = arrivedAt
      const silentBefore = waitingSince === undefined ? 0 : arrivedAt - waitingSince
      pingWaitedBefore = waitingSince === undefined || pingUnansweredSince === undefined
        ? 0
        : Math.max(0, arrivedAt - pingUnansweredSince)
      waitingSince = undefined
      let alive = false
      let data: Array<Frame> | undefined
      let endedBy: string | undefined
      for (let i = 0; i < batch.length; i++) {
        const frame = batch[i]!
        let keep = true
        if (typeof frame === "string" && sessionEnd !== undefined && !protocol.isControl(frame)) {
          endedBy = sessionEnd(frame)
          if (endedBy !== undefined) {
            // What came before it is delivered; nothing after it belongs to a live session.
            if (data === undefined) data = batch.slice(0, i)
            break
          }
        }
        if (exceedsBytes(frame, env.maxFrameBytes)) {
          stats.oversizedFrames++
          env.oversizedCounter.updateUnsafe(1, env.services)
          keep = false
        } else if (typeof frame === "string" && protocol.isControl(frame)) {
          stats.controlFrames++
          alive = true
          keep = false
          if (readsAnswers) readAnswer(frame)
        } else if (typeof frame === "string" && readsAnswers && readAnswer(frame) === "stray") {
          // An answer passed through to the sink (a private stream reads its own acks) that
          // answers nothing waiting would be read as a real one: it goes no further.
          keep = false
        } else if (!alive && (isData === undefined || isData(frame))) {
          alive = true
        }
        if (keep) {
          if (data !== undefined) data.push(frame)
        } else if (data === undefined) {
          data = batch.slice(0, i)
        }
      }
      const out = data ?? batch
      if (alive) pingUnansweredSince = undefined
      const carried = alive ? 0 : silentBefore
      const delivered = deliver(out, carried)
      const handled = answerLogs.length === 0 ? delivered : Effect.andThen(flushAnswerLogs(), delivered)
      return endedBy === undefined ? handled : Effect.andThen(handled, Effect.fail(new Ended({ why: endedBy, by: "peer" })))
    }
    const deliver = (out: ReadonlyArray<Frame>, carried: number): Effect.Effect<void> => {
      if (out.length === 0) return markWaiting(carried)
      stats.framesDelivered += out.length
      return Effect.andThen(env.sink(out as NonEmptyReadonlyArray<Frame>), markWaiting(carried))
    }
    const markWaiting = (carried: number) =>
      Effect.sync(() => {
        const now = elapsedMs()
        waitingSince = now - carried
        if (pingUnansweredSince !== undefined) pingUnansweredSince = now - pingWaitedBefore
      })
    // Answers to subscribes update the registry as they are read, in order with each other; the
    // logs they call for go out with the batch.
    const readsAnswers = protocol.refusal !== undefined || protocol.acknowledgement !== undefined
    let answerLogs: Array<Effect.Effect<void>> = []
    const flushAnswerLogs = (): Effect.Effect<void> => {
      const logs = answerLogs
      answerLogs = []
      return Effect.all(logs, { discard: true })
    }
    /** Applies a venue's answer to the registry: `answer`, `stray` (nothing was waiting for it), or `undefined` (not an answer). */
    const readAnswer = (frame: string): "answer" | "stray" | undefined => {
      const refusal = protocol.refusal?.(frame)
      if (refusal !== undefined) return applyRefusal(refusal)
      const acknowledged = protocol.acknowledgement?.(frame)
      if (acknowledged === undefined) return undefined
      const channels = "requestId" in acknowledged ? registry.answered(acknowledged.requestId) : acknowledged
      let answered = false
      for (const channel of channels) if (registry.acknowledge(channel)) answered = true
      return answered ? "answer" : "stray"
    }
    const applyRefusal = (answer: SubscriptionRefusal): "answer" | "stray" => {
      const annotate = (channels: ReadonlyArray<string>) =>
        Effect.annotateLogs({ connection: env.name, connection_id: connectionId, channels })
      // A venue that answers by request id: the refused channels are that request's; a request
      // answered already (or never sent on this session) makes it stray.
      let refusal = answer
      if (answer.channels.length === 0 && answer.requestId !== undefined) {
        const channels = registry.answered(answer.requestId)
        if (channels.length === 0) {
          answerLogs.push(
            Effect.logWarning("ignored a refusal for a request not waiting for an answer", answer.message).pipe(
              Effect.annotateLogs({ connection: env.name, connection_id: connectionId, request_id: answer.requestId })
            )
          )
          return "stray"
        }
        refusal = { message: answer.message, channels }
      }
      if (refusal.channels.length === 0) {
        // Names nothing: it fails no channel, and is counted once.
        stats.refusedSubscriptions++
        answerLogs.push(Effect.logWarning("subscription refused by the venue", refusal.message).pipe(annotate([])))
        return "answer"
      }
      const refused: Array<string> = []
      const stray: Array<string> = []
      for (const channel of refusal.channels) {
        if (!registry.awaitsAnswer(channel)) {
          stray.push(channel)
          continue
        }
        // Counted first: failing the holders resumes them at once.
        stats.refusedSubscriptions++
        refused.push(channel)
        registry.refuse(
          channel,
          new ConnectionError({ connection: env.name, reason: new SubscriptionRefused({ channel, message: refusal.message }) })
        )
      }
      if (refused.length > 0) {
        answerLogs.push(Effect.logWarning("subscription refused by the venue", refusal.message).pipe(annotate(refused)))
      }
      if (stray.length > 0) {
        answerLogs.push(
          Effect.logWarning("ignored a refusal for channels not waiting for an answer", refusal.message).pipe(annotate(stray))
        )
      }
      return refused.length > 0 ? "answer" : "stray"
    }

    // The synchronous path: a frame arriving while the read loop waits with nothing buffered is
    // checked and handed to the sync sink right in the socket's event. What needs more than a
    // count (a control reply, an answer, the session's end, an oversized frame) or a sink that
    // declines goes the read loop's way, in order (the reader buffers it, and every frame after
    // it until the loop has taken it).
    const syncSink = env.syncSink
    if (syncSink !== undefined) {
      const refusal = protocol.refusal
      const acknowledgement = protocol.acknowledgement
      const maxFrameBytes = env.maxFrameBytes
      reader.onFrame = (frame) => {
        if (typeof frame === "string") {
          if (protocol.isControl(frame)) return false
          if (sessionEnd !== undefined && sessionEnd(frame) !== undefined) return false
          if (refusal !== undefined && refusal(frame) !== undefined) return false
          if (acknowledgement !== undefined && acknowledgement(frame) !== undefined) return false
        }
        if (exceedsBytes(frame, maxFrameBytes)) return false
        const alive = isData === undefined || isData(frame)
        if (!syncSink(frame)) return false
        stats.framesDelivered++
        const now = elapsedMs()
        lastBatchAt = now
        // Garbage is no sign of life: the silence before it goes on.
        if (alive) {
          waitingSince = now
          pingUnansweredSince = undefined
        }
        return true
      }
    }

    const readLoop = Effect.forever(
      Effect.flatMap(Effect.mapError(reader.pull, (error) => toReason(error, url, env.openTimeout)), onBatch)
    )
    // One tick serves every watch: short enough to see a peer's close within `closeTimeout` and
    // an unanswered ping soon after `pongTimeout`.
    const tick = Duration.millis(
      Math.max(1, Math.floor(Math.min(env.staleAfterMs / 4, closeTimeoutMs / 2, env.pongTimeoutMs / 4)))
    )
    const watchdog = Effect.gen(function*() {
      let closingSeen = false
      while (true) {
        yield* Effect.sleep(tick)
        if (ws.readyState === CLOSING) {
          // A live session's socket is never closed by us, so the peer's close frame arrived:
          // the WebSocket answered it and now waits for the peer to close TCP, which a peer that
          // stopped reading never does (ws would wait 30 s; writes and pings stall meanwhile).
          // Grant it one more tick, then cut it: the reader then ends with the peer's code.
          if (!closingSeen) {
            closingSeen = true
            continue
          }
          terminate(ws)
          yield* Effect.sleep(env.closeTimeout)
          return yield* new Closed({ closeCode: 1006, closeReason: "the peer's close did not complete" })
        }
        const since = waitingSince
        if (since === undefined) continue
        const silentForMs = Math.round(elapsedMs() - since)
        if (silentForMs >= env.staleAfterMs) {
          stats.staleDrops++
          // A half-open peer will not answer a close handshake: the release cuts it instead.
          unresponsive.add(ws)
          return yield* new Stale({ silentForMs })
        }
        const pingSentAt = pingUnansweredSince
        if (pingSentAt !== undefined && elapsedMs() - pingSentAt >= env.pongTimeoutMs) {
          // A half-open socket: our pings go nowhere and nothing comes back (issue 16, item 11).
          stats.staleDrops++
          unresponsive.add(ws)
          return yield* new Stale({ silentForMs, pingUnansweredMs: Math.round(elapsedMs() - pingSentAt) })
        }
      }
    })
    return yield* Effect.raceFirst(readLoop, Effect.raceFirst(watchdog, Deferred.await(ended)))
  })

const acquireRaw = (env: SessionEnv, url: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => env.makeWs(url) as RawSocket,
      catch: (cause) => new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) })
    }),
    (ws) => closeRaw(ws, env.closeTimeout)
  )

/** Sockets judged stale: cut without a close frame. */
const unresponsive = new WeakSet<RawSocket>()
/**
 * Sockets that were still streaming when their session ended: reads paused by a full sink, or a
 * batch within the last `busyWindowMs`. The peer's answer to our close frame is queued behind
 * everything it has in flight, which we would have to read through first (hundreds of ms under a
 * busy feed): send the close frame and cut the connection instead of waiting for the answer.
 */
const streaming = new WeakSet<RawSocket>()

/** Normal close, bounded by `closeTimeout`; past it (or for a socket not yet open) terminate. */
const closeRaw = (ws: RawSocket, closeTimeout: Duration.Duration): Effect.Effect<void> => {
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

/** Why a socket operation failed, in the connection's terms. */
export const toReason = (error: Socket.SocketError, url: string, openTimeout: Duration.Duration): ConnectionErrorReason => {
  const reason = error.reason
  switch (reason._tag) {
    case "SocketOpenError":
      return reason.kind === "Timeout"
        ? new OpenTimeout({ url, timeoutMs: Duration.toMillis(openTimeout) })
        : new OpenFailed({ url, cause: reason.cause })
    case "SocketCloseError":
      return new Closed({
        closeCode: reason.code,
        by: "peer",
        ...(reason.closeReason ? { closeReason: reason.closeReason } : {})
      })
    default: {
      // The WebSocket's own error (an error event carries it as `error`), not Effect's wrapper
      // ("An error occurred during Read"). One that closed the connection with a code (ws:
      // invalid UTF-8 is 1007, a frame over its size limit 1009; see NodeWebSocket) is a close.
      const cause = "cause" in reason ? unwrapEvent(reason.cause) : reason
      const closeCode = (cause as { readonly closeCode?: unknown } | undefined)?.closeCode
      if (typeof closeCode === "number") {
        return new Closed({ closeCode, by: "client", closeReason: cause instanceof Error ? cause.message : String(cause) })
      }
      return new ReadFailed({ cause })
    }
  }
}

const unwrapEvent = (cause: unknown): unknown => {
  if (typeof cause === "object" && cause !== null && "error" in cause) {
    const inner = (cause as { readonly error?: unknown }).error
    if (inner !== undefined && inner !== null) return inner
  }
  return cause
}
