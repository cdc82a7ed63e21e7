/**
 * Gate's user stream: one WebSocket connection carrying `spot.orders`, `spot.usertrades` and
 * `spot.balances` (every pair), each subscribe signed with the API key over its channel, event and
 * the time it is written (gateio-wire.md, "Authentication of private channels"), on a fresh clock:
 * the venue time (the REST client's measured offset, read at every dial) of the moment the frame
 * goes out, so a subscribe replayed after a reconnect is signed anew.
 *
 * ```
 * Connection (signed subscribes per dial) -> UserStreamQueue (acks and refusals read in order) -> handler
 * ```
 *
 * - An ack of `spot.orders` marks a subscribed session: the first makes the stream ready; each later
 *   one (after a reconnect, an `upgrade`, a restart) starts a session after a gap, which the owner
 *   reconciles over REST.
 * - A refused subscribe before the first session fails the start: `InvalidSignature` for Gate's
 *   code 4 (authentication failed), `SubscriptionRefused` otherwise. Later refusals are logged.
 * - Gate's stream needs no session token from REST: nothing is created or deleted over REST.
 *
 * Release order (reverse of acquisition): connection, queue (drains into the handler).
 *
 * @since 0.1.0
 */
import { Clock, Deferred, Duration, Effect, type Scope } from "effect"
import type * as Socket from "effect/socket/Socket"
import * as UserStreamQueue from "../../../connector/UserStreamQueue.ts"
import { ExchangeError, InvalidSignature, SubscriptionRefused, Unavailable } from "../../../exchange/ExchangeError.ts"
import * as Connection from "../../../socket/Connection.ts"
import type { GateRestShape } from "../GateRest.ts"
import * as PrivatePush from "../PrivatePush.ts"
import * as Protocol from "../Protocol.ts"

export interface Options {
  /** Component name suffix: `connection:<name>`, `queue:<name>`. */
  readonly name: string
  readonly venue: string
  readonly wsUrl: string
  /** How long start-up waits for the first session to be subscribed. */
  readonly startTimeout: Duration.Duration
  readonly queueCapacity: number
  readonly connection?: Partial<Omit<Connection.ConnectionOptions, "name" | "url" | "protocol" | "sink">> | undefined
}

export interface Handlers {
  /** Handles a batch of data frames in order. */
  readonly onFrames: (frames: ReadonlyArray<Connection.Frame>) => Effect.Effect<void>
  /** A session after the first is subscribed: whatever happened in the gap must be reconciled. */
  readonly onResubscribed: Effect.Effect<void>
}

export interface GateUserStream {
  readonly connection: Connection.ConnectionShape
  readonly enqueue: (run: Effect.Effect<void>) => Effect.Effect<void>
  /** Sessions subscribed so far (signed subscribes answered). */
  readonly sessions: () => number
}

/** Builds the stream in the caller's scope; fails if no session is subscribed within `startTimeout`. */
export const make = (
  rest: GateRestShape,
  options: Options,
  handlers: Handlers
): Effect.Effect<GateUserStream, ExchangeError, Scope.Scope | Socket.WebSocketConstructor> =>
  Effect.gen(function*() {
    const name = options.name
    const fail = (reason: ExchangeError["reason"]) => new ExchangeError({ venue: options.venue, operation: "user stream", reason })
    const ready = Deferred.makeUnsafe<void, ExchangeError>()
    let sessions = 0

    const readAnswer = (frame: string): Effect.Effect<void> => {
      const reply = Protocol.read(frame)
      if (reply._tag === "Refused") {
        const reason = reply.code === 4
          ? new InvalidSignature({ venueMessage: `${reply.channel}: ${reply.message}` })
          : new SubscriptionRefused({ channel: reply.channel, venueMessage: reply.message })
        if (sessions === 0) return Deferred.fail(ready, fail(reason))
        return Effect.logError("Gate refused a private channel", reply.message).pipe(
          Effect.annotateLogs({ component: `connection:${name}`, channel: reply.channel, code: reply.code })
        )
      }
      if (reply._tag !== "Ack" || reply.event !== "subscribe" || reply.channel !== PrivatePush.channels.orders) return Effect.void
      sessions++
      return sessions === 1 ? Deferred.succeed(ready, undefined) : handlers.onResubscribed
    }

    const queue = yield* UserStreamQueue.make({
      name,
      capacity: options.queueCapacity,
      // Answers to our subscribes (pongs never get here: the connection takes them).
      isControl: (frame) => frame.includes("\"event\":\"subscribe\"") || frame.includes("\"event\":\"unsubscribe\""),
      onControl: readAnswer,
      onFrames: handlers.onFrames
    })

    // The venue's clock, measured by the REST client, read again at every dial.
    let offsetMs = 0
    const url = Effect.gen(function*() {
      offsetMs = (yield* rest.serverTime) - (yield* Clock.currentTimeMillis)
      return options.wsUrl
    }).pipe(Effect.orElseSucceed(() => options.wsUrl))
    const signed = Protocol.subscriptionProtocol({ offsetMs: () => offsetMs, auth: rest.channelAuth })
    // Only pongs are the connection's: acks and refusals go on to the queue, read in order.
    const protocol = { ...signed, isControl: (frame: string) => frame.includes(`"channel":"${Protocol.pongChannel}"`) }

    const connection = yield* Connection.make({
      pingInterval: "10 seconds",
      staleAfter: "30 seconds",
      ...options.connection,
      name,
      url,
      protocol,
      sink: queue.offerAll
    })
    for (const subscription of PrivatePush.subscriptions) {
      yield* connection.subscribe(Protocol.key(subscription)).pipe(
        Effect.mapError((error) => fail(new Unavailable({ detail: error.message })))
      )
    }

    const gaveUp = connection.awaitOpen.pipe(
      Effect.andThen(Effect.never),
      Effect.mapError((error) => fail(new Unavailable({ detail: error.message })))
    )
    yield* Deferred.await(ready).pipe(
      Effect.timeoutOrElse({
        duration: options.startTimeout,
        orElse: () => Effect.fail(fail(new Unavailable({ detail: `the private stream was not subscribed within ${Duration.format(options.startTimeout)}` })))
      }),
      Effect.raceFirst(gaveUp)
    )
    return { connection, enqueue: queue.enqueue, sessions: () => sessions } satisfies GateUserStream
  })
