/**
 * The venue-neutral REST client against a scripted loopback HTTP server: answers that do not
 * decode keep their body, an error sent with HTTP 200 goes through the venue's table, and a
 * connection that fails says whether the request could have been acted on.
 */
import { createHash, createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Logger, Schema, SchemaTransformation } from "effect"
import type { Scope } from "effect"
import type { HttpClient } from "effect/http"
import { Rejected } from "../../src/exchange/ExchangeError.ts"
import type { ExchangeError } from "../../src/exchange/ExchangeError.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as RateLimiter from "../../src/ratelimit/RateLimiter.ts"
import * as RestClient from "../../src/rest/RestClient.ts"
import * as Transport from "../../src/rest/Transport.ts"
import { type Handler, serve } from "./support.ts"

const json = (status: number, body: unknown): Handler => (_request, response) => {
  response.writeHead(status, { "content-type": "application/json" }).end(typeof body === "string" ? body : JSON.stringify(body))
}

const time: Handler = (_request, response) => json(200, { serverTime: Date.now() })(_request, response)

const venue = (baseUrl: string): RestClient.Venue => ({
  name: "test",
  baseUrl,
  sign: ({ query, timestamp }) => Effect.succeed({ query: `${query}&timestamp=${timestamp}&signature=x`, headers: {} }),
  errorReason: (answer) => new Rejected({ status: answer.status, venueMessage: answer.body }),
  isErrorBody: (body) => body.includes("\"code\""),
  serverTime: {
    method: "GET",
    path: "/time",
    cost: [],
    response: Schema.Struct({ serverTime: Schema.Number }).pipe(
      Schema.decodeTo(
        Schema.Number,
        SchemaTransformation.transform({ decode: (a) => a.serverTime, encode: (serverTime) => ({ serverTime }) })
      )
    )
  }
})

const withClient = <A, E>(
  routes: Record<string, Handler>,
  f: (
    client: RestClient.RestClient,
    server: { readonly url: string; readonly hits: Map<string, number> }
  ) => Effect.Effect<A, E, HttpClient.HttpClient | RateLimiter.RateLimiter | Scope.Scope>
) =>
  LeakCheck.scoped(
    Effect.gen(function*() {
      const server = yield* serve({ "/time": time, ...routes })
      const client = yield* RestClient.make({ venue: venue(server.url), retries: 2, retryBase: "10 millis", timeout: "2 seconds" })
      return yield* f(client, server)
    }).pipe(
      Effect.provide(Layer.mergeAll(RateLimiter.layer({ name: "ratelimit:test", quotas: { any: { limit: 100, window: "1 second" } } }), Transport.layerNode)),
      Effect.provide(Logger.layer([]))
    )
  )

const Depth = Schema.Struct({ lastUpdateId: Schema.Number })
const get = (path: string, method: "GET" | "POST" = "GET"): RestClient.Request<typeof Depth.Type> => ({
  method,
  path,
  cost: [{ keys: ["any"], weight: 1 }],
  response: Depth
})

const failure = <A>(effect: Effect.Effect<A, ExchangeError>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
    if (reason === undefined || reason._tag !== "Fail") throw new Error(String(exit.cause))
    return reason.error
  })

describe("RestClient", () => {
  it.live("an answer that does not decode fails Decode keeping the body; an error sent with 200 goes through the venue's table", () =>
    withClient({
      "/shape": json(200, { lastUpdateId: "not a number", note: "kept" }),
      "/text": json(200, "<html>maintenance</html>"),
      "/error200": json(200, { code: 10007, msg: "bad symbol" })
    }, (client, server) =>
      Effect.gen(function*() {
        const shape = yield* failure(client.request(get("/shape")))
        assert.strictEqual(shape.reason._tag, "Decode")
        assert.include((shape.reason as { body: string }).body, "\"note\":\"kept\"")
        assert.strictEqual(shape.operation, "GET /shape")
        assert.isFalse(shape.retryable)
        assert.strictEqual(server.hits.get("/shape"), 1, "a Decode failure is not retried")
        const text = yield* failure(client.request(get("/text")))
        assert.strictEqual(text.reason._tag, "Decode")
        assert.include((text.reason as { body: string }).body, "maintenance")
        const error200 = yield* failure(client.request(get("/error200")))
        assert.strictEqual(error200.reason._tag, "Rejected")
        assert.include(error200.message, "bad symbol")
      })))

  it.live("a connection cut after the request was sent: a GET is retried, a POST fails Unavailable after one try", () => {
    const cut: Handler = (request) => request.socket.destroy()
    return withClient({ "/cut": cut }, (client, server) =>
      Effect.gen(function*() {
        const read = yield* failure(client.request(get("/cut")))
        assert.strictEqual(read.reason._tag, "Transport")
        assert.strictEqual(server.hits.get("/cut"), 3, "one try and two retries")
        const write = yield* failure(client.request(get("/cut", "POST")))
        assert.strictEqual(write.reason._tag, "Unavailable", "the venue may have acted: outcome unknown")
        assert.strictEqual(server.hits.get("/cut"), 4, "a state-changing request is sent once")
      }))
  })

  it.live("a venue that refuses connections: Transport (nothing was sent), for a POST too", () =>
    withClient({}, (client, server) =>
      Effect.gen(function*() {
        const closed = yield* serve({})
        const refusing = closed.url
        yield* Effect.callback<void>((resume) => {
          closed.server.close(() => resume(Effect.void))
        })
        const other = yield* RestClient.make({ venue: venue(refusing), retries: 1, retryBase: "10 millis" })
        const write = yield* failure(other.request(get("/anything", "POST")))
        assert.strictEqual(write.reason._tag, "Transport")
        assert.isTrue(write.retryable)
        assert.isAtLeast(server.hits.get("/time") ?? 0, 1)
      })))

  it.live("a signer sees method, full path, query and body as sent; the venue reads them byte for byte; seconds timestamps", () => {
    // A venue in Gate's style: base URL with a path, HMAC-SHA512 over method, path, query, body hash
    // and a seconds timestamp in headers. The server recomputes it from the raw request line and body.
    const hourMs = 3_600_000
    const payload = (method: string, path: string, query: string, body: string, timestamp: string) =>
      `${method}\n${path}\n${query}\n${createHash("sha512").update(body).digest("hex")}\n${timestamp}`
    const hmac = (text: string) => createHmac("sha512", "secret").update(text).digest("hex")
    const seen: Array<{ url: string; body: string; contentType: string | undefined; timestamp: string }> = []
    const verify: Handler = (request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8")
        const [path, query = ""] = (request.url ?? "").split("?")
        const timestamp = String(request.headers["timestamp"])
        seen.push({ url: request.url ?? "", body, contentType: request.headers["content-type"], timestamp })
        const expected = hmac(payload(request.method ?? "", path!, query, body, timestamp))
        if (request.headers["sign"] !== expected) return json(401, { label: "INVALID_SIGNATURE" })(request, response)
        json(200, { lastUpdateId: 7 })(request, response)
      })
    }
    const signedVenue = (baseUrl: string): RestClient.Venue => ({
      ...venue(baseUrl),
      timestampUnit: "seconds",
      sign: ({ body, method, path, query, timestamp }) =>
        Effect.succeed({
          query,
          headers: { KEY: "key", Timestamp: String(timestamp), SIGN: hmac(payload(method, path, query, body, String(timestamp))) }
        }),
      serverTime: { ...venue(baseUrl).serverTime, path: "/spot/time" }
    })
    return LeakCheck.scoped(
      Effect.gen(function*() {
        const server = yield* serve({
          "/api/v4/spot/time": (_request, response) => json(200, { serverTime: Date.now() + hourMs })(_request, response),
          "/api/v4/spot/orders": verify
        })
        const client = yield* RestClient.make({ venue: signedVenue(`${server.url}/api/v4`), retries: 0 })
        const order = { text: "t-1", currency_pair: "BTC_USDT", amount: "0.001", price: "65000", note: "ä, b&c" }
        const placed = yield* client.request({
          method: "POST",
          path: "/spot/orders",
          params: { account: "spot", pairs: "BTC_USDT,ETH_USDT", note: "a b" },
          body: order,
          signed: true,
          cost: [{ keys: ["any"], weight: 1 }],
          response: Depth
        })
        assert.strictEqual(placed.lastUpdateId, 7, "the venue verified the signature over what it received")
        const listed = yield* client.request({ method: "GET", path: "/spot/orders", signed: true, cost: [], response: Depth })
        assert.strictEqual(listed.lastUpdateId, 7, "no query, no body: the signer signs empty strings")
        assert.strictEqual(seen.length, 2)
        assert.strictEqual(seen[0]!.url, "/api/v4/spot/orders?account=spot&pairs=BTC_USDT%2CETH_USDT&note=a+b")
        assert.strictEqual(seen[0]!.body, JSON.stringify(order))
        assert.include(seen[0]!.contentType ?? "", "application/json")
        assert.strictEqual(seen[1]!.url, "/api/v4/spot/orders")
        assert.strictEqual(seen[1]!.body, "")
        const timestamp = Number(seen[0]!.timestamp)
        assert.isTrue(Number.isInteger(timestamp), "whole seconds")
        // Venue time = local clock + the measured offset (one hour ahead here), in seconds.
        assert.approximately(timestamp, (Date.now() + hourMs) / 1000, 60)
      }).pipe(
        Effect.provide(Layer.mergeAll(RateLimiter.layer({ name: "ratelimit:test", quotas: { any: { limit: 100, window: "1 second" } } }), Transport.layerNode)),
        Effect.provide(Logger.layer([]))
      )
    )
  })

  it.live("the query the signer answers is sent as it is, even one a URL encoder would have written differently", () => {
    const seen: Array<string> = []
    const record: Handler = (request, response) => {
      seen.push(request.url ?? "")
      json(200, { lastUpdateId: 1 })(request, response)
    }
    const rawVenue = (baseUrl: string): RestClient.Venue => ({
      ...venue(baseUrl),
      // A venue that signs its list separators unencoded: the request line must carry the same bytes.
      sign: ({ query, timestamp }) =>
        Effect.succeed({ query: `${query.replaceAll("%2C", ",")}&timestamp=${timestamp}&signature=x`, headers: {} })
    })
    return LeakCheck.scoped(
      Effect.gen(function*() {
        const server = yield* serve({ "/time": time, "/raw": record })
        const client = yield* RestClient.make({ venue: rawVenue(server.url), retries: 0 })
        yield* client.request({ ...get("/raw"), params: { symbols: "A,B" }, signed: true })
        assert.strictEqual(seen.length, 1)
        assert.match(seen[0]!, /^\/raw\?symbols=A,B&timestamp=\d+&signature=x$/)
      }).pipe(
        Effect.provide(Layer.mergeAll(RateLimiter.layer({ name: "ratelimit:test", quotas: { any: { limit: 100, window: "1 second" } } }), Transport.layerNode)),
        Effect.provide(Logger.layer([]))
      )
    )
  })

  it.live("a hand-written parse answers a body that fits; one that does not fits neither, and fails Decode keeping the body", () => {
    let parsed = 0
    const request = (path: string): RestClient.Request<typeof Depth.Type> => ({
      ...get(path),
      parse: (json) => {
        parsed++
        const id = (json as { lastUpdateId?: unknown } | null)?.lastUpdateId
        return typeof id === "number" ? { lastUpdateId: id } : undefined
      }
    })
    return withClient({
      "/good": json(200, { lastUpdateId: 7 }),
      "/bad": json(200, { lastUpdateId: "seven", note: "kept" }),
      "/text": json(200, "not json"),
      "/error200": json(200, { code: 10007, msg: "bad symbol" })
    }, (client) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* client.request(request("/good")), { lastUpdateId: 7 })
        assert.strictEqual(parsed, 1)
        const bad = yield* failure(client.request(request("/bad")))
        assert.strictEqual(bad.reason._tag, "Decode")
        assert.include((bad.reason as { body: string }).body, "\"note\":\"kept\"")
        assert.include((bad.reason as { detail: string }).detail, "lastUpdateId", "the schema explains what does not fit")
        const text = yield* failure(client.request(request("/text")))
        assert.strictEqual(text.reason._tag, "Decode")
        assert.include((text.reason as { body: string }).body, "not json")
        const error200 = yield* failure(client.request(request("/error200")))
        assert.strictEqual(error200.reason._tag, "Rejected", "an error sent with 200 still goes through the venue's table")
      }))
  })

  it.live("a quota with room is taken without waiting and counted; a quota that must wait still times out as the limiter's", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const server = yield* serve({ "/time": time, "/depth": json(200, { lastUpdateId: 1 }) })
        const limiter = yield* RateLimiter.RateLimiter
        const client = yield* RestClient.make({ venue: venue(server.url), retries: 2, retryBase: "10 millis", quotaWait: "100 millis" })
        const request: RestClient.Request<typeof Depth.Type> = { ...get("/depth"), cost: [{ keys: ["few"], weight: 1 }] }
        yield* client.request(request)
        yield* client.request(request)
        const few = (yield* limiter.stats).keys.find((k) => k.key === "few")
        assert.strictEqual(few?.used, 2, "both grants counted")
        const waited = yield* failure(client.request(request))
        assert.strictEqual(waited.reason._tag, "RateLimited")
        assert.strictEqual((waited.reason as { by?: string }).by, "limiter")
        assert.strictEqual(server.hits.get("/depth"), 2, "nothing sent past the quota, and not retried after waiting")
      }).pipe(
        Effect.provide(Layer.mergeAll(
          RateLimiter.layer({ name: "ratelimit:test", quotas: { few: { limit: 2, window: "1 hour" } } }),
          Transport.layerNode
        )),
        Effect.provide(Logger.layer([]))
      )
    ))

  it("encodes parameters byte for byte as URLSearchParams does", () => {
    const values = ["BTCUSDT", "a b", "x+y", "!'()~*-._", "A,B", "é€😀", "\ud800", "=&?#%", "", "0.0001"]
    for (const value of values) {
      const params = { [value]: value, n: 1, skip: undefined, flag: true }
      const expected = new URLSearchParams()
      for (const [key, v] of Object.entries(params)) if (v !== undefined) expected.append(key, String(v))
      assert.strictEqual(RestClient.encodeParams(params), expected.toString(), JSON.stringify(value))
    }
    assert.strictEqual(RestClient.encodeParams(undefined), "")
  })

  it.effect("a server time that cannot be measured at start is a warning in a whole sentence", () =>
    Effect.gen(function*() {
      const messages: Array<unknown> = []
      const capture = Logger.make((options) => {
        messages.push(options.message)
      })
      yield* LeakCheck.scoped(
        Effect.gen(function*() {
          const server = yield* serve({ "/time": json(503, "down") })
          yield* RestClient.make({ venue: venue(server.url), retries: 0, retryBase: "10 millis", timeout: "2 seconds" })
        }).pipe(
          Effect.provide(Layer.mergeAll(RateLimiter.layer({ name: "ratelimit:test", quotas: { any: { limit: 100, window: "1 second" } } }), Transport.layerNode)),
          Effect.provide(Logger.layer([capture]))
        )
      )
      const warning = messages.flat().map(String).find((m) => m.includes("server time"))
      assert.strictEqual(warning, "could not measure the server time at start; the first signed request will measure it")
    }))

  const startAgainst = (time: Handler) =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const server = yield* serve({ "/time": time, "/ping": json(200, { ok: true }) })
        const client = yield* RestClient.make({ venue: venue(server.url), retries: 3, retryBase: "10 millis", timeout: "300 millis" })
        yield* client.request({ method: "GET", path: "/ping", cost: [], response: Schema.Struct({ ok: Schema.Boolean }) })
        return { url: server.url, hits: server.hits.get("/time") ?? 0 }
      }).pipe(
        Effect.provide(Layer.mergeAll(RateLimiter.layer({ name: "ratelimit:test", quotas: { any: { limit: 100, window: "1 second" } } }), Transport.layerNode))
      )
    )

  it.live("a venue that accepts the connection and never answers at start fails the start after one timeout, naming the URL and the request", () =>
    Effect.gen(function*() {
      let url = ""
      const exit = yield* Effect.exit(startAgainst((request) => {
        url = `http://${request.headers.host}`
      }))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.findErrorOption(exit)
      assert.isTrue(error._tag === "Some" && error.value._tag === "ExchangeError" && RestClient.isNoAnswer(error.value))
      if (error._tag === "Some") {
        assert.strictEqual(error.value.message, `[test] start-up: venue unavailable: the venue at ${url} did not answer within 300ms (GET /time)`)
      }
    }))

  it.live("a venue that answers the server time slowly, within the timeout, starts", () =>
    Effect.gen(function*() {
      const started = yield* startAgainst((request, response) => {
        setTimeout(() => time(request, response), 100)
      })
      assert.strictEqual(started.hits, 1)
    }))
})
