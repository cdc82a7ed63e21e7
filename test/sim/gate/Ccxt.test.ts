/**
 * The Gate simulator's promise: a client written for Gate.io's documented Spot v4 API works against
 * it unchanged except for its URLs. ccxt's `gate` (REST) and `pro.gate` (WebSocket) are such
 * clients, maintained independently of this project. No sleeps: the test waits on ccxt's own
 * promises, and on the simulator's subscription list before it acts on a private stream.
 */
import { assert, describe, it } from "@effect/vitest"
import ccxt from "ccxt"
import { Effect, References } from "effect"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import { GateSim } from "../../../src/sim/index.ts"
import { eventually } from "./support.ts"

/** What ccxt leaves behind after `close()` is ccxt's, not the simulator's. */
const ccxtLeftovers = { ignoreFrom: ["/node_modules/ccxt/"] }

/** A ccxt pro Gate client pointed at the simulator: only URLs change. */
const gateAt = (sim: GateSim.GateSimShape) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      // ccxt's own client-side throttle would only slow the test down.
      const exchange = new ccxt.pro.gate({ apiKey: "sim-key", secret: "sim-secret", enableRateLimit: false })
      const urls = exchange.urls as { api: Record<string, unknown> }
      for (const access of ["public", "private"]) {
        const table = urls.api[access] as Record<string, string>
        for (const key of Object.keys(table)) table[key] = sim.restUrl
      }
      urls.api["spot"] = sim.wsUrl
      // ccxt refuses plain ws:// URLs until its proxy agent module is loaded.
      await exchange.loadHttpProxyAgent()
      return exchange
    }),
    (exchange) => Effect.promise(() => exchange.close())
  )

const quiet = Effect.provideService(References.MinimumLogLevel, "Warn")

describe("ccxt gate against the Gate simulator", () => {
  it.live("REST: markets, order book, balance, create / fetch / cancel, trades, my trades", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const sim = yield* GateSim.GateSim
        const gate = yield* gateAt(sim)
        const markets = yield* Effect.promise(() => gate.loadMarkets())
        assert.includeMembers(Object.keys(markets), ["BTC/USDT", "ETH/USDT", "HIFI/USDT"])
        assert.strictEqual(markets["BTC/USDT"]!.precision.price, 0.01)
        assert.strictEqual(markets["BTC/USDT"]!.precision.amount, 0.000001)

        const book = yield* Effect.promise(() => gate.fetchOrderBook("BTC/USDT", 5))
        assert.isAbove(book.asks[0]![0]!, book.bids[0]![0]!)
        const balance = yield* Effect.promise(() => gate.fetchBalance())
        assert.strictEqual((balance.total as unknown as Record<string, number>)["USDT"], 10000)

        const order = yield* Effect.promise(() => gate.createOrder("BTC/USDT", "limit", "buy", 0.001, 60000, { clientOrderId: "ccxt-1" }))
        const orderId = String(order.id)
        const fetched = yield* Effect.promise(() => gate.fetchOrder(orderId, "BTC/USDT"))
        assert.strictEqual(fetched.status, "open")
        assert.strictEqual(fetched.clientOrderId, "t-ccxt-1")
        assert.strictEqual(fetched.price, 60000)
        assert.deepStrictEqual((yield* Effect.promise(() => gate.fetchOpenOrders("BTC/USDT"))).map((o) => o.id), [orderId])
        const canceled = yield* Effect.promise(() => gate.cancelOrder(orderId, "BTC/USDT"))
        assert.strictEqual(canceled.status, "canceled")
        assert.strictEqual((yield* Effect.promise(() => gate.fetchOrder(orderId, "BTC/USDT"))).status, "canceled")

        // A market buy (ccxt sends the quote to spend: amount x price) fills against the synthetic market.
        const top = (yield* Effect.promise(() => gate.fetchOrderBook("BTC/USDT", 5))).asks[0]![0]!
        const bought = yield* Effect.promise(() => gate.createOrder("BTC/USDT", "market", "buy", 0.001, top * 1.01))
        const boughtNow = yield* Effect.promise(() => gate.fetchOrder(String(bought.id), "BTC/USDT"))
        assert.include(["closed", "canceled"], boughtNow.status)
        assert.isAbove(boughtNow.filled!, 0)
        const mine = yield* Effect.promise(() => gate.fetchMyTrades("BTC/USDT"))
        assert.include(mine.map((t) => t.order), bought.id)
        assert.strictEqual(mine.find((t) => t.order === bought.id)!.side, "buy")
        const trades = yield* Effect.promise(() => gate.fetchTrades("BTC/USDT", undefined, 50))
        assert.isAbove(trades.length, 0)
        assert.isTrue(trades.every((t) => t.price! > 0 && t.amount! > 0 && (t.side === "buy" || t.side === "sell")))
      }).pipe(Effect.provide(GateSim.layer({ seed: 5 })), quiet),
      ccxtLeftovers
    ))

  it.live("WebSocket: watchOrderBook (spot.obu), watchTrades, watchOrders", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const sim = yield* GateSim.GateSim
        const gate = yield* gateAt(sim)
        yield* Effect.promise(() => gate.loadMarkets())
        const book = yield* Effect.promise(async () => {
          let book = await gate.watchOrderBook("BTC/USDT")
          for (let i = 0; i < 10; i++) book = await gate.watchOrderBook("BTC/USDT")
          return book
        })
        assert.isAbove(book.asks[0]![0]!, book.bids[0]![0]!)
        assert.isAbove(book.bids.length, 10)
        const trades = yield* Effect.promise(() => gate.watchTrades("BTC/USDT"))
        assert.isAbove(trades.length, 0)
        assert.strictEqual(trades[0]!.symbol, "BTC/USDT")

        // watchOrders subscribes first; the order is placed once the simulator has the subscription.
        const updates = gate.watchOrders("BTC/USDT")
        yield* eventually(() => sim.subscriptions().includes("spot.orders|sim-key"), "10 seconds", "ccxt's spot.orders subscription")
        const placed = yield* Effect.promise(() => gate.createOrder("BTC/USDT", "limit", "buy", 0.001, 60000))
        const seen = yield* Effect.promise(() => updates)
        assert.isTrue(seen.some((o) => o.id === placed.id && o.status === "open"))
      }).pipe(Effect.provide(GateSim.layer({ seed: 6 })), quiet),
      ccxtLeftovers
    ))
})
