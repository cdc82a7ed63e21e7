/**
 * @internal Counter series read from plain integers. On the hot path a metric update per frame
 * (a registry lookup and a key per call) costs more than the frame's own bookkeeping; a component
 * that already counts in a plain integer registers a reader instead, and the series' value is
 * read from it when the metric is read (a snapshot, an exporter), through
 * `Metric.registerUnsafe`.
 *
 * Readers of the same metric and attributes in the same registry share one series, which adds
 * them up, as updates to one series would: the live readers' counts plus what closed readers had
 * counted when they closed. A series registered this way ignores `update` (Effect's rule), so
 * every count of it must come through a reader.
 *
 * @since 0.1.0
 */
import { Context, Metric } from "effect"

interface Series {
  retired: number
  readonly readers: Set<() => number>
}

/** Per registry, the series by metric id and attributes. */
const registries = new WeakMap<object, Map<string, Series>>()

/** A registered reader; `close` keeps what it counted in the series and stops reading it. */
export interface Reader {
  readonly close: () => void
}

/**
 * Adds `read` (a count that only grows) to the series of `metric` with `attributes` in the
 * registry of `context`; incremental, like the counters it stands in for.
 */
export const counter = (
  metric: Metric.Counter<number>,
  attributes: Readonly<Record<string, string>>,
  context: Context.Context<never>,
  read: () => number
): Reader => {
  const registry = Context.get(context, Metric.MetricRegistry)
  let byKey = registries.get(registry)
  if (byKey === undefined) registries.set(registry, byKey = new Map())
  const extra = Context.get(context, Metric.CurrentMetricAttributes)
  const key = `${metric.id} ${JSON.stringify(attributes)} ${JSON.stringify(extra)}`
  let series = byKey.get(key)
  if (series === undefined) {
    const created: Series = { retired: 0, readers: new Set() }
    series = created
    byKey.set(key, created)
    Metric.registerUnsafe(Metric.withAttributes(metric, attributes), context, {
      get: () => {
        let count = created.retired
        for (const reader of created.readers) count += reader()
        return { count, incremental: true }
      },
      update: () => {},
      modify: () => {}
    })
  }
  const owner = series
  owner.readers.add(read)
  return {
    close: () => {
      if (owner.readers.delete(read)) owner.retired += read()
    }
  }
}
