/**
 * Telemetry as a user sees it: the CLI as a real child process exporting over OTLP/HTTP to a
 * collector on loopback (a real HTTP server in this test), and serving Prometheus text while it
 * runs. Time bounds are hang detectors, except the flush budget, which is what is under test.
 */
import * as Net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { makeOtlpSink, type OtlpSink, type SinkSpan } from "../support/OtlpSink.ts"
import * as Prometheus from "../support/Prometheus.ts"
import { main, node, runCli, spawnCommand, spawnEntry } from "./support.ts"

const simEntry = new URL("../../src/cli/sim.ts", import.meta.url).pathname

/** `span` and its ancestors in the sink, nearest first. */
const ancestors = (sink: OtlpSink, span: SinkSpan): Array<SinkSpan> => {
  const byId = new Map(sink.spans().map((s) => [s.spanId, s]))
  const chain: Array<SinkSpan> = []
  for (let p = span.parentSpanId; p !== undefined;) {
    const parent = byId.get(p)
    if (parent === undefined) break
    chain.push(parent)
    p = parent.parentSpanId
  }
  return chain
}

/** What must never leave the process: the simulator's demo credentials, signatures, listen keys. */
const secrets = [/sim-secret/, /sim-key/, /signature=/i, /listenKey=/i, /X-MEXC-APIKEY/i]

/** A TCP server that accepts connections and never answers: a collector that hangs. */
const silentCollector = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ server: Net.Server; sockets: Set<Net.Socket>; connections: () => number; url: string }>((resolve) => {
      const sockets = new Set<Net.Socket>()
      let connections = 0
      const server = Net.createServer((socket) => {
        connections++
        sockets.add(socket)
        socket.on("error", () => {})
        socket.on("close", () => sockets.delete(socket))
      })
      server.listen(0, "127.0.0.1", () =>
        resolve({ server, sockets, connections: () => connections, url: `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}` }))
    })
  ),
  ({ server, sockets }) =>
    Effect.promise(() =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
    )
)

describe("CLI: telemetry", () => {
  it.live(
    "mm --otlp-url --metrics-port: Prometheus text while it runs; after SIGINT the collector has the cycle's span tree, the metrics and the logs, and no secret",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const sink = yield* makeOtlpSink
        const mm = yield* runCli(["mm", "--cycles", "0", "--reference", "BTCUSDT", "--otlp-url", sink.url, "--metrics-port", "0"])
        yield* mm.waitFor(/metrics: Prometheus endpoint at http:\/\/127\.0\.0\.1:\d+\/metrics/, 60_000)
        yield* mm.waitFor("cycle 1 on HIFIUSDT: completed", 60_000)
        const endpoint = /Prometheus endpoint at (\S+)/.exec(mm.output())![1]!

        const scrape = yield* Effect.promise(async () => {
          const response = await fetch(endpoint)
          return { status: response.status, type: response.headers.get("content-type"), text: await response.text() }
        })
        assert.strictEqual(scrape.status, 200)
        assert.match(scrape.type ?? "", /^text\/plain; version=0\.0\.4/)
        const exposition = Prometheus.parse(scrape.text)
        for (
          const [metric, label] of [
            ["scoped_exchange_connection_frames", "connection"],
            ["scoped_exchange_queue_processed", "queue"],
            ["scoped_exchange_hub_published", "hub"],
            ["scoped_exchange_ratelimit_granted_weight", "quota"],
            ["scoped_exchange_mm_orders_placed", "side"],
            ["scoped_exchange_mm_orders_filled", "side"],
            ["scoped_exchange_mm_order_ack_ms", "side"],
            ["scoped_exchange_component_fibers_alive", "component"]
          ] as const
        ) {
          const samples = Prometheus.family(exposition, metric)
          assert.isAbove(samples.length, 0, `${metric} in the scrape`)
          assert.isTrue(samples.every((s) => s.labels[label] !== undefined), `${metric} labelled by ${label}`)
        }
        assert.strictEqual(exposition.types.get("scoped_exchange_mm_orders_placed"), "counter")
        assert.strictEqual(exposition.types.get("scoped_exchange_mm_order_ack_ms"), "histogram")
        const placed = Prometheus.family(exposition, "scoped_exchange_mm_orders_placed").reduce((n, s) => n + s.value, 0)
        assert.isAtLeast(placed, 2, "at least the completed cycle's buy and sell")

        yield* mm.kill("SIGINT")
        assert.strictEqual(yield* mm.exit(30_000), 130, mm.output())

        // The cycle's tree: MarketMaker.runCycle -> *.placeOrder -> RestClient.request -> RestClient.attempt.
        const cycle = sink.spans().find((s) => s.name === "MarketMaker.runCycle" && s.attributes.cycle === 1)
        assert.isDefined(cycle, `no cycle span among ${sink.spans().map((s) => s.name).join(", ")}`)
        assert.strictEqual(cycle!.attributes.symbol, "HIFIUSDT")
        assert.strictEqual(cycle!.resource["service.name"], "scoped-exchange")
        const attempts = sink.spans().filter((s) =>
          s.name === "RestClient.attempt" && ancestors(sink, s).some((a) => a.spanId === cycle!.spanId)
        )
        const orderAttempts = attempts.filter((s) => {
          const request = ancestors(sink, s)[0]!
          return request.name === "RestClient.request" && request.attributes["url.path"] === "/api/v3/order" &&
            request.attributes["http.request.method"] === "POST"
        })
        assert.isAtLeast(orderAttempts.length, 2, "a REST attempt for the buy and one for the sell")
        for (const attempt of orderAttempts) {
          const chain = ancestors(sink, attempt)
          const names = chain.map((s) => s.name)
          const place = chain.findIndex((s) => s.name.endsWith(".placeOrder"))
          assert.isAbove(place, 0, `placeOrder above the REST request: ${names.join(" <- ")}`)
          assert.strictEqual(chain.at(-1)!.spanId === cycle!.spanId || names.includes("MarketMaker.runCycle"), true)
          assert.strictEqual(attempt.traceId, cycle!.traceId)
          assert.strictEqual(attempt.attributes["rest.attempt"], 1)
          assert.isNumber(attempt.attributes["rest.quota_wait_ms"])
          assert.oneOf(attempt.attributes["http.response.status_code"], [200, 400])
          assert.strictEqual(chain[0]!.attributes["rest.signed"], true)
          assert.strictEqual(chain[0]!.attributes["rest.venue"], "mexc")
        }
        // The reference market's book was synced from a snapshot: a span of its own, no span per frame.
        const snapshot = sink.spans().find((s) => s.name === "OrderBook.snapshot" && s.attributes.symbol === "BTCUSDT")
        assert.isDefined(snapshot, "the BTCUSDT book's snapshot span")
        assert.strictEqual(snapshot!.attributes["book.outcome"], "synced")
        assert.isBelow(sink.spans().length, 2_000, "spans per operation, not per frame")

        const metricNames = new Set(sink.metrics().map((m) => m.name))
        for (const name of ["scoped_exchange_mm_orders_placed", "scoped_exchange_mm_cycles", "scoped_exchange_connection_frames", "scoped_exchange_queue_processed", "scoped_exchange_component_shutdown_ms"]) {
          assert.isTrue(metricNames.has(name), `${name} exported`)
        }
        const cycles = sink.metrics().filter((m) => m.name === "scoped_exchange_mm_cycles")
        assert.isTrue(cycles.some((m) => m.attributes.outcome === "completed" && m.attributes.symbol === "HIFIUSDT"))

        // Logs: the lifecycle's lines with their component, and the cycle's own lines inside its span.
        const logs = sink.logs()
        assert.isTrue(logs.some((l) => l.body === "stopped" && l.attributes.component === "mm"), "the mm component's stop")
        const placedLog = logs.find((l) => typeof l.body === "string" && /BUY [\d.]+ HIFIUSDT @ [\d.]+ placed/.test(l.body))
        assert.isDefined(placedLog, "the placement's log line")
        assert.isDefined(placedLog!.spanId, "logged inside a span")

        for (const body of sink.raw()) {
          for (const secret of secrets) assert.notMatch(body, secret)
        }
      })),
    120_000
  )

  it.live("OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS and OTEL_LOGS_EXPORTER=none without a flag; the header's value goes only in headers", () =>
    Effect.scoped(Effect.gen(function*() {
      const sink = yield* makeOtlpSink
      const watch = yield* spawnCommand(node, [main, "watch", "--duration", "1"], {
        env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_SERVICE_NAME: "bot-7",
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20collector-token-123",
        OTEL_LOGS_EXPORTER: "none"
        }
      })
      assert.strictEqual(yield* watch.exit(60_000), 0, watch.output())
      const instrument = sink.spans().find((s) => s.name.endsWith(".instrument"))
      assert.isDefined(instrument, `spans: ${sink.spans().map((s) => s.name).join(", ")}`)
      assert.strictEqual(instrument!.resource["service.name"], "bot-7")
      assert.isAbove(sink.requests()["/v1/traces"] ?? 0, 0)
      assert.isAbove(sink.requests()["/v1/metrics"] ?? 0, 0)
      assert.strictEqual(sink.requests()["/v1/logs"], undefined, "logs turned off")
      assert.isTrue(sink.headers().every((h) => h.authorization === "Bearer collector-token-123"))
      for (const body of sink.raw()) assert.notInclude(body, "collector-token-123")
      assert.notInclude(watch.output(), "collector-token-123")
    })), 90_000)

  it.live("span coverage under faults: each reconnect, each book resync and each REST attempt is a span (watch on a simulator that drops connections, opens depth gaps and fails REST calls)", () =>
    Effect.scoped(Effect.gen(function*() {
      const sink = yield* makeOtlpSink
      const sim = yield* spawnEntry(simEntry, ["--port", "0", "--drop-every", "2", "--depth-gap-every", "1", "--fail-rest", "3"])
      yield* sim.waitFor(/sim rest=\S+ ws=\S+/)
      const [, restUrl, wsUrl] = /sim rest=(\S+) ws=(\S+)/.exec(sim.output())!
      const watch = yield* runCli(["watch", "--rest-url", restUrl!, "--ws-url", wsUrl!, "--duration", "5", "--otlp-url", sink.url])
      assert.strictEqual(yield* watch.exit(60_000), 0, watch.output())

      const reconnects = sink.spans().filter((s) => s.name === "Connection.reconnect")
      assert.isAbove(reconnects.length, 0, `spans: ${[...new Set(sink.spans().map((s) => s.name))].join(", ")}\n${watch.output()}`)
      const reconnected = reconnects.find((s) => s.attributes["connection.replayed"] !== undefined)
      assert.isDefined(reconnected, "a reconnect that ended open, with its replayed channels")
      assert.isString(reconnected!.attributes.connection)
      assert.isString(reconnected!.attributes["connection.reason"])
      assert.isNumber(reconnected!.attributes["connection.attempt"])

      const resyncs = sink.spans().filter((s) => s.name === "OrderBook.snapshot" && s.attributes["book.reason"] !== "initial")
      assert.isAbove(resyncs.length, 0, "a resync's snapshot")
      assert.oneOf(resyncs[0]!.attributes["book.reason"], ["gap", "reconnect", "invalid", "stale"])
      assert.strictEqual(resyncs[0]!.attributes.symbol, "BTCUSDT")
      const resyncCounts = sink.metrics().filter((m) => m.name === "scoped_exchange_book_snapshots" && m.attributes.reason !== "initial")
      assert.isAbove(resyncCounts.length, 0, "resyncs counted by reason")

      // A safe request the simulator failed (503) and the client retried: one span per attempt.
      const byId = new Map(sink.spans().map((s) => [s.spanId, s]))
      const attemptsOf = new Map<string, Array<SinkSpan>>()
      for (const s of sink.spans()) {
        if (s.name !== "RestClient.attempt" || s.parentSpanId === undefined) continue
        attemptsOf.set(s.parentSpanId, [...(attemptsOf.get(s.parentSpanId) ?? []), s])
      }
      const retried = [...attemptsOf].find(([, attempts]) => attempts.length >= 2)
      assert.isDefined(retried, "a request with two attempts")
      const [requestId, attempts] = retried!
      const sorted = [...attempts].sort((a, b) => Number(a.attributes["rest.attempt"]) - Number(b.attributes["rest.attempt"]))
      assert.strictEqual(sorted[0]!.attributes["http.response.status_code"], 503)
      assert.strictEqual(sorted.at(-1)!.attributes["http.response.status_code"], 200)
      assert.strictEqual(byId.get(requestId)!.attributes["rest.attempts"], sorted.length)
    })), 90_000)

  it.live("a metrics port that is taken is one line and exit code 1", () =>
    Effect.scoped(Effect.gen(function*() {
      const taken = yield* makeOtlpSink
      const port = new URL(taken.url).port
      const watch = yield* runCli(["watch", "--duration", "1", "--metrics-port", port])
      assert.strictEqual(yield* watch.exit(60_000), 1, watch.output())
      const lines = watch.output().split("\n").filter((line) => line.includes("cannot serve metrics"))
      assert.deepStrictEqual(lines, [`scoped-exchange: cannot serve metrics on 127.0.0.1:${port}: EADDRINUSE`], watch.output())
    })), 60_000)

  it.live("a collector that never answers costs at most the flush budget at exit, and is one WARN line", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* silentCollector
      const budgetSeconds = 1
      const mm = yield* runCli(["mm", "--otlp-url", collector.url, "--otlp-flush-budget", String(budgetSeconds)])
      let reportedAt: number | undefined
      mm.child.stdout!.on("data", () => {
        if (reportedAt === undefined && mm.output().includes("queues: ")) reportedAt = performance.now()
      })
      const code = yield* mm.exit(60_000)
      const exitedAt = performance.now()
      assert.strictEqual(code, 0, mm.output())
      assert.isAbove(collector.connections(), 0, "the exporter did reach the collector")
      const warnings = mm.output().split("\n").filter((line) => line.includes("telemetry: cannot deliver"))
      assert.strictEqual(warnings.length, 1, mm.output())
      assert.match(warnings[0]!, /WARN/)
      assert.include(warnings[0]!, collector.url)
      // From the exit report (the last thing the command prints) to the end of the process: the
      // flush budget, plus the time Node takes to wind down on a loaded machine.
      assert.isDefined(reportedAt)
      assert.isBelow(exitedAt - reportedAt!, budgetSeconds * 1000 + 2_500, mm.output())
    })), 90_000)
})
