/**
 * Gate.io Spot WebSocket v4 framing (gateio-wire.md, "WebSocket v4 (spot)"): the request frames a
 * client writes and the reading of every frame the server sends. Pure: the caller supplies the
 * time (whole epoch seconds, which Gate checks within 60 s) and the request id.
 *
 * - A request is `{time, id, channel, event, payload}`; a private one adds `auth` (signed over
 *   `channel`, `event` and `time`, see `Signing.ts`). One channel per frame, one or more payload
 *   entries.
 * - A subscription is named here by a key, `<channel>|<payload joined by ",">`
 *   (`spot.order_book_update|BTC_USDT,100ms`), so that one string names one frame's worth.
 * - The server answers every request with the same `id`, `event` and `channel`, `error` `null` and
 *   `result.status` `success`, or an `error` `{code, message}` (1 bad body, 2 bad argument, 3 server
 *   error, 4 authentication failed). Pushes carry `event: "update"` and the channel's body in
 *   `result`. `spot.ping` is answered on `spot.pong`. `event: "upgrade"` asks the client to
 *   reconnect.
 *
 * @since 0.1.0
 */

import type { ControlRequest, SubscriptionProtocol } from "../../socket/Protocol.ts"

/** Gate's production WebSocket URL for spot. */
export const productionUrl = "wss://api.gateio.ws/ws/v4/"

/** The application ping channel and its answer. */
export const pingChannel = "spot.ping"
export const pongChannel = "spot.pong"

/** One subscription: a channel and its payload. */
export interface Subscription {
  readonly channel: string
  readonly payload: ReadonlyArray<string>
}

/** The key naming a subscription: `<channel>|<payload joined by ",">`. */
export const key = (subscription: Subscription): string => `${subscription.channel}|${subscription.payload.join(",")}`

/** A key back to its subscription; `undefined` for a string that is not one. */
export const subscriptionOf = (k: string): Subscription | undefined => {
  const bar = k.indexOf("|")
  if (bar <= 0) return undefined
  const rest = k.slice(bar + 1)
  return { channel: k.slice(0, bar), payload: rest === "" ? [] : rest.split(",") }
}

/** The `auth` object of a private request (see `Signing.channelAuth`). */
export interface Auth {
  readonly method: "api_key"
  readonly KEY: string
  readonly SIGN: string
}

/** A subscribe or unsubscribe frame. */
export const request = (options: {
  readonly event: "subscribe" | "unsubscribe"
  readonly subscription: Subscription
  readonly time: number
  readonly id: number
  readonly auth?: Auth | undefined
}): string =>
  JSON.stringify({
    time: options.time,
    id: options.id,
    channel: options.subscription.channel,
    event: options.event,
    payload: options.subscription.payload,
    ...(options.auth === undefined ? {} : { auth: options.auth })
  })

/** The `spot.ping` frame. */
export const ping = (time: number): string => JSON.stringify({ time, channel: pingChannel })

/** A server frame, read. */
export type Frame =
  /** A push: the channel's body in `result`; `timeMs` the server's send time. */
  | { readonly _tag: "Push"; readonly channel: string; readonly result: unknown; readonly timeMs: number | undefined }
  /** A subscribe or unsubscribe answered `success`. */
  | {
    readonly _tag: "Ack"
    readonly id: number | undefined
    readonly channel: string
    readonly event: string
    /** The subscription's payload, when the answer echoes it (newer acks do). */
    readonly payload: ReadonlyArray<string> | undefined
  }
  /** A request refused: `code` 1 bad body, 2 bad argument, 3 server error, 4 authentication failed. */
  | {
    readonly _tag: "Refused"
    readonly id: number | undefined
    readonly channel: string
    readonly event: string
    readonly code: number
    readonly message: string
    readonly payload: ReadonlyArray<string> | undefined
  }
  /** The answer to `spot.ping`. */
  | { readonly _tag: "Pong" }
  /** The server asks for a reconnect. */
  | { readonly _tag: "Upgrade" }
  /** Not a Gate frame: `detail` says why. */
  | { readonly _tag: "Unreadable"; readonly detail: string }

const unreadable = (detail: string): Frame => ({ _tag: "Unreadable", detail })

/** Reads one text frame from the server. */
export const read = (text: string): Frame => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return unreadable(`not JSON: ${text.slice(0, 80)}`)
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return unreadable("not a JSON object")
  const f = json as Record<string, unknown>
  const channel = f.channel
  const event = f.event
  if (event === "upgrade") return { _tag: "Upgrade" }
  if (typeof channel !== "string") return unreadable("no channel")
  if (channel === pongChannel) return { _tag: "Pong" }
  const id = typeof f.id === "number" ? f.id : undefined
  const payload = Array.isArray(f.payload) && f.payload.every((p) => typeof p === "string") ? f.payload as Array<string> : undefined
  const error = f.error
  if (error !== null && error !== undefined) {
    const e = error as { code?: unknown; message?: unknown }
    return {
      _tag: "Refused",
      id,
      channel,
      event: typeof event === "string" ? event : "",
      code: typeof e.code === "number" ? e.code : 0,
      message: typeof e.message === "string" ? e.message : JSON.stringify(error),
      payload
    }
  }
  if (event === "subscribe" || event === "unsubscribe") {
    const status = (f.result as { status?: unknown } | null | undefined)?.status
    if (status !== undefined && status !== "success") {
      return { _tag: "Refused", id, channel, event, code: 0, message: `status ${String(status)}`, payload }
    }
    return { _tag: "Ack", id, channel, event, payload }
  }
  if (!("result" in f)) return unreadable(`no result on ${channel}`)
  const timeMs = typeof f.time_ms === "number" ? f.time_ms : typeof f.time === "number" ? f.time * 1000 : undefined
  return { _tag: "Push", channel, result: f.result, timeMs }
}

/**
 * A cheap check for control replies (acks, refusals, pongs): what carries no data. Gate writes
 * `"event":"update"` on every push and never on a control reply.
 */
export const isControl = (text: string): boolean =>
  !text.includes("\"event\":\"update\"") &&
  (text.includes("\"event\":\"subscribe\"") || text.includes("\"event\":\"unsubscribe\"") || text.includes(pongChannel))

/** The server's "reconnect now" (`event: "upgrade"`): why the session ends, or `undefined`. */
export const sessionEnd = (text: string): string | undefined =>
  text.includes("\"event\":\"upgrade\"") ? "the server asked for a reconnect (event upgrade)" : undefined

/** A cheap check that a frame is shaped like a Gate push (for the stale-connection watchdog). */
export const isData = (frame: string | Uint8Array): boolean =>
  typeof frame === "string" && frame.startsWith("{") && frame.includes("\"channel\":\"spot.") && frame.includes("\"result\"")

/** Options of {@link subscriptionProtocol}. */
export interface ProtocolOptions {
  /**
   * Venue time minus local time (ms), read when a frame is written: Gate checks a request's `time`
   * within 60 s of its own clock. Default 0 (the local clock).
   */
  readonly offsetMs?: (() => number) | undefined
  /** The `auth` of a subscribe or unsubscribe of `channel` sent at `time`; `undefined` for a public one. */
  readonly auth?: ((channel: string, event: "subscribe" | "unsubscribe", time: number) => Auth | undefined) | undefined
}

/**
 * Gate's control messages, as the connection kit drives them: one subscription (a key, see
 * {@link key}) per frame, written with the connection's request id and the time it is sent (and,
 * for a private channel, its signature over that time); `spot.ping` with the time it is sent;
 * acks, refusals and pongs recognised as control replies, each answering its request by id (or,
 * without one, by its echoed payload); `event: "upgrade"` ends the session (the connection dials
 * again). Writes: at most 10 a second with a burst of 10, far under any limit Gate enforces and
 * fast enough for a connection's resubscriptions.
 */
export const subscriptionProtocol = (options: ProtocolOptions = {}): SubscriptionProtocol => {
  const seconds = (request: ControlRequest) => Math.floor((request.nowMs + (options.offsetMs?.() ?? 0)) / 1000)
  const frame = (event: "subscribe" | "unsubscribe") => (channels: ReadonlyArray<string>, control: ControlRequest): string => {
    const k = channels[0] ?? ""
    const subscription = subscriptionOf(k) ?? { channel: k, payload: [] }
    const time = seconds(control)
    return request({ event, subscription, time, id: control.id, auth: options.auth?.(subscription.channel, event, time) })
  }
  const named = (channel: string, payload: ReadonlyArray<string> | undefined): Array<string> =>
    payload === undefined ? [] : [key({ channel, payload })]
  return {
    subscribe: frame("subscribe"),
    unsubscribe: frame("unsubscribe"),
    ping: (control) => ping(seconds(control)),
    maxChannelsPerFrame: 1,
    isControl,
    refusal: (text) => {
      const reply = read(text)
      if (reply._tag !== "Refused") return undefined
      return {
        message: `${reply.message} (code ${reply.code})`,
        channels: named(reply.channel, reply.payload),
        ...(reply.id === undefined ? {} : { requestId: reply.id })
      }
    },
    acknowledgement: (text) => {
      const reply = read(text)
      if (reply._tag !== "Ack") return undefined
      if (reply.id !== undefined) return { requestId: reply.id }
      const channels = named(reply.channel, reply.payload)
      return channels.length === 0 ? undefined : channels
    },
    isData,
    sessionEnd,
    outboundRate: { perSecond: 10, burst: 10 }
  }
}
