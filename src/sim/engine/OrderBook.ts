/**
 * One symbol's order book: two sides of price levels, each level a FIFO of resting orders, a
 * version that increments on every level change, and a change log that answers "which levels
 * changed since version V" for the aggregated depth feed.
 *
 * Layout, for speed without a tree: each side keeps its levels in an array sorted worst to best,
 * so the best level is the last element (matching pops it in O(1)) and new levels, which arrive
 * near the touch, are inserted by binary search close to the end; a `Map` finds a level by price.
 * Orders inside a level form a doubly linked list, so a cancel is O(1) after the level lookup.
 *
 * Versions: every change of one level's total quantity (an order added, reduced by a fill or
 * removed) is one version. The change log is a ring of `(side, price)` per version; it is what
 * makes the depth feed continuous with REST snapshots: `snapshot().lastUpdateId` is the current
 * version, and `changesSince(v)` reports every level touched in `v+1..version` with its current
 * absolute quantity.
 *
 * @since 0.1.0
 */
import * as Decimal from "./Decimal.ts"
import type { Level, Order } from "./Order.ts"
import type { DepthDelta, DepthLevel, DepthSnapshot, LevelChange, OrderSide } from "./Types.ts"

/** One side of a book. @internal */
export class BookSide {
  /** Sorted worst to best: ascending prices for bids, descending for asks. Best is last. */
  readonly levels: Array<Level> = []
  readonly byPrice = new Map<bigint, Level>()
  readonly side: OrderSide
  constructor(side: OrderSide) {
    this.side = side
  }

  /** The best level, if any. */
  best(): Level | undefined {
    return this.levels[this.levels.length - 1]
  }

  /** True when `a` is a better price than `b` on this side. */
  better(a: bigint, b: bigint): boolean {
    return this.side === "BUY" ? a > b : a < b
  }

  /** Index of the first level that is not worse than `price` (binary search). */
  private indexOf(price: bigint): number {
    let lo = 0
    let hi = this.levels.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.better(price, this.levels[mid]!.price)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The level at `price`, created (in sorted position) if absent. */
  levelAt(price: bigint): Level {
    let level = this.byPrice.get(price)
    if (level === undefined) {
      level = { price, priceText: Decimal.format(price), total: 0n, head: undefined, tail: undefined }
      const best = this.best()
      if (best === undefined || this.better(price, best.price)) this.levels.push(level)
      else this.levels.splice(this.indexOf(price), 0, level)
      this.byPrice.set(price, level)
    }
    return level
  }

  /** Drops an empty level. */
  removeLevel(level: Level): void {
    this.byPrice.delete(level.price)
    const last = this.levels.length - 1
    if (this.levels[last] === level) this.levels.pop()
    else {
      const i = this.indexOf(level.price)
      if (this.levels[i] === level) this.levels.splice(i, 1)
    }
  }
}

const SIDE_BUY = 0
const SIDE_SELL = 1

/** One symbol's book with versions and a change log. @internal */
export class OrderBook {
  readonly symbol: string
  readonly bids = new BookSide("BUY")
  readonly asks = new BookSide("SELL")
  version = 0
  private readonly capacity: number
  private readonly mask: number
  private readonly logSide: Uint8Array
  private readonly logPrice: Array<bigint>
  /** Called on each level change (the engine queues listener calls). */
  onChange: ((change: LevelChange) => void) | undefined = undefined

  /** `logCapacity` is rounded up to a power of two. */
  constructor(symbol: string, logCapacity: number) {
    this.symbol = symbol
    let capacity = 1024
    while (capacity < logCapacity) capacity *= 2
    this.capacity = capacity
    this.mask = capacity - 1
    this.logSide = new Uint8Array(capacity)
    this.logPrice = new Array<bigint>(capacity).fill(0n)
  }

  sideOf(side: OrderSide): BookSide {
    return side === "BUY" ? this.bids : this.asks
  }

  /** Appends an order (with `remaining > 0`) at the tail of its price level. */
  add(order: Order): void {
    const level = this.sideOf(order.side).levelAt(order.price)
    order.level = level
    order.prev = level.tail
    order.next = undefined
    if (level.tail === undefined) level.head = order
    else level.tail.next = order
    level.tail = order
    level.total += order.remaining
    this.record(order.side, level)
  }

  /** Reduces a resting order by `qty` (a fill); unlinks it when nothing remains. */
  reduce(order: Order, qty: bigint): void {
    const level = order.level!
    order.remaining -= qty
    level.total -= qty
    if (order.remaining === 0n) this.unlink(order, level)
    this.record(order.side, level)
  }

  /** Removes a resting order (a cancel). */
  remove(order: Order): void {
    const level = order.level
    if (level === undefined) return
    level.total -= order.remaining
    this.unlink(order, level)
    this.record(order.side, level)
  }

  private unlink(order: Order, level: Level): void {
    if (order.prev === undefined) level.head = order.next
    else order.prev.next = order.next
    if (order.next === undefined) level.tail = order.prev
    else order.next.prev = order.prev
    order.prev = undefined
    order.next = undefined
    order.level = undefined
    if (level.head === undefined) this.sideOf(order.side).removeLevel(level)
  }

  private record(side: OrderSide, level: Level): void {
    const version = ++this.version
    const slot = version & this.mask
    this.logSide[slot] = side === "BUY" ? SIDE_BUY : SIDE_SELL
    this.logPrice[slot] = level.price
    if (this.onChange !== undefined) {
      this.onChange({
        symbol: this.symbol,
        side,
        price: level.priceText,
        quantity: Decimal.format(level.total),
        version
      })
    }
  }

  /** Current total at a price on one side (0 when there is no level). */
  quantityAt(side: OrderSide, price: bigint): bigint {
    return this.sideOf(side).byPrice.get(price)?.total ?? 0n
  }

  /** Up to `limit` levels per side, best first, with the current version. */
  snapshot(limit: number): DepthSnapshot {
    return { lastUpdateId: this.version, bids: top(this.bids, limit), asks: top(this.asks, limit) }
  }

  /** Every level changed after `since`, with current absolute quantities (see `DepthDelta`). */
  changesSince(since: number): DepthDelta {
    const version = this.version
    if (since >= version) return { _tag: "Unchanged", version }
    if (since < 0 || version - since > this.capacity) return { _tag: "TooOld", version }
    const bidPrices = new Set<bigint>()
    const askPrices = new Set<bigint>()
    for (let v = since + 1; v <= version; v++) {
      const slot = v & this.mask
      if (this.logSide[slot] === SIDE_BUY) bidPrices.add(this.logPrice[slot]!)
      else askPrices.add(this.logPrice[slot]!)
    }
    return {
      _tag: "Changes",
      fromVersion: since + 1,
      toVersion: version,
      bids: changed(this.bids, bidPrices, (a, b) => (a > b ? -1 : a < b ? 1 : 0)),
      asks: changed(this.asks, askPrices, (a, b) => (a < b ? -1 : a > b ? 1 : 0))
    }
  }
}

const top = (side: BookSide, limit: number): Array<DepthLevel> => {
  const out: Array<DepthLevel> = []
  const levels = side.levels
  for (let i = levels.length - 1; i >= 0 && out.length < limit; i--) {
    const level = levels[i]!
    out.push([level.priceText, Decimal.format(level.total)])
  }
  return out
}

const changed = (
  side: BookSide,
  prices: Set<bigint>,
  order: (a: bigint, b: bigint) => number
): Array<DepthLevel> => {
  const sorted = Array.from(prices).sort(order)
  return sorted.map((price): DepthLevel => {
    const level = side.byPrice.get(price)
    return level === undefined ? [Decimal.format(price), "0"] : [level.priceText, Decimal.format(level.total)]
  })
}
