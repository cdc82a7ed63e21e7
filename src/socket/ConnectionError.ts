/**
 * The connection's one error type, with a `reason` union of small tagged errors. Every reason
 * says whether retrying (reconnecting, re-sending) can help.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Dialing failed: refused, DNS, TLS, HTTP upgrade rejected. Retryable. */
export class OpenFailed extends Schema.TaggedError<OpenFailed>()("OpenFailed", {
  url: Schema.String,
  cause: Schema.Defect()
}) {
  readonly retryable = true
  override get message(): string {
    return `could not open ${displayUrl(this.url)}: ${describe(this.cause)}`
  }
}

/** The handshake did not complete within `openTimeout`. Retryable. */
export class OpenTimeout extends Schema.TaggedError<OpenTimeout>()("OpenTimeout", {
  url: Schema.String,
  timeoutMs: Schema.Number
}) {
  readonly retryable = true
  override get message(): string {
    return `no handshake from ${displayUrl(this.url)} within ${this.timeoutMs} ms`
  }
}

/**
 * The connection closed with a WebSocket close code (RFC 6455 section 7.4): the peer sent a close
 * frame (`by: "peer"`, e.g. 1001 going away, 1008 policy violation such as a message-rate limit),
 * the TCP connection was reset without one (1006), or the client's WebSocket closed it because
 * the peer broke the protocol (`by: "client"`, e.g. 1007 invalid UTF-8, 1009 a frame over the
 * client's size limit). Retryable.
 */
export class Closed extends Schema.TaggedError<Closed>()("Closed", {
  closeCode: Schema.Number,
  closeReason: Schema.optional(Schema.String),
  by: Schema.optional(Schema.Literals(["peer", "client"]))
}) {
  readonly retryable = true
  override get message(): string {
    const name = closeCodeName(this.closeCode)
    const by = this.by === "client" ? " by the client" : ""
    return `connection closed${by} with code ${this.closeCode}${name ? ` ${name}` : ""}${
      this.closeReason ? `: ${this.closeReason}` : ""
    }`
  }
}

/** The registered name of a WebSocket close code (RFC 6455 section 7.4.1), in parentheses. */
export const closeCodeName = (code: number): string | undefined => {
  const name = closeCodeNames[code]
  return name === undefined ? undefined : `(${name})`
}

const closeCodeNames: Record<number, string> = {
  1000: "normal closure",
  1001: "going away",
  1002: "protocol error",
  1003: "unsupported data",
  1005: "no status received",
  1006: "abnormal closure, no close frame",
  1007: "invalid frame payload data",
  1008: "policy violation",
  1009: "message too big",
  1010: "mandatory extension",
  1011: "internal error",
  1012: "service restart",
  1013: "try again later",
  1014: "bad gateway",
  1015: "TLS handshake failed"
}

/**
 * No frame the venue's protocol recognises (data, acks, pongs) arrived for `silentForMs`: a
 * half-open connection, or a peer that only sends garbage. Dropped and retried.
 */
export class Stale extends Schema.TaggedError<Stale>()("Stale", {
  silentForMs: Schema.Number,
  /** Set when a ping went unanswered this long (the pong timeout), before `staleAfter`. */
  pingUnansweredMs: Schema.optional(Schema.Number)
}) {
  readonly retryable = true
  override get message(): string {
    return this.pingUnansweredMs === undefined
      ? `no recognised frame for ${this.silentForMs} ms: connection is stale`
      : `no answer to a ping for ${this.pingUnansweredMs} ms: connection is stale`
  }
}

/** Reading from the socket failed. Retryable (a reconnect follows). */
export class ReadFailed extends Schema.TaggedError<ReadFailed>()("ReadFailed", {
  cause: Schema.Defect()
}) {
  readonly retryable = true
  override get message(): string {
    return `read failed: ${describe(this.cause)}`
  }
}

/**
 * The session was ended on purpose, and the connection dials again (evaluating its `url` afresh):
 * by the venue, with a text frame its protocol names as the end of the session (`by: "peer"`,
 * e.g. a user-data stream whose key in the URL is dead), or by `restart` (`by: "client"`,
 * e.g. a private stream found silent). Retryable.
 */
export class Ended extends Schema.TaggedError<Ended>()("Ended", {
  why: Schema.String,
  by: Schema.Literals(["peer", "client"])
}) {
  readonly retryable = true
  override get message(): string {
    return `session ended by the ${this.by === "peer" ? "venue" : "client"}: ${this.why}`
  }
}

/** An outbound frame found no open connection within `writeTimeout`. Retryable by the caller. */
export class WriteTimeout extends Schema.TaggedError<WriteTimeout>()("WriteTimeout", {
  timeoutMs: Schema.Number
}) {
  readonly retryable = true
  override get message(): string {
    return `no open connection to write to within ${this.timeoutMs} ms`
  }
}

/** The connection was shut down or gave up reconnecting; nothing more will be sent. Final. */
export class ConnectionShutdown extends Schema.TaggedError<ConnectionShutdown>()("ConnectionShutdown", {
  lastError: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  override get message(): string {
    return `connection is shut down${this.lastError ? ` (last error: ${this.lastError})` : ""}`
  }
}

/**
 * The venue refused a subscription to `channel` (an unknown symbol, one channel too many, a
 * blocked market); `message` is the venue's own answer. The channel is not sent again, not even
 * after a reconnect, until every holder has released it. Not retryable as is.
 */
export class SubscriptionRefused extends Schema.TaggedError<SubscriptionRefused>()("SubscriptionRefused", {
  channel: Schema.String,
  message: Schema.String
}) {
  readonly retryable = false
}

/** Every reason a connection operation can fail. */
export type ConnectionErrorReason =
  | OpenFailed
  | OpenTimeout
  | Closed
  | Stale
  | ReadFailed
  | Ended
  | WriteTimeout
  | ConnectionShutdown
  | SubscriptionRefused

/** A connection failure, tagged with the connection's name. */
export class ConnectionError extends Schema.TaggedError<ConnectionError>()("ConnectionError", {
  connection: Schema.String,
  reason: Schema.Union([
    OpenFailed,
    OpenTimeout,
    Closed,
    Stale,
    ReadFailed,
    Ended,
    WriteTimeout,
    ConnectionShutdown,
    SubscriptionRefused
  ])
}) {
  /** Whether trying again (later) can succeed. */
  get retryable(): boolean {
    return this.reason.retryable
  }
  override get message(): string {
    return `[${this.connection}] ${this.reason.message}`
  }
}

/**
 * A URL as messages and logs show it: every query value longer than 16 characters cut to its
 * first 6 and `…`. A query may carry a credential (a user-stream session token grants access to
 * the account's private stream); its first characters are enough to tell two apart.
 */
export const displayUrl = (url: string): string =>
  url.replace(/([?&][^=&#]+=)([^&#]{17,})/g, (_, name: string, value: string) => `${name}${value.slice(0, 6)}…`)

/** Node's error codes a user meets when dialing, in words. */
const errorCodeWords: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "timed out",
  ENOTFOUND: "host not found",
  EHOSTUNREACH: "host unreachable"
}

const describe = (cause: unknown): string => {
  const code = typeof cause === "object" && cause !== null
    ? (cause as { readonly code?: unknown; readonly error?: { readonly code?: unknown } }).code ??
      (cause as { readonly error?: { readonly code?: unknown } }).error?.code
    : undefined
  const words = typeof code === "string" ? errorCodeWords[code] : undefined
  if (words !== undefined) return `${words} (${describeRaw(cause)})`
  return describeRaw(cause)
}

const describeRaw = (cause: unknown): string => {
  if (cause instanceof Error) return cause.message
  if (typeof cause === "string") return cause
  // WebSocket error events carry the underlying error or a message.
  if (typeof cause === "object" && cause !== null) {
    const event = cause as { readonly error?: unknown; readonly message?: unknown }
    if (event.error instanceof Error) return event.error.message
    if (typeof event.message === "string" && event.message.length > 0) return event.message
  }
  return String(cause)
}
