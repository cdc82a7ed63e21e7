/**
 * Test support for the MEXC public exchange: the real exchange (MexcRest over Node's HTTP client,
 * the MEXC quota preset, Node's WebSocket) against a fresh simulator over loopback, under the leak
 * check, with the logs captured (the run stays quiet) and lifecycle events recorded; plus a
 * recorder of the simulator engine's own book at every version, to compare a book with the
 * venue's at the same version.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { BigDecimal, Effect, Layer, Stream } from "effect"
import type { Scope } from "effect"
import type { BookView } from "../../../src/exchange/Model.ts"
import { describe as describeBook } from "../../../src/exchange/OrderBook.ts"
import type { PublicExchangeShape } from "../../../src/exchange/PublicExchange.ts"
import type { Lifecycle } from "../../../src/lifecycle/index.ts"
import { SimExchange } from "../../../src/sim/index.ts"
import * as NodeWebSocket from "../../../src/socket/NodeWebSocket.ts"
import * as MexcPublic from "../../../src/venues/mexc/MexcPublic.ts"
import * as MexcQuotas from "../../../src/venues/mexc/Quotas.ts"
import * as MexcRest from "../../../src/venues/mexc/MexcRest.ts"
import { captured } from "../../support/capture.ts"
import { fastConnection } from "../../support/fast.ts"

export interface Harness {
  readonly sim: SimExchange.SimExchangeShape
  /** The exchange, made in the test's scope with `options` (URL and fast reconnects preset). */
  readonly exchange: (options?: MexcPublic.Options) => Effect.Effect<PublicExchangeShape, never, Scope.Scope>
  /** Every log line (message, annotations, cause). */
  readonly logs: Array<string>
  readonly events: Array<Lifecycle.LifecycleEvent>
}

export { collectInto } from "../../support/capture.ts"

/**
 * Runs `f` against a fresh simulator under `LeakCheck`. The simulator is built first and the REST
 * client (and its rate limiter) next, so the exchange is released before them, as in an app.
 */
export const withSim = <A, E>(simOptions: SimExchange.SimOptions, f: (h: Harness) => Effect.Effect<A, E, Scope.Scope>) =>
  captured(({ events, logs }) =>
    Effect.gen(function*() {
      const simContext = yield* Layer.build(Layer.fresh(SimExchange.layer({ seed: 7, ...simOptions })))
      const sim = simContext.mapUnsafe.get(SimExchange.SimExchange.key) as SimExchange.SimExchangeShape
      const restContext = yield* Layer.build(
        Layer.fresh(MexcRest.layer({ baseUrl: sim.restUrl, retryBase: "20 millis" })).pipe(
          Layer.provide(Layer.mergeAll(MexcQuotas.layer, NodeHttpClient.layerUndici))
        )
      )
      const exchange = (options: MexcPublic.Options = {}) =>
        MexcPublic.make({ ...options, url: sim.wsUrl, connection: { ...fastConnection, ...options.connection } })
          .pipe(Effect.provide(restContext), Effect.provide(NodeWebSocket.layerConstructor()))
      return yield* Effect.scoped(f({ sim, exchange, logs, events }))
    })
  )

/**
 * The simulator engine's book of `symbol` at every version from now on: a base snapshot plus
 * every level change with its version, replayed up to the version asked for.
 */
export const recordBook = (sim: { readonly engine: SimExchange.SimExchangeShape["engine"] }, symbol: string) =>
  Effect.gen(function*() {
    const changes: Array<{ side: "BUY" | "SELL"; price: string; quantity: string; version: number }> = []
    const base = sim.engine.depth(symbol, 1_000_000)!
    const unsubscribe = sim.engine.subscribeDepth(symbol, (c) => void changes.push(c))
    yield* Effect.addFinalizer(() => Effect.sync(unsubscribe))
    const canonical = (text: string) => {
      const n = BigDecimal.normalize(BigDecimal.fromStringUnsafe(text))
      return BigDecimal.format(n)
    }
    return {
      baseVersion: base.lastUpdateId,
      /** The latest version recorded. */
      latest: () => changes.length === 0 ? base.lastUpdateId : changes[changes.length - 1]!.version,
      /** The venue's book at `version`, in `OrderBook.describe`'s format; undefined if not recorded. */
      at: (version: number): string | undefined => {
        if (version < base.lastUpdateId) return undefined
        const bids = new Map(base.bids.map(([p, q]) => [canonical(p), canonical(q)]))
        const asks = new Map(base.asks.map(([p, q]) => [canonical(p), canonical(q)]))
        for (const change of changes) {
          if (change.version <= base.lastUpdateId) continue
          if (change.version > version) break
          const side = change.side === "BUY" ? bids : asks
          const price = canonical(change.price)
          if (BigDecimal.isZero(BigDecimal.fromStringUnsafe(change.quantity))) side.delete(price)
          else side.set(price, canonical(change.quantity))
        }
        const sorted = (m: Map<string, string>, desc: boolean) =>
          [...m.entries()].map(([p, q]) => ({ p, q, key: BigDecimal.fromStringUnsafe(p) }))
            .sort((a, b) => BigDecimal.Order(a.key, b.key) * (desc ? -1 : 1))
            .map(({ p, q }) => `${p} ${q}`).join("; ")
        return `bids ${sorted(bids, true)} | asks ${sorted(asks, false)}`
      }
    }
  })

/** Asserts a view is the venue's book at the view's version, and is not crossed. */
export const matchesVenue = (
  recorder: { readonly at: (version: number) => string | undefined },
  view: BookView
): string | undefined => {
  const expected = recorder.at(Number(view.version))
  if (expected === undefined) return `version ${view.version} was not recorded`
  const actual = describeBook(view)
  if (actual !== expected) return `at ${view.version}:\n ours  ${actual}\n venue ${expected}`
  if (view.bestBid !== undefined && view.bestAsk !== undefined && BigDecimal.isGreaterThanOrEqualTo(view.bestBid.price, view.bestAsk.price)) {
    return `crossed at ${view.version}`
  }
  return undefined
}

/** Collects every view of a book stream, checking each against the venue at its version. */
export const watchBook = (
  exchange: { readonly orderBook: (symbol: string) => Stream.Stream<BookView, unknown> },
  recorder: { readonly at: (version: number) => string | undefined },
  symbol: string
) =>
  Effect.gen(function*() {
    const views: Array<BookView> = []
    const mismatches: Array<string> = []
    const fiber = yield* exchange.orderBook(symbol).pipe(
      Stream.runForEach((view) =>
        Effect.sync(() => {
          views.push(view)
          const mismatch = matchesVenue(recorder, view)
          if (mismatch !== undefined) mismatches.push(mismatch)
        })
      ),
      Effect.forkScoped
    )
    return { views, mismatches, fiber }
  })
