/**
 * What a run shows outside itself: its spans, metrics and logs over OTLP/HTTP to a collector, and
 * its metrics as a Prometheus text endpoint. Both are Effect's own modules
 * (`effect/observability`: `Otlp`, `PrometheusMetrics`); this module only decides where they send,
 * bounds the flush at shutdown, and says once when the collector cannot be reached.
 *
 * ```ts
 * const app = program.pipe(Effect.provide(Telemetry.layer({ otlpUrl: "http://127.0.0.1:4318", metricsPort: 9464 })))
 * ```
 *
 * - OTLP: traces to `<url>/v1/traces`, metrics to `<url>/v1/metrics`, logs to `<url>/v1/logs`
 *   (JSON bodies). Without a URL, the standard variables decide: `OTEL_EXPORTER_OTLP_ENDPOINT`
 *   (the same base URL), `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,...`, e.g. a collector's API
 *   key: kept `Redacted`, sent only as headers), `OTEL_SERVICE_NAME` (default `scoped-exchange`),
 *   `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` /
 *   `OTEL_LOGS_EXPORTER` (unset: `otlp`; `none` turns that signal off, e.g. for Jaeger, which
 *   takes traces only), and `OTEL_SDK_DISABLED=true`, which turns export off unless a URL is given.
 * - Shutdown: what is buffered is sent when the layer's scope closes, within `flushBudget`
 *   (default 2 s) for all three signals together. Past it the exports are interrupted: an
 *   unreachable or silent collector never holds the exit longer than that. The first failure to
 *   deliver is one WARN line (`telemetry: ...`), never more than one per run.
 * - Prometheus: `GET /metrics` on `metricsHost:metricsPort` (default host 127.0.0.1), the text
 *   format of every metric in the registry; the listening address is logged at INFO.
 *
 * Nothing secret is exported by construction: spans and logs carry only what the code annotates,
 * and the code never annotates credentials, signatures, user-stream session tokens or URLs with a
 * query.
 *
 * @since 0.1.0
 */
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { Config, Context, Duration, Effect, Exit, Layer, Logger, Option, Redacted, References, Scope } from "effect"
import { HttpClient, HttpClientError, HttpRouter, HttpServer } from "effect/http"
import { OtlpLogger, OtlpMetrics, OtlpSerialization, OtlpTracer, PrometheusMetrics } from "effect/observability"
import * as Http from "node:http"

/** Where a run's telemetry goes. Every field is optional: nothing set exports nothing. */
export interface Options {
  /**
   * The collector's OTLP/HTTP base URL (`http://127.0.0.1:4318`), to which `/v1/traces`,
   * `/v1/metrics` and `/v1/logs` are appended. Default: `OTEL_EXPORTER_OTLP_ENDPOINT`, or none.
   */
  readonly otlpUrl?: string | undefined
  /** Time the final export of all three signals may take at shutdown. Default 2 s. */
  readonly flushBudget?: Duration.Input | undefined
  /** Port of the Prometheus endpoint (`0`: any free port). Default: none. */
  readonly metricsPort?: number | undefined
  /** Address the Prometheus endpoint listens on. Default `127.0.0.1` (loopback only). */
  readonly metricsHost?: string | undefined
  /** How often spans, metrics and logs are sent while running. Default 5 s, 10 s, 1 s (Effect's). */
  readonly exportIntervals?: {
    readonly traces?: Duration.Input | undefined
    readonly metrics?: Duration.Input | undefined
    readonly logs?: Duration.Input | undefined
  } | undefined
}

/** The service name a run reports when `OTEL_SERVICE_NAME` does not say otherwise. */
export const defaultServiceName = "scoped-exchange"

/** Default of {@link Options.flushBudget}. */
export const defaultFlushBudget = Duration.seconds(2)

/** What the OTLP exporter is told, resolved from the options and the standard variables. */
interface OtlpTarget {
  readonly baseUrl: string
  /** The signals sent: all but those whose `OTEL_<SIGNAL>_EXPORTER` says otherwise (`none`). */
  readonly signals: { readonly traces: boolean; readonly metrics: boolean; readonly logs: boolean }
  readonly serviceName: string
  readonly headers: Redacted.Redacted<Readonly<Record<string, string>>>
}

/** `key=value,key2=value2` (values URI-encoded, as the OTel spec writes them). */
const parseHeaders = (text: string): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const pair of text.split(",")) {
    const at = pair.indexOf("=")
    if (at <= 0) continue
    const key = pair.slice(0, at).trim()
    const value = pair.slice(at + 1).trim()
    try {
      headers[key] = decodeURIComponent(value)
    } catch {
      headers[key] = value
    }
  }
  return headers
}

const optionalString = (name: string) => Config.option(Config.String(name))

/** The OTLP target, or none when neither the option nor `OTEL_EXPORTER_OTLP_ENDPOINT` names one. */
const resolveTarget = (otlpUrl: string | undefined): Effect.Effect<Option.Option<OtlpTarget>> =>
  Effect.gen(function*() {
    const env = yield* Config.all({
      disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
      endpoint: optionalString("OTEL_EXPORTER_OTLP_ENDPOINT"),
      headers: Config.option(Config.Redacted("OTEL_EXPORTER_OTLP_HEADERS")),
      serviceName: optionalString("OTEL_SERVICE_NAME"),
      traces: optionalString("OTEL_TRACES_EXPORTER"),
      metrics: optionalString("OTEL_METRICS_EXPORTER"),
      logs: optionalString("OTEL_LOGS_EXPORTER")
    })
    // The OTel convention: unset means otlp; a list without otlp (`none`) turns the signal off.
    const wanted = (exporter: Option.Option<string>) =>
      Option.match(exporter, { onNone: () => true, onSome: (list) => list.split(",").some((e) => e.trim() === "otlp") })
    const baseUrl = otlpUrl ?? Option.getOrUndefined(env.endpoint)
    if (baseUrl === undefined || baseUrl === "" || (env.disabled && otlpUrl === undefined)) return Option.none()
    return Option.some({
      baseUrl: baseUrl.replace(/\/+$/, ""),
      signals: { traces: wanted(env.traces), metrics: wanted(env.metrics), logs: wanted(env.logs) },
      serviceName: Option.getOrElse(env.serviceName, () => defaultServiceName),
      headers: Redacted.make(Option.match(env.headers, { onNone: () => ({}), onSome: (h) => parseHeaders(Redacted.value(h)) }))
    })
  }).pipe(
    // A malformed variable (OTEL_SDK_DISABLED=maybe) is not worth failing a trading run over.
    Effect.catch((error) =>
      Effect.as(Effect.logWarning(`telemetry: ignoring the OTEL_* variables: ${error.message}`), Option.none())
    )
  )

/** The collector's address as a person reads it: no credentials, no query. */
const displayUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`
  } catch {
    return "(an unparsable URL)"
  }
}

/**
 * Why an export did not arrive, for the one WARN line: the HTTP status, or the transport's own
 * reason (connection refused, ...), never the request (its headers can hold a collector's key).
 */
const describeFailure = (error: unknown): string => {
  if (HttpClientError.isHttpClientError(error)) {
    const e = error as unknown as { readonly reason: { readonly _tag: string; readonly response?: { readonly status: number }; readonly cause?: unknown } }
    if (e.reason.response !== undefined) return `HTTP ${e.reason.response.status}`
    const cause = e.reason.cause as { readonly code?: string; readonly cause?: { readonly code?: string }; readonly message?: string } | undefined
    const code = cause?.code ?? cause?.cause?.code
    return code ?? e.reason._tag
  }
  return "export failed"
}

/**
 * OTLP/HTTP export of traces, metrics and logs to `target`, with a bounded flush and one WARN on
 * the first failure. The console logger stays: the OTLP logger is added beside it.
 */
const layerOtlpTo = (target: OtlpTarget, options: Options): Layer.Layer<never> =>
  Layer.effectContext(Effect.gen(function*() {
    const budget = Duration.fromInputUnsafe(options.flushBudget ?? defaultFlushBudget)
    const where = displayUrl(target.baseUrl)
    let warned = false
    const warnOnce = (why: string) =>
      Effect.suspend(() => {
        if (warned) return Effect.void
        warned = true
        return Effect.logWarning(`telemetry: cannot deliver to the collector at ${where} (${why}); what it did not accept is lost`).pipe(
          // Not the exporter's own annotations (it calls itself "@effect/opentelemetry").
          Effect.provideService(References.CurrentLogAnnotations, {})
        )
      })
    const http = yield* HttpClient.HttpClient
    // Every attempt of the exporters passes here: the first that fails is the WARN line.
    const watched = HttpClient.transform(http, (response) =>
      response.pipe(
        Effect.flatMap((r) => r.status >= 200 && r.status < 300 ? Effect.succeed(r) : Effect.as(warnOnce(`HTTP ${r.status}`), r)),
        Effect.tapError((error) => warnOnce(describeFailure(error)))
      ))
    // The exporters' finalizers run side by side in a scope of their own, so the three flushes
    // together take at most about one budget; each is interrupted past it.
    const scope = yield* Effect.scope
    const own = yield* Scope.fork(scope, "parallel")
    const common = {
      resource: { serviceName: target.serviceName },
      headers: Redacted.value(target.headers),
      shutdownTimeout: budget
    }
    const url = (signal: string) => `${target.baseUrl}/v1/${signal}`
    const otlp = Layer.mergeAll(
      target.signals.traces
        ? OtlpTracer.layer({ ...common, url: url("traces"), exportInterval: options.exportIntervals?.traces })
        : Layer.empty,
      target.signals.metrics
        ? OtlpMetrics.layer({ ...common, url: url("metrics"), exportInterval: options.exportIntervals?.metrics })
        : Layer.empty,
      target.signals.logs
        ? OtlpLogger.layer({ ...common, url: url("logs"), exportInterval: options.exportIntervals?.logs, mergeWithExisting: true })
        : Layer.empty
    ).pipe(Layer.provide([Layer.succeed(HttpClient.HttpClient, watched), OtlpSerialization.layerJson]))
    const context = yield* Layer.buildWithScope(otlp, own)
    yield* Scope.addFinalizer(
      scope,
      Effect.gen(function*() {
        const startedAt = performance.now()
        yield* Scope.close(own, Exit.void)
        // The exporters stop trying at the budget without saying so: say it here.
        if (performance.now() - startedAt >= Duration.toMillis(budget)) yield* warnOnce(`no answer within the flush budget of ${Duration.format(budget)}`)
      })
    )
    return context
  })).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** OTLP export as {@link layer} sets it up, on its own (nothing when no URL is known). */
export const layerOtlp = (options: Options = {}): Layer.Layer<never> =>
  Layer.unwrap(Effect.map(resolveTarget(options.otlpUrl), Option.match({
    onNone: () => Layer.empty,
    onSome: (target) => layerOtlpTo(target, options)
  })))

/** Failed to open the Prometheus endpoint (the port is taken, the address is not this machine's). */
export class MetricsEndpointError extends Error {
  readonly _tag = "MetricsEndpointError"
}

/**
 * The Prometheus text endpoint `GET /metrics` on `host:port`. Scrapes are not traced (a span per
 * scrape would be noise in the traces). Fails with {@link MetricsEndpointError} when it cannot listen.
 */
export const layerPrometheus = (options: { readonly port: number; readonly host?: string | undefined }): Layer.Layer<never, MetricsEndpointError> => {
  const host = options.host ?? "127.0.0.1"
  const serve = HttpRouter.serve(PrometheusMetrics.layerHttp({ path: "/metrics" }), { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(() => Http.createServer(), { port: options.port, host, gracefulShutdownTimeout: Duration.millis(100) }))
  )
  return Layer.effectDiscard(Effect.gen(function*() {
    const context = yield* Layer.build(serve).pipe(
      Effect.mapError((error) => {
        // A ServeError's own message is empty; Node's error (EADDRINUSE, ...) is its cause.
        const cause = (error as { readonly cause?: { readonly code?: string; readonly message?: string } }).cause
        const why = cause?.code ?? cause?.message ?? error.message
        return new MetricsEndpointError(`cannot serve metrics on ${host}:${options.port}: ${why}`)
      })
    )
    const server = Context.get(context, HttpServer.HttpServer)
    yield* Effect.logInfo(`metrics: Prometheus endpoint at ${HttpServer.formatAddress(server.address)}/metrics`)
  }).pipe(Effect.withTracerEnabled(false)))
}

/** OTLP export (when a URL is known) and the Prometheus endpoint (when a port is given). */
export const layer = (options: Options = {}): Layer.Layer<never, MetricsEndpointError> =>
  Layer.mergeAll(
    layerOtlp(options),
    options.metricsPort === undefined ? Layer.empty : layerPrometheus({ port: options.metricsPort, host: options.metricsHost })
  )

/**
 * Installs `logger` in place of the console loggers (Effect's default text logger and the
 * console JSON and pretty ones), keeping every other logger installed: the OTLP logger, the
 * span-event logger. `Logger.layer([logger])` alone would replace them all and lose the export.
 */
export const replaceConsoleLogger = (logger: Logger.Logger<unknown, unknown>): Layer.Layer<never> =>
  Layer.effect(
    References.CurrentLoggers,
    Effect.map(Effect.service(References.CurrentLoggers), (current) => {
      const next = new Set<Logger.Logger<unknown, any>>(current)
      next.delete(Logger.defaultLogger)
      next.delete(Logger.consoleJson)
      next.add(logger)
      return next
    })
  ) as unknown as Layer.Layer<never>

/** Logs on the console as `pretty` text (Effect's default) or one JSON object per line, keeping the other loggers. */
export const consoleLogger = (format: "pretty" | "json"): Layer.Layer<never> =>
  format === "pretty" ? Layer.empty : replaceConsoleLogger(Logger.consoleJson)
