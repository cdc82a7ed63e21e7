/**
 * MEXC Spot v3 as a venue adapter: its production URLs, its credentials (`MEXC_API_KEY`,
 * `MEXC_API_SECRET`), and its three parts: the REST client with MEXC's quotas (shared), the
 * public exchange and the private exchange.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import * as Adapter from "../Adapter.ts"
import * as MexcPrivate from "./MexcPrivate.ts"
import * as MexcPublic from "./MexcPublic.ts"
import * as MexcRest from "./MexcRest.ts"
import * as Quotas from "./Quotas.ts"

/** The MEXC adapter. */
export const adapter: Adapter.Adapter = Adapter.make({
  name: "mexc",
  restUrl: MexcRest.productionUrl,
  wsUrl: MexcPublic.defaultUrl,
  credentials: { venue: "mexc", apiKey: "MEXC_API_KEY", apiSecret: "MEXC_API_SECRET" },
  shared: (venue, credentials) =>
    MexcRest.layerNode({
      baseUrl: venue.restUrl,
      credentials,
      ...(venue.name === undefined ? {} : { name: venue.name })
    }).pipe(Layer.provideMerge(venue.name === undefined ? Quotas.layer : Quotas.layerNamed(venue.name))),
  public: (venue) =>
    MexcPublic.layer({
      venue: venue.venue,
      url: venue.wsUrl,
      connection: venue.connection,
      ...(venue.name === undefined ? {} : { name: `${venue.name}-public` })
    }),
  private: (venue) =>
    MexcPrivate.layer({
      venue: venue.venue,
      wsUrl: venue.privateWsUrl,
      connection: venue.connection,
      ...(venue.name === undefined ? {} : { name: `${venue.name}-private` })
    })
})
