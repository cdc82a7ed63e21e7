/**
 * MEXC Spot v3's WebSocket control protocol, as the venue-neutral connection needs it: JSON
 * `{"method": ..., "params": [...]}` subscribe and unsubscribe frames, `{"method":"PING"}`, replies
 * `{"id":0,"code":0,"msg":...}` (acks naming channels, pongs, refusals naming channels), binary
 * protobuf data frames, an outbound rate under MEXC's 100 messages a second, and `Invalid listen
 * key` ending a user-data session (mexc-wire.md, "WebSocket").
 *
 * @since 0.1.0
 */
import type { OutboundRate, SubscriptionProtocol, SubscriptionRefusal } from "../../socket/Protocol.ts"
import { isWellFormedMessage } from "./internal/protobufFraming.ts"

/** MEXC's heartbeat frame, `{"method":"PING"}` (answered `{"id":0,"code":0,"msg":"PONG"}`). */
export const ping = JSON.stringify({ method: "PING" })

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
export const isDataFrame = (frame: string | Uint8Array): boolean =>
  typeof frame !== "string" && isWellFormedMessage(frame, 1)

/**
 * MEXC Spot v3 market data. MEXC closes a connection that sends over 100 messages a second (mexc-wire.md,
 * "WebSocket", limits; real venues escalate repeated violations to IP bans): 50/s with a burst of
 * 20 keeps every one-second window at 70 at most, leaving room for frames bunched up in transit.
 * 30 channels per frame is also MEXC's limit per connection.
 */
export const market: SubscriptionProtocol = jsonMethodProtocol({
  isData: isDataFrame,
  outboundRate: { perSecond: 50, burst: 20 }
})

/**
 * MEXC ends a private stream whose listen key expired, was deleted or is unknown with the plain
 * text frame `Invalid listen key` (mexc-wire.md, "WebSocket"): nothing more comes on that URL.
 */
export const sessionEnd = (frame: string): string | undefined =>
  frame.startsWith("Invalid listen key") ? frame : undefined

/**
 * MEXC Spot v3 for a private (user-data) stream: {@link market}, plus `Invalid listen key` ending
 * the session, so that the next dial gets a URL with a live key.
 */
export const userData: SubscriptionProtocol = { ...market, sessionEnd }

