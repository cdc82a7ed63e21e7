import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { MexcSchemas, MexcSigning } from "../../src/venues/mexc/index.ts"
import { fixture } from "../venues/mexc/fixtures.ts"
import { call, signed, withSim } from "./support.ts"

/** Decodes `value` with `schema` and checks it has exactly the fields of the saved MEXC payload. */
const assertWire = (
  value: unknown,
  schema: Schema.Top & Schema.ConstraintDecoder<unknown>,
  fixtureName: string,
  select: (saved: any) => unknown = (saved) => saved
) => {
  const decoded = Schema.decodeUnknownExit(schema)(value)
  assert.strictEqual(decoded._tag, "Success", `${fixtureName}: ${String(decoded)}\n${JSON.stringify(value)}`)
  const saved = select(fixture(fixtureName))
  const sample = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Record<string, unknown>
  if (sample(saved) !== undefined && sample(value) !== undefined) {
    assert.deepStrictEqual(Object.keys(sample(value)).sort(), Object.keys(sample(saved)).sort(), fixtureName)
  }
}

const other = { apiKey: "maker", secret: "maker-secret" }

describe("SimExchange REST", () => {
  it.live("public endpoints answer MEXC's shapes", () =>
    withSim({}, (sim) =>
      Effect.gen(function*() {
        const base = `${sim.restUrl}/api/v3`
        assertWire((yield* call("GET", `${base}/ping`)).body, MexcSchemas.Ping, "ping")
        assertWire((yield* call("GET", `${base}/time`)).body, MexcSchemas.ServerTime, "time")

        const info = (yield* call("GET", `${base}/exchangeInfo`)).body
        assertWire(info, MexcSchemas.ExchangeInfo, "exchangeInfo")
        assertWire(info.symbols, Schema.Array(MexcSchemas.SymbolInfo), "exchangeInfo", (saved) => saved.symbols)
        assert.deepStrictEqual(info.symbols.map((s: { symbol: string }) => s.symbol), ["BTCUSDT", "ETHUSDT", "HIFIUSDT"])
        // As live: a numeric tradeSideType, and only the three order types MEXC lists.
        assert.strictEqual(info.symbols[0].tradeSideType, 1)
        assert.deepStrictEqual(info.symbols[0].orderTypes, ["LIMIT", "MARKET", "LIMIT_MAKER"])
        const two = (yield* call("GET", `${base}/exchangeInfo?symbols=ETHUSDT,HIFIUSDT`)).body
        assert.deepStrictEqual(two.symbols.map((s: { symbol: string }) => s.symbol), ["ETHUSDT", "HIFIUSDT"])
        const bad = yield* call("GET", `${base}/exchangeInfo?symbol=NOPEUSDT`)
        assert.strictEqual(bad.status, 400)
        assertWire(bad.body, MexcSchemas.ErrorBody, "error")

        const depth = (yield* call("GET", `${base}/depth?symbol=BTCUSDT&limit=5`)).body
        assertWire(depth, MexcSchemas.Depth, "depth")
        assert.strictEqual(depth.bids.length, 5)
        assert.isAbove(Number(depth.asks[0][0]), Number(depth.bids[0][0]))

        assertWire((yield* call("GET", `${base}/ticker/bookTicker?symbol=ETHUSDT`)).body, MexcSchemas.BookTicker, "bookTicker")
        const all = (yield* call("GET", `${base}/ticker/bookTicker`)).body
        assertWire(all, Schema.Array(MexcSchemas.BookTicker), "bookTicker")
        assert.strictEqual(all.length, 3)

        const contracts = yield* call("GET", `${sim.restUrl}/api/v1/contract/detail`)
        assertWire(contracts.body, MexcSchemas.ContractDetail, "contractDetail")
        const coins = yield* signed(sim.restUrl, "GET", "/api/v3/capital/config/getall", {})
        assert.deepStrictEqual(coins.body, [])
        const missing = yield* call("GET", `${base}/depth`)
        assert.deepStrictEqual(missing.body.code, 700004)
      })))

  it.live("trade statistics: last price, 24h ticker and recent trades, exact", () =>
    withSim({ market: false, accounts: [other] }, (sim) =>
      Effect.gen(function*() {
        const base = `${sim.restUrl}/api/v3`
        for (const [price, quantity] of [["3000", "0.5"], ["3010.5", "0.25"], ["2990", "0.1"]] as const) {
          yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "SELL", type: "LIMIT", quantity, price }, other)
          const taken = yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", quantity, price })
          assert.strictEqual(taken.status, 200, JSON.stringify(taken.body))
        }
        const price = (yield* call("GET", `${base}/ticker/price?symbol=ETHUSDT`)).body
        assertWire(price, MexcSchemas.TickerPrice, "tickerPrice")
        assert.strictEqual(price.price, "2990")
        const prices = (yield* call("GET", `${base}/ticker/price`)).body
        assert.strictEqual(prices.length, 3)

        const day = (yield* call("GET", `${base}/ticker/24hr?symbol=ETHUSDT`)).body
        assertWire(day, MexcSchemas.Ticker24h, "ticker24hr")
        assert.deepStrictEqual(
          [day.openPrice, day.highPrice, day.lowPrice, day.lastPrice, day.volume, day.quoteVolume, day.count, day.priceChange, day.priceChangePercent],
          ["3000", "3010.5", "2990", "2990", "0.85", "2551.625", 3, "-10", "-0.00333333"]
        )
        const trades = (yield* call("GET", `${base}/trades?symbol=ETHUSDT&limit=2`)).body
        assertWire(trades, Schema.Array(MexcSchemas.Trade), "trades")
        assert.deepStrictEqual(trades.map((t: { price: string; qty: string; quoteQty: string }) => [t.price, t.qty, t.quoteQty]), [
          ["2990", "0.1", "299"],
          ["3010.5", "0.25", "752.625"]
        ])
        assert.strictEqual(trades[0].isBuyerMaker, false, "the buyer took liquidity")
      })))

  it.live("orders: place, query, list, cancel, cancel all, with account balances", () =>
    withSim({ market: false, accounts: [other] }, (sim) =>
      Effect.gen(function*() {
        const placed = yield* signed(sim.restUrl, "POST", "/api/v3/order", {
          symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "60000", newClientOrderId: "bot-1"
        })
        assert.strictEqual(placed.status, 200, JSON.stringify(placed.body))
        assertWire(placed.body, MexcSchemas.NewOrder, "newOrder")
        const orderId: string = placed.body.orderId

        const queried = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId })
        assertWire(queried.body, MexcSchemas.Order, "queryOrder")
        assert.strictEqual(queried.body.status, "NEW")
        assert.strictEqual(queried.body.clientOrderId, "bot-1")
        // The live shape: nulls where MEXC sends null, no origClientOrderId.
        assert.deepStrictEqual(
          [queried.body.timeInForce, queried.body.stopPrice, queried.body.icebergQty, queried.body.stpMode, queried.body.isWorking],
          [null, null, null, "", true]
        )
        assert.notProperty(queried.body, "origClientOrderId")
        const byClientId = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "BTCUSDT", origClientOrderId: "bot-1" })
        assert.strictEqual(byClientId.body.orderId, orderId)

        const account = yield* signed(sim.restUrl, "GET", "/api/v3/account", {})
        assertWire(account.body, MexcSchemas.Account, "account")
        const usdt = account.body.balances.find((b: { asset: string }) => b.asset === "USDT")
        assert.deepStrictEqual(usdt, { asset: "USDT", free: "9940", locked: "60" })

        const open = yield* signed(sim.restUrl, "GET", "/api/v3/openOrders", { symbol: "BTCUSDT" })
        assertWire(open.body, Schema.Array(MexcSchemas.Order), "openOrders")
        assert.strictEqual(open.body.length, 1)
        const openAll = yield* signed(sim.restUrl, "GET", "/api/v3/openOrders", {})
        assert.strictEqual(openAll.body.length, 1)

        const canceled = yield* signed(sim.restUrl, "DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId })
        assertWire(canceled.body, MexcSchemas.CanceledOrder, "cancelOrder")
        assert.strictEqual(canceled.body.status, "CANCELED")
        const closed = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId })
        assert.deepStrictEqual([closed.body.status, closed.body.isWorking], ["CANCELED", true], "isWorking stays true, as live")
        const anonymous = yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "40000" })
        const noClientId = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId: anonymous.body.orderId })
        assert.strictEqual(noClientId.body.clientOrderId, null, "null when none was given")
        yield* signed(sim.restUrl, "DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId: anonymous.body.orderId })
        const again = yield* signed(sim.restUrl, "DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId })
        assert.strictEqual(again.status, 400)
        assert.strictEqual(again.body.code, -2011)

        for (const price of ["50000", "51000"]) {
          yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price })
        }
        yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "SELL", type: "LIMIT", quantity: "0.01", price: "9000" })
        const all = yield* signed(sim.restUrl, "DELETE", "/api/v3/openOrders", { symbol: "BTCUSDT,ETHUSDT" })
        assertWire(all.body, Schema.Array(MexcSchemas.CanceledOpenOrder), "cancelOpenOrders")
        assert.strictEqual(all.body.length, 3)
        assert.deepStrictEqual(all.body.map((o: { status: string }) => o.status), ["NEW", "NEW", "NEW"], "the state before the cancel, as live")
        const none = yield* signed(sim.restUrl, "GET", "/api/v3/openOrders", {})
        assert.deepStrictEqual(none.body, [])
      })))

  it.live("DELETE openOrders with an unknown symbol among several cancels nothing", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const placed = yield* signed(sim.restUrl, "POST", "/api/v3/order", {
          symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "50000"
        })
        assert.strictEqual(placed.status, 200)
        const refused = yield* signed(sim.restUrl, "DELETE", "/api/v3/openOrders", { symbol: "BTCUSDT,NOPEUSDT" })
        assert.strictEqual(refused.status, 400)
        assert.strictEqual(refused.body.code, 30014)
        // An error answer means nothing happened: the BTCUSDT order is still open.
        const open = yield* signed(sim.restUrl, "GET", "/api/v3/openOrders", { symbol: "BTCUSDT" })
        assert.deepStrictEqual(open.body.map((o: { orderId: string }) => o.orderId), [placed.body.orderId])
      })))

  it.live("a trade between two accounts fills both and moves balances", () =>
    withSim({ market: false, accounts: [other] }, (sim) =>
      Effect.gen(function*() {
        const ask = yield* signed(sim.restUrl, "POST", "/api/v3/order", {
          symbol: "ETHUSDT", side: "SELL", type: "LIMIT", quantity: "0.5", price: "3000"
        }, other)
        assert.strictEqual(ask.status, 200)
        const bid = yield* signed(sim.restUrl, "POST", "/api/v3/order", {
          symbol: "ETHUSDT", side: "BUY", type: "MARKET", quoteOrderQty: "600"
        })
        assert.strictEqual(bid.status, 200, JSON.stringify(bid.body))
        const filled = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "ETHUSDT", orderId: bid.body.orderId })
        assert.strictEqual(filled.body.status, "FILLED")
        assert.strictEqual(filled.body.executedQty, "0.2")
        const partial = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "ETHUSDT", orderId: ask.body.orderId }, other)
        assert.strictEqual(partial.body.status, "PARTIALLY_FILLED")
      })))

  it.live("engine rejections become MEXC error bodies", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const place = (params: Record<string, string>) => signed(sim.restUrl, "POST", "/api/v3/order", params)
        const tooSmall = yield* place({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.000001", price: "60000" })
        assert.strictEqual(tooSmall.status, 400)
        assertWire(tooSmall.body, MexcSchemas.ErrorBody, "error")
        assert.strictEqual(tooSmall.body.code, 30002)
        const broke = yield* place({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "1", price: "60000" })
        assert.strictEqual(broke.body.code, 10101)
        const badSymbol = yield* place({ symbol: "NOPEUSDT", side: "BUY", type: "LIMIT", quantity: "1", price: "1" })
        assert.strictEqual(badSymbol.body.code, 30014)
        const unknown = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId: "123" })
        assert.deepStrictEqual(unknown.body, { code: -2013, msg: "Order does not exist." })
      })))

  it.live("signing: parameters in the body, bad signatures, stale timestamps, unknown keys", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const headers = { "X-MEXC-APIKEY": "sim-key", "Content-Type": "application/x-www-form-urlencoded" }
        const body = MexcSigning.signQuery(Redacted.make("sim-secret"), { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "60000" }, Date.now())
        const inBody = yield* call("POST", `${sim.restUrl}/api/v3/order`, { body, headers })
        assert.strictEqual(inBody.status, 200, JSON.stringify(inBody.body))

        const query = MexcSigning.signQuery(Redacted.make("sim-secret"), {}, Date.now())
        const tampered = yield* call("GET", `${sim.restUrl}/api/v3/account?${query.replace(/signature=[0-9a-f]+/, `signature=${"0".repeat(64)}`)}`, { headers })
        assert.strictEqual(tampered.body.code, 700002)
        // Issue 16, item 20: MEXC's signature is lowercase hex; the same digits in upper case are refused.
        const upper = query.replace(/signature=([0-9a-f]+)/, (_, hex: string) => `signature=${hex.toUpperCase()}`)
        const upperAnswer = yield* call("GET", `${sim.restUrl}/api/v3/account?${upper}`, { headers })
        assert.strictEqual(upperAnswer.status, 400)
        assert.deepStrictEqual(upperAnswer.body, { code: 700002, msg: "Signature for this request is not valid." })
        assert.strictEqual((yield* call("GET", `${sim.restUrl}/api/v3/account?${query}`, { headers })).status, 200, "the lowercase one passes")
        const stale = MexcSigning.signQuery(Redacted.make("sim-secret"), {}, Date.now() - 10_000)
        assert.strictEqual((yield* call("GET", `${sim.restUrl}/api/v3/account?${stale}`, { headers })).body.code, 700003)
        const nobody = yield* call("GET", `${sim.restUrl}/api/v3/account?${query}`, { headers: { "X-MEXC-APIKEY": "who" } })
        assert.strictEqual(nobody.body.code, 700001)
        const unsigned = yield* call("GET", `${sim.restUrl}/api/v3/account?timestamp=${Date.now()}`, { headers })
        assert.strictEqual(unsigned.body.code, 700004)
        // A signature that is not even valid percent-encoding is a bad signature, not a server error.
        const garbled = `${query.replace(/signature=[0-9a-f]+/, "signature=%E0%A4%A")}`
        const garbledAnswer = yield* call("GET", `${sim.restUrl}/api/v3/account?${garbled}`, { headers })
        assert.strictEqual(garbledAnswer.status, 400)
        assert.strictEqual(garbledAnswer.body.code, 700002)
        const garbledBody = yield* call("POST", `${sim.restUrl}/api/v3/order`, { body: `${body.replace(/signature=[0-9a-f]+/, "signature=%zz")}`, headers })
        assert.strictEqual(garbledBody.body.code, 700002)
      })))

  it.live("listen keys: create, keep alive, delete", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const created = yield* signed(sim.restUrl, "POST", "/api/v3/userDataStream", {})
        assertWire(created.body, MexcSchemas.ListenKey, "listenKey")
        const listenKey: string = created.body.listenKey
        const kept = yield* signed(sim.restUrl, "PUT", "/api/v3/userDataStream", { listenKey })
        assert.deepStrictEqual(kept.body, { listenKey })
        const deleted = yield* signed(sim.restUrl, "DELETE", "/api/v3/userDataStream", { listenKey })
        assert.deepStrictEqual(deleted.body, { listenKey })
        const gone = yield* signed(sim.restUrl, "PUT", "/api/v3/userDataStream", { listenKey })
        assert.strictEqual(gone.status, 400)
      })))

  it.live("rate limits per endpoint and key answer 429 with Retry-After", () =>
    withSim({ market: false, rateLimits: { default: { limit: 3, windowMs: 10_000 } } }, (sim) =>
      Effect.gen(function*() {
        for (let i = 0; i < 3; i++) assert.strictEqual((yield* call("GET", `${sim.restUrl}/api/v3/time`)).status, 200)
        const limited = yield* call("GET", `${sim.restUrl}/api/v3/time`)
        assert.strictEqual(limited.status, 429)
        assert.isAtLeast(Number(limited.headers.get("retry-after")), 1)
        assert.strictEqual((yield* call("GET", `${sim.restUrl}/api/v3/ping`)).status, 200)
        assert.strictEqual((yield* signed(sim.restUrl, "GET", "/api/v3/account", {})).status, 200)
      })))

  it.live("the endpoints clients call besides: aggTrades, klines, myTrades, allOrders, tradeFee, batchOrders, order/all, GET userDataStream, openOrders for several symbols", () =>
    withSim({ market: false, accounts: [other] }, (sim) =>
      Effect.gen(function*() {
        const base = `${sim.restUrl}/api/v3`
        const ask = yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "SELL", type: "LIMIT", quantity: "0.5", price: "3000" }, other)
        assert.strictEqual(ask.status, 200)
        const bid = yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", quantity: "0.2", price: "3000", newClientOrderId: "taker-1" })
        assert.strictEqual(bid.status, 200)

        const agg = (yield* call("GET", `${base}/aggTrades?symbol=ETHUSDT`)).body
        assertWire(agg, Schema.Array(MexcSchemas.AggTrade), "aggTrades")
        assert.deepStrictEqual(agg.map((t: any) => [t.p, t.q, t.m]), [["3000", "0.2", false]])
        const candles = (yield* call("GET", `${base}/klines?symbol=ETHUSDT&interval=1m`)).body
        assertWire(candles, Schema.Array(MexcSchemas.Kline), "klines")
        assert.deepStrictEqual(candles.map((c: Array<unknown>) => c.slice(1, 6).concat([c[7]])), [["3000", "3000", "3000", "3000", "0.2", "600"]])
        assert.strictEqual(candles[0][6] - candles[0][0], 60_000)
        const hourly = (yield* call("GET", `${base}/klines?symbol=ETHUSDT&interval=60m`)).body
        assert.strictEqual(hourly[0][6] - hourly[0][0], 3_600_000)
        assert.strictEqual((yield* call("GET", `${base}/klines?symbol=ETHUSDT&interval=7m`)).body.code, 33333)

        const mine = (yield* signed(sim.restUrl, "GET", "/api/v3/myTrades", { symbol: "ETHUSDT" })).body
        assertWire(mine, Schema.Array(MexcSchemas.MyTrade), "myTrades")
        assert.deepStrictEqual(
          mine.map((t: any) => [t.orderId, t.price, t.qty, t.quoteQty, t.isBuyer, t.isMaker, t.clientOrderId, t.commissionAsset]),
          [[bid.body.orderId, "3000", "0.2", "600", true, false, "taker-1", "ETH"]]
        )
        const theirs = (yield* signed(sim.restUrl, "GET", "/api/v3/myTrades", { symbol: "ETHUSDT" }, other)).body
        assert.deepStrictEqual(theirs.map((t: any) => [t.orderId, t.isBuyer, t.isMaker, t.clientOrderId]), [[ask.body.orderId, false, true, null]])

        const history = (yield* signed(sim.restUrl, "GET", "/api/v3/allOrders", { symbol: "ETHUSDT" })).body
        assertWire(history, Schema.Array(MexcSchemas.Order), "openOrders")
        assert.deepStrictEqual(history.map((o: any) => [o.orderId, o.status]), [[bid.body.orderId, "FILLED"]])

        const fee = (yield* signed(sim.restUrl, "GET", "/api/v3/tradeFee", { symbol: "ETHUSDT" })).body
        assertWire(fee, MexcSchemas.TradeFee, "tradeFee")
        assert.deepStrictEqual(fee.data, { makerCommission: 0, takerCommission: 0.0005 })

        const batch = yield* signed(sim.restUrl, "POST", "/api/v3/batchOrders", {
          batchOrders: JSON.stringify([
            { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "50000", newClientOrderId: "b-1" },
            { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.000001", price: "50000", newClientOrderId: "b-2" }
          ])
        })
        assertWire(batch.body, Schema.Array(MexcSchemas.BatchOrderResult), "batchOrders")
        assert.deepStrictEqual(batch.body[1], { newClientOrderId: "b-2", code: 30002, msg: batch.body[1].msg }, "each order answers on its own")
        assert.strictEqual(batch.body[0].newClientOrderId, "b-1")
        const mixed = yield* signed(sim.restUrl, "POST", "/api/v3/batchOrders", {
          batchOrders: JSON.stringify([{ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "1" }, { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price: "1" }])
        })
        assert.deepStrictEqual([mixed.status, mixed.body.code], [400, 33333])
        yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price: "2000" })
        yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "HIFIUSDT", side: "BUY", type: "LIMIT", quantity: "10", price: "0.5" })

        const two = (yield* signed(sim.restUrl, "GET", "/api/v3/openOrders", { symbol: "BTCUSDT,ETHUSDT" })).body
        assert.deepStrictEqual(two.map((o: any) => o.symbol).sort(), ["BTCUSDT", "ETHUSDT"])
        const all = yield* signed(sim.restUrl, "DELETE", "/api/v3/order/all", {})
        assertWire(all.body, MexcSchemas.CancelAll, "cancelAll")
        assert.deepStrictEqual([all.body.code, all.body.msg], [200, "success"])
        assert.deepStrictEqual((yield* signed(sim.restUrl, "GET", "/api/v3/openOrders", {})).body, [])

        const key = (yield* signed(sim.restUrl, "POST", "/api/v3/userDataStream", {})).body.listenKey
        const keys = (yield* signed(sim.restUrl, "GET", "/api/v3/userDataStream", {})).body
        assertWire(keys, MexcSchemas.ListenKeys, "listenKeys")
        assert.deepStrictEqual(keys, { listenKey: [key] })
      })))

  it.live("signing rules as MEXC documents them, each checked (query string wins, split forms, recvWindow, clock skew)", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const secret = Redacted.make("sim-secret")
        const headers = { "X-MEXC-APIKEY": "sim-key", "Content-Type": "application/x-www-form-urlencoded" }
        /** Sends `query` and `body` as given, signed over query + body (no `&` between them). */
        const send = (method: string, path: string, query: string, body = "", where: "query" | "body" = "query") => {
          const signature = MexcSigning.sign(secret, MexcSigning.totalParams(query, body))
          const q = where === "query" ? `${query}&signature=${signature}` : query
          const b = where === "body" ? `${body}&signature=${signature}` : body
          return call(method, `${sim.restUrl}${path}?${q}`, body === "" && where === "query" ? { headers } : { body: b, headers })
        }
        const order = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001"

        // A parameter sent in both the query string and the body: the query string's value is used.
        const both = yield* send("POST", "/api/v3/order", `${order}&price=50000&timestamp=${Date.now()}`, "price=40000")
        assert.strictEqual(both.status, 200, JSON.stringify(both.body))
        assert.strictEqual(both.body.price, "50000")
        // Parameters split between the two, the signature in the body: signed over query + body.
        const split = yield* send("POST", "/api/v3/order", order, `price=45000&timestamp=${Date.now()}`, "body")
        assert.deepStrictEqual([split.status, split.body.price], [200, "45000"])
        // A JSON body works too.
        const jsonBody = JSON.stringify({ price: "46000", timestamp: Date.now() })
        const json = yield* call("POST", `${sim.restUrl}/api/v3/order?${order}&signature=${MexcSigning.sign(secret, order + jsonBody)}`, {
          body: jsonBody,
          headers: { ...headers, "Content-Type": "application/json" }
        })
        assert.deepStrictEqual([json.status, json.body.price], [200, "46000"])
        // The signature covers the texts as sent: the same parameters reordered fail.
        const now = Date.now()
        const reordered = yield* call("GET", `${sim.restUrl}/api/v3/account?recvWindow=5000&timestamp=${now}&signature=${MexcSigning.sign(secret, `timestamp=${now}&recvWindow=5000`)}`, { headers })
        assert.strictEqual(reordered.body.code, 700002)

        const account = (query: string) => send("GET", "/api/v3/account", query)
        assert.strictEqual((yield* account(`recvWindow=60000&timestamp=${Date.now()}`)).status, 200, "recvWindow up to 60000")
        assert.strictEqual((yield* account(`recvWindow=60001&timestamp=${Date.now()}`)).body.code, 700005)
        assert.strictEqual((yield* account(`timestamp=${Date.now() - 10_000}`)).body.code, 700003, "older than the default 5000")
        assert.strictEqual((yield* account(`recvWindow=20000&timestamp=${Date.now() - 10_000}`)).status, 200, "within a wider recvWindow")
        assert.strictEqual((yield* account(`timestamp=${Date.now() + 5_000}`)).body.code, 700003, "more than 1 s ahead of the server")
        assert.strictEqual((yield* account(`recvWindow=5000`)).body.code, 700004, "timestamp is mandatory")
      })))

  it.live("ignoring 429s escalates to an IP ban: 418 with a long Retry-After on every endpoint, doubling with each ban", () =>
    withSim({ market: false, rateLimits: { default: { limit: 2, windowMs: 60_000 }, banAfterIgnored: 3, banSeconds: 1 } }, (sim) =>
      Effect.gen(function*() {
        const time = () => Effect.map(call("GET", `${sim.restUrl}/api/v3/time`), (r) => [r.status, r.headers.get("retry-after")] as const)
        assert.deepStrictEqual([(yield* time())[0], (yield* time())[0]], [200, 200])
        assert.strictEqual((yield* time())[0], 429, "the quota")
        assert.strictEqual((yield* time())[0], 429, "ignored once")
        assert.strictEqual((yield* time())[0], 429, "ignored twice")
        assert.deepStrictEqual(yield* time(), [418, "1"], "the third call ignoring the 429 gets the IP banned")
        const ping = yield* call("GET", `${sim.restUrl}/api/v3/ping`)
        assert.strictEqual(ping.status, 418, "the ban covers every endpoint")
        assert.strictEqual((yield* signed(sim.restUrl, "GET", "/api/v3/account", {})).status, 418, "and signed calls from the IP")
        // The ban ends; calls into the still-spent window keep ignoring its 429, and the next ban
        // lasts twice as long.
        const unbanned = yield* Effect.gen(function*() {
          while (true) {
            const answer = yield* call("GET", `${sim.restUrl}/api/v3/ping`)
            if (answer.status !== 418) return answer.status
            yield* Effect.sleep("50 millis")
          }
        }).pipe(Effect.timeout("10 seconds"))
        assert.strictEqual(unbanned, 200)
        for (let i = 0; i < 2; i++) assert.strictEqual((yield* time())[0], 429)
        assert.deepStrictEqual(yield* time(), [418, "2"])
      })))
})
