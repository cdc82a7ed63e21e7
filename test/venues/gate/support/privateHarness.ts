/**
 * Gate's private exchange wired to a fresh embedded Gate simulator over real HTTP and WebSocket,
 * built in the test's scope in dependency order (simulator, rate limiter and REST, private
 * exchange), so it is released in reverse, as in an app. The venue-neutral helpers (log capture,
 * update recording) are the MEXC harness's.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer, Redacted, Result, type Scope } from "effect"
import type { PrivateExchangeShape } from "../../../../src/exchange/PrivateExchange.ts"
import { LeakCheck, Lifecycle } from "../../../../src/lifecycle/index.ts"
import { GateSim } from "../../../../src/sim/index.ts"
import * as NodeWebSocket from "../../../../src/socket/NodeWebSocket.ts"
import * as GatePrivate from "../../../../src/venues/gate/GatePrivate.ts"
import * as GateQuotas from "../../../../src/venues/gate/Quotas.ts"
import * as GateRest from "../../../../src/venues/gate/GateRest.ts"
import { fastPrivateConnector } from "../../../support/fast.ts"
import { quiet } from "../../mexc/support/privateHarness.ts"

export { collectLogs, quiet, recordUpdates } from "../../mexc/support/privateHarness.ts"

/** The pair the private tests trade. */
export const symbol = "HIFI_USDT"

/** A second account that trades against ours (funded like the demo account). */
export const counterparty = { apiKey: "counter-key", secret: "counter-secret" }

export interface Harness {
  readonly gate: GateSim.GateSimShape
  readonly exchange: PrivateExchangeShape
}

/** Fast settings for tests: short grace and unknown-outcome windows; no audit unless asked. */
export const fastPrivate: GatePrivate.Options = fastPrivateConnector

/** A fresh Gate simulator (no synthetic market unless asked, a counterparty account) in the current scope. */
export const buildGate = (options: GateSim.GateSimOptions = {}) =>
  Effect.map(
    Layer.build(Layer.fresh(GateSim.layer({ market: false, accounts: [counterparty], ...options }))),
    (context) => Context.get(context, GateSim.GateSim)
  )

/** Gate's limiter and REST client (the demo account) on `baseUrl`, in the current scope. */
export const buildRest = (gate: GateSim.GateSimShape, options: Partial<GateRest.Options> = {}) =>
  Effect.map(
    Layer.build(Layer.fresh(
      GateRest.layer({
        baseUrl: gate.restUrl,
        credentials: { apiKey: Redacted.make(gate.credentials.apiKey), apiSecret: gate.credentials.apiSecret },
        ...options
      }).pipe(Layer.provideMerge(GateQuotas.layer), Layer.provide(NodeHttpClient.layerUndici))
    )),
    (context) => Context.get(context, GateRest.GateRest)
  )

/** The private exchange on `gate` over `rest`, in the current scope. */
export const buildPrivate = (gate: GateSim.GateSimShape, rest: GateRest.GateRestShape, options: GatePrivate.Options = {}) =>
  GatePrivate.make({ ...fastPrivate, wsUrl: gate.wsUrl, ...options }).pipe(
    Effect.provideService(GateRest.GateRest, rest),
    Effect.provide(NodeWebSocket.layerConstructor())
  )

/**
 * Runs a test body under LeakCheck with a harness; logs are dropped unless `logs` collects them,
 * lifecycle events go to `events` when given.
 */
export const withPrivate = <A, E>(
  body: (harness: Harness) => Effect.Effect<A, E, Scope.Scope>,
  options: {
    readonly sim?: GateSim.GateSimOptions
    readonly private?: GatePrivate.Options
    readonly rest?: Partial<GateRest.Options>
    readonly logs?: Array<string>
    readonly events?: Array<Lifecycle.LifecycleEvent>
    /** Stands between the private exchange and REST (to observe what the venue answered). */
    readonly wrapRest?: (rest: GateRest.GateRestShape) => GateRest.GateRestShape
  } = {}
) => {
  const events = options.events ?? []
  return quiet(
    LeakCheck.scoped(Effect.gen(function*() {
      const gate = yield* buildGate(options.sim)
      const rest = yield* buildRest(gate, options.rest)
      const exchange = yield* buildPrivate(gate, options.wrapRest?.(rest) ?? rest, options.private)
      return yield* body({ gate, exchange })
    })).pipe(Effect.provideService(Lifecycle.LifecycleObserver, (event) => void events.push(event))),
    options.logs
  )
}

/** Places a LIMIT order for the counterparty straight into the simulator's engine. */
export const counterOrder = (gate: GateSim.GateSimShape, request: { side: "BUY" | "SELL"; price: string; quantity: string }) => {
  const result = gate.engine.placeOrder(counterparty.apiKey, { symbol, type: "LIMIT", ...request }, Date.now())
  if (Result.isFailure(result)) throw new Error(`counter order refused: ${JSON.stringify(result.failure)}`)
  return result.success
}

/** The demo account's open orders, as the simulator has them. */
export const simOpenOrders = (gate: GateSim.GateSimShape) => {
  const result = gate.engine.openOrders(gate.credentials.apiKey, symbol)
  if (Result.isFailure(result)) throw new Error("openOrders failed")
  return result.success
}

/** Every order of the demo account on the pair (open and finished), as the simulator has them. */
export const simAllOrders = (gate: GateSim.GateSimShape) => {
  const result = gate.engine.allOrders(gate.credentials.apiKey, symbol)
  if (Result.isFailure(result)) throw new Error("allOrders failed")
  return result.success
}
