/**
 * MEXC public pushes, wire to domain: pure functions from a decoded `PushDataV3ApiWrapper` to
 * depth deltas (for the book sync), `Trade`s and `Quote`s. Nothing here has effects.
 *
 * Each push is checked against the channel it arrived on: a body of another kind (a book ticker
 * on a deals channel), a symbol other than the channel's, a missing or non-numeric version or
 * price is {@link Malformed}: the router counts and skips it, a subscriber never sees it
 * (issue 11, fault 9). So is every domain value that fails the neutral checks of
 * `exchange/Validate` (issue 16, item 7): a trade's price and quantity must be positive and in
 * range and its time a time; a quote's numbers in range and its best bid below its best ask.
 *
 * Channel names and body kinds: /work/shared/reference/mexc-wire.md "Channels".
 *
 * @since 0.1.0
 */
import { BigDecimal, Option } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import type { Malformed, Parsed } from "../../connector/Market.ts"
import { Quote, type Side, Trade } from "../../exchange/Model.ts"
import * as Validate from "../../exchange/Validate.ts"
import type { PublicAggreBookTickerV3Api, PublicAggreDealsV3Api, PublicAggreDepthsV3Api, PushDataV3ApiWrapper } from "./Proto.ts"

/** Push interval of the aggregated channels. */
export type Interval = "100ms" | "10ms"

/** The public channels the exchange routes. */
export type ChannelKind = "depth" | "deals" | "bookTicker"

/** The `$case` of the wrapper's body that each channel kind carries. */
export const bodyCaseOf = {
  depth: "publicAggreDepths",
  deals: "publicAggreDeals",
  bookTicker: "publicAggreBookTicker"
} as const satisfies Record<ChannelKind, NonNullable<PushDataV3ApiWrapper["body"]>["$case"]>

/** A channel name, exactly as MEXC spells it. */
export const channelName = (kind: ChannelKind, symbol: string, interval: Interval): string =>
  `spot@public.aggre.${kind}.v3.api.pb@${interval}@${symbol}`

const aggregated = /^spot@public\.aggre\.(depth|deals|bookTicker)\.v3\.api\.pb@(100ms|10ms)@(\S+)$/

/** A channel name's parts; `undefined` for a name that is not an aggregated public channel. */
export const parseChannelName = (
  name: string
): { readonly kind: ChannelKind; readonly interval: Interval; readonly symbol: string } | undefined => {
  const m = aggregated.exec(name)
  return m === null ? undefined : { kind: m[1] as ChannelKind, interval: m[2] as Interval, symbol: m[3]! }
}

export type { DepthDelta, Malformed, Parsed, QuoteUpdate, Trades } from "../../connector/Market.ts"

const malformed = (channel: string, detail: string): Malformed => ({ _tag: "Malformed", channel, detail })

const versionText = /^\d+$/

/**
 * The highest version taken: a signed 64-bit integer's largest, what the venue's counters are
 * (its other numbers travel as protobuf `int64`). A version beyond it cannot be right and is
 * malformed (issue 16, item 8: `fromVersion` 2^64 - 1 or above 2^64 used to be taken). Within it,
 * a version that does not fit the stream is the book sync's to judge (`BookSync`, out of order).
 */
export const maxVersion = 2n ** 63n - 1n

/** A version's text to a version; `undefined` for anything but digits, or above {@link maxVersion}. */
export const readVersion = (text: string): bigint | undefined => {
  if (!versionText.test(text)) return undefined
  const version = BigInt(text)
  return version <= maxVersion ? version : undefined
}

const decimal = (text: string): BigDecimal.BigDecimal | undefined => {
  const parsed = Decimal.parse(text)
  return Option.isSome(parsed) && parsed.value.value >= 0n ? parsed.value : undefined
}

/**
 * Parses a push that arrived on a channel of `kind` for `symbol`. A body of another kind, or a
 * wrapper naming another symbol, is {@link Malformed}.
 */
export const parsePush = (kind: ChannelKind, symbol: string, wrapper: PushDataV3ApiWrapper): Parsed => {
  const body = wrapper.body
  if (body === undefined) return malformed(wrapper.channel, "no body")
  if (body.$case !== bodyCaseOf[kind]) {
    return malformed(wrapper.channel, `a ${body.$case} body on a ${kind} channel`)
  }
  if (wrapper.symbol !== undefined && wrapper.symbol !== "" && wrapper.symbol !== symbol) {
    return malformed(wrapper.channel, `symbol ${wrapper.symbol} on a ${symbol} channel`)
  }
  const time = wrapper.sendTime ?? 0
  switch (body.$case) {
    case "publicAggreDepths":
      return parseDepth(wrapper.channel, symbol, body.value, time)
    case "publicAggreDeals":
      return parseDeals(wrapper.channel, symbol, body.value)
    case "publicAggreBookTicker":
      return parseBookTicker(wrapper.channel, symbol, body.value, time)
  }
  // Unreachable: the case was checked against the channel's kind above.
  return malformed(wrapper.channel, "unexpected body")
}

/** Versions are checked here (digits, at most {@link maxVersion}); the levels' numbers are read (and checked) by the order book. */
export const parseDepth = (channel: string, symbol: string, value: PublicAggreDepthsV3Api, time: number): Parsed => {
  const fromVersion = readVersion(value.fromVersion)
  const toVersion = readVersion(value.toVersion)
  if (fromVersion === undefined || toVersion === undefined) {
    return malformed(channel, `depth versions ${JSON.stringify(value.fromVersion)}..${JSON.stringify(value.toVersion)}`)
  }
  if (toVersion < fromVersion) return malformed(channel, `depth versions ${fromVersion}..${toVersion} run backwards`)
  return {
    _tag: "DepthDelta",
    symbol,
    fromVersion,
    toVersion,
    bids: value.bids,
    asks: value.asks,
    time: time !== 0 ? time : value.lastOrderCreateTime
  }
}

export const parseDeals = (channel: string, symbol: string, value: PublicAggreDealsV3Api): Parsed => {
  const trades: Array<Trade> = []
  for (const deal of value.deals) {
    const price = decimal(deal.price)
    const quantity = decimal(deal.quantity)
    if (price === undefined || quantity === undefined) {
      return malformed(channel, `deal price/quantity ${JSON.stringify(deal.price)}/${JSON.stringify(deal.quantity)}`)
    }
    const invalid = Validate.positive(price, "deal price") ?? Validate.positive(quantity, "deal quantity") ??
      Validate.time(deal.time, "deal time")
    if (invalid !== undefined) return malformed(channel, invalid)
    const side: Side | undefined = deal.tradeType === 1 ? "BUY" : deal.tradeType === 2 ? "SELL" : undefined
    if (side === undefined) return malformed(channel, `deal tradeType ${deal.tradeType}`)
    trades.push(
      new Trade({
        symbol,
        price,
        quantity,
        side,
        time: deal.time,
        ...(deal.tradeId !== "" ? { tradeId: deal.tradeId } : {})
      }, { disableChecks: true })
    )
  }
  return { _tag: "Trades", symbol, trades }
}

const zero = Decimal.zero

export const parseBookTicker = (channel: string, symbol: string, value: PublicAggreBookTickerV3Api, time: number): Parsed => {
  const read = (text: string) => text === "" ? zero : decimal(text)
  const bidPrice = read(value.bidPrice)
  const bidQuantity = read(value.bidQuantity)
  const askPrice = read(value.askPrice)
  const askQuantity = read(value.askQuantity)
  if (bidPrice === undefined || bidQuantity === undefined || askPrice === undefined || askQuantity === undefined) {
    return malformed(channel, `book ticker ${value.bidPrice}/${value.bidQuantity} ${value.askPrice}/${value.askQuantity}`)
  }
  const quoteTime = time !== 0 ? time : value.lastOrderCreateTime
  const quote = new Quote({
    symbol,
    bidPrice,
    bidQuantity,
    askPrice,
    askQuantity,
    ...(quoteTime !== 0 ? { time: quoteTime } : {})
  }, { disableChecks: true })
  const invalid = Validate.quote(quote) ?? (quoteTime !== 0 ? Validate.time(quoteTime, "quote time") : undefined)
  if (invalid !== undefined) return malformed(channel, invalid)
  return { _tag: "QuoteUpdate", symbol, quote, version: readVersion(value.version) }
}
