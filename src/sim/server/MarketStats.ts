/**
 * Trade statistics the engine does not keep: the last price, the recent trades and a rolling
 * 24-hour window, for `GET /api/v3/ticker/price`, `GET /api/v3/ticker/24hr` and
 * `GET /api/v3/trades`. Fed by the engine's public trade listener; exact decimals (the engine's
 * scaled bigints), never floats.
 *
 * The 24-hour window is kept as one bucket per minute (at most 1,440 per symbol), so memory stays
 * bounded however fast the market trades; its edges are therefore minute-aligned.
 *
 * @since 0.1.0
 */
import * as Decimal from "../engine/Decimal.ts"
import type { SimEngine } from "../engine/Engine.ts"
import type { PublicTrade, Unsubscribe } from "../engine/Types.ts"

const minuteMs = 60_000
const windowMinutes = 24 * 60
/** Recent trades kept per symbol (MEXC's `trades` limit is at most 1000). */
const recentCapacity = 1000

interface Bucket {
  readonly minute: number
  readonly open: bigint
  high: bigint
  low: bigint
  close: bigint
  volume: bigint
  quoteVolume: bigint
  count: number
}

interface SymbolStats {
  last: PublicTrade | undefined
  readonly recent: Array<PublicTrade>
  readonly buckets: Array<Bucket>
}

/** Per-symbol trade statistics. */
export class MarketStats {
  private readonly stats = new Map<string, SymbolStats>()
  private readonly unsubscribes: Array<Unsubscribe> = []

  constructor(engine: SimEngine) {
    for (const config of engine.symbols()) {
      const stats: SymbolStats = { last: undefined, recent: [], buckets: [] }
      this.stats.set(config.symbol, stats)
      this.unsubscribes.push(engine.subscribeTrades(config.symbol, (trade) => record(stats, trade)))
    }
  }

  /** The last trade price, or `undefined` before the first trade. */
  lastPrice(symbol: string): string | undefined {
    return this.stats.get(symbol)?.last?.price
  }

  /** Up to `limit` most recent trades, newest first. */
  recentTrades(symbol: string, limit: number): ReadonlyArray<PublicTrade> | undefined {
    const stats = this.stats.get(symbol)
    if (stats === undefined) return undefined
    return stats.recent.slice(-limit).reverse()
  }

  /** Open/high/low/last, volumes and count over the 24 hours before `now`. */
  window24h(symbol: string, now: number) {
    const stats = this.stats.get(symbol)
    if (stats === undefined) return undefined
    const first = Math.floor(now / minuteMs) - windowMinutes + 1
    let open: bigint | undefined
    let high = 0n
    let low = 0n
    let close = 0n
    let volume = 0n
    let quoteVolume = 0n
    let count = 0
    let openTime = now
    for (const bucket of stats.buckets) {
      if (bucket.minute < first) continue
      if (open === undefined) {
        open = bucket.open
        high = bucket.high
        low = bucket.low
        openTime = bucket.minute * minuteMs
      }
      if (bucket.high > high) high = bucket.high
      if (bucket.low < low) low = bucket.low
      close = bucket.close
      volume += bucket.volume
      quoteVolume += bucket.quoteVolume
      count += bucket.count
    }
    return { open: open ?? 0n, high, low, close, volume, quoteVolume, count, openTime }
  }

  /** Removes the engine listeners. */
  close(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe()
    this.unsubscribes.length = 0
  }
}

const record = (stats: SymbolStats, trade: PublicTrade): void => {
  stats.last = trade
  stats.recent.push(trade)
  if (stats.recent.length > recentCapacity * 2) stats.recent.splice(0, stats.recent.length - recentCapacity)
  const price = Decimal.unsafeParse(trade.price)
  const quantity = Decimal.unsafeParse(trade.quantity)
  const minute = Math.floor(trade.time / minuteMs)
  let bucket = stats.buckets[stats.buckets.length - 1]
  if (bucket === undefined || bucket.minute !== minute) {
    bucket = { minute, open: price, high: price, low: price, close: price, volume: 0n, quoteVolume: 0n, count: 0 }
    stats.buckets.push(bucket)
    while (stats.buckets.length > 0 && stats.buckets[0]!.minute <= minute - windowMinutes) stats.buckets.shift()
  }
  if (price > bucket.high) bucket.high = price
  if (price < bucket.low) bucket.low = price
  bucket.close = price
  bucket.volume += quantity
  bucket.quoteVolume += Decimal.mul(price, quantity)
  bucket.count++
}

/** `(last - open) / open` as a decimal string with 8 decimals ("0" when there is no open). */
export const changeFraction = (open: bigint, last: bigint): string =>
  open === 0n ? "0" : Decimal.format(Decimal.roundDown(Decimal.div(last - open, open), 8))
