/**
 * Per-venue request quotas. It replaces the old rate-limiter sleeps and semaphores that outlived
 * everything: a wait is the caller's own interruptible sleep, nothing is consumed until the
 * request is granted, and closing the limiter fails whoever still waits.
 *
 * - Quotas are named (`"ip"`, `"account"`), each a limit per window. A request names its key(s)
 *   and weight: `take({ keys: ["ip", "account:42"], weight: 1 })`. A key is a quota name,
 *   optionally with a `:suffix` for a sub-key sharing that quota's settings (one per account, one
 *   per endpoint). A request with several keys is granted on all of them at once, or waits.
 * - Waiters are served in arrival order (per key), and interrupting one leaves nothing behind: its
 *   sleep is its own fiber's, and no slot was consumed for it.
 * - Adaptive: after an HTTP 429 or 418 with `Retry-After`, {@link RateLimiterShape.pause} holds the
 *   quota for every caller for that long, and (sliding-window quotas) the quota nearest to its
 *   limit among the request's shrinks to what the venue accepted in that window, then recovers by {@link recoveryShare} of its limit (or a
 *   quarter of the current limit, if more) every
 *   {@link recoveryWindows} windows without a refusal, counted from the end of the pause: the
 *   burst that was refused is never sent again, and a venue whose real limit is below ours is
 *   probed once per recovery step (one refused request, then the quota shrinks again), not
 *   hammered every window until it bans the IP (issue 16, item 4).
 * - Algorithms: `"sliding-window"` (default, this module's: never more than the limit in any
 *   window, which is what keeps an exchange from answering 429), or Effect's
 *   `effect/persistence/RateLimiter` `"fixed-window"` / `"token-bucket"`, with whatever
 *   `RateLimiterStore` the context provides (e.g. Redis, to share a quota across processes) or
 *   its memory store.
 *
 * ```ts
 * // A venue's quotas (a real venue's, with their source: `venues/<venue>/Quotas.ts`): here 500
 * // per 10 s per endpoint, counted per IP and per account independently, 20 requests/s overall
 * // and 12 orders/s.
 * const limiter = yield* RateLimiter.make({
 *   name: "ratelimit:example",
 *   quotas: {
 *     ip: { limit: 500, window: "10 seconds" }, // keys "ip:<path>"
 *     uid: { limit: 500, window: "10 seconds" }, // keys "uid:<account>:<path>"
 *     overall: { limit: 20, window: "1 second" },
 *     orders: { limit: 12, window: "1 second" }
 *   }
 * })
 * yield* limiter.take({ keys: ["overall", "ip:/depth"], weight: 1 })
 * // after a response: limiter.onResponse({ keys, status, retryAfter: headers["retry-after"] })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Deferred, Duration, Effect, Layer, Metric, Option } from "effect"
import type { Clock, Scope } from "effect"
import { RateLimiter as EffectRateLimiter } from "effect/persistence"
import { Lifecycle } from "../lifecycle/index.ts"
import * as Counter from "./Counter.ts"
import { LimiterClosed, RateLimitError, UnknownQuota, WeightExceedsLimit } from "./RateLimitError.ts"
import type { RateLimitErrorReason } from "./RateLimitError.ts"
import * as RateLimitMetrics from "./RateLimitMetrics.ts"
import { monotonicMs } from "../internal/monotonic.ts"

/** One quota: at most `limit` weight per `window`. */
export interface Quota {
  readonly limit: number
  readonly window: Duration.Input
  /** Default `"sliding-window"`. */
  readonly algorithm?: "sliding-window" | "fixed-window" | "token-bucket" | undefined
}

/** Options for {@link make}. */
export interface Options {
  /** Component name, in logs and metric attributes (e.g. `"ratelimit:<venue>"`). */
  readonly name: string
  /** The venue's quotas by name. */
  readonly quotas: Readonly<Record<string, Quota>>
}

/** What a request asks for. */
export interface TakeOptions {
  /** Quota keys this request counts against (`"ip"`, `"account:42"`). */
  readonly keys: ReadonlyArray<string>
  /** Default 1. A finite number >= 0 (anything else is a defect). */
  readonly weight?: number | undefined
  /**
   * Queued ahead of every waiter without priority (behind earlier ones with it): for requests
   * that must not wait behind a backlog of others, e.g. placing and cancelling orders behind a
   * burst of market-data snapshots. It changes only the order of waiters, never the quota.
   */
  readonly priority?: boolean | undefined
}

/** One key, as seen by {@link RateLimiterShape.stats}. */
export interface KeyStats {
  readonly key: string
  /** Requests queued on this key, including the one at the head. */
  readonly waiting: number
  /** Milliseconds the key stays paused by a Retry-After (0 if not paused). */
  readonly pausedForMs: number
  /** Weight used in the current window (sliding-window quotas; `undefined` otherwise). */
  readonly used: number | undefined
  /** The weight allowed per window now: below the quota's while it recovers from a 429. */
  readonly limit: number
}

/** A snapshot of the limiter. */
export interface RateLimiterStats {
  readonly closed: boolean
  readonly keys: ReadonlyArray<KeyStats>
}

/** A running limiter. */
export interface RateLimiterShape {
  readonly name: string
  /** Waits until the request fits every named quota, then counts it. Interruptible. */
  readonly take: (options: TakeOptions) => Effect.Effect<void, RateLimitError>
  /**
   * `take` without waiting: `true` when the request was granted at once (counted, exactly as
   * `take` counts it), `false` when it would have to wait (nothing taken, nobody queued). Fails
   * as `take` does for an unknown key, a weight over the limit, or a closed limiter. A caller
   * that puts a deadline on waiting can then pay for the deadline only when it waits.
   */
  readonly tryTake: (options: TakeOptions) => Effect.Effect<boolean, RateLimitError>
  /**
   * {@link tryTake} as a plain call, for hot paths that already hold the fiber's `Clock`: `true`
   * granted (counted), `false` it would have to wait (nothing taken), or the `RateLimitError`
   * that `tryTake` fails with. Throws the defect `tryTake` dies with (a weight that is not a
   * finite number >= 0).
   */
  readonly tryTakeUnsafe: (options: TakeOptions, clock: Clock.Clock) => boolean | RateLimitError
  /** `take` then `effect`. */
  readonly withLimit: (
    options: TakeOptions
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | RateLimitError, R>
  /** Holds the keys' quotas for `retryAfter` for every caller (after a 429 / 418). Counted. */
  readonly pause: (keys: string | ReadonlyArray<string>, retryAfter: Duration.Input) => Effect.Effect<void, RateLimitError>
  /**
   * Feeds a response back: on 429 or 418, pauses the keys for its `Retry-After` (seconds or an
   * HTTP date; when absent, for the longest window among the keys), and shrinks each key's
   * sliding-window quota to the weight granted in its window before the refused request
   * (`weight`, default 1), recovering slowly after the pause (see the module doc). Other statuses
   * do nothing.
   */
  readonly onResponse: (options: {
    readonly keys: ReadonlyArray<string>
    readonly status: number
    readonly retryAfter?: string | null | undefined
    readonly weight?: number | undefined
  }) => Effect.Effect<void, RateLimitError>
  readonly stats: Effect.Effect<RateLimiterStats>
}

/** The limiter service: one per venue, shared by its public and private sides. */
export class RateLimiter extends Context.Service<RateLimiter, RateLimiterShape>()("scoped-exchange/ratelimit/RateLimiter") {}

/**
 * Parses a `Retry-After` header: delta seconds or an HTTP date (relative to `nowMs`).
 * `None` when absent or unparseable.
 */
export const parseRetryAfter = (value: string | null | undefined, nowMs: number): Option.Option<Duration.Duration> => {
  if (value === null || value === undefined) return Option.none()
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Option.some(Duration.seconds(Number(text)))
  const date = Date.parse(text)
  return Number.isNaN(date) ? Option.none() : Option.some(Duration.millis(Math.max(0, date - nowMs)))
}

/** Share of a quota's limit regained per recovery step (at least 1, or a quarter of the current limit), after a 429 shrank it. */
export const recoveryShare = 0.05

/** Windows without a refusal per recovery step (10 s for a 1 s quota, 100 s for a 10 s one). */
export const recoveryWindows = 10

/**
 * Now, in whole milliseconds of the monotonic clock: windows and pauses measure elapsed time, which
 * a wall clock stepped back (NTP, a resumed VM) would stretch by the size of the step.
 */
const nowMs = monotonicMs

interface KeyState {
  readonly key: string
  readonly quota: string
  readonly limit: number
  readonly windowMs: number
  readonly counter: Counter.Counter
  /** Waiting requests in arrival order (insertion-ordered). */
  readonly queue: Set<Waiter>
  pausedUntil: number
  /** After a 429: the limit it shrank to, and from when it recovers (the end of the pause). */
  shrunk: { readonly limit: number; readonly since: number } | undefined
  /** Weight refused (429/418) in the window starting at `since`: granted by us, not accepted by the venue. */
  refused: { readonly since: number; weight: number } | undefined
  readonly waits: Metric.Metric<number, unknown>
  readonly waitTime: Metric.Metric<number, unknown>
  readonly pauses: Metric.Metric<number, unknown>
  readonly granted: Metric.Metric<number, unknown>
}

interface Waiter {
  readonly keys: ReadonlyArray<KeyState>
  readonly priority: boolean
  wake: (() => void) | undefined
}

/** Adds `waiter` to `queue`: at the end, or (priority) behind the last waiter with priority. */
const enqueue = (queue: Set<Waiter>, waiter: Waiter): void => {
  if (!waiter.priority || queue.size === 0) {
    queue.add(waiter)
    return
  }
  const waiting = [...queue]
  let at = 0
  while (at < waiting.length && waiting[at]!.priority) at++
  if (at === waiting.length) {
    queue.add(waiter)
    return
  }
  queue.clear()
  for (let i = 0; i < waiting.length; i++) {
    if (i === at) queue.add(waiter)
    queue.add(waiting[i]!)
  }
}

/** Starts a limiter in the caller's scope, as a lifecycle component named `options.name`. */
export const make = (options: Options): Effect.Effect<RateLimiterShape, never, Scope.Scope> =>
  makeUnmanaged(options).pipe(Lifecycle.scoped({ name: options.name, stopBudget: "1 second" }))

const makeUnmanaged = (options: Options): Effect.Effect<RateLimiterShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const name = options.name
    const context = yield* Effect.context<never>()
    const providedStore = yield* Effect.serviceOption(EffectRateLimiter.RateLimiterStore)
    const needsStore = Object.values(options.quotas).some((q) => (q.algorithm ?? "sliding-window") !== "sliding-window")
    const store = Option.isSome(providedStore)
      ? providedStore.value
      : needsStore
      ? Context.get(yield* Layer.build(EffectRateLimiter.layerStoreMemory), EffectRateLimiter.RateLimiterStore)
      : undefined
    const closedSignal = yield* Deferred.make<void>()
    const keys = new Map<string, KeyState>()
    let closed = false

    const fail = (reason: RateLimitErrorReason) => new RateLimitError({ limiter: name, reason })

    const resolve = (key: string): KeyState | undefined => {
      const known = keys.get(key)
      if (known !== undefined) return known
      const colon = key.indexOf(":")
      const quotaName = key in options.quotas ? key : colon > 0 ? key.slice(0, colon) : key
      const quota = Object.hasOwn(options.quotas, quotaName) ? options.quotas[quotaName] : undefined
      if (quota === undefined) return undefined
      const series = RateLimitMetrics.forQuota(name, quotaName)
      const state: KeyState = {
        key,
        quota: quotaName,
        limit: quota.limit,
        windowMs: Math.max(1, Duration.toMillis(Duration.fromInputUnsafe(quota.window))),
        counter: Counter.make(quota, `${name}:${key}`, store),
        queue: new Set(),
        pausedUntil: 0,
        shrunk: undefined,
        refused: undefined,
        ...series
      }
      keys.set(key, state)
      return state
    }

    /** Key lists already resolved, by identity (a caller that reuses its lists skips the lookups). */
    const resolved = new WeakMap<ReadonlyArray<string>, Array<KeyState>>()

    const resolveAll = (names: ReadonlyArray<string>): Array<KeyState> | RateLimitError => {
      const known = resolved.get(names)
      if (known !== undefined) return known
      const states: Array<KeyState> = []
      for (const key of names) {
        const state = resolve(key)
        if (state === undefined) return fail(new UnknownQuota({ key }))
        if (!states.includes(state)) states.push(state)
      }
      // Key states are never removed, so a resolved list stays right; a frozen list cannot change.
      if (Object.isFrozen(names)) resolved.set(names, states)
      return states
    }

    // --- adapting to the venue ----------------------------------------------------------------

    /** Sets a shrunk quota's limit for `now`: what the venue accepted, plus what it has regained. */
    const adapt = (state: KeyState, now: number): void => {
      const shrunk = state.shrunk
      const log = state.counter.sliding
      if (shrunk === undefined || log === undefined) return
      const steps = Math.max(0, Math.floor((now - shrunk.since) / (state.windowMs * recoveryWindows)))
      let limit = shrunk.limit
      // Each step adds a share of the quota's limit, or a quarter of the current one when that is
      // more (a quota shrunk to 1 by a stray 429 is back within minutes, not hours).
      for (let step = 0; step < steps && limit < state.limit; step++) {
        limit += Math.max(1, Math.ceil(state.limit * recoveryShare), Math.ceil(limit / 4))
      }
      if (limit >= state.limit) {
        log.limit = state.limit
        state.shrunk = undefined
      } else log.limit = limit
    }

    /**
     * A 429/418 for a request of `weight`: the quota shrinks to what the venue accepted in this
     * window, what we granted less what it refused (requests in flight together are refused together).
     */
    const shrink = (state: KeyState, weight: number, now: number): void => {
      const log = state.counter.sliding
      if (log === undefined) return
      const refused = state.refused
      if (refused === undefined || now - refused.since >= state.windowMs) state.refused = { since: now, weight }
      else refused.weight += weight
      const accepted = Math.max(1, Math.min(log.limit, log.usedAt(now) - state.refused!.weight))
      const limit = state.shrunk === undefined ? accepted : Math.min(accepted, state.shrunk.limit)
      state.shrunk = { limit, since: Math.max(now, state.pausedUntil) }
      log.limit = limit
    }

    /**
     * The request's keys that were nearest to their limits (used / limit) when the venue refused
     * it: the quota the venue's limit binds. Only those shrink: a key with a longer window or more
     * room (the per-endpoint 500 per 10 s beside 20 per second overall) would otherwise be cut to
     * a few requests per window it has no part in.
     */
    const nearestToLimit = (states: ReadonlyArray<KeyState>, now: number): Array<KeyState> => {
      let best = -1
      let nearest: Array<KeyState> = []
      for (const state of states) {
        const log = state.counter.sliding
        if (log === undefined) continue
        const share = log.usedAt(now) / log.limit
        if (share > best) {
          best = share
          nearest = [state]
        } else if (share === best) nearest.push(state)
      }
      return nearest
    }

    // --- granting ------------------------------------------------------------------------------

    const isHead = (waiter: Waiter): boolean => {
      for (const state of waiter.keys) {
        if (state.queue.values().next().value !== waiter) return false
      }
      return true
    }

    const dequeue = (waiter: Waiter) => {
      for (const state of waiter.keys) state.queue.delete(waiter)
      for (const state of waiter.keys) {
        const next = state.queue.values().next().value
        if (next !== undefined && isHead(next)) next.wake?.()
      }
    }

    const pausedFor = (states: ReadonlyArray<KeyState>, now: number): number => {
      let ms = 0
      for (const state of states) ms = Math.max(ms, state.pausedUntil - now)
      return ms
    }

    const recordGrant = (states: ReadonlyArray<KeyState>, weight: number) => {
      for (const state of states) state.granted.updateUnsafe(weight, context)
    }

    /** The whole grant on every key, or nothing: check all, then take all (we head every queue). */
    const tryGrant = (states: ReadonlyArray<KeyState>, weight: number, now: number): Effect.Effect<number, RateLimitErrorReason> => {
      if (states.length === 1) return states[0]!.counter.tryTake(weight, now)
      return Effect.flatMap(
        Effect.forEach(states, (state) => state.counter.check(weight, now)),
        (waits) => {
          const wait = Math.max(...waits)
          if (wait > 0) return Effect.succeed(wait)
          return Effect.map(
            Effect.forEach(states, (state) => state.counter.tryTake(weight, now)),
            // Only a store shared with another process can refuse here; wait and try again.
            (taken) => Math.max(...taken)
          )
        }
      )
    }

    /** Sleeps `ms` (the caller's own fiber, interruptible) or until the limiter closes. */
    const sleepOrClose = (ms: number) => Effect.timeoutOption(Deferred.await(closedSignal), Duration.millis(ms))

    const awaitTurn = (waiter: Waiter) =>
      Effect.callback<void>((resume) => {
        if (closed || isHead(waiter)) return resume(Effect.void)
        waiter.wake = () => {
          waiter.wake = undefined
          // Resume through a yield: a grant wakes the next waiter from inside its own
          // finalizer, and a synchronous chain of thousands of grants would blow the stack.
          resume(Effect.yieldNow)
        }
        return Effect.sync(() => {
          waiter.wake = undefined
        })
      })

    const slowPath = (states: ReadonlyArray<KeyState>, weight: number, clock: Clock.Clock, waiter: Waiter) =>
      Effect.gen(function*() {
        const startedAt = nowMs(clock)
        let waited = false
        for (;;) {
          if (closed) return yield* Effect.fail(new LimiterClosed())
          if (!isHead(waiter)) {
            waited = true
            yield* awaitTurn(waiter)
            continue
          }
          const now = nowMs(clock)
          for (const state of states) adapt(state, now)
          const paused = pausedFor(states, now)
          if (paused > 0) {
            waited = true
            yield* sleepOrClose(paused)
            continue
          }
          const wait = yield* Effect.uninterruptible(tryGrant(states, weight, now))
          if (wait === 0) break
          waited = true
          yield* sleepOrClose(wait)
        }
        recordGrant(states, weight)
        if (waited) {
          const waitedMs = nowMs(clock) - startedAt
          for (const state of states) {
            state.waits.updateUnsafe(1, context)
            state.waitTime.updateUnsafe(waitedMs, context)
          }
        }
      })

    /**
     * Checks a request and grants it synchronously when it can: in-memory quotas, nobody queued,
     * not paused, and it fits every key. `true`: granted and counted; the key states: it must
     * wait (nothing taken); a `RateLimitError` or a defect for what `take` refuses at once.
     */
    const grantNow = (
      request: TakeOptions,
      clock: Clock.Clock
    ): true | ReadonlyArray<KeyState> | RateLimitError | RangeError => {
      const weight = request.weight ?? 1
      // A caller's bug, not a quota condition: a negative weight would hand out extra quota,
      // NaN would wait forever.
      if (!(Number.isFinite(weight) && weight >= 0)) {
        return new RangeError(`${name}: weight must be a finite number >= 0 (got ${weight})`)
      }
      const states = resolveAll(request.keys)
      if (states instanceof RateLimitError) return states
      for (const state of states) {
        if (weight > state.limit) return fail(new WeightExceedsLimit({ key: state.key, weight, limit: state.limit }))
      }
      if (closed) return fail(new LimiterClosed())
      const now = nowMs(clock)
      for (const state of states) {
        if (state.shrunk !== undefined) adapt(state, now)
        const log = state.counter.sliding
        if (log === undefined || state.queue.size > 0 || state.pausedUntil > now || log.waitFor(weight, now) > 0) return states
      }
      for (const state of states) state.counter.sliding!.add(weight, now)
      recordGrant(states, weight)
      return true
    }

    const take = (request: TakeOptions): Effect.Effect<void, RateLimitError> =>
      Effect.clockWith((clock) => {
        const granted = grantNow(request, clock)
        if (granted === true) return Effect.void
        if (granted instanceof RangeError) return Effect.die(granted)
        if (granted instanceof RateLimitError) return Effect.fail(granted)
        const states = granted
        const weight = request.weight ?? 1
        const waiter: Waiter = { keys: states, priority: request.priority === true, wake: undefined }
        // Queued and dequeued under one mask: an interruption can never leave a stale entry
        // holding up the queue.
        return Effect.uninterruptibleMask((restore) => {
          for (const state of states) enqueue(state.queue, waiter)
          return Effect.ensuring(
            Effect.mapError(restore(slowPath(states, weight, clock, waiter)), fail),
            Effect.sync(() => dequeue(waiter))
          )
        })
      })

    const tryTake = (request: TakeOptions): Effect.Effect<boolean, RateLimitError> =>
      Effect.clockWith((clock) => {
        const granted = grantNow(request, clock)
        if (granted === true) return Effect.succeed(true)
        if (granted instanceof RangeError) return Effect.die(granted)
        if (granted instanceof RateLimitError) return Effect.fail(granted)
        return Effect.succeed(false)
      })

    const tryTakeUnsafe = (request: TakeOptions, clock: Clock.Clock): boolean | RateLimitError => {
      const granted = grantNow(request, clock)
      if (granted === true) return true
      if (granted instanceof RangeError) throw granted
      if (granted instanceof RateLimitError) return granted
      return false
    }

    const withLimit = (request: TakeOptions) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.andThen(take(request), effect)

    const pause = (names: string | ReadonlyArray<string>, retryAfter: Duration.Input): Effect.Effect<void, RateLimitError> =>
      Effect.clockWith((clock) => {
        const states = resolveAll(typeof names === "string" ? [names] : names)
        if (states instanceof RateLimitError) return Effect.fail(states)
        const ms = Duration.toMillis(Duration.fromInputUnsafe(retryAfter))
        const until = nowMs(clock) + ms
        for (const state of states) {
          state.pausedUntil = Math.max(state.pausedUntil, until)
          state.pauses.updateUnsafe(1, context)
        }
        return Effect.logWarning("quota paused by the venue").pipe(
          Effect.annotateLogs({ component: name, keys: states.map((s) => s.key).join(","), retry_after_ms: ms })
        )
      })

    const onResponse = (response: {
      readonly keys: ReadonlyArray<string>
      readonly status: number
      readonly retryAfter?: string | null | undefined
      readonly weight?: number | undefined
    }): Effect.Effect<void, RateLimitError> =>
      Effect.clockWith((clock) => {
        if (response.status !== 429 && response.status !== 418) return Effect.void
        const states = resolveAll(response.keys)
        if (states instanceof RateLimitError) return Effect.fail(states)
        const fallback = Duration.millis(Math.max(...states.map((s) => s.windowMs)))
        const retryAfter = Option.getOrElse(
          parseRetryAfter(response.retryAfter, clock.currentTimeMillisUnsafe()), // an HTTP date: wall time
          () => fallback
        )
        return Effect.andThen(
          pause(response.keys, retryAfter),
          Effect.sync(() => {
            const now = nowMs(clock)
            for (const state of nearestToLimit(states, now)) shrink(state, response.weight ?? 1, now)
          })
        )
      })

    const stats = Effect.clockWith((clock) =>
      Effect.sync((): RateLimiterStats => {
        const now = nowMs(clock)
        return {
          closed,
          keys: Array.from(keys.values(), (state) => ({
            key: state.key,
            waiting: state.queue.size,
            pausedForMs: Math.max(0, state.pausedUntil - now),
            used: state.counter.sliding?.usedAt(now),
            limit: (adapt(state, now), state.counter.sliding?.limit ?? state.limit)
          }))
        }
      })
    )

    // --- close: whoever still waits fails with LimiterClosed -------------------------------------

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        let waiting = 0
        const all = new Set<Waiter>()
        for (const state of keys.values()) for (const waiter of state.queue) all.add(waiter)
        for (const waiter of all) {
          waiting++
          waiter.wake?.()
        }
        return Deferred.succeed(closedSignal, undefined).pipe(
          Effect.andThen(
            Effect.logInfo("rate limiter closed").pipe(
              Effect.annotateLogs({ component: name, waiters_failed: waiting })
            )
          )
        )
      })
    )

    return { name, take, tryTake, tryTakeUnsafe, withLimit, pause, onResponse, stats }
  })

/** A layer providing the {@link RateLimiter} service. */
export const layer = (options: Options): Layer.Layer<RateLimiter> => Layer.effect(RateLimiter, make(options))
