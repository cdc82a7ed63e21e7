/**
 * MEXC's error answers to `ExchangeError` reasons: one table, code to reason.
 *
 * Facts (mexc-wire.md, "Errors and limits" and "Live behaviour"): the body is `{"code", "msg"}`
 * with a 4xx status; live servers sometimes send `code` as a string (`"730002"`) and add fields
 * (`_extend`). -2013 is a query for an order that does not exist *or is not yet visible* (up to
 * about a second after placement); -2011 is a cancel of an unknown order; 30005 "Oversold" is a
 * sell of more than is held; 730000 answers a keep-alive of an expired or unknown listen key.
 * 429, 418 and 5xx never reach this table (the REST client handles them).
 * What each kind becomes is venue-neutral (`exchange/ErrorTable.ts`); the table, the body reader and
 * the rule for an unlisted answer are this venue's.
 *
 * @since 0.1.0
 */
import type { ExchangeErrorReason } from "../../exchange/ExchangeError.ts"
import { InvalidSignature, Rejected } from "../../exchange/ExchangeError.ts"
import { type ErrorKind, reasonOfKind } from "../../exchange/ErrorTable.ts"
import type { ErrorAnswer } from "../../rest/RestClient.ts"

/** MEXC codes with a reason of their own; every other code is `Rejected` with the code and message. */
export const codes: ReadonlyMap<number, ErrorKind> = new Map<number, ErrorKind>([
  [602, "signature"], // signature verification failed
  [700001, "signature"], // API key format invalid
  [700002, "signature"], // signature not valid
  [700006, "signature"], // IP not whitelisted
  [700007, "signature"], // no permission for this endpoint
  [10072, "signature"], // API key info invalid
  [700003, "timestamp"], // timestamp outside recvWindow
  [10101, "balance"], // insufficient balance
  [30004, "balance"], // insufficient position
  [30005, "balance"], // oversold
  [-2011, "unknownOrder"], // cancel: unknown order sent
  [-2013, "unknownOrder"], // query: order does not exist (or is not yet visible)
  [10007, "symbol"], // bad symbol
  [30014, "symbol"], // invalid symbol
  [30021, "symbol"], // invalid symbol
  [-1121, "symbol"], // invalid symbol (the Binance-family code, on market-data endpoints)
  [30002, { filter: "venue" }], // below the minimum (quantity or notional; the message says which)
  [30003, { filter: "venue" }], // above the maximum
  [30016, { filter: "status" }], // trading disabled
  [30041, { filter: "orderType" }], // order type not allowed on the symbol
  [30001, { filter: "venue" }], // this side is not allowed (tradeSideType)
  [-2010, { filter: "postOnly" }] // LIMIT_MAKER would take
])

/** Reads MEXC's `{code, msg}` body; `code` as a number or a numeric string. */
export const readErrorBody = (body: string): { readonly code: number | undefined; readonly msg: string } => {
  try {
    const json: unknown = JSON.parse(body)
    if (typeof json === "object" && json !== null) {
      const raw = (json as { code?: unknown }).code
      const msg = (json as { msg?: unknown }).msg
      const code = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : undefined
      return { code, msg: typeof msg === "string" ? msg : body.slice(0, 200) }
    }
  } catch {
    // not JSON: a proxy's or WAF's page
  }
  return { code: undefined, msg: body.slice(0, 200) || "no body" }
}

const str = (value: string | number | boolean | undefined): string | undefined =>
  value === undefined ? undefined : String(value)

/**
 * Whether a 2xx body is an error body: a `code` other than 0 or 200, and a `msg`. MEXC answers a
 * few errors with HTTP 200.
 */
export const isErrorBody = (body: string): boolean => {
  if (!body.includes("\"code\"") || !body.includes("\"msg\"")) return false
  const { code } = readErrorBody(body)
  return code !== undefined && code !== 0 && code !== 200
}

/** The table: an error answer (not 429/418/5xx) to its reason. */
export const reasonFor = (answer: ErrorAnswer): ExchangeErrorReason => {
  const { code, msg } = readErrorBody(answer.body)
  const kind = code === undefined ? undefined : codes.get(code)
  const symbol = str(answer.params.symbol) ?? ""
  if (kind === undefined) {
    // 401 without a code: the key or signature was refused before anything else.
    if (code === undefined && answer.status === 401) return new InvalidSignature({ venueMessage: msg })
    return new Rejected({ code, status: answer.status, venueMessage: msg })
  }
  return reasonOfKind(kind, {
    status: answer.status,
    code,
    message: msg,
    symbol,
    symbolsAsked: str(answer.params.symbols),
    order: { orderId: str(answer.params.orderId), clientOrderId: str(answer.params.origClientOrderId) }
  })
}
