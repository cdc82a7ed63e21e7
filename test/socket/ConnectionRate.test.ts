/**
 * The outbound rate against the simulator's own limit (MEXC's: a connection that sends over 100
 * messages in a second is closed with 1008): whatever a bot does, the connection stays under it.
 */
import { assert, describe } from "@effect/vitest"
import { Effect, Layer, Schedule, type Scope } from "effect"
import type * as Socket from "effect/socket/Socket"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { makeSymbol } from "../../src/sim/engine/Symbols.ts"
import { SimExchange } from "../../src/sim/index.ts"
import * as Connection from "../../src/socket/Connection.ts"
import * as NodeWebSocket from "../../src/socket/NodeWebSocket.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import { channelName } from "../../src/venues/mexc/PushParse.ts"
import { live } from "../support/quiet.ts"

/** A simulator without a market (no data frames: control replies are all there is to count). */
const withSim = <A, E>(
  options: SimExchange.SimOptions,
  effect: (sim: SimExchange.SimExchangeShape) => Effect.Effect<A, E, Scope.Scope | Socket.WebSocketConstructor>
) =>
  LeakCheck.scoped(
    Effect.gen(function*() {
      // Built first in the test's scope, so the connection is released before the simulator.
      const context = yield* Layer.build(Layer.fresh(SimExchange.layer({ seed: 3, market: false, ...options })))
      return yield* Effect.flatMap(SimExchange.SimExchange, effect).pipe(Effect.provide(context))
    }).pipe(Effect.provide(NodeWebSocket.layerConstructor()))
  )

/** Polls the connection's counters until `done` holds (a hang detector bound, not a timing). */
const statsUntil = (conn: Connection.ConnectionShape, what: string, done: (s: Connection.ConnectionStats) => boolean) =>
  conn.stats.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("10 millis") }),
    Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die(new Error(`timed out waiting for ${what}`)) })
  )

const connect = (url: string, protocol: Protocol.SubscriptionProtocol) =>
  Connection.make({
    name: "rate",
    url,
    protocol,
    sink: () => Effect.void,
    pingInterval: false,
    backoff: { initial: "20 millis", max: "200 millis", jitter: 0 },
    closeTimeout: "200 millis",
    writeTimeout: "30 seconds"
  })

describe("Connection outbound rate, against the simulator's limit", () => {
  live("150 writes in a row stay under the venue's 100 messages/s: the connection is never closed", () =>
    withSim({}, (sim) =>
      Effect.gen(function*() {
        const conn = yield* connect(sim.wsUrl, MexcProtocol.market)
        yield* conn.awaitOpen
        for (let i = 0; i < 150; i++) yield* conn.send(MexcProtocol.ping)
        // Every ping answered on the first connection: none was refused by a close.
        const stats = yield* statsUntil(conn, "150 pongs", (s) => s.controlFrames >= 150 || s.reconnects > 0)
        assert.strictEqual(stats.controlFrames, 150)
        assert.strictEqual(stats.connects, 1)
        assert.strictEqual(stats.reconnects, 0)
      }).pipe(Effect.scoped)
    ))

  live("a replay of 126 channels, one per frame, never trips the limit", () =>
    withSim({
      symbols: Array.from({ length: 14 }, (_, i) =>
        makeSymbol({
          symbol: `S${i}USDT`,
          baseAsset: `S${i}`,
          quoteAsset: "USDT",
          fullName: `Symbol ${i}`,
          baseAssetPrecision: 2,
          quoteAssetPrecision: 4,
          baseSizePrecision: "0.01",
          quoteAmountPrecision: "1",
          quoteAmountPrecisionMarket: "1"
        })),
      ws: { maxSubscriptions: 1_000 }
    }, (sim) =>
      Effect.gen(function*() {
        // MEXC's format and rate, with one channel per frame: the worst case for a replay.
        const protocol = { ...MexcProtocol.market, maxChannelsPerFrame: 1 }
        const conn = yield* connect(sim.wsUrl, protocol)
        const channels = Array.from({ length: 14 }, (_, i) => `S${i}USDT`).flatMap((symbol) => [
          ...(["100ms", "10ms"] as const).flatMap((interval) => [
            channelName("deals", symbol, interval),
            channelName("depth", symbol, interval),
            channelName("bookTicker", symbol, interval)
          ]),
          // MEXC's partial-depth channels (mexc-wire.md), which the simulator also serves.
          ...([5, 10, 20] as const).map((levels) => `spot@public.limit.depth.v3.api.pb@${symbol}@${levels}`)
        ])
        assert.strictEqual(channels.length, 126)
        for (const channel of channels) yield* conn.subscribe(channel)
        yield* statsUntil(conn, "126 acks", (s) => s.controlFrames >= 126)
        yield* sim.faults.dropConnections
        const stats = yield* statsUntil(conn, "the replay acked", (s) => s.controlFrames >= 252 || s.reconnects > 1)
        assert.strictEqual(stats.controlFrames, 252)
        assert.strictEqual(stats.refusedSubscriptions, 0)
        assert.strictEqual(stats.reconnects, 1, "one reconnect (the drop), none for a rate violation")
        assert.strictEqual((yield* conn.state)._tag, "Open")
      }).pipe(Effect.scoped)
    ))
})
