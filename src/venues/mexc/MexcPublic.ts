/**
 * The MEXC `PublicExchange`: MEXC's market-data wire as a port of the venue-neutral
 * `PublicConnector` (which routes, syncs books, de-duplicates and counts).
 *
 * What is MEXC's here: the WebSocket URL and 30 channels per connection (mexc-wire.md,
 * "WebSocket"), the subscription protocol (`MexcProtocol.market`), the aggregated channel names at an
 * interval (`PushParse.channelName`), binary protobuf push frames routed by their wrapper's
 * channel (`Proto.decodePush`), the parse of each body (`PushParse.parsePush`), the repeated
 * 10 ms book ticker dropped before parsing, instruments from `exchangeInfo` and book snapshots
 * from `GET depth` (`MexcRest`).
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import type * as Socket from "effect/socket/Socket"
import type { BookSyncOptions } from "../../connector/BookSync.ts"
import type { MarketKind } from "../../connector/Market.ts"
import * as PublicConnector from "../../connector/PublicConnector.ts"
import { type PublicPort, Undecodable } from "../../connector/PublicPort.ts"
import { PublicExchange } from "../../exchange/PublicExchange.ts"
import type * as Connection from "../../socket/Connection.ts"
import * as NodeWebSocket from "../../socket/NodeWebSocket.ts"
import * as MexcProtocol from "./MexcProtocol.ts"
import { MexcRest, type MexcRestShape } from "./MexcRest.ts"
import { decodePush, type PushDataV3ApiWrapper } from "./Proto.ts"
import { type ChannelKind, channelName, type Interval, parsePush } from "./PushParse.ts"

/** MEXC's public market-data WebSocket. */
export const defaultUrl = "wss://wbs-api.mexc.com/ws"

/** MEXC's limit of subscriptions per connection (mexc-wire.md, "WebSocket"). */
export const maxChannelsPerConnection = 30

export interface Options {
  /** Component names: `connection:<name>-<n>`, `queue:<name>`, `hub:<name>`. Default `mexc-public`. */
  readonly name?: string | undefined
  /** Venue name in errors and `venue`. Default `mexc`. */
  readonly venue?: string | undefined
  /** WebSocket URL. Default {@link defaultUrl}. */
  readonly url?: string | undefined
  /** Push interval of the aggregated channels. Default `100ms`. */
  readonly interval?: Interval | undefined
  /** Queue capacity in frames (shared by every connection). Default 1000. */
  readonly queueCapacity?: number | undefined
  /** Channels per connection. Default {@link maxChannelsPerConnection}. */
  readonly channelsPerConnection?: number | undefined
  /** Levels asked of `GET depth` for a book snapshot (MEXC: up to 5000). Default 1000. */
  readonly snapshotLimit?: number | undefined
  /** Re-snapshot bounds of the book sync. */
  readonly bookSync?: BookSyncOptions | undefined
  /** Connection settings other than name, URL, protocol and sink. */
  readonly connection?: Partial<Omit<Connection.ConnectionOptions, "name" | "url" | "protocol" | "sink">> | undefined
}

const kindOf = {
  orderBook: "depth",
  quotes: "bookTicker",
  trades: "deals"
} as const satisfies Record<MarketKind, ChannelKind>

/**
 * MEXC's market data as a port: protobuf push frames (one `PushDataV3ApiWrapper` each) routed by
 * the wrapper's channel, aggregated channels at `interval`, snapshots from `GET depth`.
 */
export const port = (rest: MexcRestShape, options: Options = {}): PublicPort<PushDataV3ApiWrapper> => {
  const interval = options.interval ?? "100ms"
  const snapshotLimit = options.snapshotLimit ?? 1000
  return {
    venue: options.venue ?? "mexc",
    url: options.url ?? defaultUrl,
    protocol: MexcProtocol.market,
    channelsPerConnection: maxChannelsPerConnection,
    channel: (kind, symbol) => channelName(kindOf[kind], symbol, interval),
    decode: (frame) => {
      // Acks and pongs are consumed by the connection; other text is unexpected.
      if (typeof frame === "string") return new Undecodable("(text)", `unexpected text frame: ${frame.slice(0, 120)}`)
      try {
        return decodePush(frame)
      } catch (cause) {
        return new Undecodable("(undecodable)", cause instanceof Error ? cause.message : String(cause))
      }
    },
    channelOf: (wrapper) => wrapper.channel,
    // MEXC's 10 ms book-ticker channel mostly repeats itself: a repeat is dropped before parsing.
    repeatKey: (kind, wrapper) => {
      const body = wrapper.body
      if (kind !== "quotes" || body?.$case !== "publicAggreBookTicker") return undefined
      const v = body.value
      return `${v.bidPrice} ${v.bidQuantity} ${v.askPrice} ${v.askQuantity}`
    },
    parse: (kind, symbol, wrapper) => parsePush(kindOf[kind], symbol, wrapper),
    instruments: rest.exchangeInfo(),
    snapshot: (symbol) => rest.depth(symbol, snapshotLimit)
  }
}

/**
 * Builds the MEXC public exchange in the caller's scope. Needs `MexcRest` (built before it, so
 * released after it) and a WebSocket constructor.
 */
export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const rest = yield* MexcRest
  return yield* PublicConnector.make(port(rest, options), {
    name: options.name ?? "mexc-public",
    queueCapacity: options.queueCapacity,
    channelsPerConnection: options.channelsPerConnection,
    bookSync: options.bookSync,
    connection: options.connection
  })
})

/** {@link make} as a layer. Needs `MexcRest` and a WebSocket constructor. */
export const layer = (options: Options = {}): Layer.Layer<PublicExchange, never, MexcRest | Socket.WebSocketConstructor> =>
  Layer.effect(PublicExchange, make(options))

/** {@link layer} with Node's `ws`-backed WebSocket constructor. Still needs `MexcRest`. */
export const layerNode = (options: Options = {}): Layer.Layer<PublicExchange, never, MexcRest> =>
  layer(options).pipe(Layer.provide(NodeWebSocket.layerConstructor()))
