/**
 * What a test run captures instead of printing: every log line, and the lifecycle events, for a
 * body run under `LeakCheck` (the run stays quiet; assertions read what was captured).
 */
import { Cause, Effect, Logger, References, type Scope } from "effect"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"

/** A logger that keeps every line (message, annotations, cause) in `logs`. */
export const collectInto = (logs: Array<string>) =>
  Logger.make((options) => {
    const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
    const cause = options.cause.reasons.length > 0 ? Cause.pretty(options.cause) : ""
    logs.push(`${String(options.message)} ${JSON.stringify(annotations)} ${cause}`)
  })

/** What {@link captured} collects. */
export interface Captured {
  /** Every log line (message, annotations, cause). */
  readonly logs: Array<string>
  /** Every lifecycle event, in order. */
  readonly events: Array<Lifecycle.LifecycleEvent>
}

/** Runs `body` under `LeakCheck`, its log lines and lifecycle events collected into what it is given. */
export const captured = <A, E>(body: (capture: Captured) => Effect.Effect<A, E, Scope.Scope>) => {
  const capture: Captured = { logs: [], events: [] }
  return LeakCheck.scoped(
    body(capture).pipe(Effect.provideService(Lifecycle.LifecycleObserver, (event) => void capture.events.push(event)))
  ).pipe(Effect.provide(Logger.layer([collectInto(capture.logs)])))
}
