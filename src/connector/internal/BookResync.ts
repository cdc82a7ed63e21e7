/**
 * The public connector's side of the book sync: fetching the snapshots `BookSync` asks for (in a
 * fiber of the channel's own scope, after the connection is open again), handing the outcome back,
 * publishing a synced book and logging each resync with its reason and duration.
 *
 * @since 0.1.0
 */
import { Effect, Metric, Result } from "effect"
import * as BookMetrics from "../../exchange/BookMetrics.ts"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import type { BookView } from "../../exchange/Model.ts"
import type { SnapshotInput } from "../../exchange/OrderBook.ts"
import type { BookSync, SnapshotOutcome, SnapshotRequest } from "../BookSync.ts"
import type { Route } from "./Route.ts"

/** What the driver needs from the connector. */
export interface Context {
  /** The connector's name (log annotations `exchange:<name>`). */
  readonly name: string
  /** The venue (span and metric attributes). */
  readonly venue: string
  /** Monotonic milliseconds. */
  readonly nowMs: () => number
  /** The venue's REST snapshot of a symbol's book. */
  readonly snapshot: (symbol: string) => Effect.Effect<SnapshotInput, ExchangeError>
  /** Publishes a synced book on the route's topic. */
  readonly publish: (route: Route, view: BookView) => Effect.Effect<void>
  /** Fails the route's streams: its sync ran out of snapshot attempts. */
  readonly failed: (route: Route, sync: BookSync) => Effect.Effect<void>
}

/** The snapshot fetching and resync steps, over `context`. */
export const make = (context: Context) => {
  const fetchSnapshot = (route: Route, sync: BookSync, request: SnapshotRequest): Effect.Effect<void> =>
    Effect.gen(function*() {
      if (request.delayMs > 0) yield* Effect.sleep(request.delayMs)
      // A snapshot taken while the connection is down is older than the stream it must join.
      if (route.connection !== undefined) {
        const open = yield* Effect.result(route.connection.awaitOpen)
        if (Result.isFailure(open)) return
      }
      // One span and one count per snapshot taken for a book: the first sync, each resync, each retake.
      const reason = sync.lastRestart?.reason ?? "initial"
      const venue = context.venue
      const outcome = yield* Effect.gen(function*() {
        const answer = yield* Effect.result(context.snapshot(route.symbol))
        if (route.sync !== sync) return undefined
        const now = context.nowMs()
        const outcome = Result.isSuccess(answer)
          ? sync.onSnapshot(request.id, answer.success, now)
          : sync.onSnapshotFailed(request.id, answer.failure.message, now)
        yield* Effect.annotateCurrentSpan("book.outcome", outcome)
        yield* Metric.update(Metric.withAttributes(BookMetrics.snapshots, { venue, symbol: route.symbol, reason, outcome }), 1)
        return outcome
      }).pipe(Effect.withSpan("OrderBook.snapshot", {
        attributes: { venue, symbol: route.symbol, "book.reason": reason, "book.attempt": request.attempt }
      }))
      if (outcome === undefined) return
      yield* afterSnapshot(route, sync, outcome)
    })

  const afterSnapshot = (route: Route, sync: BookSync, outcome: SnapshotOutcome): Effect.Effect<void> => {
    switch (outcome) {
      case "synced": {
        const publish = context.publish(route, sync.book.view())
        const completed = sync.stats.resyncsCompleted
        if (completed === 0 || loggedResyncs.get(sync) === completed) return publish
        loggedResyncs.set(sync, completed)
        return Effect.andThen(
          publish,
          Effect.logInfo("order book resynced").pipe(Effect.annotateLogs({
            component: `exchange:${context.name}`,
            symbol: route.symbol,
            reason: sync.lastResyncReason ?? "unknown",
            resync_ms: Math.round((sync.stats.lastResyncMs ?? 0) * 10) / 10,
            resyncs: sync.stats.resyncs
          }))
        )
      }
      case "retry":
        return Effect.andThen(
          Effect.logInfo("order book snapshot taken again", sync.lastRestart?.detail ?? "").pipe(Effect.annotateLogs({
            component: `exchange:${context.name}`,
            symbol: route.symbol,
            attempt: sync.request?.attempt ?? 0,
            retry_in_ms: sync.request?.delayMs ?? 0
          })),
          Effect.suspend(() => fetchSnapshot(route, sync, sync.request!))
        )
      case "failed":
        return Effect.andThen(
          Effect.logWarning("order book sync failed", sync.failure?.detail ?? "").pipe(
            Effect.annotateLogs({ component: `exchange:${context.name}`, symbol: route.symbol })
          ),
          context.failed(route, sync)
        )
      case "ignored":
        return Effect.void
    }
  }
  /** Per sync, the completed resyncs last logged (one line per completed resync). */
  const loggedResyncs = new WeakMap<BookSync, number>()

  /** The book was cleared (a resync, or a snapshot found stale by a push): fetch the next snapshot. */
  const startResync = (route: Route, sync: BookSync): Effect.Effect<void> => {
    const restart = sync.lastRestart
    const log = restart?.reason === "stale"
      ? Effect.logInfo("order book snapshot taken again", restart.detail).pipe(Effect.annotateLogs({
        component: `exchange:${context.name}`,
        symbol: route.symbol,
        attempt: sync.request?.attempt ?? 0,
        retry_in_ms: sync.request?.delayMs ?? 0
      }))
      : Effect.logInfo("order book resync").pipe(Effect.annotateLogs({
        component: `exchange:${context.name}`,
        symbol: route.symbol,
        reason: restart?.reason ?? "unknown",
        resyncs: sync.stats.resyncs
      }))
    const scope = route.scope
    const request = sync.request
    return scope === undefined || request === undefined
      ? log
      : Effect.andThen(log, Effect.asVoid(Effect.forkIn(fetchSnapshot(route, sync, request), scope)))
  }

  return { afterSnapshot, fetchSnapshot, startResync }
}
