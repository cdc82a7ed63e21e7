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
 * a handle that is, or complete on their own. Neither is what Node owns itself: the timers its
 * own modules set (a socket's idle timeout, which goes with its tracked socket; the HTTP `Date`
 * header cache, process-wide), and what Node's built-in `fetch` (its bundled undici) creates for
 * its process-wide connection pool: pooled keep-alive sockets and their timers outlive any request
 * by design (unref'd, closed when idle).
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
  /** Where it was created: the first stack frame outside Node and Effect (not for fibers). */
  readonly createdAt: string | undefined
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
  // The owner let go of it (a socket destroyed, a server closed), or is ending it (a child
  // process that was sent a signal): it is closing.
  const owner = ownerOf(resource)
  return owner !== undefined && owner._handle === resource && owner.destroyed !== true && owner.killed !== true
    ? "open"
    : "closing"
}

const isHandle = (resource: object): boolean =>
  typeof (resource as { readonly hasRef?: unknown }).hasRef === "function" ||
  typeof (resource as { readonly fd?: unknown }).fd === "number"

/** Frames that say nothing about who created a resource: Node's own, Effect's, this file's. */
const internalFrame = /\(node:|^\s*at node:|[/\\]node_modules[/\\]effect[/\\]|ResourceTracker\.ts/
/** Frames of the timer machinery and of the hook itself, above whoever asked for a timer. */
const timerFrame = /\(node:(internal\/)?timers|\(node:internal\/async_hooks|at new Timeout|ResourceTracker\.ts/
const nodeFrame = /\(node:|^\s*at node:/
const undiciFastTimer = /[/\\]undici[/\\]lib[/\\]util[/\\]timers\.js/

interface CreationSite {
  /** Whether Node itself owns it (see {@link start}): then it is not tracked. */
  readonly nodeOwned: boolean
  /** The first stack frame outside Node and Effect. */
  readonly at: string | undefined
}

/**
 * Where a timer or a handle is being created, and whether Node itself owns it: a timer whose
 * caller is Node's own code (not `node:timers` called by someone) serves a handle that is tracked
 * on its own (a socket's idle timeout) or a process-wide cache (the HTTP `Date` header, refreshed
 * each second); a handle or timer of Node's bundled undici belongs to the `fetch` pool.
 */
const creationSite = (kind: "timer" | "handle", ignoreFrom: ReadonlyArray<string>): CreationSite => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 40
  const stack = new Error().stack ?? ""
  Error.stackTraceLimit = limit
  const frames = stack.split("\n").slice(1)
  const at = frames.find((line) => !internalFrame.test(line))?.trim().replace(/^at /, "")
  if (stack.includes("node:internal/deps/undici")) return { nodeOwned: true, at }
  if (ignoreFrom.some((path) => stack.includes(path))) return { nodeOwned: true, at }
  // undici's (the npm package's) one fast timer is process-wide too: it serves every pool.
  if (kind === "timer" && undiciFastTimer.test(stack)) return { nodeOwned: true, at }
  if (kind === "handle") return { nodeOwned: false, at }
  const caller = frames.find((line) => !timerFrame.test(line))
  return { nodeOwned: caller !== undefined && nodeFrame.test(caller), at }
}

/**
 * Starts tracking. Call `stop` when done, also on failure. Timers and handles whose creation stack
 * contains one of `ignoreFrom` (paths) are not tracked.
 */
export const start = (ignoreFrom: ReadonlyArray<string> = []): ResourceTracker => {
  const token = {}
  const tracked = new Map<
    number,
    { readonly kind: string; readonly resource: object; readonly judge: Judge; readonly createdAt: string | undefined }
  >()
  const track = (asyncId: number, kind: string, resource: object, judge: Judge) => {
    const site = creationSite(kind === "Timeout" ? "timer" : "handle", ignoreFrom)
    if (!site.nodeOwned) tracked.set(asyncId, { kind, resource, judge, createdAt: site.at })
  }
  const hook = createHook({
    init(asyncId, type, triggerAsyncId, resource) {
      if (type === "PROMISE") return
      // A connection a tracked server accepts is created by native code outside any async
      // context; it is the server's (its trigger), so it is tracked too.
      if (store.getStore()?.has(token) !== true && !tracked.has(triggerAsyncId)) return
      // Fibers suspend at every async step: no stack is taken for them.
      if (type === "effect/Fiber") tracked.set(asyncId, { kind: "fiber", resource, judge: judgeFiber, createdAt: undefined })
      else if (type === "Timeout") track(asyncId, type, resource, judgeTimeout)
      else if (type === "Immediate") tracked.set(asyncId, { kind: type, resource, judge: judgeImmediate, createdAt: undefined })
      else if (isHandle(resource)) track(asyncId, type, resource, judgeHandle)
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
      for (const [asyncId, { createdAt, judge, kind, resource }] of tracked) {
        const state = judge(resource)
        if (state === "gone") {
          tracked.delete(asyncId)
          continue
        }
        out.push({ kind, state, resource, createdAt })
      }
      return out
    },
    stop: () => {
      hook.disable()
      tracked.clear()
    }
  }
}
