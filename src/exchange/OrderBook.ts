/**
 * A venue-neutral limit order book: price levels with absolute quantities, kept exact and fast.
 *
 * - {@link OrderBook.applySnapshot} replaces the book; {@link OrderBook.applyLevels} applies a
 *   delta of absolute quantities (quantity 0 removes the level). Version continuity is the
 *   rule of the sync state machine (`connector/BookSync.ts`), each venue's versions mapped onto it:
 *   the book only applies levels and records the version it was told.
 * - Money is exact: prices and quantities are scaled `bigint`s, one scale per side of the
 *   number (price, quantity) per book, chosen from the instrument's tick and lot size when known
 *   and widened (every level rescaled, once) when a venue sends a finer value. Wire decimal strings
 *   are read straight into scaled integers (no `BigDecimal` per level on the hot path); views hand
 *   out exact `BigDecimal`s in `BookLevel`s.
 * - Best bid/ask in O(1); top-N reads N levels, never the whole book.
 * - {@link OrderBook.view} is O(1) and immutable: each side is a list of small sorted chunks,
 *   copied on write. A view keeps the chunks it saw; the next change copies only the chunk it
 *   touches (and the chunk list), so a slow reader of an old view never sees a half-applied or
 *   later book, and taking a view per delta costs a few hundred pointers, not the book.
 *
 * Layout: levels sorted worst to best, so the best level is the last entry of the last chunk and
 * changes, which cluster at the touch, land near the end of the arrays.
 *
 * @since 0.1.0
 */
import { BigDecimal } from "effect"
import * as Decimal from "./Decimal.ts"
import { BookLevel, type BookView } from "./Model.ts"
import * as Validate from "./Validate.ts"

/**
 * One price level as input: decimal strings as they come off the wire (`"65000.10"`), or exact
 * decimals. `quantity` is absolute; 0 removes the level.
 */
export interface LevelInput {
  readonly price: string | BigDecimal.BigDecimal
  readonly quantity: string | BigDecimal.BigDecimal
}

/** A full book to replace the current one. Levels in any order; zero quantities are skipped. */
export interface SnapshotInput {
  readonly version: bigint
  readonly bids: ReadonlyArray<LevelInput>
  readonly asks: ReadonlyArray<LevelInput>
  /** Venue time (ms). */
  readonly time: number
}

/** A value that is not a non-negative decimal number (the level is not applied). */
export class InvalidLevel extends Error {
  readonly text: string
  constructor(text: string) {
    super(`not a non-negative decimal number: ${JSON.stringify(text)}`)
    this.name = "InvalidLevel"
    this.text = text
  }
}

export interface OrderBookOptions {
  /** Decimals of prices (e.g. 2 for a 0.01 tick). Default 8; widened when a finer price arrives. */
  readonly priceScale?: number | undefined
  /** Decimals of quantities. Default 8; widened when a finer quantity arrives. */
  readonly quantityScale?: number | undefined
}

/** Decimals of a step (`0.01` -> 2, `1` -> 0, `10` -> 0). */
export const scaleOf = (step: BigDecimal.BigDecimal): number => Math.max(0, BigDecimal.normalize(step).scale)

// --- storage ---------------------------------------------------------------------------------

/** One level, immutable once stored; its `BookLevel` is built on first read and reused. */
interface Entry {
  readonly price: bigint
  readonly quantity: bigint
  level: BookLevel | undefined
}

/** A run of levels sorted worst to best, owned by the side's generation `gen`. */
interface Chunk {
  readonly gen: number
  readonly entries: Array<Entry>
}

/** Entries per chunk before it splits: small enough that a copy on write is cheap. */
const chunkMax = 64
/** A chunk this small after a removal is merged with its neighbour when they fit in one. */
const chunkMin = 16

/** The chunk lists a view captured, with the scales to read them. */
interface Frozen {
  readonly chunks: ReadonlyArray<Chunk>
  readonly size: number
}

class Side {
  /** Chunks sorted worst to best. */
  chunks: Array<Chunk> = []
  /** The generation that owns `chunks` (the list itself). */
  listGen = 0
  /** Current generation: bumped when a view captures the side, so later writes copy. */
  gen = 1
  size = 0
  /** Bids: a higher price is better. Asks: a lower one. */
  readonly bid: boolean
  constructor(bid: boolean) {
    this.bid = bid
  }

  better(a: bigint, b: bigint): boolean {
    return this.bid ? a > b : a < b
  }

  best(): Entry | undefined {
    const last = this.chunks[this.chunks.length - 1]
    return last === undefined ? undefined : last.entries[last.entries.length - 1]
  }

  freeze(): Frozen {
    const frozen = { chunks: this.chunks, size: this.size }
    this.gen++
    return frozen
  }

  private writableList(): Array<Chunk> {
    if (this.listGen !== this.gen) {
      this.chunks = this.chunks.slice()
      this.listGen = this.gen
    }
    return this.chunks
  }

  private writableChunk(i: number): Chunk {
    const list = this.writableList()
    const chunk = list[i]!
    if (chunk.gen === this.gen) return chunk
    const copy: Chunk = { gen: this.gen, entries: chunk.entries.slice() }
    list[i] = copy
    return copy
  }

  /** Index of the chunk that holds `price` or where it would go (the first not worse-ending). */
  private chunkIndex(price: bigint): number {
    const chunks = this.chunks
    // Fast path: changes cluster at the touch, in the last chunk.
    const n = chunks.length
    if (n === 0) return 0
    const lastChunk = chunks[n - 1]!.entries
    if (!this.better(lastChunk[0]!.price, price)) return n - 1
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const entries = chunks[mid]!.entries
      // The chunk's best entry is worse than `price`: it lies further on.
      if (this.better(price, entries[entries.length - 1]!.price)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Index of the first entry not worse than `price` within `entries`. */
  private entryIndex(entries: ReadonlyArray<Entry>, price: bigint): number {
    let lo = 0
    let hi = entries.length
    // Fast path: at or past the best end.
    if (hi > 0 && !this.better(entries[hi - 1]!.price, price)) {
      if (entries[hi - 1]!.price === price) return hi - 1
      if (this.better(price, entries[hi - 1]!.price)) return hi
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.better(price, entries[mid]!.price)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Sets the level at `price` to `quantity` (0 removes it). */
  set(price: bigint, quantity: bigint): void {
    if (this.chunks.length === 0) {
      if (quantity === 0n) return
      this.writableList().push({ gen: this.gen, entries: [{ price, quantity, level: undefined }] })
      this.size = 1
      return
    }
    const ci = this.chunkIndex(price)
    const peek = this.chunks[ci]!.entries
    const ei = this.entryIndex(peek, price)
    const found = ei < peek.length && peek[ei]!.price === price
    if (quantity === 0n) {
      if (!found) return
      const chunk = this.writableChunk(ci)
      chunk.entries.splice(ei, 1)
      this.size--
      if (chunk.entries.length === 0) this.writableList().splice(ci, 1)
      else if (chunk.entries.length < chunkMin) this.mergeWithNext(ci)
      return
    }
    if (found && peek[ei]!.quantity === quantity) return
    const chunk = this.writableChunk(ci)
    const entry: Entry = { price, quantity, level: undefined }
    if (found) {
      chunk.entries[ei] = entry
      return
    }
    if (ei === chunk.entries.length) chunk.entries.push(entry)
    else chunk.entries.splice(ei, 0, entry)
    this.size++
    if (chunk.entries.length > chunkMax) {
      const half = chunk.entries.length >>> 1
      const upper: Chunk = { gen: this.gen, entries: chunk.entries.slice(half) }
      chunk.entries.length = half
      this.writableList().splice(ci + 1, 0, upper)
    }
  }

  /** Joins a small chunk with its better neighbour when both fit in one (bounds the chunk count). */
  private mergeWithNext(ci: number): void {
    const next = this.chunks[ci + 1]
    if (next === undefined || this.chunks[ci]!.entries.length + next.entries.length > chunkMax) return
    const chunk = this.writableChunk(ci)
    for (const entry of next.entries) chunk.entries.push(entry)
    this.writableList().splice(ci + 1, 1)
  }

  /** Replaces the side with `entries` (sorted worst to best, no duplicates, no zeros). */
  replace(entries: ReadonlyArray<Entry>): void {
    this.gen++
    const list: Array<Chunk> = []
    const step = chunkMax >>> 1
    for (let i = 0; i < entries.length; i += step) list.push({ gen: this.gen, entries: entries.slice(i, i + step) })
    this.chunks = list
    this.listGen = this.gen
    this.size = entries.length
  }

  /** Every entry, worst to best (tests, rescaling). */
  all(): Array<Entry> {
    const out: Array<Entry> = []
    for (const chunk of this.chunks) for (const entry of chunk.entries) out.push(entry)
    return out
  }
}

// --- decimal text to scaled integers (hot path) ------------------------------------------------

const decimalText = /^(\d+)(?:\.(\d*))?$/
const pow10Cache: Array<bigint> = []
const pow10 = (n: number): bigint => pow10Cache[n] ??= 10n ** BigInt(n)

/** Decimals needed to hold `text` exactly (trailing zeros ignored), or -1 when it is not a number. */
const decimalsOf = (text: string): number => {
  const m = decimalText.exec(text)
  if (m === null) return -1
  const frac = m[2]
  if (frac === undefined) return 0
  let end = frac.length
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--
  return end
}

/**
 * `text` as an integer count of `10^-scale`, or `undefined` when it needs more decimals than
 * `scale`. Throws {@link InvalidLevel} on anything that is not a plain non-negative decimal.
 */
const scaledFromText = (text: string, scale: number): bigint | undefined => {
  const m = decimalText.exec(text)
  if (m === null) throw new InvalidLevel(text)
  const frac = m[2] ?? ""
  if (frac.length <= scale) return BigInt(m[1]! + frac.padEnd(scale, "0"))
  let end = frac.length
  while (end > scale && frac.charCodeAt(end - 1) === 48) end--
  if (end > scale) return undefined
  return BigInt(m[1]! + frac.slice(0, scale))
}

const scaledFromDecimal = (value: BigDecimal.BigDecimal, scale: number): bigint | undefined => {
  if (value.value < 0n || Validate.inRange(value, "level") !== undefined) throw new InvalidLevel(String(value.value) + "e" + String(-value.scale))
  if (value.scale <= scale) return value.value * pow10(scale - value.scale)
  const n = BigDecimal.normalize(value)
  if (n.scale > scale) return undefined
  return n.value * pow10(scale - n.scale)
}

const decimalsOfValue = (value: string | BigDecimal.BigDecimal): number => {
  if (typeof value === "string") {
    const d = decimalsOf(value)
    if (d < 0) {
      // Not a plain decimal: an exponent form is still exact, read it once through BigDecimal.
      const parsed = Decimal.parse(value)
      if (parsed._tag === "None" || Validate.nonNegative(parsed.value, "level") !== undefined) throw new InvalidLevel(value)
      return Math.max(0, parsed.value.scale)
    }
    return d
  }
  return Math.max(0, BigDecimal.normalize(value).scale)
}

const toScaled = (value: string | BigDecimal.BigDecimal, scale: number): bigint | undefined => {
  if (typeof value !== "string") return scaledFromDecimal(value, scale)
  if (decimalText.test(value)) return scaledFromText(value, scale)
  const parsed = Decimal.parse(value)
  if (parsed._tag === "None" || Validate.inRange(parsed.value, "level") !== undefined) throw new InvalidLevel(value)
  return scaledFromDecimal(parsed.value, scale)
}

// --- the book ------------------------------------------------------------------------------------

/** A mutable order book of one instrument. Not shared between fibers: one owner applies changes. */
export class OrderBook {
  readonly symbol: string
  /** The venue's version after the last applied change; -1 before the first snapshot. */
  version = -1n
  /** Venue time (ms) of the last applied change. */
  time = 0
  private priceScale: number
  private quantityScale: number
  private readonly bidSide = new Side(true)
  private readonly askSide = new Side(false)

  constructor(symbol: string, options?: OrderBookOptions) {
    this.symbol = symbol
    this.priceScale = options?.priceScale ?? 8
    this.quantityScale = options?.quantityScale ?? 8
  }

  /** Whether a snapshot has been applied since the book was made or cleared. */
  get initialized(): boolean {
    return this.version >= 0n
  }

  /** Levels per side. */
  get depth(): { readonly bids: number; readonly asks: number } {
    return { bids: this.bidSide.size, asks: this.askSide.size }
  }

  /** Empties the book and forgets its version (before a resync: never merge into an old book). */
  clear(): void {
    this.bidSide.replace([])
    this.askSide.replace([])
    this.version = -1n
    this.time = 0
  }

  /**
   * Replaces the whole book. Throws {@link InvalidLevel} (leaving the book unchanged) when a
   * value is not a non-negative decimal.
   */
  applySnapshot(snapshot: SnapshotInput): void {
    this.widenFor(snapshot.bids)
    this.widenFor(snapshot.asks)
    const bids = this.entriesOf(snapshot.bids, true)
    const asks = this.entriesOf(snapshot.asks, false)
    this.bidSide.replace(bids)
    this.askSide.replace(asks)
    this.version = snapshot.version
    this.time = snapshot.time
  }

  /**
   * Applies absolute quantities (0 removes a level) and records `version` and `time`. All values
   * are read before any is applied: on {@link InvalidLevel} the book is unchanged.
   */
  applyLevels(
    bids: ReadonlyArray<LevelInput>,
    asks: ReadonlyArray<LevelInput>,
    version: bigint,
    time: number
  ): void {
    const nb = bids.length
    const na = asks.length
    const prices = new Array<bigint>(nb + na)
    const quantities = new Array<bigint>(nb + na)
    for (let pass = 0; pass < 2; pass++) {
      let retry = false
      for (let i = 0; i < nb + na && !retry; i++) {
        const level = i < nb ? bids[i]! : asks[i - nb]!
        const p = toScaled(level.price, this.priceScale)
        const q = toScaled(level.quantity, this.quantityScale)
        if (p === undefined || q === undefined) {
          if (pass === 1) throw new Error("unreachable: scale widened but a value still does not fit")
          this.widenFor(bids)
          this.widenFor(asks)
          retry = true
        } else {
          prices[i] = p
          quantities[i] = q
        }
      }
      if (!retry) break
    }
    for (let i = 0; i < nb; i++) this.bidSide.set(prices[i]!, quantities[i]!)
    for (let i = 0; i < na; i++) this.askSide.set(prices[nb + i]!, quantities[nb + i]!)
    this.version = version
    this.time = time
  }

  /** Best bid, O(1). */
  get bestBid(): BookLevel | undefined {
    const entry = this.bidSide.best()
    return entry === undefined ? undefined : this.levelOf(entry)
  }

  /** Best ask, O(1). */
  get bestAsk(): BookLevel | undefined {
    const entry = this.askSide.best()
    return entry === undefined ? undefined : this.levelOf(entry)
  }

  /** True when the best bid is at or above the best ask (a book that cannot be right). */
  get crossed(): boolean {
    const b = this.bidSide.best()
    const a = this.askSide.best()
    return b !== undefined && a !== undefined && b.price >= a.price
  }

  /** An immutable view of the book as it is now. O(1); later changes copy what they touch. */
  view(): BookView {
    return new View(
      this.symbol,
      this.version,
      this.time,
      this.bidSide.freeze(),
      this.askSide.freeze(),
      this.priceScale,
      this.quantityScale
    )
  }

  private levelOf(entry: Entry): BookLevel {
    return entry.level ??= makeLevel(entry, this.priceScale, this.quantityScale)
  }

  private entriesOf(levels: ReadonlyArray<LevelInput>, bid: boolean): Array<Entry> {
    const byPrice = new Map<bigint, bigint>()
    for (const level of levels) {
      byPrice.set(toScaled(level.price, this.priceScale)!, toScaled(level.quantity, this.quantityScale)!)
    }
    const entries: Array<Entry> = []
    for (const [price, quantity] of byPrice) if (quantity !== 0n) entries.push({ price, quantity, level: undefined })
    // Worst to best.
    entries.sort(bid
      ? (x, y) => (x.price < y.price ? -1 : x.price > y.price ? 1 : 0)
      : (x, y) => (x.price > y.price ? -1 : x.price < y.price ? 1 : 0))
    return entries
  }

  /** Widens the scales so every value of `levels` fits exactly (validates them on the way). */
  private widenFor(levels: ReadonlyArray<LevelInput>): void {
    let price = this.priceScale
    let quantity = this.quantityScale
    for (const level of levels) {
      const p = decimalsOfValue(level.price)
      const q = decimalsOfValue(level.quantity)
      if (p > price) price = p
      if (q > quantity) quantity = q
    }
    if (price === this.priceScale && quantity === this.quantityScale) return
    const dp = pow10(price - this.priceScale)
    const dq = pow10(quantity - this.quantityScale)
    for (const side of [this.bidSide, this.askSide]) {
      side.replace(side.all().map((e) => ({ price: e.price * dp, quantity: e.quantity * dq, level: undefined })))
    }
    this.priceScale = price
    this.quantityScale = quantity
  }
}

/**
 * A `BookLevel` of an entry the book already checked, made without the Schema class's constructor
 * (which costs microseconds per level, and a view is built per update): the same object as
 * `new BookLevel(...)` makes (its own `price` and `quantity`, the class's prototype: equal, same
 * hash, `instanceof`, `Schema.is`), as the book's tests check.
 */
const makeLevel = (entry: Entry, priceScale: number, quantityScale: number): BookLevel => {
  const level = Object.create(BookLevel.prototype) as { price: BigDecimal.BigDecimal; quantity: BigDecimal.BigDecimal }
  level.price = BigDecimal.make(entry.price, priceScale)
  level.quantity = BigDecimal.make(entry.quantity, quantityScale)
  return level as BookLevel
}

/** Top `n` of a frozen side, best first. */
const topOf = (side: Frozen, n: number, priceScale: number, quantityScale: number): Array<BookLevel> => {
  const out: Array<BookLevel> = []
  const limit = Math.min(Math.max(0, Math.floor(n)), side.size)
  for (let c = side.chunks.length - 1; c >= 0 && out.length < limit; c--) {
    const entries = side.chunks[c]!.entries
    for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
      const entry = entries[i]!
      out.push(entry.level ??= makeLevel(entry, priceScale, quantityScale))
    }
  }
  return out
}

class View implements BookView {
  readonly symbol: string
  readonly version: bigint
  readonly time: number
  readonly bestBid: BookLevel | undefined
  readonly bestAsk: BookLevel | undefined
  readonly #bids: Frozen
  readonly #asks: Frozen
  readonly #priceScale: number
  readonly #quantityScale: number
  constructor(
    symbol: string,
    version: bigint,
    time: number,
    bids: Frozen,
    asks: Frozen,
    priceScale: number,
    quantityScale: number
  ) {
    this.symbol = symbol
    this.version = version
    this.time = time
    this.#bids = bids
    this.#asks = asks
    this.#priceScale = priceScale
    this.#quantityScale = quantityScale
    this.bestBid = topOf(bids, 1, priceScale, quantityScale)[0]
    this.bestAsk = topOf(asks, 1, priceScale, quantityScale)[0]
  }
  bids(n: number): ReadonlyArray<BookLevel> {
    return topOf(this.#bids, n, this.#priceScale, this.#quantityScale)
  }
  asks(n: number): ReadonlyArray<BookLevel> {
    return topOf(this.#asks, n, this.#priceScale, this.#quantityScale)
  }
  /** Levels per side in this view. */
  get depth(): { readonly bids: number; readonly asks: number } {
    return { bids: this.#bids.size, asks: this.#asks.size }
  }
}

// --- comparison (tests, checks) ----------------------------------------------------------------

/** Levels per side of a view (every level when the view is one of ours, else up to `max`). */
export const depthOf = (view: BookView, max = 1_000_000): { readonly bids: number; readonly asks: number } =>
  view instanceof View ? view.depth : { bids: view.bids(max).length, asks: view.asks(max).length }

/** A canonical text of the top `n` levels per side: `b price qty; ...| a price qty; ...`. */
export const describe = (view: BookView, n = 1_000_000): string => {
  const side = (levels: ReadonlyArray<BookLevel>) =>
    levels.map((l) => `${BigDecimal.format(BigDecimal.normalize(l.price))} ${BigDecimal.format(BigDecimal.normalize(l.quantity))}`).join("; ")
  return `bids ${side(view.bids(n))} | asks ${side(view.asks(n))}`
}

/**
 * Whether two views hold the same levels (prices and quantities equal as numbers, whatever
 * their scale), over the top `n` per side (default: all). Versions are not compared.
 */
export const equals = (a: BookView, b: BookView, n = 1_000_000): boolean => {
  const sides = [[a.bids(n), b.bids(n)], [a.asks(n), b.asks(n)]] as const
  for (const [x, y] of sides) {
    if (x.length !== y.length) return false
    for (let i = 0; i < x.length; i++) {
      if (!BigDecimal.equals(x[i]!.price, y[i]!.price) || !BigDecimal.equals(x[i]!.quantity, y[i]!.quantity)) return false
    }
  }
  return true
}

/** A 32-bit FNV-1a checksum (hex) of {@link describe}: the same book gives the same checksum. */
export const checksum = (view: BookView, n = 1_000_000): string => {
  const text = describe(view, n)
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, "0")
}
