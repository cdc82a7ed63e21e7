/**
 * A bounded buffer between a producer (usually a Connection's reader) and a handler, processed by
 * fibers the queue owns. It replaces the old `while True` processor blocked on an empty queue: the
 * processors belong to the queue's scope, and closing that scope stops accepting, hands every
 * message already accepted to the handler within a drain budget, then stops.
 *
 * - Bounded (default 1000), with an overflow policy per use: `"backpressure"` (the producer waits;
 *   for a socket that pauses reads), `"sliding"` (drop the oldest) or `"dropping"` (drop the
 *   newest). Drops are counted, never silent.
 * - Batches in, batches out: {@link MessageQueue.offerAll} takes a socket's batch in one call and
 *   is usable directly as the Connection's sink; the handler gets what is buffered, up to
 *   `maxBatch` at a time (`handleBatch`), or one message at a time in order (`handle`).
 * - Synchronous path (`handoff` + `handleSync`): {@link MessageQueue.offerSync} handles a message
 *   right away, outside any fiber, while the queue is empty and its processor idle (a socket's
 *   `message` event at a venue's cadence); only its effectful rest goes through the processor,
 *   in the message's place, so order, backpressure and the drain at close are as for `offerAll`.
 *   Messages handled that way without a rest are counted, but not timed by the handler histogram.
 * - A handler failure or defect is logged with the message's context, counted, and processing goes
 *   on with the next message.
 * - On close the summary (`drained`, `dropped`, `abandoned`, `failed`) is logged as `drain summary`
 *   right before the component's `stopped` line.
 *
 * ```ts
 * const queue = yield* MessageQueue.make({
 *   name: "queue:public",
 *   handleBatch: (frames) => router.route(frames)
 * })
 * // connection sink: queue.offerAll
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Clock, Duration, Effect, Exit, Fiber, Latch, Layer, Queue, Scheduler } from "effect"
import type { Context, Scope } from "effect"
import { Lifecycle } from "../lifecycle/index.ts"
import { eagerScheduler } from "./internal/EagerScheduler.ts"
import * as QueueMetrics from "./QueueMetrics.ts"
import * as CountedSeries from "../internal/CountedSeries.ts"
import * as ThrottledLog from "../internal/ThrottledLog.ts"

/** What to do with a batch that does not fit. */
export type Overflow = "backpressure" | "sliding" | "dropping"

/** A function that accepts a batch; `MessageQueue.offerAll` is one (the Connection's sink type). */
export type Sink<A> = (batch: ReadonlyArray<A>) => Effect.Effect<void>

interface CommonOptions<A, R> {
  /** Component name, in logs and metric attributes (e.g. `"queue:public"`). */
  readonly name: string
  /** Most messages buffered at once. Default 1000. */
  readonly capacity?: number | undefined
  /** What happens when a batch does not fit. Default `"backpressure"`. */
  readonly overflow?: Overflow | undefined
  /**
   * Processor fibers. Default 1, which preserves order; more than one processes batches
   * concurrently and gives up ordering between them.
   */
  readonly concurrency?: number | undefined
  /** Largest batch handed to the handler at once. Default: the capacity. */
  readonly maxBatch?: number | undefined
  /** How long closing may spend handing accepted messages to the handler. Default 1 s. */
  readonly drainBudget?: Duration.Input | undefined
  /** Lifecycle stop budget for the whole release. Default: the drain budget plus 1 s. */
  readonly stopBudget?: Duration.Input | undefined
  /** Renders a message for failure logs (e.g. its channel). Default: a truncated preview. */
  readonly describe?: ((message: A) => string) | undefined
  /**
   * Hand a batch straight to the handler, in the producer's fiber, when the queue is empty and
   * its processor idle (see {@link MessageQueue.offerAll}): for a socket's reader at a venue's
   * cadence. `offerAll` may then complete only once the batch is handled, so a handler must never
   * wait for its own producer. Default false; only with one processor.
   */
  readonly handoff?: boolean | undefined
  /**
   * Handles messages synchronously, for {@link MessageQueue.offerSync} (with `handoff`): one, or
   * the rest of a burst offered in the same task as one batch. Does
   * what needs no waiting right away and returns what is left, if anything (a log, a resync, a
   * wait for room), which the processor runs in order before anything offered after it. A
   * throw counts the message as failed (and is logged), nothing else is lost.
   */
  readonly handleSync?: ((messages: ReadonlyArray<A>) => Effect.Effect<unknown, unknown, R> | undefined) | undefined
}

/** Handles one message at a time, in order; a failure affects that message only. */
export interface PerMessageOptions<A, R> extends CommonOptions<A, R> {
  readonly handle: (message: A) => Effect.Effect<unknown, unknown, R>
  readonly handleBatch?: undefined
}

/** Handles whatever is buffered at once; a failure counts every message of that batch as failed. */
export interface BatchOptions<A, R> extends CommonOptions<A, R> {
  readonly handleBatch: (batch: ReadonlyArray<A>) => Effect.Effect<unknown, unknown, R>
  readonly handle?: undefined
}

/** Options for {@link make}: common settings plus exactly one of `handle` / `handleBatch`. */
export type Options<A, R> = PerMessageOptions<A, R> | BatchOptions<A, R>

/** Counters since the queue started. `drained` and `abandoned` are filled in by close. */
export interface QueueStats {
  /** Messages currently buffered. */
  readonly depth: number
  /** Messages the queue took in. */
  readonly accepted: number
  /** Messages the handler finished without failure. */
  readonly processed: number
  /** Messages whose handler failed or died. */
  readonly failed: number
  /** Messages dropped by the overflow policy. */
  readonly dropped: number
  /** Messages offered after close, refused. */
  readonly refused: number
  /** Messages handed to the handler (ok or failed) during close. */
  readonly drained: number
  /** Accepted messages the drain budget ran out on: never handled. */
  readonly abandoned: number
  /** Whether close has begun. */
  readonly closed: boolean
}

/** A running queue. */
export interface MessageQueue<A> {
  readonly name: string
  /** Offers one message (waits under backpressure). */
  readonly offer: (message: A) => Effect.Effect<void>
  /**
   * Offers a batch in one step. Under backpressure it completes once every message is accepted,
   * so a socket reader using it as its sink pauses while the queue is full. After close the batch
   * is refused and counted.
   *
   * With `handoff`: when the queue is empty and its processor is waiting for work, the batch skips the
   * buffer and the handler runs on it right here, in the producer's fiber, before `offerAll`
   * completes (a socket reader reads on once it is handled). That is what a venue's cadence looks
   * like (a frame, then nothing for milliseconds), and it saves the processor's wake-up per
   * frame. Order holds: a batch offered while a handed-off one runs is buffered, and the
   * processor starts on it only after that one is done. The handed-off batch runs to its end
   * even if the producer is interrupted meanwhile (it was accepted; it is not lost), and close
   * waits for it within the drain budget.
   */
  readonly offerAll: (batch: Iterable<A>) => Effect.Effect<void>
  /**
   * Offers one message without a fiber: with `handoff` and `handleSync`, when the queue is
   * empty, its processor idle and nothing handed off is running, the message is handled right
   * here by `handleSync` and `true` is returned; its effectful rest, if any, is queued for the
   * processor (so everything offered after it waits behind it, in order). Otherwise nothing
   * happens and it returns `false`: offer it with {@link offerAll}. Messages offered after it in
   * the same task (a burst: several frames in one socket read) are taken too (`true`) and handled
   * together, as one batch, on a microtask once the task is over, before anything offered later.
   */
  readonly offerSync: (message: A) => boolean
  /** A snapshot of the counters. */
  readonly stats: Effect.Effect<QueueStats>
}

const defaultCapacity = 1000

const resolved = Promise.resolve()

/** A message handled by `handleSync` whose effectful rest waits in the queue, in its place. */
class Rest<A, R> {
  readonly message: A
  readonly effect: Effect.Effect<unknown, unknown, R>
  constructor(message: A, effect: Effect.Effect<unknown, unknown, R>) {
    this.message = message
    this.effect = effect
  }
}
const defaultDrainBudget = Duration.seconds(1)
/** Failure logs are written at most once per this many ms, with the count of those skipped. */
const failureLogIntervalMs = 1000

const preview = (message: unknown): string => {
  if (message instanceof Uint8Array) return `<binary ${message.byteLength} bytes>`
  const text = typeof message === "string" ? message : safeJson(message)
  return text.length > 200 ? `${text.slice(0, 200)}...` : text
}

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * Starts a queue and its processors in the caller's scope, as a lifecycle component named
 * `options.name`. Can be called more than once (a public and a private queue).
 */
export const make = <A, R = never>(options: Options<A, R>): Effect.Effect<MessageQueue<A>, never, Scope.Scope | R> => {
  const drainBudget = Duration.fromInputUnsafe(options.drainBudget ?? defaultDrainBudget)
  const stopBudget = options.stopBudget ?? Duration.sum(drainBudget, Duration.seconds(1))
  return makeUnmanaged(options, drainBudget).pipe(Lifecycle.scoped({ name: options.name, stopBudget }))
}

const makeUnmanaged = <A, R>(
  options: Options<A, R>,
  drainBudget: Duration.Duration
): Effect.Effect<MessageQueue<A>, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const name = options.name
    const capacity = Math.max(1, Math.floor(options.capacity ?? defaultCapacity))
    const overflow = options.overflow ?? "backpressure"
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1))
    const maxBatch = Math.max(1, Math.floor(options.maxBatch ?? capacity))
    const describe = options.describe ?? preview
    const metricContext = yield* Effect.context<never>()
    const metrics = QueueMetrics.forQueue(name, metricContext)

    // The queue wakes its processors (and waiting producers) on a microtask, not on the next turn
    // of the event loop: see `internal/EagerScheduler.ts`.
    // Holds messages, and in a message's place the rest of one `offerSync` handled (`Rest`).
    const queue = yield* Queue.make<A | Rest<A, R>, Cause.Done>({
      capacity,
      strategy: overflow === "backpressure" ? "suspend" : overflow
    }).pipe(Effect.provideService(Scheduler.Scheduler, eagerScheduler))

    // Accepted = taken by processors + still buffered + slid out (sliding) + cleared at close.
    // Derived rather than counted at offer time: a producer interrupted while waiting has part
    // of its batch in the queue, and only the queue knows which part.
    let taken = 0
    let cleared = 0
    let processed = 0
    let failed = 0
    let dropped = 0
    let refused = 0
    let drained = 0
    let abandoned = 0
    let closed = false
    // Counted per message in the plain integer above, read by the metric when it is read.
    const processedSeries = CountedSeries.counter(QueueMetrics.processed, { queue: name }, metricContext, () => processed)
    /** Messages taken from the queue and not yet finished, per processor (-1: a handoff). */
    const inFlight = new Map<number, { batch: ReadonlyArray<A | Rest<A, R>>; done: number }>()

    // --- handoff (see `offerAll`): the processor is waiting on an empty queue -------------------
    const handoff = options.handoff === true && concurrency === 1
    /** The processor waits in `take` with nothing on its way (no offer since it began waiting). */
    let processorIdle = false
    /** Open unless a handed-off batch is running; the processor waits for it before its next batch. */
    const handoffDone = Latch.makeUnsafe(true)
    let handingOff = false
    const context = yield* Effect.context<R>()

    // --- producers -------------------------------------------------------------------------

    const offerNow = (batch: ReadonlyArray<A>): ReadonlyArray<A> => {
      if (closed) {
        refused += batch.length
        return []
      }
      if (overflow === "sliding") {
        const overrun = Queue.sizeUnsafe(queue) + batch.length - capacity
        Queue.offerAllUnsafe(queue, batch)
        processorIdle = false
        if (overrun > 0) {
          dropped += overrun
          metrics.dropped(overrun)
        }
        metrics.depth(Queue.sizeUnsafe(queue))
        return []
      }
      const rest = Queue.offerAllUnsafe(queue, batch) as ReadonlyArray<A>
      // The processor wakes for what was just buffered: no handoff until it waits again.
      if (rest.length < batch.length) processorIdle = false
      metrics.depth(Queue.sizeUnsafe(queue))
      if (rest.length === 0 || overflow === "backpressure") return rest
      dropped += rest.length
      metrics.dropped(rest.length)
      return []
    }

    const waitToOffer = (rest: ReadonlyArray<A>): Effect.Effect<void> =>
      Effect.map(Queue.offerAll(queue, rest), (unaccepted) => {
        // A queue that ends while we wait leaves the remainder unaccepted.
        refused += unaccepted.length
        metrics.depth(Queue.sizeUnsafe(queue))
      })

    const offerAll = (batch: Iterable<A>): Effect.Effect<void> =>
      Effect.suspend(() => {
        const messages = Array.isArray(batch) ? batch as ReadonlyArray<A> : Array.from(batch)
        if (
          handoff && processorIdle && !handingOff && !closed && messages.length > 0 &&
          messages.length <= maxBatch && Queue.sizeUnsafe(queue) === 0
        ) return handOff(messages)
        const rest = offerNow(messages)
        return rest.length === 0 ? Effect.void : waitToOffer(rest)
      })

    const handOff = (batch: ReadonlyArray<A>): Effect.Effect<void> => {
      handingOff = true
      handoffDone.closeUnsafe()
      taken += batch.length
      const slot = { batch, done: 0 }
      inFlight.set(-1, slot)
      const startedAt = performance.now()
      // The queue's own context, as its processor has: set, not merged into the producer's (a
      // merge copies every service, per batch).
      return Effect.updateContext(runBatch(slot), (_: Context.Context<never>) => context).pipe(
        Effect.ensuring(Effect.sync(() => {
          inFlight.delete(-1)
          metrics.handlerMs(performance.now() - startedAt)
          handingOff = false
          handoffDone.openUnsafe()
        })),
        Effect.uninterruptible
      )
    }

    const offer = (message: A): Effect.Effect<void> => offerAll([message])

    const handleSync = handoff ? options.handleSync : undefined
    /**
     * A burst: the messages offered after the first one handled in the same task (a socket read
     * that carried several frames). They are handled together once the task is over (on a
     * microtask, before any fiber runs), as one batch, so a burst costs one batch, as on the
     * processor's way. `inTask`: a message was handled synchronously in this task.
     */
    let burst: Array<A> = []
    let inTask = false
    const endBurst = () => {
      inTask = false
      if (burst.length === 0) return
      const messages = burst
      burst = []
      handleNow(messages)
    }
    const handleNow = (messages: ReadonlyArray<A>) => {
      let rest: Effect.Effect<unknown, unknown, R> | undefined
      try {
        rest = handleSync!(messages)
      } catch (defect) {
        rest = Effect.die(defect)
      }
      const n = messages.length
      if (rest === undefined) {
        taken += n
        processed += n
        return
      }
      // The rest stands in the batch's last message's place (the queue is empty, so it fits):
      // whatever is offered from now on is buffered behind it, and the processor wakes for it.
      taken += n - 1
      processed += n - 1
      Queue.offerUnsafe(queue, new Rest(messages[n - 1]!, rest))
      processorIdle = false
    }
    const offerSync = (message: A): boolean => {
      if (burst.length > 0) {
        // Behind messages it took already: they go first, whatever happens meanwhile.
        burst.push(message)
        return true
      }
      if (handleSync === undefined || !processorIdle || handingOff || closed || Queue.sizeUnsafe(queue) !== 0) {
        return false
      }
      if (inTask) {
        burst.push(message)
        return true
      }
      inTask = true
      resolved.then(endBurst)
      handleNow([message])
      return true
    }

    // --- processors ------------------------------------------------------------------------

    const failureLog = ThrottledLog.make(yield* Clock.Clock, failureLogIntervalMs)

    const reportFailure = (count: number, context: string, cause: Cause.Cause<unknown>): Effect.Effect<void> => {
      failed += count
      metrics.failed(count)
      const occurrences = failureLog.take(count)
      if (occurrences === undefined) return Effect.void
      const skipped = occurrences - count
      const annotations: Record<string, unknown> = { component: name, message: context }
      if (skipped > 0) annotations.failures_not_logged = skipped
      return Effect.logWarning("handler failed; continuing with the next message", Cause.pretty(cause)).pipe(
        Effect.annotateLogs(annotations)
      )
    }

    const finish = (count: number) => {
      processed += count
    }

    const runBatch: (slot: { batch: ReadonlyArray<A>; done: number }) => Effect.Effect<void, never, R> =
      options.handleBatch !== undefined
        ? ((handleBatch) => (slot) =>
          Effect.flatMap(Effect.exit(handleBatch(slot.batch)), (exit) => {
            // When the processor itself is interrupted (the drain budget ran out) the runtime
            // skips this handler, so an interruption seen here is the handler's own (it joined an
            // interrupted fiber, say): a failure of this batch, and the processor goes on.
            const n = slot.batch.length
            slot.done = n
            if (closed) drained += n
            if (Exit.isSuccess(exit)) {
              finish(n)
              return Effect.void
            }
            const first = slot.batch[0] as A
            return reportFailure(n, `batch of ${n}, first: ${describe(first)}`, exit.cause)
          }))(options.handleBatch)
        : ((handle) => (slot) => {
          const batch = slot.batch
          const loop = Effect.whileLoop({
            while: () => slot.done < batch.length,
            body: () => handle(batch[slot.done] as A),
            step: () => {
              slot.done++
              processed++
              if (closed) drained++
            }
          })
          // No per-message wrapper on the success path: on a failure, note it and resume the
          // loop from the next message.
          // As above: an interruption that reaches this handler is the message handler's own.
          const attempt: Effect.Effect<void, never, R> = Effect.catchCause(loop, (cause) => {
            pendingFailures.push([batch[slot.done] as A, cause])
            slot.done++
            if (closed) drained++
            return attempt
          })
          // Also when the drain budget interrupts the batch: failures already seen still count.
          return Effect.ensuring(
            attempt,
            Effect.suspend(flushFailures)
          )
        })(options.handle)

    const pendingFailures: Array<readonly [A, Cause.Cause<unknown>]> = []
    const flushFailures = (): Effect.Effect<void> => {
      if (pendingFailures.length === 0) return Effect.void
      const [message, cause] = pendingFailures[0]!
      const count = pendingFailures.length
      pendingFailures.length = 0
      return reportFailure(count, describe(message), cause)
    }

    const take = Effect.suspend(() => {
      processorIdle = Queue.sizeUnsafe(queue) === 0
      return Queue.takeBetween(queue, 1, maxBatch)
    })
    /** The rest of a message `offerSync` handled: that message succeeds or fails with it. */
    const runRest = (rest: Rest<A, R>): Effect.Effect<void, never, R> =>
      Effect.flatMap(Effect.exit(rest.effect), (exit) => {
        if (closed) drained++
        if (Exit.isSuccess(exit)) {
          finish(1)
          return Effect.void
        }
        return reportFailure(1, describe(rest.message), exit.cause)
      })

    /** A batch with rests in it: its runs of plain messages and its rests, in order. */
    const runMixed = (slot: { batch: ReadonlyArray<A | Rest<A, R>>; done: number }): Effect.Effect<void, never, R> =>
      Effect.suspend(() => {
        const batch = slot.batch
        if (slot.done >= batch.length) return Effect.void
        const first = batch[slot.done]!
        if (first instanceof Rest) {
          return Effect.andThen(runRest(first), Effect.suspend(() => {
            slot.done++
            return runMixed(slot)
          }))
        }
        let end = slot.done + 1
        while (end < batch.length && !(batch[end] instanceof Rest)) end++
        const part = { batch: batch.slice(slot.done, end) as ReadonlyArray<A>, done: 0 }
        return Effect.andThen(runBatch(part), Effect.suspend(() => {
          slot.done = end
          return runMixed(slot)
        }))
      })

    const hasRest = (batch: ReadonlyArray<A | Rest<A, R>>): boolean => {
      if (handleSync === undefined) return false
      for (let i = 0; i < batch.length; i++) if (batch[i] instanceof Rest) return true
      return false
    }

    const processor = (id: number): Effect.Effect<void, never, R> => {
      const run = (batch: ReadonlyArray<A | Rest<A, R>>) => {
        taken += batch.length
        metrics.depth(Queue.sizeUnsafe(queue))
        const slot = { batch, done: 0 }
        inFlight.set(id, slot)
        const startedAt = performance.now()
        const handled = hasRest(batch) ? runMixed(slot) : runBatch(slot as { batch: ReadonlyArray<A>; done: number })
        return Effect.map(handled, () => {
          inFlight.delete(id)
          metrics.handlerMs(performance.now() - startedAt)
        })
      }
      const step = Effect.flatMap(take, (batch) => {
        processorIdle = false
        // A handed-off batch came first: its handler finishes before this one starts.
        return handingOff ? Effect.andThen(handoffDone.await, run(batch)) : run(batch)
      })
      // Ends when the queue has ended and is empty (takeBetween fails with Done).
      return Effect.forever(step).pipe(Effect.catch(() => Effect.void))
    }

    const processors: Array<Fiber.Fiber<void>> = []
    for (let id = 0; id < concurrency; id++) {
      processors.push(
        yield* Effect.forkScoped(processor(id).pipe(Effect.provideService(Scheduler.Scheduler, eagerScheduler)))
      )
    }

    // --- close: stop accepting, drain within budget, report --------------------------------

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        closed = true
        yield* Queue.end(queue)
        const finished = yield* Effect.andThen(handoffDone.await, Fiber.awaitAll(processors)).pipe(
          Effect.timeoutOption(drainBudget)
        )
        if (finished._tag === "None") {
          cleared = Queue.sizeUnsafe(queue)
          let unfinished = cleared
          for (const slot of inFlight.values()) unfinished += slot.batch.length - slot.done
          abandoned = unfinished
          yield* Fiber.interruptAll(processors)
          yield* Queue.shutdown(queue)
        }
        metrics.depth(0)
        processedSeries.close()
        if (abandoned > 0) metrics.abandoned(abandoned)
        const summary = { component: name, drained, dropped, abandoned, failed, refused }
        const log = abandoned > 0
          ? Effect.logWarning(`drain summary: drain budget of ${Duration.format(drainBudget)} ran out`)
          : Effect.logInfo("drain summary")
        yield* Effect.annotateLogs(log, summary)
      })
    )

    const stats = Effect.sync((): QueueStats => ({
      depth: Queue.sizeUnsafe(queue),
      accepted: taken + Queue.sizeUnsafe(queue) + cleared + (overflow === "sliding" ? dropped : 0),
      processed,
      failed,
      dropped,
      refused,
      drained,
      abandoned,
      closed
    }))

    return { name, offer, offerAll, offerSync, stats }
  })

/**
 * A layer providing a queue under the caller's own service key (an app has one per side), e.g.
 * `class PublicQueue extends Context.Service<PublicQueue, MessageQueue<Frame>>()("app/PublicQueue") {}`.
 */
export const layer = <I, A, R = never>(
  tag: Context.Key<I, MessageQueue<A>>,
  options: Options<A, R>
): Layer.Layer<I, never, R> => Layer.effect(tag, make(options))

/** Metric definitions, for dashboards and tests. */
export const metrics = QueueMetrics
