/**
 * Closing the private exchange: every order this process placed that is still open is canceled
 * and confirmed gone over REST (the simulator then has none), each logged by id; the components
 * release in the order of the layer graph, proven from the lifecycle log; the listen key is
 * deleted while REST is still up.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import { LeakCheck, Lifecycle } from "../../../src/lifecycle/index.ts"
import { buildPrivate, buildSim, counterOrder, quiet, simOpenOrders } from "./support/privateHarness.ts"

const d = Decimal.unsafeParse

describe("MexcPrivate: shutdown", () => {
  it.live("cancels its open orders on close, confirms none is left, logs each; releases in graph order", () => {
    const logs: Array<string> = []
    const events: Array<string> = []
    return quiet(
      LeakCheck.scoped(Effect.gen(function*() {
        const sim = yield* buildSim()
        // An order of another account: not ours, never touched.
        const foreign = counterOrder(sim, { symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: "0.3", quantity: "20" })
        const scope = yield* Scope.make()
        const exchange = yield* buildPrivate(sim).pipe(
          Scope.provide(scope),
          Effect.provideService(Lifecycle.LifecycleObserver, (e) => void events.push(`${e.component}:${e.phase}`))
        )
        // One filled (against the other account), one canceled by hand: neither is canceled again.
        const filled = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "SELL", type: "LIMIT", price: d("0.3"), quantity: d("10") })
        const byHand = yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d("0.4"), quantity: d("10") })
        yield* exchange.cancelOrder({ symbol: "HIFIUSDT", orderId: byHand.orderId })
        const placed: Array<string> = []
        for (const price of ["0.5", "0.51"]) {
          placed.push((yield* exchange.placeOrder({ symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", price: d(price), quantity: d("10") })).orderId)
        }
        placed.push((yield* exchange.placeOrder({ symbol: "ETHUSDT", side: "BUY", type: "LIMIT", price: d("1000"), quantity: d("0.01") })).orderId)
        assert.strictEqual(simOpenOrders(sim).length, 3)

        yield* Scope.close(scope, Exit.void)

        assert.deepStrictEqual(simOpenOrders(sim), [], "nothing of ours left open")
        const foreignStill = sim.engine.openOrders("counter-key")
        assert.deepStrictEqual(foreignStill._tag === "Success" ? foreignStill.success.map((o) => o.orderId) : [], [foreign.orderId],
          "another account's order is not touched")
        const canceledLines = logs.filter((l) => l.includes("cancel on close: order closed"))
        for (const orderId of placed) {
          assert.isTrue(canceledLines.some((l) => l.includes(orderId) && l.includes("CANCELED")), `logged ${orderId}`)
        }
        assert.isFalse(canceledLines.some((l) => l.includes(filled.orderId) || l.includes(byHand.orderId)))
        assert.isTrue(logs.some((l) => l.includes("confirmed over REST that none is open")))
        assert.isFalse(logs.some((l) => l.includes(foreign.orderId)))
        assert.isFalse(logs.some((l) => l.includes("could not delete the listen key")), "deleted while REST was up")

        // Release order: the service (cancel on close) first, then connection, listen key, queue,
        // hub, and only then REST and the rate limiter.
        const stopped = events.filter((e) => e.endsWith(":stopped")).map((e) => e.slice(0, -":stopped".length))
        assert.deepStrictEqual(stopped, [
          "connection:mexc-private",
          "listenKey:mexc-private",
          "queue:mexc-private",
          "hub:mexc-private",
          "private:mexc-private",
          "rest:mexc",
          "ratelimit:mexc"
        ])
        const stopping = events.filter((e) => e.endsWith(":stopping")).map((e) => e.slice(0, -":stopping".length))
        assert.strictEqual(stopping[0], "private:mexc-private", "the service's release (cancel on close) starts first")
        assert.isTrue(logs.findIndex((l) => l.includes("confirmed over REST")) < logs.findIndex((l) => l.includes("connection:mexc-private") && l.includes("stopping")),
          "orders are canceled while the private connection is still up")
      })),
      logs
    )
  })
})
