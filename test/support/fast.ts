/**
 * Settings that make the venues' connections and private sides quick enough for tests on loopback
 * (fast reconnects, short grace and unknown-outcome windows), whatever the venue.
 */
import type * as PrivateConnector from "../../src/connector/PrivateConnector.ts"
import type * as Connection from "../../src/socket/Connection.ts"

/** Reconnection settings: fast backoff, short close wait, 1 s pings. */
export const fastConnection = {
  backoff: { initial: "20 millis", max: "200 millis" },
  closeTimeout: "200 millis",
  pingInterval: "1 second"
} as const

/** A private side's settings (the connector's, and its connection's): short grace and unknown-outcome windows, no audit unless asked, 200 ms pings. */
export const fastPrivateConnector = {
  unknownOutcome: { visibilityWindow: "300 millis", requestLifetime: "600 millis", deadline: "5 seconds", interval: "50 millis" },
  streamGrace: "1 second",
  auditInterval: false,
  connection: {
    backoff: { initial: "20 millis", max: "200 millis" },
    closeTimeout: "200 millis",
    pingInterval: "200 millis",
    staleAfter: "2 seconds"
  }
} as const satisfies PrivateConnector.Options & { readonly connection: Partial<Connection.ConnectionOptions> }
