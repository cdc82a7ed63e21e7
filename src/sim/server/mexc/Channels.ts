/**
 * The WebSocket channels the simulator serves, parsed from MEXC's channel names:
 *
 * | channel | kind |
 * |---|---|
 * | `spot@public.aggre.depth.v3.api.pb@(100ms|10ms)@<SYMBOL>` | aggregated depth changes |
 * | `spot@public.aggre.deals.v3.api.pb@(100ms|10ms)@<SYMBOL>` | aggregated trades |
 * | `spot@public.aggre.bookTicker.v3.api.pb@(100ms|10ms)@<SYMBOL>` | best bid / ask |
 * | `spot@public.limit.depth.v3.api.pb@<SYMBOL>@(5|10|20)` | top-N book snapshot |
 * | `spot@private.orders.v3.api.pb` | the listen key's order updates |
 * | `spot@private.deals.v3.api.pb` | the listen key's fills |
 * | `spot@private.account.v3.api.pb` | the listen key's balance changes |
 *
 * @since 0.1.0
 */

/** Push interval of an aggregated channel. */
export type Interval = "100ms" | "10ms"

/** A parsed channel. `name` is the channel string exactly as subscribed. */
export type Channel =
  | {
    readonly _tag: "AggreDepth" | "AggreDeals" | "AggreBookTicker"
    readonly name: string
    readonly interval: Interval
    readonly symbol: string
  }
  | { readonly _tag: "LimitDepth"; readonly name: string; readonly symbol: string; readonly levels: 5 | 10 | 20 }
  | { readonly _tag: "PrivateOrders" | "PrivateDeals" | "PrivateAccount"; readonly name: string }

const aggregated = /^spot@public\.aggre\.(depth|deals|bookTicker)\.v3\.api\.pb@(100ms|10ms)@([A-Z0-9]+)$/
const limitDepth = /^spot@public\.limit\.depth\.v3\.api\.pb@([A-Z0-9]+)@(5|10|20)$/

const aggregatedTags = {
  depth: "AggreDepth",
  deals: "AggreDeals",
  bookTicker: "AggreBookTicker"
} as const

/** Parses a channel name; `undefined` when the simulator does not serve it. */
export const parseChannel = (name: string): Channel | undefined => {
  switch (name) {
    case "spot@private.orders.v3.api.pb":
      return { _tag: "PrivateOrders", name }
    case "spot@private.deals.v3.api.pb":
      return { _tag: "PrivateDeals", name }
    case "spot@private.account.v3.api.pb":
      return { _tag: "PrivateAccount", name }
  }
  const agg = aggregated.exec(name)
  if (agg !== null) {
    return {
      _tag: aggregatedTags[agg[1] as keyof typeof aggregatedTags],
      name,
      interval: agg[2] as Interval,
      symbol: agg[3]!
    }
  }
  const limit = limitDepth.exec(name)
  if (limit !== null) {
    return { _tag: "LimitDepth", name, symbol: limit[1]!, levels: Number(limit[2]) as 5 | 10 | 20 }
  }
  return undefined
}

/** Whether a channel needs a listen key. */
export const isPrivate = (channel: Channel): boolean =>
  channel._tag === "PrivateOrders" || channel._tag === "PrivateDeals" || channel._tag === "PrivateAccount"

/** The `eventType` MEXC puts in a push: the channel name without its symbol part. */
export const eventType = (channel: Channel): string => {
  switch (channel._tag) {
    case "AggreDepth":
      return `spot@public.aggre.depth.v3.api.pb@${channel.interval}`
    case "AggreDeals":
      return `spot@public.aggre.deals.v3.api.pb@${channel.interval}`
    case "AggreBookTicker":
      return `spot@public.aggre.bookTicker.v3.api.pb@${channel.interval}`
    case "LimitDepth":
      return "spot@public.limit.depth.v3.api.pb"
    default:
      return channel.name
  }
}
