/**
 * The Node side of the connection: a `Socket.WebSocketConstructor` backed by `ws`, kept apart
 * from `Connection` so the core does not depend on Node.
 *
 * Beyond Effect's own `NodeWS.layerWebSocketConstructor`, the sockets it makes say why `ws`
 * closed a connection the peer broke: `ws` closes with a status code (1007 for invalid UTF-8,
 * 1009 for a frame over `maxPayload`, 1002 for other protocol errors) but reports it only in its
 * error's `code` string, which Effect's socket surfaces as a bare read failure. These errors get
 * a numeric `closeCode`, so the connection reports `Closed` with that code and `ws`'s message.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import * as Socket from "effect/socket/Socket"
import { WebSocket } from "ws"
import * as Connection from "./Connection.ts"

/** Options for the `ws` client. */
export interface ConstructorOptions {
  /** Largest frame `ws` accepts, in bytes; a larger one closes the connection with 1009. Default 100 MiB (ws's). */
  readonly maxPayloadBytes?: number | undefined
}

/**
 * The close code `ws` sends for each of its error codes (ws docs, "WS Error Codes"). The
 * connection also measures frames itself (`maxFrameBytes`: counted and skipped); this limit is
 * the one past which `ws` does not even buffer the frame.
 */
const wsErrorCloseCodes: Record<string, number> = {
  WS_ERR_EXPECTED_FIN: 1002,
  WS_ERR_EXPECTED_MASK: 1002,
  WS_ERR_INVALID_CLOSE_CODE: 1002,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 1002,
  WS_ERR_INVALID_OPCODE: 1002,
  WS_ERR_UNEXPECTED_MASK: 1002,
  WS_ERR_UNEXPECTED_RSV_1: 1002,
  WS_ERR_UNEXPECTED_RSV_2: 1002,
  WS_ERR_UNEXPECTED_RSV_3: 1002,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009
}

/** A `ws`-backed WebSocket constructor (see the module docs). */
export const makeConstructor = (options?: ConstructorOptions): Socket.WebSocketConstructor["Service"] =>
(url, protocolsOrOptions) => {
  const clientOptions = protocolsOrOptions === undefined || typeof protocolsOrOptions === "string" ||
      Array.isArray(protocolsOrOptions)
    ? { protocols: protocolsOrOptions, headers: undefined }
    : protocolsOrOptions
  const ws = new WebSocket(url, clientOptions.protocols, {
    ...(clientOptions.headers !== undefined ? { headers: clientOptions.headers } : {}),
    ...(options?.maxPayloadBytes !== undefined ? { maxPayload: options.maxPayloadBytes } : {})
  })
  // Registered before any `addEventListener("error")`, so it runs first.
  ws.on("error", (error: Error & { code?: unknown; closeCode?: number }) => {
    const code = typeof error.code === "string" ? wsErrorCloseCodes[error.code] : undefined
    if (code !== undefined) error.closeCode = code
  })
  return ws as unknown as Socket.WebSocketLike
}

/** Provides the `ws`-backed `Socket.WebSocketConstructor`, with read backpressure. */
export const layerConstructor = (options?: ConstructorOptions): Layer.Layer<Socket.WebSocketConstructor> =>
  Layer.succeed(Socket.WebSocketConstructor)(makeConstructor(options))

/** A `Connection` layer on Node. */
export const layerConnection = (
  options: Connection.ConnectionOptions,
  constructorOptions?: ConstructorOptions
): Layer.Layer<Connection.Connection> =>
  Connection.layer(options).pipe(Layer.provide(layerConstructor(constructorOptions)))
