/**
 * Typed topics with latest-value replay and scoped subscriber streams. It replaces the old Rx
 * subjects whose subscriptions were never disposed: `subscribe(topic)` is a Stream whose
 * subscription lives exactly as long as the stream runs (the caller's scope), and closing the
 * hub's scope completes every subscriber stream (no hang, no failure).
 *
 * - Topics are created on first use, keyed by `topic.key`; the first use fixes their options.
 * - A late subscriber first gets the topic's `replay` latest values (like a BehaviorSubject for
 *   `replay: 1`), atomically with its registration: no gap, no duplicate. In a hub with upstream
 *   hooks, only values published while the topic had subscribers are replayed: after everyone
 *   left, the upstream stopped and what it left behind would be stale.
 * - Per topic, a reference count with hooks for the first subscriber arriving and the last one
 *   leaving, so an exchange can subscribe and unsubscribe upstream channels on demand.
 * - Slow subscribers: on a `"sliding"` topic each subscriber has its own buffer that keeps the
 *   newest values (drops counted per subscriber); the publisher never waits, so one slow
 *   subscriber cannot stall the others. On a `"fail"` topic (`Topic.lossless`) nothing is dropped
 *   silently and the publisher never waits either: a subscriber whose own buffer is full is dropped,
 *   its stream failing with `SubscriberOverflow`. On a `"backpressure"` topic nothing is dropped
 *   and the publisher waits for room.
 * - Batches stay batches: `publishAll` appends a batch to each subscriber's buffer in one step
 *   (one append per subscriber, not per value), and a subscriber's stream emits what is buffered
 *   as one chunk. On hot topics consume chunks (`Stream.runForEachArray`): `Stream.runForEach`
 *   runs one effect per value, which costs more than the whole hub (see `npm run bench -- hub`).
 *
 * @since 0.1.0
 */
import { Cause, Context, Effect, Layer, Metric, Option, Semaphore, Stream } from "effect"
import type { Duration, Scope } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import { Lifecycle } from "../lifecycle/index.ts"
import { HubClosed, HubError, SubscriberOverflow, UpstreamSubscribeFailed } from "./HubError.ts"
import * as HubMetrics from "./HubMetrics.ts"
import * as CountedSeries from "../internal/CountedSeries.ts"
import { Mailbox } from "./Mailbox.ts"
import * as EagerScheduler from "../queue/internal/EagerScheduler.ts"
import type { Topic } from "./Topic.ts"

/** Options for {@link make}. */
export interface Options {
  /** Component name, in logs and metric attributes (e.g. `"hub:public"`). */
  readonly name: string
  /**
   * Runs when a topic gets its first subscriber (e.g. subscribe the upstream channel). The
   * subscriber is registered before it runs, so nothing published meanwhile is missed. If it
   * fails, that subscription fails with `UpstreamSubscribeFailed`.
   */
  readonly onFirstSubscriber?: ((key: string) => Effect.Effect<unknown, unknown>) | undefined
  /**
   * Runs when the last subscriber of a topic leaves (e.g. unsubscribe upstream). Failures are
   * logged. Not run once the hub is closing: its upstream is going away anyway.
   */
  readonly onLastUnsubscribed?: ((key: string) => Effect.Effect<unknown, unknown>) | undefined
  /** Lifecycle stop budget. Default 1 s (closing only signals subscribers). */
  readonly stopBudget?: Duration.Input | undefined
}

/** Options for one subscription. */
export interface SubscribeOptions {
  /** Shown in stats and as the `subscriber` attribute of the drop counter. Default `"anonymous"`. */
  readonly name?: string | undefined
}

/** One subscriber, as seen by {@link StreamHub.stats}. */
export interface SubscriberStats {
  readonly name: string
  /** Values waiting in its buffer. */
  readonly buffered: number
  /** Values it lost to the sliding policy. */
  readonly dropped: number
}

/** One topic, as seen by {@link StreamHub.stats}. */
export interface TopicStats {
  readonly key: string
  readonly published: number
  readonly subscribers: ReadonlyArray<SubscriberStats>
}

/** A snapshot of the hub. */
export interface HubStats {
  readonly closed: boolean
  readonly topics: ReadonlyArray<TopicStats>
}

/** A running hub. */
export interface StreamHubShape {
  readonly name: string
  /** Publishes one value. */
  readonly publish: <A>(topic: Topic<A>, value: A) => Effect.Effect<void, HubError>
  /**
   * Publishes a batch in one step. On a sliding topic it never waits; on a backpressure topic it
   * completes once every current subscriber has accepted the batch.
   */
  readonly publishAll: <A>(topic: Topic<A>, values: ReadonlyArray<A>) => Effect.Effect<void, HubError>
  /**
   * {@link publishAll} done right away, outside any fiber (a router publishing from a socket's
   * event): the batch is in every subscriber's buffer when it returns `undefined`. What cannot be
   * done now comes back as an effect to run before anything else is published on the topic: the
   * wait for room in full backpressure buffers (the batch is handed to those subscribers once it
   * completes), or the `HubClosed` failure of a closed hub. Never throws.
   */
  readonly publishAllUnsafe: <A>(topic: Topic<A>, values: ReadonlyArray<A>) => Effect.Effect<void, HubError> | undefined
  /**
   * The topic's values as a Stream: first the replayed latest values, then live ones. The
   * subscription lives while the stream runs; it completes when the hub closes. Fails with
   * `HubClosed` if the hub is already closed.
   */
  readonly subscribe: <A>(topic: Topic<A>, options?: SubscribeOptions) => Stream.Stream<A, HubError>
  /**
   * {@link subscribe}, with `f` applied to each chunk the subscriber takes (everything buffered
   * at once, never empty), in the stream's own pull: one stage instead of a `Stream.mapArrayEffect`
   * after it, which matters when every value wakes the subscriber. `f` may drop values (a
   * latest-only reader) but must return a non-empty chunk, or fail to end the stream.
   */
  readonly subscribeWith: <A, B, E>(
    topic: Topic<A>,
    f: (chunk: NonEmptyReadonlyArray<A>) => Effect.Effect<NonEmptyReadonlyArray<B>, E>,
    options?: SubscribeOptions
  ) => Stream.Stream<B, HubError | E>
  /** The most recent value published to the topic, if it replays one. */
  readonly latest: <A>(topic: Topic<A>) => Effect.Effect<Option.Option<A>>
  /** A snapshot of topics, subscribers, publish and drop counts. */
  readonly stats: Effect.Effect<HubStats>
}

/** The hub service (one per side of an app; use {@link make} with your own key for a second). */
export class StreamHub extends Context.Service<StreamHub, StreamHubShape>()("scoped-exchange/hub/StreamHub") {}

interface Subscriber {
  readonly name: string
  /** Whether it holds one of its topic's references (so leaving must release it). */
  counted: boolean
  readonly mailbox: Mailbox<unknown>
  readonly droppedMetric: Metric.Metric<number, unknown>
}

interface TopicState {
  readonly topic: Topic<unknown>
  readonly subscribers: Set<Subscriber>
  /** The newest `topic.replay` values, oldest first. */
  readonly replay: Array<unknown>
  /** Subscriptions counted for the hooks (set up or running). */
  refCount: number
  published: number
  /** Serializes hook transitions (first in / last out) of this topic. */
  readonly hooks: Semaphore.Semaphore
  readonly subscribersMetric: Metric.Metric<number, unknown>
  /** Reads `published` for the metric (see `internal/CountedSeries.ts`). */
  publishedSeries: CountedSeries.Reader | undefined
}

/** Starts a hub in the caller's scope, as a lifecycle component named `options.name`. */
export const make = (options: Options): Effect.Effect<StreamHubShape, never, Scope.Scope> =>
  makeUnmanaged(options).pipe(Lifecycle.scoped({ name: options.name, stopBudget: options.stopBudget ?? "1 second" }))

const makeUnmanaged = (options: Options): Effect.Effect<StreamHubShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const hubName = options.name
    const context = yield* Effect.context<never>()
    const topics = new Map<string, TopicState>()
    let closed = false
    const upstreamHooks = options.onFirstSubscriber !== undefined || options.onLastUnsubscribed !== undefined
    // Subscribers woken by one publish are resumed together, on a microtask once the publisher
    // has returned (not on the next turn of the event loop): see `queue/internal/EagerScheduler.ts`.
    const wakeups = EagerScheduler.makeDispatcher()

    const closedError = (key: string) => new HubError({ hub: hubName, reason: new HubClosed({ topic: key }) })

    const stateOf = (topic: Topic<unknown>): TopicState => {
      let state = topics.get(topic.key)
      if (state === undefined) {
        const series = HubMetrics.forTopic(hubName, topic.key)
        state = {
          topic,
          subscribers: new Set(),
          replay: [],
          refCount: 0,
          published: 0,
          hooks: Semaphore.makeUnsafe(1),
          subscribersMetric: series.subscribers,
          publishedSeries: undefined
        }
        const created = state
        // A topic first named after close (a late subscribe, which fails) is never published to.
        if (!closed) created.publishedSeries = CountedSeries.counter(HubMetrics.published, { hub: hubName, topic: topic.key }, context, () => created.published)
        topics.set(topic.key, state)
      }
      return state
    }

    // --- publishing (hot path: plain loops, one metric update per batch) ---------------------

    /** Appends to every buffer; returns the (backpressure) subscribers that must be waited for. */
    const deliver = (state: TopicState, values: ReadonlyArray<unknown>): Array<Subscriber> => {
      const n = values.length
      state.published += n
      const keep = state.topic.replay
      if (keep > 0) {
        const replay = state.replay
        if (n >= keep) {
          replay.length = 0
          for (let i = n - keep; i < n; i++) replay.push(values[i])
        } else {
          for (let i = 0; i < n; i++) replay.push(values[i])
          if (replay.length > keep) replay.splice(0, replay.length - keep)
        }
      }
      let waits: Array<Subscriber> | undefined
      for (const subscriber of state.subscribers) {
        const dropped = subscriber.mailbox.offer(values)
        if (dropped > 0) subscriber.droppedMetric.updateUnsafe(dropped, context)
        else if (dropped < 0) (waits ??= []).push(subscriber)
      }
      return waits ?? noWaits
    }
    const noWaits: Array<Subscriber> = []

    /** Waits for room in each full backpressure mailbox, then hands it the batch. */
    const offerWhenRoom = (subscriber: Subscriber, values: ReadonlyArray<unknown>): Effect.Effect<void> =>
      Effect.flatMap(subscriber.mailbox.awaitSpace, () =>
        subscriber.mailbox.offer(values) < 0 ? offerWhenRoom(subscriber, values) : Effect.void)

    const publishAllUnsafe = <A>(topic: Topic<A>, values: ReadonlyArray<A>): Effect.Effect<void, HubError> | undefined => {
      if (closed) return Effect.fail(closedError(topic.key))
      if (values.length === 0) return undefined
      // One copy per batch (subscribers share it, read-only), so the caller may reuse its array.
      const batch = values.slice()
      const waits = deliver(stateOf(topic as Topic<unknown>), batch)
      if (waits.length === 0) return undefined
      // A subscriber that leaves meanwhile shuts its mailbox down, which releases the wait.
      return Effect.forEach(waits, (subscriber) => offerWhenRoom(subscriber, batch), { discard: true })
    }

    const publishAll = <A>(topic: Topic<A>, values: ReadonlyArray<A>): Effect.Effect<void, HubError> =>
      Effect.suspend(() => publishAllUnsafe(topic, values) ?? Effect.void)

    const publish = <A>(topic: Topic<A>, value: A): Effect.Effect<void, HubError> => publishAll(topic, [value])

    // --- subscribing ---------------------------------------------------------------------------

    const runHook = (
      hook: ((key: string) => Effect.Effect<unknown, unknown>) | undefined,
      key: string
    ): Effect.Effect<void, unknown> => (hook === undefined ? Effect.void : Effect.asVoid(Effect.suspend(() => hook(key))))

    const leave = (state: TopicState, subscriber: Subscriber): Effect.Effect<void> =>
      Effect.suspend(() => {
        state.subscribers.delete(subscriber)
        state.subscribersMetric.updateUnsafe(state.subscribers.size, context)
        // Releases a publisher waiting on this subscriber's buffer.
        subscriber.mailbox.shutdown()
        if (!subscriber.counted) return Effect.void
        return Semaphore.withPermits(state.hooks, 1)(Effect.suspend(() => {
          subscriber.counted = false
          state.refCount--
          if (state.refCount > 0 || closed) return Effect.void
          return runHook(options.onLastUnsubscribed, state.topic.key).pipe(
            Effect.catchCause((cause) =>
              Effect.logWarning("last-unsubscribed hook failed", Cause.pretty(cause)).pipe(
                Effect.annotateLogs({ component: hubName, topic: state.topic.key })
              )
            )
          )
        }))
      })

    const join = (
      state: TopicState,
      subscriber: Subscriber
    ): Effect.Effect<void, HubError> =>
      Semaphore.withPermits(state.hooks, 1)(Effect.suspend(() => {
        state.refCount++
        subscriber.counted = true
        // Closed while this subscription waited for the topic's hooks: its stream just completes;
        // the upstream is going away (the same reason `leave` skips its hook).
        if (state.refCount > 1 || closed) return Effect.void
        return runHook(options.onFirstSubscriber, state.topic.key).pipe(
          Effect.catchCause((cause) => {
            // Not subscribed upstream: give the reference back (the stream's release then only
            // unregisters it), so the next subscriber runs the hook again.
            state.refCount--
            subscriber.counted = false
            return Effect.fail(
              new HubError({
                hub: hubName,
                reason: new UpstreamSubscribeFailed({ topic: state.topic.key, cause: Cause.squash(cause) })
              })
            )
          })
        )
      }))

    const subscribe = <A>(topic: Topic<A>, subscribeOptions?: SubscribeOptions): Stream.Stream<A, HubError> =>
      subscribeWith(topic, undefined, subscribeOptions)

    function subscribeWith<A, B, E>(
      topic: Topic<A>,
      f: ((chunk: NonEmptyReadonlyArray<A>) => Effect.Effect<NonEmptyReadonlyArray<B>, E>) | undefined,
      subscribeOptions?: SubscribeOptions
    ): Stream.Stream<B, HubError | E> {
      return Stream.unwrap(
        Effect.gen(function*() {
          const state = stateOf(topic as Topic<unknown>)
          const mailbox = new Mailbox<unknown>(state.topic.capacity, state.topic.strategy, wakeups)
          const name = subscribeOptions?.name ?? "anonymous"
          const subscriber: Subscriber = {
            name,
            counted: false,
            mailbox,
            droppedMetric: HubMetrics.forSubscriber(hubName, topic.key, name)
          }
          // Registration and replay in one synchronous step: no value can slip in between.
          const registered = yield* Effect.acquireRelease(
            Effect.sync(() => {
              if (closed) return false
              // With upstream hooks a topic nobody holds is not fed: its replay is left over from
              // an earlier subscription (or in flight after it ended), however old. Not replayed.
              if (state.subscribers.size === 0 && upstreamHooks) state.replay.length = 0
              if (state.replay.length > 0) mailbox.offer(state.replay.slice())
              state.subscribers.add(subscriber)
              state.subscribersMetric.updateUnsafe(state.subscribers.size, context)
              return true
            }),
            (registered) => (registered ? leave(state, subscriber) : Effect.void)
          )
          if (!registered) return yield* Effect.fail(closedError(topic.key))
          yield* join(state, subscriber)
          // A "fail" buffer that overflowed ends its pull like a completed one: told apart here.
          const overflow = new HubError({
            hub: hubName,
            reason: new SubscriberOverflow({ topic: topic.key, subscriber: name, capacity: state.topic.capacity })
          })
          // `f` runs in the mailbox's own pull: one stage, one effect fewer per wake-up.
          const taken = (f === undefined ? mailbox.pull : mailbox.pullWith(f as (chunk: NonEmptyReadonlyArray<unknown>) => Effect.Effect<NonEmptyReadonlyArray<B>, E>)) as Effect.Effect<NonEmptyReadonlyArray<B>, E | Cause.Done>
          const pull: Effect.Effect<NonEmptyReadonlyArray<B>, E | HubError | Cause.Done> = state.topic.strategy !== "fail"
            ? taken
            : Effect.catch(taken, (error): Effect.Effect<never, E | Cause.Done | HubError> =>
              Cause.isDone(error) && mailbox.overflowed ? Effect.fail(overflow) : Effect.fail(error))
          return Stream.fromPull(Effect.succeed(pull))
        })
      )
    }

    const latest = <A>(topic: Topic<A>): Effect.Effect<Option.Option<A>> =>
      Effect.sync(() => {
        const replay = topics.get(topic.key)?.replay
        return replay !== undefined && replay.length > 0
          ? Option.some(replay[replay.length - 1] as A)
          : Option.none()
      })

    const stats = Effect.sync((): HubStats => ({
      closed,
      topics: Array.from(topics.values(), (state) => ({
        key: state.topic.key,
        published: state.published,
        subscribers: Array.from(state.subscribers, (s) => ({
          name: s.name,
          buffered: s.mailbox.size,
          dropped: s.mailbox.dropped
        }))
      }))
    }))

    // --- close: complete every subscriber ------------------------------------------------------

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        let completed = 0
        for (const state of topics.values()) {
          state.publishedSeries?.close()
          for (const subscriber of state.subscribers) {
            // Ends the stream once the subscriber has taken what is already in its buffer.
            subscriber.mailbox.end()
            completed++
          }
        }
        return Effect.logInfo("hub closed").pipe(
          Effect.annotateLogs({ component: hubName, topics: topics.size, subscribers_completed: completed })
        )
      })
    )

    return { name: hubName, publish, publishAll, publishAllUnsafe, subscribe, subscribeWith, latest, stats }
  })

/** A layer providing the {@link StreamHub} service. */
export const layer = (options: Options): Layer.Layer<StreamHub> => Layer.effect(StreamHub, make(options))
