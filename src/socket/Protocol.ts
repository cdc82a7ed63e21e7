/**
 * How a venue speaks over a WebSocket, as far as the connection needs to know: subscribe,
 * unsubscribe and the application-level ping; how to recognise control replies (acks, pongs,
 * refusals) and data frames; how many channels one frame may carry; and how fast a connection may
 * write. The connection is venue-agnostic; a venue hands it one of these (`venues/mexc/MexcProtocol.ts`,
 * `venues/gate/Protocol.ts`).
 *
 * @since 0.1.0
 */
/** A venue's refusal of one or more subscriptions. */
export interface SubscriptionRefusal {
  /** The venue's own message, as sent. */
  readonly message: string
  /** The channels it refused; empty when the reply does not name them. */
  readonly channels: ReadonlyArray<string>
  /**
   * The request the venue answered, for a venue that answers by request id (e.g.
   * `venues/gate/Protocol.ts`): when the reply names no channels, the refused channels are that
   * request's.
   */
  readonly requestId?: number | undefined
}

/** A reply answering one request by its id (a venue that answers by id, not by channel). */
export interface AnsweredRequest {
  readonly requestId: number
}

/**
 * What the connection hands a protocol with each control frame it asks for: a request id, unique
 * on the connection (for venues that answer by id), and the wall-clock time (for venues whose
 * requests carry a timestamp, e.g. `venues/gate/Protocol.ts`).
 */
export interface ControlRequest {
  readonly id: number
  /** Epoch milliseconds, from the connection's clock. */
  readonly nowMs: number
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
  readonly subscribe: (channels: ReadonlyArray<string>, request: ControlRequest) => string | Uint8Array
  /** The frame that unsubscribes from `channels` (at most `maxChannelsPerFrame` of them). */
  readonly unsubscribe: (channels: ReadonlyArray<string>, request: ControlRequest) => string | Uint8Array
  /**
   * The heartbeat frame, or a function making it (a venue whose ping carries the time or an id);
   * `undefined` when the venue pings on its own.
   */
  readonly ping: string | Uint8Array | ((request: ControlRequest) => string | Uint8Array) | undefined
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
   * For a reply that acknowledges subscriptions, the channels it names, or the request it
   * answers (a venue that answers by id: the channels are that request's); `undefined` for any
   * other frame. Called like {@link SubscriptionProtocol.refusal}. An acknowledged channel no longer
   * waits for an answer, so a later refusal for it is stray. An ack that answers nothing waiting
   * (a repeat, a stray one) is never handed to the sink. Without it, a channel waits for its
   * answer until it is unsubscribed and every refusal for it counts.
   */
  readonly acknowledgement?: ((frame: string) => ReadonlyArray<string> | AnsweredRequest | undefined) | undefined
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
   * `Ended`, by the peer) and dials again, evaluating its `url` afresh (a user-data stream whose
   * session expired, after which nothing more comes).
   */
  readonly sessionEnd?: ((frame: string) => string | undefined) | undefined
}

/** Splits `channels` into subscribe frames of at most `maxChannelsPerFrame` channels each. */
export const subscribeFrames = (
  protocol: SubscriptionProtocol,
  channels: ReadonlyArray<string>,
  encode: (channels: ReadonlyArray<string>, request: ControlRequest) => string | Uint8Array = protocol.subscribe,
  nowMs: number = 0
): Array<string | Uint8Array> => {
  const frames: Array<string | Uint8Array> = []
  const size = Math.max(1, protocol.maxChannelsPerFrame)
  for (let i = 0; i < channels.length; i += size) frames.push(encode(channels.slice(i, i + size), { id: frames.length + 1, nowMs }))
  return frames
}

/** The ping frame `protocol` sends now; `undefined` when it sends none. */
export const pingFrame = (protocol: SubscriptionProtocol, request: ControlRequest): string | Uint8Array | undefined => {
  const ping = protocol.ping
  return typeof ping === "function" ? ping(request) : ping
}
