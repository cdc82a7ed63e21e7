/**
 * The Gate.io side's REST against the reference's facts (`/work/shared/reference/gateio-wire.md`):
 * shapes, signing byte for byte (with the reference's worked vectors), statuses and `finish_as`,
 * time in force, precision and minimum rules, labels and HTTP codes, quotas and their headers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SimEngine } from "../../../src/sim/engine/Engine.ts"
import { GateAccounts } from "../../../src/sim/server/gate/Accounts.ts"
import { restSignature, wsSignature } from "../../../src/sim/server/gate/Auth.ts"
import { fireCountdowns } from "../../../src/sim/server/gate/Rest.ts"
import { defaultGateSymbols } from "../../../src/sim/GateSim.ts"
import { demo, gatePublic, gateSigned, withGate } from "./support.ts"

const maker = { apiKey: "maker", secret: "maker-secret" }
const quiet = { market: false as const, accounts: [maker] }

const order = (fields: Record<string, unknown>) => ({ currency_pair: "BTC_USDT", type: "limit", account: "spot", ...fields })

describe("Gate signing vectors (reference)", () => {
  it("REST: the official futures examples and the spot vectors", () => {
    assert.strictEqual(
      restSignature("secret", "GET", "/api/v4/futures/orders", "contract=BTC_USD&status=finished&limit=50", "", "1541993715"),
      "55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6fb3faf24deff16790d726b66ac9f74526668b13bd01029199cc4fcc522418b8a"
    )
    assert.strictEqual(
      restSignature(
        "secret",
        "POST",
        "/api/v4/futures/orders",
        "",
        `{"contract":"BTC_USD","type":"limit","size":100,"price":6800,"time_in_force":"gtc"}`,
        "1541993715"
      ),
      "eae42da914a590ddf727473aff25fc87d50b64783941061f47a3fdb92742541fc4c2c14017581b4199a1418d54471c269c03a38d788d802e2c306c37636389f0"
    )
    assert.strictEqual(
      restSignature(
        "secret",
        "POST",
        "/api/v4/spot/orders",
        "",
        `{"text":"t-arb-0001","currency_pair":"BTC_USDT","type":"limit","account":"spot","side":"buy","amount":"0.001","price":"65000","time_in_force":"ioc"}`,
        "1733400000"
      ),
      "841e0d5cf501a3168eb29835222eaa5bfad2479407a69b8241bca1e402c7e3997a9b0c616d8756a6bd98e1552bcd36ed4094d2f7dc7359582db8a258972ff908"
    )
    assert.strictEqual(
      restSignature("secret", "GET", "/api/v4/spot/orders/12345", "currency_pair=BTC_USDT", "", "1733400000"),
      "7b590c024a72a0d3916b52d8b92dc62d1233fecbbad20b7fcdbb7474fdf739899e484919edbeb4e4989c1a5687feda554a345bf21df71ecc57c84d631f2ca940"
    )
    assert.strictEqual(
      restSignature("secret", "DELETE", "/api/v4/spot/orders", "currency_pair=BTC_USDT&side=buy", "", "1733400000"),
      "fdacf5eb687072a723906b627d1e4946ef4c638be51868b94dd67476289331a878325b70c8767b5868a00ffb67556d0145c5b341e0fd09e18b3c9234cb8f8de0"
    )
  })

  it("WebSocket: channel=spot.orders&event=subscribe&time=1733400000", () => {
    assert.strictEqual(
      wsSignature("secret", "spot.orders", "subscribe", 1733400000),
      "c251c6450d0bb7d589588da4fb163c80ab991be05f29caf3bf73af5c911618dc38d8cdd2114b09078f683644af4db6392182fb87eed9111a20e5b5634065d22d"
    )
  })
})

describe("Gate REST: public", () => {
  it.live("time, currency pairs, order book with id, trades, tickers, headers", () =>
    withGate({ seed: 3 }, (gate) =>
      Effect.gen(function*() {
        const time = yield* gatePublic(gate, "/spot/time")
        assert.strictEqual(time.status, 200)
        assert.isTrue(Math.abs(time.body.server_time - Date.now()) < 60_000)
        for (const name of ["x-in-time", "x-out-time", "x-gate-trace-id", "x-gate-ratelimit-requests-remain", "x-gate-ratelimit-limit", "x-gate-ratelimit-reset-timestamp"]) {
          assert.isNotNull(time.headers.get(name), name)
        }
        assert.strictEqual(time.headers.get("x-gate-ratelimit-limit"), "200")

        const pairs = (yield* gatePublic(gate, "/spot/currency_pairs")).body
        assert.deepStrictEqual(pairs.map((p: { id: string }) => p.id), ["BTC_USDT", "ETH_USDT", "HIFI_USDT"])
        const btc = pairs[0]
        assert.deepInclude(btc, {
          base: "BTC",
          quote: "USDT",
          fee: "0.05",
          min_base_amount: "0.00001",
          min_quote_amount: "1",
          amount_precision: 6,
          precision: 2,
          trade_status: "tradable"
        })
        assert.deepStrictEqual((yield* gatePublic(gate, "/spot/currency_pairs/ETH_USDT")).body.id, "ETH_USDT")
        const unknown = yield* gatePublic(gate, "/spot/currency_pairs/NOPE_USDT")
        assert.deepStrictEqual([unknown.status, unknown.body.label], [400, "INVALID_CURRENCY_PAIR"])

        const book = (yield* gatePublic(gate, "/spot/order_book?currency_pair=BTC_USDT&with_id=true")).body
        assert.isNumber(book.id)
        assert.isNumber(book.current)
        assert.isNumber(book.update)
        assert.strictEqual(book.bids.length, 10) // default limit
        assert.isTrue(Number(book.bids[0][0]) > Number(book.bids[1][0]) && Number(book.asks[0][0]) < Number(book.asks[1][0]))
        assert.isTrue(Number(book.asks[0][0]) > Number(book.bids[0][0]))
        assert.isString(book.bids[0][1])
        const noId = (yield* gatePublic(gate, "/spot/order_book?currency_pair=BTC_USDT&limit=3")).body
        assert.isUndefined(noId.id)
        assert.strictEqual(noId.asks.length, 3)
        const tooDeep = yield* gatePublic(gate, "/spot/order_book?currency_pair=BTC_USDT&limit=1001")
        assert.deepStrictEqual([tooDeep.status, tooDeep.body.label], [400, "INVALID_PARAM_VALUE"])

        const tickers = (yield* gatePublic(gate, "/spot/tickers")).body
        assert.strictEqual(tickers.length, 3)
        const ticker = (yield* gatePublic(gate, "/spot/tickers?currency_pair=BTC_USDT")).body[0]
        assert.strictEqual(ticker.currency_pair, "BTC_USDT")
        assert.isTrue(Number(ticker.lowest_ask) > Number(ticker.highest_bid))
        assert.isString(ticker.lowest_size)

        // A trade happens: the synthetic market's takers trade every few hundred ms.
        let trades: Array<any> = []
        for (let i = 0; i < 100 && trades.length === 0; i++) {
          trades = (yield* gatePublic(gate, "/spot/trades?currency_pair=BTC_USDT&limit=5")).body
          if (trades.length === 0) yield* Effect.sleep("50 millis")
        }
        const trade = trades[0]
        assert.match(trade.id, /^[0-9]+$/)
        assert.match(trade.create_time_ms, /^[0-9]+\.[0-9]{3}$/)
        assert.include(["buy", "sell"], trade.side)
        assert.strictEqual(trade.currency_pair, "BTC_USDT")

        const currencies = (yield* gatePublic(gate, "/spot/currencies")).body.map((c: { currency: string }) => c.currency)
        assert.sameMembers(currencies, ["BTC", "ETH", "HIFI", "USDT"])
        const badEscape = yield* gatePublic(gate, "/spot/currency_pairs/%E0%A4%A")
        assert.deepStrictEqual([badEscape.status, badEscape.body.label], [404, "NOT_FOUND"])
        const missing = yield* gatePublic(gate, "/spot/nothing")
        assert.deepStrictEqual([missing.status, missing.body.label], [404, "NOT_FOUND"])
      })))
})

describe("Gate REST: signing", () => {
  it.live("byte-for-byte checks against the request line: query, body, timestamp, key, case", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const good = yield* gateSigned(gate, "GET", "/spot/accounts", { query: "currency=USDT" })
        assert.strictEqual(good.status, 200)
        assert.deepStrictEqual(good.body, [{ currency: "USDT", available: "10000", locked: "0", update_id: 0 }])

        // Signed with `,` but sent with `%2C`: the server hashes the request line as sent.
        const asSigned = yield* gateSigned(gate, "GET", "/spot/my_trades", { query: "currency_pair=BTC_USDT&order_id=1,2" })
        assert.strictEqual(asSigned.status, 200)
        const encoded = yield* gateSigned(gate, "GET", "/spot/my_trades", {
          query: "currency_pair=BTC_USDT&order_id=1,2",
          sendQuery: "currency_pair=BTC_USDT&order_id=1%2C2"
        })
        assert.deepStrictEqual([encoded.status, encoded.body], [401, { label: "INVALID_SIGNATURE", message: "Signature mismatch" }])
        // Signed in one key order, sent in another.
        const reorderedQuery = yield* gateSigned(gate, "GET", "/spot/my_trades", {
          query: "currency_pair=BTC_USDT&limit=5",
          sendQuery: "limit=5&currency_pair=BTC_USDT"
        })
        assert.deepStrictEqual([reorderedQuery.status, reorderedQuery.body.label], [401, "INVALID_SIGNATURE"])

        const upper = yield* gateSigned(gate, "GET", "/spot/accounts", { tweak: (h) => void (h["SIGN"] = h["SIGN"]!.toUpperCase()) })
        assert.deepStrictEqual([upper.status, upper.body.label], [401, "INVALID_SIGNATURE"])

        const expired = yield* gateSigned(gate, "GET", "/spot/accounts", { timestamp: String(Math.floor(Date.now() / 1000) - 61) })
        assert.deepStrictEqual([expired.status, expired.body], [401, {
          label: "REQUEST_EXPIRED",
          message: "gap between request Timestamp and server time exceeds 60"
        }])
        const inWindow = yield* gateSigned(gate, "GET", "/spot/accounts", { timestamp: String(Math.floor(Date.now() / 1000) - 50) })
        assert.strictEqual(inWindow.status, 200)

        const fee = (yield* gateSigned(gate, "GET", "/wallet/fee", { query: "currency_pair=BTC_USDT" })).body
        assert.deepInclude(fee, { taker_fee: "0.0005", maker_fee: "0", currency_pair: "BTC_USDT" })
        assert.deepInclude((yield* gateSigned(gate, "GET", "/account/detail")).body, { key: { mode: 1 } })
        const unknownKey = yield* gateSigned(gate, "GET", "/spot/accounts", { credentials: { apiKey: "nobody", secret: "x" } })
        assert.deepStrictEqual([unknownKey.status, unknownKey.body.label], [401, "INVALID_KEY"])
        const noSign = yield* gateSigned(gate, "GET", "/spot/accounts", { tweak: (h) => void delete h["SIGN"] })
        assert.deepStrictEqual([noSign.status, noSign.body.label], [401, "MISSING_REQUIRED_HEADER"])

        // The body is signed as sent: re-serialized JSON with a space is another body.
        const body = order({ side: "buy", amount: "0.001", price: "60000" })
        const reordered = yield* gateSigned(gate, "POST", "/spot/orders", {
          body,
          tweak: (h) => void (h["SIGN"] = gateSignOf(JSON.stringify(body, null, 1), h["Timestamp"]!))
        })
        assert.deepStrictEqual([reordered.status, reordered.body.label], [401, "INVALID_SIGNATURE"])
        // Nothing was placed by the refused calls.
        const open = yield* gateSigned(gate, "GET", "/spot/orders", { query: "currency_pair=BTC_USDT&status=open" })
        assert.deepStrictEqual(open.body, [])
      })))
})

/** The signature of a POST /spot/orders with `body` (to sign a body other than the one sent). */
const gateSignOf = (body: string, timestamp: string) => restSignature(demo.secret, "POST", "/api/v4/spot/orders", "", body, timestamp)

describe("Gate REST: orders", () => {
  it.live("create 201, get by id and text, list, cancel: statuses and finish_as", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const created = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: order({ text: "t-abc_1.x-y", side: "buy", amount: "0.001", price: "60000", time_in_force: "gtc" })
        })
        assert.strictEqual(created.status, 201)
        const o = created.body
        assert.match(o.id, /^[0-9]+$/)
        assert.deepInclude(o, {
          text: "t-abc_1.x-y",
          status: "open",
          finish_as: "open",
          currency_pair: "BTC_USDT",
          type: "limit",
          account: "spot",
          side: "buy",
          amount: "0.001",
          price: "60000",
          time_in_force: "gtc",
          left: "0.001",
          filled_amount: "0",
          filled_total: "0",
          fee: "0",
          fee_currency: "BTC",
          amend_text: "-"
        })
        assert.isString(o.create_time)
        assert.isNumber(o.create_time_ms)

        const byId = yield* gateSigned(gate, "GET", `/spot/orders/${o.id}`, { query: "currency_pair=BTC_USDT" })
        assert.deepStrictEqual([byId.status, byId.body.id], [200, o.id])
        const byText = yield* gateSigned(gate, "GET", "/spot/orders/t-abc_1.x-y", { query: "currency_pair=BTC_USDT" })
        assert.strictEqual(byText.body.id, o.id)
        const noPair = yield* gateSigned(gate, "GET", `/spot/orders/${o.id}`)
        assert.deepStrictEqual([noPair.status, noPair.body.label], [400, "MISSING_REQUIRED_PARAM"])
        const listed = yield* gateSigned(gate, "GET", "/spot/orders", { query: "currency_pair=BTC_USDT&status=open" })
        assert.deepStrictEqual(listed.body.map((x: { id: string }) => x.id), [o.id])
        const grouped = yield* gateSigned(gate, "GET", "/spot/open_orders")
        assert.deepStrictEqual(grouped.body.map((g: any) => [g.currency_pair, g.total]), [["BTC_USDT", 1]])

        const cancelled = yield* gateSigned(gate, "DELETE", `/spot/orders/${o.id}`, { query: "currency_pair=BTC_USDT" })
        assert.deepInclude(cancelled.body, { id: o.id, status: "cancelled", finish_as: "cancelled", left: "0.001" })
        const again = yield* gateSigned(gate, "DELETE", `/spot/orders/${o.id}`, { query: "currency_pair=BTC_USDT" })
        assert.deepStrictEqual([again.status, again.body.label], [400, "ORDER_CANCELLED"])
        // A custom id names an order only while it is open.
        const goneByText = yield* gateSigned(gate, "GET", "/spot/orders/t-abc_1.x-y", { query: "currency_pair=BTC_USDT" })
        assert.deepStrictEqual([goneByText.status, goneByText.body], [404, { label: "ORDER_NOT_FOUND", message: "Order not found" }])
        const finished = yield* gateSigned(gate, "GET", "/spot/orders", { query: "currency_pair=BTC_USDT&status=finished" })
        assert.deepStrictEqual(finished.body.map((x: { id: string }) => x.id), [o.id])
        const unknown = yield* gateSigned(gate, "GET", "/spot/orders/99", { query: "currency_pair=BTC_USDT" })
        assert.deepStrictEqual([unknown.status, unknown.body.label], [404, "ORDER_NOT_FOUND"])

        // No text: the server fills "apiv4".
        const plain = yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "sell", amount: "0.001", price: "70000" }) })
        assert.strictEqual(plain.body.text, "apiv4")
        const ack = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: order({ side: "sell", amount: "0.001", price: "70000", action_mode: "ACK" })
        })
        assert.deepStrictEqual(Object.keys(ack.body).sort(), ["amend_text", "id", "text"])
      })))

  it.live("fills: closed/filled with fees; IOC remainder cancelled/ioc though partly filled; FOK miss; POC; market buy by quote", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const ask = yield* gateSigned(gate, "POST", "/spot/orders", {
          credentials: maker,
          body: order({ side: "sell", amount: "0.002", price: "65000" })
        })
        assert.strictEqual(ask.status, 201)

        const ioc = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: order({ side: "buy", amount: "0.003", price: "65000", time_in_force: "ioc" })
        })
        assert.deepInclude(ioc.body, {
          status: "cancelled",
          finish_as: "ioc",
          filled_amount: "0.002",
          filled_total: "130",
          left: "0.001",
          avg_deal_price: "65000",
          fee_currency: "BTC"
        })
        assert.strictEqual(ioc.body.fee, "0.000001") // 0.05% taker on 0.002 BTC
        const makerSide = yield* gateSigned(gate, "GET", `/spot/orders/${ask.body.id}`, { credentials: maker, query: "currency_pair=BTC_USDT" })
        assert.deepInclude(makerSide.body, { status: "closed", finish_as: "filled", left: "0", filled_amount: "0.002" })

        const fok = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: order({ side: "buy", amount: "0.001", price: "65000", time_in_force: "fok" })
        })
        assert.deepInclude(fok.body, { status: "cancelled", finish_as: "fok", filled_amount: "0" })

        yield* gateSigned(gate, "POST", "/spot/orders", { credentials: maker, body: order({ side: "sell", amount: "0.01", price: "66000" }) })
        const poc = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: order({ side: "buy", amount: "0.001", price: "66000", time_in_force: "poc" })
        })
        assert.deepStrictEqual([poc.status, poc.body.label], [400, "POC_FILL_IMMEDIATELY"])
        const resting = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: order({ side: "buy", amount: "0.001", price: "65900", time_in_force: "poc" })
        })
        assert.deepInclude(resting.body, { status: "open", time_in_force: "poc" })

        const market = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: order({ type: "market", side: "buy", amount: "66", time_in_force: "ioc" })
        })
        assert.deepInclude(market.body, { type: "market", amount: "66", status: "closed", finish_as: "filled", filled_amount: "0.001", filled_total: "66" })
        const gtcMarket = yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ type: "market", side: "buy", amount: "66", time_in_force: "gtc" }) })
        assert.deepStrictEqual([gtcMarket.status, gtcMarket.body.label], [400, "INVALID_PARAM_VALUE"])

        const mine = yield* gateSigned(gate, "GET", "/spot/my_trades", { query: "currency_pair=BTC_USDT" })
        assert.strictEqual(mine.body.length, 2)
        assert.deepInclude(mine.body[0], { order_id: market.body.id, side: "buy", role: "taker", amount: "0.001", price: "66000", text: "apiv4" })
        assert.match(mine.body[0].create_time_ms, /^[0-9]+\.[0-9]{3}$/)
        const byOrder = yield* gateSigned(gate, "GET", "/spot/my_trades", { query: `currency_pair=BTC_USDT&order_id=${ioc.body.id}` })
        assert.deepStrictEqual(byOrder.body.map((t: any) => t.order_id), [ioc.body.id])

        const accounts = (yield* gateSigned(gate, "GET", "/spot/accounts")).body as Array<any>
        const usdt = accounts.find((a) => a.currency === "USDT")
        assert.strictEqual(usdt.locked, "65.9") // the resting post-only buy
        assert.isAbove(usdt.update_id, 0)
      })))

  it.live("post-only crossing answered as a cancelled order when configured", () =>
    withGate({ ...quiet, rest: { pocCross: "cancelled" } }, (gate) =>
      Effect.gen(function*() {
        yield* gateSigned(gate, "POST", "/spot/orders", { credentials: maker, body: order({ side: "sell", amount: "0.01", price: "66000" }) })
        const poc = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: order({ side: "buy", amount: "0.001", price: "66000", time_in_force: "poc", text: "t-poc" })
        })
        assert.strictEqual(poc.status, 201)
        assert.deepInclude(poc.body, { status: "cancelled", finish_as: "poc", filled_amount: "0", text: "t-poc" })
        const fetched = yield* gateSigned(gate, "GET", `/spot/orders/${poc.body.id}`, { query: "currency_pair=BTC_USDT" })
        assert.deepInclude(fetched.body, { status: "cancelled", finish_as: "poc" })
      })))

  it.live("rules: text, precision (reject / truncate), minimums, balance", () =>
    Effect.gen(function*() {
      yield* withGate(quiet, (gate) =>
        Effect.gen(function*() {
          const place = (fields: Record<string, unknown>) => gateSigned(gate, "POST", "/spot/orders", { body: order(fields) })
          const expect = (answer: { status: number; body: any }, status: number, label: string) =>
            assert.deepStrictEqual([answer.status, answer.body.label], [status, label], JSON.stringify(answer.body))
          expect(yield* place({ side: "buy", amount: "0.001", price: "60000", text: "abc" }), 400, "INVALID_PARAM_VALUE")
          expect(yield* place({ side: "buy", amount: "0.001", price: "60000", text: `t-${"a".repeat(29)}` }), 400, "INVALID_PARAM_VALUE")
          assert.strictEqual((yield* place({ side: "buy", amount: "0.001", price: "60000", text: `t-${"a".repeat(28)}` })).status, 201)
          expect(yield* place({ side: "buy", amount: "0.001", price: "60000.001" }), 400, "INVALID_PRECISION")
          expect(yield* place({ side: "buy", amount: "0.0000001", price: "60000" }), 400, "INVALID_PRECISION")
          const small = yield* place({ side: "buy", amount: "0.00001", price: "1000" })
          assert.deepStrictEqual([small.status, small.body], [400, {
            label: "INVALID_PARAM_VALUE",
            message: "Your order size 0.01 USDT is too small. The minimum is 1 USDT"
          }])
          expect(yield* place({ side: "buy", amount: "1", price: "60000" }), 400, "BALANCE_NOT_ENOUGH")
          expect(yield* place({ side: "buy", amount: "0.001" }), 400, "MISSING_REQUIRED_PARAM")
          expect(yield* place({ side: "up", amount: "0.001", price: "1" }), 400, "INVALID_PARAM_VALUE")
          expect(yield* place({ currency_pair: "BTCUSDT", side: "buy", amount: "0.001", price: "60000" }), 400, "INVALID_CURRENCY_PAIR")
          expect(yield* place({ side: "buy", amount: "0.001", price: "60000", account: "margin" }), 400, "INVALID_PARAM_VALUE")
          const notJson = yield* gateSigned(gate, "POST", "/spot/orders", { body: "x" })
          expect(notJson, 400, "INVALID_REQUEST_BODY")
        }))
      yield* withGate({ ...quiet, rest: { precision: "truncate" } }, (gate) =>
        Effect.gen(function*() {
          const cut = yield* gateSigned(gate, "POST", "/spot/orders", { body: order({ side: "buy", amount: "0.0012345678", price: "60000.019" }) })
          assert.deepInclude(cut.body, { amount: "0.001234", price: "60000.01" })
        }))
    }))

  it.live("cancel all (by pair, by side, every pair), batch cancel", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const place = (fields: Record<string, unknown>) =>
          Effect.map(gateSigned(gate, "POST", "/spot/orders", { body: order(fields) }), (a) => a.body.id as string)
        const b1 = yield* place({ side: "buy", amount: "0.001", price: "60000" })
        const s1 = yield* place({ side: "sell", amount: "0.001", price: "70000" })
        const e1 = yield* place({ currency_pair: "ETH_USDT", side: "buy", amount: "0.01", price: "3000" })
        const buys = yield* gateSigned(gate, "DELETE", "/spot/orders", { query: "currency_pair=BTC_USDT&side=buy" })
        assert.strictEqual(buys.status, 200)
        assert.deepStrictEqual(buys.body.map((o: any) => [o.id, o.status, o.finish_as, o.succeeded]), [[b1, "cancelled", "cancelled", true]])
        const all = yield* gateSigned(gate, "DELETE", "/spot/orders")
        assert.sameMembers(all.body.map((o: any) => o.id), [s1, e1])
        const b2 = yield* place({ side: "buy", amount: "0.001", price: "60000" })
        const batch = yield* gateSigned(gate, "POST", "/spot/cancel_batch_orders", {
          body: [{ currency_pair: "BTC_USDT", id: b2 }, { currency_pair: "BTC_USDT", id: b1 }]
        })
        assert.deepStrictEqual(batch.body.map((r: any) => [r.id, r.succeeded]), [[b2, true], [b1, false]])
      })))

  it.live("countdown_cancel_all arms and disarms; the switch cancels the open orders it covers", () =>
    withGate(quiet, (gate) =>
      Effect.gen(function*() {
        const armed = yield* gateSigned(gate, "POST", "/spot/countdown_cancel_all", { body: { timeout: 30, currency_pair: "BTC_USDT" } })
        assert.strictEqual(armed.status, 200)
        assert.isTrue(Math.abs(armed.body.triggerTime - (Date.now() + 30_000)) < 5_000)
        const disarmed = yield* gateSigned(gate, "POST", "/spot/countdown_cancel_all", { body: { timeout: 0 } })
        assert.deepStrictEqual(disarmed.body, { triggerTime: 0 })
        const short = yield* gateSigned(gate, "POST", "/spot/countdown_cancel_all", { body: { timeout: 2 } })
        assert.deepStrictEqual([short.status, short.body.label], [400, "INVALID_PARAM_VALUE"])
      })))

  it("countdown switch fires at its trigger time (engine time passed in)", () => {
    const engine = SimEngine.make({ symbols: defaultGateSymbols })
    const accounts = new GateAccounts(engine)
    engine.placeOrder("sim-key", { symbol: "BTC_USDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "60000" }, 0)
    engine.placeOrder("sim-key", { symbol: "ETH_USDT", side: "BUY", type: "LIMIT", quantity: "0.01", price: "3000" }, 0)
    assert.strictEqual(accounts.countdown("sim-key", "BTC_USDT", 10, 1_000), 11_000)
    assert.strictEqual(fireCountdowns(engine, accounts, 10_999), 0)
    assert.strictEqual(fireCountdowns(engine, accounts, 11_000), 1)
    const open = engine.openOrders("sim-key")
    assert.deepStrictEqual(open._tag === "Success" ? open.success.map((o) => o.symbol) : [], ["ETH_USDT"])
    assert.strictEqual(fireCountdowns(engine, accounts, 20_000), 0)
    accounts.close()
  })
})

describe("Gate REST: rate limits", () => {
  it.live("placements per account and pair: 429 TOO_MANY_REQUESTS with the headers; another pair is counted apart", () =>
    withGate({ ...quiet, rateLimits: { placement: { limit: 2, windowMs: 60_000 } } }, (gate) =>
      Effect.gen(function*() {
        const place = (pair: string) =>
          gateSigned(gate, "POST", "/spot/orders", { body: order({ currency_pair: pair, side: "buy", amount: pair === "BTC_USDT" ? "0.001" : "0.01", price: pair === "BTC_USDT" ? "60000" : "3000" }) })
        const first = yield* place("BTC_USDT")
        assert.deepStrictEqual([first.status, first.headers.get("x-gate-ratelimit-requests-remain"), first.headers.get("x-gate-ratelimit-limit")], [201, "1", "2"])
        assert.strictEqual((yield* place("BTC_USDT")).status, 201)
        const limited = yield* place("BTC_USDT")
        assert.deepStrictEqual([limited.status, limited.body.label], [429, "TOO_MANY_REQUESTS"])
        assert.strictEqual(limited.headers.get("x-gate-ratelimit-requests-remain"), "0")
        assert.isAbove(Number(limited.headers.get("x-gate-ratelimit-reset-timestamp")), Date.now())
        assert.strictEqual((yield* place("ETH_USDT")).status, 201)
        const open = yield* gateSigned(gate, "GET", "/spot/orders", { query: "currency_pair=BTC_USDT&status=open" })
        assert.strictEqual(open.body.length, 2)
      })))
})
