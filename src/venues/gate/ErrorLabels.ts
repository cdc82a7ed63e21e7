/**
 * Gate.io's error answers to `ExchangeError` reasons: one table, label to reason.
 *
 * Facts (gateio-wire.md, "Errors"): a non-2xx body is `{"label", "message"}` (some endpoints say
 * `detail`); labels are strings, so a reason's numeric `code` stays empty and its message starts
 * with the label. 429, 418 and 5xx never reach this table (the REST client handles them).
 * What each kind becomes is venue-neutral (`exchange/ErrorTable.ts`); the table, the body reader and
 * the rule for an unlisted answer are this venue's.
 *
 * Choices worth knowing:
 * - `ORDER_CLOSED` and `ORDER_CANCELLED` (a cancel of an order that already finished) read as
 *   `UnknownOrder`, like `ORDER_NOT_FOUND`: the order is not open, and the private side asks for its
 *   final state (a fill that raced the cancel) instead of failing.
 * - `POC_FILL_IMMEDIATELY` is a post-only order that would have taken: `FilterRejected` `postOnly`.
 * - `TOO_FAST` is a rate refusal under another status: `RateLimited` for 1 s. `INTERNAL`,
 *   `SERVER_ERROR`, `TOO_BUSY` under a 4xx status still mean the outcome is unknown: `Unavailable`.
 *
 * @since 0.1.0
 */
import type { ExchangeErrorReason } from "../../exchange/ExchangeError.ts"
import { InvalidSignature, Rejected } from "../../exchange/ExchangeError.ts"
import { type ErrorKind, reasonOfKind } from "../../exchange/ErrorTable.ts"
import type { ErrorAnswer } from "../../rest/RestClient.ts"
import * as ClientOrderId from "./ClientOrderId.ts"

/** Gate labels with a reason of their own; every other label is `Rejected` with the label and message. */
export const labels: ReadonlyMap<string, ErrorKind> = new Map<string, ErrorKind>([
  ["INVALID_CREDENTIALS", "signature"],
  ["INVALID_KEY", "signature"],
  ["IP_FORBIDDEN", "signature"],
  ["READ_ONLY", "signature"],
  ["INVALID_SIGNATURE", "signature"],
  ["MISSING_REQUIRED_HEADER", "signature"],
  ["ACCOUNT_LOCKED", "signature"],
  ["FORBIDDEN", "signature"],
  ["REQUEST_EXPIRED", "timestamp"],
  ["BALANCE_NOT_ENOUGH", "balance"],
  ["ORDER_NOT_FOUND", "unknownOrder"],
  ["ORDER_CLOSED", "unknownOrder"],
  ["ORDER_CANCELLED", "unknownOrder"],
  ["INVALID_CURRENCY_PAIR", "symbol"],
  ["INVALID_CURRENCY", "symbol"],
  ["ORDER_BOOK_NOT_FOUND", "symbol"],
  ["POC_FILL_IMMEDIATELY", { filter: "postOnly" }],
  ["AMOUNT_TOO_LITTLE", { filter: "minQuantity" }],
  ["AMOUNT_TOO_MUCH", { filter: "maxNotional" }],
  ["INVALID_PRECISION", { filter: "venue" }],
  ["TRADE_RESTRICTED", { filter: "status" }],
  ["TOO_FAST", "tooFast"],
  ["TOO_MANY_REQUESTS", "tooFast"],
  ["INTERNAL", "unavailable"],
  ["SERVER_ERROR", "unavailable"],
  ["TOO_BUSY", "unavailable"]
])

/** Reads Gate's `{label, message | detail}` body; `label` `undefined` when the body is not one. */
export const readErrorBody = (body: string): { readonly label: string | undefined; readonly message: string } => {
  try {
    const json: unknown = JSON.parse(body)
    if (typeof json === "object" && json !== null) {
      const { label, message, detail } = json as { label?: unknown; message?: unknown; detail?: unknown }
      const text = typeof message === "string" ? message : typeof detail === "string" ? detail : ""
      if (typeof label === "string") return { label, message: text === "" ? label : `${label}: ${text}` }
    }
  } catch {
    // not JSON: a proxy's or WAF's page
  }
  return { label: undefined, message: body.slice(0, 200) || "no body" }
}

const str = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined

/** The order an answer is about: `/spot/orders/{id}` (an id, or `t-...` text) or the body's `text`. */
const orderOf = (answer: ErrorAnswer): { readonly orderId?: string; readonly clientOrderId?: string } => {
  const match = /\/spot\/orders\/([^/?]+)$/.exec(answer.path)
  const idInPath = match === null ? undefined : decodeURIComponent(match[1]!)
  if (idInPath !== undefined) {
    const own = ClientOrderId.fromText(idInPath)
    return own === undefined ? { orderId: idInPath } : { clientOrderId: own }
  }
  const text = str((answer.requestBody as { text?: unknown } | undefined)?.text)
  const own = text === undefined ? undefined : ClientOrderId.fromText(text)
  return own === undefined ? {} : { clientOrderId: own }
}

/** The table: an error answer (not 429/418/5xx) to its reason. */
export const reasonFor = (answer: ErrorAnswer): ExchangeErrorReason => {
  const { label, message } = readErrorBody(answer.body)
  const kind = label === undefined ? undefined : labels.get(label)
  const symbol = str(answer.params.currency_pair) ??
    str((answer.requestBody as { currency_pair?: unknown } | undefined)?.currency_pair) ?? ""
  if (kind === undefined) {
    if (answer.status === 401) return new InvalidSignature({ venueMessage: message })
    return new Rejected({ status: answer.status, venueMessage: message })
  }
  return reasonOfKind(kind, { status: answer.status, message, symbol, order: orderOf(answer) })
}
