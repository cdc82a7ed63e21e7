import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Deferred, Effect, Exit, Fiber, Layer, Metric, Scope } from "effect"
import { ComponentRegistry, Lifecycle } from "../../src/lifecycle/index.ts"
import { waitUntil } from "../support/eventually.ts"

class Inner extends Context.Service<Inner, { readonly id: string }>()("test/Inner") {}
class Outer extends Context.Service<Outer, { readonly id: string }>()("test/Outer") {}

const record = () => {
  const events: Array<Lifecycle.LifecycleEvent> = []
  return { events, observe: (event: Lifecycle.LifecycleEvent) => events.push(event) }
}

describe("Lifecycle.component", () => {
  it.live("logs the four phases in order and releases dependents before their dependencies", () =>
    Effect.gen(function*() {
      const { events, observe } = record()
      const inner = Layer.succeed(Inner, { id: "inner" }).pipe(Lifecycle.component({ name: "inner" }))
      const outer = Layer.effect(
        Outer,
        Effect.gen(function*() {
          const inner = yield* Inner
          return { id: `outer(${inner.id})` }
        })
      ).pipe(Lifecycle.component({ name: "outer" }), Layer.provide(inner))

      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(outer, scope).pipe(
        Effect.provideService(Lifecycle.LifecycleObserver, observe)
      )
      assert.strictEqual(Context.get(context, Outer).id, "outer(inner)")
      yield* Scope.close(scope, Exit.void)

      assert.deepStrictEqual(events.map((e) => `${e.component}:${e.phase}`), [
        "inner:starting",
        "inner:started",
        "outer:starting",
        "outer:started",
        "outer:stopping",
        "outer:stopped",
        "inner:stopping",
        "inner:stopped"
      ])
      for (const e of events.filter((e) => e.phase === "stopped")) assert.strictEqual(e.outcome, "ok")
    }))

  it.live("abandons a release that overruns its budget, counts it, and shutdown continues", () =>
    Effect.gen(function*() {
      const { events, observe } = record()
      const stuck = Layer.effectDiscard(Effect.addFinalizer(() => Effect.never)).pipe(
        Lifecycle.component({ name: "stuck", stopBudget: "50 millis" })
      )
      const failedBefore = (yield* Metric.value(
        Metric.withAttributes(Lifecycle.failedShutdowns, { component: "stuck" })
      )).count
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(stuck, scope).pipe(Effect.provideService(Lifecycle.LifecycleObserver, observe))
      const started = performance.now()
      yield* Scope.close(scope, Exit.void)
      const elapsed = performance.now() - started

      const stopped = events.find((e) => e.phase === "stopped")
      assert.strictEqual(stopped?.outcome, "abandoned")
      assert.isBelow(elapsed, 2_000, "close must not wait for the abandoned finalizer")
      const failedAfter = (yield* Metric.value(
        Metric.withAttributes(Lifecycle.failedShutdowns, { component: "stuck" })
      )).count
      assert.strictEqual(failedAfter - failedBefore, 1)
    }))

  it.effect("keeps the stop budget in real time under a TestClock that nobody advances", () =>
    Effect.gen(function*() {
      const { events, observe } = record()
      const stuck = Layer.effectDiscard(Effect.addFinalizer(() => Effect.never)).pipe(
        Lifecycle.component({ name: "stuck-test-clock", stopBudget: "50 millis" })
      )
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(stuck, scope).pipe(Effect.provideService(Lifecycle.LifecycleObserver, observe))
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(events.find((e) => e.phase === "stopped")?.outcome, "abandoned")
    }))

  it.live("counts the fibers a component owns while it runs", () =>
    Effect.gen(function*() {
      const gauge = Metric.withAttributes(Lifecycle.fibersAlive, { component: "forker" })
      const forker = Layer.effectDiscard(
        Effect.forkScoped(Effect.never).pipe(Effect.andThen(Effect.forkScoped(Effect.never)))
      ).pipe(Lifecycle.component({ name: "forker" }))
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(forker, scope)
      assert.strictEqual((yield* Metric.value(gauge)).value, 2)
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual((yield* Metric.value(gauge)).value, 0)
    }))
})

describe("ComponentRegistry", () => {
  it.live("records each component's life, and lists the abandoned with budget and elapsed time", () =>
    Effect.gen(function*() {
      const registry = ComponentRegistry.make()
      // A release that waits for the test to let it go: over its 50 ms budget until then.
      const letGo = yield* Deferred.make<void>()
      const quick = Layer.succeed(Inner, { id: "quick" }).pipe(
        Lifecycle.component({ name: "quick", stopBudget: "1 second" })
      )
      const stuck = Layer.effectDiscard(
        Effect.addFinalizer(() => Deferred.await(letGo))
      ).pipe(Lifecycle.component({ name: "stuck", stopBudget: "50 millis" }))

      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(Layer.merge(quick, stuck), scope).pipe(
        Effect.provideService(ComponentRegistry.ComponentRegistry, registry)
      )
      assert.deepStrictEqual(registry.components().map((c) => [c.name, c.phase, c.stopBudgetMs]), [
        ["quick", "started", 1000],
        ["stuck", "started", 50]
      ])
      assert.deepStrictEqual(registry.abandoned(), [])
      yield* Scope.close(scope, Exit.void)

      const [abandoned] = registry.abandoned()
      assert.strictEqual(registry.abandoned().length, 1)
      assert.strictEqual(abandoned!.name, "stuck")
      assert.strictEqual(abandoned!.stopBudgetMs, 50)
      assert.isTrue(abandoned!.running, "its release is still running")
      assert.isAtLeast(abandoned!.elapsedMs, 50)
      const byName = Object.fromEntries(registry.components().map((c) => [c.name, c]))
      assert.strictEqual(byName.quick!.outcome, "ok")
      assert.isFalse(byName.quick!.releasing)
      assert.isNumber(byName.quick!.stopMs)
      assert.strictEqual(byName.stuck!.outcome, "abandoned")
      assert.isTrue(byName.stuck!.releasing)
      assert.isUndefined(byName.stuck!.stopMs)

      // The abandoned release ends late: it is still listed, no longer running, its time final.
      yield* Deferred.succeed(letGo, undefined)
      yield* waitUntil("the abandoned release to end", () => registry.abandoned()[0]?.running === false)
      const late = registry.abandoned()[0]!
      assert.isAtLeast(late.elapsedMs, 50)
      assert.strictEqual(registry.abandoned()[0]!.elapsedMs, late.elapsedMs, "the elapsed time no longer grows")
      assert.strictEqual(registry.components().find((c) => c.name === "stuck")!.stopMs, late.elapsedMs)
    }))

  it.live("records a component whose build failed as failed, and the abandoned through the effect API", () =>
    Effect.gen(function*() {
      const registry = ComponentRegistry.make()
      const broken = Layer.effectDiscard(Effect.fail("no venue")).pipe(Lifecycle.component({ name: "broken" }))
      const exit = yield* Layer.build(broken).pipe(
        Effect.scoped,
        Effect.provideService(ComponentRegistry.ComponentRegistry, registry),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(registry.components().map((c) => [c.name, c.phase, c.outcome]), [
        ["broken", "stopped", "failed"]
      ])
      const listed = yield* ComponentRegistry.abandoned.pipe(
        Effect.provideService(ComponentRegistry.ComponentRegistry, registry)
      )
      assert.deepStrictEqual(listed, [])
    }))
})

describe("Lifecycle.scoped", () => {
  it.live("manages a scoped constructor like a layer, once per instance", () =>
    Effect.gen(function*() {
      const { events, observe } = record()
      const released: Array<string> = []
      const make = (name: string) =>
        Effect.acquireRelease(Effect.succeed(name), () => Effect.sync(() => released.push(name))).pipe(
          Lifecycle.scoped({ name })
        )
      yield* Effect.scoped(
        Effect.gen(function*() {
          assert.strictEqual(yield* make("a"), "a")
          assert.strictEqual(yield* make("b"), "b")
        })
      ).pipe(Effect.provideService(Lifecycle.LifecycleObserver, observe))
      assert.deepStrictEqual(released, ["b", "a"])
      assert.deepStrictEqual(events.map((e) => `${e.component}:${e.phase}`), [
        "a:starting",
        "a:started",
        "b:starting",
        "b:started",
        "b:stopping",
        "b:stopped",
        "a:stopping",
        "a:stopped"
      ])
    }))
})
