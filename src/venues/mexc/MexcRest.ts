/**
 * MEXC Spot v3 REST, one typed call per endpoint, answering domain values. Built on the generic
 * REST client (`src/rest/`): base URL, signing (secret `Redacted` up to the HMAC), server-time
 * offset, rate limiting under the MEXC quota preset, MEXC error codes mapped to `ExchangeError`
 * reasons, and retries for safe (GET) requests only.
 *
 * This file is the contract the public and private MEXC services code against.
 * STATUS: shape only; `make` / `layer` are being written (issue [D]).
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type { Decimal } from "../../exchange/Decimal.ts"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import type { Balance, BookLevel, Fill, Instrument, Order, OrderRef, OrderType, Quote, Side, TimeInForce } from "../../exchange/Model.ts"

/** `GET depth`: a snapshot at `version` (MEXC `lastUpdateId`). Levels best first. */
export interface DepthSnapshot {
  readonly symbol: string
  readonly version: bigint
  readonly bids: ReadonlyArray<BookLevel>
  readonly asks: ReadonlyArray<BookLevel>
  /** Venue time of the snapshot (ms). */
  readonly time: number
}

/** `POST order`, already validated against the instrument and carrying its client order id. */
export interface NewOrder {
  readonly symbol: string
  readonly side: Side
  readonly type: OrderType
  readonly timeInForce: TimeInForce
  readonly price?: Decimal | undefined
  readonly quantity?: Decimal | undefined
  readonly quoteQuantity?: Decimal | undefined
  readonly clientOrderId: string
}

/** `POST order`'s answer. */
export interface OrderAck {
  readonly symbol: string
  readonly orderId: string
  readonly clientOrderId: string
  /** Venue time the order was accepted (ms). */
  readonly time: number
}

export interface MexcRestShape {
  /** Venue time now (ms) as measured by the client's offset. */
  readonly serverTime: Effect.Effect<number, ExchangeError>
  /** `GET exchangeInfo`, all symbols or the given ones. `InvalidSymbol` for an unknown one. */
  readonly exchangeInfo: (symbols?: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Instrument>, ExchangeError>
  /** `GET depth` (limit default 1000, max 5000). */
  readonly depth: (symbol: string, limit?: number) => Effect.Effect<DepthSnapshot, ExchangeError>
  /** `GET ticker/bookTicker` for one symbol. */
  readonly bookTicker: (symbol: string) => Effect.Effect<Quote, ExchangeError>
  /** `GET account`: every balance. */
  readonly account: Effect.Effect<ReadonlyArray<Balance>, ExchangeError>
  /**
   * `POST order`. A 5xx, timeout or lost connection fails with `Unavailable`: the outcome is
   * unknown; this call never retries (the private exchange reconciles).
   */
  readonly newOrder: (order: NewOrder) => Effect.Effect<OrderAck, ExchangeError>
  /** `DELETE order`; `UnknownOrder` (-2011) when it does not exist. Never retried. */
  readonly cancelOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /** `GET order`; `UnknownOrder` (-2013) when it does not exist or is not yet visible. */
  readonly queryOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /** `GET openOrders`, for one symbol or all. */
  readonly openOrders: (symbol?: string) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  /**
   * `DELETE openOrders`. MEXC answers each order's state *before* the cancel, without client
   * order ids: callers confirm with `openOrders`.
   */
  readonly cancelOpenOrders: (symbol: string) => Effect.Effect<ReadonlyArray<{ readonly orderId: string }>, ExchangeError>
  /** `GET myTrades` for a symbol, optionally one order's. */
  readonly myTrades: (
    symbol: string,
    options?: { readonly orderId?: string | undefined; readonly startTime?: number | undefined; readonly limit?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<Fill>, ExchangeError>
  /** `POST userDataStream`: a new listen key. */
  readonly createListenKey: Effect.Effect<string, ExchangeError>
  /** `PUT userDataStream`: extend a key by 60 min. `Rejected` with code 730000 for a dead key. */
  readonly keepAliveListenKey: (listenKey: string) => Effect.Effect<void, ExchangeError>
  /** `DELETE userDataStream`. */
  readonly deleteListenKey: (listenKey: string) => Effect.Effect<void, ExchangeError>
}

export class MexcRest extends Context.Service<MexcRest, MexcRestShape>()("scoped-exchange/venues/mexc/MexcRest") {}
