/**
 * The Gate.io `PrivateExchange`: Gate's private wire as the port the venue-neutral
 * `connector/PrivateConnector` drives. The rules (client order ids, unknown outcomes of place and
 * cancel, own open orders, reconciliation, silence watch, cancel on close, fill de-duplication,
 * per-subscriber buffers) are the connector's; this module supplies only what is Gate's:
 *
 * - REST: `GateRest` (APIv4-signed calls; Gate's labels: `ORDER_NOT_FOUND`, `ORDER_CLOSED`,
 *   `ORDER_CANCELLED` are `UnknownOrder`; an IOC remainder is CANCELED with its fill). A query by
 *   client order id also finds a finished order (Gate finds a `text` on the path only while the
 *   order is open), which is how a lost placement is resolved by the id its placer knows.
 * - The user stream (`internal/UserStream.ts`): `spot.orders`, `spot.usertrades`, `spot.balances`
 *   with signed subscribes on a fresh clock, pushes decoded to events (`PrivatePush`).
 * - Facts: client order ids `t-` + up to 28 of `[0-9A-Za-z_.-]` (the connector's ids are `se...`,
 *   at most 28); a lost request may still be carried out until its `X-Gate-Exptime` (5 s after its
 *   timestamp, which GateRest sends on every state-changing request) plus a second of timestamp
 *   rounding and one of clock skew: 7 s; a read may lag a write by up to 1 s (not documented by
 *   Gate; the simulator's not-yet-visible fault exercises it); a private trade is its pair and
 *   trade id.
 * - Optional dead-man switch (`deadManSwitch`, off by default): `countdown_cancel_all` armed while
 *   the private side lives (see `DeadManSwitch.ts`).
 *
 * Components in release order: `private:<name>` (cancel on close), the dead-man switch (disarmed),
 * `connection:<name>`, `queue:<name>`, `hub:<name>`; the REST client and rate limiter are the
 * caller's and go after.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, type Scope } from "effect"
import * as Socket from "effect/socket/Socket"
import * as PrivateConnector from "../../connector/PrivateConnector.ts"
import { type PrivateEvent, type PrivatePort, type UserStreamOptions, userStreamOver } from "../../connector/PrivatePort.ts"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import type { Fill } from "../../exchange/Model.ts"
import { PrivateExchange, type PrivateExchangeShape } from "../../exchange/PrivateExchange.ts"
import type * as Connection from "../../socket/Connection.ts"
import * as DeadManSwitch from "./DeadManSwitch.ts"
import { GateRest, type GateRestShape } from "./GateRest.ts"
import * as UserStream_ from "./internal/UserStream.ts"
import * as PrivatePush from "./PrivatePush.ts"
import * as Protocol from "./Protocol.ts"

/** Gate's WebSocket (public and private channels share it). */
export const productionWsUrl = Protocol.productionUrl

/**
 * How long after placement Gate may not find an order that exists. An assumption: no source read
 * documents it (gateio-wire.md is silent). Override with `unknownOutcome.visibilityWindow`.
 */
export const visibilityWindow = Duration.seconds(1)

/** How long a lost request may still be carried out: `X-Gate-Exptime` 5 s + 1 s rounding + 1 s skew. */
export const requestLifetime = Duration.seconds(7)

/** Gate's identity of a private trade: its trade id, within its pair. */
export const fillIdentity = (fill: Fill): string => `${fill.symbol}:${fill.tradeId}`

/** The connector's options plus Gate's user-stream settings. */
export interface Options extends PrivateConnector.Options, UserStreamOptions {
  /** Keep Gate's dead-man switch armed while the private side lives. Default: off. */
  readonly deadManSwitch?: DeadManSwitch.Options | undefined
}

/** Decodes a batch of private frames to events, in order, with a line per frame or element skipped. */
export const decodeFrames = (
  frames: ReadonlyArray<Connection.Frame>
): { readonly events: Array<PrivateEvent>; readonly problems: Array<string> } => {
  const events: Array<PrivateEvent> = []
  const problems: Array<string> = []
  for (const frame of frames) {
    if (typeof frame !== "string") {
      problems.push("a binary frame on Gate's private stream")
      continue
    }
    const read = Protocol.read(frame)
    if (read._tag !== "Push") {
      if (read._tag !== "Pong") problems.push(read._tag === "Unreadable" ? read.detail : `unexpected ${read._tag}`)
      continue
    }
    switch (read.channel) {
      case PrivatePush.channels.orders: {
        const r = PrivatePush.orders(read.result)
        for (const order of r.values) events.push({ _tag: "Order", order, time: order.updateTime })
        problems.push(...r.skipped)
        break
      }
      case PrivatePush.channels.userTrades: {
        const r = PrivatePush.userTrades(read.result)
        for (const fill of r.values) events.push({ _tag: "Fill", fill })
        problems.push(...r.skipped)
        break
      }
      case PrivatePush.channels.balances: {
        const r = PrivatePush.balances(read.result)
        for (const b of r.values) events.push({ _tag: "Balance", balance: b.balance, reason: b.reason, time: b.time })
        problems.push(...r.skipped)
        break
      }
      default:
        problems.push(`a push on ${read.channel}, not a private channel this client subscribes`)
    }
  }
  return { events, problems }
}

/** Gate's private side as a {@link PrivatePort} on `rest`, dialling with `webSocket`. */
export const port = (
  rest: GateRestShape,
  webSocket: Socket.WebSocketConstructor["Service"],
  options: Options = {}
): PrivatePort => {
  const venue = options.venue ?? "gate"
  return {
    venue,
    visibilityWindow,
    requestLifetime,
    clientOrderId: { prefix: "se", maxLength: 28 },
    fillIdentity,
    instruments: (symbols) => rest.instruments(symbols),
    placeOrder: (request) =>
      Effect.map(rest.newOrder(request), (order) => ({
        symbol: order.symbol,
        orderId: order.orderId,
        clientOrderId: request.clientOrderId,
        time: order.time
      })),
    cancelOrder: rest.cancelOrder,
    queryOrder: rest.queryOrder,
    openOrders: rest.openOrders,
    cancelOpenOrders: (symbol) => Effect.asVoid(rest.cancelAll(symbol)),
    balances: rest.accounts,
    fillsSince: (symbol, since) => rest.myTrades(symbol, { from: since }),
    openUserStream: (handlers) =>
      Effect.map(
        UserStream_.make(rest, {
          name: options.name ?? "gate-private",
          venue,
          wsUrl: options.wsUrl ?? productionWsUrl,
          startTimeout: Duration.fromInputUnsafe(options.startTimeout ?? "10 seconds"),
          queueCapacity: options.queueCapacity ?? 1000,
          connection: options.connection
        }, {
          onFrames: (frames) => {
            const { events, problems } = decodeFrames(frames)
            return handlers.onEvents(events, problems)
          },
          onResubscribed: handlers.onResubscribed
        }).pipe(Effect.provideService(Socket.WebSocketConstructor, webSocket)),
        userStreamOver
      )
  }
}

/** Builds the service in the caller's scope (component `private:<name>`, default `gate-private`). */
export const make = (
  options: Options = {}
): Effect.Effect<PrivateExchangeShape, ExchangeError, GateRest | Socket.WebSocketConstructor | Scope.Scope> =>
  Effect.gen(function*() {
    const rest = yield* GateRest
    const webSocket = yield* Socket.WebSocketConstructor
    // Armed before the connector, so it is disarmed after cancel-on-close has run.
    if (options.deadManSwitch !== undefined) yield* DeadManSwitch.make(rest, options.deadManSwitch)
    return yield* PrivateConnector.make(port(rest, webSocket, options), { ...options, name: options.name ?? "gate-private" })
  })

/** {@link make} as the `PrivateExchange` layer; needs `GateRest` and a WebSocket constructor. */
export const layer = (options: Options = {}): Layer.Layer<PrivateExchange, ExchangeError, GateRest | Socket.WebSocketConstructor> =>
  Layer.effect(PrivateExchange, make(options))
