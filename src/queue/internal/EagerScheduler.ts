/**
 * @internal A fiber scheduler for the hot data path that wakes fibers on a microtask instead of
 * on the next turn of the event loop.
 *
 * Effect's default scheduler resumes a woken fiber with `setImmediate`. A frame crossing the
 * data path wakes two fibers (the queue's processor, then each subscriber), and each
 * `setImmediate` scheduled while the loop is in its check phase runs on the *next* turn, after
 * the loop has polled and run every other I/O callback that became ready meanwhile. At a paced
 * 20,000 frames/s that was the latency tail: a frame waited behind up to two turns of other work.
 *
 * Here a wake-up runs as a microtask: after the code that woke the fiber has returned (a
 * publisher still never runs a subscriber's code on its own stack, nor the reverse), but before
 * the loop goes back to I/O. Fairness is bounded: a chain of more than {@link microtaskBudget}
 * dispatches without the event loop turning (a fiber yielding on its operation budget, say)
 * falls back to `setImmediate`, so a busy pipeline still lets timers and other sockets in.
 *
 * Priorities and the operation budget (`shouldYield`) are Effect's own: only the function that
 * starts a dispatcher's run changes.
 */
import { Scheduler } from "effect"

/**
 * Microtask dispatches allowed in one chain (dispatches made while another of ours is queued or
 * running, i.e. without the event loop turning) before falling back to `setImmediate`.
 */
export const microtaskBudget = 256

/** Dispatches counted since start (microtask and fallback), for the bench's hop count. */
export const counters = { microtask: 0, immediate: 0 }

// A resolved promise's `then` is the cheapest microtask (`queueMicrotask` allocates an async
// resource per call; `setImmediate` costs a turn of the event loop, ~4 µs of CPU each here).
const resolved = Promise.resolve()
let pending = 0
let running = false
let chain = 0

const rethrow = (error: unknown) =>
  queueMicrotask(() => {
    throw error
  })

const eagerSetImmediate = (f: () => void): () => void => {
  // Nothing of ours queued or running: this dispatch comes from I/O or a timer, a new chain.
  if (pending === 0 && !running) chain = 0
  if (chain < microtaskBudget) {
    chain++
    pending++
    counters.microtask++
    let cancelled = false
    resolved.then(() => {
      pending--
      if (cancelled) return
      running = true
      try {
        f()
      } catch (error) {
        rethrow(error)
      } finally {
        running = false
      }
    })
    return () => {
      cancelled = true
    }
  }
  counters.immediate++
  const timer = setImmediate(f)
  return () => clearImmediate(timer)
}

/** The scheduler: Effect's `MixedScheduler` whose dispatchers start their runs on a microtask. */
export const eagerScheduler: Scheduler.Scheduler = new Scheduler.MixedScheduler("async", eagerSetImmediate)

/** A dispatcher of {@link eagerScheduler}, for code that wakes fibers itself (the hub's mailboxes). */
export const makeDispatcher = (): Scheduler.SchedulerDispatcher => eagerScheduler.makeDispatcher()
