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

  /**
   * Candles (`GET /api/v3/klines`) of `interval` from the minute buckets of the last 24 hours,
   * oldest first, at most `limit` (the most recent ones); only periods with trades. `undefined`
   * for an unknown symbol or interval.
   */
  klines(symbol: string, interval: string, options: { readonly startTime?: number | undefined; readonly endTime?: number | undefined; readonly limit: number }) {
    const stats = this.stats.get(symbol)
    const period = klinePeriod(interval)
    if (stats === undefined || period === undefined) return undefined
    const candles: Array<[number, bigint, bigint, bigint, bigint, bigint, number, bigint]> = []
    for (const bucket of stats.buckets) {
      const at = bucket.minute * minuteMs
      if (options.startTime !== undefined && at < options.startTime) continue
      if (options.endTime !== undefined && at >= options.endTime) continue
      const [open, close] = period(at)
      const last = candles[candles.length - 1]
      if (last === undefined || last[0] !== open) {
        candles.push([open, bucket.open, bucket.high, bucket.low, bucket.close, bucket.volume, close, bucket.quoteVolume])
        continue
      }
      if (bucket.high > last[2]) last[2] = bucket.high
      if (bucket.low < last[3]) last[3] = bucket.low
      last[4] = bucket.close
      last[5] += bucket.volume
      last[7] += bucket.quoteVolume
    }
    return candles.slice(-options.limit).map(([open, o, h, l, c, v, close, q]) =>
      [open, Decimal.format(o), Decimal.format(h), Decimal.format(l), Decimal.format(c), Decimal.format(v), close, Decimal.format(q)] as const
    )
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

const dayMs = 24 * 60 * minuteMs
/** Monday 1970-01-05 00:00 UTC: weeks start on Mondays. */
const firstMonday = 4 * dayMs

const fixedPeriod = (ms: number, offset = 0) => (at: number): readonly [number, number] => {
  const open = Math.floor((at - offset) / ms) * ms + offset
  return [open, open + ms]
}

/** MEXC's kline intervals: the period (open time, next open time) a time falls in. */
const klinePeriods: Readonly<Record<string, (at: number) => readonly [number, number]>> = {
  "1m": fixedPeriod(minuteMs),
  "5m": fixedPeriod(5 * minuteMs),
  "15m": fixedPeriod(15 * minuteMs),
  "30m": fixedPeriod(30 * minuteMs),
  "60m": fixedPeriod(60 * minuteMs),
  "4h": fixedPeriod(240 * minuteMs),
  "1d": fixedPeriod(dayMs),
  "1W": fixedPeriod(7 * dayMs, firstMonday),
  "1M": (at) => {
    const date = new Date(at)
    return [Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)]
  }
}

const klinePeriod = (interval: string) => Object.hasOwn(klinePeriods, interval) ? klinePeriods[interval] : undefined

/** `(last - open) / open` as a decimal string with 8 decimals ("0" when there is no open). */
export const changeFraction = (open: bigint, last: bigint): string =>
  open === 0n ? "0" : Decimal.format(Decimal.roundDown(Decimal.div(last - open, open), 8))
