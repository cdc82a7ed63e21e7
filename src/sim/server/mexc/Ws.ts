/**
 * The simulator's WebSocket side: one session per connection at `/ws` (private at
 * `/ws?listenKey=...`), MEXC's JSON control plane, and the registry the feed publishes through.
 *
 * Control messages (text frames): `{"method":"SUBSCRIPTION","params":[...]}`, `UNSUBSCRIPTION`,
 * and `PING` in either case. Acks are `{"id":0,"code":0,"msg":"<channels comma-joined>"}`, pongs
 * `{"id":0,"code":0,"msg":"PONG"}`; a refused channel is answered with a `msg` starting
 * `Not Subscribed successfully!`. At most 30 subscriptions per connection. A connection with no
 * subscription for 30 s, or no inbound traffic for 60 s, is closed (the server never pings).
 *
 * Publishing is synchronous and allocation-light: a frame is encoded once per channel and offered
 * to every subscribed session's outbox; each session's writer fiber drains its outbox in batches.
 *
 * @since 0.1.0
 */
import type * as Http from "node:http"
import { Clock, Deferred, Duration, Effect, Queue } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as Socket from "effect/socket/Socket"
import type { Channel } from "./Channels.ts"
import { isPrivate, parseChannel } from "./Channels.ts"
import type { FaultState } from "../Faults.ts"
import { malformedFrame } from "../Faults.ts"

/** WebSocket limits, MEXC's by default. */
export interface WsOptions {
  /** Subscriptions per connection (default 30). */
  readonly maxSubscriptions?: number | undefined
  /** Close a connection with no subscription after this long (default 30 s). */
  readonly noSubscriptionTimeout?: Duration.Input | undefined
  /** Close a connection that sent nothing for this long (default 60 s). */
  readonly idleTimeout?: Duration.Input | undefined
  /** Close any connection after this long (default 24 h, as MEXC does). */
  readonly maxConnectionAge?: Duration.Input | undefined
  /** Inbound messages per second per connection before it is closed (default 100). */
  readonly maxInboundPerSecond?: number | undefined
  /** Frames a session may have queued before newer ones are dropped (default 4096). */
  readonly outboxCapacity?: number | undefined
}

type Outgoing = Uint8Array | string | Socket.CloseEvent

/** One open connection. */
export interface Session {
  readonly id: number
  /** The account of a private connection (`/ws?listenKey=`), else undefined. */
  readonly apiKey: string | undefined
  readonly listenKey: string | undefined
  /** Channel names subscribed, as the client wrote them. */
  readonly channels: Map<string, Channel>
  readonly outbox: Queue.Queue<Outgoing>
  /** The TCP socket under the upgrade, destroyed to drop the connection abruptly. */
  readonly raw: { destroy(): void } | undefined
  /** Completed when the server wants the session gone. */
  readonly stop: Deferred.Deferred<void>
  /** Completed when a close frame was queued: the writer then stops waiting for the client to drain. */
  readonly closing: Deferred.Deferred<void>
}

/** What the WebSocket server needs from the rest of the simulator. */
export interface WsDeps {
  readonly faults: FaultState
  /** Whether the simulator lists `symbol`. */
  readonly hasSymbol: (symbol: string) => boolean
  /** The account owning a live listen key at `now`. */
  readonly listenKeyOwner: (listenKey: string, now: number) => string | undefined
  /** Called after a session subscribed to new channels (the feed may send an initial frame). */
  readonly onSubscribe?: ((session: Session, channels: ReadonlyArray<Channel>) => void) | undefined
}

const pong = JSON.stringify({ id: 0, code: 0, msg: "PONG" })

/** Sessions and their subscriptions; the feed publishes through it. */
export class WsRegistry {
  readonly sessions = new Set<Session>()
  /** channel name -> subscribed sessions (public channels). */
  readonly byChannel = new Map<string, Set<Session>>()
  /** api key -> its private sessions. */
  readonly byAccount = new Map<string, Set<Session>>()
  private readonly faults: FaultState

  constructor(faults: FaultState) {
    this.faults = faults
  }

  /** Offers one frame to a session, applying the silence and malformed-frame faults. */
  send(session: Session, frame: Uint8Array | string): void {
    if (this.faults.silent) return
    if (typeof frame !== "string" && this.faults.takeMalformedFrame()) frame = malformedFrame
    Queue.offerUnsafe(session.outbox, frame)
  }

  /** Sends `frame` to every session subscribed to the public channel `name`. */
  publish(name: string, frame: Uint8Array): void {
    const subscribers = this.byChannel.get(name)
    if (subscribers === undefined) return
    for (const session of subscribers) this.send(session, frame)
  }

  /** Sends `frame` to the private sessions of `apiKey` subscribed to `name`. */
  publishPrivate(apiKey: string, name: string, frame: Uint8Array): void {
    const sessions = this.byAccount.get(apiKey)
    if (sessions === undefined) return
    for (const session of sessions) {
      if (session.channels.has(name) && !this.faults.privateSilent(session.listenKey)) this.send(session, frame)
    }
  }

  /** Whether any session of `apiKey` is subscribed to `name` (skip encoding when not). */
  hasPrivateSubscriber(apiKey: string, name: string): boolean {
    const sessions = this.byAccount.get(apiKey)
    if (sessions === undefined) return false
    for (const session of sessions) if (session.channels.has(name)) return true
    return false
  }

  /** TCP sockets under upgraded connections, until they close. */
  private readonly raw = new Set<{ destroy(): void }>()

  /** Tracks the TCP socket under an upgraded connection until it closes. */
  trackSocket(socket: { readonly destroyed: boolean; destroy(): void; once(event: "close", listener: () => void): unknown }): void {
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

  /** Drops every connection abruptly (TCP destroyed, no close frame). */
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
  requestClose(session: Session, code: number, reason: string): void {
    if (!Queue.offerUnsafe(session.outbox, new Socket.CloseEvent(code, reason))) {
      Deferred.doneUnsafe(session.stop, Effect.void)
    } else {
      Deferred.doneUnsafe(session.closing, Effect.void)
    }
  }

  /** Sends `Invalid listen key` and closes every private session on one of `listenKeys`. */
  expireListenKeys(listenKeys: ReadonlyArray<string>): void {
    const dead = new Set(listenKeys)
    for (const session of this.sessions) {
      if (session.listenKey !== undefined && dead.has(session.listenKey)) {
        Queue.offerUnsafe(session.outbox, "Invalid listen key")
        this.requestClose(session, 1000, "Invalid listen key")
      }
    }
  }

  add(session: Session): void {
    this.sessions.add(session)
    if (session.apiKey !== undefined) {
      let set = this.byAccount.get(session.apiKey)
      if (set === undefined) this.byAccount.set(session.apiKey, set = new Set())
      set.add(session)
    }
  }

  remove(session: Session): void {
    this.sessions.delete(session)
    for (const name of session.channels.keys()) this.unsubscribe(session, name)
    if (session.apiKey !== undefined) {
      const set = this.byAccount.get(session.apiKey)
      set?.delete(session)
      if (set?.size === 0) this.byAccount.delete(session.apiKey)
    }
  }

  subscribe(session: Session, channel: Channel): void {
    session.channels.set(channel.name, channel)
    if (isPrivate(channel)) return
    let set = this.byChannel.get(channel.name)
    if (set === undefined) this.byChannel.set(channel.name, set = new Set())
    set.add(session)
  }

  unsubscribe(session: Session, name: string): void {
    session.channels.delete(name)
    const set = this.byChannel.get(name)
    if (set === undefined) return
    set.delete(session)
    if (set.size === 0) this.byChannel.delete(name)
  }
}

let nextSessionId = 1

interface ControlMessage {
  readonly method?: unknown
  readonly params?: unknown
  readonly id?: unknown
}

const reply = (id: number, msg: string, code = 0) => JSON.stringify({ id, code, msg })

/**
 * Serves one upgrade request as a WebSocket session until the client leaves, the server stops it,
 * or a timeout closes it. Answers 503 without upgrading while the refuse-connections fault is on.
 */
export const serveSession = (
  request: HttpServerRequest,
  registry: WsRegistry,
  deps: WsDeps,
  options: WsOptions
): Effect.Effect<"refused" | "closed"> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (deps.faults.refusing(now)) return "refused" as const
    const url = new URL(request.url, "http://sim")
    const listenKey = url.searchParams.get("listenKey") ?? undefined
    const apiKey = listenKey === undefined ? undefined : deps.listenKeyOwner(listenKey, now)

    const socket = yield* request.upgrade
    const writer = yield* socket.writer
    const reader = yield* socket.reader
    const nodeRequest = request.source as Http.IncomingMessage
    registry.trackSocket(nodeRequest.socket)
    const session: Session = {
      id: nextSessionId++,
      apiKey,
      listenKey: apiKey === undefined ? undefined : listenKey,
      channels: new Map(),
      outbox: yield* Queue.dropping<Outgoing>(options.outboxCapacity ?? 4096),
      raw: nodeRequest.socket,
      stop: yield* Deferred.make<void>(),
      closing: yield* Deferred.make<void>()
    }

    if (listenKey !== undefined && apiKey === undefined) {
      // What MEXC does with a dead key: a plain text frame, then the connection ends.
      yield* writer.write("Invalid listen key").pipe(Effect.ignore)
      yield* writer.write(new Socket.CloseEvent(1000, "Invalid listen key")).pipe(Effect.ignore)
      return "closed" as const
    }

    registry.add(session)
    yield* Effect.addFinalizer(() => Effect.sync(() => registry.remove(session)))

    // A socket write never waits: a client that stops reading makes Node buffer without bound.
    // So the writer waits for the TCP socket to drain before taking more, and the bounded outbox
    // (newest frames dropped when full) is what a stalled client costs the server. A queued close
    // frame ends the wait: it goes out (and `ws` cuts the connection if no close reply comes).
    const tcp = nodeRequest.socket
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
      tcp.writableNeedDrain && !tcp.destroyed
        ? Effect.raceFirst(socketDrained, Deferred.await(session.closing))
        : Effect.void
    )

    // Writer: drains the outbox in batches; the WS latency fault delays each batch.
    yield* Effect.forkScoped(Effect.forever(
      Effect.gen(function*() {
        yield* drained
        const batch = yield* Queue.takeAll(session.outbox)
        if (deps.faults.wsLatencyMs > 0) yield* Effect.sleep(Duration.millis(deps.faults.wsLatencyMs))
        let pending: Array<Uint8Array | string> = []
        for (const item of batch) {
          if (Socket.isCloseEvent(item)) {
            if (pending.length > 0) yield* writer.writeAll(pending as [Uint8Array | string])
            pending = []
            yield* writer.write(item)
            return yield* Deferred.succeed(session.stop, undefined)
          }
          pending.push(item)
        }
        if (pending.length > 0) yield* writer.writeAll(pending as [Uint8Array | string])
      })
    ).pipe(Effect.catchCause(() => Deferred.succeed(session.stop, undefined))))

    const maxSubscriptions = options.maxSubscriptions ?? 30
    const noSubscriptionMs = Duration.toMillis(Duration.fromInputUnsafe(options.noSubscriptionTimeout ?? "30 seconds"))
    const idleMs = Duration.toMillis(Duration.fromInputUnsafe(options.idleTimeout ?? "60 seconds"))
    const closeAt = now + Duration.toMillis(Duration.fromInputUnsafe(options.maxConnectionAge ?? "24 hours"))
    const maxInbound = options.maxInboundPerSecond ?? 100
    let lastInbound = now
    let emptySince = now
    let inboundWindowStart = now
    let inboundCount = 0

    const closeWith = (code: number, reason: string) => registry.requestClose(session, code, reason)

    // Watchdog: MEXC closes connections without a subscription after 30 s and silent ones after 60 s.
    yield* Effect.forkScoped(Effect.gen(function*() {
      while (true) {
        const at = yield* Clock.currentTimeMillis
        const idleDeadline = lastInbound + idleMs
        const emptyDeadline = session.channels.size === 0 ? emptySince + noSubscriptionMs : Infinity
        const deadline = Math.min(idleDeadline, emptyDeadline, closeAt)
        if (at >= deadline) {
          closeWith(1000, deadline === closeAt ? "connection too old" : deadline === idleDeadline ? "no traffic" : "no subscription")
          return
        }
        yield* Effect.sleep(Duration.millis(Math.min(deadline - at, 1_000)))
      }
    }))

    const handleControl = (text: string, at: number): void => {
      let message: ControlMessage
      try {
        message = JSON.parse(text) as ControlMessage
      } catch {
        registry.send(session, reply(0, "Invalid JSON", -1))
        return
      }
      const id = typeof message.id === "number" ? message.id : 0
      const method = typeof message.method === "string" ? message.method.toUpperCase() : ""
      const params = Array.isArray(message.params) ? message.params.filter((p): p is string => typeof p === "string") : []
      switch (method) {
        case "PING":
          registry.send(session, pong)
          return
        case "SUBSCRIPTION": {
          const accepted: Array<Channel> = []
          const refused: Array<string> = []
          let reason = ""
          for (const name of params) {
            if (session.channels.has(name)) {
              accepted.push(session.channels.get(name)!)
              continue
            }
            const channel = parseChannel(name)
            if (channel === undefined || ("symbol" in channel && !deps.hasSymbol(channel.symbol))) {
              refused.push(name)
              reason = "Blocked!"
            } else if (isPrivate(channel) && session.apiKey === undefined) {
              refused.push(name)
              reason = "private channel needs a listenKey"
            } else if (session.channels.size >= maxSubscriptions) {
              refused.push(name)
              reason = `at most ${maxSubscriptions} subscriptions per connection`
            } else {
              registry.subscribe(session, channel)
              accepted.push(channel)
            }
          }
          if (accepted.length > 0) {
            registry.send(session, reply(id, accepted.map((c) => c.name).join(",")))
            deps.onSubscribe?.(session, accepted)
          }
          if (refused.length > 0 || params.length === 0) {
            registry.send(session, reply(id, `Not Subscribed successfully! [${refused.join(",")}].  Reason： ${reason || "no channel"}`))
          }
          return
        }
        case "UNSUBSCRIPTION": {
          const had = session.channels.size
          for (const name of params) registry.unsubscribe(session, name)
          // The no-subscription clock starts when the last subscription goes, not on every request.
          if (had > 0 && session.channels.size === 0) emptySince = at
          registry.send(session, reply(id, params.join(",")))
          return
        }
        default:
          registry.send(session, reply(id, `Unsupported method: ${String(message.method)}`, -1))
      }
    }

    const readLoop = Effect.gen(function*() {
      while (true) {
        const batch = yield* reader.pull
        const at = yield* Clock.currentTimeMillis
        for (const data of batch) {
          lastInbound = at
          if (at - inboundWindowStart >= 1_000) {
            inboundWindowStart = at
            inboundCount = 0
          }
          if (++inboundCount > maxInbound) {
            closeWith(1008, "too many messages")
            // Let the writer send what is queued and the close frame; it then ends the session.
            return yield* Deferred.await(session.stop)
          }
          handleControl(typeof data === "string" ? data : new TextDecoder().decode(data), at)
        }
      }
    }).pipe(Effect.ignore)

    yield* Effect.raceFirst(readLoop, Deferred.await(session.stop))
    return "closed" as const
  }).pipe(
    Effect.scoped,
    // The client went away during the handshake: nothing to serve.
    Effect.catch(() => Effect.succeed("closed" as const))
  )

