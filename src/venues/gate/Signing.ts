/**
 * Gate.io APIv4 request signing, for REST calls and for private WebSocket subscribes. Shared by the
 * Gate client and by whatever verifies what a client sends (the simulator).
 *
 * REST (gateio-wire.md, "Signing"): `SIGN` is the lowercase hex HMAC-SHA512, keyed with the API
 * secret's UTF-8 bytes, of
 * `METHOD \n PATH \n QUERY \n hex(SHA512(BODY)) \n TIMESTAMP`, where PATH includes `/api/v4` and no
 * query, QUERY is the query string exactly as sent (`""` when none), BODY the exact JSON text sent
 * (`""` when none) and TIMESTAMP whole epoch seconds, also sent in the `Timestamp` header (Gate
 * refuses it more than 60 s from its clock: `REQUEST_EXPIRED`).
 *
 * WebSocket (gateio-wire.md, "Authentication of private channels"): each private subscribe carries
 * `auth: {method: "api_key", KEY, SIGN}` with `SIGN` the hex HMAC-SHA512 of
 * `channel=<channel>&event=<event>&time=<time>`, `time` the request's own `time` field (seconds).
 *
 * The secret stays `Redacted` up to the HMAC call: {@link hmac} is the only place it is unwrapped.
 *
 * @since 0.1.0
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

/** Header carrying the API key. */
export const keyHeader = "KEY"
/** Header carrying the signature. */
export const signHeader = "SIGN"
/** Header carrying the request's epoch seconds (the same value that was signed). */
export const timestampHeader = "Timestamp"

/** How far (s) a request's timestamp may be from Gate's clock before `REQUEST_EXPIRED`. */
export const timestampWindowSeconds = 60

/** Lowercase hex SHA-512 of `body` (of `""`: `cf83e135…927da3e`). */
export const bodyHash = (body: string): string => createHash("sha512").update(body).digest("hex")

/** What a REST signature covers. */
export interface RestPayload {
  /** Upper-case HTTP method. */
  readonly method: string
  /** URL path including `/api/v4`, no host, no query. */
  readonly path: string
  /** Query string exactly as on the request line (no `?`); `""` when none. */
  readonly query: string
  /** Body text exactly as sent; `""` when none. */
  readonly body: string
  /** Whole epoch seconds. */
  readonly timestamp: number
}

/** The string a REST signature is computed over. */
export const restSignaturePayload = (p: RestPayload): string =>
  `${p.method.toUpperCase()}\n${p.path}\n${p.query}\n${bodyHash(p.body)}\n${p.timestamp}`

/**
 * Lowercase hex HMAC-SHA512 of `payload` keyed with `secret`. The secret is unwrapped only here, as
 * the HMAC key, so no log, error or span can show it.
 */
export const hmac = (secret: Redacted.Redacted<string>, payload: string): string =>
  createHmac("sha512", Redacted.value(secret)).update(payload).digest("hex")

/** The REST `SIGN` header for a request. */
export const signRest = (secret: Redacted.Redacted<string>, payload: RestPayload): string =>
  hmac(secret, restSignaturePayload(payload))

/** The string a private subscribe's signature is computed over. */
export const channelSignaturePayload = (channel: string, event: string, time: number): string =>
  `channel=${channel}&event=${event}&time=${time}`

/** The `auth.SIGN` of a private WebSocket subscribe or unsubscribe sent with `time` (seconds). */
export const signChannel = (secret: Redacted.Redacted<string>, channel: string, event: string, time: number): string =>
  hmac(secret, channelSignaturePayload(channel, event, time))

/**
 * The `auth` object of a private subscribe: `{method: "api_key", KEY, SIGN}`. The key is a public
 * identifier (it travels in every signed request); the secret never leaves {@link hmac}.
 */
export const channelAuth = (
  credentials: { readonly apiKey: Redacted.Redacted<string>; readonly apiSecret: Redacted.Redacted<string> },
  channel: string,
  event: string,
  time: number
): { readonly method: "api_key"; readonly KEY: string; readonly SIGN: string } => ({
  method: "api_key",
  KEY: Redacted.value(credentials.apiKey),
  SIGN: signChannel(credentials.apiSecret, channel, event, time)
})

/**
 * Checks `signature` against the one expected for `payload`, in constant time. Gate's signatures are
 * lowercase hex: an upper-case one does not match.
 */
export const verify = (secret: Redacted.Redacted<string>, payload: string, signature: string): boolean => {
  const expected = Buffer.from(hmac(secret, payload), "latin1")
  const given = Buffer.from(signature, "latin1")
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** Whether a request's timestamp (s) is within {@link timestampWindowSeconds} of `serverTimeSeconds`. */
export const timestampAccepted = (timestamp: number, serverTimeSeconds: number): boolean =>
  Math.abs(serverTimeSeconds - timestamp) <= timestampWindowSeconds
