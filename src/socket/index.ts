/**
 * The connection: one logical WebSocket with reconnects, heartbeat, stale detection, scoped
 * subscriptions replayed after reconnects, refusals as typed errors and a per-connection outbound
 * rate (`Connection`); its error (`ConnectionError`); a venue's control format, liveness rule and
 * rate (`Protocol`; each venue supplies its own); reconnect delays (`Backoff`); and the `ws`-backed
 * constructor for Node (`NodeWebSocket`).
 *
 * @since 0.1.0
 */
export * as Backoff from "./Backoff.ts"
export * as Connection from "./Connection.ts"
export * as ConnectionError from "./ConnectionError.ts"
export * as NodeWebSocket from "./NodeWebSocket.ts"
export * as Protocol from "./Protocol.ts"
