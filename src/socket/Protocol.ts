/**
 * How a venue spells its control messages over a WebSocket: subscribe, unsubscribe and the
 * application-level ping, plus how to recognise the control replies (acks, pongs) that should not
 * travel the data path. The connection is venue-agnostic; a venue hands it one of these.
 *
 * @since 0.1.0
 */

/** A venue's control-message format. */
export interface SubscriptionProtocol {
  /** Frames that subscribe to `channels` (one frame per chunk of at most `maxChannelsPerFrame`). */
  readonly subscribe: (channels: ReadonlyArray<string>) => string | Uint8Array
  /** Frames that unsubscribe from `channels`. */
  readonly unsubscribe: (channels: ReadonlyArray<string>) => string | Uint8Array
  /** The heartbeat frame; `undefined` when the venue pings on its own. */
  readonly ping: string | Uint8Array | undefined
  /** How many channels one subscribe frame may carry. */
  readonly maxChannelsPerFrame: number
  /**
   * True for control replies (acks, pongs) that count as liveness but carry no data for the
   * handler. Called on text frames only, so it must be cheap.
   */
  readonly isControl: (frame: string) => boolean
  /**
   * For a control reply that refuses a subscription, the venue's message (the connection counts
   * and logs it, so a refused channel is not a silent one); `undefined` for any other reply.
   * Called on control frames only.
   */
  readonly refusal?: ((frame: string) => string | undefined) | undefined
}

/**
 * The `{"method": ..., "params": [...]}` format used by MEXC Spot v3: subscribe with
 * `SUBSCRIPTION`, unsubscribe with `UNSUBSCRIPTION`, heartbeat `{"method":"PING"}`, and replies
 * `{"id":0,"code":0,"msg":...}` for both acks and pongs.
 */
export const jsonMethodProtocol = (options?: {
  readonly subscribe?: string
  readonly unsubscribe?: string
  readonly ping?: string
  readonly maxChannelsPerFrame?: number
}): SubscriptionProtocol => {
  const subscribe = options?.subscribe ?? "SUBSCRIPTION"
  const unsubscribe = options?.unsubscribe ?? "UNSUBSCRIPTION"
  return {
    subscribe: (channels) => JSON.stringify({ method: subscribe, params: channels }),
    unsubscribe: (channels) => JSON.stringify({ method: unsubscribe, params: channels }),
    ping: JSON.stringify({ method: options?.ping ?? "PING" }),
    maxChannelsPerFrame: options?.maxChannelsPerFrame ?? 30,
    // Acks and pongs are the only text frames that open with an `id` field.
    isControl: (frame) => frame.startsWith("{\"id\":"),
    // MEXC refuses an unknown channel or a 31st subscription with an ack whose `msg` starts
    // `Not Subscribed successfully!` and names the refused channels.
    refusal: (frame) => {
      if (!frame.includes("Not Subscribed")) return undefined
      try {
        const msg = (JSON.parse(frame) as { readonly msg?: unknown }).msg
        return typeof msg === "string" ? msg : frame
      } catch {
        return frame
      }
    }
  }
}

/** MEXC Spot v3 control messages. */
export const mexc: SubscriptionProtocol = jsonMethodProtocol()

/** Splits `channels` into frames no larger than the protocol allows. */
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
