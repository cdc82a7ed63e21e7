/**
 * The Gate.io `PublicExchange`: Gate's market-data wire as a port of the venue-neutral
 * `PublicConnector` (which routes, syncs books, de-duplicates and counts).
 *
 * What is Gate's here (gateio-wire.md, "WebSocket v4 (spot)"): the URL; JSON text frames, one
 * subscription per request with its time and id (`Protocol.subscriptionProtocol`), refusals named
 * by their echoed payload or their request id; `spot.ping` carrying the time; `event: "upgrade"`
 * ending the session; channels `spot.order_book_update` `[pair, interval]`, `spot.book_ticker` and
 * `spot.trades` (`PushParse`), a push routed by its channel and the pair in its body; instruments
 * from `GET /spot/currency_pairs` and snapshots from `GET /spot/order_book?with_id=true` with as
 * many levels as the channel keeps (20 at 20 ms, 100 at 100 ms), whose `id` the pushes' `U`/`u`
 * continue. The documented sync (drop `u < id + 1`, the first push straddling `id + 1`, then
 * `U == previous u + 1`, resync on any gap) is the connector's `BookSync`, the same rule as every
 * venue's; a `full: true` push replaces the book.
 *
 * Subscriptions per connection: Gate documents no limit for spot (gateio-wire.md); 50 by default
 * keeps each connection's resubscription burst small after a reconnect.
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
import { GateRest, type GateRestShape } from "./GateRest.ts"
import * as Protocol from "./Protocol.ts"
import * as PushParse from "./PushParse.ts"

/** Gate's spot WebSocket. */
export const defaultUrl = Protocol.productionUrl

/**
 * Subscriptions per connection by default. An assumption: Gate documents no limit for spot
 * (gateio-wire.md, "WebSocket v4 (spot)", marked uncertain). Override with `channelsPerConnection`.
 */
export const defaultChannelsPerConnection = 50

export interface Options {
  /** Component names: `connection:<name>-<n>`, `queue:<name>`, `hub:<name>`. Default `gate-public`. */
  readonly name?: string | undefined
  /** Venue name in errors and `venue`. Default `gate`. */
  readonly venue?: string | undefined
  /** WebSocket URL. Default {@link defaultUrl}. */
  readonly url?: string | undefined
  /** Interval of `spot.order_book_update`: `100ms` (100 levels, the default) or `20ms` (20 levels). */
  readonly interval?: PushParse.Interval | undefined
  /** Queue capacity in frames (shared by every connection). Default 1000. */
  readonly queueCapacity?: number | undefined
  /** Channels per connection. Default {@link defaultChannelsPerConnection}. */
  readonly channelsPerConnection?: number | undefined
  /** Re-snapshot bounds of the book sync. */
  readonly bookSync?: BookSyncOptions | undefined
  /** Connection settings other than name, URL, protocol and sink. */
  readonly connection?: Partial<Omit<Connection.ConnectionOptions, "name" | "url" | "protocol" | "sink">> | undefined
}

/** A decoded push: its routing key (`Protocol.key` of the subscription it belongs to) and body. */
export interface Push {
  readonly key: string
  readonly channel: string
  readonly result: unknown
}

const kindOf = {
  orderBook: "depth",
  quotes: "bookTicker",
  trades: "trades"
} as const satisfies Record<MarketKind, PushParse.ChannelKind>

/** The pair a public push is about: `s` on depth and book ticker, `currency_pair` on trades. */
const pairOf = (channel: string, result: unknown): string | undefined => {
  if (typeof result !== "object" || result === null) return undefined
  const r = result as { readonly s?: unknown; readonly currency_pair?: unknown }
  const pair = channel === PushParse.channels.trades ? r.currency_pair : r.s
  return typeof pair === "string" ? pair : undefined
}

/**
 * Gate's market data as a port. Frame times are the connection's clock in seconds: Gate checks a
 * request's time within 60 s, which a local clock meets unless it is a minute off.
 */
export const port = (rest: GateRestShape, options: Options = {}): PublicPort<Push> => {
  const interval = options.interval ?? "100ms"
  const routed = new Set<string>(Object.values(PushParse.channels))
  return {
    venue: options.venue ?? "gate",
    url: options.url ?? defaultUrl,
    protocol: Protocol.subscriptionProtocol(),
    channelsPerConnection: options.channelsPerConnection ?? defaultChannelsPerConnection,
    channel: (kind, symbol) => Protocol.key(PushParse.subscription(kindOf[kind], symbol, interval)),
    decode: (frame) => {
      if (typeof frame !== "string") return new Undecodable("(binary)", "Gate sends text frames only")
      const read = Protocol.read(frame)
      if (read._tag !== "Push") return new Undecodable("(text)", read._tag === "Unreadable" ? read.detail : `unexpected ${read._tag}`)
      if (!routed.has(read.channel)) return new Undecodable(read.channel, "not a channel this client subscribes")
      const pair = pairOf(read.channel, read.result)
      if (pair === undefined) return new Undecodable(read.channel, "no pair in the push")
      const payload = read.channel === PushParse.channels.depth ? [pair, interval] : [pair]
      return { key: Protocol.key({ channel: read.channel, payload }), channel: read.channel, result: read.result }
    },
    channelOf: (push) => push.key,
    parse: (_kind, symbol, push) => PushParse.parse(push.channel, push.result, symbol),
    instruments: rest.instruments(),
    snapshot: (symbol) => rest.orderBook(symbol, PushParse.levelsOf[interval])
  }
}

/**
 * Builds the Gate public exchange in the caller's scope. Needs `GateRest` (built before it, so
 * released after it) and a WebSocket constructor.
 */
export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const rest = yield* GateRest
  return yield* PublicConnector.make(port(rest, options), {
    name: options.name ?? "gate-public",
    queueCapacity: options.queueCapacity,
    channelsPerConnection: options.channelsPerConnection,
    bookSync: options.bookSync,
    connection: options.connection
  })
})

/** {@link make} as a layer. Needs `GateRest` and a WebSocket constructor. */
export const layer = (options: Options = {}): Layer.Layer<PublicExchange, never, GateRest | Socket.WebSocketConstructor> =>
  Layer.effect(PublicExchange, make(options))

/** {@link layer} with Node's `ws`-backed WebSocket constructor. Still needs `GateRest`. */
export const layerNode = (options: Options = {}): Layer.Layer<PublicExchange, never, GateRest> =>
  layer(options).pipe(Layer.provide(NodeWebSocket.layerConstructor()))
