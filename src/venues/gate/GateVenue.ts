/**
 * Gate.io Spot v4 as a venue adapter: its production URLs, its credentials (`GATE_API_KEY`,
 * `GATE_API_SECRET`), its dead-man switch (`countdown_cancel_all`, at least 5 s), and its three parts: the REST client with Gate's quotas (shared), the public
 * exchange and the private exchange. Gate serves public and private channels on one WebSocket URL.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import * as Adapter from "../Adapter.ts"
import * as DeadManSwitch from "./DeadManSwitch.ts"
import * as GatePrivate from "./GatePrivate.ts"
import * as GatePublic from "./GatePublic.ts"
import * as GateRest from "./GateRest.ts"
import * as Quotas from "./Quotas.ts"

/** The Gate adapter. */
export const adapter: Adapter.Adapter = Adapter.make({
  name: "gate",
  restUrl: GateRest.productionUrl,
  wsUrl: GatePublic.defaultUrl,
  credentials: { venue: "gate", apiKey: "GATE_API_KEY", apiSecret: "GATE_API_SECRET" },
  deadManSwitch: { minimumSeconds: DeadManSwitch.minimumTimeoutSeconds },
  shared: (venue, credentials) =>
    GateRest.layerNode({
      baseUrl: venue.restUrl,
      credentials,
      ...(venue.name === undefined ? {} : { name: venue.name })
    }).pipe(Layer.provideMerge(venue.name === undefined ? Quotas.layer : Quotas.layerNamed(venue.name))),
  public: (venue) =>
    GatePublic.layer({
      venue: venue.venue,
      url: venue.wsUrl,
      connection: venue.connection,
      ...(venue.name === undefined ? {} : { name: `${venue.name}-public` })
    }),
  private: (venue) =>
    GatePrivate.layer({
      venue: venue.venue,
      wsUrl: venue.privateWsUrl,
      connection: venue.connection,
      ...(venue.deadManSwitch === undefined ? {} : { deadManSwitch: { timeoutSeconds: venue.deadManSwitch.timeoutSeconds } }),
      ...(venue.name === undefined ? {} : { name: `${venue.name}-private` })
    })
})
