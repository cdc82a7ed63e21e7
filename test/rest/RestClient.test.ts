/**
 * The venue-neutral REST client against a scripted loopback HTTP server: answers that do not
 * decode keep their body, an error sent with HTTP 200 goes through the venue's table, and a
 * connection that fails says whether the request could have been acted on.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Logger, Schema, SchemaTransformation } from "effect"
import type { Scope } from "effect"
import type { HttpClient } from "effect/http"
import { Rejected } from "../../src/exchange/ExchangeError.ts"
import type { ExchangeError } from "../../src/exchange/ExchangeError.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as RateLimiter from "../../src/ratelimit/RateLimiter.ts"
import * as RestClient from "../../src/rest/RestClient.ts"
import { type Handler, serve } from "./support.ts"

const json = (status: number, body: unknown): Handler => (_request, response) => {
  response.writeHead(status, { "content-type": "application/json" }).end(typeof body === "string" ? body : JSON.stringify(body))
}

const time: Handler = (_request, response) => json(200, { serverTime: Date.now() })(_request, response)

const venue = (baseUrl: string): RestClient.Venue => ({
  name: "test",
  baseUrl,
  sign: (query, timestamp) => Effect.succeed({ query: `${query}&timestamp=${timestamp}&signature=x`, headers: {} }),
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
      Effect.provide(Layer.mergeAll(RateLimiter.layer({ name: "ratelimit:test", quotas: { any: { limit: 100, window: "1 second" } } }), NodeHttpClient.layerUndici)),
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
})
