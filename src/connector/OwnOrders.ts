/**
 * The private connector's own view of the orders this process placed, kept current from REST
 * answers and the private stream, and the client order ids it hands out.
 *
 * Two sources report the same changes in any order (a fill's push may beat the REST answer of
 * the place that caused it), so a report only replaces what is known when it is newer: a final
 * state is never undone by an older open one, and among open states the one with more filled
 * wins. `apply` answers whether the view changed, which is what makes one update per change (not
 * one per source) reach the subscribers.
 *
 * Fills are admitted once (`admitFill`): by the venue's identity of the event, and never beyond
 * their order's quantity, so neither a copy of a fill nor a corrupted one (same trade, another id)
 * can count twice and double a position.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { BigDecimal } from "effect"
import { type Fill, isOpenStatus, Order } from "../exchange/Model.ts"

/** One order this process placed (or tried to). */
export interface Entry {
  readonly clientOrderId: string
  readonly symbol: string
  /** The order as last reported; `undefined` while the place request's outcome is not known. */
  order: Order | undefined
  /** The place request was sent and neither an answer nor a query has said what happened. */
  unresolved: boolean
  /** A stream push for the order is expected by this time (ms, monotonic); see `expectStream`. */
  streamDueBy: number | undefined
  /** The base quantity the place request asked for (undefined for a quote-quantity MARKET order). */
  readonly quantity: BigDecimal.BigDecimal | undefined
  /** Sum of the fills admitted for the order (base). */
  filled: BigDecimal.BigDecimal
}

/**
 * What {@link OwnOrders.admitFill} decided: `"new"` (pass it on), `"duplicate"` (its identity was
 * seen), `"exceedsOrder"` (it would take the order's fills beyond its quantity: a corrupted copy).
 */
export type FillVerdict = "new" | "duplicate" | "exceedsOrder"

/** Fill identities remembered to drop copies (stream, reconciliation, a venue's resend). */
const seenFillsLimit = 10_000
const zero = BigDecimal.fromBigInt(0n)

/** Whether `next` tells something newer than `previous` about the same order. */
export const isNewer = (previous: Order, next: Order): boolean => {
  const wasOpen = isOpenStatus(previous.status)
  const isOpen = isOpenStatus(next.status)
  if (!wasOpen) {
    // Final is final; a later final report may only add fills (a partial cancel reported early).
    return !isOpen && BigDecimal.isGreaterThan(next.filledQuantity, previous.filledQuantity)
  }
  if (!isOpen) return true
  return BigDecimal.isGreaterThan(next.filledQuantity, previous.filledQuantity)
}

/** The view. Not thread-safe by design: touched only from effects of one service, synchronously. */
export class OwnOrders {
  private readonly byClientId = new Map<string, Entry>()
  private readonly clientIdByOrderId = new Map<string, string>()
  private readonly used = new Set<string>()
  private readonly seenFills = new Set<string>()
  private readonly prefix: string
  private sequence = 0

  private readonly maxLength: number

  /**
   * `prefix` starts every generated client order id, `maxLength` bounds it (the venue's format,
   * from its port).
   */
  constructor(prefix = "se", maxLength = 32) {
    // A per-process random part keeps ids unique across processes and restarts sharing a key.
    this.prefix = `${prefix}${randomBytes(5).toString("hex")}`
    this.maxLength = maxLength
  }

  /** A client order id never handed out before by this view ([a-z0-9] after the prefix). */
  nextClientOrderId(): string {
    let id: string
    do {
      const tail = `${Date.now().toString(36)}${(++this.sequence).toString(36)}`
      // Past the venue's length, the random part gives way (time and sequence keep ids unique here).
      id = `${this.prefix.slice(0, Math.max(0, this.maxLength - tail.length))}${tail}`
    } while (this.used.has(id))
    return id
  }

  /** Whether `clientOrderId` was already used by this process. */
  wasUsed(clientOrderId: string): boolean {
    return this.used.has(clientOrderId)
  }

  /** Records a place request about to be sent: unresolved until an answer or a query says. */
  track(symbol: string, clientOrderId: string, quantity?: BigDecimal.BigDecimal): Entry {
    this.used.add(clientOrderId)
    const entry: Entry = { clientOrderId, symbol, order: undefined, unresolved: true, streamDueBy: undefined, quantity, filled: zero }
    this.byClientId.set(clientOrderId, entry)
    return entry
  }

  /** The place request was refused or is known not to have placed anything. */
  forget(clientOrderId: string): void {
    const entry = this.byClientId.get(clientOrderId)
    if (entry === undefined) return
    this.byClientId.delete(clientOrderId)
    if (entry.order !== undefined) this.clientIdByOrderId.delete(entry.order.orderId)
  }

  get(clientOrderId: string): Entry | undefined {
    return this.byClientId.get(clientOrderId)
  }

  /** The entry of an order by the venue's id, if it is ours. */
  byOrderId(orderId: string): Entry | undefined {
    const clientOrderId = this.clientIdByOrderId.get(orderId)
    return clientOrderId === undefined ? undefined : this.byClientId.get(clientOrderId)
  }

  /** The entry an order report is about (by client order id, else by order id), if it is ours. */
  entryOf(order: Order): Entry | undefined {
    return (order.clientOrderId !== "" ? this.byClientId.get(order.clientOrderId) : undefined) ??
      this.byOrderId(order.orderId)
  }

  /**
   * Takes a report about one of our orders. Returns the entry's order when the report changed the
   * view (so it is worth an update), `undefined` when it told nothing new or the order is not ours.
   * Reports of our final orders also clear any stream expectation.
   */
  apply(order: Order): Order | undefined {
    const entry = this.entryOf(order)
    if (entry === undefined) return undefined
    entry.unresolved = false
    const previous = entry.order
    if (previous !== undefined && !isNewer(previous, order)) return undefined
    // The venue's reports may leave out what the request said (a cancel answer may carry no time).
    const merged = previous === undefined ? order : mergeOrder(previous, order)
    entry.order = merged
    this.clientIdByOrderId.set(merged.orderId, entry.clientOrderId)
    return merged
  }

  /**
   * Decides whether a fill is passed on: once per `identity` (the venue's identity of the trade),
   * and, for our orders, only while the fills admitted stay within the order's quantity.
   */
  admitFill(fill: Fill, identity: string): FillVerdict {
    if (this.seenFills.has(identity)) return "duplicate"
    const entry = (fill.clientOrderId !== "" ? this.byClientId.get(fill.clientOrderId) : undefined) ??
      this.byOrderId(fill.orderId)
    if (entry !== undefined) {
      const limit = entry.order?.quantity ?? entry.quantity
      const total = BigDecimal.sum(entry.filled, fill.quantity)
      if (limit !== undefined && BigDecimal.isGreaterThan(total, limit)) return "exceedsOrder"
      entry.filled = total
    }
    this.seenFills.add(identity)
    if (this.seenFills.size > seenFillsLimit) this.seenFills.delete(this.seenFills.values().next().value!)
    return "new"
  }

  /** Our orders that are open as far as we know. */
  open(symbol?: string): Array<Order> {
    const result: Array<Order> = []
    for (const entry of this.byClientId.values()) {
      const order = entry.order
      if (order !== undefined && order.isOpen && (symbol === undefined || order.symbol === symbol)) result.push(order)
    }
    return result
  }

  /** Our orders that may still be live on the venue: open as far as we know, or unresolved. */
  live(): Array<Entry> {
    const result: Array<Entry> = []
    for (const entry of this.byClientId.values()) {
      if (entry.unresolved || (entry.order !== undefined && entry.order.isOpen)) result.push(entry)
    }
    return result
  }

  /** Drops final orders beyond the newest `keep` (the view must not grow forever). */
  prune(keep = 10_000): void {
    if (this.byClientId.size <= keep) return
    for (const [clientOrderId, entry] of this.byClientId) {
      if (this.byClientId.size <= keep) return
      if (!entry.unresolved && entry.order !== undefined && !entry.order.isOpen) {
        this.byClientId.delete(clientOrderId)
        this.clientIdByOrderId.delete(entry.order.orderId)
      }
    }
  }

  /** Marks that a stream push about the entry's order is expected by `dueBy` (monotonic ms). */
  expectStream(entry: Entry, dueBy: number): void {
    if (entry.streamDueBy === undefined) entry.streamDueBy = dueBy
  }

  /** The stream delivered a push about the entry's order. */
  streamSeen(entry: Entry): void {
    entry.streamDueBy = undefined
  }

  /** Entries whose expected stream push is overdue at `now` (monotonic ms); their expectation is cleared. */
  overdue(now: number): Array<Entry> {
    const late: Array<Entry> = []
    for (const entry of this.byClientId.values()) {
      if (entry.streamDueBy !== undefined && entry.streamDueBy <= now) {
        entry.streamDueBy = undefined
        late.push(entry)
      }
    }
    return late
  }
}

/** `next`, with what it leaves out (price, quantity, times) taken from `previous`. */
const mergeOrder = (previous: Order, next: Order): Order => {
  if (
    (next.price !== undefined || previous.price === undefined) &&
    (next.quantity !== undefined || previous.quantity === undefined) &&
    (next.quoteQuantity !== undefined || previous.quoteQuantity === undefined) &&
    next.clientOrderId !== "" && next.time !== 0
  ) return next
  return new Order({
    symbol: next.symbol,
    orderId: next.orderId,
    side: next.side,
    type: next.type,
    timeInForce: next.timeInForce,
    status: next.status,
    filledQuantity: next.filledQuantity,
    filledQuoteQuantity: next.filledQuoteQuantity,
    clientOrderId: next.clientOrderId !== "" ? next.clientOrderId : previous.clientOrderId,
    price: next.price ?? previous.price,
    quantity: next.quantity ?? previous.quantity,
    quoteQuantity: next.quoteQuantity ?? previous.quoteQuantity,
    time: next.time !== 0 ? next.time : previous.time,
    updateTime: next.updateTime ?? previous.updateTime
  })
}
