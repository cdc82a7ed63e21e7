/**
 * The exchanges a CLI command runs on, chosen by its flags: the embedded simulator (default), a
 * standalone one (`--rest-url` / `--ws-url`), or MEXC. Start-up is bounded: a WebSocket that never
 * opens gives up after {@link startAttempts} attempts (a warning each) instead of dialing forever;
 * once it opened, reconnects are unbounded.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import { ExchangeError, Transport } from "../exchange/ExchangeError.ts"
import type { PrivateExchange } from "../exchange/PrivateExchange.ts"
import type { PublicExchange } from "../exchange/PublicExchange.ts"
import { SimExchange } from "../sim/index.ts"
import * as MexcPublic from "../venues/mexc/MexcPublic.ts"
import * as MexcRest from "../venues/mexc/MexcRest.ts"
import * as Quotas from "../venues/mexc/Quotas.ts"
import * as Venue from "../venues/Venue.ts"

/** WebSocket dials tried at start-up before a venue counts as unreachable. */
export const startAttempts = 4

/** What the commands' venue flags say. */
export interface VenueFlags {
  readonly venue: "sim" | "mexc"
  readonly restUrl: { readonly _tag: "Some"; readonly value: string } | { readonly _tag: "None" }
  readonly wsUrl: { readonly _tag: "Some"; readonly value: string } | { readonly _tag: "None" }
  readonly seed: number
}

const connection = { maxStartAttempts: startAttempts }

/** The venue config the flags describe. */
export const config = (flags: VenueFlags): Venue.VenueConfig => {
  const urls = {
    ...(flags.restUrl._tag === "Some" ? { restUrl: flags.restUrl.value } : {}),
    ...(flags.wsUrl._tag === "Some" ? { wsUrl: flags.wsUrl.value } : {})
  }
  return flags.venue === "mexc" ? { _tag: "mexc", ...urls } : { _tag: "sim", seed: flags.seed, ...urls }
}

/** Both exchanges (for `mm`). */
export const exchanges = (flags: VenueFlags): Layer.Layer<PublicExchange | PrivateExchange, ExchangeError> =>
  Venue.layer(config(flags), { public: { connection }, private: { connection } })

const simStartFailed = (cause: unknown) =>
  new ExchangeError({
    venue: "sim",
    operation: "start the simulator",
    reason: new Transport({ detail: cause instanceof Error ? cause.message : String(cause) })
  })

/** The public exchange alone (for `watch`: no credentials needed, also on MEXC). */
export const publicExchange = (flags: VenueFlags): Layer.Layer<PublicExchange, ExchangeError> => {
  const on = (venue: string, restUrl: string, wsUrl: string) =>
    MexcPublic.layerNode({ venue, url: wsUrl, connection }).pipe(
      Layer.provide(MexcRest.layerNode({ baseUrl: restUrl }).pipe(Layer.provide(Quotas.layer)))
    )
  const c = config(flags)
  if (c._tag === "sim" && c.restUrl === undefined) {
    return Layer.unwrap(Effect.map(SimExchange.SimExchange, (sim) => on("sim", sim.restUrl, sim.wsUrl))).pipe(
      Layer.provide(SimExchange.layer({ seed: flags.seed }).pipe(
        Layer.catch((cause) => Layer.effect(SimExchange.SimExchange, Effect.fail(simStartFailed(cause))))
      ))
    )
  }
  const restUrl = c.restUrl ?? MexcRest.productionUrl
  const wsUrl = c.wsUrl ?? (c._tag === "sim" ? `${restUrl.replace(/^http/, "ws").replace(/\/+$/, "")}/ws` : MexcPublic.defaultUrl)
  return on(c._tag, restUrl, wsUrl)
}
