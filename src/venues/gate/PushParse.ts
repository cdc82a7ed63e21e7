/**
 * Gate.io public pushes, wire to domain: pure functions from a push's `result` (see
 * `Protocol.read`) to depth deltas for the book sync, {@link Quote}s and {@link Trade}s. Hand-written
 * structural checks, not a schema decode: this runs once per push on the hot path.
 *
 * Channels (gateio-wire.md, "Channels"): `spot.order_book_update` `[pair, interval]` (20 ms: 20
 * levels, 100 ms: 100 levels) with update ids `U`..`u` and `full: true` on a push that carries the
 * whole book; `spot.book_ticker` `[pair...]` with the book's update id `u`; `spot.trades` `[pair...]`,
 * one trade per push, `side` the taker's.
 *
 * `spot.order_book_update` rather than `spot.obu`: it keeps the documented snapshot-and-buffer
 * procedure that the venue-neutral book sync already runs for every venue (a REST snapshot with
 * `id`, then continuous `U`/`u`), and resyncs by snapshot, without an unsubscribe/resubscribe per
 * gap on a connection that carries other pairs. Its `full: true` pushes replace the book like a
 * snapshot would.
 *
 * A push whose body does not fit its channel (a missing id, a symbol other than the
 * subscription's, a price that is not a decimal) is {@link Malformed}: counted and skipped by the
 * router, never shown to a subscriber.
 *
 * @since 0.1.0
 */
import { BigDecimal, Option, Result } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import * as Validate from "../../exchange/Validate.ts"
import { Quote, type Trade } from "../../exchange/Model.ts"
import * as Parse from "./Parse.ts"
import type { Subscription } from "./Protocol.ts"

/** The public channels, as Gate spells them. */
export const channels = {
  depth: "spot.order_book_update",
  bookTicker: "spot.book_ticker",
  trades: "spot.trades"
} as const

/** The public channels the exchange routes. */
export type ChannelKind = keyof typeof channels

/** Push interval of `spot.order_book_update`: 20 ms (20 levels) or 100 ms (100 levels). */
export type Interval = "20ms" | "100ms"

/** Levels `spot.order_book_update` keeps at each interval (a `full` push carries that many). */
export const levelsOf: Readonly<Record<Interval, number>> = { "20ms": 20, "100ms": 100 }

/** The subscription for one symbol's channel. */
export const subscription = (kind: ChannelKind, symbol: string, interval: Interval): Subscription =>
  kind === "depth" ? { channel: channels.depth, payload: [symbol, interval] } : { channel: channels[kind], payload: [symbol] }

/** One depth push: absolute amounts at update ids `fromVersion..toVersion` (amount 0 removes). */
export interface DepthDelta {
  readonly _tag: "DepthDelta"
  readonly symbol: string
  readonly fromVersion: bigint
  readonly toVersion: bigint
  /** The push carries the whole book (of the channel's levels): replace, do not apply. */
  readonly full: boolean
  /** Wire levels (decimal strings), read exactly by `OrderBook.applyLevels`. */
  readonly bids: ReadonlyArray<{ readonly price: string; readonly quantity: string }>
  readonly asks: ReadonlyArray<{ readonly price: string; readonly quantity: string }>
  /** Venue time of the change (ms). */
  readonly time: number
}

/** A best bid/ask push at the book's update id `version`. */
export interface QuoteUpdate {
  readonly _tag: "QuoteUpdate"
  readonly symbol: string
  readonly quote: Quote
  readonly version: bigint
}

/** A trades push (Gate sends one trade per push). */
export interface Trades {
  readonly _tag: "Trades"
  readonly symbol: string
  readonly trades: ReadonlyArray<Trade>
}

/** A push that does not belong on its channel or does not parse: counted and skipped. */
export interface Malformed {
  readonly _tag: "Malformed"
  readonly channel: string
  readonly detail: string
}

export type PublicPush = DepthDelta | QuoteUpdate | Trades | Malformed

const malformed = (channel: string, detail: string): Malformed => ({ _tag: "Malformed", channel, detail })

const isId = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0

const levels = (rows: unknown): Array<{ price: string; quantity: string }> | undefined => {
  if (!Array.isArray(rows)) return undefined
  const out: Array<{ price: string; quantity: string }> = []
  for (const row of rows) {
    if (!Array.isArray(row) || typeof row[0] !== "string" || typeof row[1] !== "string") return undefined
    out.push({ price: row[0], quantity: row[1] })
  }
  return out
}

/** A `spot.order_book_update` result. */
export const depth = (result: unknown): DepthDelta | Malformed => {
  const channel = channels.depth
  if (typeof result !== "object" || result === null) return malformed(channel, "the result is not an object")
  const r = result as Record<string, unknown>
  if (typeof r.s !== "string") return malformed(channel, "no symbol (s)")
  if (!isId(r.u)) return malformed(channel, `${r.s}: the last update id (u) is not an id: ${JSON.stringify(r.u)}`)
  const full = r.full === true
  // A full push may come without `U`: it replaces the book at `u`.
  const from = r.U === undefined && full ? r.u : r.U
  if (!isId(from) || from > r.u) return malformed(channel, `${r.s}: the first update id (U) is not an id at or before u: ${JSON.stringify(r.U)}`)
  const bids = levels(r.b)
  const asks = levels(r.a)
  if (bids === undefined || asks === undefined) return malformed(channel, `${r.s}: levels are not [price, amount] strings`)
  return {
    _tag: "DepthDelta",
    symbol: r.s,
    fromVersion: BigInt(from),
    toVersion: BigInt(r.u),
    full,
    bids,
    asks,
    time: typeof r.t === "number" && Number.isFinite(r.t) ? r.t : 0
  }
}

const decimal = (text: unknown): Decimal.Decimal | undefined => {
  if (typeof text !== "string") return undefined
  const parsed = Decimal.parse(text)
  return Option.isSome(parsed) && !BigDecimal.isNegative(parsed.value) ? parsed.value : undefined
}

/**
 * A `spot.book_ticker` result. An empty side (Gate sends `""` or `"0"`) is a zero price and amount;
 * a bid at or above the ask is malformed.
 */
export const bookTicker = (result: unknown): QuoteUpdate | Malformed => {
  const channel = channels.bookTicker
  if (typeof result !== "object" || result === null) return malformed(channel, "the result is not an object")
  const r = result as Record<string, unknown>
  if (typeof r.s !== "string") return malformed(channel, "no symbol (s)")
  if (!isId(r.u)) return malformed(channel, `${r.s}: the update id (u) is not an id`)
  const side = (value: unknown) => (value === "" ? Decimal.zero : decimal(value))
  const bidPrice = side(r.b)
  const bidQuantity = side(r.B)
  const askPrice = side(r.a)
  const askQuantity = side(r.A)
  if (bidPrice === undefined || bidQuantity === undefined || askPrice === undefined || askQuantity === undefined) {
    return malformed(channel, `${r.s}: a price or amount is not a decimal`)
  }
  const time = typeof r.t === "number" && Number.isFinite(r.t) ? r.t : undefined
  const quote = new Quote({ symbol: r.s, bidPrice, bidQuantity, askPrice, askQuantity, ...(time === undefined ? {} : { time }) })
  const invalid = Validate.quote(quote)
  if (invalid !== undefined) return malformed(channel, `${r.s}: ${invalid}`)
  return { _tag: "QuoteUpdate", symbol: r.s, quote, version: BigInt(r.u) }
}

/** A `spot.trades` result: one trade. */
export const trades = (result: unknown): Trades | Malformed => {
  const channel = channels.trades
  if (typeof result !== "object" || result === null) return malformed(channel, "the result is not an object")
  const r = result as Record<string, unknown>
  if (typeof r.currency_pair !== "string") return malformed(channel, "no currency_pair")
  if (typeof r.id !== "number" && typeof r.id !== "string") return malformed(channel, `${r.currency_pair}: no trade id`)
  // Decimal strings only: a number may already have lost digits to floating point.
  if (typeof r.amount !== "string" || typeof r.price !== "string") {
    return malformed(channel, `${r.currency_pair}: amount and price must be decimal strings`)
  }
  const createTimeMs = typeof r.create_time_ms === "string" || typeof r.create_time_ms === "number" ? String(r.create_time_ms) : ""
  const parsed = Parse.trade({
    id: r.id,
    currency_pair: r.currency_pair,
    create_time_ms: createTimeMs,
    side: String(r.side),
    amount: r.amount,
    price: r.price
  })
  return Result.isSuccess(parsed)
    ? { _tag: "Trades", symbol: r.currency_pair, trades: [parsed.success] }
    : malformed(channel, `${r.currency_pair}: ${parsed.failure}`)
}

/**
 * A push on one of the public channels, checked against the subscription's symbol when given.
 * Other channels are {@link Malformed}.
 */
export const parse = (channel: string, result: unknown, symbol?: string): PublicPush => {
  const parsed = channel === channels.depth
    ? depth(result)
    : channel === channels.bookTicker
    ? bookTicker(result)
    : channel === channels.trades
    ? trades(result)
    : malformed(channel, "not a public channel this client routes")
  if (symbol !== undefined && parsed._tag !== "Malformed" && parsed.symbol !== symbol) {
    return malformed(channel, `a push for ${parsed.symbol} on ${symbol}'s subscription`)
  }
  return parsed
}
