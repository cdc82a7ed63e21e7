/**
 * Gate.io Spot v4 as a venue adapter: its production URLs, its credentials (`GATE_API_KEY`,
 * `GATE_API_SECRET`), and its parts: the REST client with Gate's quotas (shared) and the public
 * exchange.
 *
 * The private exchange is not here yet: it is the venue-neutral `PrivateConnector` driven by
 * Gate's wire (signed `spot.orders` / `spot.usertrades` / `spot.balances` subscribes, orders found
 * by `text`), and that connector has not landed. Until it does, building Gate's private side fails
 * at start with one line saying so, and `watch --venue gate` (public data only) works.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import { ExchangeError, InvalidConfig } from "../../exchange/ExchangeError.ts"
import type { PrivateExchange } from "../../exchange/PrivateExchange.ts"
import * as Adapter from "../Adapter.ts"
import * as GatePublic from "./GatePublic.ts"
import * as GateRest from "./GateRest.ts"
import * as Quotas from "./Quotas.ts"

const privateUnavailable = (venue: string) =>
  Layer.unwrap(Effect.fail(
    new ExchangeError({
      venue,
      operation: "PrivateExchange",
      reason: new InvalidConfig({
        variable: "venue",
        detail: "Gate's private exchange (orders, balances) is not available in this version; market data is"
      })
    })
  ) as Effect.Effect<Layer.Layer<PrivateExchange>, ExchangeError>)

/** The Gate adapter. */
export const adapter: Adapter.Adapter = Adapter.make({
  name: "gate",
  restUrl: GateRest.productionUrl,
  wsUrl: GatePublic.defaultUrl,
  credentials: { venue: "gate", apiKey: "GATE_API_KEY", apiSecret: "GATE_API_SECRET" },
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
  private: (venue) => privateUnavailable(venue.venue)
})
