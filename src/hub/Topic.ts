/**
 * Typed topic descriptors for the {@link StreamHub}. A topic is a key (`"orderbook:BTCUSDT"`,
 * `"orders"`) plus how it treats late and slow subscribers; the value type rides along in the type
 * so `publish` and `subscribe` agree on it.
 *
 * ```ts
 * const orderBook = Topic.family<OrderBook>("orderbook", Topic.marketData) // replay 1, sliding
 * const orders = Topic.make<OrderUpdate>("orders", Topic.lossless) // no replay, backpressure
 * hub.subscribe(orderBook("BTCUSDT"))
 * ```
 *
 * @since 0.1.0
 */

/**
 * What a slow subscriber costs. `"sliding"`: its buffer keeps the newest `capacity` values and
 * drops older ones (counted); publishers never wait, so it cannot stall anyone (market data).
 * `"fail"`: nothing is dropped silently and publishers never wait: a subscriber whose buffer holds
 * `capacity` values it has not taken is dropped, its stream failing with `SubscriberOverflow`
 * after what it had buffered (orders, fills, balances: one stuck reader cannot stall the venue's
 * own bookkeeping or the other readers). `"backpressure"`: nothing is dropped; publishers wait
 * until every subscriber has room (one slow subscriber stalls the publisher and everyone else).
 */
export type Strategy = "sliding" | "fail" | "backpressure"

/** How a topic treats its subscribers. */
export interface TopicOptions {
  /** Latest values handed to a new subscriber before live ones (0 = none). Default 1. */
  readonly replay?: number | undefined
  /** Slow-subscriber policy. Default `"sliding"`. */
  readonly strategy?: Strategy | undefined
  /**
   * Per-subscriber buffer, in values. Default 1024 (never below `replay`). A backpressure buffer
   * takes a whole batch while it holds fewer than `capacity` values, so it may briefly hold up to
   * `capacity` plus one batch.
   */
  readonly capacity?: number | undefined
}

/** A topic carrying values of type `A`. */
export interface Topic<A> {
  readonly key: string
  readonly replay: number
  readonly strategy: Strategy
  readonly capacity: number
  /** Phantom: the value type. */
  readonly _A?: ((a: A) => A) | undefined
}

const defaultCapacity = 1024

/** Market data (books, tickers, trades): the latest value replayed, slow subscribers skip ahead. */
export const marketData: TopicOptions = { replay: 1, strategy: "sliding" }

/**
 * Orders, fills, balances: nothing dropped silently, the publisher never waits. Each subscriber
 * has its own buffer of 10,000 values; one that falls that far behind fails with
 * `SubscriberOverflow` (see {@link Strategy}).
 */
export const lossless: TopicOptions = { replay: 0, strategy: "fail", capacity: 10_000 }

/** A topic with a fixed key. The first use of a key in a hub fixes its options. */
export const make = <A>(key: string, options?: TopicOptions): Topic<A> => {
  const replay = Math.max(0, Math.floor(options?.replay ?? 1))
  return {
    key,
    replay,
    strategy: options?.strategy ?? "sliding",
    capacity: Math.max(1, replay, Math.floor(options?.capacity ?? defaultCapacity))
  }
}

/** Topics sharing a prefix and options, one per id: `family("orderbook")("BTCUSDT")`. */
export const family = <A>(prefix: string, options?: TopicOptions): (id: string) => Topic<A> => {
  const template = make<A>(prefix, options)
  return (id) => ({ ...template, key: `${prefix}:${id}` })
}
