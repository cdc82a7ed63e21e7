/**
 * Several venues in one program: two simulators, each its own venue (limiter, REST, connections,
 * simulator) reached by name, a strategy above both; the release order of the whole graph from the
 * lifecycle log. And the canonical instrument key that matches a pair across venues' spellings.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Logger, Scope, Stream } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import { SimVenue } from "../../src/sim/index.ts"
import * as Venues from "../../src/venues/Venues.ts"
import { btc } from "../support/instruments.ts"
import { collectLogs } from "./mexc/support/privateHarness.ts"

const d = Decimal.unsafeParse

/** A strategy above the venues: on release it cancels its orders on every venue, which must still be up. */
const strategy = (canceled: Array<string>) =>
  Layer.effectDiscard(
    Effect.gen(function*() {
      const venues = yield* Venues.Venues
      yield* Effect.addFinalizer(() =>
        Effect.forEach(venues.names, (name) =>
          Effect.gen(function*() {
            const venue = yield* venues.get(name)
            for (const order of yield* venue.private!.openOrders("BTCUSDT")) {
              const done = yield* venue.private!.cancelOrder({ symbol: order.symbol, orderId: order.orderId })
              canceled.push(`${name}:${done.status}`)
            }
          })).pipe(Effect.orDie)
      )
    }).pipe(Lifecycle.scoped({ name: "strategy", stopBudget: "10 seconds" }))
  )

describe("Venues", () => {
  it.live("two simulated venues in one program: each by name, the strategy released first, then the last venue built, then the first", () => {
    const events: Array<string> = []
    const canceled: Array<string> = []
    const logs: Array<string> = []
    return LeakCheck.scoped(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const graph = strategy(canceled).pipe(
        Layer.provideMerge(Venues.layerConfig({ a: { _tag: "sim", seed: 1 }, b: { _tag: "sim", seed: 2 } }, SimVenue.adapters))
      )
      const context = yield* Layer.buildWithScope(graph, scope).pipe(
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => void events.push(`${e.component}:${e.phase}`))
      )
      const venues = context.mapUnsafe.get(Venues.Venues.key) as Venues.VenuesShape
      assert.deepStrictEqual(venues.names, ["a", "b"])
      const a = yield* venues.get("a")
      const b = yield* venues.get("b")
      assert.strictEqual(a.public.venue, "a")
      assert.strictEqual(b.public.venue, "b")
      const unknown = yield* Effect.flip(venues.get("c"))
      assert.strictEqual(unknown.reason._tag, "InvalidConfig")
      // Two markets: each venue's quotes come from its own simulator (different seeds).
      const quoteA = yield* a.public.quotes("BTCUSDT").pipe(Stream.take(1), Stream.runHead)
      const quoteB = yield* b.public.quotes("BTCUSDT").pipe(Stream.take(1), Stream.runHead)
      assert.strictEqual(quoteA._tag, "Some")
      assert.strictEqual(quoteB._tag, "Some")
      // One resting order on each venue, left for the strategy to cancel on release.
      for (const venue of [a, b]) {
        yield* venue.private!.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", price: d("1000"), quantity: d("0.001") })
      }
      // A book still followed on each venue when the program closes: its public connection is open then.
      for (const venue of [a, b]) {
        const live = yield* Deferred.make<void>()
        yield* venue.public.orderBook("ETHUSDT").pipe(Stream.tap(() => Deferred.succeed(live, undefined)), Stream.runDrain, Effect.forkScoped)
        yield* Deferred.await(live)
      }
      const closedAt = events.length
      yield* Scope.close(scope, Exit.void)

      assert.deepStrictEqual(canceled, ["a:CANCELED", "b:CANCELED"], "both venues were up while the strategy unwound")
      const release = events.slice(closedAt)
      const stopping = release.filter((e) => e.endsWith(":stopping")).map((e) => e.replace(/:stopping$/, ""))
      const stopped = release.filter((e) => e.endsWith(":stopped")).map((e) => e.replace(/:stopped$/, ""))
      const of = (venue: string) => (c: string) =>
        c === `rest:${venue}` || c === `ratelimit:${venue}` || c === `sim:${venue}` || c.includes(`:${venue}-`)
      const at = (list: Array<string>, name: string) => {
        const i = list.findIndex((c) => c === name || c.startsWith(`${name}-`))
        assert.isAtLeast(i, 0, `${name} in the lifecycle log`)
        return i
      }
      assert.strictEqual(stopping[0], "strategy", "the strategy goes first")
      assert.isBelow(stopped.indexOf("strategy"), stopping.findIndex(of("b")), "the strategy finished before any venue began to stop")
      // The venue built last goes first, entirely, then the first one.
      assert.isBelow(stopped.findLastIndex(of("b")), stopping.findIndex(of("a")), "venue b stopped entirely before venue a began")
      for (const v of ["a", "b"]) {
        assert.strictEqual(stopping.find(of(v)), `private:${v}-private`, `${v}: the private side first`)
        assert.isBelow(at(stopped, `connection:${v}-private`), at(stopped, `connection:${v}-public`), `${v}: private connection before public`)
        assert.isBelow(at(stopped, `hub:${v}-public`), at(stopped, `rest:${v}`), `${v}: hubs before REST`)
        assert.isBelow(at(stopped, `rest:${v}`), at(stopped, `ratelimit:${v}`), `${v}: REST before the rate limiter`)
        assert.isBelow(at(stopped, `ratelimit:${v}`), at(stopped, `sim:${v}`), `${v}: its simulator last`)
      }
    })).pipe(Effect.provide(Logger.layer([collectLogs(logs)])))
  })

  it("an instrument's key is its base/quote, the same whatever the venue's spelling of the symbol", () => {
    const onMexc = btc()
    const onGate = btc({ symbol: "BTC_USDT" })
    assert.strictEqual(onMexc.key, "BTC/USDT")
    assert.strictEqual(onGate.key, onMexc.key)
    assert.notStrictEqual(btc({ symbol: "BTCUSDC", quoteAsset: "USDC" }).key, onMexc.key)
    assert.strictEqual(btc({ baseAsset: "btc" }).key, "BTC/USDT")
  })
})
