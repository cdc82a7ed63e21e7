/**
 * The Gate.io side's WebSocket (`/ws/v4/`): one session per connection, Gate's JSON envelope,
 * subscriptions with acks and errors by request id, `spot.ping`/`spot.pong`, per-subscribe auth
 * of private channels, an idle timeout, and the registry the feed publishes through
 * (`gateio-wire.md`, "WebSocket v4 (spot)").
 *
 * Requests: `{"time": <s>, "id": <int>?, "channel": "...", "event": "subscribe" | "unsubscribe",
 * "payload": [...], "auth"?: {"method": "api_key", "KEY": ..., "SIGN": ...}}`. Acks:
 * `{time, time_ms, id, conn_id, trace_id, channel, event, payload, error: null, result: {status:
 * "success"}}`; a refusal has `error: {code, message}` and `result: {status: "fail"}` (codes: 1
 * invalid request body, 2 invalid argument, 4 authentication failed). `{"channel":"spot.ping"}`
 * answers `{time, time_ms, channel: "spot.pong", event: "", error: null, result: null}`.
 *
 * A connection on which nothing travelled either way for `idleTimeout` (default 60 s) is closed.
 *
 * The malformed-frames fault replaces data frames in turn by (1) text no JSON parser accepts,
 * (2) the push with wrong types in its result (numbers as strings, strings as numbers), (3) the
 * push with impossible values (prices and amounts `-1`, `U` after `u`): what a client must count
 * and skip without losing the rest. `refusedPairs` are pairs REST lists but the WebSocket refuses
 * (code 2, `unknown currency pair`), as Gate did for a listed pair (gateio-wire.md, "Errors").
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Queue } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import type { FaultState } from "../Faults.ts"
import { serveReads, type SessionLine, SessionRegistry, startWatchdog, startWriter, upgrade } from "../WsSession.ts"
import { timestampWindowSeconds, wsSignature } from "./Auth.ts"

/** WebSocket limits. */
export interface GateWsOptions {
  /** Close a connection on which nothing was sent either way for this long (default 60 s). */
  readonly idleTimeout?: Duration.Input | undefined
  /** Close any connection after this long (default 24 h). */
  readonly maxConnectionAge?: Duration.Input | undefined
  /** Inbound messages per second per connection before it is closed (default 100). */
  readonly maxInboundPerSecond?: number | undefined
  /** Frames a session may have queued before newer ones are dropped (default 4096). */
  readonly outboxCapacity?: number | undefined
  /** Pairs whose subscriptions are refused (code 2, `unknown currency pair`) though REST lists them. */
  readonly refusedPairs?: ReadonlyArray<string> | undefined
}

/** A public subscription key: `channel|argument`, e.g. `spot.order_book_update|BTC_USDT|100ms`. */
export type StreamKey = string

/** Private channels. */
export const privateChannels: ReadonlySet<string> = new Set(["spot.orders", "spot.usertrades", "spot.balances"])

/** One authenticated private subscription of a session. */
export interface PrivateSubscription {
  readonly channel: string
  readonly apiKey: string
  /** Pairs, or `all` (`["!all"]`, and always for `spot.balances`). */
  readonly pairs: ReadonlySet<string> | "all"
}

/** One open connection. */
export interface GateSession extends SessionLine<string> {
  readonly id: number
  readonly connId: string
  /** Public streams subscribed. */
  readonly streams: Set<StreamKey>
  /** Private subscriptions, keyed `channel|apiKey`. */
  readonly privates: Map<string, PrivateSubscription>
  /** `spot.obu` streams whose first (full) push is still due to this session. */
  readonly pendingFull: Set<StreamKey>
  /** Epoch ms of the last frame either way. */
  lastActivity: number
}

/** What the WebSocket side needs from the rest of the simulator. */
export interface GateWsDeps {
  readonly faults: FaultState
  readonly hasPair: (pair: string) => boolean
  readonly secretOf: (apiKey: string) => string | undefined
  /** Called after a session subscribed (the feed prepares state; `obu` newcomers get a full push). */
  readonly onSubscribe: (session: GateSession, channel: string, keys: ReadonlyArray<StreamKey>) => void
}

/** A frame that no JSON parser accepts (the malformed-frames fault). */
export const malformedText = `{"time":1,"channel":"spot.`

/** The kinds of frame the malformed-frames fault sends, in turn. */
export const malformedKinds = ["unparsable", "wrongTypes", "impossibleValues"] as const

const wrongType = (value: unknown): unknown =>
  typeof value === "number" ? String(value) : typeof value === "string" && value !== "" && Number.isFinite(Number(value)) ? Number(value) : value

const impossible = (key: string, value: unknown): unknown => {
  if (key === "U" && typeof value === "number") return value + 1_000_000
  if (typeof value === "string" && Number.isFinite(Number(value))) return "-1"
  if (Array.isArray(value)) return value.map((level) => Array.isArray(level) ? level.map(() => "-1") : level)
  return value
}

/**
 * `text` (a push) made malformed as `kind` says; text no JSON parser accepts when the push has no
 * result object to spoil. The pair and channel are kept, so the frame reaches the client's parser.
 */
export const malformedFrame = (text: string, kind: typeof malformedKinds[number]): string => {
  if (kind === "unparsable") return malformedText
  let push: { result?: unknown }
  try {
    push = JSON.parse(text)
  } catch {
    return malformedText
  }
  const spoil = (result: unknown): unknown => {
    if (typeof result !== "object" || result === null || Array.isArray(result)) return result
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(result)) {
      const keep = key === "s" || key === "currency_pair" || key === "e" || key === "full" || key === "l"
      out[key] = keep ? value : kind === "wrongTypes" ? wrongType(value) : impossible(key, value)
    }
    return out
  }
  const result = Array.isArray(push.result) ? push.result.map(spoil) : spoil(push.result)
  if (result === push.result || typeof push.result !== "object" || push.result === null) return malformedText
  return JSON.stringify({ ...push, result })
}

/** Sessions and their subscriptions; the feed publishes through it. */
export class GateRegistry extends SessionRegistry<GateSession> {
  readonly byStream = new Map<StreamKey, Set<GateSession>>()
  /** api key -> sessions with a private subscription of that account. */
  readonly byAccount = new Map<string, Set<GateSession>>()
  /** Current time as the driver last saw it (for activity stamps). */
  now = 0
  private readonly faults: FaultState
  private malformedSent = 0

  constructor(faults: FaultState) {
    super()
    this.faults = faults
  }

  /** Offers a control answer (acks, pongs) to a session: only the silence fault applies. */
  reply(session: GateSession, text: string): void {
    if (this.faults.silent) return
    session.lastActivity = this.now
    Queue.offerUnsafe(session.outbox, text)
  }

  /** Offers a data frame to a session, applying the silence and malformed-frame faults. */
  send(session: GateSession, text: string): void {
    if (this.faults.silent) return
    session.lastActivity = this.now
    Queue.offerUnsafe(
      session.outbox,
      this.faults.takeMalformedFrame() ? malformedFrame(text, malformedKinds[this.malformedSent++ % malformedKinds.length]!) : text
    )
  }

  /** Sends `text` to every session subscribed to `key`. */
  publish(key: StreamKey, text: string): void {
    const sessions = this.byStream.get(key)
    if (sessions === undefined) return
    for (const session of sessions) this.send(session, text)
  }

  /**
   * The sessions with a private `channel` subscription of `apiKey` covering `pair` (undefined:
   * any), unless that account's private streams are silenced.
   */
  privateSessions(apiKey: string, channel: string, pair: string | undefined): Array<GateSession> {
    const sessions = this.byAccount.get(apiKey)
    if (sessions === undefined || this.faults.privateSilent(apiKey)) return []
    const out: Array<GateSession> = []
    for (const session of sessions) {
      const sub = session.privates.get(`${channel}|${apiKey}`)
      if (sub !== undefined && (sub.pairs === "all" || pair === undefined || sub.pairs.has(pair))) out.push(session)
    }
    return out
  }

  add(session: GateSession): void {
    this.sessions.add(session)
  }

  remove(session: GateSession): void {
    this.sessions.delete(session)
    for (const key of session.streams) this.unsubscribe(session, key)
    for (const sub of [...session.privates.values()]) this.unsubscribePrivate(session, sub.channel, sub.apiKey)
  }

  subscribe(session: GateSession, key: StreamKey): void {
    session.streams.add(key)
    let set = this.byStream.get(key)
    if (set === undefined) this.byStream.set(key, set = new Set())
    set.add(session)
  }

  unsubscribe(session: GateSession, key: StreamKey): void {
    session.streams.delete(key)
    session.pendingFull.delete(key)
    const set = this.byStream.get(key)
    if (set === undefined) return
    set.delete(session)
    if (set.size === 0) this.byStream.delete(key)
  }

  subscribePrivate(session: GateSession, sub: PrivateSubscription): void {
    session.privates.set(`${sub.channel}|${sub.apiKey}`, sub)
    let set = this.byAccount.get(sub.apiKey)
    if (set === undefined) this.byAccount.set(sub.apiKey, set = new Set())
    set.add(session)
  }

  unsubscribePrivate(session: GateSession, channel: string, apiKey: string): void {
    session.privates.delete(`${channel}|${apiKey}`)
    for (const sub of session.privates.values()) if (sub.apiKey === apiKey) return
    const set = this.byAccount.get(apiKey)
    set?.delete(session)
    if (set?.size === 0) this.byAccount.delete(apiKey)
  }
}

let nextSessionId = 1
let traceSeq = 0

/** The intervals `spot.order_book_update` takes. */
export const bookIntervals: ReadonlySet<string> = new Set(["20ms", "100ms"])
/** `spot.obu` levels: 50 (20 ms) and 400 (100 ms). */
export const obuLevels: ReadonlySet<string> = new Set(["50", "400"])

interface Request {
  readonly time?: unknown
  readonly id?: unknown
  readonly channel?: unknown
  readonly event?: unknown
  readonly payload?: unknown
  readonly auth?: unknown
}

/**
 * Serves one upgrade request as a Gate WebSocket session until the client leaves, the server
 * stops it, or a timeout closes it.
 */
export const serveGateSession = (
  request: HttpServerRequest,
  registry: GateRegistry,
  deps: GateWsDeps,
  options: GateWsOptions
): Effect.Effect<"closed"> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const upgraded = yield* upgrade<string>(request, registry, options.outboxCapacity)
    const id = nextSessionId++
    const session: GateSession = {
      ...upgraded.line,
      id,
      connId: `sim${String(id).padStart(13, "0")}`,
      streams: new Set(),
      privates: new Map(),
      pendingFull: new Set(),
      lastActivity: now
    }
    registry.add(session)
    yield* Effect.addFinalizer(() => Effect.sync(() => registry.remove(session)))
    yield* startWriter(upgraded, deps.faults)

    const idleMs = Duration.toMillis(Duration.fromInputUnsafe(options.idleTimeout ?? "60 seconds"))
    const closeAt = now + Duration.toMillis(Duration.fromInputUnsafe(options.maxConnectionAge ?? "24 hours"))

    // Watchdog: idle connections and old ones are closed.
    yield* startWatchdog(registry, session, () => {
      const idleDeadline = session.lastActivity + idleMs
      const at = Math.min(idleDeadline, closeAt)
      return { at, reason: at === closeAt ? "connection too old" : "idle" }
    })

    const envelope = (at: number, message: Request, channel: string, event: string) => ({
      time: Math.floor(at / 1000),
      time_ms: at,
      ...(typeof message.id === "number" ? { id: message.id } : {}),
      conn_id: session.connId,
      trace_id: (++traceSeq).toString(16).padStart(32, "0"),
      channel,
      event,
      ...(message.payload !== undefined ? { payload: message.payload } : {})
    })
    const ack = (at: number, message: Request, channel: string, event: string) =>
      registry.reply(session, JSON.stringify({ ...envelope(at, message, channel, event), error: null, result: { status: "success" } }))
    const refuse = (at: number, message: Request, channel: string, event: string, code: number, text: string) =>
      registry.reply(
        session,
        JSON.stringify({ ...envelope(at, message, channel, event), error: { code, message: text }, result: { status: "fail" } })
      )

    const handle = (text: string, at: number): void => {
      let message: Request
      try {
        message = JSON.parse(text) as Request
        if (typeof message !== "object" || message === null || Array.isArray(message)) throw new Error("not an object")
      } catch {
        refuse(at, {}, "", "", 1, "invalid request body")
        return
      }
      const channel = typeof message.channel === "string" ? message.channel : ""
      const event = typeof message.event === "string" ? message.event : ""
      if (channel === "spot.ping") {
        registry.reply(session, JSON.stringify({ time: Math.floor(at / 1000), time_ms: at, channel: "spot.pong", event: "", error: null, result: null }))
        return
      }
      if (event !== "subscribe" && event !== "unsubscribe") return refuse(at, message, channel, event, 1, `invalid event: ${event}`)
      const payload = message.payload === undefined ? [] : message.payload
      if (!Array.isArray(payload) || !payload.every((p) => typeof p === "string")) {
        return refuse(at, message, channel, event, 2, "payload must be an array of strings")
      }
      const args = payload as ReadonlyArray<string>

      if (privateChannels.has(channel)) {
        const auth = (typeof message.auth === "object" && message.auth !== null ? message.auth : {}) as Record<string, unknown>
        const key = typeof auth["KEY"] === "string" ? auth["KEY"] : ""
        const sign = typeof auth["SIGN"] === "string" ? auth["SIGN"] : ""
        const secret = deps.secretOf(key)
        const time = message.time
        if (auth["method"] !== "api_key" || secret === undefined || (typeof time !== "number" && typeof time !== "string")) {
          return refuse(at, message, channel, event, 4, "authentication failed: missing or unknown api key")
        }
        if (Math.abs(at / 1000 - Number(time)) > timestampWindowSeconds) {
          return refuse(at, message, channel, event, 4, "authentication failed: time out of window")
        }
        if (sign !== wsSignature(secret, channel, event, String(time))) {
          return refuse(at, message, channel, event, 4, "authentication failed: signature mismatch")
        }
        if (event === "unsubscribe") {
          registry.unsubscribePrivate(session, channel, key)
          return ack(at, message, channel, event)
        }
        let pairs: ReadonlySet<string> | "all" = "all"
        if (channel !== "spot.balances" && !(args.length === 1 && args[0] === "!all")) {
          if (args.length === 0) return refuse(at, message, channel, event, 2, "payload must name currency pairs or !all")
          const unknown = args.find((p) => !deps.hasPair(p))
          if (unknown !== undefined) return refuse(at, message, channel, event, 2, `unknown currency pair: ${unknown}`)
          const existing = session.privates.get(`${channel}|${key}`)
          const merged = new Set(existing === undefined || existing.pairs === "all" ? [] : existing.pairs)
          for (const p of args) merged.add(p)
          pairs = existing?.pairs === "all" ? "all" : merged
        }
        registry.subscribePrivate(session, { channel, apiKey: key, pairs })
        deps.onSubscribe(session, channel, [])
        return ack(at, message, channel, event)
      }

      // Public channels: every argument is checked before anything is subscribed.
      const keys: Array<StreamKey> = []
      switch (channel) {
        case "spot.book_ticker":
        case "spot.trades":
        case "spot.tickers": {
          if (args.length === 0) return refuse(at, message, channel, event, 2, "payload must name currency pairs")
          const unknown = args.find((p) => !deps.hasPair(p))
          if (unknown !== undefined) return refuse(at, message, channel, event, 2, `unknown currency pair: ${unknown}`)
          for (const p of args) keys.push(`${channel}|${p}`)
          break
        }
        case "spot.order_book_update": {
          const [pair, interval] = args
          if (pair === undefined || !deps.hasPair(pair)) return refuse(at, message, channel, event, 2, `unknown currency pair: ${pair ?? ""}`)
          if (interval === undefined || !bookIntervals.has(interval)) {
            return refuse(at, message, channel, event, 2, `invalid interval: ${interval ?? ""} (20ms or 100ms)`)
          }
          keys.push(`${channel}|${pair}|${interval}`)
          break
        }
        case "spot.obu": {
          if (args.length === 0) return refuse(at, message, channel, event, 2, "payload must name streams ob.<PAIR>.<level>")
          for (const stream of args) {
            const parts = stream.split(".")
            if (parts.length !== 3 || parts[0] !== "ob" || !obuLevels.has(parts[2]!)) {
              return refuse(at, message, channel, event, 2, `invalid stream: ${stream}`)
            }
            if (!deps.hasPair(parts[1]!)) return refuse(at, message, channel, event, 2, `unknown currency pair: ${parts[1]}`)
            const key = `${channel}|${stream}`
            if (event === "subscribe" && session.streams.has(key)) return refuse(at, message, channel, event, 2, `Alert sub ${stream}`)
            keys.push(key)
          }
          break
        }
        default:
          return refuse(at, message, channel, event, 2, `unknown channel: ${channel}`)
      }
      if (event === "unsubscribe") {
        for (const key of keys) registry.unsubscribe(session, key)
        return ack(at, message, channel, event)
      }
      for (const key of keys) registry.subscribe(session, key)
      // The ack goes out before the first push (the feed queues pushes after this).
      ack(at, message, channel, event)
      deps.onSubscribe(session, channel, keys)
    }

    yield* serveReads(upgraded, registry, session, {
      startedAt: now,
      maxInboundPerSecond: options.maxInboundPerSecond,
      onInbound: (at) => void (session.lastActivity = at),
      handle
    })
    return "closed" as const
  }).pipe(
    Effect.scoped,
    Effect.catch(() => Effect.succeed("closed" as const))
  )
