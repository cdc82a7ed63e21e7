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
import { Clock, Duration, Effect, Queue } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as Socket from "effect/socket/Socket"
import type { Channel } from "./Channels.ts"
import { isPrivate, parseChannel } from "./Channels.ts"
import type { FaultState } from "../Faults.ts"
import { malformedFrame } from "../Faults.ts"
import { serveReads, type SessionLine, SessionRegistry, startWatchdog, startWriter, upgrade } from "../WsSession.ts"

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

/** One open connection. */
export interface Session extends SessionLine<Uint8Array | string> {
  readonly id: number
  /** The account of a private connection (`/ws?listenKey=`), else undefined. */
  readonly apiKey: string | undefined
  readonly listenKey: string | undefined
  /** Channel names subscribed, as the client wrote them. */
  readonly channels: Map<string, Channel>
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
export class WsRegistry extends SessionRegistry<Session> {
  /** channel name -> subscribed sessions (public channels). */
  readonly byChannel = new Map<string, Set<Session>>()
  /** api key -> its private sessions. */
  readonly byAccount = new Map<string, Set<Session>>()
  private readonly faults: FaultState

  constructor(faults: FaultState) {
    super()
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

    const upgraded = yield* upgrade<Uint8Array | string>(request, registry, options.outboxCapacity)
    const session: Session = {
      ...upgraded.line,
      id: nextSessionId++,
      apiKey,
      listenKey: apiKey === undefined ? undefined : listenKey,
      channels: new Map()
    }

    if (listenKey !== undefined && apiKey === undefined) {
      // What MEXC does with a dead key: a plain text frame, then the connection ends.
      yield* upgraded.writer.write("Invalid listen key").pipe(Effect.ignore)
      yield* upgraded.writer.write(new Socket.CloseEvent(1000, "Invalid listen key")).pipe(Effect.ignore)
      return "closed" as const
    }

    registry.add(session)
    yield* Effect.addFinalizer(() => Effect.sync(() => registry.remove(session)))
    yield* startWriter(upgraded, deps.faults)

    const maxSubscriptions = options.maxSubscriptions ?? 30
    const noSubscriptionMs = Duration.toMillis(Duration.fromInputUnsafe(options.noSubscriptionTimeout ?? "30 seconds"))
    const idleMs = Duration.toMillis(Duration.fromInputUnsafe(options.idleTimeout ?? "60 seconds"))
    const closeAt = now + Duration.toMillis(Duration.fromInputUnsafe(options.maxConnectionAge ?? "24 hours"))
    let lastInbound = now
    let emptySince = now

    // Watchdog: MEXC closes connections without a subscription after 30 s and silent ones after 60 s.
    yield* startWatchdog(registry, session, () => {
      const idleDeadline = lastInbound + idleMs
      const emptyDeadline = session.channels.size === 0 ? emptySince + noSubscriptionMs : Infinity
      const at = Math.min(idleDeadline, emptyDeadline, closeAt)
      return { at, reason: at === closeAt ? "connection too old" : at === idleDeadline ? "no traffic" : "no subscription" }
    })

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

    yield* serveReads(upgraded, registry, session, {
      startedAt: now,
      maxInboundPerSecond: options.maxInboundPerSecond,
      onInbound: (at) => void (lastInbound = at),
      handle: handleControl
    })
    return "closed" as const
  }).pipe(
    Effect.scoped,
    // The client went away during the handshake: nothing to serve.
    Effect.catch(() => Effect.succeed("closed" as const))
  )

