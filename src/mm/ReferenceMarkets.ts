/**
 * Reference markets: symbols a strategy follows besides the one it quotes (the market leader,
 * a correlated pair), to see how the market moved around its own trades. For each symbol it holds
 * the order book, the best bid/ask and the public trades, live for the whole run, and answers what
 * happened between two moments (a cycle's start and end):
 *
 * - the mid price before and after, and the move in basis points (a mark taken before the first
 *   quote starts from the first quote);
 * - the public trades in between: how many, and their base volume;
 * - the order-book imbalance over the top {@link imbalanceLevels} levels at the end:
 *   (bid quantity - ask quantity) / (bid quantity + ask quantity), from -1 (all asks) to +1.
 *
 * Each symbol takes three channels on the venue (depth, book ticker, deals): 33 references and the
 * quoted symbol's own quotes are 100 subscriptions, which the venue's public side spreads over as
 * many connections as its limit of channels per connection requires (`PublicPort.channelsPerConnection`).
 *
 * ```ts
 * const refs = yield* ReferenceMarkets.ReferenceMarkets
 * const before = yield* refs.mark
 * yield* mm.runCycle
 * for (const move of yield* refs.since(before)) yield* Effect.log(ReferenceMarkets.formatText(move))
 * ```
 *
 * Every symbol is checked with the venue at start: an unknown one fails the layer with a
 * `MarketMakerError` (reason `Exchange`) naming it. A stream that fails later is logged once
 * (WARN) and the symbol's figures stop moving; the others go on.
 *
 * @since 0.1.0
 */
import { BigDecimal, Context, Duration, Effect, Layer, Scope, Stream } from "effect"
import * as Decimal from "../exchange/Decimal.ts"
import type { ExchangeError } from "../exchange/ExchangeError.ts"
import type { BookView, Quote, Trade } from "../exchange/Model.ts"
import { PublicExchange } from "../exchange/PublicExchange.ts"
import { Lifecycle } from "../lifecycle/index.ts"
import { fromExchange, type MarketMakerError } from "./MarketMakerError.ts"

/** Levels per side the imbalance is taken over. */
export const imbalanceLevels = 5

/** One reference market at one moment (opaque outside this module's `since`). */
interface Point {
  readonly mid: Decimal.Decimal | undefined
  readonly trades: number
  readonly volume: Decimal.Decimal
}

/** The state of every reference market at one moment, from {@link ReferenceMarketsShape.mark}. */
export interface Mark {
  readonly points: ReadonlyMap<string, Point>
}

/** What one reference market did between a mark and now. */
export interface ReferenceMove {
  readonly symbol: string
  /** Mid price ((bid + ask) / 2) at the mark and now; undefined before the first quote. */
  readonly midBefore: Decimal.Decimal | undefined
  readonly midAfter: Decimal.Decimal | undefined
  /** (midAfter - midBefore) / midBefore in basis points, when both are known. */
  readonly moveBps: number | undefined
  /** Public trades since the mark, and their base quantity. */
  readonly trades: number
  readonly volume: Decimal.Decimal
  /** Book imbalance over the top {@link imbalanceLevels} levels now, -1..+1; undefined without a book. */
  readonly imbalance: number | undefined
}

export interface ReferenceMarketsShape {
  /** The symbols followed, in the order given. */
  readonly symbols: ReadonlyArray<string>
  /** The state of every reference market now. */
  readonly mark: Effect.Effect<Mark>
  /** What each reference market did since `mark`, in the order of {@link symbols}. */
  readonly since: (mark: Mark) => Effect.Effect<ReadonlyArray<ReferenceMove>>
}

/** The reference markets of a run. */
export class ReferenceMarkets
  extends Context.Service<ReferenceMarkets, ReferenceMarketsShape>()("scoped-exchange/mm/ReferenceMarkets")
{}

interface Live {
  quote: Quote | undefined
  /** The mid of the first quote: what a mark taken before any quote starts from. */
  firstMid: Decimal.Decimal | undefined
  book: BookView | undefined
  trades: number
  volume: Decimal.Decimal
}

const midOf = (quote: Quote | undefined): Decimal.Decimal | undefined =>
  quote === undefined
    ? undefined
    : BigDecimal.normalize(BigDecimal.divideUnsafe(BigDecimal.sum(quote.bidPrice, quote.askPrice), BigDecimal.fromBigInt(2n)))

const sumQuantity = (levels: ReadonlyArray<{ readonly quantity: Decimal.Decimal }>): number => {
  let total = Decimal.zero
  for (const level of levels) total = BigDecimal.sum(total, level.quantity)
  return BigDecimal.toNumberUnsafe(total)
}

const imbalanceOf = (book: BookView | undefined): number | undefined => {
  if (book === undefined) return undefined
  const bids = sumQuantity(book.bids(imbalanceLevels))
  const asks = sumQuantity(book.asks(imbalanceLevels))
  return bids + asks === 0 ? undefined : (bids - asks) / (bids + asks)
}

/** Follows `symbols` in the current scope (streams forked into it). */
export const make = Effect.fnUntraced(function*(symbols: ReadonlyArray<string>) {
  const pub = yield* PublicExchange
  const unique = [...new Set(symbols)]
  // Asked of the venue before anything is subscribed: an unknown symbol fails here, by name.
  yield* Effect.forEach(unique, (symbol) => pub.instrument(symbol).pipe(Effect.mapError(fromExchange(symbol))), {
    concurrency: 8,
    discard: true
  })
  // The followers are stopped all at once: each holds channels, and a connection closes (a close
  // handshake) when its last channel goes, so stopping them one by one closes the connections in turn.
  const followers = yield* Scope.fork(yield* Effect.scope, "parallel")
  const live = new Map<string, Live>()
  for (const symbol of unique) live.set(symbol, { quote: undefined, firstMid: undefined, book: undefined, trades: 0, volume: Decimal.zero })

  const follow = <A>(symbol: string, what: string, stream: Stream.Stream<A, ExchangeError>, apply: (state: Live, a: A) => void) => {
    const state = live.get(symbol)!
    return stream.pipe(
      Stream.runForEachArray((batch) =>
        Effect.sync(() => {
          for (const a of batch) apply(state, a)
        })
      ),
      Effect.catch((error) => Effect.logWarning(`reference ${symbol}: ${what} stream failed: ${error.message}`)),
      Effect.forkIn(followers)
    )
  }
  for (const symbol of unique) {
    yield* follow(symbol, "quotes", pub.quotes(symbol), (s, quote: Quote) => {
      s.quote = quote
      s.firstMid ??= midOf(quote)
    })
    yield* follow(symbol, "trades", pub.trades(symbol), (s, trade: Trade) => {
      s.trades++
      s.volume = BigDecimal.sum(s.volume, trade.quantity)
    })
    yield* follow(symbol, "order book", pub.orderBook(symbol), (s, book: BookView) => void (s.book = book))
  }

  const mark = Effect.sync((): Mark => {
    const points = new Map<string, Point>()
    for (const [symbol, s] of live) points.set(symbol, { mid: midOf(s.quote), trades: s.trades, volume: s.volume })
    return { points }
  })

  const since = (from: Mark) =>
    Effect.sync(() =>
      unique.map((symbol): ReferenceMove => {
        const s = live.get(symbol)!
        const before = from.points.get(symbol)
        // A mark taken before the first quote starts from the first quote after it.
        const midBefore = before?.mid ?? s.firstMid
        const midAfter = midOf(s.quote)
        const moveBps = midBefore === undefined || midAfter === undefined || BigDecimal.isZero(midBefore)
          ? undefined
          : BigDecimal.toNumberUnsafe(BigDecimal.divideUnsafe(BigDecimal.subtract(midAfter, midBefore), midBefore)) * 10_000
        return {
          symbol,
          midBefore,
          midAfter,
          moveBps,
          trades: s.trades - (before?.trades ?? 0),
          volume: BigDecimal.normalize(BigDecimal.subtract(s.volume, before?.volume ?? Decimal.zero)),
          imbalance: imbalanceOf(s.book)
        }
      })
    )

  return ReferenceMarkets.of({ symbols: unique, mark, since })
})

/** Nothing followed (no component, no subscription). */
export const none: ReferenceMarketsShape = ReferenceMarkets.of({
  symbols: [],
  mark: Effect.succeed({ points: new Map() }),
  since: () => Effect.succeed([])
})

/**
 * The reference markets as a lifecycle component (`references`) on the `PublicExchange` it is
 * given: its streams end before the exchange closes. No symbols: no component, nothing subscribed.
 */
export const layer = (
  symbols: ReadonlyArray<string>
): Layer.Layer<ReferenceMarkets, MarketMakerError, PublicExchange> =>
  symbols.length === 0
    ? Layer.succeed(ReferenceMarkets, none)
    : Layer.effect(ReferenceMarkets, make(symbols)).pipe(
      Lifecycle.component({ name: "references", stopBudget: Duration.seconds(2) })
    )

const fmt = (value: Decimal.Decimal | undefined): string =>
  value === undefined ? "-" : Decimal.format(Decimal.roundToStep(value, Decimal.stepOfPlaces(10), "nearest"))

const signed = (value: number | undefined, digits: number): string =>
  value === undefined ? "-" : `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`

/** One line for people: `reference BTCUSDT: mid 65000 -> 65010.5 (+1.6 bps), 12 trades 0.53, imbalance top 5 +0.12`. */
export const formatText = (move: ReferenceMove): string =>
  `reference ${move.symbol}: mid ${fmt(move.midBefore)} -> ${fmt(move.midAfter)} (${signed(move.moveBps, 1)} bps), ` +
  `${move.trades} trades ${fmt(move.volume)}, imbalance top ${imbalanceLevels} ${signed(move.imbalance, 2)}`

/** As a JSON-ready object (exact decimals as strings, null when unknown). */
export const toJson = (move: ReferenceMove): Record<string, unknown> => ({
  symbol: move.symbol,
  midBefore: move.midBefore === undefined ? null : Decimal.format(move.midBefore),
  midAfter: move.midAfter === undefined ? null : Decimal.format(move.midAfter),
  moveBps: move.moveBps === undefined ? null : Math.round(move.moveBps * 100) / 100,
  trades: move.trades,
  volume: Decimal.format(move.volume),
  imbalance: move.imbalance === undefined ? null : Math.round(move.imbalance * 1000) / 1000
})
