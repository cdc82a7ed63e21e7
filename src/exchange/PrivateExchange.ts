/**
 * One account on one venue as a service: balances, orders, and the account's live streams, as
 * domain values. The implementation is venue-neutral, `connector/PrivateConnector.ts`, driven by
 * the port each venue implements (`connector/PrivatePort.ts`; `venues/mexc/MexcPrivate.ts`,
 * `venues/gate/GatePrivate.ts`).
 *
 * Guarantees (see DESIGN.md, reliability contract):
 * - every order carries a client order id, generated when the caller gives none, never reused;
 * - a place or cancel whose answer is lost (timeout, 5xx, connection cut) is resolved by asking the
 *   venue by client order id before anything else happens: never two orders for one request;
 * - when the service's scope closes, every order this process placed that is still open is
 *   canceled and confirmed gone over REST, within the stop budget (option `cancelOnClose`, on by
 *   default);
 * - a place or cancel answered "unknown order" inside the venue's visibility window is resolved by
 *   query the same way (a cancel racing a fill returns the FILLED order);
 * - the streams are lossless: a gap in the private stream is closed by reconciling orders and
 *   balances over REST; each subscriber has its own bounded buffer and the exchange never waits
 *   for it: one that falls too far behind fails with `SubscriberOverflow` instead of stalling
 *   the exchange or the other subscribers; fills are passed on once, never beyond their order;
 * - what cancel on close cannot confirm (venue unreachable, a failed open-orders check) is named
 *   in an ERROR line per order and reported to the `ComponentRegistry` (the CLI then exits 3).
 *
 * Subscribe to `orderUpdates`/`fills` before placing an order whose updates you wait for: the
 * streams carry what happens after they start.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Stream } from "effect"
import type { ExchangeError } from "./ExchangeError.ts"
import type { Balance, BalanceUpdate, Fill, Order, OrderRef, OrderRequest, OrderUpdate } from "./Model.ts"

export interface PrivateExchangeStats {
  readonly ordersPlaced: number
  /**
   * Place or cancel calls whose answer could not be read (timeout, connection cut, 5xx, an
   * unreadable body) and whose outcome was then resolved by query. A cancel answered "unknown
   * order" (the order had just filled: routine on a healthy venue) is not one: the venue answered.
   */
  readonly unknownOutcomesResolved: number
  /**
   * User-stream sessions opened (1 + renewals after a reconnect, expiry or silence), as the venue's
   * port counts them (`PrivatePort.UserStream.sessions`).
   */
  readonly userStreamSessions: number
  /** Reconciliations over REST after a gap in the private stream. */
  readonly reconciliations: number
  readonly reconnects: number
}

export interface PrivateExchangeShape {
  readonly venue: string
  readonly balances: Effect.Effect<ReadonlyArray<Balance>, ExchangeError>
  /** One asset's balance (zero when the account holds none). */
  readonly balance: (asset: string) => Effect.Effect<Balance, ExchangeError>
  /**
   * Validates the request against the instrument (`FilterRejected`, `InvalidSymbol` before
   * sending), places it, and returns the order as the venue acknowledged it.
   */
  readonly placeOrder: (request: OrderRequest) => Effect.Effect<Order, ExchangeError>
  /** Cancels one order and returns its final state; `UnknownOrder` when it does not exist. */
  readonly cancelOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  readonly queryOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /** Open orders on the venue (all of the account's, not only ours), for one symbol or all. */
  readonly openOrders: (symbol?: string) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  /** Cancels every open order of the symbol and confirms over REST that none is left. */
  readonly cancelAll: (symbol: string) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  /** Orders placed by this process that are open as far as we know (REST answers + stream). */
  readonly ownOpenOrders: Effect.Effect<ReadonlyArray<Order>>
  readonly orderUpdates: Stream.Stream<OrderUpdate, ExchangeError>
  readonly fills: Stream.Stream<Fill, ExchangeError>
  readonly balanceUpdates: Stream.Stream<BalanceUpdate, ExchangeError>
  readonly stats: Effect.Effect<PrivateExchangeStats>
}

export class PrivateExchange extends Context.Service<PrivateExchange, PrivateExchangeShape>()(
  "scoped-exchange/exchange/PrivateExchange"
) {}
