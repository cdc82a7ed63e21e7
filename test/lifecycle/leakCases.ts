/**
 * The cases LeakCheck must get right, shared by its vitest tests and the plain-Node run that
 * proves the verdict is the same outside vitest. Each leak case comes from a field report of a
 * leak the old checker passed; each clean case must pass.
 *
 * A case builds fresh state each time (`make`) and cleans up what it leaked afterwards
 * (`cleanup`), so that a run leaves nothing behind for the next test.
 */
import * as http from "node:http"
import * as net from "node:net"
import { Cause, Effect, Exit, Fiber } from "effect"
import type { Scope } from "effect"
import { LeakCheck } from "../../src/lifecycle/index.ts"

export interface LeakCase {
  readonly name: string
  /** The expected verdict: the LeakDetected fields, or "pass", or the effect's own failure. */
  readonly expected: Verdict
  readonly make: () => {
    readonly effect: Effect.Effect<unknown, unknown, Scope.Scope>
    readonly cleanup: Effect.Effect<void>
  }
}

export type Verdict =
  | "pass"
  | { readonly failed: string }
  | {
    readonly fibers: number
    readonly handles: Readonly<Record<string, number>>
    readonly unreleased: Readonly<Record<string, number>>
    readonly alsoFailed?: string
  }

const listen = (server: net.Server | http.Server) =>
  Effect.callback<number>((resume) => {
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as net.AddressInfo).port)))
  })

const closeServer = (server: net.Server | http.Server) =>
  Effect.callback<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
  })

const interruptAll = (fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>) => Fiber.interruptAll(fibers)

export const leakCases: ReadonlyArray<LeakCase> = [
  {
    name: "a detached fiber still running after close",
    expected: { fibers: 1, handles: { Timeout: 1 }, unreleased: {} },
    make: () => {
      const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
      return {
        effect: Effect.forkDetach(Effect.sleep("1500 millis")).pipe(Effect.tap((f) => Effect.sync(() => fibers.push(f)))),
        cleanup: interruptAll(fibers)
      }
    }
  },
  {
    name: "a detached fiber waiting forever, with no timer",
    expected: { fibers: 1, handles: {}, unreleased: {} },
    make: () => {
      const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
      return {
        effect: Effect.forkDetach(Effect.never).pipe(Effect.tap((f) => Effect.sync(() => fibers.push(f)))),
        cleanup: interruptAll(fibers)
      }
    }
  },
  {
    name: "a fiber started with Effect.runFork",
    expected: { fibers: 1, handles: {}, unreleased: {} },
    make: () => {
      const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
      return {
        effect: Effect.sync(() => fibers.push(Effect.runFork(Effect.never))),
        cleanup: interruptAll(fibers)
      }
    }
  },
  {
    name: "an unref'd timer",
    expected: { fibers: 0, handles: { Timeout: 1 }, unreleased: {} },
    make: () => {
      const timers: Array<NodeJS.Timeout> = []
      return {
        effect: Effect.sync(() => timers.push(setTimeout(() => {}, 10_000).unref())),
        cleanup: Effect.sync(() => timers.forEach(clearTimeout))
      }
    }
  },
  {
    name: "an unref'd server",
    expected: { fibers: 0, handles: { TCPSERVERWRAP: 1 }, unreleased: {} },
    make: () => {
      const server = net.createServer()
      return {
        effect: listen(server).pipe(Effect.tap(() => Effect.sync(() => server.unref()))),
        cleanup: closeServer(server)
      }
    }
  },
  {
    name: "a new timer offset by an old one cleared inside",
    expected: { fibers: 0, handles: { Timeout: 1 }, unreleased: {} },
    make: () => {
      const old = setTimeout(() => {}, 10_000)
      const timers: Array<NodeJS.Timeout> = [old]
      return {
        effect: Effect.sync(() => {
          clearTimeout(old)
          timers.push(setTimeout(() => {}, 10_000))
        }),
        cleanup: Effect.sync(() => timers.forEach(clearTimeout))
      }
    }
  },
  {
    name: "a client socket left open",
    expected: { fibers: 0, handles: { TCPWRAP: 2 }, unreleased: {} },
    make: () => {
      // The server is made inside too, so its accepted socket is the effect's as well: two open TCP handles.
      const server = net.createServer()
      const sockets: Array<net.Socket> = []
      return {
        effect: Effect.acquireRelease(listen(server), () => Effect.sync(() => server.close())).pipe(
          Effect.flatMap((port) =>
            // Resumes once both ends exist: the client connected and the server accepted.
            Effect.callback<void>((resume) => {
              let ends = 0
              const oneEnd = () => ++ends === 2 && resume(Effect.void)
              server.once("connection", (socket) => {
                sockets.push(socket)
                oneEnd()
              })
              sockets.push(net.connect(port, "127.0.0.1", oneEnd))
            })
          )
        ),
        cleanup: Effect.sync(() => sockets.forEach((s) => s.destroy())).pipe(Effect.andThen(closeServer(server)))
      }
    }
  },
  {
    name: "a leak while the checked effect fails",
    expected: { fibers: 1, handles: {}, unreleased: {}, alsoFailed: "boom" },
    make: () => {
      const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
      return {
        effect: Effect.forkDetach(Effect.never).pipe(
          Effect.tap((f) => Effect.sync(() => fibers.push(f))),
          Effect.andThen(Effect.fail("boom"))
        ),
        cleanup: interruptAll(fibers)
      }
    }
  },
  {
    name: "a timer-resumed step (Effect.sleep)",
    expected: "pass",
    make: () => ({ effect: Effect.sleep("100 millis"), cleanup: Effect.void })
  },
  {
    name: "fibers owned by the scope, and one forked and joined",
    expected: "pass",
    make: () => ({
      effect: Effect.forkScoped(Effect.never).pipe(
        Effect.andThen(Effect.forkChild(Effect.sleep("20 millis"))),
        Effect.flatMap(Fiber.join)
      ),
      cleanup: Effect.void
    })
  },
  {
    name: "a server and a connection closed by their scope",
    expected: "pass",
    make: () => ({
      effect: Effect.acquireRelease(
        Effect.sync(() => net.createServer((socket) => socket.end())).pipe(
          Effect.flatMap((server) => listen(server).pipe(Effect.map((port) => ({ server, port }))))
        ),
        ({ server }) => closeServer(server)
      ).pipe(
        Effect.flatMap(({ port }) =>
          Effect.acquireRelease(
            Effect.callback<net.Socket>((resume) => {
              const client = net.connect(port, "127.0.0.1", () => resume(Effect.succeed(client)))
            }),
            (client) => Effect.sync(() => client.destroy())
          )
        )
      ),
      cleanup: Effect.void
    })
  },
  {
    name: "an HTTP server and a fetch through Node's process-wide connection pool",
    expected: "pass",
    make: () => ({
      effect: Effect.acquireRelease(
        Effect.sync(() => http.createServer((_, response) => response.end("ok"))).pipe(
          Effect.flatMap((server) => listen(server).pipe(Effect.map((port) => ({ server, port }))))
        ),
        ({ server }) => Effect.sync(() => server.closeAllConnections()).pipe(Effect.andThen(closeServer(server)))
      ).pipe(
        Effect.flatMap(({ port }) => Effect.promise(() => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())))
      ),
      cleanup: Effect.void
    })
  },
  {
    name: "a timer created and cleared inside; one made before and kept",
    expected: "pass",
    make: () => {
      const before = setTimeout(() => {}, 10_000)
      return {
        effect: Effect.sync(() => clearTimeout(setTimeout(() => {}, 10_000))),
        cleanup: Effect.sync(() => clearTimeout(before))
      }
    }
  },
  {
    name: "an effect that fails cleanly",
    expected: { failed: "boom" },
    make: () => ({ effect: Effect.fail("boom"), cleanup: Effect.void })
  }
]

/** The verdict LeakCheck gave, in the shape of {@link LeakCase.expected}. */
export const verdictOf = (exit: Exit.Exit<unknown, unknown>): Verdict | string => {
  if (Exit.isSuccess(exit)) return "pass"
  const errors = exit.cause.reasons.filter(Cause.isFailReason).map((r) => r.error)
  const leak = errors.find((e): e is LeakCheck.LeakDetected => e instanceof LeakCheck.LeakDetected)
  const other = errors.filter((e) => !(e instanceof LeakCheck.LeakDetected)).map(String)
  if (leak === undefined) return other.length === 1 ? { failed: other[0]! } : `unexpected: ${Cause.pretty(exit.cause)}`
  return {
    fibers: leak.fibers,
    handles: leak.handles,
    unreleased: leak.unreleased,
    ...(other.length > 0 ? { alsoFailed: other.join(", ") } : {})
  }
}

/** Runs one case under LeakCheck and cleans up after it. */
export const runCase = (c: LeakCase) =>
  Effect.suspend(() => {
    const { cleanup, effect } = c.make()
    return LeakCheck.scoped(effect, { settle: "1 second" }).pipe(
      Effect.exit,
      Effect.map(verdictOf),
      Effect.ensuring(cleanup)
    )
  })
