/**
 * The engine's event bus: listener registries (depth per symbol, trades per symbol, account
 * events per API key) and the outbox that delivers what an operation queued once it completes.
 *
 * Cheap when nobody listens: an event is only built (strings formatted) when its key has a
 * listener. Delivery is synchronous and after the operation, so listeners always see a consistent
 * engine; a listener may call back into the engine (its events are delivered in the same pass).
 * A throwing listener does not keep the others from running; the first error is rethrown to the
 * caller of the operation after every listener ran. An unsubscribe removes exactly its own entry
 * and drops empty registries, so subscribe/unsubscribe cycles leak nothing.
 *
 * @since 0.1.0
 */
import * as Decimal from "./Decimal.ts"
import type { Account, Balance } from "./Ledger.ts"
import { coinId } from "./Ledger.ts"
import * as OrderRecord from "./Order.ts"
import type { Order } from "./Order.ts"
import type { OrderBook } from "./OrderBook.ts"
import type { AccountEvent, LevelChange, OrderSide, PublicTrade, Unsubscribe } from "./Types.ts"

/** A listener of one kind of event. */
export type Listener<A> = (value: A) => void

/** Listener registries and the outbox. @internal */
export class EventBus {
  private readonly depth = new Map<string, Set<Listener<LevelChange>>>()
  private readonly trades = new Map<string, Set<Listener<PublicTrade>>>()
  private readonly accounts = new Map<string, Set<Listener<AccountEvent>>>()
  /** Queued (listeners, event) pairs; `any` because each pair is well-typed where it is pushed. */
  private readonly outbox: Array<{ readonly listeners: Set<Listener<any>>; readonly value: unknown }> = []
  private flushing = false

  /** Runs an operation, then delivers the events it queued (unless already delivering). */
  run<A>(operation: () => A): A {
    try {
      return operation()
    } finally {
      if (!this.flushing) this.flush()
    }
  }

  private flush(): void {
    this.flushing = true
    let failure: { error: unknown } | undefined
    try {
      // Index loop: a listener may call the engine, whose events are appended and delivered here.
      for (let i = 0; i < this.outbox.length; i++) {
        const { listeners, value } = this.outbox[i]!
        for (const listener of listeners) {
          try {
            listener(value)
          } catch (error) {
            failure ??= { error }
          }
        }
      }
    } finally {
      this.outbox.length = 0
      this.flushing = false
    }
    if (failure !== undefined) throw failure.error
  }

  subscribeDepth(symbol: string, book: OrderBook | undefined, listener: Listener<LevelChange>): Unsubscribe {
    const unsubscribe = addListener(this.depth, symbol, listener, () => {
      if (book !== undefined) book.onChange = undefined
    })
    if (book !== undefined && book.onChange === undefined) {
      const listeners = this.depth.get(symbol)!
      book.onChange = (change) => this.outbox.push({ listeners, value: change })
    }
    return unsubscribe
  }

  subscribeTrades(symbol: string, listener: Listener<PublicTrade>): Unsubscribe {
    return addListener(this.trades, symbol, listener, () => {})
  }

  subscribeAccount(apiKey: string, listener: Listener<AccountEvent>): Unsubscribe {
    return addListener(this.accounts, apiKey, listener, () => {})
  }

  listenerCount(): number {
    let n = 0
    for (const map of [this.depth, this.trades, this.accounts] as const) {
      for (const set of map.values()) n += set.size
    }
    return n
  }

  /** Queues a `PrivateAccountV3Api` event for a balance that just changed by (dFree, dLocked). */
  balance(account: Account, asset: string, balance: Balance, dFree: bigint, dLocked: bigint, type: string, now: number): void {
    const listeners = this.accounts.get(account.apiKey)
    if (listeners === undefined) return
    const value: AccountEvent = {
      _tag: "Balance",
      apiKey: account.apiKey,
      balance: {
        vcoinName: asset,
        coinId: coinId(asset),
        balanceAmount: Decimal.format(balance.free),
        balanceAmountChange: Decimal.format(dFree),
        frozenAmount: Decimal.format(balance.locked),
        frozenAmountChange: Decimal.format(dLocked),
        type,
        time: now
      }
    }
    this.outbox.push({ listeners, value })
  }

  /** Queues a `PrivateOrdersV3Api` event with the order's current state. */
  order(order: Order, lastDealQty: bigint | undefined): void {
    const listeners = this.accounts.get(order.apiKey)
    if (listeners === undefined) return
    const value: AccountEvent = { _tag: "Order", apiKey: order.apiKey, order: OrderRecord.privateUpdate(order, lastDealQty) }
    this.outbox.push({ listeners, value })
  }

  /** Queues a `PrivateDealsV3Api` event for one side of a fill. */
  deal(
    order: Order,
    price: bigint,
    qty: bigint,
    notional: bigint,
    isMaker: boolean,
    isSelfTrade: boolean,
    fee: bigint,
    feeAsset: string,
    tradeId: string,
    now: number
  ): void {
    const listeners = this.accounts.get(order.apiKey)
    if (listeners === undefined) return
    const value: AccountEvent = {
      _tag: "Deal",
      apiKey: order.apiKey,
      deal: {
        symbol: order.spec.name,
        price: Decimal.format(price),
        quantity: Decimal.format(qty),
        amount: Decimal.format(notional),
        tradeType: order.side === "BUY" ? 1 : 2,
        isMaker,
        isSelfTrade,
        tradeId,
        clientOrderId: order.clientOrderId ?? "",
        orderId: order.id,
        feeAmount: Decimal.format(fee),
        feeCurrency: feeAsset,
        time: now
      }
    }
    this.outbox.push({ listeners, value })
  }

  /** Queues a public trade. */
  trade(symbol: string, price: bigint, qty: bigint, takerSide: OrderSide, tradeId: string, now: number): void {
    const listeners = this.trades.get(symbol)
    if (listeners === undefined) return
    const value: PublicTrade = {
      symbol,
      price: Decimal.format(price),
      quantity: Decimal.format(qty),
      tradeType: takerSide === "BUY" ? 1 : 2,
      time: now,
      tradeId
    }
    this.outbox.push({ listeners, value })
  }
}

const addListener = <A>(
  map: Map<string, Set<Listener<A>>>,
  key: string,
  listener: Listener<A>,
  onEmpty: () => void
): Unsubscribe => {
  let set = map.get(key)
  if (set === undefined) {
    set = new Set()
    map.set(key, set)
  }
  // Wrap so the same function can be subscribed twice and each unsubscribe removes its own.
  const entry: Listener<A> = (value) => listener(value)
  set.add(entry)
  let active = true
  return () => {
    if (!active) return
    active = false
    const current = map.get(key)
    if (current !== set) return
    current.delete(entry)
    if (current.size === 0) {
      map.delete(key)
      onEmpty()
    }
  }
}
