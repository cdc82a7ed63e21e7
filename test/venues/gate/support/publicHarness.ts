/**
 * GatePublic on a fresh embedded Gate simulator over real HTTP and WebSocket, under `LeakCheck`:
 * the simulator first, the REST client and its limiter next, so the exchange is released before
 * them, as in an app; and a recorder of the engine's book at every version to hold views against.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import type { Scope } from "effect"
import type { PublicExchangeShape } from "../../../../src/exchange/PublicExchange.ts"
import type { Lifecycle } from "../../../../src/lifecycle/index.ts"
import { GateSim } from "../../../../src/sim/index.ts"
import * as NodeWebSocket from "../../../../src/socket/NodeWebSocket.ts"
import * as GatePublic from "../../../../src/venues/gate/GatePublic.ts"
import * as GateQuotas from "../../../../src/venues/gate/Quotas.ts"
import * as GateRest from "../../../../src/venues/gate/GateRest.ts"
import { captured } from "../../../support/capture.ts"
import { fastConnection } from "../../../support/fast.ts"
import { recordBook } from "../../mexc/publicSupport.ts"

export interface Harness {
  readonly gate: GateSim.GateSimShape
  readonly exchange: (options?: GatePublic.Options) => Effect.Effect<PublicExchangeShape, never, Scope.Scope>
  readonly logs: Array<string>
  readonly events: Array<Lifecycle.LifecycleEvent>
}

/**
 * Runs `f` against a fresh Gate simulator under `LeakCheck`: the simulator first, the REST client
 * and its limiter next, so the exchange is released before them, as in an app.
 */
export const withGate = <A, E>(simOptions: GateSim.GateSimOptions, f: (h: Harness) => Effect.Effect<A, E, Scope.Scope>) =>
  captured(({ events, logs }) =>
    Effect.gen(function*() {
      const simContext = yield* Layer.build(Layer.fresh(GateSim.layer({ seed: 7, ...simOptions })))
      const gate = simContext.mapUnsafe.get(GateSim.GateSim.key) as GateSim.GateSimShape
      const restContext = yield* Layer.build(
        Layer.fresh(GateRest.layer({ baseUrl: gate.restUrl, retryBase: "20 millis" })).pipe(
          Layer.provide(Layer.mergeAll(GateQuotas.layer, NodeHttpClient.layerUndici))
        )
      )
      const exchange = (options: GatePublic.Options = {}) =>
        GatePublic.make({ ...options, url: gate.wsUrl, connection: { ...fastConnection, ...options.connection } })
          .pipe(Effect.provide(restContext), Effect.provide(NodeWebSocket.layerConstructor()))
      return yield* Effect.scoped(f({ gate, exchange, logs, events }))
    })
  )

/** The engine's book at every version (the recorder reads only the simulator's engine). */
export const recorderOf = (gate: GateSim.GateSimShape, symbol: string) => recordBook(gate, symbol)

export { watchBook } from "../../mexc/publicSupport.ts"


