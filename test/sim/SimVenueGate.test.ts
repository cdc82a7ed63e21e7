/**
 * The `sim` adapter in Gate's dialect: an embedded Gate.io simulator (or a standalone one by its
 * REST URL, the WebSocket derived as `/ws/v4/`) behind Gate's adapter.
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Effect, Layer, Option, References, Stream } from "effect"
import { PublicExchange } from "../../src/exchange/PublicExchange.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { GateSim, SimVenue } from "../../src/sim/index.ts"
import * as GateVenue from "../../src/venues/gate/GateVenue.ts"

const quiet = Effect.provideService(References.MinimumLogLevel, "Warn")

const firstQuote = Effect.gen(function*() {
  const exchange = yield* PublicExchange
  const quote = yield* exchange.quotes("BTC_USDT").pipe(Stream.take(1), Stream.runHead)
  assert.isTrue(Option.isSome(quote))
  const q = Option.getOrThrow(quote)
  assert.isTrue(BigDecimal.isLessThan(q.bidPrice, q.askPrice), `${BigDecimal.format(q.bidPrice)} < ${BigDecimal.format(q.askPrice)}`)
  return q
})

describe("SimVenue in Gate's dialect", () => {
  it.live("embedded: the Gate simulator behind Gate's public exchange", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        yield* firstQuote
        const gate = yield* GateSim.GateSim
        assert.isTrue(gate.subscriptions().some((s) => s.startsWith("spot.")))
      }).pipe(Effect.provide(SimVenue.layerSimGatePublic(GateVenue.adapter, { sim: { seed: 4 } })), quiet)
    ))

  it.live("the sim adapter speaking Gate: embedded by default, standalone by REST URL", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const adapter = SimVenue.adapter(GateVenue.adapter)
        yield* firstQuote.pipe(Effect.provide(adapter.publicExchange({ seed: 2 })))
        const gate = yield* GateSim.GateSim
        yield* firstQuote.pipe(Effect.provide(adapter.publicExchange({ restUrl: gate.restUrl })))
      }).pipe(Effect.provide(Layer.fresh(GateSim.layer({ seed: 5 }))), quiet)
    ))
})
