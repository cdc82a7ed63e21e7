/**
 * What a venue supplies for trading: the port the venue-neutral {@link PrivateConnector} drives.
 * The connector holds the rules that hold on every venue (client order ids, unknown-outcome
 * resolution of place and cancel, own open orders, reconciliation after a gap, silent-stream
 * detection, cancel on close with confirmation, fill de-duplication, per-subscriber buffers); the
 * port holds the venue's facts and wire, as domain values.
 *
 * A venue's private side writes, under `src/venues/<venue>/`:
 * - its REST operations as domain values (below): the signed calls, its error table mapped onto
 *   `ExchangeError` reasons. The connector relies on three reasons meaning the same everywhere:
 *   `Unavailable` or `Decode` from a state-changing call = the outcome is unknown (5xx, timeout,
 *   connection cut, unreadable answer); `UnknownOrder` from cancel or query = the venue says the
 *   order does not exist or is not open (the venue's "order not found" codes); anything else =
 *   refused, nothing happened. A venue's terminal statuses map onto the domain's in its parse
 *   (an order canceled after some fills is `CANCELED` with its filled quantity; an IOC remainder
 *   is `CANCELED`, never `FILLED`).
 * - its user stream (`openUserStream`): the session lifecycle (a session token created over REST,
 *   kept alive and deleted on close, as in `venues/mexc/internal/UserDataStream.ts`; or private
 *   subscribes each signed with the key and the request's time, as in
 *   `venues/gate/internal/UserStream.ts`), the channels, the decode of pushes to
 *   {@link PrivateEvent}s in order, and the moment a session after the first is subscribed (the
 *   connector reconciles the gap over REST).
 *   Built from the socket kit's `Connection` (the venue's protocol, reconnects, heartbeat) and
 *   `UserStreamQueue` (frames in order, control frames read apart, work queued behind them).
 * - its facts: the visibility window, the request lifetime, the client order id format, the
 *   identity of a fill.
 *
 * @since 0.1.0
 */
import { type Duration, Effect, type Scope } from "effect"
import type { ExchangeError } from "../exchange/ExchangeError.ts"
import type { Balance, Fill, Instrument, Order, OrderRef } from "../exchange/Model.ts"
import type * as Connection from "../socket/Connection.ts"
import type * as OrderRules from "../exchange/OrderRules.ts"

/** A place request, validated against its instrument, with its client order id. */
export interface PlaceRequest extends Omit<OrderRules.ValidOrder, "rounded"> {
  readonly clientOrderId: string
}

/** A venue's acknowledgement of a place request. */
export interface PlaceAck {
  readonly symbol: string
  readonly orderId: string
  readonly clientOrderId: string
  /** Venue time the order was accepted (ms). */
  readonly time: number
}

/** One thing the user stream reported, as a domain value. */
export type PrivateEvent =
  | {
    readonly _tag: "Order"
    readonly order: Order
    /** Venue time of the change (ms), when the push carries one. */
    readonly time: number | undefined
  }
  | { readonly _tag: "Fill"; readonly fill: Fill }
  | {
    readonly _tag: "Balance"
    readonly balance: Balance
    /** The venue's reason for the change, when given (its own words, passed on as is). */
    readonly reason: string | undefined
    /** Venue time (ms). */
    readonly time: number
  }

/** What the connector gives the user stream to call. */
export interface UserStreamHandlers {
  /**
   * A batch of decoded events, in stream order, with one line per frame that could not be read
   * (counted and logged once per batch by the connector). Called in order, one batch at a time.
   */
  readonly onEvents: (events: ReadonlyArray<PrivateEvent>, problems: ReadonlyArray<string>) => Effect.Effect<void>
  /** A session after the first is subscribed: what happened in the gap must be reconciled. */
  readonly onResubscribed: Effect.Effect<void>
}

/** A running user stream (built in the connector's scope). */
export interface UserStream {
  /** Runs `run` after every frame the stream already accepted (a REST answer published in order). */
  readonly enqueue: (run: Effect.Effect<void>) => Effect.Effect<void>
  /** Ends the current session and starts a new one (with new credentials where the venue uses them). */
  readonly restart: (reason: string) => Effect.Effect<void>
  /** Whether a session is up now (false while reconnecting: its reconciliation will follow). */
  readonly isOpen: Effect.Effect<boolean>
  /** User-stream sessions opened so far (session tokens created, signed subscribes made). */
  readonly sessions: () => number
  /** Reconnects of the stream's connection so far. */
  readonly reconnects: Effect.Effect<number>
}

/**
 * The user-stream settings every venue's private side takes besides the connector's
 * {@link PrivateConnector.Options} (each venue's `Options` extends both and adds its own, e.g. a
 * session token's keep-alive or a dead-man switch).
 */
export interface UserStreamOptions {
  /** Venue name reported in errors, spans and `venue`. Default: the venue's own name. */
  readonly venue?: string | undefined
  /** The private stream's WebSocket URL. Default: the venue's production URL. */
  readonly wsUrl?: string | undefined
  /** How long start-up waits for the private stream. Default 10 s. */
  readonly startTimeout?: Duration.Input | undefined
  /** Private queue capacity, in messages. Default 1000. */
  readonly queueCapacity?: number | undefined
  /** Connection settings other than name, URL, protocol and sink. */
  readonly connection?: Partial<Omit<Connection.ConnectionOptions, "name" | "url" | "protocol" | "sink">> | undefined
}

/**
 * The {@link UserStream} of a stream that runs over one `Connection` (both venues' streams do:
 * `venues/mexc/internal/UserDataStream.ts`, `venues/gate/internal/UserStream.ts`): restart, open
 * state and reconnects are the connection's.
 */
export const userStreamOver = (stream: {
  readonly enqueue: UserStream["enqueue"]
  readonly connection: Connection.ConnectionShape
  readonly sessions: () => number
}): UserStream => ({
  enqueue: stream.enqueue,
  restart: (reason) => stream.connection.restart(reason),
  isOpen: Effect.map(stream.connection.state, (state) => state._tag === "Open"),
  sessions: stream.sessions,
  reconnects: Effect.map(stream.connection.stats, (stats) => stats.reconnects)
})

/** A venue's private side. */
export interface PrivatePort {
  /** The venue's name, in errors, logs and span attributes. */
  readonly venue: string
  /**
   * How long after placement the venue may still say "unknown order" for an order that exists
   * (0 for a venue whose reads follow its writes).
   */
  readonly visibilityWindow: Duration.Duration
  /**
   * How long a request whose answer was lost may still reach the venue and be carried out: the
   * venue's acceptance window for a signed request's timestamp (or its expiry header), plus how
   * far ahead of its clock it accepts one.
   */
  readonly requestLifetime: Duration.Duration
  /** The venue's client order id format: ids are `prefix` + [a-z0-9], at most `maxLength` long. */
  readonly clientOrderId: { readonly prefix: string; readonly maxLength: number }
  /** The venue's identity of a trade (e.g. symbol and trade id), to drop copies of a fill. */
  readonly fillIdentity: (fill: Fill) => string

  /** Instruments of the symbols (`InvalidSymbol` for one the venue does not list). */
  readonly instruments: (symbols: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Instrument>, ExchangeError>
  /** Places an order. Never retried by the port: `Unavailable`/`Decode` = outcome unknown. */
  readonly placeOrder: (request: PlaceRequest) => Effect.Effect<PlaceAck, ExchangeError>
  /** Cancels one order; answers its final state. `UnknownOrder`: not open, or not visible (yet). */
  readonly cancelOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /** One order's state. `UnknownOrder`: does not exist, or is not visible yet. */
  readonly queryOrder: (ref: OrderRef) => Effect.Effect<Order, ExchangeError>
  /** The account's open orders, for one symbol or all. */
  readonly openOrders: (symbol?: string) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  /** Asks the venue to cancel every open order of the symbol (confirmed by the connector). */
  readonly cancelOpenOrders: (symbol: string) => Effect.Effect<void, ExchangeError>
  /** Every balance of the account. */
  readonly balances: Effect.Effect<ReadonlyArray<Balance>, ExchangeError>
  /** The account's fills on `symbol` since `since` (venue ms), from its trade history. */
  readonly fillsSince: (symbol: string, since: number) => Effect.Effect<ReadonlyArray<Fill>, ExchangeError>
  /**
   * Opens the user stream in the caller's scope: succeeds once the first session is subscribed,
   * fails (`Unavailable`, `InvalidSignature`) when it cannot be. Released when the scope closes.
   */
  readonly openUserStream: (handlers: UserStreamHandlers) => Effect.Effect<UserStream, ExchangeError, Scope.Scope>
}
