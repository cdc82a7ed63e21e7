/**
 * The REST client's HTTP exchange straight through undici (`Transport.layerNode`), against a real
 * loopback HTTP server: what is sent arrives byte for byte, the timeout is one typed failure that
 * aborts the request, interruption aborts it too, a failed connection says whether the venue can
 * have seen the request, and nothing (timer, socket) outlives the scope. The `HttpClient` fallback
 * keeps the same typed timeout.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { HttpClient } from "effect/http"
import type * as Http from "node:http"
import * as Net from "node:net"
import type { ExchangeErrorReason } from "../../src/exchange/ExchangeError.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as Transport from "../../src/rest/Transport.ts"
import { type Handler, serve } from "./support.ts"

const hour = 60 * 60 * 1000

/** An outgoing request to `url` (the loopback server's origin). */
const outgoing = (url: string, overrides: Partial<Transport.Outgoing> = {}): Transport.Outgoing => ({
  method: "GET",
  origin: url,
  path: "/echo",
  headers: { accept: "application/json" },
  body: undefined,
  safe: true,
  timeoutMs: hour,
  ...overrides
})

/** A handler that never answers; `held` completes with the request once it arrived, `closed` when its socket closed. */
const holding = () =>
  Effect.gen(function*() {
    const held = yield* Deferred.make<Http.IncomingMessage>()
    const closed = yield* Deferred.make<void>()
    const handler: Handler = (request) => {
      request.socket.once("close", () => Deferred.doneUnsafe(closed, Effect.void))
      Deferred.doneUnsafe(held, Effect.succeed(request))
    }
    return { held, closed, handler }
  })

const echo: Handler = (request, response) => {
  let body = ""
  request.setEncoding("utf8")
  request.on("data", (chunk: string) => (body += chunk))
  request.on("end", () => {
    response.writeHead(201, { "content-type": "application/json", "retry-after": "7" }).end(JSON.stringify({
      method: request.method,
      url: request.url,
      contentType: request.headers["content-type"] ?? null,
      accept: request.headers.accept ?? null,
      body
    }))
  })
}

const flip = <A>(effect: Effect.Effect<A, ExchangeErrorReason>) => Effect.flip(effect)

describe("Transport over undici", () => {
  it.live("sends method, path, query, headers and body as given and answers status, headers and body", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const server = yield* serve({ "/echo": echo })
        const transport = yield* Transport.Transport
        const query = "symbol=BTCUSDT&price=0.10&note=a%20b&signature=ab12"
        const answer = yield* transport.send(outgoing(server.url, {
          method: "POST",
          path: `/echo?${query}`,
          headers: { accept: "application/json", "content-type": "application/json" },
          body: "{\"text\":\"café\"}",
          safe: false
        }))
        assert.strictEqual(answer.status, 201)
        assert.strictEqual(answer.headers["retry-after"], "7")
        assert.deepStrictEqual(JSON.parse(answer.body), {
          method: "POST",
          url: `/echo?${query}`,
          contentType: "application/json",
          accept: "application/json",
          body: "{\"text\":\"café\"}"
        })
        // The same keep-alive connection serves the next request; the scope's close destroys it.
        const again = yield* transport.send(outgoing(server.url))
        assert.strictEqual(JSON.parse(again.body).method, "GET")
      }).pipe(Effect.provide(Transport.layerNode))
    ))

  it.live("no answer within the timeout fails Unavailable, and the request is aborted (its connection closed)", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const { closed, handler } = yield* holding()
        const server = yield* serve({ "/echo": handler })
        const transport = yield* Transport.Transport
        const error = yield* flip(transport.send(outgoing(server.url, { method: "POST", safe: false, timeoutMs: 50 })))
        assert.strictEqual(error._tag, "Unavailable")
        assert.include(error.message, "no answer within 50ms")
        // The server sees the connection go: the request was aborted, not left open.
        yield* Deferred.await(closed)
      }).pipe(Effect.provide(Transport.layerNode))
    ))

  it.live("interrupting a send aborts the request and clears its timer", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const { held, closed, handler } = yield* holding()
        const server = yield* serve({ "/echo": handler })
        const transport = yield* Transport.Transport
        // An hour's timeout: a timer left behind would be reported by the leak check.
        const fiber = yield* Effect.forkChild(transport.send(outgoing(server.url, { timeoutMs: hour })))
        yield* Deferred.await(held)
        yield* Fiber.interrupt(fiber)
        yield* Deferred.await(closed)
        const exit = yield* Fiber.await(fiber)
        assert.isTrue(exit._tag === "Failure")
      }).pipe(Effect.provide(Transport.layerNode))
    ))

  it.live("a connection never made is Transport; one cut after sending is Unavailable for a change, Transport for a safe request", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const cut: Handler = (request) => request.socket.destroy()
        const server = yield* serve({ "/cut": cut })
        const transport = yield* Transport.Transport
        const refusedPort = yield* Effect.callback<number>((resume) => {
          const probe = Net.createServer()
          probe.listen(0, "127.0.0.1", () => {
            const port = (probe.address() as Net.AddressInfo).port
            probe.close(() => resume(Effect.succeed(port)))
          })
        })
        const refused = yield* flip(transport.send(outgoing(`http://127.0.0.1:${refusedPort}`, { method: "POST", safe: false })))
        assert.strictEqual(refused._tag, "Transport")
        const place = yield* flip(transport.send(outgoing(server.url, { method: "POST", path: "/cut", safe: false })))
        assert.strictEqual(place._tag, "Unavailable")
        assert.include(place.message, "connection failed after sending")
        const query = yield* flip(transport.send(outgoing(server.url, { path: "/cut", safe: true })))
        assert.strictEqual(query._tag, "Transport")
      }).pipe(Effect.provide(Transport.layerNode))
    ))
})

describe("Transport over an HttpClient", () => {
  it.live("no answer within the timeout fails Unavailable with the same reason, and the request is aborted", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const { closed, handler } = yield* holding()
        const server = yield* serve({ "/echo": handler })
        const transport = Transport.fromHttpClient(yield* HttpClient.HttpClient)
        const error = yield* flip(transport.send(outgoing(server.url, { method: "POST", safe: false, timeoutMs: 50 })))
        assert.strictEqual(error._tag, "Unavailable")
        assert.include(error.message, "no answer within 50ms")
        yield* Deferred.await(closed)
      }).pipe(Effect.provide(Layer.fresh(NodeHttpClient.layerUndici)))
    ))
})
