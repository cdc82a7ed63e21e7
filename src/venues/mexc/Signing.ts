/**
 * MEXC Spot v3 request signing, shared by the real MEXC REST client and the simulator (which
 * verifies what clients send).
 *
 * `signature` is the lowercase hex HMAC-SHA256, keyed with the API secret, of the query string
 * followed directly by the request body (no `&` between them). The secret stays `Redacted` up to
 * the HMAC call.
 *
 * @since 0.1.0
 */
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto"
import type { KeyObject } from "node:crypto"
import { Redacted } from "effect"

/** Header carrying the API key on SIGNED requests. */
export const apiKeyHeader = "X-MEXC-APIKEY"

/** Default `recvWindow` in milliseconds when a request sends none. */
export const defaultRecvWindow = 5_000

/** Largest `recvWindow` MEXC accepts (700005 above it). */
export const maxRecvWindow = 60_000

/** The string MEXC signs: query string, then body, concatenated. */
export const totalParams = (queryString: string, body: string): string => queryString + body

/**
 * Lowercase hex HMAC-SHA256 of `payload` keyed with `secret`. The secret is only ever unwrapped
 * here, as the HMAC key: it is `Redacted` everywhere else, so no log, error or span can show it.
 */
export const sign = (secret: Redacted.Redacted<string>, payload: string): string =>
  createHmac("sha256", Redacted.value(secret)).update(payload).digest("hex")

/**
 * The HMAC key of `secret`, made once for a client that signs many requests (see {@link signWith}).
 * A `KeyObject` does not show its bytes when logged or inspected.
 */
export const signingKey = (secret: Redacted.Redacted<string>): KeyObject =>
  createSecretKey(Buffer.from(Redacted.value(secret), "utf8"))

/** {@link sign} with a key from {@link signingKey}: the same signature. */
export const signWith = (key: KeyObject, payload: string): string => createHmac("sha256", key).update(payload).digest("hex")

/**
 * Checks `signature` against the expected one in constant time. MEXC documents the signature as
 * lowercase hex (mexc-wire.md, "Signing"): an upper-case one does not match (issue 16, item 20).
 */
export const verify = (
  secret: Redacted.Redacted<string>,
  payload: string,
  signature: string
): boolean => {
  const expected = Buffer.from(sign(secret, payload), "latin1")
  const given = Buffer.from(signature, "latin1")
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/**
 * Whether a request's `timestamp` is acceptable at `serverTime`: not more than 1 s in the future,
 * and not older than `recvWindow`.
 */
export const timestampAccepted = (timestamp: number, serverTime: number, recvWindow: number): boolean =>
  timestamp < serverTime + 1_000 && serverTime - timestamp <= recvWindow

/**
 * Appends `timestamp`, `recvWindow` and `signature` to `params` and returns the signed query string
 * (the form most MEXC clients send, even for POST and DELETE, with an empty body).
 */
export const signQuery = (
  secret: Redacted.Redacted<string>,
  params: Readonly<Record<string, string | number | undefined>>,
  timestamp: number,
  recvWindow: number = defaultRecvWindow
): string => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.append(key, String(value))
  }
  search.append("recvWindow", String(recvWindow))
  search.append("timestamp", String(timestamp))
  const query = search.toString()
  return `${query}&signature=${sign(secret, query)}`
}
