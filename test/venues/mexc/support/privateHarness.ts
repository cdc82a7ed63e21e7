/**
 * The MEXC private exchange wired to a fresh embedded simulator over real HTTP and WebSocket,
 * built in the test's scope in dependency order (simulator, rate limiter, REST, private
 * exchange), so it is released in reverse, as in an app.
 */
import { Cause, Context, Effect, Layer, Logger, Redacted, References, Result, type Scope, Stream } from "effect"
import type { PrivateExchangeShape } from "../../../../src/exchange/PrivateExchange.ts"
import type { OrderUpdate } from "../../../../src/exchange/Model.ts"
import { LeakCheck } from "../../../../src/lifecycle/index.ts"
import { SimExchange } from "../../../../src/sim/index.ts"
import type { SimOptions } from "../../../../src/sim/SimExchange.ts"
import * as NodeWebSocket from "../../../../src/socket/NodeWebSocket.ts"
import * as MexcPrivate from "../../../../src/venues/mexc/MexcPrivate.ts"
import * as MexcRest from "../../../../src/venues/mexc/MexcRest.ts"
import * as Quotas from "../../../../src/venues/mexc/Quotas.ts"
import { fastPrivateConnector } from "../../../support/fast.ts"

export interface Harness {
  readonly sim: SimExchange.SimExchangeShape
  readonly exchange: PrivateExchangeShape
}

/** A second account that trades against ours (funded like the demo account). */
export const counterparty = { apiKey: "counter-key", secret: "counter-secret" }

/** Fast settings for tests: short grace and unknown-outcome windows; no audit unless asked. */
export const fastPrivate: MexcPrivate.Options = { venue: "sim", ...fastPrivateConnector }

/** A fresh simulator (no synthetic market unless asked, a counterparty account) in the current scope. */
export const buildSim = (simOptions: SimOptions = {}) =>
  Effect.map(
    Layer.build(Layer.fresh(SimExchange.layer({ market: false, accounts: [counterparty], ...simOptions }))),
    (context) => Context.get(context, SimExchange.SimExchange)
  )

/** The rate limiter, MEXC REST and the private exchange on `sim`, in the current scope. */
export const buildPrivate = (
  sim: SimExchange.SimExchangeShape,
  privateOptions: MexcPrivate.Options = {},
  restOptions: Partial<MexcRest.Options> = {}
) =>
  Effect.gen(function*() {
    const restContext = yield* Layer.build(Layer.fresh(
      MexcRest.layerNode({
        baseUrl: sim.restUrl,
        credentials: { apiKey: Redacted.make(sim.credentials.apiKey), apiSecret: sim.credentials.apiSecret },
        ...restOptions
      }).pipe(Layer.provideMerge(Quotas.layer))
    ))
    return yield* MexcPrivate.make({ ...fastPrivate, wsUrl: sim.wsUrl, ...privateOptions }).pipe(
      Effect.provide(restContext),
      Effect.provide(NodeWebSocket.layerConstructor())
    )
  })

/** Builds the simulator and, on it, the private exchange, in the current scope. */
export const build = (
  simOptions: SimOptions = {},
  privateOptions: MexcPrivate.Options = {},
  restOptions: Partial<MexcRest.Options> = {}
): Effect.Effect<Harness, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const sim = yield* buildSim(simOptions)
    const exchange = yield* buildPrivate(sim, privateOptions, restOptions)
    return { sim, exchange }
  })

/** Runs a test body under LeakCheck with a harness; logs are dropped unless `logs` collects them. */
export const withPrivate = <A, E>(
  body: (harness: Harness) => Effect.Effect<A, E, Scope.Scope>,
  options: {
    readonly sim?: SimOptions
    readonly private?: MexcPrivate.Options
    readonly rest?: Partial<MexcRest.Options>
    readonly logs?: Array<string>
  } = {}
) =>
  quiet(LeakCheck.scoped(Effect.gen(function*() {
    const harness = yield* build(options.sim, options.private, options.rest)
    return yield* body(harness)
  })), options.logs)

/** Drops log lines, or collects them into `logs`. */
export const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>, logs?: Array<string>) =>
  Effect.provide(effect, Logger.layer(logs === undefined ? [] : [collectLogs(logs)]))

/** A logger that keeps each line as `LEVEL message {annotations}`. */
export const collectLogs = (lines: Array<string>) =>
  Logger.make((options) => {
    const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
    const message = options.message
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    const cause = options.cause.reasons.length > 0 ? ` ${Cause.pretty(options.cause)}` : ""
    lines.push(`${options.logLevel} ${text} ${JSON.stringify(annotations)}${cause}`)
  })

/** Collects the order updates of the exchange in the background (subscribe before acting). */
export const recordUpdates = (exchange: PrivateExchangeShape) =>
  Effect.gen(function*() {
    const updates: Array<OrderUpdate> = []
    yield* exchange.orderUpdates.pipe(
      Stream.runForEach((u) => Effect.sync(() => void updates.push(u))),
      Effect.forkScoped
    )
    // The subscription is registered when the stream starts running.
    yield* Effect.yieldNow
    return updates
  })

/** Places an order for the counterparty straight into the simulator's engine. */
export const counterOrder = (
  sim: SimExchange.SimExchangeShape,
  request: { symbol: string; side: "BUY" | "SELL"; type: string; price?: string; quantity?: string }
) => {
  const result = sim.engine.placeOrder(counterparty.apiKey, request, Date.now())
  if (Result.isFailure(result)) throw new Error(`counter order refused: ${JSON.stringify(result.failure)}`)
  return result.success
}

/** The demo account's open orders, as the simulator has them. */
export const simOpenOrders = (sim: SimExchange.SimExchangeShape, symbol?: string) => {
  const result = sim.engine.openOrders(sim.credentials.apiKey, symbol)
  if (Result.isFailure(result)) throw new Error("openOrders failed")
  return result.success
}
