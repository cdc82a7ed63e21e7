/**
 * The MEXC user-data stream: a listen key, the private connection on it, and the private queue
 * behind the connection. The private exchange owns the hub the queue feeds.
 *
 * ```
 * POST userDataStream -> key -> Connection (url built per dial) -> UserStreamQueue -> handler
 *                         ^-- PUT every 30 min (scoped fiber); DELETE on close, REST still up
 * ```
 *
 * - The first dial uses the key created at start (a bad credential fails the start). Every later
 *   dial (a reconnect, `Invalid listen key`, a restart after the key died or the stream went
 *   silent) makes a new key, so a URL never carries a key that may be dead; the replaced key is
 *   deleted in the background (MEXC allows 60 per account).
 * - `Invalid listen key` ends the session (`MexcProtocol.userData`); 730000 on keep-alive restarts
 *   it.
 * - Subscription acks are not consumed by the connection here: an ack naming the orders channel
 *   means a session is subscribed. The first one makes the stream ready; each later one starts a
 *   session after a gap, which the owner reconciles over REST.
 *
 * Release order (reverse of acquisition): keep-alive fiber, connection, listen key (deleted while
 * REST is still up), queue (drains into the handler).
 *
 * @since 0.1.0
 */
import { Deferred, Duration, Effect, Exit, FiberSet, Schedule, type Scope } from "effect"
import type * as Socket from "effect/socket/Socket"
import { ExchangeError, Unavailable } from "../../../exchange/ExchangeError.ts"
import { Lifecycle } from "../../../lifecycle/index.ts"
import * as UserStreamQueue from "../../../connector/UserStreamQueue.ts"
import * as Connection from "../../../socket/Connection.ts"
import * as Protocol from "../../../socket/Protocol.ts"
import * as MexcProtocol from "../MexcProtocol.ts"
import type { MexcRestShape } from "../MexcRest.ts"
import * as PrivatePush from "../PrivatePush.ts"

export interface Options {
  /** Component name suffix: `connection:<name>`, `queue:<name>`, `listenKey:<name>`. */
  readonly name: string
  /** Private WebSocket base URL (the key is appended as `?listenKey=`). */
  readonly wsUrl: string
  readonly keepAliveInterval: Duration.Duration
  /** How long start-up waits for the first session to be subscribed. */
  readonly startTimeout: Duration.Duration
  readonly queueCapacity: number
  readonly connection?: Partial<Omit<Connection.ConnectionOptions, "name" | "url" | "protocol" | "sink">> | undefined
}

export interface Handlers {
  /** Handles a batch of frames in order (binary pushes; text frames other than acks). */
  readonly onFrames: (frames: ReadonlyArray<Connection.Frame>) => Effect.Effect<void>
  /** A session after the first is subscribed: whatever happened in the gap must be reconciled. */
  readonly onResubscribed: (session: number) => Effect.Effect<void>
}

export interface UserDataStream {
  readonly connection: Connection.ConnectionShape
  /** Queues work behind every frame already accepted (e.g. publishing a REST answer in order). */
  readonly enqueue: (run: Effect.Effect<void>) => Effect.Effect<void>
  /** Listen keys created so far. */
  readonly listenKeys: () => number
  /** Sessions subscribed so far. */
  readonly sessions: () => number
}

/** Pongs are consumed by the connection; acks and refusals come through to be read here. */
const protocol: Protocol.SubscriptionProtocol = {
  ...MexcProtocol.userData,
  isControl: (frame) => frame.startsWith("{\"id\":") && frame.includes("\"PONG\""),
  refusal: undefined
}

const ordersChannel = PrivatePush.channels.orders

/** Builds the stream in the caller's scope; fails if no session is subscribed within `startTimeout`. */
export const make = (
  rest: MexcRestShape,
  options: Options,
  handlers: Handlers
): Effect.Effect<UserDataStream, ExchangeError, Scope.Scope | Socket.WebSocketConstructor> =>
  Effect.gen(function*() {
    const name = options.name
    const ready = Deferred.makeUnsafe<void>()
    let sessions = 0
    let keysCreated = 0

    const readAck = (frame: string): Effect.Effect<void> => {
      let msg: unknown
      try {
        msg = (JSON.parse(frame) as { readonly msg?: unknown }).msg
      } catch {
        return Effect.logWarning("unexpected text frame on the private stream", frame.slice(0, 200)).pipe(
          Effect.annotateLogs({ component: `queue:${name}` })
        )
      }
      if (typeof msg !== "string") return Effect.void
      if (msg.startsWith("Not Subscribed")) {
        return Effect.logError("the venue refused a private channel", msg).pipe(Effect.annotateLogs({ component: `connection:${name}` }))
      }
      if (!msg.split(",").includes(ordersChannel)) return Effect.void
      sessions++
      if (sessions === 1) return Deferred.succeed(ready, undefined)
      return handlers.onResubscribed(sessions)
    }

    const queue = yield* UserStreamQueue.make({
      name,
      capacity: options.queueCapacity,
      isControl: (frame) => frame.startsWith("{\"id\":"),
      onControl: readAck,
      onFrames: handlers.onFrames
    })

    // --- listen keys -----------------------------------------------------------------------------
    const failStart = (detail: string) =>
      new ExchangeError({ venue: "mexc", operation: "userDataStream", reason: new Unavailable({ detail }) })
    let current = ""
    yield* Effect.acquireRelease(
      Effect.tap(rest.createListenKey, (key) =>
        Effect.sync(() => {
          current = key
          keysCreated++
        })),
      () =>
        // The connection is closed by now; the key goes while REST is still up.
        rest.deleteListenKey(current).pipe(
          Effect.timeout("3 seconds"),
          Effect.tapCause((cause) => Effect.logWarning("could not delete the listen key", cause)),
          Effect.ignore
        ),
      // A Ctrl-C must not wait for the key's request (up to its timeouts, ~40 s against a venue
      // that never answers). Interrupted before the answer, a key the venue may have created is
      // unknown to us and cannot be deleted; MEXC expires it after 60 minutes.
      { interruptible: true }
    ).pipe(Lifecycle.scoped({ name: `listenKey:${name}`, stopBudget: "4 seconds" }))

    // Replaced keys are deleted in the background; whatever is left is interrupted on close.
    const deleters = yield* FiberSet.make()
    const renewKey = rest.createListenKey.pipe(
      Effect.tapError((error) => Effect.logWarning("could not create a listen key; retrying", error.message)),
      Effect.retry(Schedule.min([Schedule.exponential("200 millis", 2), Schedule.spaced("30 seconds")])),
      Effect.orDie
    )
    let dials = 0
    const url: Effect.Effect<string> = Effect.gen(function*() {
      dials++
      if (dials > 1) {
        const old = current
        current = yield* renewKey
        keysCreated++
        if (old !== "") yield* FiberSet.run(deleters, Effect.ignore(rest.deleteListenKey(old)))
      }
      return `${options.wsUrl}?listenKey=${current}`
    })

    const connection = yield* Connection.make({
      pingInterval: "10 seconds",
      staleAfter: "30 seconds",
      ...options.connection,
      name,
      url,
      protocol,
      sink: queue.offerAll
    })
    for (const channel of [PrivatePush.channels.orders, PrivatePush.channels.deals, PrivatePush.channels.account]) {
      yield* connection.subscribe(channel).pipe(Effect.mapError((error) => failStart(error.message)))
    }

    // Keep-alive: MEXC keys live 60 min; PUT every 30. A key the venue no longer knows (730000)
    // is replaced by restarting the session (its next dial makes a new key).
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      yield* Effect.sleep(options.keepAliveInterval)
      const key = current
      const exit = yield* Effect.exit(rest.keepAliveListenKey(key))
      if (Exit.isSuccess(exit)) return
      const error = exit.cause.reasons.find((r) => r._tag === "Fail")
      const code = error?._tag === "Fail" && error.error.reason._tag === "Rejected" ? error.error.reason.code : undefined
      if (code === 730000 && key === current) {
        yield* Effect.logWarning("listen key expired (keep-alive answered 730000); renewing").pipe(
          Effect.annotateLogs({ component: `connection:${name}` })
        )
        yield* connection.restart("listen key expired")
      } else {
        yield* Effect.logWarning("listen key keep-alive failed", error?._tag === "Fail" ? error.error.message : "").pipe(
          Effect.annotateLogs({ component: `connection:${name}` })
        )
      }
    })))

    // A connection that gives up dialing (refused at every start-up attempt) says why at once,
    // instead of the start timeout blaming the subscription.
    const gaveUp = connection.awaitOpen.pipe(
      Effect.andThen(Effect.never),
      Effect.mapError((error) => failStart(error.message))
    )
    yield* Deferred.await(ready).pipe(
      Effect.timeoutOrElse({
        duration: options.startTimeout,
        orElse: () =>
          Effect.fail(failStart(`the private stream was not subscribed within ${Duration.format(options.startTimeout)}`))
      }),
      Effect.raceFirst(gaveUp)
    )

    return {
      connection,
      enqueue: queue.enqueue,
      listenKeys: () => keysCreated,
      sessions: () => sessions
    } satisfies UserDataStream
  })
