import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaultSymbols, makeSymbol } from "../../src/sim/engine/Symbols.ts"
import { call, connect, createListenKey, eventually, jsonTexts, signed, type WsClient, withSim } from "./support.ts"

const depth100 = (symbol: string) => `spot@public.aggre.depth.v3.api.pb@100ms@${symbol}`
const other = { apiKey: "maker", secret: "maker-secret" }
const sol = { symbol: "SOLUSDT", baseAsset: "SOL", quoteAsset: "USDT", baseAssetPrecision: 3, quoteAssetPrecision: 2 }

describe("SimExchange WebSocket control plane", () => {
  it.live("acks subscriptions and unsubscriptions, answers PING in either case, refuses unknown channels", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        const replies = () => jsonTexts(client)
        client.send({ method: "SUBSCRIPTION", params: [depth100("BTCUSDT"), "spot@public.aggre.deals.v3.api.pb@10ms@ETHUSDT"] })
        yield* eventually(() => replies().length >= 1)
        assert.deepStrictEqual(replies()[0], {
          id: 0,
          code: 0,
          msg: `${depth100("BTCUSDT")},spot@public.aggre.deals.v3.api.pb@10ms@ETHUSDT`
        })
        client.send({ method: "PING" })
        client.send({ method: "ping" })
        yield* eventually(() => replies().length >= 3)
        assert.deepStrictEqual(replies()[1], { id: 0, code: 0, msg: "PONG" })
        assert.deepStrictEqual(replies()[2], { id: 0, code: 0, msg: "PONG" })

        client.send({ method: "SUBSCRIPTION", params: ["spot@public.nonsense.v3.api.pb@BTCUSDT"] })
        client.send({ method: "SUBSCRIPTION", params: [depth100("NOPEUSDT")] })
        client.send({ method: "SUBSCRIPTION", params: ["spot@private.orders.v3.api.pb"] })
        yield* eventually(() => replies().length >= 6)
        for (const refusal of replies().slice(3, 6)) {
          assert.isTrue(refusal.msg.startsWith("Not Subscribed successfully!"), refusal.msg)
        }
        assert.include(replies()[3]!.msg, "spot@public.nonsense.v3.api.pb@BTCUSDT")

        client.send({ method: "UNSUBSCRIPTION", params: [depth100("BTCUSDT")] })
        yield* eventually(() => replies().length >= 7)
        assert.deepStrictEqual(replies()[6], { id: 0, code: 0, msg: depth100("BTCUSDT") })
      })))

  it.live("allows 30 subscriptions per connection and refuses the 31st", () =>
    withSim({ market: false, symbols: [...defaultSymbols, makeSymbol(sol)] }, (sim) =>
      Effect.gen(function*() {
        const channels: Array<string> = []
        for (const symbol of ["BTCUSDT", "ETHUSDT", "HIFIUSDT", "SOLUSDT"]) {
          for (const kind of ["depth", "deals", "bookTicker"]) {
            for (const interval of ["100ms", "10ms"]) channels.push(`spot@public.aggre.${kind}.v3.api.pb@${interval}@${symbol}`)
          }
          for (const levels of [5, 10, 20]) channels.push(`spot@public.limit.depth.v3.api.pb@${symbol}@${levels}`)
        }
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: channels.slice(0, 31) })
        yield* eventually(() => jsonTexts(client).length >= 2)
        const [ack, refusal] = jsonTexts(client)
        assert.deepStrictEqual(ack!.msg.split(","), channels.slice(0, 30))
        assert.isTrue(refusal!.msg.startsWith(`Not Subscribed successfully! [${channels[30]}]`), refusal!.msg)
        // Re-subscribing a channel it already has does not count twice.
        client.send({ method: "SUBSCRIPTION", params: [channels[0]] })
        yield* eventually(() => jsonTexts(client).length >= 3)
        assert.strictEqual(jsonTexts(client)[2]!.msg, channels[0])
      })))

  it.live("the subscription limit is configurable", () =>
    withSim({ market: false, ws: { maxSubscriptions: 2 } }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [depth100("BTCUSDT"), depth100("ETHUSDT"), depth100("HIFIUSDT")] })
        yield* eventually(() => jsonTexts(client).length >= 2)
        assert.strictEqual(jsonTexts(client)[0]!.msg, `${depth100("BTCUSDT")},${depth100("ETHUSDT")}`)
        assert.isTrue(jsonTexts(client)[1]!.msg.startsWith(`Not Subscribed successfully! [${depth100("HIFIUSDT")}]`))
      })))

  it.live("closes a connection without subscriptions, and one that sends nothing", () =>
    withSim({ market: false, ws: { noSubscriptionTimeout: "200 millis", idleTimeout: "600 millis" } }, (sim) =>
      Effect.gen(function*() {
        const bare = yield* connect(sim.wsUrl)
        const quiet = yield* connect(sim.wsUrl)
        quiet.send({ method: "SUBSCRIPTION", params: [depth100("BTCUSDT")] })
        const pinging = yield* connect(sim.wsUrl)
        pinging.send({ method: "SUBSCRIPTION", params: [depth100("BTCUSDT")] })
        const bareClose = yield* Effect.promise(() => bare.closed)
        assert.strictEqual(bareClose.reason, "no subscription")
        for (let i = 0; i < 10; i++) {
          pinging.send({ method: "PING" })
          yield* Effect.sleep("100 millis")
        }
        const quietClose = yield* Effect.promise(() => quiet.closed)
        assert.strictEqual(quietClose.reason, "no traffic")
        assert.strictEqual(pinging.ws.readyState, pinging.ws.OPEN, "a client that pings stays connected")
      })))
})

describe("SimExchange WebSocket no-subscription timeout", () => {
  it.live("unsubscribing from nothing does not restart the no-subscription timer", () =>
    withSim({ market: false, ws: { noSubscriptionTimeout: "300 millis" } }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        const unsubscriber = setInterval(
          () => client.ws.readyState === client.ws.OPEN && client.send({ method: "UNSUBSCRIPTION", params: [depth100("BTCUSDT")] }),
          50
        )
        const closed = yield* Effect.promise(() => client.closed).pipe(
          Effect.timeout("3 seconds"),
          Effect.ensuring(Effect.sync(() => clearInterval(unsubscriber)))
        )
        assert.strictEqual(closed.reason, "no subscription")
      })))
})

describe("SimExchange WebSocket inbound limit", () => {
  it.live("closes a connection that sends more than 100 messages in a second", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        for (let i = 0; i < 150; i++) client.send({ method: "PING" })
        const closed = yield* Effect.promise(() => client.closed)
        assert.strictEqual(closed.code, 1008)
        assert.strictEqual(closed.reason, "too many messages")
        assert.strictEqual(jsonTexts(client).length, 100, "the first 100 were answered")
      })))
})

describe("SimExchange WebSocket connection age", () => {
  it.live("closes a connection past its maximum age even while it pings", () =>
    withSim({ market: false, ws: { maxConnectionAge: "300 millis" } }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [depth100("BTCUSDT")] })
        const pinger = setInterval(() => client.ws.readyState === client.ws.OPEN && client.send({ method: "PING" }), 50)
        const closed = yield* Effect.promise(() => client.closed).pipe(Effect.ensuring(Effect.sync(() => clearInterval(pinger))))
        assert.strictEqual(closed.reason, "connection too old")
      })))
})

describe("SimExchange WebSocket data", () => {
  it.live("pushes aggregated deals, book ticker and limit depth as protobuf frames", () =>
    withSim({ seed: 7 }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        const channels = [
          "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT",
          "spot@public.aggre.bookTicker.v3.api.pb@10ms@ETHUSDT",
          "spot@public.limit.depth.v3.api.pb@HIFIUSDT@5"
        ]
        client.send({ method: "SUBSCRIPTION", params: channels })
        const byChannel = (channel: string) => client.pushes.filter((p) => p.channel === channel)
        yield* eventually(() => channels.every((c) => byChannel(c).length > 0), "15 seconds", "a push on every channel")

        const deals = byChannel(channels[0]!)[0]!
        assert.strictEqual(deals.symbol, "BTCUSDT")
        assert.strictEqual(deals.body?.$case, "publicAggreDeals")
        if (deals.body?.$case === "publicAggreDeals") {
          const deal = deals.body.value.deals[0]!
          assert.match(deal.price, /^\d+(\.\d+)?$/)
          assert.include([1, 2], deal.tradeType)
          assert.strictEqual(deals.body.value.eventType, "spot@public.aggre.deals.v3.api.pb@100ms")
        }
        const ticker = byChannel(channels[1]!)[0]!
        assert.strictEqual(ticker.body?.$case, "publicAggreBookTicker")
        if (ticker.body?.$case === "publicAggreBookTicker") {
          assert.isAbove(Number(ticker.body.value.askPrice), Number(ticker.body.value.bidPrice))
        }
        const limit = byChannel(channels[2]!)[0]!
        assert.strictEqual(limit.body?.$case, "publicLimitDepths")
        if (limit.body?.$case === "publicLimitDepths") {
          assert.strictEqual(limit.body.value.asks.length, 5)
          assert.strictEqual(limit.body.value.bids.length, 5)
        }
        assert.deepStrictEqual(client.undecodable, [])
      })))

  it.live("the 100 ms book ticker pushes only when the best bid or ask changed", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const channel = "spot@public.aggre.bookTicker.v3.api.pb@100ms@ETHUSDT"
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [channel] })
        yield* eventually(() => jsonTexts(client).length >= 1)
        const bid = (price: string) =>
          signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price })
        const bids = () =>
          client.pushes.flatMap((p) => p.body?.$case === "publicAggreBookTicker" ? [`${p.body.value.bidPrice}x${p.body.value.bidQuantity}`] : [])
        yield* eventually(() => bids().length >= 1, "5 seconds", "the first ticker")
        yield* bid("3000")
        yield* eventually(() => bids().includes("3000x0.01"), "5 seconds", "the new best bid")
        yield* bid("2900") // a deeper level: the top of the book is unchanged
        yield* Effect.sleep("200 millis")
        yield* bid("3000") // the best bid's quantity grows
        yield* eventually(() => bids().includes("3000x0.02"), "5 seconds", "the larger best bid")
        yield* Effect.sleep("100 millis")
        assert.deepStrictEqual(bids(), ["0x0", "3000x0.01", "3000x0.02"])
      })))

  it.live("the 10 ms book ticker republishes an unchanged best bid/ask every window, as live MEXC does", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: ["spot@public.aggre.bookTicker.v3.api.pb@10ms@ETHUSDT"] })
        yield* eventually(() => jsonTexts(client).length >= 1)
        const tops = () =>
          client.pushes.flatMap((p) => p.body?.$case === "publicAggreBookTicker" ? [`${p.body.value.bidPrice}x${p.body.value.bidQuantity}`] : [])
        yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price: "3000" })
        // The book does not change after the order: every frame from here repeats the same top.
        yield* eventually(() => tops().filter((t) => t === "3000x0.01").length >= 20, "5 seconds", "20 frames of one unchanged top")
        assert.deepStrictEqual([...new Set(tops())].filter((t) => t !== "0x0"), ["3000x0.01"])
      })))

  it.live("a client joining a snapshot channel others already stream (a reconnect) gets the current state at once", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const channels = ["spot@public.limit.depth.v3.api.pb@ETHUSDT@5", "spot@public.aggre.bookTicker.v3.api.pb@100ms@ETHUSDT"]
        yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price: "3000" })
        const first = yield* connect(sim.wsUrl)
        first.send({ method: "SUBSCRIPTION", params: channels })
        const cases = (client: WsClient) => new Set(client.pushes.map((p) => p.body?.$case))
        yield* eventually(() => cases(first).size === 2, "5 seconds", "the first client's snapshots")
        // The book does not change from here on: only a push made for the newcomer can reach it.
        const second = yield* connect(sim.wsUrl)
        second.send({ method: "SUBSCRIPTION", params: channels })
        yield* eventually(() => cases(second).size === 2, "5 seconds", "the second client's snapshots")
        const limit = second.pushes.find((p) => p.body?.$case === "publicLimitDepths")!
        if (limit.body?.$case === "publicLimitDepths") assert.deepStrictEqual(limit.body.value.bids, [{ price: "3000", quantity: "0.01" }])
      })))

  it.live("depth versions are continuous across REST depth.lastUpdateId and WS pushes (MEXC's sync procedure)", () =>
    withSim({ seed: 3 }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: ["spot@public.aggre.depth.v3.api.pb@10ms@BTCUSDT"] })
        yield* eventually(() => client.pushes.length >= 3)
        const snapshot = (yield* call("GET", `${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=1000`)).body
        const snapshotVersion: number = snapshot.lastUpdateId
        yield* eventually(() => client.pushes.length >= 30, "10 seconds", "30 depth pushes")
        const versions = client.pushes.map((p) => {
          assert.strictEqual(p.body?.$case, "publicAggreDepths")
          const v = p.body!.value as { fromVersion: string; toVersion: string }
          return { from: Number(v.fromVersion), to: Number(v.toVersion) }
        })
        const live = versions.filter((v) => v.to >= snapshotVersion + 1)
        assert.isAtLeast(live.length, 10)
        assert.isAtMost(live[0]!.from, snapshotVersion + 1, "the first applicable push bridges the snapshot")
        for (let i = 1; i < versions.length; i++) {
          assert.strictEqual(versions[i]!.from, versions[i - 1]!.to + 1, `push ${i} continues push ${i - 1}`)
        }
      })))

  it.live("a book rebuilt from a snapshot plus pushes equals the REST book", () =>
    withSim({ market: false, accounts: [other] }, (sim) =>
      Effect.gen(function*() {
        const place = (side: string, price: string) =>
          signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side, type: "LIMIT", quantity: "0.1", price }, other)
        yield* place("BUY", "3000")
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [depth100("ETHUSDT")] })
        yield* eventually(() => jsonTexts(client).length >= 1)
        const snapshot = (yield* call("GET", `${sim.restUrl}/api/v3/depth?symbol=ETHUSDT`)).body
        const bids = new Map<string, string>(snapshot.bids)
        const asks = new Map<string, string>(snapshot.asks)
        yield* place("BUY", "3001")
        yield* place("SELL", "3100")
        const cancelled = yield* place("SELL", "3200")
        yield* signed(sim.restUrl, "DELETE", "/api/v3/order", { symbol: "ETHUSDT", orderId: cancelled.body.orderId }, other)
        yield* place("BUY", "3000")
        const final = (yield* call("GET", `${sim.restUrl}/api/v3/depth?symbol=ETHUSDT`)).body
        yield* eventually(
          () => client.pushes.some((p) => p.body?.$case === "publicAggreDepths" && Number(p.body.value.toVersion) >= final.lastUpdateId),
          "5 seconds",
          "pushes up to the final version"
        )
        let version: number = snapshot.lastUpdateId
        for (const push of client.pushes) {
          if (push.body?.$case !== "publicAggreDepths") continue
          const v = push.body.value
          if (Number(v.toVersion) <= version) continue
          assert.isAtMost(Number(v.fromVersion), version + 1)
          for (const { price, quantity } of v.bids) quantity === "0" ? bids.delete(price) : bids.set(price, quantity)
          for (const { price, quantity } of v.asks) quantity === "0" ? asks.delete(price) : asks.set(price, quantity)
          version = Number(v.toVersion)
        }
        assert.strictEqual(version, final.lastUpdateId)
        const sorted = (m: Map<string, string>, dir: number) => [...m].sort((a, b) => dir * (Number(a[0]) - Number(b[0])))
        assert.deepStrictEqual(sorted(bids, -1), final.bids)
        assert.deepStrictEqual(sorted(asks, 1), final.asks)
      })))
})

describe("SimExchange WebSocket slow clients", () => {
  it.live("a client that stops reading costs a bounded buffer: later frames are dropped (a depth gap), not queued forever", () =>
    withSim({ market: false, maxOpenOrders: 10_000, accounts: [{ apiKey: "whale", secret: "w", balances: { USDT: "1000000000" } }], ws: { outboxCapacity: 4 } }, (sim) =>
      Effect.gen(function*() {
        const channel = "spot@public.aggre.depth.v3.api.pb@10ms@BTCUSDT"
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [channel] })
        yield* eventually(() => jsonTexts(client).length >= 1)
        client.ws.pause()
        // ~16 MB of depth pushes (4,000 levels appear, then vanish, per round): far more than the
        // kernel's socket buffers hold, so without backpressure the server would buffer the rest.
        const prices = Array.from({ length: 4_000 }, (_, i) => (10_000 + i / 100).toFixed(2))
        for (let round = 0; round < 40; round++) {
          for (const price of prices) {
            sim.engine.placeOrder("whale", { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price }, Date.now())
          }
          yield* Effect.sleep("15 millis")
          sim.engine.cancelOpenOrders("whale", "BTCUSDT", Date.now())
          yield* Effect.sleep("15 millis")
        }
        const stalledAt = sim.engine.depthVersion("BTCUSDT")!
        client.ws.resume()
        const versions = () =>
          client.pushes.flatMap((p) =>
            p.body?.$case === "publicAggreDepths" ? [{ from: Number(p.body.value.fromVersion), to: Number(p.body.value.toVersion) }] : []
          )
        // The book keeps changing until a push made after the stall arrives.
        for (let i = 0; !versions().some((v) => v.to > stalledAt); i++) {
          assert.isBelow(i, 400, "no push after the stall")
          sim.engine.placeOrder("whale", { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "9000" }, Date.now())
          yield* Effect.sleep("50 millis")
        }
        const all = versions()
        const gaps = all.filter((v, i) => i > 0 && v.from !== all[i - 1]!.to + 1)
        assert.isAtLeast(gaps.length, 1, "frames past the buffer were dropped")
      })), { timeout: 60_000 })
})

describe("SimExchange private streams", () => {
  it.live("pushes the listen key's orders, deals and balance changes", () =>
    withSim({ market: false, accounts: [other] }, (sim) =>
      Effect.gen(function*() {
        const listenKey = yield* createListenKey(sim)
        const client = yield* connect(`${sim.wsUrl}?listenKey=${listenKey}`)
        const channels = ["spot@private.orders.v3.api.pb", "spot@private.deals.v3.api.pb", "spot@private.account.v3.api.pb"]
        client.send({ method: "SUBSCRIPTION", params: channels })
        yield* eventually(() => jsonTexts(client).length >= 1)
        assert.strictEqual(jsonTexts(client)[0]!.msg, channels.join(","))

        const placed = yield* signed(sim.restUrl, "POST", "/api/v3/order", {
          symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "60000", newClientOrderId: "mine"
        })
        yield* signed(sim.restUrl, "POST", "/api/v3/order", {
          symbol: "BTCUSDT", side: "SELL", type: "LIMIT", quantity: "0.001", price: "60000"
        }, other)
        const of = (channel: string) => client.pushes.filter((p) => p.channel === channel)
        yield* eventually(() => of(channels[1]!).length >= 1 && of(channels[0]!).length >= 2, "5 seconds", "order and deal pushes")

        const [created, filled] = of(channels[0]!)
        assert.strictEqual(created!.body?.$case, "privateOrders")
        if (created!.body?.$case === "privateOrders" && filled!.body?.$case === "privateOrders") {
          assert.strictEqual(created!.body.value.id, placed.body.orderId)
          assert.strictEqual(created!.body.value.clientId, "mine")
          assert.strictEqual(created!.body.value.status, 1)
          assert.strictEqual(filled!.body.value.status, 2)
        }
        assert.strictEqual(created!.symbol, "BTCUSDT")
        const deal = of(channels[1]!)[0]!
        assert.strictEqual(deal.body?.$case, "privateDeals")
        if (deal.body?.$case === "privateDeals") {
          assert.strictEqual(deal.body.value.orderId, placed.body.orderId)
          assert.strictEqual(deal.body.value.price, "60000")
          assert.isTrue(deal.body.value.isMaker)
        }
        yield* eventually(() => of(channels[2]!).length >= 1, "5 seconds", "an account push")
        const changes = of(channels[2]!).flatMap((p) => (p.body?.$case === "privateAccount" ? [p] : []))
        // As live: the change types MEXC uses, and the wrapper carries the change's time.
        assert.strictEqual(changes[0]!.body?.$case === "privateAccount" && changes[0]!.body.value.type, "ENTRUST_PLACE")
        for (const change of changes) {
          if (change.body?.$case !== "privateAccount") continue
          assert.include(["ENTRUST_PLACE", "ENTRUST", "TRADE_FEE", "ENTRUST_CANCEL"], change.body.value.type)
          assert.strictEqual(change.createTime, change.body.value.time)
        }
      })))

  it.live("answers `Invalid listen key` on a dead key", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(`${sim.wsUrl}?listenKey=nope`)
        yield* Effect.promise(() => client.closed)
        assert.deepStrictEqual(client.texts, ["Invalid listen key"])
      })))
})
