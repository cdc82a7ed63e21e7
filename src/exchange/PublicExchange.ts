/**
 * Public market data of one venue as a service: instruments, always-correct order books, best
 * bid/ask and trades, as domain values. Built by `connector/PublicConnector.ts` over a port each
 * venue implements (`connector/PublicPort.ts`; `venues/mexc/MexcPublic.ts`, `venues/gate/GatePublic.ts`).
 *
 * Streams are scoped subscriptions: the first subscriber of a symbol's channel subscribes upstream,
 * the last one leaving unsubscribes. Market-data streams are sliding with the latest value replayed:
 * a slow subscriber sees the newest value and never stalls the socket or anyone else.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Stream } from "effect"
import type { ExchangeError } from "./ExchangeError.ts"
import type { BookView, Instrument, Quote, Trade } from "./Model.ts"

/** Counters for logs, metrics and the CLI's exit report. */
export interface PublicExchangeStats {
  /** WebSocket connections open now. */
  readonly connections: number
  /** Reconnects after a first successful open, over all connections. */
  readonly reconnects: number
  /** Order-book resyncs (gap, reconnect, stale snapshot), over all symbols. */
  readonly resyncs: number
  /** Frames that failed to decode or whose body did not match their channel (skipped). */
  readonly malformed: number
  /** Subscriptions the venue refused. */
  readonly refused: number
  /** Trades dropped as already delivered (the venue's trade id seen again on the channel). */
  readonly duplicates: number
}

export interface PublicExchangeShape {
  /** Venue name, e.g. `mexc`, `sim`. */
  readonly venue: string
  /** Every listed instrument (asked of the venue once, then cached). */
  readonly instruments: Effect.Effect<ReadonlyArray<Instrument>, ExchangeError>
  /** One instrument; fails with `InvalidSymbol` for one the venue does not list. */
  readonly instrument: (symbol: string) => Effect.Effect<Instrument, ExchangeError>
  /**
   * The symbol's order book, kept in sync with the venue (snapshot + deltas, resync on any gap or
   * reconnect). Each element is a consistent view at one version. Fails with `InvalidSymbol`
   * before subscribing anything, `SubscriptionRefused` if the venue refuses the channel, and
   * `BookSyncFailed` when re-snapshots are exhausted.
   */
  readonly orderBook: (symbol: string) => Stream.Stream<BookView, ExchangeError>
  /** Best bid/ask updates. Same failures as `orderBook` (bar `BookSyncFailed`). */
  readonly quotes: (symbol: string) => Stream.Stream<Quote, ExchangeError>
  /** Public trades, in venue order. */
  readonly trades: (symbol: string) => Stream.Stream<Trade, ExchangeError>
  /** The current book: the live synced one if subscribed, else a REST snapshot. */
  readonly snapshot: (symbol: string) => Effect.Effect<BookView, ExchangeError>
  readonly stats: Effect.Effect<PublicExchangeStats>
}

export class PublicExchange extends Context.Service<PublicExchange, PublicExchangeShape>()(
  "scoped-exchange/exchange/PublicExchange"
) {}
