/**
 * What the Gate.io side keeps about each client account beyond the engine's state: fees per order
 * (Gate reports them on the order), the account's fills as `my_trades` answers them, an
 * `update_id` per balance, why an order ended when the Gate side caused it (a user cancel, the
 * countdown), and the `countdown_cancel_all` dead-man switches. Fed by the engine's account
 * listener, synchronously, before the engine call that caused the events returns.
 *
 * @since 0.1.0
 */
import * as Decimal from "../../engine/Decimal.ts"
import type { SimEngine } from "../../engine/Engine.ts"
import type { PrivateDeal, Unsubscribe } from "../../engine/Types.ts"
import { gateOrderId, gateTradeId, type OrderExtras, tradeTimeMs } from "./Wire.ts"

/** Fills kept per account. */
const tradeCapacity = 10_000
/** Orders whose extras are kept per account (the engine keeps 10,000 closed orders). */
const extrasCapacity = 20_000

/** A fill as `GET spot/my_trades` answers it. */
export interface GateTrade {
  readonly id: string
  readonly create_time: string
  readonly create_time_ms: string
  readonly currency_pair: string
  readonly side: "buy" | "sell"
  readonly role: "maker" | "taker"
  readonly amount: string
  readonly price: string
  readonly order_id: string
  readonly fee: string
  readonly fee_currency: string
  readonly point_fee: string
  readonly gt_fee: string
  readonly amend_text: string
  readonly sequence_id: string
  readonly text: string
}

/** A fill as it happened, with its engine deal (for the private stream). */
export interface Fill {
  readonly trade: GateTrade
  readonly deal: PrivateDeal
}

interface Extras {
  fee: bigint
  feeCurrency: string
  finishAs: string | undefined
}

/** Per-account Gate bookkeeping. */
export class GateAccounts {
  private readonly trades = new Map<string, Array<GateTrade>>()
  private readonly extras = new Map<string, Extras>()
  private readonly extrasOrder: Array<string> = []
  private readonly updateIds = new Map<string, Map<string, number>>()
  /** apiKey -> currency pair ("" = every pair) -> trigger time (epoch ms). */
  private readonly countdowns = new Map<string, Map<string, number>>()
  private readonly unsubscribes: Array<Unsubscribe> = []

  constructor(engine: SimEngine) {
    for (const { apiKey } of engine.accounts()) {
      const fills: Array<GateTrade> = []
      this.trades.set(apiKey, fills)
      const updates = new Map<string, number>()
      this.updateIds.set(apiKey, updates)
      this.unsubscribes.push(engine.subscribeAccount(apiKey, (event) => {
        if (event._tag === "Balance") {
          const asset = event.balance.vcoinName
          updates.set(asset, (updates.get(asset) ?? 0) + 1)
          return
        }
        if (event._tag !== "Deal") return
        const deal = event.deal
        const extras = this.extrasOf(deal.orderId)
        extras.fee += Decimal.unsafeParse(deal.feeAmount)
        extras.feeCurrency = deal.feeCurrency
        fills.push(tradeJson(deal))
        if (fills.length > tradeCapacity * 2) fills.splice(0, fills.length - tradeCapacity)
      }))
    }
  }

  /** Fee, fee currency and finish reason of an engine order, if any was recorded. */
  extrasFor(engineOrderId: string): OrderExtras | undefined {
    return this.extras.get(engineOrderId)
  }

  /** Records why an order ended (before the engine call that ends it). */
  setFinishAs(engineOrderId: string, finishAs: string): void {
    this.extrasOf(engineOrderId).finishAs = finishAs
  }

  /** The account's fills, oldest first. */
  tradesOf(apiKey: string): ReadonlyArray<GateTrade> {
    return this.trades.get(apiKey) ?? []
  }

  /** How many times the asset's balance changed (Gate's `update_id`). */
  updateId(apiKey: string, asset: string): number {
    return this.updateIds.get(apiKey)?.get(asset) ?? 0
  }

  /**
   * Arms (timeout > 0) or disarms (0) the dead-man switch of an account for one pair or all
   * (`""`); answers the trigger time (0 when disarmed).
   */
  countdown(apiKey: string, pair: string, timeoutSeconds: number, now: number): number {
    let switches = this.countdowns.get(apiKey)
    if (timeoutSeconds === 0) {
      switches?.delete(pair)
      return 0
    }
    if (switches === undefined) this.countdowns.set(apiKey, switches = new Map())
    const trigger = now + timeoutSeconds * 1000
    switches.set(pair, trigger)
    return trigger
  }

  /** Takes the switches that fired by `now`: `[apiKey, pair]` pairs (pair `""` = every pair). */
  takeExpiredCountdowns(now: number): ReadonlyArray<readonly [string, string]> {
    const out: Array<readonly [string, string]> = []
    for (const [apiKey, switches] of this.countdowns) {
      for (const [pair, trigger] of switches) {
        if (trigger <= now) {
          out.push([apiKey, pair])
          switches.delete(pair)
        }
      }
    }
    return out
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe()
    this.unsubscribes.length = 0
  }

  private extrasOf(engineOrderId: string): Extras {
    let extras = this.extras.get(engineOrderId)
    if (extras === undefined) {
      extras = { fee: 0n, feeCurrency: "", finishAs: undefined }
      this.extras.set(engineOrderId, extras)
      this.extrasOrder.push(engineOrderId)
      if (this.extrasOrder.length > extrasCapacity * 2) {
        for (const id of this.extrasOrder.splice(0, this.extrasOrder.length - extrasCapacity)) this.extras.delete(id)
      }
    }
    return extras
  }
}

/** A deal as a Gate `my_trades` item. */
export const tradeJson = (deal: PrivateDeal): GateTrade => {
  const id = gateTradeId(deal.tradeId)
  return {
    id: String(id),
    create_time: String(Math.floor(deal.time / 1000)),
    create_time_ms: tradeTimeMs(deal.time, id),
    currency_pair: deal.symbol,
    side: deal.tradeType === 1 ? "buy" : "sell",
    role: deal.isMaker ? "maker" : "taker",
    amount: deal.quantity,
    price: deal.price,
    order_id: gateOrderId(deal.orderId),
    fee: deal.feeAmount,
    fee_currency: deal.feeCurrency,
    point_fee: "0",
    gt_fee: "0",
    amend_text: "-",
    sequence_id: String(id - 5_000_000_000),
    text: deal.clientOrderId === "" ? "apiv4" : deal.clientOrderId
  }
}
