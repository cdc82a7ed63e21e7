/**
 * The simulated MEXC Spot v3 exchange: REST, protobuf WebSocket, synthetic market and faults on
 * one local port. See `docs/simulator.md`.
 *
 * @since 0.1.0
 */
export * as SimExchange from "./SimExchange.ts"
