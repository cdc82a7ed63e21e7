/**
 * Test support for the REST client: a MEXC REST client wired to a fresh simulator over loopback
 * HTTP (Node's client, requests straight through its agent: `Transport.layerNode`; the MEXC quota preset), run under the leak check, plus log and span capture.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Cause, Effect, Exit, Layer, Logger, Redacted, References, Tracer } from "effect"
import type { Clock, Scope } from "effect"
import { HttpClient } from "effect/http"
import type { ExchangeError } from "../../src/exchange/ExchangeError.ts"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import { RateLimiter } from "../../src/ratelimit/RateLimiter.ts"
import { SimExchange } from "../../src/sim/index.ts"
import * as MexcQuotas from "../../src/venues/mexc/Quotas.ts"
import * as MexcRest from "../../src/venues/mexc/MexcRest.ts"
import * as Transport from "../../src/rest/Transport.ts"

export interface Harness {
  readonly sim: SimExchange.SimExchangeShape
  readonly limiter: RateLimiter["Service"]
  /** A client for the demo account, with `options` applied. */
  readonly client: (options?: MexcRest.Options) => Effect.Effect<MexcRest.MexcRestShape, ExchangeError, Scope.Scope>
  readonly credentials: MexcRest.Credentials
  /** Every log line written inside the harness (message, annotations, cause): the run stays quiet. */
  readonly logs: Array<string>
}

const collectInto = (logs: Array<string>) =>
  Logger.make((options) => {
    const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
    const cause = options.cause.reasons.length > 0 ? Cause.pretty(options.cause) : ""
    logs.push(`${String(options.message)} ${JSON.stringify(annotations)} ${cause}`)
  })

/**
 * Runs `f` against a simulator (no synthetic market unless asked) with the MEXC limiter and Node's
 * HTTP client, under `LeakCheck`. Clients made with `client` live in `f`'s scope, released first.
 */
export const withHarness = <A, E>(
  simOptions: SimExchange.SimOptions,
  f: (h: Harness) => Effect.Effect<A, E, Scope.Scope>
) =>
{
  const logs: Array<string> = []
  return LeakCheck.scoped(
    Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      const limiter = yield* RateLimiter
      const http = yield* HttpClient.HttpClient
      const transport = yield* Transport.Transport
      const credentials: MexcRest.Credentials = {
        apiKey: Redacted.make(sim.credentials.apiKey),
        apiSecret: sim.credentials.apiSecret
      }
      const client = (options: MexcRest.Options = {}) =>
        MexcRest.make({ baseUrl: sim.restUrl, credentials, ...options }).pipe(
          Effect.provideService(HttpClient.HttpClient, http),
          Effect.provideService(Transport.Transport, transport),
          Effect.provideService(RateLimiter, limiter)
        )
      return yield* Effect.scoped(f({ sim, limiter, client, credentials, logs }))
    }).pipe(
      Effect.provide(Layer.mergeAll(MexcQuotas.layer, Transport.layerNode)),
      Effect.provide(SimExchange.layer({ market: false, ...simOptions }))
    )
  ).pipe(Effect.provide(Logger.layer([collectInto(logs)])))
}

/** What a test captured: spans (name, attributes, events, exit) and lifecycle events. */
export interface Capture {
  readonly spans: Array<{ readonly name: string; readonly text: () => string }>
  readonly events: Array<Lifecycle.LifecycleEvent>
  /** Every span as one text, for searching. */
  readonly spanText: () => string
}

/** Provides a recording tracer and a lifecycle recorder to `effect`. */
export const capturing = <A, E, R>(effect: (capture: Capture) => Effect.Effect<A, E, R>) => {
  const spans: Array<{ name: string; text: () => string }> = []
  const events: Array<Lifecycle.LifecycleEvent> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      let exitText = ""
      const end = span.end.bind(span)
      span.end = (endTime, exit) => {
        exitText = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
        end(endTime, exit)
      }
      spans.push({
        name: options.name,
        text: () =>
          `${options.name} ${JSON.stringify(Object.fromEntries(span.attributes))} ${JSON.stringify(span.events)} ${exitText}`
      })
      return span
    }
  })
  const capture: Capture = { spans, events, spanText: () => spans.map((s) => s.text()).join("\n") }
  return effect(capture).pipe(
    Effect.provideService(Tracer.Tracer, tracer),
    Effect.provideService(Lifecycle.LifecycleObserver, (event) => void events.push(event))
  )
}

/** A clock that reads the wall time through `skewMs()` (a local clock set wrong); monotonic time and sleeps are real. */
export const skewedClock = (real: Clock.Clock, skewMs: () => number): Clock.Clock => ({
  currentTimeMillisUnsafe: () => real.currentTimeMillisUnsafe() + skewMs(),
  currentTimeMillis: Effect.sync(() => real.currentTimeMillisUnsafe() + skewMs()),
  currentTimeNanosUnsafe: () => real.currentTimeNanosUnsafe() + BigInt(Math.round(skewMs())) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => real.currentTimeNanosUnsafe() + BigInt(Math.round(skewMs())) * 1_000_000n),
  monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
  monotonicTimeNanos: real.monotonicTimeNanos,
  sleep: (duration) => real.sleep(duration)
})

export type Handler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/** A loopback server whose answer per path is scripted; closed (every connection cut) with the scope. */
export const serve = (routes: Record<string, Handler>) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly hits: Map<string, number>; readonly server: Http.Server }>((resume) => {
      const hits = new Map<string, number>()
      const server = Http.createServer((request, response) => {
        const path = (request.url ?? "").split("?")[0]!
        hits.set(path, (hits.get(path) ?? 0) + 1)
        const handler = routes[path]
        if (handler === undefined) {
          response.writeHead(404).end()
          return
        }
        handler(request, response)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, hits, server }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

