/**
 * The market maker's one error type, with a `reason` union. Each reason's `message` is a complete
 * sentence a user can act on: the CLI prints it as its one line.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ExchangeError } from "../exchange/ExchangeError.ts"

/** The instrument cannot be quoted: not trading, or the venue does not take post-only orders on it. */
export class NotTradable extends Schema.TaggedError<NotTradable>()("NotTradable", {
  symbol: Schema.String,
  detail: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `${this.symbol} cannot be quoted: ${this.detail}`
  }
}

/** The configured quote amount, at the current price, is below the instrument's minimums. */
export class BelowMinimum extends Schema.TaggedError<BelowMinimum>()("BelowMinimum", {
  symbol: Schema.String,
  detail: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `order size on ${this.symbol} too small: ${this.detail}`
  }
}

/** A leg's order did not fill within the fill timeout; it was canceled (and confirmed gone). */
export class FillTimeout extends Schema.TaggedError<FillTimeout>()("FillTimeout", {
  symbol: Schema.String,
  side: Schema.Literals(["BUY", "SELL"]),
  /** The timeout, in milliseconds. */
  timeoutMs: Schema.Number,
  /** Base quantity the leg filled before it gave up (plain decimal). */
  filled: Schema.String
}) {
  readonly retryable = true
  override get message(): string {
    return `${this.side} on ${this.symbol} not filled within ${this.timeoutMs / 1000} s (filled ${this.filled}); order canceled`
  }
}

/** Post-only orders were rejected (they would have crossed) too many times in a row. */
export class TooManyRejections extends Schema.TaggedError<TooManyRejections>()("TooManyRejections", {
  symbol: Schema.String,
  side: Schema.Literals(["BUY", "SELL"]),
  count: Schema.Number,
  detail: Schema.String
}) {
  readonly retryable = true
  override get message(): string {
    return `${this.side} LIMIT_MAKER on ${this.symbol} rejected ${this.count} times in a row: ${this.detail}`
  }
}

/** An exchange operation failed (rejected order, unreachable venue, unknown symbol, ...). */
export class Exchange extends Schema.TaggedError<Exchange>()("Exchange", {
  error: ExchangeError
}) {
  get retryable(): boolean {
    return this.error.retryable
  }
  override get message(): string {
    return this.error.message
  }
}

export type MarketMakerErrorReason = NotTradable | BelowMinimum | FillTimeout | TooManyRejections | Exchange

/** A market-making cycle that could not complete, and why. */
export class MarketMakerError extends Schema.TaggedError<MarketMakerError>()("MarketMakerError", {
  symbol: Schema.String,
  reason: Schema.Union([NotTradable, BelowMinimum, FillTimeout, TooManyRejections, Exchange])
}) {
  get retryable(): boolean {
    return this.reason.retryable
  }
  override get message(): string {
    return this.reason.message
  }
}

/** Wraps an exchange failure. */
export const fromExchange = (symbol: string) => (error: ExchangeError): MarketMakerError =>
  new MarketMakerError({ symbol, reason: new Exchange({ error }) })
