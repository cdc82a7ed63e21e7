/**
 * The venue-neutral half of a venue's error table: the kinds of refusal a venue's error code or
 * label can mean, and the `ExchangeError` reason each kind becomes. Each venue keeps the other
 * half in its own folder: its table (codes or labels to kinds), how it reads an error body, and
 * what an answer its table does not list becomes (see `venues/mexc/ErrorCodes.ts` and
 * `venues/gate/ErrorLabels.ts`).
 *
 * @since 0.1.0
 */
import { Duration } from "effect"
import {
  type ExchangeErrorReason,
  FilterRejected,
  InsufficientBalance,
  InvalidSignature,
  InvalidSymbol,
  RateLimited,
  TimestampOutsideWindow,
  Unavailable,
  UnknownOrder
} from "./ExchangeError.ts"

/**
 * What an error answer means:
 * - `signature`: the key, its permissions or the signature were refused (`InvalidSignature`);
 * - `timestamp`: the request's timestamp was outside the receive window (`TimestampOutsideWindow`);
 * - `balance`: not enough free balance (`InsufficientBalance`);
 * - `unknownOrder`: the order is not (or no longer) open at the venue (`UnknownOrder`);
 * - `symbol`: the venue does not list the symbol (`InvalidSymbol`);
 * - `tooFast`: a rate refusal under a status the REST client does not read as one (`RateLimited`,
 *   retry after 1 s: such answers carry no `Retry-After`);
 * - `unavailable`: the venue failed under a 4xx status, so the outcome is unknown (`Unavailable`);
 * - `{ filter }`: the order broke one of the symbol's rules (`FilterRejected`).
 */
export type ErrorKind =
  | "signature"
  | "timestamp"
  | "balance"
  | "unknownOrder"
  | "symbol"
  | "tooFast"
  | "unavailable"
  | { readonly filter: FilterRejected["filter"] }

/** What the venue's answer and the request said, as the reasons carry it. */
export interface ErrorFacts {
  /** The answer's HTTP status. */
  readonly status: number
  /** The venue's numeric error code; absent where a venue names its errors with text labels. */
  readonly code?: number | undefined
  /** The venue's message, as the reason shows it. */
  readonly message: string
  /** The request's symbol, in the venue's spelling (`""` when it named none). */
  readonly symbol: string
  /** For `symbol`: the symbols a multi-symbol request named, shown when `symbol` is empty. */
  readonly symbolsAsked?: string | undefined
  /** For `unknownOrder`: the order the request was about. */
  readonly order?: { readonly orderId?: string | undefined; readonly clientOrderId?: string | undefined } | undefined
}

/** The `ExchangeError` reason of an error answer of `kind`. */
export const reasonOfKind = (kind: ErrorKind, facts: ErrorFacts): ExchangeErrorReason => {
  const code = facts.code === undefined ? {} : { code: facts.code }
  switch (kind) {
    case "signature":
      return new InvalidSignature({ ...code, venueMessage: facts.message })
    case "timestamp":
      return new TimestampOutsideWindow({ venueMessage: facts.message })
    case "balance":
      return new InsufficientBalance({ ...code, venueMessage: facts.message })
    case "unknownOrder":
      return new UnknownOrder({ symbol: facts.symbol, ...facts.order, ...code, venueMessage: facts.message })
    case "symbol":
      return new InvalidSymbol({ symbol: facts.symbol || facts.symbolsAsked || "?", venueMessage: facts.message })
    case "tooFast":
      return new RateLimited({ retryAfter: Duration.seconds(1) })
    case "unavailable":
      return new Unavailable({ status: facts.status, detail: facts.message })
    default:
      return new FilterRejected({ symbol: facts.symbol, filter: kind.filter, detail: facts.message, ...code })
  }
}
