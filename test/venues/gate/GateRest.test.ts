/**
 * GateRest against the Gate simulator over loopback HTTP: every endpoint round trips to domain
 * values with APIv4 signatures the simulator checks byte for byte; Gate's rules hold end to end
 * (an IOC remainder CANCELED with its fill, a market buy sized in quote, post-only refused both
 * ways Gate answers it, a finished order found by its client order id); errors come back as the
 * right reasons; the secret appears in no log.
 */
import { assert, describe, it } from "@effect/vitest"
import { NodeHttpClient } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer, Logger, Redacted, References } from "effect"
import type { Scope } from "effect"
import * as Decimal from "../../../src/exchange/Decimal.ts"
import type { ExchangeError } from "../../../src/exchange/ExchangeError.ts"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import { RateLimiter } from "../../../src/ratelimit/RateLimiter.ts"
import { HttpClient } from "effect/http"
import { GateSim } from "../../../src/sim/index.ts"
import * as GateQuotas from "../../../src/venues/gate/Quotas.ts"
import * as GateRest from "../../../src/venues/gate/GateRest.ts"
import { waitUntilEffect } from "../../support/eventually.ts"
import { readFileSync } from "node:fs"
import type * as Http from "node:http"
import { type Handler, serve } from "../../rest/support.ts"
import { GateSigning } from "../../../src/venues/gate/index.ts"

const d = Decimal.unsafeParse
const fmt = Decimal.format

/** A second account that rests liquidity for our orders to take. */
const maker = { apiKey: "maker-key", secret: "maker-secret", balances: { BTC: "100", USDT: "10000000" } }

/** The reason tag of a failed effect (or "success"). */
const reasonOf = <A>(effect: Effect.Effect<A, ExchangeError>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return { tag: "success", error: undefined } as const
    const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
    if (failure === undefined || failure._tag !== "Fail") throw new Error(`not a failure: ${Cause.pretty(exit.cause)}`)
    return { tag: failure.error.reason._tag, error: failure.error }
  })

/** Runs `f` with a Gate simulator (empty books unless asked) and a client for its demo account. */
const withGate = <A, E>(
  simOptions: GateSim.GateSimOptions,
  f: (
    gate: GateSim.GateSimShape,
    client: (options?: GateRest.Options) => Effect.Effect<GateRest.GateRestShape, ExchangeError, Scope.Scope>,
    logs: Array<string>
  ) => Effect.Effect<A, E, Scope.Scope>
) => {
  const logs: Array<string> = []
  const logger = Logger.make((o) => {
    logs.push(`${String(o.message)} ${JSON.stringify(o.fiber.getRef(References.CurrentLogAnnotations))} ${Cause.pretty(o.cause)}`)
  })
  return LeakCheck.scoped(
    Effect.gen(function*() {
      const gate = yield* GateSim.GateSim
      const limiter = yield* RateLimiter
      const http = yield* HttpClient.HttpClient
      const client = (options: GateRest.Options = {}) =>
        GateRest.make({
          baseUrl: gate.restUrl,
          credentials: { apiKey: Redacted.make(gate.credentials.apiKey), apiSecret: gate.credentials.apiSecret },
          retryBase: "10 millis",
          ...options
        }).pipe(Effect.provideService(RateLimiter, limiter), Effect.provideService(HttpClient.HttpClient, http))
      return yield* f(gate, client, logs)
    }).pipe(
      Effect.provide(Layer.mergeAll(
        GateSim.layer({ market: false, accounts: [maker], ...simOptions }),
        GateQuotas.layer,
        NodeHttpClient.layerUndici
      )),
      Effect.provide(Logger.layer([logger])),
      Effect.provideService(References.MinimumLogLevel, "Debug")
    )
  )
}

/** Rests a maker order from the second account straight on the engine. */
const rest = (gate: GateSim.GateSimShape, side: "BUY" | "SELL", price: string, quantity: string) => {
  const placed = gate.engine.placeOrder(maker.apiKey, { symbol: "BTC_USDT", side, type: "LIMIT", price, quantity }, Date.now())
  if (placed._tag !== "Success") throw new Error(`maker order refused: ${JSON.stringify(placed)}`)
}

describe("GateRest over the Gate simulator", () => {
  it.live("round trips instruments, book, ticker, balances, and an order's life by both ids", () =>
    withGate({}, (gate, client) =>
      Effect.gen(function*() {
        const gateRest = yield* client()
        const now = Date.now()
        assert.isBelow(Math.abs((yield* gateRest.serverTime) - now), 1_000)

        const all = yield* gateRest.instruments()
        assert.includeMembers(all.map((i) => i.symbol), ["BTC_USDT", "ETH_USDT"])
        const [btc] = yield* gateRest.instruments(["BTC_USDT"])
        assert.strictEqual(btc!.status, "TRADING")
        assert.strictEqual((yield* reasonOf(gateRest.instruments(["NOPE_USDT"]))).tag, "InvalidSymbol")

        rest(gate, "SELL", "70000", "0.5")
        rest(gate, "BUY", "60000", "0.5")
        const book = yield* gateRest.orderBook("BTC_USDT")
        assert.isTrue(book.version > 0n)
        assert.strictEqual(fmt(book.asks[0]!.price), "70000")
        assert.strictEqual(fmt(book.bids[0]!.price), "60000")
        const quote = yield* gateRest.ticker("BTC_USDT")
        assert.deepStrictEqual([fmt(quote.bidPrice), fmt(quote.askPrice)], ["60000", "70000"])

        const balances = yield* gateRest.accounts
        assert.isDefined(balances.find((b) => b.asset === "USDT"))

        const placed = yield* gateRest.newOrder({
          symbol: "BTC_USDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", price: d("61000"), quantity: d("0.001"), clientOrderId: "rt-1"
        })
        assert.strictEqual(placed.status, "NEW")
        assert.strictEqual(placed.clientOrderId, "rt-1")
        const byId = yield* gateRest.queryOrder({ symbol: "BTC_USDT", orderId: placed.orderId })
        const byText = yield* gateRest.queryOrder({ symbol: "BTC_USDT", clientOrderId: "rt-1" })
        assert.strictEqual(byId.orderId, placed.orderId)
        assert.strictEqual(byText.orderId, placed.orderId)
        assert.deepStrictEqual((yield* gateRest.openOrders("BTC_USDT")).map((o) => o.clientOrderId), ["rt-1"])
        assert.deepStrictEqual((yield* gateRest.openOrders()).map((o) => o.clientOrderId), ["rt-1"])

        const canceled = yield* gateRest.cancelOrder({ symbol: "BTC_USDT", clientOrderId: "rt-1" })
        assert.strictEqual(canceled.status, "CANCELED")
        assert.strictEqual((yield* reasonOf(gateRest.cancelOrder({ symbol: "BTC_USDT", orderId: placed.orderId }))).tag, "UnknownOrder")
        // Finished: no longer found by its text on the path, still found among finished orders.
        const again = yield* gateRest.queryOrder({ symbol: "BTC_USDT", clientOrderId: "rt-1" })
        assert.deepStrictEqual([again.orderId, again.status], [placed.orderId, "CANCELED"])
        assert.strictEqual((yield* reasonOf(gateRest.queryOrder({ symbol: "BTC_USDT", clientOrderId: "never-placed" }))).tag, "UnknownOrder")
        assert.deepStrictEqual(yield* gateRest.openOrders("BTC_USDT"), [])
      })))

  it.live("an IOC remainder is CANCELED with its fill; a market buy is sized in quote; fills come back by order", () =>
    withGate({}, (gate, client) =>
      Effect.gen(function*() {
        const gateRest = yield* client()
        rest(gate, "SELL", "70000", "0.002")
        const ioc = yield* gateRest.newOrder({
          symbol: "BTC_USDT", side: "BUY", type: "LIMIT", timeInForce: "IOC", price: d("70000"), quantity: d("0.005"), clientOrderId: "ioc-1"
        })
        assert.strictEqual(ioc.status, "CANCELED", "an IOC remainder is not FILLED")
        assert.strictEqual(fmt(ioc.filledQuantity), "0.002")
        const found = yield* gateRest.queryOrder({ symbol: "BTC_USDT", clientOrderId: "ioc-1" })
        assert.deepStrictEqual([found.orderId, found.status, fmt(found.filledQuantity)], [ioc.orderId, "CANCELED", "0.002"])
        const fills = yield* gateRest.myTrades("BTC_USDT", { orderId: ioc.orderId })
        assert.deepStrictEqual(fills.map((f) => [f.clientOrderId, fmt(f.quantity), fmt(f.price), f.isMaker]), [["ioc-1", "0.002", "70000", false]])

        rest(gate, "SELL", "70000", "1")
        const market = yield* gateRest.newOrder({
          symbol: "BTC_USDT", side: "BUY", type: "MARKET", timeInForce: "GTC", quoteQuantity: d("140"), clientOrderId: "mkt-1"
        })
        assert.strictEqual(market.quoteQuantity && fmt(market.quoteQuantity), "140")
        assert.isUndefined(market.quantity)
        assert.strictEqual(fmt(market.filledQuantity), "0.002", "140 USDT at 70000")
        const byBase = yield* reasonOf(gateRest.newOrder({
          symbol: "BTC_USDT", side: "BUY", type: "MARKET", timeInForce: "GTC", quantity: d("0.001"), clientOrderId: "mkt-2"
        }))
        assert.strictEqual(byBase.tag, "FilterRejected")
      })))

  for (const pocCross of ["error", "cancelled"] as const) {
    it.live(`a post-only order that would take is FilterRejected postOnly (Gate answering with ${pocCross === "error" ? "POC_FILL_IMMEDIATELY" : "a poc-cancelled order"})`, () =>
      withGate({ rest: { pocCross } }, (gate, client) =>
        Effect.gen(function*() {
          const gateRest = yield* client()
          rest(gate, "SELL", "70000", "1")
          const refused = yield* reasonOf(gateRest.newOrder({
            symbol: "BTC_USDT", side: "BUY", type: "LIMIT_MAKER", timeInForce: "GTC", price: d("70000"), quantity: d("0.001"), clientOrderId: `poc-${pocCross}`
          }))
          assert.strictEqual(refused.tag, "FilterRejected")
          if (refused.error?.reason._tag === "FilterRejected") assert.strictEqual(refused.error.reason.filter, "postOnly")
          const resting = yield* gateRest.newOrder({
            symbol: "BTC_USDT", side: "BUY", type: "LIMIT_MAKER", timeInForce: "GTC", price: d("69000"), quantity: d("0.001"), clientOrderId: `poc-ok-${pocCross}`
          })
          assert.deepStrictEqual([resting.type, resting.status], ["LIMIT_MAKER", "NEW"])
        })))
  }

  it.live("cancel-all empties a pair's open orders; the dead-man switch arms and disarms", () =>
    withGate({}, (_gate, client) =>
      Effect.gen(function*() {
        const gateRest = yield* client()
        for (const id of ["a-1", "a-2"]) {
          yield* gateRest.newOrder({ symbol: "BTC_USDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", price: d("50000"), quantity: d("0.001"), clientOrderId: id })
        }
        yield* gateRest.cancelAll("BTC_USDT")
        yield* waitUntilEffect("cancel-all done", Effect.map(gateRest.openOrders("BTC_USDT"), (open) => open.length === 0))
        const before = yield* gateRest.serverTime
        const trigger = yield* gateRest.countdownCancelAll(30)
        assert.isAtLeast(trigger, before + 29_000, "armed for 30 s")
        assert.isAtMost(trigger, before + 32_000)
        yield* gateRest.countdownCancelAll(0)
      })))

  it.live("a wrong secret is InvalidSignature; no answer is ever logged with the secret", () =>
    withGate({}, (gate, client, logs) =>
      Effect.gen(function*() {
        const wrong = yield* client({ credentials: { apiKey: Redacted.make(gate.credentials.apiKey), apiSecret: Redacted.make("not-the-secret") } })
        assert.strictEqual((yield* reasonOf(wrong.accounts)).tag, "InvalidSignature")
        const none = yield* client({ credentials: undefined })
        assert.strictEqual((yield* reasonOf(none.accounts)).tag, "InvalidConfig")
        const good = yield* client()
        yield* good.accounts
        const secret = Redacted.value(gate.credentials.apiSecret)
        for (const line of logs) assert.notInclude(line, secret)
      })))
})

describe("GateRest on the wire", () => {
  it.live("signed requests carry KEY, Timestamp (s) and a SIGN over the request line as sent; X-Gate-Exptime on a state change only", () => {
    const seen: Array<{ method: string; url: string; headers: Http.IncomingHttpHeaders; body: string }> = []
    const record: Handler = (request, response) => {
      let body = ""
      request.on("data", (chunk) => (body += String(chunk)))
      request.on("end", () => {
        seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body })
        response.writeHead(request.method === "POST" ? 201 : 200, { "content-type": "application/json" })
        response.end(request.url?.startsWith("/api/v4/spot/time")
          ? JSON.stringify({ server_time: Date.now() })
          : request.method === "POST"
          ? readFileSync(new URL("../../fixtures/gate/order_open.json", import.meta.url), "utf8")
          : "[]")
      })
    }
    return LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* serve({ "/api/v4/spot/time": record, "/api/v4/spot/orders": record })
      const secret = Redacted.make("wire-secret")
      const rest = yield* GateRest.make({ baseUrl: `${server.url}/api/v4`, credentials: { apiKey: Redacted.make("wire-key"), apiSecret: secret } }).pipe(
        Effect.provide(yield* Layer.build(Layer.mergeAll(GateQuotas.layer, NodeHttpClient.layerUndici)))
      )
      yield* rest.openOrders("BTC_USDT")
      yield* rest.newOrder({ symbol: "BTC_USDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", price: d("96000"), quantity: d("0.001"), clientOrderId: "wire-1" })
      const [get, post] = seen.filter((s) => s.url.startsWith("/api/v4/spot/orders"))
      for (const r of [get!, post!]) {
        const [path, query = ""] = r.url.split("?")
        const timestamp = Number(r.headers["timestamp"])
        assert.strictEqual(r.headers["key"], "wire-key")
        assert.approximately(timestamp, Date.now() / 1000, 5)
        assert.isTrue(GateSigning.verify(secret, GateSigning.restSignaturePayload({ method: r.method, path: path!, query, body: r.body, timestamp }), String(r.headers["sign"])))
      }
      assert.strictEqual(get!.url, "/api/v4/spot/orders?currency_pair=BTC_USDT&status=open&limit=100")
      assert.isUndefined(get!.headers["x-gate-exptime"], "a query changes nothing: no expiry")
      assert.strictEqual(Number(post!.headers["x-gate-exptime"]), (Number(post!.headers["timestamp"]) + 5) * 1000)
      assert.deepStrictEqual(JSON.parse(post!.body), {
        text: "t-wire-1", currency_pair: "BTC_USDT", type: "limit", account: "spot", side: "buy", amount: "0.001", price: "96000", time_in_force: "gtc"
      })
      const auth = rest.channelAuth("spot.orders", "subscribe", 1733400000)
      assert.deepStrictEqual(auth, { method: "api_key", KEY: "wire-key", SIGN: GateSigning.signChannel(secret, "spot.orders", "subscribe", 1733400000) })
    })).pipe(Effect.provide(Logger.layer([])))
  })
})
