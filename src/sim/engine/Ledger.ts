/**
 * Accounts of the simulated exchange: API key and secret, balances (`free` / `locked` per asset,
 * exact scaled integers), open orders and a bounded history of closed ones.
 *
 * Internal accounts (the synthetic market's market maker and takers) have no balances: their
 * orders skip balance checks and move no money, so background liquidity is unlimited and never
 * shows up in a user's books.
 *
 * @since 0.1.0
 */
import * as Decimal from "./Decimal.ts"
import type { Order } from "./Order.ts"
import type { BalanceView } from "./Types.ts"

/** One asset's balance. @internal */
export interface Balance {
  free: bigint
  locked: bigint
}

/** An account. @internal */
export class Account {
  readonly apiKey: string
  readonly secret: string
  readonly internal: boolean
  readonly balances = new Map<string, Balance>()
  /** Open orders by id, in placement order. */
  readonly open = new Map<string, Order>()
  /** Closed orders by id, oldest first (bounded by the engine's retention). */
  readonly closed = new Map<string, Order>()
  /** The most recent order carrying each client order id (open or retained). */
  readonly byClientId = new Map<string, Order>()

  constructor(apiKey: string, secret: string, internal: boolean) {
    this.apiKey = apiKey
    this.secret = secret
    this.internal = internal
  }

  balance(asset: string): Balance {
    let balance = this.balances.get(asset)
    if (balance === undefined) {
      balance = { free: 0n, locked: 0n }
      this.balances.set(asset, balance)
    }
    return balance
  }

  /** Free amount of an asset (0 when never held). */
  free(asset: string): bigint {
    return this.balances.get(asset)?.free ?? 0n
  }

  /** Finds an order by id among open and retained closed orders. */
  order(orderId: string): Order | undefined {
    return this.open.get(orderId) ?? this.closed.get(orderId)
  }

  /** Moves a finished order from `open` to `closed`, evicting the oldest beyond `retention`. */
  retire(order: Order, retention: number): void {
    this.open.delete(order.id)
    if (retention <= 0) {
      if (order.clientOrderId !== null && this.byClientId.get(order.clientOrderId) === order) {
        this.byClientId.delete(order.clientOrderId)
      }
      return
    }
    this.closed.set(order.id, order)
    while (this.closed.size > retention) {
      const oldest = this.closed.values().next().value!
      this.closed.delete(oldest.id)
      if (oldest.clientOrderId !== null && this.byClientId.get(oldest.clientOrderId) === oldest) {
        this.byClientId.delete(oldest.clientOrderId)
      }
    }
  }

  /** Non-zero balances, sorted by asset, as `GET /api/v3/account` lists them. */
  views(): Array<BalanceView> {
    const out: Array<BalanceView> = []
    for (const [asset, b] of this.balances) {
      if (b.free === 0n && b.locked === 0n) continue
      out.push({ asset, free: Decimal.format(b.free), locked: Decimal.format(b.locked) })
    }
    return out.sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0))
  }
}

/**
 * A stable 32-hex-digit id for an asset (`PrivateAccountV3Api.coinId`), derived from its name so
 * it is the same in every run, as MEXC's are.
 */
export const coinId = (asset: string): string => {
  let out = ""
  for (let round = 0; round < 4; round++) {
    let h = (0x811c9dc5 ^ round) >>> 0
    for (let i = 0; i < asset.length; i++) {
      h ^= asset.charCodeAt(i)
      h = Math.imul(h, 0x01000193) >>> 0
    }
    out += h.toString(16).padStart(8, "0")
  }
  return out
}
