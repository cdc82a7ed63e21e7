/**
 * The MEXC `PrivateExchange`: MEXC's private wire as the port the venue-neutral
 * `connector/PrivateConnector` drives. The rules (client order ids, unknown outcomes of place and
 * cancel, own open orders, reconciliation, silence watch, cancel on close, fill de-duplication,
 * per-subscriber buffers) are the connector's; this module supplies only what is MEXC's:
 *
 * - REST: `MexcRest` (signed Spot v3 calls, MEXC's error table: -2011 on cancel and -2013 on query
 *   are `UnknownOrder`; `PARTIALLY_CANCELED` is read as `CANCELED` with its filled quantity).
 * - The user stream (`internal/UserDataStream.ts`): a listen key created over REST, kept alive
 *   every 30 minutes, renewed per dial, deleted on close while REST is up; the private protobuf
 *   channels (orders, deals, account) decoded to events (`internal/privateFrames.ts`).
 * - Facts: -2013 may answer a query for an order placed up to ~1 s earlier (visibility window); a
 *   lost request may still be carried out until its `recvWindow` (5 s) plus the 1 s MEXC accepts
 *   timestamps ahead of its clock (request lifetime 6 s); client order ids up to 32 characters; a
 *   private trade is identified by its symbol and trade id. MEXC spot has no cancel-on-disconnect.
 *
 * Components in the lifecycle log, in release order: `private:<name>` (cancel on close) then
 * `connection:<name>`, `listenKey:<name>` (deleted while REST is up), `queue:<name>`,
 * `hub:<name>`; the REST client and rate limiter are the caller's and go after.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, type Scope } from "effect"
import * as Socket from "effect/socket/Socket"
import * as PrivateConnector from "../../connector/PrivateConnector.ts"
import { type PrivatePort, type UserStreamOptions, userStreamOver } from "../../connector/PrivatePort.ts"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import type { Fill } from "../../exchange/Model.ts"
import { PrivateExchange, type PrivateExchangeShape } from "../../exchange/PrivateExchange.ts"
import { decodeFrames } from "./internal/privateFrames.ts"
import * as UserDataStream from "./internal/UserDataStream.ts"
import { MexcRest, type MexcRestShape } from "./MexcRest.ts"

/** MEXC's private WebSocket (the listen key is appended as `?listenKey=`). */
export const productionWsUrl = "wss://wbs-api.mexc.com/ws"

/** How long after placement MEXC may answer -2013 for an order that exists. */
export const visibilityWindow = Duration.seconds(1)

/** How long a lost request may still be carried out: recvWindow 5 s + 1 s ahead of MEXC's clock. */
export const requestLifetime = Duration.seconds(6)

/** MEXC's identity of a private trade: its trade id, within its symbol. */
export const fillIdentity = (fill: Fill): string => `${fill.symbol}:${fill.tradeId}`

/** The connector's options plus MEXC's user-stream settings. */
export interface Options extends PrivateConnector.Options, UserStreamOptions {
  /** Listen-key keep-alive period. Default 30 minutes (keys live 60). */
  readonly keepAliveInterval?: Duration.Input | undefined
}

/** MEXC's private side as a {@link PrivatePort} on `rest`, dialling with `webSocket`. */
export const port = (
  rest: MexcRestShape,
  webSocket: Socket.WebSocketConstructor["Service"],
  options: Options = {}
): PrivatePort => ({
  venue: options.venue ?? "mexc",
  visibilityWindow,
  requestLifetime,
  clientOrderId: { prefix: "se", maxLength: 32 },
  fillIdentity,
  instruments: (symbols) => rest.exchangeInfo(symbols),
  placeOrder: rest.newOrder,
  cancelOrder: rest.cancelOrder,
  queryOrder: rest.queryOrder,
  openOrders: rest.openOrders,
  cancelOpenOrders: (symbol) => Effect.asVoid(rest.cancelOpenOrders(symbol)),
  balances: rest.account,
  fillsSince: (symbol, since) => rest.myTrades(symbol, { startTime: since }),
  openUserStream: (handlers) =>
    Effect.map(
      UserDataStream.make(rest, {
        name: options.name ?? "mexc-private",
        wsUrl: options.wsUrl ?? productionWsUrl,
        keepAliveInterval: Duration.fromInputUnsafe(options.keepAliveInterval ?? "30 minutes"),
        startTimeout: Duration.fromInputUnsafe(options.startTimeout ?? "10 seconds"),
        queueCapacity: options.queueCapacity ?? 1000,
        connection: options.connection
      }, {
        onFrames: (frames) => {
          const { events, problems } = decodeFrames(frames)
          return handlers.onEvents(events, problems)
        },
        onResubscribed: () => handlers.onResubscribed
      }).pipe(Effect.provideService(Socket.WebSocketConstructor, webSocket)),
      (stream) => userStreamOver({ ...stream, sessions: stream.listenKeys })
    )
})

/** Builds the service in the caller's scope (component `private:<name>`, default `mexc-private`). */
export const make = (
  options: Options = {}
): Effect.Effect<PrivateExchangeShape, ExchangeError, MexcRest | Socket.WebSocketConstructor | Scope.Scope> =>
  Effect.gen(function*() {
    const rest = yield* MexcRest
    const webSocket = yield* Socket.WebSocketConstructor
    return yield* PrivateConnector.make(port(rest, webSocket, options), { ...options, name: options.name ?? "mexc-private" })
  })

/** {@link make} as the `PrivateExchange` layer; needs `MexcRest` and a WebSocket constructor. */
export const layer = (options: Options = {}): Layer.Layer<PrivateExchange, ExchangeError, MexcRest | Socket.WebSocketConstructor> =>
  Layer.effect(PrivateExchange, make(options))
