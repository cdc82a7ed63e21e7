/**
 * Gate.io APIv4 authentication, checked the way the venue does it (`gateio-wire.md`, "Signing"):
 *
 * - REST: headers `KEY`, `Timestamp` (unix seconds) and `SIGN` = lower-case hex
 *   HMAC-SHA512(secret, METHOD "\n" PATH "\n" QUERY "\n" hex(SHA512(BODY)) "\n" TIMESTAMP), the
 *   secret used as its UTF-8 bytes. PATH includes `/api/v4`; QUERY is the query string exactly as
 *   it appears on the request line (no decoding, no re-ordering: `%2C` and `,` sign differently);
 *   BODY is the exact text sent. Any byte of difference answers 401 `INVALID_SIGNATURE`
 *   (`Signature mismatch`); a `Timestamp` more than 60 s from the server's clock answers 401
 *   `REQUEST_EXPIRED`.
 * - WebSocket private channels: `auth: {method: "api_key", KEY, SIGN}` with SIGN = hex
 *   HMAC-SHA512(secret, "channel=<channel>&event=<event>&time=<time>").
 *
 * An independent implementation (node:crypto), so the client's signer is checked against
 * something it does not share code with.
 *
 * @since 0.1.0
 */
import { createHash, createHmac } from "node:crypto"
import { type GateError, gateError } from "./Wire.ts"

/** How far `Timestamp` may be from the server's clock, in seconds. */
export const timestampWindowSeconds = 60

/** hex(SHA512(body)). */
export const bodyHash = (body: string): string => createHash("sha512").update(body, "utf8").digest("hex")

/** The REST `SIGN` for one request. */
export const restSignature = (
  secret: string,
  method: string,
  path: string,
  query: string,
  body: string,
  timestamp: string
): string =>
  createHmac("sha512", Buffer.from(secret, "utf8"))
    .update(`${method}\n${path}\n${query}\n${bodyHash(body)}\n${timestamp}`, "utf8")
    .digest("hex")

/** The WebSocket `auth.SIGN` of a private subscribe/unsubscribe. */
export const wsSignature = (secret: string, channel: string, event: string, time: number | string): string =>
  createHmac("sha512", Buffer.from(secret, "utf8")).update(`channel=${channel}&event=${event}&time=${time}`, "utf8").digest("hex")

/** What a signed REST request carries, as received. */
export interface SignedRequest {
  readonly method: string
  /** The request line's path (`/api/v4/spot/orders`). */
  readonly path: string
  /** The request line's query, without `?`, byte for byte. */
  readonly query: string
  readonly body: string
  readonly key: string | undefined
  readonly timestamp: string | undefined
  readonly sign: string | undefined
}

const timestampPattern = /^[0-9]{1,12}(\.[0-9]{1,9})?$/

/** Checks a signed REST request at `now` (epoch ms): the account's API key, or the 401 to answer. */
export const verifyRest = (
  request: SignedRequest,
  now: number,
  secretOf: (apiKey: string) => string | undefined
): { readonly apiKey: string } | GateError => {
  if (request.key === undefined || request.key === "") return gateError(401, "MISSING_REQUIRED_HEADER", "Missing required header: KEY")
  if (request.timestamp === undefined || request.timestamp === "") {
    return gateError(401, "MISSING_REQUIRED_HEADER", "Missing required header: Timestamp")
  }
  if (request.sign === undefined || request.sign === "") return gateError(401, "MISSING_REQUIRED_HEADER", "Missing required header: SIGN")
  const secret = secretOf(request.key)
  if (secret === undefined) return gateError(401, "INVALID_KEY", "Invalid key provided")
  if (!timestampPattern.test(request.timestamp)) return gateError(401, "INVALID_SIGNATURE", "Signature mismatch")
  if (Math.abs(now / 1000 - Number(request.timestamp)) > timestampWindowSeconds) {
    return gateError(401, "REQUEST_EXPIRED", `gap between request Timestamp and server time exceeds ${timestampWindowSeconds}`)
  }
  const expected = restSignature(secret, request.method, request.path, request.query, request.body, request.timestamp)
  if (request.sign !== expected) return gateError(401, "INVALID_SIGNATURE", "Signature mismatch")
  return { apiKey: request.key }
}

/** Whether a value is a {@link GateError}. */
export const isGateError = (value: unknown): value is GateError =>
  typeof value === "object" && value !== null && "label" in value && "status" in value
