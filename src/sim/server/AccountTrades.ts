/**
 * Each client account's recent fills, for `GET /api/v3/myTrades`: fed by the engine's account
 * listener (the same `PrivateDeal` the private deals channel pushes), bounded per account (the
 * oldest are dropped first), newest last.
 *
 * @since 0.1.0
 */
import type { SimEngine } from "../engine/Engine.ts"
import type { PrivateDeal, Unsubscribe } from "../engine/Types.ts"

/** Fills kept per account. */
const capacity = 10_000

/** What myTrades can filter on. */
export interface TradeQuery {
  readonly symbol: string
  readonly orderId?: string | undefined
  readonly startTime?: number | undefined
  readonly endTime?: number | undefined
  readonly limit: number
}

/** Recent fills of every client account. */
export class AccountTrades {
  private readonly byAccount = new Map<string, Array<PrivateDeal>>()
  private readonly unsubscribes: Array<Unsubscribe> = []

  constructor(engine: SimEngine) {
    for (const { apiKey } of engine.accounts()) {
      const fills: Array<PrivateDeal> = []
      this.byAccount.set(apiKey, fills)
      this.unsubscribes.push(engine.subscribeAccount(apiKey, (event) => {
        if (event._tag !== "Deal") return
        fills.push(event.deal)
        if (fills.length > capacity * 2) fills.splice(0, fills.length - capacity)
      }))
    }
  }

  /** The account's fills matching `query`, oldest first, at most `limit` (the most recent ones). */
  find(apiKey: string, query: TradeQuery): ReadonlyArray<PrivateDeal> {
    const fills = this.byAccount.get(apiKey) ?? []
    const out = fills.filter((fill) =>
      fill.symbol === query.symbol &&
      (query.orderId === undefined || fill.orderId === query.orderId) &&
      (query.startTime === undefined || fill.time >= query.startTime) &&
      (query.endTime === undefined || fill.time <= query.endTime)
    )
    return out.slice(-query.limit)
  }

  /** Removes the engine listeners. */
  close(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe()
    this.unsubscribes.length = 0
  }
}
