/**
 * The simulated MEXC Spot v3 exchange: REST, protobuf WebSocket, synthetic market and faults on
 * one local port (see `docs/simulator.md`), and `SimVenue`, the simulator as a venue adapter.
 *
 * @since 0.1.0
 */
export * as SimExchange from "./SimExchange.ts"
export * as SimVenue from "./SimVenue.ts"
/**
 * The simulated Gate.io Spot v4 exchange (REST `/api/v4`, JSON WebSocket `/ws/v4/`), same engine.
 *
 * @since 0.1.0
 */
export * as GateSim from "./GateSim.ts"
/**
 * Several simulated venues at once (MEXC and Gate.io), correlated through one seeded reference
 * price; `measureCrossings` gives the rate at which their prices cross.
 *
 * @since 0.1.0
 */
export * as SimVenues from "./SimVenues.ts"
