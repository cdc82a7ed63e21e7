/**
 * Request parameters and SIGNED-endpoint verification, exactly as MEXC checks them: parameters
 * may come in the query string, the body (form-encoded or a JSON object) or both (the query
 * string's value wins for a parameter sent in both); the signature
 * covers the query string followed directly by the body, each without its `signature` parameter;
 * `X-MEXC-APIKEY` names the account; `timestamp` must be within `recvWindow` (default 5000, at
 * most 60000) and not more than 1 s ahead of the server.
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"
import { MexcSigning } from "../../../venues/mexc/index.ts"

/** A MEXC error answer: HTTP status plus the `{code, msg}` body. */
export interface ApiError {
  readonly status: number
  readonly code: number
  readonly msg: string
}

/** Builds an {@link ApiError} (status 400 unless given). */
export const apiError = (code: number, msg: string, status = 400): ApiError => ({ status, code, msg })

/** The parameters of one request, merged from query string and body, with the raw texts kept for signing. */
export interface RequestParams {
  readonly params: ReadonlyMap<string, string>
  /** Raw query string without `?` and without its `signature` parameter. */
  readonly signedQuery: string
  /** Raw body without its `signature` parameter. */
  readonly signedBody: string
  readonly signature: string | undefined
}

/** Percent-decodes; malformed encoding is kept as it came (it then fails the signature check). */
const decodeLenient = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const withoutSignature = (raw: string): { readonly text: string; readonly signature: string | undefined } => {
  if (!raw.includes("signature=")) return { text: raw, signature: undefined }
  let signature: string | undefined
  const kept: Array<string> = []
  for (const part of raw.split("&")) {
    if (part.startsWith("signature=")) signature = decodeLenient(part.slice(10))
    else kept.push(part)
  }
  return { text: kept.join("&"), signature }
}

/**
 * Parses query string and body into {@link RequestParams}. A parameter sent in both takes the
 * query string's value, as MEXC's signing rules say; the signature still covers both texts.
 */
export const parseParams = (rawQuery: string, rawBody: string): RequestParams => {
  const params = new Map<string, string>()
  const query = withoutSignature(rawQuery)
  for (const [key, value] of new URLSearchParams(rawQuery)) if (key !== "signature") params.set(key, value)
  let signature = query.signature
  let signedBody = rawBody
  const trimmed = rawBody.trim()
  if (trimmed.startsWith("{")) {
    try {
      const json = JSON.parse(trimmed) as Record<string, unknown>
      for (const [key, value] of Object.entries(json)) {
        if (value === null || value === undefined) continue
        if (key === "signature") signature ??= String(value)
        else if (!params.has(key)) params.set(key, String(value))
      }
    } catch {
      // Not JSON after all: treat as no parameters; the signature check will fail if it mattered.
    }
  } else if (trimmed.length > 0) {
    const body = withoutSignature(rawBody)
    signedBody = body.text
    signature ??= body.signature
    for (const [key, value] of new URLSearchParams(rawBody)) if (key !== "signature" && !params.has(key)) params.set(key, value)
  }
  return { params, signedQuery: query.text, signedBody, signature }
}

/** Looks up an account's secret by API key. */
export type SecretLookup = (apiKey: string) => string | undefined

/**
 * Verifies a SIGNED request at `serverTime`; answers the API key of the account, or the
 * {@link ApiError} MEXC would send.
 */
export const verifySigned = (
  apiKey: string | undefined,
  request: RequestParams,
  serverTime: number,
  secretOf: SecretLookup
): ApiError | { readonly apiKey: string } => {
  if (apiKey === undefined || apiKey.length === 0) return apiError(700001, "API-key format invalid.", 401)
  const secret = secretOf(apiKey)
  if (secret === undefined) return apiError(700001, "API-key format invalid.", 401)
  const timestampText = request.params.get("timestamp")
  if (timestampText === undefined || timestampText.length === 0) {
    return apiError(700004, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
  }
  if (request.signature === undefined || request.signature.length === 0) {
    return apiError(700004, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
  }
  const timestamp = Number(timestampText)
  const recvWindowText = request.params.get("recvWindow")
  const recvWindow = recvWindowText === undefined || recvWindowText === ""
    ? MexcSigning.defaultRecvWindow
    : Number(recvWindowText)
  if (!Number.isFinite(timestamp) || !Number.isFinite(recvWindow) || recvWindow < 0) {
    return apiError(33333, "Parameter error")
  }
  if (recvWindow > MexcSigning.maxRecvWindow) return apiError(700005, "recvWindow must less than 60000")
  if (!MexcSigning.timestampAccepted(timestamp, serverTime, recvWindow)) {
    return apiError(700003, "Timestamp for this request is outside of the recvWindow.")
  }
  const payload = MexcSigning.totalParams(request.signedQuery, request.signedBody)
  if (!MexcSigning.verify(Redacted.make(secret), payload, request.signature)) {
    return apiError(700002, "Signature for this request is not valid.")
  }
  return { apiKey }
}

/** Whether `value` is an {@link ApiError}. */
export const isApiError = (value: object): value is ApiError => "code" in value && "msg" in value
