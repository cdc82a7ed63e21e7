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
    return `could not open ${this.url}: ${describe(this.cause)}`
  }
}

/** The handshake did not complete within `openTimeout`. Retryable. */
export class OpenTimeout extends Schema.TaggedError<OpenTimeout>()("OpenTimeout", {
  url: Schema.String,
  timeoutMs: Schema.Number
}) {
  readonly retryable = true
  override get message(): string {
    return `no handshake from ${this.url} within ${this.timeoutMs} ms`
  }
}

/** The peer closed the connection, or the TCP connection was reset (code 1006). Retryable. */
export class Closed extends Schema.TaggedError<Closed>()("Closed", {
  closeCode: Schema.Number,
  closeReason: Schema.optional(Schema.String)
}) {
  readonly retryable = true
  override get message(): string {
    return `connection closed with code ${this.closeCode}${this.closeReason ? ` (${this.closeReason})` : ""}`
  }
}

/** No frame at all arrived for `silentForMs`: a half-open connection. Dropped and retried. */
export class Stale extends Schema.TaggedError<Stale>()("Stale", {
  silentForMs: Schema.Number
}) {
  readonly retryable = true
  override get message(): string {
    return `no frame for ${this.silentForMs} ms: connection is stale`
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

/** Every reason a connection operation can fail. */
export type ConnectionErrorReason =
  | OpenFailed
  | OpenTimeout
  | Closed
  | Stale
  | ReadFailed
  | WriteTimeout
  | ConnectionShutdown

/** A connection failure, tagged with the connection's name. */
export class ConnectionError extends Schema.TaggedError<ConnectionError>()("ConnectionError", {
  connection: Schema.String,
  reason: Schema.Union([OpenFailed, OpenTimeout, Closed, Stale, ReadFailed, WriteTimeout, ConnectionShutdown])
}) {
  /** Whether trying again (later) can succeed. */
  get retryable(): boolean {
    return this.reason.retryable
  }
  override get message(): string {
    return `[${this.connection}] ${this.reason.message}`
  }
}

const describe = (cause: unknown): string => {
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
