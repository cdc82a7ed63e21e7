/**
 * The MEXC `PublicExchange`: instruments, order books that are always right, best bid/ask and
 * trades, as domain values.
 *
 * ```
 * sockets (ConnectionPool, <= 30 channels each) -> MessageQueue -> route: decode, check the body
 *   against its channel, parse, apply depth to the symbol's book (BookSync) -> StreamHub -> streams
 * ```
 *
 * - One queue and one handler for every connection: frames are decoded, checked against their
 *   channel (`PushParse`; a mismatch is counted as malformed and skipped), parsed to domain values
 *   and, for depth, applied to the symbol's `OrderBook` right there, in the queue's handler: one
 *   place, no extra fiber hop, one view published per book per batch.
 * - Book sync is MEXC's procedure (`BookSync`): buffer, REST snapshot, bridge, strict version
 *   continuity, resync on a gap, after a reconnect (never merged into the old book) and when the
 *   snapshot is older than the stream (bounded re-snapshots, then `BookSyncFailed`). Snapshots are
 *   fetched by a fiber of the channel's own scope. Resyncs are counted in `stats` and logged with
 *   their duration.
 * - Books and quotes are sliding topics with the latest value replayed, holding one value per
 *   subscriber: a slow subscriber sees the newest book, never stalls the socket or anyone else.
 *   Trades are sliding without replay (an old trade is not news).
 * - Channels spread over connections of at most 30 (MEXC's limit), each a lifecycle component
 *   `connection:<name>-<n>`, opened for the first channel that needs it and closed with its last.
 * - `instrument(symbol)` fails `InvalidSymbol` for a symbol `exchangeInfo` does not list, and every
 *   stream checks its symbol that way before subscribing anything. A channel the venue refuses
 *   fails its streams with `SubscriptionRefused`.
 *
 * Release (the reverse of construction): channel subscriptions and connections, then the queue
 * drains into the handler, then the hub completes every stream; the REST client and the rate
 * limiter, built before this service, go after it.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Exit, Layer, Result, Scope, Semaphore, Stream } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import type * as Socket from "effect/socket/Socket"
import {
  BookSyncFailed,
  Closed,
  ExchangeError,
  InvalidSymbol,
  SubscriptionRefused,
  Transport
} from "../../exchange/ExchangeError.ts"
import type { BookView, Instrument, Quote, Trade } from "../../exchange/Model.ts"
import { OrderBook, scaleOf } from "../../exchange/OrderBook.ts"
import { PublicExchange, type PublicExchangeShape, type PublicExchangeStats } from "../../exchange/PublicExchange.ts"
import { type HubError, StreamHub, Topic } from "../../hub/index.ts"
import { monotonicMs } from "../../internal/monotonic.ts"
import * as ThrottledLog from "../../internal/ThrottledLog.ts"
import { MessageQueue } from "../../queue/index.ts"
import type * as Connection from "../../socket/Connection.ts"
import type { ConnectionError } from "../../socket/ConnectionError.ts"
import * as ConnectionPool from "../../socket/ConnectionPool.ts"
import * as NodeWebSocket from "../../socket/NodeWebSocket.ts"
import * as Protocol from "../../socket/Protocol.ts"
import { BookSync, type BookSyncOptions, type SnapshotOutcome, type SnapshotRequest } from "./BookSync.ts"
import { MexcRest } from "./MexcRest.ts"
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

/** A routed channel: what it carries, and while subscribed, its live state. */
interface Route {
  readonly channel: string
  readonly kind: ChannelKind
  readonly symbol: string
  readonly instrument: Instrument
  readonly topic: Topic.Topic<unknown>
  /** Subscribed upstream (frames are routed to it). */
  live: boolean
  scope: Scope.Closeable | undefined
  connection: Connection.ConnectionShape | undefined
  /** Depth channels: the book and its sync, made fresh on each subscription. */
  sync: BookSync | undefined
  /** Marks the route within one routed batch (its book changed). */
  dirty: boolean
  /** Book ticker: the last pushed best bid/ask, as text (MEXC's 10 ms channel repeats itself). */
  lastTicker: string | undefined
  /** Why the current subscription failed (refused, book sync failed), if it did. */
  failure: ExchangeError | undefined
}

/** A channel's failure, published in band on its topic. */
class ChannelFailed {
  readonly error: ExchangeError
  constructor(error: ExchangeError) {
    this.error = error
  }
}

/**
 * What a subscriber takes at once: fails on a channel failure; for books and quotes only the
 * newest (a slow reader skips ahead instead of working through older books); trades all.
 */
const checkChunk = <A>(
  chunk: NonEmptyReadonlyArray<A | ChannelFailed>,
  latestOnly: boolean
): Effect.Effect<NonEmptyReadonlyArray<A>, ExchangeError> => {
  for (let i = 0; i < chunk.length; i++) {
    const value = chunk[i]
    if (value instanceof ChannelFailed) return Effect.fail(value.error)
  }
  const values = chunk as NonEmptyReadonlyArray<A>
  return Effect.succeed(latestOnly && values.length > 1 ? [values[values.length - 1]!] : values)
}

/** Undecodable or mismatched frames are logged at most this often, with a count. */
const malformedLogIntervalMs = 1000

/**
 * Builds the MEXC public exchange in the caller's scope. Needs `MexcRest` (built before it, so
 * released after it) and a WebSocket constructor.
 */
export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const rest = yield* MexcRest
  const exchangeScope = yield* Effect.scope
  const clock = yield* Clock.Clock
  const name = options.name ?? "mexc-public"
  const venue = options.venue ?? "mexc"
  const interval = options.interval ?? "100ms"
  const snapshotLimit = options.snapshotLimit ?? 1000
  const nowMs = () => monotonicMs(clock)
  const error = (operation: string, reason: ExchangeError["reason"]) => new ExchangeError({ venue, operation, reason })

  // --- instruments: asked once, cached ---------------------------------------------------------
  let instrumentList: ReadonlyArray<Instrument> | undefined
  let instrumentMap: ReadonlyMap<string, Instrument> | undefined
  const instrumentsLock = Semaphore.makeUnsafe(1)
  const loadInstruments = instrumentsLock.withPermits(1)(Effect.suspend(() =>
    instrumentMap !== undefined
      ? Effect.succeed(instrumentMap)
      : Effect.map(rest.exchangeInfo(), (list) => {
        instrumentList = list
        instrumentMap = new Map(list.map((i) => [i.symbol, i]))
        return instrumentMap
      })
  ))
  const instruments = Effect.fn("PublicExchange.instruments")(function*() {
    yield* loadInstruments
    return instrumentList!
  })()
  const instrument = Effect.fn("PublicExchange.instrument")(function*(symbol: string) {
    const found = (yield* loadInstruments).get(symbol)
    if (found === undefined) return yield* error("instrument", new InvalidSymbol({ symbol }))
    return found
  })

  // --- failures of a channel's streams (refused, book sync failed) -------------------------------
  // In band: the failure is published on the channel's topic, after whatever came before it,
  // and a stream fails when it reaches it (no watcher fiber per stream, no read-ahead). A stream
  // that starts while its channel is failed fails at once.
  const failChannel = (route: Route, failure: ExchangeError): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (route.failure !== undefined) return Effect.void
      route.failure = failure
      return Effect.ignore(hub.publish(route.topic, new ChannelFailed(failure)))
    })

  // --- counters ----------------------------------------------------------------------------------
  let malformed = 0
  let refused = 0
  let unrouted = 0
  /** Resyncs and reconnects of books and connections that are gone. */
  let pastResyncs = 0
  let pastReconnects = 0
  const malformedLog = ThrottledLog.make(clock, malformedLogIntervalMs)
  const noteMalformed = (channel: string, detail: string): Effect.Effect<void> | undefined => {
    malformed++
    const occurrences = malformedLog.take()
    if (occurrences === undefined) return undefined
    return Effect.logWarning("skipping malformed frame(s)", detail).pipe(
      Effect.annotateLogs({ component: `queue:${name}`, channel, malformed_in_burst: occurrences })
    )
  }

  const routes = new Map<string, Route>()

  // --- book snapshots: a fiber of the channel's scope per request ----------------------------------
  const fetchSnapshot = (route: Route, sync: BookSync, request: SnapshotRequest): Effect.Effect<void> =>
    Effect.gen(function*() {
      if (request.delayMs > 0) yield* Effect.sleep(request.delayMs)
      // A snapshot taken while the connection is down is older than the stream it must join.
      if (route.connection !== undefined) {
        const open = yield* Effect.result(route.connection.awaitOpen)
        if (Result.isFailure(open)) return
      }
      const answer = yield* Effect.result(rest.depth(route.symbol, snapshotLimit))
      if (route.sync !== sync) return
      const now = nowMs()
      const outcome = Result.isSuccess(answer)
        ? sync.onSnapshot(request.id, answer.success, now)
        : sync.onSnapshotFailed(request.id, answer.failure.message, now)
      yield* afterSnapshot(route, sync, outcome)
    })

  const afterSnapshot = (route: Route, sync: BookSync, outcome: SnapshotOutcome): Effect.Effect<void> => {
    switch (outcome) {
      case "synced": {
        const publish = hub.publish(route.topic, sync.book.view()).pipe(Effect.ignore)
        const completed = sync.stats.resyncsCompleted
        if (completed === 0 || loggedResyncs.get(sync) === completed) return publish
        loggedResyncs.set(sync, completed)
        return Effect.andThen(
          publish,
          Effect.logInfo("order book resynced").pipe(Effect.annotateLogs({
            component: `exchange:${name}`,
            symbol: route.symbol,
            reason: sync.lastResyncReason ?? "unknown",
            resync_ms: Math.round((sync.stats.lastResyncMs ?? 0) * 10) / 10,
            resyncs: sync.stats.resyncs
          }))
        )
      }
      case "retry":
        return Effect.andThen(
          Effect.logInfo("order book snapshot taken again", sync.lastRestart?.detail ?? "").pipe(Effect.annotateLogs({
            component: `exchange:${name}`,
            symbol: route.symbol,
            attempt: sync.request?.attempt ?? 0,
            retry_in_ms: sync.request?.delayMs ?? 0
          })),
          Effect.suspend(() => fetchSnapshot(route, sync, sync.request!))
        )
      case "failed":
        return Effect.andThen(
          Effect.logWarning("order book sync failed", sync.failure?.detail ?? "").pipe(
            Effect.annotateLogs({ component: `exchange:${name}`, symbol: route.symbol })
          ),
          failChannel(route, bookSyncFailed(route, sync))
        )
      case "ignored":
        return Effect.void
    }
  }
  /** Per sync, the completed resyncs last logged (one line per completed resync). */
  const loggedResyncs = new WeakMap<BookSync, number>()

  const bookSyncFailed = (route: Route, sync: BookSync) =>
    error(
      "orderBook",
      new BookSyncFailed({ symbol: route.symbol, attempts: sync.failure?.attempts ?? 0, detail: sync.failure?.detail ?? "" })
    )

  /** The book was cleared (a resync, or a snapshot found stale by a push): fetch the next snapshot. */
  const startResync = (route: Route, sync: BookSync): Effect.Effect<void> => {
    const restart = sync.lastRestart
    const log = restart?.reason === "stale"
      ? Effect.logInfo("order book snapshot taken again", restart.detail).pipe(Effect.annotateLogs({
        component: `exchange:${name}`,
        symbol: route.symbol,
        attempt: sync.request?.attempt ?? 0,
        retry_in_ms: sync.request?.delayMs ?? 0
      }))
      : Effect.logInfo("order book resync").pipe(Effect.annotateLogs({
        component: `exchange:${name}`,
        symbol: route.symbol,
        reason: restart?.reason ?? "unknown",
        resyncs: sync.stats.resyncs
      }))
    const scope = route.scope
    const request = sync.request
    return scope === undefined || request === undefined
      ? log
      : Effect.andThen(log, Effect.asVoid(Effect.forkIn(fetchSnapshot(route, sync, request), scope)))
  }

  // --- the router: the queue's handler, one place for every frame --------------------------------
  const routeBatch = (frames: ReadonlyArray<Connection.Frame>): Effect.Effect<void> => {
    let dirty: Array<Route> | undefined
    let groups: Map<Route, Array<unknown>> | undefined
    let effects: Array<Effect.Effect<void>> | undefined
    let now = -1
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!
      if (typeof frame === "string") {
        // Acks and pongs are consumed by the connection; other text is unexpected.
        const log = noteMalformed("(text)", `unexpected text frame: ${frame.slice(0, 120)}`)
        if (log !== undefined) (effects ??= []).push(log)
        continue
      }
      let wrapper: PushDataV3ApiWrapper
      try {
        wrapper = decodePush(frame)
      } catch (cause) {
        const log = noteMalformed("(undecodable)", cause instanceof Error ? cause.message : String(cause))
        if (log !== undefined) (effects ??= []).push(log)
        continue
      }
      const route = routes.get(wrapper.channel)
      if (route === undefined || !route.live) {
        unrouted++
        continue
      }
      // MEXC's 10 ms book-ticker channel mostly repeats itself: a repeat is dropped before parsing.
      const body = wrapper.body
      if (body?.$case === "publicAggreBookTicker" && route.kind === "bookTicker") {
        const v = body.value
        const text = `${v.bidPrice} ${v.bidQuantity} ${v.askPrice} ${v.askQuantity}`
        if (text === route.lastTicker) continue
        route.lastTicker = text
      }
      const parsed = parsePush(route.kind, route.symbol, wrapper)
      switch (parsed._tag) {
        case "Malformed": {
          const log = noteMalformed(parsed.channel, parsed.detail)
          if (log !== undefined) (effects ??= []).push(log)
          break
        }
        case "DepthDelta": {
          const sync = route.sync
          if (sync === undefined) break
          if (now < 0) now = nowMs()
          const outcome = sync.onDelta(parsed, now)
          if (outcome === "applied") {
            if (!route.dirty) {
              route.dirty = true
              ;(dirty ??= []).push(route)
            }
          } else if (outcome === "resync") {
            ;(effects ??= []).push(startResync(route, sync))
          } else if (outcome === "failed") {
            ;(effects ??= []).push(afterSnapshot(route, sync, "failed"))
          }
          break
        }
        case "Trades": {
          const group = (groups ??= new Map()).get(route)
          if (group === undefined) groups.set(route, parsed.trades.slice())
          else for (const trade of parsed.trades) group.push(trade)
          break
        }
        case "QuoteUpdate": {
          const q = parsed.quote
          const group = (groups ??= new Map()).get(route)
          if (group === undefined) groups.set(route, [q])
          else group.push(q)
          break
        }
      }
    }
    if (dirty === undefined && groups === undefined && effects === undefined) return Effect.void
    const publishes: Array<Effect.Effect<void, unknown>> = effects ?? []
    if (dirty !== undefined) {
      for (const route of dirty) {
        route.dirty = false
        // The book may have been resynced later in the same batch: publish only a live book.
        if (route.sync?.synced) publishes.push(hub.publish(route.topic, route.sync.book.view()))
      }
    }
    if (groups !== undefined) for (const [route, values] of groups) publishes.push(hub.publishAll(route.topic, values))
    return publishes.length === 1
      ? Effect.ignore(publishes[0]!)
      : Effect.ignore(Effect.all(publishes, { discard: true }))
  }

  // --- hub, queue, connections (made in this order, released in reverse) ---------------------------
  const hub = yield* StreamHub.make({
    name: `hub:${name}`,
    onFirstSubscriber: (channel) => subscribeUpstream(routes.get(channel)!),
    onLastUnsubscribed: (channel) => releaseUpstream(routes.get(channel)!)
  })

  const queue = yield* MessageQueue.make<Connection.Frame>({
    name: `queue:${name}`,
    capacity: options.queueCapacity ?? 1000,
    overflow: "backpressure",
    // The router never waits for a socket: a frame arriving at an idle queue is routed in the
    // reader's fiber, without waking the queue's processor (one wake-up less per frame).
    handoff: true,
    handleBatch: routeBatch,
    describe: (frame) => typeof frame === "string" ? frame.slice(0, 120) : `<binary ${frame.byteLength} bytes>`
  })

  /** After a reconnect each book on the connection starts over from a fresh snapshot. */
  const watchReconnects = (connection: Connection.ConnectionShape) =>
    Effect.gen(function*() {
      yield* Effect.addFinalizer(() =>
        Effect.map(connection.stats, (stats) => {
          pastReconnects += stats.reconnects
        })
      )
      let opened = false
      yield* connection.states.pipe(
        Stream.runForEach((state) =>
          Effect.suspend(() => {
            if (state._tag === "Open") opened = true
            if (state._tag !== "Reconnecting" || !opened) return Effect.void
            opened = false
            const now = nowMs()
            const restarts: Array<Effect.Effect<void>> = []
            for (const route of routes.values()) {
              const sync = route.sync
              if (route.connection !== connection || sync === undefined || !route.live) continue
              if (sync.onReconnect(now) !== undefined) restarts.push(startResync(route, sync))
            }
            return Effect.all(restarts, { discard: true })
          })
        ),
        Effect.forkScoped
      )
    })

  const pool = yield* ConnectionPool.make({
    name,
    maxChannelsPerConnection: options.channelsPerConnection ?? maxChannelsPerConnection,
    connection: {
      ...options.connection,
      url: options.url ?? defaultUrl,
      protocol: Protocol.mexc,
      sink: queue.offerAll
    },
    onConnection: watchReconnects
  })

  const toExchangeError = (operation: string, cause: ConnectionError): ExchangeError => {
    const reason = cause.reason
    return reason._tag === "SubscriptionRefused"
      ? error(operation, new SubscriptionRefused({ channel: reason.channel, venueMessage: reason.message }))
      : reason._tag === "ConnectionShutdown"
      ? error(operation, new Closed({ what: cause.connection }))
      : error(operation, new Transport({ detail: cause.message }))
  }

  function subscribeUpstream(route: Route): Effect.Effect<void, ExchangeError> {
    return Effect.gen(function*() {
      const scope = yield* Scope.fork(exchangeScope, "sequential")
      route.scope = scope
      if (route.kind === "depth") {
        route.sync = new BookSync(
          new OrderBook(route.symbol, {
            priceScale: scaleOf(route.instrument.tickSize),
            quantityScale: scaleOf(route.instrument.lotSize)
          }),
          options.bookSync
        )
      }
      route.lastTicker = undefined
      route.failure = undefined
      // Routed from the first frame on: depth pushes are buffered until the snapshot.
      route.live = true
      const subscription = yield* pool.subscribe(route.channel).pipe(
        Scope.provide(scope),
        Effect.mapError((cause) => toExchangeError(route.kind, cause)),
        Effect.onError(() => releaseUpstream(route))
      )
      route.connection = subscription.connection
      yield* subscription.refused.pipe(
        Effect.catch((cause) =>
          Effect.andThen(
            Effect.sync(() => void refused++),
            failChannel(route, toExchangeError(route.kind, cause))
          )
        ),
        Effect.forkIn(scope)
      )
      const sync = route.sync
      if (sync !== undefined) yield* Effect.forkIn(fetchSnapshot(route, sync, sync.start()), scope)
    })
  }

  function releaseUpstream(route: Route): Effect.Effect<void> {
    return Effect.suspend(() => {
      route.live = false
      const scope = route.scope
      route.scope = undefined
      route.connection = undefined
      if (route.sync !== undefined) {
        pastResyncs += route.sync.stats.resyncs + route.sync.stats.staleSnapshots
        route.sync.stop()
        route.sync = undefined
      }
      return scope === undefined ? Effect.void : Scope.close(scope, Exit.void)
    })
  }

  // --- streams -------------------------------------------------------------------------------------
  const hubError = (operation: string) => (cause: HubError.HubError): ExchangeError => {
    const reason = cause.reason
    if (reason._tag === "UpstreamSubscribeFailed" && reason.cause instanceof ExchangeError) return reason.cause
    return reason._tag === "HubClosed"
      ? error(operation, new Closed({ what: `hub:${name}` }))
      : error(operation, new Transport({ detail: cause.message }))
  }

  const topicOptions: Record<ChannelKind, Topic.TopicOptions> = {
    // Only the newest book or quote matters to a slow subscriber.
    depth: { replay: 1, strategy: "sliding", capacity: 1 },
    bookTicker: { replay: 1, strategy: "sliding", capacity: 1 },
    deals: { replay: 0, strategy: "sliding" }
  }

  const market = <A>(kind: ChannelKind, operation: string, symbol: string): Stream.Stream<A, ExchangeError> =>
    Stream.unwrap(Effect.gen(function*() {
      const found = yield* Effect.mapError(instrument(symbol), (cause) => new ExchangeError({ ...cause, operation }))
      const channel = channelName(kind, symbol, interval)
      let route = routes.get(channel)
      if (route === undefined) {
        route = {
          channel,
          kind,
          symbol,
          instrument: found,
          topic: Topic.make(channel, topicOptions[kind]),
          live: false,
          scope: undefined,
          connection: undefined,
          sync: undefined,
          dirty: false,
          lastTicker: undefined,
          failure: undefined
        }
        routes.set(channel, route)
      }
      if (route.live && route.failure !== undefined) return Stream.fail(route.failure)
      const latestOnly = kind !== "deals"
      // One stage: the chunk check runs in the subscriber's own pull (every book wakes it).
      return hub.subscribeWith(
        route.topic as Topic.Topic<A | ChannelFailed>,
        (chunk) => checkChunk(chunk, latestOnly)
      ).pipe(Stream.catchTag("HubError", (cause) => Stream.fail(hubError(operation)(cause))))
    }))

  const snapshot = Effect.fn("PublicExchange.snapshot")(function*(symbol: string) {
    const found = yield* instrument(symbol)
    const live = routes.get(channelName("depth", symbol, interval))?.sync
    if (live !== undefined && live.synced) return live.book.view()
    const answer = yield* rest.depth(symbol, snapshotLimit)
    const book = new OrderBook(symbol, { priceScale: scaleOf(found.tickSize), quantityScale: scaleOf(found.lotSize) })
    book.applySnapshot(answer)
    return book.view()
  })

  const stats = Effect.gen(function*() {
    const connections = yield* pool.connections
    let reconnects = pastReconnects
    for (const connection of connections) reconnects += (yield* connection.stats).reconnects
    let resyncs = pastResyncs
    for (const route of routes.values()) {
      if (route.sync !== undefined) resyncs += route.sync.stats.resyncs + route.sync.stats.staleSnapshots
    }
    return { connections: connections.length, reconnects, resyncs, malformed, refused } satisfies PublicExchangeStats
  })

  return PublicExchange.of({
    venue,
    instruments,
    instrument,
    orderBook: (symbol) => market<BookView>("depth", "orderBook", symbol),
    quotes: (symbol) => market<Quote>("bookTicker", "quotes", symbol),
    trades: (symbol) => market<Trade>("deals", "trades", symbol),
    snapshot,
    stats
  })
})

/** {@link make} as a layer. Needs `MexcRest` and a WebSocket constructor. */
export const layer = (options: Options = {}): Layer.Layer<PublicExchange, never, MexcRest | Socket.WebSocketConstructor> =>
  Layer.effect(PublicExchange, make(options))

/** {@link layer} with Node's `ws`-backed WebSocket constructor. Still needs `MexcRest`. */
export const layerNode = (options: Options = {}): Layer.Layer<PublicExchange, never, MexcRest> =>
  layer(options).pipe(Layer.provide(NodeWebSocket.layerConstructor()))
