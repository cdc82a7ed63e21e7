/**
 * The HTTP exchange of one REST attempt: send a request, read the whole answer as text, all under
 * one timeout. The REST client uses the {@link Transport} in its context when there is one, else
 * the `HttpClient` it is given (then the timeout is an `Effect.timeoutOrElse`).
 *
 * {@link layerUndici} sends straight through an undici `Dispatcher` (`NodeHttpClient.Dispatcher`,
 * the agent Effect's own Node HTTP client uses): one `dispatch` inside one `Effect.callback`, the
 * answer's chunks collected and decoded once, and the attempt's timeout one timer that aborts the
 * request (the one raw timer in `src/`, set and cleared inside that callback: cleared on the
 * answer, on a failure and on interruption; an `Effect.sleep` would need a second fiber per request).
 * {@link layerNode} gives an `HttpClient` and a `Transport` over one agent of their own,
 * destroyed (its sockets closed) when the layer's scope closes.
 *
 * Failures are `ExchangeError` reasons, as the REST client reports them:
 * - past the timeout: `Unavailable` ("no answer within ..."): the venue may have acted;
 * - a connection never made (refused, unknown host, connect timeout): `Transport`;
 * - a connection lost after sending: `Unavailable` for a request that changes something at the
 *   venue (the outcome is unknown), `Transport` for a safe one;
 * - a base URL that is not a URL: `InvalidConfig`.
 * Interrupting the attempt aborts the request (its socket is closed, not reused) and clears the
 * timer.
 *
 * @since 0.1.0
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Duration, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { HttpMethod } from "effect/http/HttpMethod"
import { Unavailable } from "../exchange/ExchangeError.ts"
import type { ExchangeErrorReason } from "../exchange/ExchangeError.ts"
import { httpFailureReason, transportFailure } from "./internal/answer.ts"

/** One HTTP request as it goes on the wire. */
export interface Outgoing {
  /** Upper-case HTTP method. */
  readonly method: string
  /** Scheme, host and port, e.g. `https://api.example.com` (no path). */
  readonly origin: string
  /** Path and query exactly as sent on the request line, e.g. `/api/v2/order?symbol=BTCUSDT`. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** Body text (sent as UTF-8); `undefined` for none. */
  readonly body: string | undefined
  /** Changes nothing at the venue (decides `Transport` vs `Unavailable` after a lost connection). */
  readonly safe: boolean
  /** Time for the whole exchange (send, headers, body), in ms. */
  readonly timeoutMs: number
}

/** The answer of an exchange: status, headers (lower-case names) and the body as text. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
}

/** Sends one request and reads its whole answer, under its timeout. */
export interface TransportShape {
  readonly send: (request: Outgoing) => Effect.Effect<Answer, ExchangeErrorReason>
}

/** The REST client's HTTP exchange (see the module doc). */
export class Transport extends Context.Service<Transport, TransportShape>()("scoped-exchange/rest/Transport") {}

/** The `Unavailable` of an attempt that got no whole answer within `timeoutMs`. */
export const timedOut = (timeoutMs: number): Unavailable =>
  new Unavailable({ detail: `no answer within ${Duration.format(Duration.millis(timeoutMs))}`, timeoutMs })

type Dispatcher = NodeHttpClient.Dispatcher["Service"]
type Controller = Parameters<NonNullable<Parameters<Dispatcher["dispatch"]>[1]["onRequestStart"]>>[0]

/** Why an exchange was aborted: our timer, or the attempt's interruption. */
class Aborted extends Error {
  readonly timeout: boolean
  constructor(timeout: boolean) {
    super(timeout ? "timed out" : "interrupted")
    this.timeout = timeout
  }
}

/** A header value as one string (a repeated header joined as HTTP joins it). */
const headerValue = (value: string | Array<string> | undefined): string | undefined =>
  value === undefined ? undefined : typeof value === "string" ? value : value.join(", ")

/**
 * A {@link TransportShape} over an undici `Dispatcher`: one `dispatch` per request, one timer for
 * its timeout; interruption aborts the request.
 */
export const undici = (dispatcher: Dispatcher): TransportShape => ({
  send: (request) =>
    Effect.callback<Answer, ExchangeErrorReason>((resume) => {
      let controller: Controller | undefined
      let aborted: Aborted | undefined
      let settled = false
      let status = 0
      let headers: Record<string, string | undefined> = {}
      const chunks: Array<Buffer> = []
      const abort = (reason: Aborted) => {
        if (settled || aborted !== undefined) return
        aborted = reason
        controller?.abort(reason)
      }
      const timer = setTimeout(() => abort(new Aborted(true)), request.timeoutMs)
      const settle = (effect: Effect.Effect<Answer, ExchangeErrorReason>) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(effect)
      }
      const failWith = (cause: unknown) =>
        settle(Effect.fail(
          aborted?.timeout === true ? timedOut(request.timeoutMs) : transportFailure(cause, request.safe)
        ))
      try {
        dispatcher.dispatch({
          origin: request.origin,
          path: request.path,
          method: request.method as "GET",
          headers: request.headers,
          body: request.body ?? null
        }, {
          onRequestStart(c) {
            controller = c
            if (aborted !== undefined) c.abort(aborted)
          },
          onResponseStart(_, statusCode, responseHeaders) {
            if (statusCode < 200) return
            status = statusCode
            headers = {}
            for (const name in responseHeaders) headers[name] = headerValue(responseHeaders[name])
          },
          onResponseData(_, chunk) {
            chunks.push(chunk)
          },
          onResponseEnd() {
            const body = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")
            settle(Effect.succeed({ status, headers, body }))
          },
          onResponseError(_, error) {
            failWith(error)
          }
        })
      } catch (cause) {
        failWith(cause)
      }
      return Effect.sync(() => {
        abort(new Aborted(false))
        settled = true
        clearTimeout(timer)
      })
    })
})

/**
 * A {@link TransportShape} over an Effect `HttpClient` (any platform's), its own span switched off
 * (it records the full URL); the timeout is an `Effect.timeoutOrElse` around the exchange, which
 * interrupts it.
 */
export const fromHttpClient = (http: HttpClient.HttpClient): TransportShape => ({
  send: (request) => {
    let outgoing = HttpClientRequest.make(request.method as HttpMethod)(request.origin + request.path, {
      headers: request.headers
    })
    if (request.body !== undefined) {
      outgoing = HttpClientRequest.bodyText(outgoing, request.body, request.headers["content-type"] ?? "application/json")
    }
    return Effect.gen(function*() {
      const response = yield* http.execute(outgoing)
      const body = yield* response.text
      return { status: response.status, headers: response.headers, body }
    }).pipe(
      Effect.provideService(HttpClient.TracerDisabledWhen, () => true),
      Effect.mapError((error) => httpFailureReason(error, request.safe)),
      Effect.timeoutOrElse({ duration: Duration.millis(request.timeoutMs), orElse: () => Effect.fail(timedOut(request.timeoutMs)) })
    )
  }
})

/** A {@link Transport} over the `NodeHttpClient.Dispatcher` in the context. */
export const layerUndici: Layer.Layer<Transport, never, NodeHttpClient.Dispatcher> = Layer.effect(
  Transport,
  Effect.gen(function*() {
    return undici(yield* NodeHttpClient.Dispatcher)
  })
)

/**
 * Node's `HttpClient` and a {@link Transport} over one undici agent of their own, destroyed (its
 * connections closed) when the layer's scope closes.
 */
export const layerNode: Layer.Layer<Transport | HttpClient.HttpClient> = Layer.mergeAll(
  layerUndici,
  NodeHttpClient.layerUndiciNoDispatcher
).pipe(Layer.provide(NodeHttpClient.layerDispatcher))
