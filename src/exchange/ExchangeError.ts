/**
 * The one error type of the exchange services and the REST client, with a `reason` union of small
 * tagged errors. Each reason says whether retrying can help (`retryable`), and carries what a
 * caller needs: the venue's `code` and message, `retryAfter`, the body that failed to decode.
 *
 * Outcome matters for orders: `Unavailable` (5xx, timeout, connection lost mid-request) means the
 * venue may or may not have acted. The private exchange resolves that before it returns; a caller
 * who sees `Unavailable` from a state-changing call was told it could not be resolved in time.
 *
 * Which venue answer means which reason is each venue's own table (its codes or labels, with their
 * source): MEXC's in `venues/mexc/ErrorCodes.ts`, Gate's in `venues/gate/ErrorLabels.ts`. The
 * REST client maps what is plain HTTP (429, 418, 5xx, timeouts) the same for every venue.
 *
 * @since 0.1.0
 */
import { Duration, Schema } from "effect"

/** The venue rejected the request's signature or API key (a bad key, signature, or IP not allowed). */
export class InvalidSignature extends Schema.TaggedError<InvalidSignature>()("InvalidSignature", {
  code: Schema.optional(Schema.Number),
  venueMessage: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `authentication rejected: ${this.venueMessage}${codeSuffix(this.code)}`
  }
}

/** The request's timestamp was outside the venue's receive window (our clock or the request was late). */
export class TimestampOutsideWindow extends Schema.TaggedError<TimestampOutsideWindow>()("TimestampOutsideWindow", {
  venueMessage: Schema.String
}) {
  readonly retryable = true
  override get message(): string {
    return `timestamp outside the receive window: ${this.venueMessage}`
  }
}

/** Not enough free balance for the order (including a sell of more than is held). */
export class InsufficientBalance extends Schema.TaggedError<InsufficientBalance>()("InsufficientBalance", {
  code: Schema.optional(Schema.Number),
  venueMessage: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `insufficient balance: ${this.venueMessage}${codeSuffix(this.code)}`
  }
}

/**
 * The order does not exist, or not yet: a venue may answer so for an order placed a moment ago
 * (its visibility window, `PrivatePort.visibilityWindow`), or for one that has just closed.
 */
export class UnknownOrder extends Schema.TaggedError<UnknownOrder>()("UnknownOrder", {
  symbol: Schema.String,
  orderId: Schema.optional(Schema.String),
  clientOrderId: Schema.optional(Schema.String),
  code: Schema.optional(Schema.Number),
  venueMessage: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    const id = this.orderId ?? this.clientOrderId ?? "?"
    return `unknown order ${id} on ${this.symbol}: ${this.venueMessage}`
  }
}

/**
 * The symbol is not listed (or not tradable) on the venue. `listedAs` is the venue's own spelling
 * of the same pair when the symbol names a listed pair in another spelling (`HIFIUSDT` asked of a
 * venue that lists `HIFI_USDT`, or the canonical `HIFI/USDT`).
 */
export class InvalidSymbol extends Schema.TaggedError<InvalidSymbol>()("InvalidSymbol", {
  symbol: Schema.String,
  venueMessage: Schema.optional(Schema.String),
  listedAs: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  override get message(): string {
    const hint = this.listedAs ? ` (this venue lists the pair as ${this.listedAs})` : ""
    return `unknown symbol ${this.symbol}${hint}${this.venueMessage ? `: ${this.venueMessage}` : ""}`
  }
}

/**
 * The order breaks one of the instrument's rules: price or quantity precision, minimum quantity or
 * notional, order type not allowed, post-only that would cross. `filter` names the rule.
 * Raised before sending when we can tell (`OrderRules`), or from the venue's answer.
 */
export class FilterRejected extends Schema.TaggedError<FilterRejected>()("FilterRejected", {
  symbol: Schema.String,
  filter: Schema.Literals(["tickSize", "lotSize", "quoteStep", "minQuantity", "minNotional", "maxNotional", "orderType", "postOnly", "status", "venue"]),
  detail: Schema.String,
  code: Schema.optional(Schema.Number)
}) {
  readonly retryable = false
  override get message(): string {
    return `order rejected on ${this.symbol} (${this.filter}): ${this.detail}`
  }
}

/** The venue refused the request for another stated reason (parameter errors, trading disabled). */
export class Rejected extends Schema.TaggedError<Rejected>()("Rejected", {
  code: Schema.optional(Schema.Number),
  status: Schema.Number,
  venueMessage: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `rejected by the venue (HTTP ${this.status}): ${this.venueMessage}${codeSuffix(this.code)}`
  }
}

/**
 * Over a quota: the venue answered HTTP 429 (`by` absent or `venue`), or our own rate limiter held
 * the request past its longest wait without sending it (`by: "limiter"`). Every caller of that
 * quota waits `retryAfter`.
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfter: Schema.Duration,
  by: Schema.optional(Schema.Literals(["venue", "limiter"]))
}) {
  readonly retryable = true
  override get message(): string {
    return this.by === "limiter"
      ? `not sent: the rate limit's wait ran out (the venue was not asked); retry after ${Duration.format(this.retryAfter)}`
      : `rate limited by the venue; retry after ${Duration.format(this.retryAfter)}`
  }
}

/** HTTP 418: the IP is banned for `retryAfter` (the venue's `Retry-After`; minutes to days). */
export class Banned extends Schema.TaggedError<Banned>()("Banned", {
  retryAfter: Schema.Duration
}) {
  readonly retryable = true
  override get message(): string {
    return `IP banned by the venue; retry after ${Duration.format(this.retryAfter)}`
  }
}

/**
 * 5xx, a timeout, or a connection lost after the request was sent: the venue's outcome is unknown.
 * Safe (GET) requests retry on their own; state-changing ones are reconciled, never blindly retried.
 */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  status: Schema.optional(Schema.Number),
  detail: Schema.String,
  /** Set when no (whole) answer came within this many ms (a timeout, not an answered failure). */
  timeoutMs: Schema.optional(Schema.Number)
}) {
  readonly retryable = true
  override get message(): string {
    return `venue unavailable${this.status === undefined ? "" : ` (HTTP ${this.status})`}: ${this.detail}`
  }
}

/** The request could not be sent at all (DNS, refused connection): the venue did nothing. */
export class Transport extends Schema.TaggedError<Transport>()("Transport", {
  detail: Schema.String
}) {
  readonly retryable = true
  override get message(): string {
    return `could not reach the venue: ${this.detail}`
  }
}

/** An answer that does not have the expected shape. `body` keeps (the start of) what came. */
export class Decode extends Schema.TaggedError<Decode>()("Decode", {
  what: Schema.String,
  body: Schema.String,
  detail: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `could not read ${this.what}: ${this.detail}; body: ${this.body.slice(0, 200)}`
  }
}

/** A venue's stream refused a subscription (`channel`), with the venue's words. */
export class SubscriptionRefused extends Schema.TaggedError<SubscriptionRefused>()("SubscriptionRefused", {
  channel: Schema.String,
  venueMessage: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `subscription to ${this.channel} refused: ${this.venueMessage}`
  }
}

/** An order book could not be brought in sync within its bounded re-snapshots. */
export class BookSyncFailed extends Schema.TaggedError<BookSyncFailed>()("BookSyncFailed", {
  symbol: Schema.String,
  attempts: Schema.Number,
  detail: Schema.String
}) {
  readonly retryable = true
  override get message(): string {
    return `order book ${this.symbol} not in sync after ${this.attempts} snapshots: ${this.detail}`
  }
}

/** The service (or the part of it a call needs) has shut down. */
export class Closed extends Schema.TaggedError<Closed>()("Closed", {
  what: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `${this.what} is closed`
  }
}

/**
 * A subscriber of a lossless stream (orders, fills, balances) fell `capacity` values behind and
 * was dropped, so that it could not stall the venue's own bookkeeping or the other subscribers.
 * What was published since is gone for it: rebuild from REST (open orders, balances) before
 * subscribing again.
 */
export class SubscriberOverflow extends Schema.TaggedError<SubscriberOverflow>()("SubscriberOverflow", {
  stream: Schema.String,
  capacity: Schema.Number
}) {
  readonly retryable = false
  override get message(): string {
    return `the ${this.stream} subscriber fell ${this.capacity} updates behind and was dropped`
  }
}

/** A configuration value is missing or malformed. Names the variable, never its value. */
export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()("InvalidConfig", {
  variable: Schema.String,
  detail: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `configuration ${this.variable}: ${this.detail}`
  }
}

export type ExchangeErrorReason =
  | InvalidSignature
  | TimestampOutsideWindow
  | InsufficientBalance
  | UnknownOrder
  | InvalidSymbol
  | FilterRejected
  | Rejected
  | RateLimited
  | Banned
  | Unavailable
  | Transport
  | Decode
  | SubscriptionRefused
  | BookSyncFailed
  | Closed
  | SubscriberOverflow
  | InvalidConfig

/** A failed exchange operation: which venue, which operation, and why. */
export class ExchangeError extends Schema.TaggedError<ExchangeError>()("ExchangeError", {
  venue: Schema.String,
  /** The operation: a service operation (`placeOrder`) or a REST request (method and path). */
  operation: Schema.String,
  reason: Schema.Union([
    InvalidSignature,
    TimestampOutsideWindow,
    InsufficientBalance,
    UnknownOrder,
    InvalidSymbol,
    FilterRejected,
    Rejected,
    RateLimited,
    Banned,
    Unavailable,
    Transport,
    Decode,
    SubscriptionRefused,
    BookSyncFailed,
    Closed,
    SubscriberOverflow,
    InvalidConfig
  ])
}) {
  /** Whether trying again (later) can succeed. */
  get retryable(): boolean {
    return this.reason.retryable
  }
  override get message(): string {
    return `[${this.venue}] ${this.operation}: ${this.reason.message}`
  }
}

const codeSuffix = (code: number | undefined): string => code === undefined ? "" : ` (code ${code})`
