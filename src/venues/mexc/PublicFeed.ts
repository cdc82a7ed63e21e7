/**
 * MEXC public market data as scoped streams: one connection, one queue, one hub, composed so that
 * the order they are made in is the reverse of the order they stop in.
 *
 * ```
 * socket -> Connection (batches) -> MessageQueue -> decode + route -> StreamHub -> subscribers
 * ```
 *
 * Each hub topic is keyed by its MEXC channel name, so routing a decoded frame is a map lookup on
 * the frame's own `channel` field. The first subscriber of a topic subscribes the channel upstream
 * (a scoped, reference-counted connection subscription, replayed after reconnects); the last one
 * leaving unsubscribes it. On close: the connection closes first, the queue hands what it
 * accepted to the router, then the hub completes every subscriber stream.
 *
 * A channel the venue refuses (an unknown symbol, a 31st channel) fails its subscribers' streams
 * with a `ConnectionError` whose reason is `SubscriptionRefused`, carrying the venue's message;
 * other channels are unaffected, and the refused one is not replayed after reconnects.
 *
 * Frames that fail to decode are counted, logged once per burst with their channel (when it can
 * be told), and skipped.
 *
 * @since 0.1.0
 */
import { Clock, Deferred, Effect, Exit, Scope, Stream } from "effect"
import type * as Socket from "effect/socket/Socket"
import { HubError, StreamHub, Topic } from "../../hub/index.ts"
import * as ThrottledLog from "../../internal/ThrottledLog.ts"
import { MessageQueue } from "../../queue/index.ts"
import * as Connection from "../../socket/Connection.ts"
import type { ConnectionError } from "../../socket/ConnectionError.ts"
import * as Protocol from "../../socket/Protocol.ts"
import {
  decodePush,
  type PublicAggreBookTickerV3Api,
  type PublicAggreDealsV3Api,
  type PublicAggreDepthsV3Api,
  type PublicLimitDepthsV3Api,
  type PushDataV3ApiWrapper
} from "./Proto.ts"

/** MEXC's public market-data WebSocket. */
export const defaultUrl = "wss://wbs-api.mexc.com/ws"

/** Push interval of the aggregated channels. */
export type Interval = "100ms" | "10ms"

/** The channel names, exactly as MEXC spells them. */
export const channels = {
  deals: (symbol: string, interval: Interval = "100ms") => `spot@public.aggre.deals.v3.api.pb@${interval}@${symbol}`,
  depth: (symbol: string, interval: Interval = "100ms") => `spot@public.aggre.depth.v3.api.pb@${interval}@${symbol}`,
  bookTicker: (symbol: string, interval: Interval = "100ms") =>
    `spot@public.aggre.bookTicker.v3.api.pb@${interval}@${symbol}`,
  limitDepth: (symbol: string, levels: 5 | 10 | 20) => `spot@public.limit.depth.v3.api.pb@${symbol}@${levels}`
} as const

/** A decoded push with the wrapper's routing fields. */
export interface Push<A> {
  readonly channel: string
  readonly symbol: string
  /** Exchange send time (ms), when the venue sets it. */
  readonly sendTime: number | undefined
  readonly data: A
}

export interface PublicFeedOptions {
  /** Component name suffix: `connection:<name>`, `queue:<name>`, `hub:<name>`. Default `mexc-public`. */
  readonly name?: string | undefined
  /** WebSocket URL. Default {@link defaultUrl}. */
  readonly url?: string | undefined
  /** Push interval for the aggregated channels. Default `100ms`. */
  readonly interval?: Interval | undefined
  /** Queue capacity in frames. Default 1000. */
  readonly queueCapacity?: number | undefined
  /** Connection settings other than name, URL, protocol and sink. */
  readonly connection?: Partial<Omit<Connection.ConnectionOptions, "name" | "url" | "protocol" | "sink">> | undefined
}

export interface DecodeStats {
  /** Binary frames decoded and routed. */
  readonly routed: number
  /** Frames that failed to decode (skipped). */
  readonly malformed: number
  /** Decoded frames for a channel nobody subscribes to (skipped). */
  readonly unrouted: number
}

/**
 * Why a feed stream failed: the hub closed under it, or the venue refused its channel
 * (`ConnectionError` with reason `SubscriptionRefused`: the channel and the venue's message).
 */
export type FeedError = HubError.HubError | ConnectionError

export interface PublicFeedShape {
  readonly connection: Connection.ConnectionShape
  /** Aggregated trades; sliding (keeps the newest), no replay. */
  readonly deals: (symbol: string) => Stream.Stream<Push<PublicAggreDealsV3Api>, FeedError>
  /** Aggregated depth deltas; backpressure: an order book must not miss one. No replay. */
  readonly depth: (symbol: string) => Stream.Stream<Push<PublicAggreDepthsV3Api>, FeedError>
  /** Best bid and ask; sliding, the latest replayed to late subscribers. */
  readonly bookTicker: (symbol: string) => Stream.Stream<Push<PublicAggreBookTickerV3Api>, FeedError>
  /** Top-N depth snapshots; sliding, the latest replayed. */
  readonly limitDepth: (
    symbol: string,
    levels: 5 | 10 | 20
  ) => Stream.Stream<Push<PublicLimitDepthsV3Api>, FeedError>
  readonly decodeStats: Effect.Effect<DecodeStats>
}

/** Logs about undecodable frames are written at most this often, with a count of the rest. */
const malformedLogIntervalMs = 1000

/** Builds the feed in the caller's scope. */
export const make = (
  options: PublicFeedOptions = {}
): Effect.Effect<PublicFeedShape, never, Scope.Scope | Socket.WebSocketConstructor> =>
  Effect.gen(function*() {
    const name = options.name ?? "mexc-public"
    const interval = options.interval ?? "100ms"
    const feedScope = yield* Effect.scope
    const clock = yield* Clock.Clock

    // Upstream subscriptions held on behalf of hub topics, one scope each.
    const upstream = new Map<string, Scope.Closeable>()
    let connection: Connection.ConnectionShape | undefined

    // The fate of each channel's current upstream subscription, for its subscribers' streams:
    // failed when the venue refuses it, succeeded when it is released (its subscribers then
    // follow the next one). Created by whichever side asks first, so neither order of "stream
    // starts watching" and "first-subscriber hook subscribes upstream" loses a refusal.
    const refusals = new Map<string, Deferred.Deferred<void, ConnectionError>>()
    const refusalOf = (channel: string): Deferred.Deferred<void, ConnectionError> => {
      let refusal = refusals.get(channel)
      if (refusal === undefined) refusals.set(channel, refusal = Deferred.makeUnsafe())
      return refusal
    }
    /** Fails once the channel's upstream subscription is refused; never succeeds. */
    const watchRefusal = (channel: string): Effect.Effect<never, ConnectionError> =>
      Effect.flatMap(Effect.suspend(() => Deferred.await(refusalOf(channel))), () => watchRefusal(channel))
    const hub = yield* StreamHub.make({
      name: `hub:${name}`,
      onFirstSubscriber: (channel) =>
        Effect.gen(function*() {
          const scope = yield* Scope.fork(feedScope, "sequential")
          upstream.set(channel, scope)
          const subscription = yield* connection!.subscribe(channel).pipe(
            Scope.provide(scope),
            Effect.onError(() => Effect.andThen(Effect.sync(() => upstream.delete(channel)), Scope.close(scope, Exit.void)))
          )
          const refusal = refusalOf(channel)
          yield* subscription.refused.pipe(
            Effect.catch((error) => Deferred.fail(refusal, error)),
            Effect.forkIn(scope)
          )
        }),
      onLastUnsubscribed: (channel) =>
        Effect.suspend(() => {
          const scope = upstream.get(channel)
          upstream.delete(channel)
          const refusal = refusals.get(channel)
          refusals.delete(channel)
          if (refusal !== undefined) Deferred.doneUnsafe(refusal, Effect.void)
          return scope ? Scope.close(scope, Exit.void) : Effect.void
        })
    })

    // Topics by channel: the router finds a frame's topic by its own channel field.
    const topics = new Map<string, Topic.Topic<Push<unknown>>>()
    const topic = <A>(channel: string, topicOptions: Topic.TopicOptions): Topic.Topic<Push<A>> => {
      let t = topics.get(channel)
      if (t === undefined) topics.set(channel, t = Topic.make(channel, topicOptions))
      return t as Topic.Topic<Push<A>>
    }

    let routed = 0
    let malformed = 0
    let unrouted = 0
    const malformedLog = ThrottledLog.make(clock, malformedLogIntervalMs)

    const noteMalformed = (frame: Connection.Frame, error: unknown): Effect.Effect<void> => {
      malformed++
      const count = malformedLog.take()
      if (count === undefined) return Effect.void
      return Effect.logWarning("skipping undecodable frame(s)", error instanceof Error ? error.message : String(error))
        .pipe(Effect.annotateLogs({
          component: `queue:${name}`,
          frame: typeof frame === "string" ? frame.slice(0, 120) : `<binary ${frame.byteLength} bytes>`,
          channel: typeof frame === "string" ? "(text)" : guessChannel(frame),
          malformed_in_burst: count
        }))
    }

    /** Decodes a batch once per frame, groups by channel, publishes each group in one step. */
    const route = (frames: ReadonlyArray<Connection.Frame>): Effect.Effect<void, HubError.HubError> =>
      Effect.suspend(() => {
        let groups: Map<string, Array<Push<unknown>>> | undefined
        let warnings: Array<Effect.Effect<void>> | undefined
        for (let i = 0; i < frames.length; i++) {
          const frame = frames[i]!
          if (typeof frame === "string") {
            // Acks and pongs never get here (the connection consumes them); other text is unexpected.
            ;(warnings ??= []).push(noteMalformed(frame, new Error("unexpected text frame")))
            continue
          }
          let wrapper: PushDataV3ApiWrapper
          try {
            wrapper = decodePush(frame)
          } catch (error) {
            ;(warnings ??= []).push(noteMalformed(frame, error))
            continue
          }
          const body = wrapper.body
          if (body === undefined || !topics.has(wrapper.channel)) {
            unrouted++
            continue
          }
          routed++
          const push: Push<unknown> = {
            channel: wrapper.channel,
            symbol: wrapper.symbol ?? "",
            sendTime: wrapper.sendTime,
            data: body.value
          }
          groups ??= new Map()
          const group = groups.get(wrapper.channel)
          if (group === undefined) groups.set(wrapper.channel, [push])
          else group.push(push)
        }
        const publishes: Array<Effect.Effect<void, HubError.HubError>> = warnings ?? []
        if (groups !== undefined) {
          for (const [channel, values] of groups) publishes.push(hub.publishAll(topics.get(channel)!, values))
        }
        return publishes.length === 0 ? Effect.void : Effect.all(publishes, { discard: true })
      })

    const queue = yield* MessageQueue.make<Connection.Frame>({
      name: `queue:${name}`,
      capacity: options.queueCapacity ?? 1000,
      overflow: "backpressure",
      handleBatch: route,
      describe: (frame) => typeof frame === "string" ? frame.slice(0, 120) : guessChannel(frame)
    })

    connection = yield* Connection.make({
      ...options.connection,
      name,
      url: options.url ?? defaultUrl,
      protocol: Protocol.mexc,
      sink: queue.offerAll
    })

    /** A topic's subscriber stream, failing if the venue refuses its channel. */
    const feed = <A>(channel: string, topicOptions: Topic.TopicOptions): Stream.Stream<Push<A>, FeedError> =>
      hub.subscribe(topic<A>(channel, topicOptions)).pipe(Stream.interruptWhen(watchRefusal(channel)))

    const sliding = { replay: 1, strategy: "sliding" } as const
    return {
      connection,
      deals: (symbol) => feed(channels.deals(symbol, interval), { replay: 0, strategy: "sliding" }),
      depth: (symbol) => feed(channels.depth(symbol, interval), { replay: 0, strategy: "backpressure" }),
      bookTicker: (symbol) => feed(channels.bookTicker(symbol, interval), sliding),
      limitDepth: (symbol, levels) => feed(channels.limitDepth(symbol, levels), sliding),
      decodeStats: Effect.sync(() => ({ routed, malformed, unrouted }))
    } satisfies PublicFeedShape
  })

/**
 * The channel of an undecodable frame, for logs: field 1 of the wrapper is the channel string, so
 * a frame cut off later in its body still names it.
 */
const guessChannel = (frame: Uint8Array): string => {
  // tag 0x0a = field 1, wire type 2; a one-byte length covers every MEXC channel name.
  if (frame.length > 2 && frame[0] === 0x0a && frame[1]! < 0x80 && frame.length >= 2 + frame[1]!) {
    return new TextDecoder("utf-8", { fatal: false }).decode(frame.subarray(2, 2 + frame[1]!))
  }
  return "(unknown)"
}
