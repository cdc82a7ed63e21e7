/**
 * The venue-neutral public connector: a `PublicExchange` built over a venue's {@link PublicPort}.
 * Instruments, order books that are always right, best bid/ask and trades, as domain values.
 *
 * ```
 * sockets (ConnectionPool, the venue's channels per connection) -> MessageQueue -> route: decode
 *   (the port), check the body against its channel and parse (the port), apply depth to the
 *   symbol's book (BookSync) -> StreamHub -> streams
 * ```
 *
 * - One queue and one router for every connection: each frame is decoded once, routed by its
 *   channel, parsed to domain values and, for depth, applied to the symbol's `OrderBook` right
 *   there: one place, one view published per book per batch. A frame that arrives while its
 *   connection's reader waits and the queue is idle is routed and published right in the
 *   socket's event, without a fiber (`MessageQueue.offerSync`); otherwise in the queue's handler.
 *   Plain functions per frame; only what is effectful (a resync, a log, a wait for room) is an
 *   effect, run by the queue's processor in order. A frame the port cannot decode or parse, or
 *   whose parsing throws, is counted as malformed and skipped.
 * - Route table: one route per channel (kind and symbol), with its topic; the first subscriber of a
 *   topic subscribes upstream (reference-counted over the pool: a connection per
 *   `channelsPerConnection` channels, each a lifecycle component `connection:<name>-<n>`), the
 *   last one leaving releases it.
 * - Book sync is `BookSync`'s procedure: buffer, REST snapshot, bridge, strict version continuity,
 *   resync on a gap, after a reconnect (never merged into the old book), when the snapshot is
 *   older than the stream (bounded re-snapshots, then `BookSyncFailed`); a `full` push replaces
 *   the book. Snapshots are fetched by a fiber of the channel's own scope. Resyncs are counted in
 *   `stats` and logged with their duration.
 * - Duplicates are dropped by the venue's identity of the event: a trade whose `tradeId` the
 *   channel delivered already (among its last {@link tradeMemory}) is not delivered again; a push
 *   that repeats its channel's last one (the port's `repeatKey`) is dropped before parsing.
 * - Books and quotes are sliding topics with the latest value replayed, holding one value per
 *   subscriber: a slow subscriber sees the newest book, never stalls the socket or anyone else.
 *   Trades are sliding without replay (an old trade is not news).
 * - `instrument(symbol)` fails `InvalidSymbol` for a symbol the venue does not list, and every
 *   stream checks its symbol that way before subscribing anything. A channel the venue refuses
 *   fails its streams with `SubscriptionRefused`.
 *
 * Spans: `PublicExchange.instruments`, `PublicExchange.instrument`, `PublicExchange.snapshot`,
 * each with the `venue` attribute.
 *
 * Release (the reverse of construction): channel subscriptions and connections, then the queue
 * drains into the handler, then the hub completes every stream; what the port uses (REST client,
 * rate limiter), built before the connector, goes after it.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Exit, Scope, Semaphore, Stream } from "effect"
import {
  BookSyncFailed,
  Closed,
  ExchangeError,
  InvalidSymbol,
  SubscriptionRefused,
  Transport
} from "../exchange/ExchangeError.ts"
import type { BookView, Instrument, Quote, Trade } from "../exchange/Model.ts"
import { OrderBook, scaleOf } from "../exchange/OrderBook.ts"
import { PublicExchange, type PublicExchangeShape, type PublicExchangeStats } from "../exchange/PublicExchange.ts"
import { type HubError, StreamHub, Topic } from "../hub/index.ts"
import { monotonicMsOf } from "../internal/monotonic.ts"
import * as ThrottledLog from "../internal/ThrottledLog.ts"
import { MessageQueue } from "../queue/index.ts"
import type * as Connection from "../socket/Connection.ts"
import type { ConnectionError } from "../socket/ConnectionError.ts"
import * as ConnectionPool from "../socket/ConnectionPool.ts"
import { BookSync, type BookSyncOptions } from "./BookSync.ts"
import type { MarketKind } from "./Market.ts"
import * as BookResync from "./internal/BookResync.ts"
import { ChannelFailed, checkChunk, type Route } from "./internal/Route.ts"
import { type PublicPort, Undecodable } from "./PublicPort.ts"

/** Settings of the connector (the venue's facts come with its port). */
export interface Options {
  /** Component names: `connection:<name>-<n>`, `queue:<name>`, `hub:<name>`. Default `<venue>-public`. */
  readonly name?: string | undefined
  /** Queue capacity in frames (shared by every connection). Default 1000. */
  readonly queueCapacity?: number | undefined
  /** Channels per connection. Default: the port's `channelsPerConnection`. */
  readonly channelsPerConnection?: number | undefined
  /** Re-snapshot bounds of the book sync. */
  readonly bookSync?: BookSyncOptions | undefined
  /** Connection settings other than name, URL, protocol and sink. */
  readonly connection?: Partial<Omit<Connection.ConnectionOptions, "name" | "url" | "protocol" | "sink">> | undefined
}

/** Trade ids remembered per channel for de-duplication. */
export const tradeMemory = 4096

/** Undecodable or mismatched frames are logged at most this often, with a count. */
const malformedLogIntervalMs = 1000

/**
 * Builds the public exchange of the venue behind `port` in the caller's scope. Needs a WebSocket
 * constructor (and whatever the port's effects need was captured when the port was made).
 */
export const make = Effect.fnUntraced(function*<Push>(port: PublicPort<Push>, options: Options = {}) {
  const exchangeScope = yield* Effect.scope
  const clock = yield* Clock.Clock
  const venue = port.venue
  const name = options.name ?? `${venue}-public`
  const spanOptions = { attributes: { venue } }
  const nowMs = monotonicMsOf(clock)
  const error = (operation: string, reason: ExchangeError["reason"]) => new ExchangeError({ venue, operation, reason })

  // --- instruments: asked once, cached ---------------------------------------------------------
  let instrumentList: ReadonlyArray<Instrument> | undefined
  let instrumentMap: ReadonlyMap<string, Instrument> | undefined
  const instrumentsLock = Semaphore.makeUnsafe(1)
  const loadInstruments = instrumentsLock.withPermits(1)(Effect.suspend(() =>
    instrumentMap !== undefined
      ? Effect.succeed(instrumentMap)
      : Effect.map(port.instruments, (list) => {
        instrumentList = list
        instrumentMap = new Map(list.map((i) => [i.symbol, i]))
        return instrumentMap
      })
  ))
  const instruments = Effect.fn("PublicExchange.instruments", spanOptions)(function*() {
    yield* loadInstruments
    return instrumentList!
  })()
  const instrument = Effect.fn("PublicExchange.instrument", spanOptions)(function*(symbol: string) {
    const found = (yield* loadInstruments).get(symbol)
    if (found === undefined) {
      const listedAs = sameSpelledOtherwise(instrumentList!, symbol)
      return yield* error("instrument", new InvalidSymbol(listedAs === undefined ? { symbol } : { symbol, listedAs }))
    }
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
  /** Trades dropped as already delivered (same venue trade id on the channel). */
  let duplicates = 0
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

  // --- book snapshots and resyncs: a fiber of the channel's scope per snapshot request -------------
  const { afterSnapshot, fetchSnapshot, startResync } = BookResync.make({
    name,
    venue,
    nowMs,
    snapshot: port.snapshot,
    publish: (route, view) => Effect.ignore(hub.publish(route.topic, view)),
    failed: (route, sync) =>
      failChannel(
        route,
        error(
          "orderBook",
          new BookSyncFailed({ symbol: route.symbol, attempts: sync.failure?.attempts ?? 0, detail: sync.failure?.detail ?? "" })
        )
      )
  })

  // --- the router: the queue's handler, one place for every frame --------------------------------
  const decode = port.decode
  const channelOf = port.channelOf
  const repeatKey = port.repeatKey
  const parse = port.parse

  /** Whether the route delivered a trade with this id among its last {@link tradeMemory}; remembers it. */
  const isRepeatedTrade = (route: Route, tradeId: string): boolean => {
    const seen = route.tradeIds ??= new Set()
    if (seen.has(tradeId)) return true
    seen.add(tradeId)
    // A Set iterates in insertion order: its first id is the oldest.
    if (seen.size > tradeMemory) seen.delete(seen.values().next().value!)
    return false
  }

  /**
   * Routes frames right away: decode, parse, apply depth to the book, and publish what changed
   * (one book view per changed book, trades and quotes as one batch per channel) into the
   * subscribers' buffers, all without a fiber. Returns what is left to do, in order, if anything:
   * logs, resyncs, a failed sync, a wait for room in a buffer (a publish that cannot go now, and
   * every publish after it). A frame whose decode or parse throws counts as malformed; the
   * frames around it are routed as usual.
   */
  const routeNow = (frames: ReadonlyArray<Connection.Frame>): Effect.Effect<void> | undefined => {
    // Routing never re-enters itself (nothing it calls routes), so one scratch state serves.
    batchNow = -1
    for (let i = 0; i < frames.length; i++) {
      try {
        routeFrame(frames[i]!)
      } catch (cause) {
        const log = noteMalformed("unknown", `the frame could not be routed: ${cause instanceof Error ? cause.message : String(cause)}`)
        if (log !== undefined) (batchEffects ??= []).push(log)
      }
    }
    const dirty = batchDirty
    const groups = batchGroups
    batchDirty = undefined
    batchGroups = undefined
    if (dirty === undefined && groups === undefined && batchEffects === undefined) return undefined
    // What the frames left to do (a log, a resync) goes before their publishes, as it always
    // has: then every publish of this batch waits behind it.
    publishWaiting = batchEffects !== undefined
    if (dirty !== undefined) {
      for (const route of dirty) {
        route.dirty = false
        // The book may have been resynced later in the same batch: publish only a live book.
        if (route.sync?.synced) publishNow(route.topic, [route.sync.book.view()])
      }
    }
    if (groups !== undefined) for (const [route, values] of groups) publishNow(route.topic, values)
    const effects = batchEffects
    batchEffects = undefined
    if (effects === undefined) return undefined
    return effects.length === 1 ? Effect.ignore(effects[0]!) : Effect.ignore(Effect.all(effects, { discard: true }))
  }

  /**
   * Publishes into the subscribers' buffers now. A publish that must wait (a full backpressure
   * buffer) is left to do, and so is every publish after it in the batch: a topic's values stay
   * in order.
   */
  let publishWaiting = false
  const publishNow = (topic: Topic.Topic<unknown>, values: ReadonlyArray<unknown>): void => {
    if (publishWaiting) {
      later(hub.publishAll(topic, values))
      return
    }
    const rest = hub.publishAllUnsafe(topic, values)
    if (rest === undefined) return
    later(rest)
    publishWaiting = true
  }

  /** What the frames routed so far changed: books, trades and quotes per route, effects left. */
  let batchDirty: Array<Route> | undefined
  let batchGroups: Map<Route, Array<unknown>> | undefined
  let batchEffects: Array<Effect.Effect<void, unknown>> | undefined
  /** The time read for depth in this batch (-1 until one is needed). */
  let batchNow = -1
  const later = (effect: Effect.Effect<void, unknown>) => void (batchEffects ??= []).push(effect)

  /** Routes one frame into the batch's scratch state. */
  const routeFrame = (frame: Connection.Frame): void => {
    const push = decode(frame)
    if (push instanceof Undecodable) {
      const log = noteMalformed(push.channel, push.detail)
      if (log !== undefined) later(log)
      return
    }
    const route = routes.get(channelOf(push))
    if (route === undefined || !route.live) {
      unrouted++
      return
    }
    if (repeatKey !== undefined) {
      const key = repeatKey(route.kind, push)
      if (key !== undefined) {
        if (key === route.lastKey) return
        route.lastKey = key
      }
    }
    const parsed = parse(route.kind, route.symbol, push)
    switch (parsed._tag) {
      case "Malformed": {
        const log = noteMalformed(parsed.channel, parsed.detail)
        if (log !== undefined) later(log)
        break
      }
      case "DepthDelta": {
        const sync = route.sync
        if (sync === undefined) break
        if (batchNow < 0) batchNow = nowMs()
        const outcome = sync.onDelta(parsed, batchNow)
        if (outcome === "applied") {
          if (!route.dirty) {
            route.dirty = true
            ;(batchDirty ??= []).push(route)
          }
        } else if (outcome === "resync") {
          later(startResync(route, sync))
        } else if (outcome === "failed") {
          later(afterSnapshot(route, sync, "failed"))
        }
        break
      }
      case "Trades": {
        const groups = batchGroups ??= new Map()
        let group = groups.get(route)
        if (group === undefined) groups.set(route, group = [])
        for (const trade of parsed.trades) {
          if (trade.tradeId !== undefined && isRepeatedTrade(route, trade.tradeId)) {
            duplicates++
            continue
          }
          group.push(trade)
        }
        if (group.length === 0) groups.delete(route)
        break
      }
      case "QuoteUpdate": {
        const q = parsed.quote
        const groups = batchGroups ??= new Map()
        const group = groups.get(route)
        if (group === undefined) groups.set(route, [q])
        else group.push(q)
        break
      }
    }
  }

  /** The queue's handler: a batch the processor (or a handoff) took. */
  const routeBatch = (frames: ReadonlyArray<Connection.Frame>): Effect.Effect<void> =>
    Effect.suspend(() => routeNow(frames) ?? Effect.void)

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
    // ... and one arriving while the connection's reader waits is routed right in the socket's
    // event (no fiber at all); only what is left (a log, a resync, a wait) goes to the processor.
    handleSync: routeNow,
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
    maxChannelsPerConnection: options.channelsPerConnection ?? port.channelsPerConnection,
    connection: {
      ...options.connection,
      url: port.url,
      protocol: port.protocol,
      sink: queue.offerAll,
      syncSink: queue.offerSync
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
      if (route.kind === "orderBook") {
        route.sync = new BookSync(
          new OrderBook(route.symbol, {
            priceScale: scaleOf(route.instrument.tickSize),
            quantityScale: scaleOf(route.instrument.lotSize)
          }),
          options.bookSync
        )
      }
      route.lastKey = undefined
      route.tradeIds = undefined
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

  const topicOptions: Record<MarketKind, Topic.TopicOptions> = {
    // Only the newest book or quote matters to a slow subscriber.
    orderBook: { replay: 1, strategy: "sliding", capacity: 1 },
    quotes: { replay: 1, strategy: "sliding", capacity: 1 },
    trades: { replay: 0, strategy: "sliding" }
  }

  const market = <A>(kind: MarketKind, symbol: string): Stream.Stream<A, ExchangeError> =>
    Stream.unwrap(Effect.gen(function*() {
      const found = yield* Effect.mapError(instrument(symbol), (cause) => new ExchangeError({ ...cause, operation: kind }))
      const channel = port.channel(kind, symbol)
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
          lastKey: undefined,
          tradeIds: undefined,
          failure: undefined
        }
        routes.set(channel, route)
      }
      if (route.live && route.failure !== undefined) return Stream.fail(route.failure)
      const latestOnly = kind !== "trades"
      // One stage: the chunk check runs in the subscriber's own pull (every book wakes it).
      return hub.subscribeWith(
        route.topic as Topic.Topic<A | ChannelFailed>,
        (chunk) => checkChunk(chunk, latestOnly)
      ).pipe(Stream.catchTag("HubError", (cause) => Stream.fail(hubError(kind)(cause))))
    }))

  const snapshot = Effect.fn("PublicExchange.snapshot", spanOptions)(function*(symbol: string) {
    const found = yield* instrument(symbol)
    const live = routes.get(port.channel("orderBook", symbol))?.sync
    if (live !== undefined && live.synced) return live.book.view()
    const answer = yield* port.snapshot(symbol)
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
    return { connections: connections.length, reconnects, resyncs, malformed, refused, duplicates } satisfies PublicExchangeStats
  })

  const exchange: PublicExchangeShape = {
    venue,
    instruments,
    instrument,
    orderBook: (symbol) => market<BookView>("orderBook", symbol),
    quotes: (symbol) => market<Quote>("quotes", symbol),
    trades: (symbol) => market<Trade>("trades", symbol),
    snapshot,
    stats
  }
  return PublicExchange.of(exchange)
})

/** Letters and digits only, upper case: `hifi_usdt`, `HIFI/USDT` and `HIFIUSDT` all become `HIFIUSDT`. */
const bare = (symbol: string): string => symbol.toUpperCase().replace(/[^A-Z0-9]/g, "")

/**
 * The venue's spelling of the pair `symbol` names in another spelling (separators or case), when
 * exactly one listed instrument matches; `undefined` otherwise.
 */
const sameSpelledOtherwise = (list: ReadonlyArray<Instrument>, symbol: string): string | undefined => {
  const wanted = bare(symbol)
  const matches = list.filter((i) => bare(i.symbol) === wanted || bare(i.key) === wanted)
  return matches.length === 1 ? matches[0]!.symbol : undefined
}
