/**
 * What a venue's public push parses to, in the venue-neutral terms the connector routes: a depth
 * delta for the book sync, trades, a best bid/ask, or a push that is malformed for its channel.
 * Every venue's parse produces these; nothing here knows a venue.
 *
 * @since 0.1.0
 */
import type { Quote, Trade } from "../exchange/Model.ts"

/** The market-data streams a public connector serves, one upstream channel each per symbol. */
export type MarketKind = "orderBook" | "quotes" | "trades"

/** One wire level: a price and an absolute quantity as decimal text (read exactly by `OrderBook`). */
export interface WireLevel {
  readonly price: string
  readonly quantity: string
}

/**
 * One depth push: absolute quantities (0 removes the level) taking the book from version
 * `fromVersion - 1` to `toVersion` (each venue's update ids mapped onto these in its
 * `venues/<venue>/PushParse.ts`). With `full` it is the whole book at `toVersion` (a venue that
 * sends whole books in its depth stream, e.g. `venues/gate/PushParse.ts`): it replaces the book,
 * whatever came before.
 */
export interface DepthDelta {
  readonly _tag: "DepthDelta"
  readonly symbol: string
  readonly fromVersion: bigint
  readonly toVersion: bigint
  readonly bids: ReadonlyArray<WireLevel>
  readonly asks: ReadonlyArray<WireLevel>
  /** Venue time of the push (ms). */
  readonly time: number
  /** The whole book at `toVersion`, not a change. Default: a change. */
  readonly full?: boolean | undefined
}

/** The trades of one push, in venue order. A trade's `tradeId` is the venue's identity of it. */
export interface Trades {
  readonly _tag: "Trades"
  readonly symbol: string
  readonly trades: ReadonlyArray<Trade>
}

/** A best bid/ask push. An empty side is a zero price and quantity. */
export interface QuoteUpdate {
  readonly _tag: "QuoteUpdate"
  readonly symbol: string
  readonly quote: Quote
  /** The book version the venue says the quote is at, when given. */
  readonly version: bigint | undefined
}

/** A push that does not belong on its channel or does not parse: counted and skipped. */
export interface Malformed {
  readonly _tag: "Malformed"
  readonly channel: string
  readonly detail: string
}

/** What a venue's parse of one push gives the connector. */
export type Parsed = DepthDelta | Trades | QuoteUpdate | Malformed
