/**
 * `SimVenue.layerSim`: the embedded simulator and both exchanges wired to it, as a user drops it into
 * their own tests; the release order of the whole graph from the lifecycle log; configuration
 * errors at start.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Deferred, Effect, Exit, Fiber, Layer, Logger, Scope, Stream } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { PrivateExchange } from "../../src/exchange/PrivateExchange.ts"
import { PublicExchange } from "../../src/exchange/PublicExchange.ts"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import { SimExchange, SimVenue } from "../../src/sim/index.ts"
import * as Venue from "../../src/venues/Venue.ts"
import { collectLogs } from "./mexc/support/privateHarness.ts"

const d = Decimal.unsafeParse

describe("SimVenue.layerSim", () => {
  // The example for the README: a strategy's test against the embedded simulator and its faults.
  it.live("a user's test: buy at market, see the fill; the book keeps coming after a dropped connection", () =>
    Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      const market = yield* PublicExchange
      const account = yield* PrivateExchange

      const fills = yield* account.fills.pipe(Stream.take(1), Stream.runCollect, Effect.forkScoped)
      yield* Effect.yieldNow // the subscription is live before the order goes out
      const order = yield* account.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "MARKET", quoteQuantity: d("2.1") })
      const [fill] = yield* Fiber.join(fills)
      assert.strictEqual(fill?.orderId, order.orderId)

      yield* sim.faults.dropConnections
      const book = yield* market.orderBook("HIFIUSDT").pipe(Stream.take(2), Stream.runLast)
      assert.isTrue(book._tag === "Some" && book.value.bestBid !== undefined && book.value.bestAsk !== undefined)
    }).pipe(
      Effect.scoped,
      Effect.provide(SimVenue.layerSim({ sim: { seed: 7 } })),
      Effect.provide(Logger.layer([]))
    ))

  it.live("releases the whole graph in order: private, public, REST, rate limiter, simulator", () => {
    const events: Array<string> = []
    const logs: Array<string> = []
    return LeakCheck.scoped(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(SimVenue.layerSim({ sim: { seed: 3 } }), scope).pipe(
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => void events.push(`${e.component}:${e.phase}`))
      )
      const account = context.mapUnsafe.get(PrivateExchange.key) as PrivateExchange["Service"]
      const market = context.mapUnsafe.get(PublicExchange.key) as PublicExchange["Service"]
      yield* market.quotes("BTCUSDT").pipe(Stream.take(1), Stream.runDrain)
      yield* account.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", price: d("1000"), quantity: d("0.001") })
      // A book still subscribed when the exchanges close (its subscriber outlives them): its
      // connection is open then, and the hub completes the stream.
      const live = yield* Deferred.make<void>()
      yield* market.orderBook("ETHUSDT").pipe(Stream.tap(() => Deferred.succeed(live, undefined)), Stream.runDrain, Effect.forkScoped)
      yield* Deferred.await(live)
      const closedAt = events.length
      yield* Scope.close(scope, Exit.void)

      // (A public connection whose last channel was released before the close stopped then.)
      const release = events.slice(closedAt)
      const stopping = release.filter((e) => e.endsWith(":stopping")).map((e) => e.replace(/:stopping$/, ""))
      const stopped = release.filter((e) => e.endsWith(":stopped")).map((e) => e.replace(/:stopped$/, ""))
      const at = (list: Array<string>, name: string) => {
        const i = list.findIndex((c) => c === name || c.startsWith(`${name}-`))
        assert.isAtLeast(i, 0, `${name} in the lifecycle log`)
        return i
      }
      // The private side goes first: its orders are canceled while everything is up.
      assert.strictEqual(stopping[0], "private:mexc-private")
      assert.isBelow(at(stopped, "connection:mexc-private"), at(stopped, "connection:mexc-public"), "private connection before public")
      assert.isBelow(at(stopped, "listenKey:mexc-private"), at(stopped, "rest:mexc"), "listen key deleted while REST is up")
      assert.isBelow(at(stopped, "connection:mexc-public"), at(stopped, "queue:mexc-public"), "connections before queues")
      assert.isBelow(at(stopped, "queue:mexc-private"), at(stopped, "hub:mexc-private"), "queues before hubs")
      assert.isBelow(at(stopped, "queue:mexc-public"), at(stopped, "hub:mexc-public"), "queues before hubs")
      assert.isBelow(at(stopped, "hub:mexc-public"), at(stopped, "rest:mexc"), "hubs before REST")
      assert.isBelow(at(stopped, "rest:mexc"), at(stopped, "ratelimit:mexc"), "REST before the rate limiter")
      assert.isBelow(at(stopped, "ratelimit:mexc"), at(stopped, "sim"), "the venue last")
      assert.isTrue(logs.some((l) => l.includes("cancel on close: order closed")))
      assert.isFalse(logs.some((l) => l.includes("could not delete the listen key")))
    })).pipe(Effect.provide(Logger.layer([collectLogs(logs)])))
  })
})

describe("Venue.layer: configuration at start", () => {
  const env = (vars: Record<string, string>) => ConfigProvider.fromEnv({ env: vars })

  it.effect("mexc without credentials fails at start naming the variable, before dialing anything", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(Venue.layer({ _tag: "mexc" })).pipe(Effect.scoped, Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
      const message = error?._tag === "Fail" ? (error.error as Error).message : ""
      assert.include(message, "MEXC_API_KEY: is not set")
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, env({}))))

  it.live("the secret appears in no log line and no error, even when the venue refuses the key", () => {
    const logs: Array<string> = []
    const secret = "0123456789abcdef0123456789abcdef"
    return LeakCheck.scoped(Effect.gen(function*() {
      const sim = yield* Layer.build(Layer.fresh(SimExchange.layer({ market: false })))
      const restUrl = (sim.mapUnsafe.get(SimExchange.SimExchange.key) as SimExchange.SimExchangeShape).restUrl
      // A standalone simulator, with credentials it does not know: start fails on the first signed call.
      const exit = yield* Layer.build(Venue.layer({ _tag: "sim", restUrl }, {}, SimVenue.adapters)).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, env({ MEXC_API_KEY: "not-a-sim-key", MEXC_API_SECRET: secret })),
        Effect.scoped,
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      const text = JSON.stringify(exit) + String(Exit.isFailure(exit) ? exit.cause : "")
      assert.include(text, "InvalidSignature")
      assert.notInclude(text, secret)
      assert.isAbove(logs.length, 0)
      for (const line of logs) assert.notInclude(line, secret)
    })).pipe(Effect.provide(Logger.layer([collectLogs(logs)])))
  })
})
