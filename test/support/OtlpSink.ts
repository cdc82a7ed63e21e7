/**
 * A loopback OTLP/HTTP JSON collector for tests: a real HTTP server on 127.0.0.1 that accepts
 * `POST /v1/traces`, `/v1/metrics` and `/v1/logs`, answers 200, and keeps every body it received,
 * flattened to spans, metric points and log records with their attributes as plain values.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

/** An OTLP attribute value as JSON carries it (`{ stringValue }`, `{ intValue }`, ...). */
type AnyValue = Record<string, unknown>

const plain = (value: AnyValue | undefined): unknown => {
  if (value === undefined) return undefined
  if ("stringValue" in value) return value.stringValue
  if ("intValue" in value) return Number(value.intValue)
  if ("doubleValue" in value) return value.doubleValue
  if ("boolValue" in value) return value.boolValue
  if ("arrayValue" in value) {
    return ((value.arrayValue as { values?: Array<AnyValue> }).values ?? []).map(plain)
  }
  return JSON.stringify(value)
}

const attributesOf = (list: ReadonlyArray<{ key: string; value: AnyValue }> | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map((a) => [a.key, plain(a.value)]))

export interface SinkSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly attributes: Record<string, unknown>
  readonly startNs: bigint
  readonly endNs: bigint
  /** Resource attributes of the batch it came in. */
  readonly resource: Record<string, unknown>
}

export interface SinkMetric {
  readonly name: string
  readonly unit: string | undefined
  readonly attributes: Record<string, unknown>
}

export interface SinkLog {
  readonly severity: string
  readonly body: unknown
  readonly attributes: Record<string, unknown>
  readonly spanId: string | undefined
}

export interface OtlpSink {
  /** Base URL to give the exporter (`http://127.0.0.1:<port>`). */
  readonly url: string
  readonly spans: () => ReadonlyArray<SinkSpan>
  readonly metrics: () => ReadonlyArray<SinkMetric>
  readonly logs: () => ReadonlyArray<SinkLog>
  /** Every body received, raw, in order (to search for what must never be there). */
  readonly raw: () => ReadonlyArray<string>
  /** Requests received per path. */
  readonly requests: () => Readonly<Record<string, number>>
  /** The headers of every request, in order. */
  readonly headers: () => ReadonlyArray<Http.IncomingHttpHeaders>
}

const record = (sink: { spans: Array<SinkSpan>; metrics: Array<SinkMetric>; logs: Array<SinkLog> }, path: string, body: any) => {
  if (path === "/v1/traces") {
    for (const rs of body.resourceSpans ?? []) {
      const resource = attributesOf(rs.resource?.attributes)
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          sink.spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId === undefined || s.parentSpanId === "" ? undefined : s.parentSpanId,
            name: s.name,
            attributes: attributesOf(s.attributes),
            startNs: BigInt(s.startTimeUnixNano),
            endNs: BigInt(s.endTimeUnixNano),
            resource
          })
        }
      }
    }
  } else if (path === "/v1/metrics") {
    for (const rm of body.resourceMetrics ?? []) {
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          const data = m.sum ?? m.gauge ?? m.histogram ?? m.summary ?? m.exponentialHistogram ?? {}
          for (const point of data.dataPoints ?? [{}]) {
            sink.metrics.push({ name: m.name, unit: m.unit, attributes: attributesOf(point.attributes) })
          }
        }
      }
    }
  } else if (path === "/v1/logs") {
    for (const rl of body.resourceLogs ?? []) {
      for (const sl of rl.scopeLogs ?? []) {
        for (const l of sl.logRecords ?? []) {
          sink.logs.push({
            severity: l.severityText,
            body: plain(l.body),
            attributes: attributesOf(l.attributes),
            spanId: l.spanId === "" ? undefined : l.spanId
          })
        }
      }
    }
  }
}

/** Starts a sink for the scope's life. */
export const makeOtlpSink: Effect.Effect<OtlpSink, never, import("effect").Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ server: Http.Server; sink: OtlpSink }>((resolve) => {
      const state = { spans: [] as Array<SinkSpan>, metrics: [] as Array<SinkMetric>, logs: [] as Array<SinkLog> }
      const raw: Array<string> = []
      const requests: Record<string, number> = {}
      const headers: Array<Http.IncomingHttpHeaders> = []
      const server = Http.createServer((req, res) => {
        let text = ""
        req.setEncoding("utf8")
        req.on("data", (chunk: string) => (text += chunk))
        req.on("end", () => {
          const path = req.url ?? ""
          requests[path] = (requests[path] ?? 0) + 1
          headers.push(req.headers)
          raw.push(text)
          try {
            record(state, path, JSON.parse(text))
          } catch {
            // kept in raw; the assertions say what was expected
          }
          res.writeHead(200, { "content-type": "application/json" }).end("{}")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port
        resolve({
          server,
          sink: {
            url: `http://127.0.0.1:${port}`,
            spans: () => state.spans,
            metrics: () => state.metrics,
            logs: () => state.logs,
            raw: () => raw,
            requests: () => requests,
            headers: () => headers
          }
        })
      })
    })
  ),
  ({ server }) =>
    Effect.promise(() =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
    )
).pipe(Effect.map(({ sink }) => sink))
