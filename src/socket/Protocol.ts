/**
 * How a venue speaks over a WebSocket, as far as the connection needs to know: subscribe,
 * unsubscribe and the application-level ping; how to recognise control replies (acks, pongs,
 * refusals) and data frames; how many channels one frame may carry; and how fast a connection may
 * write. The connection is venue-agnostic; a venue hands it one of these.
 *
 * @since 0.1.0
 */
import { isWellFormedMessage } from "./internal/protobufFraming.ts"

/** A venue's refusal of one or more subscriptions. */
export interface SubscriptionRefusal {
  /** The venue's own message, as sent. */
  readonly message: string
  /** The channels it refused; empty when the reply does not name them. */
  readonly channels: ReadonlyArray<string>
}

/**
 * A per-connection budget for outbound frames: a token bucket that refills at `perSecond` and
 * holds at most `burst` tokens. Every frame the connection writes (subscribe, unsubscribe, ping,
 * `send`) takes one, waiting for it when the bucket is empty, so any window of `t` seconds carries
 * at most `burst + perSecond * t` frames. (The close frame at shutdown is exempt.)
 */
export interface OutboundRate {
  readonly perSecond: number
  readonly burst: number
}

/** A venue's control-message format. */
export interface SubscriptionProtocol {
  /** The frame that subscribes to `channels` (at most `maxChannelsPerFrame` of them). */
  readonly subscribe: (channels: ReadonlyArray<string>) => string | Uint8Array
  /** The frame that unsubscribes from `channels` (at most `maxChannelsPerFrame` of them). */
  readonly unsubscribe: (channels: ReadonlyArray<string>) => string | Uint8Array
  /** The heartbeat frame; `undefined` when the venue pings on its own. */
  readonly ping: string | Uint8Array | undefined
  /** How many channels one subscribe or unsubscribe frame may carry. */
  readonly maxChannelsPerFrame: number
  /**
   * True for control replies (acks, pongs, refusals): they count as liveness but carry no data
   * for the sink. Called on every text frame, so it must be cheap.
   */
  readonly isControl: (frame: string) => boolean
  /**
   * For a reply that refuses subscriptions, the venue's message and the channels it names;
   * `undefined` for any other frame. Called on control replies, and on other text frames when
   * the protocol passes answers through to the sink, so it must be cheap. A refusal counts only
   * for a channel still waiting for its answer; one for a channel already acknowledged (a stray
   * or repeated reply) is logged and ignored.
   */
  readonly refusal?: ((frame: string) => SubscriptionRefusal | undefined) | undefined
  /**
   * For a reply that acknowledges subscriptions, the channels it names; `undefined` for any other
   * frame. Called like {@link SubscriptionProtocol.refusal}. An acknowledged channel no longer
   * waits for an answer, so a later refusal for it is stray. An ack that answers nothing waiting
   * (a repeat, a stray one) is never handed to the sink. Without it, a channel waits for its
   * answer until it is unsubscribed and every refusal for it counts.
   */
  readonly acknowledgement?: ((frame: string) => ReadonlyArray<string> | undefined) | undefined
  /**
   * True for a frame shaped like this venue's data (a cheap structural check, not a decode).
   * Every frame that is not a control reply still goes to the sink (which counts what it cannot
   * decode), but only control replies and frames passing this check are signs of life for the
   * stale-connection watchdog: a peer that only sends garbage is not alive. `undefined`: every
   * frame counts.
   */
  readonly isData?: ((frame: string | Uint8Array) => boolean) | undefined
  /** The outbound frame budget of one connection; `undefined`: unlimited. */
  readonly outboundRate?: OutboundRate | undefined
  /**
   * For a text frame (not a control reply) that means the session is over, why; `undefined` for
   * any other frame. The connection does not deliver it: it ends the session at once (reason
   * `Ended`, by the peer) and dials again, evaluating its `url` afresh. MEXC: `Invalid listen
   * key`, after which a private stream carries nothing more.
   */
  readonly sessionEnd?: ((frame: string) => string | undefined) | undefined
}

/**
 * The `{"method": ..., "params": [...]}` format used by MEXC Spot v3: subscribe with
 * `SUBSCRIPTION`, unsubscribe with `UNSUBSCRIPTION`, heartbeat `{"method":"PING"}`, and replies
 * `{"id":0,"code":0,"msg":...}` for acks, pongs and refusals. Every frame counts as liveness and
 * writes are unlimited unless `isData` / `outboundRate` are given.
 */
export const jsonMethodProtocol = (options?: {
  readonly subscribe?: string | undefined
  readonly unsubscribe?: string | undefined
  readonly ping?: string | undefined
  readonly maxChannelsPerFrame?: number | undefined
  readonly isData?: ((frame: string | Uint8Array) => boolean) | undefined
  readonly outboundRate?: OutboundRate | undefined
  readonly sessionEnd?: ((frame: string) => string | undefined) | undefined
}): SubscriptionProtocol => {
  const subscribe = options?.subscribe ?? "SUBSCRIPTION"
  const unsubscribe = options?.unsubscribe ?? "UNSUBSCRIPTION"
  return {
    subscribe: (channels) => JSON.stringify({ method: subscribe, params: channels }),
    unsubscribe: (channels) => JSON.stringify({ method: unsubscribe, params: channels }),
    ping: JSON.stringify({ method: options?.ping ?? "PING" }),
    maxChannelsPerFrame: options?.maxChannelsPerFrame ?? 30,
    // Acks, pongs and refusals are the only text frames that open with an `id` field.
    isControl: (frame) => frame.startsWith("{\"id\":"),
    refusal: mexcRefusal,
    acknowledgement: mexcAcknowledgement,
    isData: options?.isData,
    outboundRate: options?.outboundRate,
    sessionEnd: options?.sessionEnd
  }
}

/**
 * MEXC refuses an unknown channel, a blocked market or a 31st subscription with an ack whose
 * `msg` reads `Not Subscribed successfully! [<channels, comma-joined>].  Reason： <why>` (code
 * still 0; see docs/reference mexc-wire.md, "Live behaviour").
 */
const mexcRefusal = (frame: string): SubscriptionRefusal | undefined => {
  if (!frame.includes("Not Subscribed")) return undefined
  let message = frame
  try {
    const msg = (JSON.parse(frame) as { readonly msg?: unknown }).msg
    if (typeof msg === "string") message = msg
  } catch {
    // keep the raw frame as the message
  }
  const open = message.indexOf("[")
  const close = open < 0 ? -1 : message.indexOf("]", open)
  const channels = close < 0
    ? []
    : message.slice(open + 1, close).split(",").map((c) => c.trim()).filter((c) => c.length > 0)
  return { message, channels }
}

/**
 * MEXC acknowledges a subscription with `{"id":0,"code":0,"msg":"<channels, comma-joined>"}`
 * (mexc-wire.md, "WebSocket"); the pong (`msg` `PONG`) and refusals share the shape.
 */
const mexcAcknowledgement = (frame: string): ReadonlyArray<string> | undefined => {
  if (!frame.startsWith("{\"id\":") || frame.includes("Not Subscribed")) return undefined
  let reply: { readonly code?: unknown; readonly msg?: unknown }
  try {
    reply = JSON.parse(frame) as typeof reply
  } catch {
    return undefined
  }
  const msg = reply.msg
  if (typeof msg !== "string" || msg === "PONG" || (reply.code !== 0 && reply.code !== undefined)) return undefined
  const channels = msg.split(",").map((c) => c.trim()).filter((c) => c.length > 0)
  return channels.length > 0 ? channels : undefined
}

/**
 * MEXC's data frames are binary protobuf, one `PushDataV3ApiWrapper` each, whose field 1 is the
 * channel name: a frame counts as data when its top-level fields are well formed and include
 * that one. Text frames other than control replies (e.g. `Invalid listen key`) are not data.
 */
export const isMexcDataFrame = (frame: string | Uint8Array): boolean =>
  typeof frame !== "string" && isWellFormedMessage(frame, 1)

/**
 * MEXC Spot v3. MEXC closes a connection that sends over 100 messages a second (mexc-wire.md,
 * "WebSocket", limits; real venues escalate repeated violations to IP bans): 50/s with a burst of
 * 20 keeps every one-second window at 70 at most, leaving room for frames bunched up in transit.
 * 30 channels per frame is also MEXC's limit per connection.
 */
export const mexc: SubscriptionProtocol = jsonMethodProtocol({
  isData: isMexcDataFrame,
  outboundRate: { perSecond: 50, burst: 20 }
})

/**
 * MEXC ends a private stream whose listen key expired, was deleted or is unknown with the plain
 * text frame `Invalid listen key` (mexc-wire.md, "WebSocket"): nothing more comes on that URL.
 */
export const mexcSessionEnd = (frame: string): string | undefined =>
  frame.startsWith("Invalid listen key") ? frame : undefined

/**
 * MEXC Spot v3 for a private (user-data) stream: {@link mexc}, plus `Invalid listen key` ending
 * the session, so that the next dial gets a URL with a live key.
 */
export const mexcPrivate: SubscriptionProtocol = { ...mexc, sessionEnd: mexcSessionEnd }

/** Splits `channels` into subscribe frames of at most `maxChannelsPerFrame` channels each. */
export const subscribeFrames = (
  protocol: SubscriptionProtocol,
  channels: ReadonlyArray<string>,
  encode: (channels: ReadonlyArray<string>) => string | Uint8Array = protocol.subscribe
): Array<string | Uint8Array> => {
  const frames: Array<string | Uint8Array> = []
  const size = Math.max(1, protocol.maxChannelsPerFrame)
  for (let i = 0; i < channels.length; i += size) frames.push(encode(channels.slice(i, i + size)))
  return frames
}
