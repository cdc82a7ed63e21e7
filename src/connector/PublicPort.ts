/**
 * What a venue supplies for market data, and nothing more: where and how to connect (URL,
 * subscription protocol, channels per connection), how it names a channel, how to decode a frame
 * and parse a push to domain values (`Market.Parsed`), its instruments and a book snapshot. The
 * rules that hold for every venue (routing, reference-counted upstream subscriptions, book sync and
 * resync, de-duplication, stats) are the `PublicConnector`'s.
 *
 * Where venues differ in their control messages (a refusal that names its channels, or one that
 * answers a request id; an application-level ping), the port's `protocol` says so.
 *
 * The functions a frame passes through (`decode`, `channelOf`, `repeatKey`, `parse`) run on the hot
 * path, once per frame, synchronously: plain functions, no effects, no throwing.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import type { ExchangeError } from "../exchange/ExchangeError.ts"
import type { Instrument } from "../exchange/Model.ts"
import type { SnapshotInput } from "../exchange/OrderBook.ts"
import type { Frame } from "../socket/Connection.ts"
import type { SubscriptionProtocol } from "../socket/Protocol.ts"
import type { MarketKind, Parsed } from "./Market.ts"

/** A frame the venue's decoder could not read (counted as malformed, logged per burst, skipped). */
export class Undecodable {
  /** The channel to name in the log, or a placeholder such as `(text)`. */
  readonly channel: string
  readonly detail: string
  constructor(channel: string, detail: string) {
    this.channel = channel
    this.detail = detail
  }
}

/** A venue's market data, as the public connector drives it. `Push` is the venue's decoded frame. */
export interface PublicPort<Push> {
  /** The venue in errors, stats and span attributes. */
  readonly venue: string
  /** The market-data WebSocket URL. */
  readonly url: string
  /** Control frames: subscribe, unsubscribe, ping; how acks, refusals and data are recognised. */
  readonly protocol: SubscriptionProtocol
  /** The venue's limit of channels on one connection (each venue's `<V>Public.ts`); more channels open more connections. */
  readonly channelsPerConnection: number
  /** The channel carrying `kind` for `symbol`, as the venue spells it (the key frames are routed by). */
  readonly channel: (kind: MarketKind, symbol: string) => string
  /** Decodes one frame the connection delivered (control replies excepted), once. */
  readonly decode: (frame: Frame) => Push | Undecodable
  /** The channel a decoded push arrived on (matched against {@link channel}). */
  readonly channelOf: (push: Push) => string
  /**
   * A text standing for the push's content when the venue repeats itself (a fast channel that resends
   * an unchanged value, e.g. MEXC's book ticker: `venues/mexc/MexcPublic.ts`): a push whose key
   * equals its channel's last one is dropped before parsing. `undefined`: never.
   */
  readonly repeatKey?: ((kind: MarketKind, push: Push) => string | undefined) | undefined
  /**
   * The push, which arrived on `symbol`'s `kind` channel, as domain values. A push whose body is of
   * another kind or names another symbol is `Malformed`. Trades carry the venue's identity of the
   * trade as `tradeId` when it has one (duplicates are dropped by it).
   */
  readonly parse: (kind: MarketKind, symbol: string, push: Push) => Parsed
  /** Every listed instrument (asked once by the connector, then cached). */
  readonly instruments: Effect.Effect<ReadonlyArray<Instrument>, ExchangeError>
  /** A REST snapshot of `symbol`'s book, at the version its depth pushes count from. */
  readonly snapshot: (symbol: string) => Effect.Effect<SnapshotInput, ExchangeError>
}
