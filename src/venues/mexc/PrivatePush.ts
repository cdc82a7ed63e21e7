/**
 * MEXC private pushes (`spot@private.orders|deals|account.v3.api.pb`) to domain values: pure
 * functions from the decoded protobuf bodies to {@link Order}, {@link Fill} and {@link Balance}.
 * Field meanings are MEXC's `PrivateOrdersV3Api` / `PrivateDealsV3Api` / `PrivateAccountV3Api`
 * (see `shared/reference/mexc-wire.md`): `orderType` 1 LIMIT, 2 POST_ONLY, 3 IOC, 4 FOK,
 * 5 MARKET; `status` 1 new, 2 filled, 3 partially filled, 4 canceled, 5 partially canceled;
 * `tradeType` 1 buy, 2 sell; `balanceAmount` is the free amount, `frozenAmount` the locked one.
 *
 * A push that cannot be read (a number that is not a decimal, an unknown code) or whose values
 * fail the neutral checks of `exchange/Validate` (an empty order id, a negative or out-of-range
 * amount, a fill of no quantity, a balance of an asset the caller does not know; issue 16, item 7)
 * yields the reason instead, so the caller counts and logs it like an undecodable frame and
 * carries on.
 *
 * @since 0.1.0
 */
import { BigDecimal, Option } from "effect"
import * as Decimal from "../../exchange/Decimal.ts"
import { Balance, Fill, Order, type OrderStatus, type OrderType, type Side, type TimeInForce } from "../../exchange/Model.ts"
import * as Validate from "../../exchange/Validate.ts"
import type { PrivateAccountV3Api, PrivateDealsV3Api, PrivateOrdersV3Api } from "./Proto.ts"

/** The private channels, exactly as MEXC spells them. */
export const channels = {
  orders: "spot@private.orders.v3.api.pb",
  deals: "spot@private.deals.v3.api.pb",
  account: "spot@private.account.v3.api.pb"
} as const

/** A parse result: the value, or why the push was skipped. */
export type Parsed<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly reason: string }

const ok = <A>(value: A): Parsed<A> => ({ ok: true, value })
const bad = (reason: string): Parsed<never> => ({ ok: false, reason })

class Unreadable extends Error {}

/** A decimal that may be absent (zero), never negative or out of range. */
const num = (field: string, text: string | undefined): Decimal.Decimal => {
  if (text === undefined || text === "") return Decimal.zero
  const parsed = Decimal.parse(text)
  if (Option.isNone(parsed)) throw new Unreadable(`${field} ${JSON.stringify(text)} is not a decimal`)
  check(Validate.nonNegative(parsed.value, field))
  return parsed.value
}

const check = (invalid: string | undefined): void => {
  if (invalid !== undefined) throw new Unreadable(invalid)
}

const typeOf: Record<number, { readonly type: OrderType; readonly timeInForce: TimeInForce }> = {
  1: { type: "LIMIT", timeInForce: "GTC" },
  2: { type: "LIMIT_MAKER", timeInForce: "GTC" },
  3: { type: "LIMIT", timeInForce: "IOC" },
  4: { type: "LIMIT", timeInForce: "FOK" },
  5: { type: "MARKET", timeInForce: "GTC" }
}

const statusOf: Record<number, OrderStatus> = {
  1: "NEW",
  2: "FILLED",
  3: "PARTIALLY_FILLED",
  4: "CANCELED",
  5: "CANCELED" // partially canceled: CANCELED with its filled quantity
}

const sideOf = (tradeType: number): Side | undefined => tradeType === 1 ? "BUY" : tradeType === 2 ? "SELL" : undefined

const guard = <A>(build: () => Parsed<A>): Parsed<A> => {
  try {
    return build()
  } catch (error) {
    if (error instanceof Unreadable) return bad(error.message)
    throw error
  }
}

/**
 * An order push to the order's state after the change. `symbol` is the wrapper's (`market` in
 * the body when the wrapper has none); `time` the wrapper's send time, used as `updateTime`.
 */
export const order = (
  push: PrivateOrdersV3Api,
  symbol: string | undefined,
  time: number | undefined
): Parsed<Order> =>
  guard(() => {
    const kind = typeOf[push.orderType]
    if (kind === undefined) return bad(`unknown orderType ${push.orderType}`)
    const status = statusOf[push.status]
    if (status === undefined) return bad(`unknown status ${push.status}`)
    const side = sideOf(push.tradeType)
    if (side === undefined) return bad(`unknown tradeType ${push.tradeType}`)
    const name = symbol ?? push.market
    if (name === undefined || name === "") return bad("no symbol")
    check(Validate.id(push.id, "order id"))
    if (push.createTime !== 0) check(Validate.time(push.createTime, "order createTime"))
    const price = num("price", push.price)
    const quantity = num("quantity", push.quantity)
    const amount = num("amount", push.amount)
    // A MARKET order by quote amount has no base quantity: its size is the amount.
    const byAmount = kind.type === "MARKET" && BigDecimal.isZero(quantity)
    return ok(
      new Order({
        symbol: name,
        orderId: push.id,
        clientOrderId: push.clientId,
        side,
        type: kind.type,
        timeInForce: kind.timeInForce,
        status,
        price: kind.type === "MARKET" || BigDecimal.isZero(price) ? undefined : price,
        quantity: byAmount ? undefined : quantity,
        quoteQuantity: byAmount ? amount : undefined,
        filledQuantity: num("cumulativeQuantity", push.cumulativeQuantity),
        filledQuoteQuantity: num("cumulativeAmount", push.cumulativeAmount),
        time: push.createTime,
        updateTime: time
      })
    )
  })

/** A deal push to a {@link Fill}. `symbol` is the wrapper's. */
export const fill = (push: PrivateDealsV3Api, symbol: string | undefined): Parsed<Fill> =>
  guard(() => {
    const side = sideOf(push.tradeType)
    if (side === undefined) return bad(`unknown tradeType ${push.tradeType}`)
    if (symbol === undefined || symbol === "") return bad("no symbol")
    check(Validate.id(push.orderId, "fill orderId") ?? Validate.id(push.tradeId, "fill tradeId"))
    const price = num("price", push.price)
    const quantity = num("quantity", push.quantity)
    check(Validate.positive(price, "fill price") ?? Validate.positive(quantity, "fill quantity") ?? Validate.time(push.time, "fill time"))
    const amount = push.amount === "" ? BigDecimal.multiply(price, quantity) : num("amount", push.amount)
    return ok(
      new Fill({
        symbol,
        orderId: push.orderId,
        clientOrderId: push.clientOrderId,
        tradeId: push.tradeId,
        side,
        price,
        quantity,
        quoteQuantity: amount,
        fee: num("feeAmount", push.feeAmount),
        feeAsset: push.feeCurrency,
        isMaker: push.isMaker,
        time: push.time
      })
    )
  })

/**
 * An account push to the asset's balance after the change, with MEXC's reason (`type`). `known`
 * tells the assets the caller knows (from its account and instruments); a push for another one
 * is refused. Without it, only the asset's spelling is checked.
 */
export const balance = (
  push: PrivateAccountV3Api,
  known?: { readonly has: (asset: string) => boolean }
): Parsed<{ readonly balance: Balance; readonly reason: string; readonly time: number }> =>
  guard(() => {
    if (push.vcoinName === "") return bad("no asset")
    check(Validate.asset(push.vcoinName))
    if (known !== undefined) check(Validate.known(push.vcoinName, known, "asset"))
    if (push.time !== 0) check(Validate.time(push.time, "account time"))
    return ok({
      balance: new Balance({
        asset: push.vcoinName,
        free: num("balanceAmount", push.balanceAmount),
        locked: num("frozenAmount", push.frozenAmount)
      }),
      reason: push.type,
      time: push.time
    })
  })
