/**
 * The lifecycle kit: a component layer declares its name and stop budget once, and the kit
 * logs `starting` / `started` / `stopping` / `stopped` with `duration_ms`, counts the fibers
 * the component owns, records how long it took to stop, and abandons a finalizer that overruns
 * its budget so that shutdown always continues.
 *
 * ```ts
 * export const layer = Layer.effect(Connection, make).pipe(
 *   Lifecycle.component({ name: "connection:public", stopBudget: "2 seconds" })
 * )
 * ```
 *
 * Wrap the component's own layer *before* providing its dependencies: the dependencies then stay
 * outside the component's scope and are released after it, which is what makes the layer graph
 * the shutdown order.
 *
 * @since 0.1.0
 */
import { Cause, Context, Duration, Effect, Exit, Fiber, Layer, Metric, Scope } from "effect"
import { dual } from "effect/Function"
import { ComponentRegistry, type Outcome, type Phase } from "./ComponentRegistry.ts"
import { withLiveClock } from "./LiveClock.ts"

export type { Outcome, Phase } from "./ComponentRegistry.ts"

/** What a component declares about itself. */
export interface ComponentOptions {
  /** Shown as `component` in every lifecycle log line and metric attribute. */
  readonly name: string
  /**
   * How long releasing the component may take (close handshakes, drains, cancel-all).
   * Past it the release is abandoned, logged as a failed shutdown and counted. Default 5 s.
   */
  readonly stopBudget?: Duration.Input | undefined
}

/** One entry of the lifecycle log. */
export interface LifecycleEvent {
  readonly component: string
  readonly phase: Phase
  /** For `started` and `stopped`: time since `starting` / `stopping`. */
  readonly durationMs?: number | undefined
  /** For `stopped`: `"ok"`, `"failed"` (the release failed) or `"abandoned"` (over budget). */
  readonly outcome?: Outcome | undefined
  /** For `stopping` and `stopped`: the component's stop budget, in milliseconds. */
  readonly stopBudgetMs?: number | undefined
}

/**
 * Receives every lifecycle event in addition to the log. Tests provide a recorder to prove the
 * shutdown order; the default does nothing.
 */
export const LifecycleObserver = Context.Reference<((event: LifecycleEvent) => void) | undefined>(
  "scoped-exchange/lifecycle/LifecycleObserver",
  { defaultValue: () => undefined }
)

const fibersAliveName = "scoped_exchange_component_fibers_alive"
const fibersAliveDescription = "Fibers currently alive that were forked by a component"
const shutdownDurationName = "scoped_exchange_component_shutdown_ms"
const shutdownDurationOptions = {
  description: "Time a component took to release its resources",
  boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 16 })
}
const failedShutdownsName = "scoped_exchange_component_failed_shutdowns"
const failedShutdownsDescription = "Component releases that overran their stop budget or failed"

/** Fibers alive per component (gauge, attribute `component`). */
export const fibersAlive = Metric.gauge(fibersAliveName, { description: fibersAliveDescription })

/** Shutdown duration per component, in milliseconds (histogram, attribute `component`). */
export const shutdownDuration = Metric.histogram(shutdownDurationName, shutdownDurationOptions)

/** Finalizers that overran their budget or failed (counter, attribute `component`). */
export const failedShutdowns = Metric.counter(failedShutdownsName, { description: failedShutdownsDescription })

const defaultStopBudget = Duration.seconds(5)

/**
 * Chains a fiber-counting hook in front of whatever fiber runtime metrics service is already
 * installed, so nested components and the leak checker all see the same fibers.
 */
const trackFibers = (
  gauge: Metric.Gauge<number>,
  outer: Metric.FiberRuntimeMetricsService | undefined
): Metric.FiberRuntimeMetricsService => ({
  recordFiberStart(context) {
    gauge.modifyUnsafe(1, context)
    outer?.recordFiberStart(context)
  },
  recordFiberEnd(context, exit) {
    gauge.modifyUnsafe(-1, context)
    outer?.recordFiberEnd(context, exit)
  }
})

interface Managed {
  readonly name: string
  readonly budget: Duration.Duration
  readonly gauge: Metric.Gauge<number>
  readonly histogram: Metric.Histogram<number>
  readonly failures: Metric.Counter<number>
}

const managed = (options: ComponentOptions): Managed => {
  // Series are created with their attributes up front: `Metric.withAttributes` re-derives the
  // series key on every update, and the fiber gauge is updated on every fork and exit.
  const attributes = { component: options.name }
  return {
    name: options.name,
    budget: Duration.fromInputUnsafe(options.stopBudget ?? defaultStopBudget),
    gauge: Metric.gauge(fibersAliveName, { description: fibersAliveDescription, attributes }),
    histogram: Metric.histogram(shutdownDurationName, { ...shutdownDurationOptions, attributes }),
    failures: Metric.counter(failedShutdownsName, { description: failedShutdownsDescription, attributes })
  }
}

/**
 * The one mechanism behind {@link component} and {@link scoped}: build in a scope of the
 * component's own (forked from `parent`), log and time it, and register a bounded release.
 */
const manage = <A, E, R>(
  m: Managed,
  parent: Scope.Scope,
  build: (own: Scope.Scope) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const { budget, name } = m
    const observer = yield* LifecycleObserver
    const entry = (yield* ComponentRegistry).register(name, Duration.toMillis(budget))
    const emit = (event: LifecycleEvent) =>
      Effect.suspend(() => {
        observer?.(event)
        const annotations: Record<string, unknown> = { component: name }
        if (event.durationMs !== undefined) annotations.duration_ms = event.durationMs
        if (event.outcome !== undefined && event.outcome !== "ok") annotations.outcome = event.outcome
        const log = event.outcome === "abandoned" || event.outcome === "failed"
          ? Effect.logWarning(event.phase)
          : Effect.logInfo(event.phase)
        return Effect.annotateLogs(log, annotations)
      })

    const startedAt = performance.now()
    yield* emit({ component: name, phase: "starting" })
    const own = yield* Scope.fork(parent, "sequential")
    const outerTracker = yield* Metric.FiberRuntimeMetrics
    const value = yield* build(own).pipe(
      Effect.provideService(Metric.FiberRuntimeMetrics, trackFibers(m.gauge, outerTracker)),
      Effect.onError((cause) => Effect.andThen(Effect.sync(entry.startFailed), Scope.close(own, Exit.failCause(cause))))
    )
    const startMs = Math.round(performance.now() - startedAt)
    entry.started(startMs)
    yield* emit({ component: name, phase: "started", durationMs: startMs })

    // Registered after `own` was forked, so it runs before the parent would close `own`.
    yield* Scope.addFinalizerExit(parent, (exit) =>
      Effect.gen(function*() {
        const stoppingAt = performance.now()
        entry.stopping()
        yield* emit({ component: name, phase: "stopping", stopBudgetMs: Duration.toMillis(budget) })
        // The release runs in a fiber of its own so that, past the budget, we can walk away
        // from it: an abandoned finalizer must not hold the rest of the shutdown hostage. It is
        // detached on purpose: the only scope that could own it is the one being released, and an
        // owner would have to wait for it, which is exactly what the budget forbids. Within the
        // budget it is awaited here; past it, it is logged and counted as abandoned.
        const release = yield* Effect.forkDetach(Scope.close(own, exit), { startImmediately: true })
        release.addObserver(entry.releaseEnded)
        // The budget is real time even under a TestClock: a test that never advances its clock
        // must still see an over-budget release abandoned rather than hang.
        const result = yield* Fiber.await(release).pipe(Effect.timeoutOption(budget), withLiveClock)
        const durationMs = Math.round(performance.now() - stoppingAt)
        let outcome: Outcome = "ok"
        if (result._tag === "None") {
          outcome = "abandoned"
          yield* Effect.logWarning(`release overran its stop budget of ${Duration.format(budget)}; abandoned`).pipe(
            Effect.annotateLogs({ component: name })
          )
        } else if (Exit.isFailure(result.value)) {
          outcome = "failed"
          yield* Effect.logWarning("release failed", Cause.pretty(result.value.cause)).pipe(
            Effect.annotateLogs({ component: name })
          )
        }
        entry.stopped(outcome, durationMs)
        if (outcome !== "ok") yield* Metric.update(m.failures, 1)
        yield* Metric.update(m.histogram, durationMs)
        yield* emit({ component: name, phase: "stopped", durationMs, outcome, stopBudgetMs: Duration.toMillis(budget) })
      })
    )
    return value
  })

/**
 * Declares `self` as a named component with a stop budget. The wrapped layer is built in a scope
 * of its own; releasing it is logged, timed and bounded by the budget.
 */
export const component: {
  (options: ComponentOptions): <A, E, R>(self: Layer.Layer<A, E, R>) => Layer.Layer<A, E, R>
  <A, E, R>(self: Layer.Layer<A, E, R>, options: ComponentOptions): Layer.Layer<A, E, R>
} = dual(2, <A, E, R>(self: Layer.Layer<A, E, R>, options: ComponentOptions): Layer.Layer<A, E, R> => {
  const m = managed(options)
  return Layer.fromBuildMemo((memoMap, scope) =>
    manage(m, scope, (own) => Layer.buildWithMemoMap(self, memoMap, own))
  )
})

/**
 * The same as {@link component} for a scoped constructor (`make`), for components an app creates
 * more than once (a public and a private connection): `self` acquires its resources in a scope of
 * its own, released (logged, timed, bounded) when the caller's scope closes.
 */
export const scoped: {
  (options: ComponentOptions): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Scope.Scope>
  <A, E, R>(self: Effect.Effect<A, E, R>, options: ComponentOptions): Effect.Effect<A, E, R | Scope.Scope>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, options: ComponentOptions): Effect.Effect<A, E, R | Scope.Scope> => {
    const m = managed(options)
    return Effect.flatMap(Effect.scope, (scope) =>
      manage(m, scope, (own) => Scope.provide(self, own) as Effect.Effect<A, E, R>))
  }
)
