import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { SimExchange } from "../../src/sim/index.ts"
import { call, connect, eventually, jsonTexts, openPrivateOrders, signed, withSim } from "./support.ts"

const depth10 = "spot@public.aggre.depth.v3.api.pb@10ms@BTCUSDT"
const admin = (sim: SimExchange.SimExchangeShape, action: string, query = "") =>
  call("POST", `${sim.restUrl}/sim/faults/${action}${query ? `?${query}` : ""}`)

describe("SimExchange faults", () => {
  it.live("drop-connections cuts every WebSocket without a close frame (flag API and admin endpoint)", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const a = yield* connect(sim.wsUrl)
        const b = yield* connect(sim.wsUrl)
        assert.strictEqual(yield* sim.faults.dropConnections, 2)
        assert.strictEqual((yield* Effect.promise(() => a.closed)).code, 1006)
        assert.strictEqual((yield* Effect.promise(() => b.closed)).code, 1006)
        const c = yield* connect(sim.wsUrl)
        const answer = yield* admin(sim, "drop-connections")
        assert.strictEqual(answer.status, 200)
        assert.strictEqual((yield* Effect.promise(() => c.closed)).code, 1006)
      })))

  it.live("refuse-connections answers 503 to new connections for N seconds, then accepts again", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const open = yield* connect(sim.wsUrl)
        const state = yield* admin(sim, "refuse-connections", "seconds=0.5")
        assert.isNumber(state.body.refusingConnectionsUntil)
        const refused = yield* Effect.flip(connect(sim.wsUrl))
        assert.strictEqual(refused.message, "Unexpected server response: 503")
        assert.strictEqual(open.ws.readyState, open.ws.OPEN, "existing connections are untouched")
        // Bounded polling: connections are accepted again once the period is over.
        const accepted = yield* Effect.gen(function*() {
          while (true) {
            const attempt = yield* Effect.exit(connect(sim.wsUrl))
            if (Exit.isSuccess(attempt)) return attempt.value
            yield* Effect.sleep("50 millis")
          }
        }).pipe(Effect.timeout("10 seconds"))
        assert.strictEqual(accepted.ws.readyState, accepted.ws.OPEN)
        assert.isNull((yield* sim.faults.snapshot).refusingConnectionsUntil)
      })))

  it.live("silence: no data and no pongs while on, TCP left open; everything resumes when off", () =>
    withSim({}, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [depth10] })
        yield* eventually(() => client.pushes.length > 0)
        const silencedAt = Date.now()
        yield* sim.faults.silence(true)
        const before = sim.engine.depthVersion("BTCUSDT")!
        // A PING, then a subscription that registers an engine listener: once the listener is
        // there, the server has handled both messages (in order) while silent.
        const listeners = sim.engine.listenerCount()
        client.send({ method: "PING" })
        client.send({ method: "SUBSCRIPTION", params: ["spot@public.aggre.deals.v3.api.pb@10ms@ETHUSDT"] })
        yield* eventually(() => sim.engine.listenerCount() > listeners, "5 seconds", "the server handled the PING")
        // Let the market move on while silent (bounded polling on the book's version).
        yield* eventually(() => sim.engine.depthVersion("BTCUSDT")! > before + 20, "5 seconds", "the market to move")
        assert.strictEqual(client.ws.readyState, client.ws.OPEN)
        const resumedAt = Date.now()
        yield* admin(sim, "silence", "on=false")
        client.send({ method: "PING" })
        yield* eventually(() => jsonTexts(client).some((t) => t.msg === "PONG"), "5 seconds", "the pong after the silence")
        assert.strictEqual(jsonTexts(client).filter((t) => t.msg === "PONG").length, 1, "the PING sent while silent got no pong")
        assert.isFalse(jsonTexts(client).some((t) => t.msg.includes("deals")), "nor its subscription an ack")
        yield* eventually(() => client.pushes.some((p) => Number(p.sendTime) >= resumedAt), "5 seconds", "data after the silence")
        const sentWhileSilent = client.pushes.filter((p) => Number(p.sendTime) > silencedAt && Number(p.sendTime) < resumedAt)
        assert.deepStrictEqual(sentWhileSilent, [], "no data frame made while silent")
      })))

  it.live("malformed-frames replaces the next N binary frames with bytes that do not decode", () =>
    withSim({}, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [depth10] })
        yield* eventually(() => client.pushes.length > 0)
        yield* admin(sim, "malformed-frames", "count=3")
        yield* eventually(() => client.undecodable.length === 3 && client.pushes.length > 5)
        const decodedBefore = client.pushes.length
        yield* eventually(() => client.pushes.length > decodedBefore + 3)
        assert.strictEqual(client.undecodable.length, 3)
        assert.strictEqual((yield* sim.faults.snapshot).malformedFramesPending, 0)
      })))

  it.live("depth-gap makes the next depth push skip versions, once", () =>
    withSim({}, (sim) =>
      Effect.gen(function*() {
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [depth10] })
        yield* eventually(() => client.pushes.length >= 3)
        yield* sim.faults.depthGap("BTCUSDT")
        yield* eventually(() => client.pushes.length >= 30, "10 seconds")
        const versions = client.pushes.map((p) => {
          const v = p.body!.value as { fromVersion: string; toVersion: string }
          return { from: Number(v.fromVersion), to: Number(v.toVersion) }
        })
        let gaps = 0
        for (let i = 1; i < versions.length; i++) if (versions[i]!.from !== versions[i - 1]!.to + 1) gaps++
        assert.strictEqual(gaps, 1)
      })))

  it.live("latency delays REST answers and WebSocket writes", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        yield* admin(sim, "latency", "rest=300&ws=300")
        const started = performance.now()
        yield* call("GET", `${sim.restUrl}/api/v3/ping`)
        assert.isAtLeast(performance.now() - started, 290, "the REST answer waited for the latency")
        const client = yield* connect(sim.wsUrl)
        const sentAt = performance.now()
        client.send({ method: "PING" })
        yield* eventually(() => client.texts.length > 0)
        assert.isAtLeast(performance.now() - sentAt, 290, "the pong waited for the latency")
        yield* sim.faults.reset
        assert.strictEqual((yield* sim.faults.snapshot).restLatencyMs, 0)
      })))

  it.live("rest-failures: the next N calls answer 429 with Retry-After", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        yield* admin(sim, "rest-failures", "count=2&status=429&retryAfter=3")
        for (let i = 0; i < 2; i++) {
          const limited = yield* call("GET", `${sim.restUrl}/api/v3/time`)
          assert.strictEqual(limited.status, 429)
          assert.strictEqual(limited.headers.get("retry-after"), "3")
        }
        assert.strictEqual((yield* call("GET", `${sim.restUrl}/api/v3/time`)).status, 200)
      })))

  it.live("rest-failures with 5xx: an order is still placed, so its outcome is truly unknown", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        yield* sim.faults.failNextRest(1, { status: 503 })
        const placed = yield* signed(sim.restUrl, "POST", "/api/v3/order", {
          symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "60000", newClientOrderId: "unknown-1"
        })
        assert.strictEqual(placed.status, 503)
        const found = yield* signed(sim.restUrl, "GET", "/api/v3/order", { symbol: "BTCUSDT", origClientOrderId: "unknown-1" })
        assert.strictEqual(found.status, 200)
        assert.strictEqual(found.body.status, "NEW")
      })))

  it.live("rest-failures with 5xx: a call refused by the signature check or the quota is still answered 5xx", () =>
    withSim({ market: false, rateLimits: { default: { limit: 1, windowMs: 60_000 } } }, (sim) =>
      Effect.gen(function*() {
        const order = { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "60000" }
        yield* sim.faults.failNextRest(2, { status: 503 })
        const badKey = yield* signed(sim.restUrl, "POST", "/api/v3/order", order, { apiKey: "nobody", secret: "wrong" })
        assert.strictEqual(badKey.status, 503)
        assert.strictEqual((yield* signed(sim.restUrl, "POST", "/api/v3/order", order)).status, 503) // placed
        assert.strictEqual((yield* sim.faults.snapshot).restFailuresPending, 0)
        yield* sim.faults.failNextRest(1, { status: 503 })
        assert.strictEqual((yield* signed(sim.restUrl, "POST", "/api/v3/order", order)).status, 503) // over quota
        // Without the fault, the quota (1 per endpoint and key) answers again.
        assert.strictEqual((yield* signed(sim.restUrl, "POST", "/api/v3/order", order)).status, 429)
        const open = yield* signed(sim.restUrl, "GET", "/api/v3/openOrders", {})
        assert.strictEqual(open.body.length, 1, "only the call that passed the checks was carried out")
      })))

  it.live("expire-listen-keys ends private streams with `Invalid listen key`, and keep-alive then fails", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const { client, listenKey } = yield* openPrivateOrders(sim)
        yield* eventually(() => client.texts.length > 0)
        yield* admin(sim, "expire-listen-keys")
        yield* Effect.promise(() => client.closed)
        assert.include(client.texts, "Invalid listen key")
        const keepAlive = yield* signed(sim.restUrl, "PUT", "/api/v3/userDataStream", { listenKey })
        assert.strictEqual(keepAlive.status, 400)
      })))

  it.live("a listen key not kept alive expires and its stream ends", () =>
    withSim({ market: false, listenKeyValidity: "200 millis" }, (sim) =>
      Effect.gen(function*() {
        const { client } = yield* openPrivateOrders(sim)
        yield* Effect.promise(() => client.closed)
        assert.include(client.texts, "Invalid listen key")
      })))

  it.live("an expired key's stream ends even when a late keep-alive noticed the expiry before the sweep", () =>
    withSim({ market: false, listenKeyValidity: "200 millis" }, (sim) =>
      Effect.gen(function*() {
        const { client, listenKey } = yield* openPrivateOrders(sim)
        // Bounded polling until the key has expired (GET userDataStream lists live keys only).
        yield* Effect.gen(function*() {
          while ((yield* signed(sim.restUrl, "GET", "/api/v3/userDataStream", {})).body.listenKey.includes(listenKey)) {
            yield* Effect.sleep("20 millis")
          }
        }).pipe(Effect.timeout("5 seconds"))
        // Expired, but the once-a-second sweep has not run yet: the keep-alive fails...
        const late = yield* signed(sim.restUrl, "PUT", "/api/v3/userDataStream", { listenKey })
        assert.strictEqual(late.body.code, 730000)
        // ...and the stream on the dead key is still told and closed.
        const closed = yield* Effect.promise(() => client.closed).pipe(Effect.timeout("3 seconds"), Effect.exit)
        assert.isTrue(Exit.isSuccess(closed), "the private stream was never closed")
        assert.include(client.texts, "Invalid listen key")
      })))

  it.live("deleting a listen key ends its stream with `Invalid listen key`", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const { client, listenKey } = yield* openPrivateOrders(sim)
        yield* eventually(() => client.texts.length > 0)
        const deleted = yield* signed(sim.restUrl, "DELETE", "/api/v3/userDataStream", { listenKey })
        assert.deepStrictEqual(deleted.body, { listenKey })
        const closed = yield* Effect.promise(() => client.closed).pipe(Effect.timeout("3 seconds"), Effect.exit)
        assert.isTrue(Exit.isSuccess(closed), "the stream of the deleted key stayed open")
        assert.include(client.texts, "Invalid listen key")
      })))

  it.live("recurring faults from the start: connections are dropped every N seconds", () =>
    withSim({ market: false, faults: { dropConnectionsEverySeconds: 0.2 } }, (sim) =>
      Effect.gen(function*() {
        for (let round = 0; round < 2; round++) {
          const client = yield* connect(sim.wsUrl)
          assert.strictEqual((yield* Effect.promise(() => client.closed)).code, 1006)
        }
      })))

  it.live("faults can be switched on from the start (the CLI's flags)", () =>
    withSim({ market: false, faults: { restFailures: { count: 1, status: 500 } } }, (sim) =>
      Effect.gen(function*() {
        assert.strictEqual((yield* call("GET", `${sim.restUrl}/api/v3/time`)).status, 500)
        assert.strictEqual((yield* call("GET", `${sim.restUrl}/api/v3/time`)).status, 200)
        const state = yield* call("GET", `${sim.restUrl}/sim/faults`)
        assert.strictEqual(state.body.restFailuresPending, 0)
      })))
})
