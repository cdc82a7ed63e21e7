/**
 * Gate.io private pushes to domain values: `spot.orders` to {@link Order}s, `spot.usertrades` to
 * {@link Fill}s, `spot.balances` to {@link BalanceUpdate}s. Pure; each push's `result` is an array
 * and several pairs may share one push (gateio-wire.md, "Channels").
 *
 * Orders read as REST orders do (`Parse.order`): a push has no `status`, its `event` (`put`,
 * `update`, `finish`) and `finish_as` say it, so an IOC remainder (`finish`, `finish_as: "ioc"`) is
 * CANCELED with what filled, never FILLED. Balances: `available` is free, `freeze` locked (or
 * `total - available` where `freeze` is absent).
 *
 * An element that cannot be read is reported with its reason, beside the ones that could: the
 * caller counts and logs it and keeps the rest.
 *
 * @since 0.1.0
 */
import { BigDecimal, Option, Result } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import * as Validate from "../../exchange/Validate.ts"
import { Balance, BalanceUpdate, type Fill, type Order } from "../../exchange/Model.ts"
import * as Parse from "./Parse.ts"
import type { Subscription } from "./Protocol.ts"

/** The private channels, as Gate spells them. */
export const channels = {
  orders: "spot.orders",
  userTrades: "spot.usertrades",
  balances: "spot.balances"
} as const

/** The private subscriptions: every pair's orders and trades (`!all`), and balances. */
export const subscriptions: ReadonlyArray<Subscription> = [
  { channel: channels.orders, payload: ["!all"] },
  { channel: channels.userTrades, payload: ["!all"] },
  { channel: channels.balances, payload: [] }
]

/** What one push held: the values read, and why each other element was skipped. */
export interface Read<A> {
  readonly values: ReadonlyArray<A>
  readonly skipped: ReadonlyArray<string>
}

const each = <A>(channel: string, result: unknown, one: (element: Record<string, unknown>) => Result.Result<A, string>): Read<A> => {
  if (!Array.isArray(result)) return { values: [], skipped: [`${channel}: the result is not an array`] }
  const values: Array<A> = []
  const skipped: Array<string> = []
  for (const element of result) {
    if (typeof element !== "object" || element === null) {
      skipped.push(`${channel}: an element is not an object`)
      continue
    }
    const parsed = one(element as Record<string, unknown>)
    if (Result.isSuccess(parsed)) values.push(parsed.success)
    else skipped.push(`${channel} ${String((element as { id?: unknown }).id ?? "?")}: ${parsed.failure}`)
  }
  return { values, skipped }
}

const text = (value: unknown): string => (typeof value === "string" ? value : typeof value === "number" ? String(value) : "")

/** A `spot.orders` push. */
export const orders = (result: unknown): Read<Order> =>
  each(channels.orders, result, (o) =>
    Parse.order({
      id: text(o.id),
      text: text(o.text),
      create_time_ms: text(o.create_time_ms),
      update_time_ms: text(o.update_time_ms),
      currency_pair: text(o.currency_pair),
      type: text(o.type),
      side: text(o.side),
      amount: text(o.amount),
      price: text(o.price),
      time_in_force: text(o.time_in_force),
      left: text(o.left),
      filled_amount: typeof o.filled_amount === "string" ? o.filled_amount : undefined,
      filled_total: text(o.filled_total),
      avg_deal_price: typeof o.avg_deal_price === "string" ? o.avg_deal_price : undefined,
      event: text(o.event),
      finish_as: typeof o.finish_as === "string" ? o.finish_as : undefined
    }))

/** A `spot.usertrades` push. */
export const userTrades = (result: unknown): Read<Fill> =>
  each(channels.userTrades, result, (t) =>
    Parse.fill({
      id: text(t.id),
      order_id: text(t.order_id),
      currency_pair: text(t.currency_pair),
      create_time_ms: text(t.create_time_ms),
      side: text(t.side),
      role: text(t.role),
      amount: text(t.amount),
      price: text(t.price),
      fee: text(t.fee) || "0",
      fee_currency: text(t.fee_currency),
      text: text(t.text)
    }))

const nonNegative = (value: unknown): Decimal.Decimal | undefined => {
  const parsed = typeof value === "string" ? Decimal.parse(value) : Option.none()
  return Option.isSome(parsed) && Validate.nonNegative(parsed.value, "amount") === undefined ? parsed.value : undefined
}

/** A `spot.balances` push. */
export const balances = (result: unknown): Read<BalanceUpdate> =>
  each(channels.balances, result, (b) => {
    const currency = text(b.currency)
    const free = nonNegative(b.available)
    const total = nonNegative(b.total)
    const locked = b.freeze === undefined
      ? free === undefined || total === undefined ? undefined : BigDecimal.subtract(total, free)
      : nonNegative(b.freeze)
    const time = Number(text(b.timestamp_ms))
    const badAsset = Validate.asset(currency)
    if (badAsset !== undefined) return Result.fail(badAsset)
    if (free === undefined || locked === undefined || BigDecimal.isNegative(locked)) {
      return Result.fail(`${currency}: available/freeze/total are not amounts`)
    }
    const badTime = Validate.time(Math.floor(time), `${currency} timestamp_ms`)
    if (badTime !== undefined) return Result.fail(badTime)
    const reason = text(b.change_type)
    return Result.succeed(
      new BalanceUpdate({
        balance: new Balance({ asset: currency, free, locked: BigDecimal.normalize(locked) }),
        ...(reason === "" ? {} : { reason }),
        time: Math.floor(time)
      })
    )
  })
