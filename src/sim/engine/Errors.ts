/**
 * The engine's one error type: a rejected request, carrying MEXC's numeric `code` and `msg`
 * so the server can answer `{"code": code, "msg": msg}` with HTTP 400 unchanged.
 *
 * `reason` says which rule refused the request. None is retryable as sent: the same request
 * will be refused again until the client changes it (or, for `InsufficientBalance`, until the
 * account's balance changes).
 *
 * Code choices (from MEXC's documented codes; see `mexc-wire.md`):
 * | reason | code | msg |
 * |---|---|---|
 * | InvalidSymbol | 30014 | invalid symbol |
 * | TradingDisabled | 30016 | trading disabled |
 * | OrderTypeNotAllowed | 30041 | current order type can not place order |
 * | SideNotAllowed | 30001 | Current trading type (bid or ask) is not allowed (`tradeSideType` 2 or 3) |
 * | MissingParameter | 700004 | Mandatory parameter '<name>' was not sent, was empty/null, or malformed. |
 * | InvalidParameter | 33333 | Parameter error: <detail> (bad side/type, malformed number, too many decimals) |
 * | NotPositive | 400 | price and quantity must be positive (what MEXC answers for zero) |
 * | BelowMinimum | 30002 | The minimum transaction volume cannot be less than:<min> (quantity or notional) |
 * | AboveMaximum | 30003 | The maximum transaction volume cannot be greater than:<max> |
 * | InsufficientBalance | 10101 | Insufficient balance (BUY: quote asset) |
 * | InsufficientPosition | 30005 | Oversold (SELL more than the base asset held; live MEXC, `mexc-wire.md` "Live behaviour") |
 * | NoOpposingOrders | 30025 | no exist opponent order (MARKET into an empty side) |
 * | WouldTakeLiquidity | -2010 | Order would immediately match and take. |
 * | DuplicateClientOrderId | 33333 | Parameter error: duplicate newClientOrderId |
 * | UnknownOrder | -2011 | Unknown order sent. (cancel) |
 * | UnknownOrder | -2013 | Order does not exist. (query; live MEXC, `mexc-wire.md` "Live behaviour") |
 * | TooManyOpenOrders | 30029 | Cannot exceed the maximum order limit (500 open orders per account) |
 * | UnknownAccount | 10072 | Api key info invalid (the server normally refuses such keys first) |
 *
 * LIMIT_MAKER that would cross: MEXC documents only that it is "rejected"; we answer -2010
 * "Order would immediately match and take.", the Binance-family code and text (MEXC's v3 API
 * shares Binance's -2011) that client libraries already recognize as "post-only would take".
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Which rule refused the request. */
export const RejectionReason = Schema.Literals([
  "InvalidSymbol",
  "TradingDisabled",
  "OrderTypeNotAllowed",
  "SideNotAllowed",
  "MissingParameter",
  "InvalidParameter",
  "NotPositive",
  "BelowMinimum",
  "AboveMaximum",
  "InsufficientBalance",
  "InsufficientPosition",
  "NoOpposingOrders",
  "WouldTakeLiquidity",
  "DuplicateClientOrderId",
  "UnknownOrder",
  "TooManyOpenOrders",
  "UnknownAccount"
])

/** Which rule refused the request. */
export type RejectionReason = typeof RejectionReason.Type

/** A request the engine refused, with MEXC's error code and message. */
export class SimRejection extends Schema.TaggedError<SimRejection>()("SimRejection", {
  reason: RejectionReason,
  code: Schema.Number,
  msg: Schema.String
}) {
  /** Always false: the same request is refused again until the client or the account changes. */
  get retryable(): boolean {
    return false
  }

  /** The body MEXC answers with. */
  toBody(): { readonly code: number; readonly msg: string } {
    return { code: this.code, msg: this.msg }
  }

  override get message(): string {
    return `${this.code} ${this.msg}`
  }
}

/** Constructors for each reason with MEXC's code and message. */
export const reject = {
  invalidSymbol: () => new SimRejection({ reason: "InvalidSymbol", code: 30014, msg: "invalid symbol" }),
  tradingDisabled: () => new SimRejection({ reason: "TradingDisabled", code: 30016, msg: "trading disabled" }),
  orderTypeNotAllowed: () =>
    new SimRejection({ reason: "OrderTypeNotAllowed", code: 30041, msg: "current order type can not place order" }),
  sideNotAllowed: () =>
    new SimRejection({
      reason: "SideNotAllowed",
      code: 30001,
      msg: "Current trading type (bid or ask) is not allowed"
    }),
  missingParameter: (name: string) =>
    new SimRejection({
      reason: "MissingParameter",
      code: 700004,
      msg: `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`
    }),
  invalidParameter: (detail: string) =>
    new SimRejection({ reason: "InvalidParameter", code: 33333, msg: `Parameter error: ${detail}` }),
  notPositive: () =>
    new SimRejection({ reason: "NotPositive", code: 400, msg: "price and quantity must be positive" }),
  belowMinimum: (min: string) =>
    new SimRejection({
      reason: "BelowMinimum",
      code: 30002,
      msg: `The minimum transaction volume cannot be less than:${min}`
    }),
  aboveMaximum: (max: string) =>
    new SimRejection({
      reason: "AboveMaximum",
      code: 30003,
      msg: `The maximum transaction volume cannot be greater than:${max}`
    }),
  insufficientBalance: () =>
    new SimRejection({ reason: "InsufficientBalance", code: 10101, msg: "Insufficient balance" }),
  insufficientPosition: () =>
    new SimRejection({ reason: "InsufficientPosition", code: 30005, msg: "Oversold" }),
  noOpposingOrders: () =>
    new SimRejection({ reason: "NoOpposingOrders", code: 30025, msg: "no exist opponent order" }),
  wouldTakeLiquidity: () =>
    new SimRejection({
      reason: "WouldTakeLiquidity",
      code: -2010,
      msg: "Order would immediately match and take."
    }),
  duplicateClientOrderId: () =>
    new SimRejection({
      reason: "DuplicateClientOrderId",
      code: 33333,
      msg: "Parameter error: duplicate newClientOrderId"
    }),
  unknownOrder: () => new SimRejection({ reason: "UnknownOrder", code: -2011, msg: "Unknown order sent." }),
  /** A query (`GET order`) for an order that does not exist, or is not yet visible: -2013. */
  orderDoesNotExist: () => new SimRejection({ reason: "UnknownOrder", code: -2013, msg: "Order does not exist." }),
  missingOrderRef: () =>
    new SimRejection({
      reason: "MissingParameter",
      code: 700004,
      msg: "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
    }),
  tooManyOpenOrders: () =>
    new SimRejection({ reason: "TooManyOpenOrders", code: 30029, msg: "Cannot exceed the maximum order limit" }),
  unknownAccount: () => new SimRejection({ reason: "UnknownAccount", code: 10072, msg: "Api key info invalid" })
} as const
