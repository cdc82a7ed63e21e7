/**
 * The order and user-data faults a trading client must survive: an order placed whose answer is
 * lost, an order not yet visible to queries, a private stream that goes quiet while its socket
 * stays alive, one listen key dying, keep-alives refused.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Redacted } from "effect"
import { SimExchange } from "../../src/sim/index.ts"
import { MexcSigning } from "../../src/venues/mexc/index.ts"
import type { WsClient } from "./support.ts"
import { call, connect, createListenKey, eventually, jsonTexts, signed, withSim } from "./support.ts"

const order = (clientOrderId: string, price = "60000") => ({
  symbol: "BTCUSDT",
  side: "BUY",
  type: "LIMIT",
  quantity: "0.001",
  price,
  newClientOrderId: clientOrderId
})

/** POST order with `fetch`, as a client would; fails when the connection is cut or `signal` aborts. */
const placeRaw = (sim: SimExchange.SimExchangeShape, params: Record<string, string>, signal?: AbortSignal) =>
  Effect.tryPromise(async () => {
    const query = MexcSigning.signQuery(Redacted.make("sim-secret"), params, Date.now())
    const response = await fetch(`${sim.restUrl}/api/v3/order?${query}`, {
      method: "POST",
      headers: { "X-MEXC-APIKEY": "sim-key" },
      ...(signal === undefined ? {} : { signal })
    })
    return { status: response.status, body: await response.json() as any }
  })

const byClientId = (sim: SimExchange.SimExchangeShape, clientOrderId: string) =>
  signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "BTCUSDT", origClientOrderId: clientOrderId })

const privateStream = (sim: SimExchange.SimExchangeShape) =>
  Effect.gen(function*() {
    const listenKey = yield* createListenKey(sim)
    const client = yield* connect(`${sim.wsUrl}?listenKey=${listenKey}`)
    client.send({ method: "SUBSCRIPTION", params: ["spot@private.orders.v3.api.pb"] })
    yield* eventually(() => client.texts.length > 0, "5 seconds", "the private ack")
    return { listenKey, client }
  })

const orderPushes = (client: WsClient) =>
  client.pushes.flatMap((p) => (p.body?.$case === "privateOrders" ? [p.body.value.clientId] : []))

/** Sends a PING and waits for its PONG: every frame queued before it has arrived by then. */
const roundTrip = (client: WsClient) =>
  Effect.gen(function*() {
    const pongs = () => jsonTexts(client).filter((t) => t.msg === "PONG").length
    const before = pongs()
    client.send({ method: "PING" })
    yield* eventually(() => pongs() > before, "5 seconds", "the pong")
  })

describe("SimExchange order faults", () => {
  it.live("lose-answers (cut): the order is placed, the client's connection is cut before any answer", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        yield* sim.faults.loseAnswers(1)
        const placed = yield* Effect.exit(placeRaw(sim, order("lost-1")))
        assert.isTrue(Exit.isFailure(placed), "no answer reached the client")
        const found = yield* byClientId(sim, "lost-1")
        assert.strictEqual(found.status, 200)
        assert.strictEqual(found.body.status, "NEW", "the order was placed all the same")
        assert.strictEqual((yield* sim.faults.snapshot).answersLostPending, 0)
        const next = yield* placeRaw(sim, order("lost-2"))
        assert.strictEqual(next.status, 200, "only the next call lost its answer")
      })))

  it.live("lose-answers (delay): the order is visible while its answer is still held; a client timeout leaves it placed", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const answer = yield* call("POST", `${sim.restUrl}/sim/faults/lose-answers?count=1&mode=delay&delayMs=60000`)
        assert.deepStrictEqual(answer.body.answerLoss, { mode: "delay", delayMs: 60000 })
        const abort = new AbortController()
        const done = yield* Deferred.make<void>()
        const pending = yield* placeRaw(sim, order("late-1"), abort.signal).pipe(
          Effect.exit,
          Effect.ensuring(Deferred.succeed(done, undefined)),
          Effect.forkChild
        )
        const found = yield* Effect.gen(function*() {
          while (true) {
            const answer = yield* byClientId(sim, "late-1")
            if (answer.status === 200) return answer.body
            yield* Effect.sleep("10 millis")
          }
        }).pipe(Effect.timeout("5 seconds"))
        assert.strictEqual(found.status, "NEW")
        assert.isFalse(yield* Deferred.isDone(done), "the placing call has not been answered")
        // GET calls are not affected while the fault is used up by the POST.
        assert.strictEqual((yield* signed(sim.restUrl, "GET", "/api/v3/account", {})).status, 200)
        abort.abort()
        const exit = yield* Fiber.join(pending)
        assert.isTrue(Exit.isFailure(exit), "the client gave up without an answer")
      })))

  it.live("not-yet-visible: a new order answers -2013 to queries for the window, then appears", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        yield* sim.faults.notYetVisible(60_000)
        const placed = yield* signed(sim.restUrl, "POST", "/api/v3/order", order("fresh-1"))
        assert.strictEqual(placed.status, 200)
        const hidden = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId: placed.body.orderId })
        assert.strictEqual(hidden.status, 400)
        assert.deepStrictEqual(hidden.body, { code: -2013, msg: "Order does not exist." })
        assert.strictEqual((yield* byClientId(sim, "fresh-1")).body.code, -2013)

        // A short window ends by itself.
        const state = yield* call("POST", `${sim.restUrl}/sim/faults/not-yet-visible?ms=300`)
        assert.strictEqual(state.body.notYetVisibleMs, 300)
        const visible = yield* Effect.gen(function*() {
          while (true) {
            const answer = yield* byClientId(sim, "fresh-1")
            if (answer.status === 200) return answer.body
            assert.strictEqual(answer.body.code, -2013)
            yield* Effect.sleep("20 millis")
          }
        }).pipe(Effect.timeout("10 seconds"))
        assert.strictEqual(visible.status, "NEW")
      })))

  it.live("silence-private: private pushes stop while pongs flow; they resume when it ends", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const { client } = yield* privateStream(sim)
        yield* signed(sim.restUrl, "POST", "/api/v3/order", order("heard-1"))
        yield* eventually(() => orderPushes(client).includes("heard-1"), "5 seconds", "the first push")
        yield* sim.faults.silencePrivate(true)
        yield* signed(sim.restUrl, "POST", "/api/v3/order", order("unheard-1"))
        yield* roundTrip(client)
        assert.notInclude(orderPushes(client), "unheard-1", "no private push while silenced")
        assert.strictEqual(client.ws.readyState, client.ws.OPEN)
        yield* call("POST", `${sim.restUrl}/sim/faults/silence-private?on=false`)
        yield* signed(sim.restUrl, "POST", "/api/v3/order", order("heard-2"))
        yield* eventually(() => orderPushes(client).includes("heard-2"), "5 seconds", "pushes after the silence")
        assert.notInclude(orderPushes(client), "unheard-1", "events during the silence are lost")
      })))

  it.live("silence-private for one listen key leaves the others streaming", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const quiet = yield* privateStream(sim)
        const loud = yield* privateStream(sim)
        yield* call("POST", `${sim.restUrl}/sim/faults/silence-private?on=true&listenKey=${quiet.listenKey}`)
        yield* signed(sim.restUrl, "POST", "/api/v3/order", order("one-1"))
        yield* eventually(() => orderPushes(loud.client).includes("one-1"), "5 seconds", "the other key's push")
        yield* roundTrip(quiet.client)
        assert.deepStrictEqual(orderPushes(quiet.client), [])
      })))

  it.live("invalidate-listen-key kills that key only: its stream ends, its keep-alive answers 730000", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const dead = yield* privateStream(sim)
        const alive = yield* privateStream(sim)
        assert.isTrue(yield* sim.faults.invalidateListenKey(dead.listenKey))
        yield* Effect.promise(() => dead.client.closed)
        assert.include(dead.client.texts, "Invalid listen key")
        const keepDead = yield* signed(sim.restUrl, "PUT", "/api/v3/userDataStream", { listenKey: dead.listenKey })
        assert.deepStrictEqual([keepDead.status, keepDead.body.code], [400, 730000])
        const keepAlive = yield* signed(sim.restUrl, "PUT", "/api/v3/userDataStream", { listenKey: alive.listenKey })
        assert.strictEqual(keepAlive.status, 200)
        yield* signed(sim.restUrl, "POST", "/api/v3/order", order("still-1"))
        yield* eventually(() => orderPushes(alive.client).includes("still-1"), "5 seconds", "the other key's push")
        assert.isFalse(yield* sim.faults.invalidateListenKey(dead.listenKey), "already dead")
        const again = yield* call("POST", `${sim.restUrl}/sim/faults/invalidate-listen-key?listenKey=${dead.listenKey}`)
        assert.deepStrictEqual([again.status, again.body.code], [400, 730000])
      })))

  it.live("fail-keep-alives: the next keep-alive answers 730000 while the key and its stream live on", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const { client, listenKey } = yield* privateStream(sim)
        const state = yield* call("POST", `${sim.restUrl}/sim/faults/fail-keep-alives?count=1`)
        assert.strictEqual(state.body.keepAliveFailuresPending, 1)
        const refused = yield* signed(sim.restUrl, "PUT", "/api/v3/userDataStream", { listenKey })
        assert.deepStrictEqual([refused.status, refused.body], [400, { code: 730000, msg: "Invalid listenKey" }])
        yield* roundTrip(client)
        yield* signed(sim.restUrl, "POST", "/api/v3/order", order("after-1"))
        yield* eventually(() => orderPushes(client).includes("after-1"), "5 seconds", "a push on the same key")
        assert.strictEqual((yield* signed(sim.restUrl, "PUT", "/api/v3/userDataStream", { listenKey })).status, 200)
      })))
})
