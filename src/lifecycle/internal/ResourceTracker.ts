/**
 * Tracks, by identity, the Node async resources created inside a piece of code, and says of each
 * whether it is still open, closing, or gone. Used by LeakCheck.
 *
 * "Inside" is decided by an AsyncLocalStorage token: the code runs within `run`, and every
 * resource whose `init` fires in that async context (directly, or from a callback, a timer, a
 * fiber resumed there, a fiber started with `Effect.runFork` there) is tracked, as is every
 * resource a tracked one triggers (the connections a tracked server accepts). Resources created
 * elsewhere (the test runner, servers the test made before) are never counted, and a resource
 * released inside does not offset one created inside, because nothing is counted by kind.
 *
 * What is tracked, and how each is judged (no grace period for anything that can say it is open):
 * - `effect/Fiber`: the async resource Effect creates each time a fiber suspends (and when a fork
 *   is scheduled), destroyed when it resumes. One outstanding resource is one fiber that has not
 *   ended. Judged by the resource's own `destroyed` flag, synchronously.
 * - `Timeout`: open while scheduled (not cleared, not fired, or an interval), ref'd or not.
 * - `Immediate`: transient by nature; closing until it ran.
 * - handles with a file descriptor (TCP/pipe sockets and servers, UDP, TTY, file handles): open
 *   while their descriptor is valid (libuv sets it to -1 as soon as the close begins), closing
 *   after that until Node destroys them.
 * - other handles (child processes, signal watchers, fs watchers): open while the object that owns
 *   them still holds them, closing after that until destroyed.
 * Requests (writes, connects, DNS lookups, fs calls) and promises are not tracked: they belong to
 * a handle that is, or complete on their own.
 *
 * @internal
 */
import { AsyncLocalStorage, createHook } from "node:async_hooks"

/** How a tracked resource stands now. */
export type ResourceState = "open" | "closing" | "gone"

/** A tracked resource that has not gone yet. */
export interface LiveResource {
  /** `"fiber"` for Effect fibers, else Node's async resource type (`Timeout`, `TCPWRAP`, ...). */
  readonly kind: string
  readonly state: "open" | "closing"
  /** The resource itself (a Timeout, a handle, an AsyncResource), for identity. */
  readonly resource: object
}

export interface ResourceTracker {
  /** Runs `f` so that everything it (and all it starts) creates is tracked. */
  readonly run: <A>(f: () => A) => A
  /** Every tracked resource not gone yet. */
  readonly live: () => ReadonlyArray<LiveResource>
  /** Stops tracking (the hook is disabled). */
  readonly stop: () => void
}

type Judge = (resource: object) => ResourceState

const store = new AsyncLocalStorage<ReadonlySet<object>>()

/** The symbol under which Node keeps an AsyncResource's `{ destroyed }` flag, found once. */
let destroyedSymbol: symbol | undefined
const asyncResourceDestroyed = (resource: object): boolean => {
  if (destroyedSymbol === undefined) {
    destroyedSymbol = Object.getOwnPropertySymbols(resource).find((s) => s.description === "destroyed")
  }
  const flag = destroyedSymbol === undefined ? undefined : (resource as Record<symbol, unknown>)[destroyedSymbol]
  return typeof flag === "object" && flag !== null && (flag as { destroyed?: boolean }).destroyed === true
}

const judgeFiber: Judge = (resource) => asyncResourceDestroyed(resource) ? "gone" : "open"

interface TimerLike {
  readonly _destroyed?: boolean
  readonly _idleNext?: unknown
  readonly _idleTimeout?: number
}

/**
 * A Timeout is in a timer list while scheduled; a firing one is taken off the list before its
 * callback runs (so code resumed by its own timer does not see it as open) and flagged destroyed
 * after, unless it repeats.
 */
const judgeTimeout: Judge = (resource) => {
  const timer = resource as TimerLike
  if (timer._destroyed === true) return "gone"
  return timer._idleNext != null ? "open" : "closing"
}

/** Whether a Timeout ran its callback (rather than being cleared, which sets its timeout to -1). */
export const timerFired = (resource: object): boolean => {
  const timer = resource as TimerLike
  return timer._destroyed === true && timer._idleTimeout !== -1
}

const judgeImmediate: Judge = (resource) => (resource as TimerLike)._destroyed === true ? "gone" : "closing"

/** Node keeps each handle's owner (socket, server, child process) under a symbol of this name. */
const ownerOf = (resource: object): Record<string, unknown> | undefined => {
  const symbol = Object.getOwnPropertySymbols(resource).find((s) => s.description === "owner_symbol")
  const owner = symbol === undefined ? undefined : (resource as Record<symbol, unknown>)[symbol]
  return typeof owner === "object" && owner !== null ? owner as Record<string, unknown> : undefined
}

/** A handle is gone once Node destroyed it (the tracker then drops it); until then: */
const judgeHandle: Judge = (resource) => {
  const fd = (resource as { readonly fd?: unknown }).fd
  if (typeof fd === "number") return fd >= 0 ? "open" : "closing"
  const owner = ownerOf(resource)
  return owner !== undefined && owner._handle === resource && owner.destroyed !== true ? "open" : "closing"
}

const isHandle = (resource: object): boolean =>
  typeof (resource as { readonly hasRef?: unknown }).hasRef === "function" ||
  typeof (resource as { readonly fd?: unknown }).fd === "number"

/** Starts tracking. Call `stop` when done, also on failure. */
export const start = (): ResourceTracker => {
  const token = {}
  const tracked = new Map<number, { readonly kind: string; readonly resource: object; readonly judge: Judge }>()
  const hook = createHook({
    init(asyncId, type, triggerAsyncId, resource) {
      if (type === "PROMISE") return
      // A connection a tracked server accepts is created by native code outside any async
      // context; it is the server's (its trigger), so it is tracked too.
      if (store.getStore()?.has(token) !== true && !tracked.has(triggerAsyncId)) return
      if (type === "effect/Fiber") tracked.set(asyncId, { kind: "fiber", resource, judge: judgeFiber })
      else if (type === "Timeout") tracked.set(asyncId, { kind: type, resource, judge: judgeTimeout })
      else if (type === "Immediate") tracked.set(asyncId, { kind: type, resource, judge: judgeImmediate })
      else if (isHandle(resource)) tracked.set(asyncId, { kind: type, resource, judge: judgeHandle })
    },
    destroy(asyncId) {
      tracked.delete(asyncId)
    }
  })
  hook.enable()
  return {
    run: (f) => store.run(new Set([...(store.getStore() ?? []), token]), f),
    live: () => {
      const out: Array<LiveResource> = []
      for (const [asyncId, { judge, kind, resource }] of tracked) {
        const state = judge(resource)
        if (state === "gone") {
          tracked.delete(asyncId)
          continue
        }
        out.push({ kind, state, resource })
      }
      return out
    },
    stop: () => {
      hook.disable()
      tracked.clear()
    }
  }
}
