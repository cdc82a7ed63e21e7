/**
 * A routed channel of the public connector (its kind, symbol, topic and live state) and the
 * in-band failure its subscribers fail on.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import type { Instrument } from "../../exchange/Model.ts"
import type { Topic } from "../../hub/index.ts"
import type * as Connection from "../../socket/Connection.ts"
import type { BookSync } from "../BookSync.ts"
import type { MarketKind } from "../Market.ts"

/** A routed channel: what it carries, and while subscribed, its live state. */
export interface Route {
  readonly channel: string
  readonly kind: MarketKind
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
  /** The last push's `repeatKey` (a push repeating it is dropped). */
  lastKey: string | undefined
  /** Trade ids delivered lately, oldest first (at most `PublicConnector.tradeMemory`). */
  tradeIds: Set<string> | undefined
  /** Why the current subscription failed (refused, book sync failed), if it did. */
  failure: ExchangeError | undefined
}

/** A channel's failure, published in band on its topic. */
export class ChannelFailed {
  readonly error: ExchangeError
  constructor(error: ExchangeError) {
    this.error = error
  }
}

/**
 * What a subscriber takes at once: fails on a channel failure; for books and quotes only the
 * newest (a slow reader skips ahead instead of working through older books); trades all.
 */
export const checkChunk = <A>(
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

