/**
 * What an attempt leaves for operators: a span per attempt linked to the book update that
 * triggered it, a child span per leg and per unwind (venue, side, client order id, price, outcome,
 * latency), and the counters and histograms.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric, References, Tracer } from "effect"
import * as Metrics from "../../src/arb/ArbitrageMetrics.ts"
import * as ExchangeError from "../../src/exchange/ExchangeError.ts"
import { cheap, dear, market } from "./support.ts"

interface Recorded {
  readonly name: string
  readonly span: Tracer.Span
  readonly parent: Tracer.AnySpan | undefined
  readonly links: ReadonlyArray<Tracer.SpanLink>
}

const recording = () => {
  const spans: Array<Recorded> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push({ name: options.name, span, parent: options.parent._tag === "Some" ? options.parent.value : undefined, links: options.links })
      return span
    }
  })
  return { spans, tracer }
}

const attrs = (r: Recorded) => Object.fromEntries(r.span.attributes)

describe("Arbitrage telemetry", () => {
  it.live("a span per attempt, linked to the triggering book update, with a child per leg and per unwind", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recording()
      const detectedBefore = (yield* Metric.value(Metrics.detected)).count
      const oneLeggedBefore = (yield* Metric.value(Metrics.oneLegged)).count
      yield* Effect.gen(function*() {
        const m = yield* market()
        yield* m.alpha.setBook("HIFIUSDT", cheap())
        yield* m.beta.setBook("HIFIUSDT", dear())
        let placements = 0
        yield* m.beta.placeFault(() =>
          placements++ === 0 ? { _tag: "Fail", reason: new ExchangeError.FilterRejected({ symbol: "HIFIUSDT", filter: "postOnly", detail: "would take" }) } : undefined
        )
        yield* m.arb.run({ maxAttempts: 1 })
        yield* m.close
      }).pipe(Effect.provideService(Tracer.Tracer, tracer))

      const attempt = spans.find((s) => s.name === "Arbitrage.attempt")!
      assert.isDefined(attempt)
      assert.deepInclude(attrs(attempt), { attempt: 1, buyVenue: "alpha", sellVenue: "beta", quantity: "10", outcome: "unwound", "trigger.venue": "beta" })
      const trigger = spans.find((s) => s.name === "Arbitrage.bookUpdate")!
      assert.isDefined(trigger)
      assert.strictEqual(attempt.links[0]?.span.spanId, trigger.span.spanId)
      assert.strictEqual(attrs(trigger).venue, "beta")

      const legs = spans.filter((s) => s.name === "Arbitrage.leg")
      const entry = legs.filter((l) => l.parent?.spanId === attempt.span.spanId)
      assert.deepStrictEqual(entry.map((l) => [attrs(l).venue, attrs(l).side, attrs(l).outcome]), [["alpha", "BUY", "filled"], ["beta", "SELL", "rejected"]])
      for (const l of entry) {
        const a = attrs(l)
        assert.match(String(a.clientOrderId), /^arb[0-9a-z]+$/)
        assert.isString(a.price)
        assert.isNumber(a.latencyMs)
      }
      const unwind = spans.find((s) => s.name === "Arbitrage.unwind")!
      assert.strictEqual(unwind.parent?.spanId, attempt.span.spanId)
      const unwindLegs = legs.filter((l) => l.parent?.spanId === unwind.span.spanId)
      assert.deepStrictEqual(unwindLegs.map((l) => [attrs(l).venue, attrs(l).side, attrs(l).role, attrs(l).outcome]), [["beta", "SELL", "unwind", "filled"]])

      assert.isAtLeast((yield* Metric.value(Metrics.detected)).count - detectedBefore, 1)
      assert.strictEqual((yield* Metric.value(Metrics.oneLegged)).count - oneLeggedBefore, 1)
      const latency = yield* Metric.value(Metrics.forVenue("alpha").legLatency)
      assert.isAtLeast(latency.count, 1)
    }).pipe(Effect.provideService(References.MinimumLogLevel, "None")))
})
