/**
 * MexcRest against the simulator over loopback HTTP: every endpoint of the contract round trips to
 * domain values, errors come back as the right `ExchangeError` reasons, and the client is a
 * lifecycle component released before the rate limiter.
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Effect, Exit, Layer, Logger, Redacted } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"
import type { ExchangeError } from "../../src/exchange/ExchangeError.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as MexcQuotas from "../../src/venues/mexc/Quotas.ts"
import * as MexcRest from "../../src/venues/mexc/MexcRest.ts"
import * as Transport from "../../src/rest/Transport.ts"
import { capturing, type Handler, serve, withHarness } from "./support.ts"

const d = Decimal.unsafeParse

/** The reason tag of a failed effect (or "success"). */
const reasonOf = <A>(effect: Effect.Effect<A, ExchangeError>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return { tag: "success", error: undefined } as const
    const error = exit.cause.reasons.find((r) => r._tag === "Fail")
    if (error === undefined || error._tag !== "Fail") throw new Error(`not a failure: ${String(exit.cause)}`)
    return { tag: error.error.reason._tag, error: error.error }
  })

describe("MexcRest over the simulator", () => {
  it.live("round trips every endpoint to domain values", () =>
    withHarness({}, ({ client, sim }) =>
      Effect.gen(function*() {
        const rest = yield* client()

        const now = Date.now()
        const serverTime = yield* rest.serverTime
        assert.isBelow(Math.abs(serverTime - now), 1_000, "venue time follows the sim's clock")

        const all = yield* rest.exchangeInfo()
        assert.deepStrictEqual(all.map((i) => i.symbol).sort(), ["BTCUSDT", "ETHUSDT", "HIFIUSDT"])
        const [btc] = yield* rest.exchangeInfo(["BTCUSDT"])
        assert.strictEqual(btc!.status, "TRADING")
        assert.strictEqual(Decimal.format(btc!.tickSize), "0.01")
        assert.strictEqual(Decimal.format(btc!.lotSize), "0.000001")
        assert.strictEqual(Decimal.format(btc!.minQuantity), "0.00001")
        assert.strictEqual(Decimal.format(btc!.minNotional), "1")
        const two = yield* rest.exchangeInfo(["BTCUSDT", "ETHUSDT"])
        assert.deepStrictEqual(two.map((i) => i.symbol).sort(), ["BTCUSDT", "ETHUSDT"])

        const before = yield* rest.account
        const usdt = before.find((b) => b.asset === "USDT")!
        assert.isTrue(BigDecimal.isPositive(usdt.free))

        const ack = yield* rest.newOrder({
          symbol: "BTCUSDT",
          side: "BUY",
          type: "LIMIT",
          timeInForce: "GTC",
          price: d("60000"),
          quantity: d("0.001"),
          clientOrderId: "rt-1"
        })
        assert.strictEqual(ack.clientOrderId, "rt-1")
        assert.strictEqual(ack.symbol, "BTCUSDT")
        const simOrder = sim.engine.openOrders("sim-key", "BTCUSDT")
        assert.isTrue(simOrder._tag === "Success" && simOrder.success.some((o) => o.orderId === ack.orderId))

        const byId = yield* rest.queryOrder({ symbol: "BTCUSDT", orderId: ack.orderId })
        const byClientId = yield* rest.queryOrder({ symbol: "BTCUSDT", clientOrderId: "rt-1" })
        assert.strictEqual(byId.orderId, ack.orderId)
        assert.strictEqual(byClientId.orderId, ack.orderId)
        assert.strictEqual(byId.clientOrderId, "rt-1")
        assert.strictEqual(byId.status, "NEW")
        assert.strictEqual(byId.type, "LIMIT")
        assert.strictEqual(byId.timeInForce, "GTC")
        assert.strictEqual(Decimal.format(byId.price!), "60000")
        assert.strictEqual(Decimal.format(byId.quantity!), "0.001")
        assert.isTrue(BigDecimal.isZero(byId.filledQuantity))

        const depth = yield* rest.depth("BTCUSDT", 50)
        assert.strictEqual(depth.symbol, "BTCUSDT")
        assert.isTrue(depth.bids.some((l) => Decimal.format(l.price) === "60000" && Decimal.format(l.quantity) === "0.001"))
        assert.strictEqual(depth.version, BigInt(sim.engine.depthVersion("BTCUSDT")!))

        const quote = yield* rest.bookTicker("BTCUSDT")
        assert.strictEqual(Decimal.format(quote.bidPrice), "60000")

        const locked = (yield* rest.account).find((b) => b.asset === "USDT")!
        assert.strictEqual(Decimal.format(locked.locked), "60", "the order locks price x quantity")

        const open = yield* rest.openOrders("BTCUSDT")
        assert.deepStrictEqual(open.map((o) => o.orderId), [ack.orderId])
        const openAll = yield* rest.openOrders()
        assert.deepStrictEqual(openAll.map((o) => o.orderId), [ack.orderId])

        const canceled = yield* rest.cancelOrder({ symbol: "BTCUSDT", clientOrderId: "rt-1" })
        assert.strictEqual(canceled.orderId, ack.orderId)
        assert.strictEqual(canceled.status, "CANCELED")
        assert.deepStrictEqual(yield* rest.openOrders("BTCUSDT"), [])

        const second = yield* rest.newOrder({
          symbol: "BTCUSDT",
          side: "SELL",
          type: "LIMIT_MAKER",
          timeInForce: "GTC",
          price: d("70000"),
          quantity: d("0.001"),
          clientOrderId: "rt-2"
        })
        const all2 = yield* rest.cancelOpenOrders("BTCUSDT")
        assert.deepStrictEqual(all2.map((o) => o.orderId), [second.orderId])
        const gone = yield* rest.queryOrder({ symbol: "BTCUSDT", orderId: second.orderId })
        assert.strictEqual(gone.status, "CANCELED")
        assert.strictEqual(gone.type, "LIMIT_MAKER")

        const key = yield* rest.createListenKey
        assert.isString(key)
        yield* rest.keepAliveListenKey(key)
        yield* rest.deleteListenKey(key)
        const dead = yield* reasonOf(rest.keepAliveListenKey(key))
        assert.strictEqual(dead.tag, "Rejected")
        assert.strictEqual((dead.error?.reason as { code?: number }).code, 730000)
      })))

  it.live("venue refusals come back as typed reasons", () =>
    withHarness({}, ({ client }) =>
      Effect.gen(function*() {
        const rest = yield* client()
        assert.strictEqual((yield* reasonOf(rest.exchangeInfo(["NOPEUSDT"]))).tag, "InvalidSymbol")
        const depth = yield* reasonOf(rest.depth("NOPEUSDT"))
        assert.strictEqual(depth.tag, "InvalidSymbol")
        assert.include(depth.error!.message, "NOPEUSDT")
        assert.strictEqual((yield* reasonOf(rest.bookTicker("NOPEUSDT"))).tag, "InvalidSymbol")
        const query = yield* reasonOf(rest.queryOrder({ symbol: "BTCUSDT", orderId: "C02__1" }))
        assert.strictEqual(query.tag, "UnknownOrder")
        assert.strictEqual((query.error!.reason as { orderId?: string }).orderId, "C02__1")
        const cancel = yield* reasonOf(rest.cancelOrder({ symbol: "BTCUSDT", clientOrderId: "never" }))
        assert.strictEqual(cancel.tag, "UnknownOrder")
        assert.strictEqual((cancel.error!.reason as { clientOrderId?: string }).clientOrderId, "never")
        const tooMuch = yield* reasonOf(rest.newOrder({
          symbol: "BTCUSDT",
          side: "BUY",
          type: "LIMIT",
          timeInForce: "GTC",
          price: d("60000"),
          quantity: d("0.5"),
          clientOrderId: "big"
        }))
        assert.strictEqual(tooMuch.tag, "InsufficientBalance")
        const tiny = yield* reasonOf(rest.newOrder({
          symbol: "BTCUSDT",
          side: "BUY",
          type: "LIMIT",
          timeInForce: "GTC",
          price: d("60000"),
          quantity: d("0.000001"),
          clientOrderId: "tiny"
        }))
        assert.strictEqual(tiny.tag, "FilterRejected")
        assert.isFalse(tiny.error!.retryable)
      })))

  it.live("signed calls without credentials fail with InvalidConfig naming the variables", () =>
    withHarness({}, ({ client }) =>
      Effect.gen(function*() {
        const rest = yield* client({ credentials: undefined })
        const result = yield* reasonOf(rest.account)
        assert.strictEqual(result.tag, "InvalidConfig")
        assert.include(result.error!.message, "MEXC_API_KEY")
        assert.include(result.error!.message, "MEXC_API_SECRET")
        // Public calls still work.
        assert.strictEqual((yield* rest.depth("BTCUSDT")).symbol, "BTCUSDT")
      })))

  it.live("the client is a lifecycle component released before the rate limiter; calls after release fail Closed", () =>
    capturing((capture) =>
      Effect.gen(function*() {
        let leftover: Effect.Effect<unknown, ExchangeError> = Effect.void
        yield* withHarness({}, ({ client }) =>
          Effect.gen(function*() {
            const rest = yield* client()
            leftover = rest.depth("BTCUSDT")
          }))
        const stopped = capture.events.filter((e) => e.phase === "stopped").map((e) => e.component)
        const restAt = stopped.indexOf("rest:mexc")
        const limiterAt = stopped.indexOf("ratelimit:mexc")
        assert.isAtLeast(restAt, 0)
        assert.isAbove(limiterAt, restAt, `release order: ${stopped.join(", ")}`)
        assert.strictEqual((yield* reasonOf(leftover)).tag, "Closed")
      })))
})

describe("MexcRest against a scripted server", () => {
  it.live("myTrades: a signed GET with the filters given, live answer parsed to fills", () => {
    const seen: Array<{ readonly query: URLSearchParams; readonly apiKey: string | undefined }> = []
    const myTrades: Handler = (request, response) => {
      seen.push({
        query: new URL(request.url ?? "", "http://x").searchParams,
        apiKey: request.headers["x-mexc-apikey"] as string | undefined
      })
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([{
        symbol: "BTCUSDT",
        id: "a1",
        orderId: "C02__9",
        orderListId: -1,
        price: "60000",
        qty: "0.002",
        quoteQty: "120",
        commission: "0.06",
        commissionAsset: "USDT",
        time: 1732200000000,
        isBuyer: true,
        isMaker: false,
        isBestMatch: true,
        isSelfTrade: false,
        clientOrderId: "mine-9"
      }]))
    }
    const time: Handler = (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ serverTime: Date.now() }))
    }
    return LeakCheck.scoped(
      Effect.gen(function*() {
        const server = yield* serve({ "/api/v3/time": time, "/api/v3/myTrades": myTrades })
        const rest = yield* MexcRest.make({
          baseUrl: server.url,
          credentials: { apiKey: Redacted.make("k-1"), apiSecret: Redacted.make("s-1") }
        })
        const fills = yield* rest.myTrades("BTCUSDT", { orderId: "C02__9", limit: 10 })
        assert.strictEqual(fills.length, 1)
        assert.deepStrictEqual(
          [fills[0]!.side, fills[0]!.clientOrderId, fills[0]!.tradeId, Decimal.format(fills[0]!.quantity), fills[0]!.isMaker],
          ["BUY", "mine-9", "a1", "0.002", false]
        )
        const [call] = seen
        assert.strictEqual(call!.apiKey, "k-1")
        assert.strictEqual(call!.query.get("symbol"), "BTCUSDT")
        assert.strictEqual(call!.query.get("orderId"), "C02__9")
        assert.strictEqual(call!.query.get("limit"), "10")
        assert.isFalse(call!.query.has("startTime"), "an option not given is not sent")
        assert.strictEqual(call!.query.get("recvWindow"), "5000")
        assert.match(call!.query.get("signature") ?? "", /^[0-9a-f]{64}$/)
      }).pipe(
        Effect.provide(Layer.mergeAll(MexcQuotas.layer, Transport.layerNode)),
        Effect.provide(Logger.layer([]))
      )
    )
  })
})
