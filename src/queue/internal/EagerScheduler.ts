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
 * the loop goes back to I/O. Fairness is bounded: after {@link microtaskBudget} microtask
 * dispatches within one turn of the event loop, dispatches fall back to `setImmediate` until the
 * loop has turned, so a busy pipeline still lets timers and other sockets in.
 *
 * Priorities and the operation budget (`shouldYield`) are Effect's own: only the function that
 * starts a dispatcher's run changes.
 */
import { Scheduler } from "effect"

/** Microtask dispatches allowed per turn of the event loop before falling back to `setImmediate`. */
export const microtaskBudget = 256

let dispatchedThisTurn = 0
let turnResetPending = false
const resetTurn = () => {
  dispatchedThisTurn = 0
  turnResetPending = false
}

/** Dispatches counted since start (microtask and fallback), for the bench's hop count. */
export const counters = { microtask: 0, immediate: 0 }

const eagerSetImmediate = (f: () => void): () => void => {
  if (dispatchedThisTurn < microtaskBudget) {
    dispatchedThisTurn++
    counters.microtask++
    if (!turnResetPending) {
      // One timer per busy turn (not per wake-up): it runs once the loop has turned.
      turnResetPending = true
      setImmediate(resetTurn)
    }
    let cancelled = false
    queueMicrotask(() => {
      if (!cancelled) f()
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
