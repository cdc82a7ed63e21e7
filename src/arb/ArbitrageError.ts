/**
 * The one error of the arbitrage strategy, with a `reason` union of small tagged errors. All of
 * them are raised at start-up (nothing is sent yet) or by a venue's service; none is retryable by
 * trying again unchanged.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ExchangeError } from "../exchange/ExchangeError.ts"

/** A venue lists no instrument for the canonical key (base/quote). */
export class InstrumentNotListed extends Schema.TaggedError<InstrumentNotListed>()("InstrumentNotListed", {
  venue: Schema.String,
  base: Schema.String,
  quote: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `${this.venue} lists no ${this.base}/${this.quote} instrument`
  }
}

/** The instrument does not trade, or not with IOC limit orders, on a venue. */
export class NotTradable extends Schema.TaggedError<NotTradable>()("NotTradable", {
  venue: Schema.String,
  symbol: Schema.String,
  detail: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return `${this.symbol} on ${this.venue} cannot be arbitraged: ${this.detail}`
  }
}

/** The options or the leg size do not fit the venues (lot sizes, minimums, bad values). */
export class InvalidOptions extends Schema.TaggedError<InvalidOptions>()("InvalidOptions", {
  detail: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return this.detail
  }
}

/** Two venues are needed, with different names. */
export class VenuesInvalid extends Schema.TaggedError<VenuesInvalid>()("VenuesInvalid", {
  detail: Schema.String
}) {
  readonly retryable = false
  override get message(): string {
    return this.detail
  }
}

/** A venue's service failed (at start-up: instruments, balances). */
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

export type ArbitrageErrorReason = InstrumentNotListed | NotTradable | InvalidOptions | VenuesInvalid | Exchange

/** A failure of the arbitrage strategy. */
export class ArbitrageError extends Schema.TaggedError<ArbitrageError>()("ArbitrageError", {
  reason: Schema.Union([InstrumentNotListed, NotTradable, InvalidOptions, VenuesInvalid, Exchange])
}) {
  get retryable(): boolean {
    return this.reason.retryable
  }
  override get message(): string {
    return this.reason.message
  }
}

/** Wraps a venue's error. */
export const fromExchange = (error: ExchangeError): ArbitrageError => new ArbitrageError({ reason: new Exchange({ error }) })
