/**
 * ConnectionPool against the simulator's WebSocket over loopback, under the leak check: channels
 * fill connections up to the limit, a connection opens for the first channel that needs one and
 * closes with its last (its lifecycle log says so), holders of one channel share it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Logger, Scope } from "effect"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import { SimExchange } from "../../src/sim/index.ts"
import * as ConnectionPool from "../../src/socket/ConnectionPool.ts"
import * as NodeWebSocket from "../../src/socket/NodeWebSocket.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import { waitUntil } from "../support/eventually.ts"
import { collectInto } from "../venues/mexc/publicSupport.ts"

const symbols = ["BTCUSDT", "ETHUSDT", "HIFIUSDT"]
/** 18 distinct channels. */
const channel = (i: number) =>
  `spot@public.aggre.${["deals", "depth", "bookTicker"][i % 3]}.v3.api.pb@${i < 9 ? "100ms" : "10ms"}@${symbols[Math.floor(i / 3) % 3]}`

describe("ConnectionPool", () => {
  it.live("fills connections up to the limit, opens one when needed and closes it with its last channel", () => {
    const events: Array<Lifecycle.LifecycleEvent> = []
    const logs: Array<string> = []
    return LeakCheck.scoped(
      Effect.gen(function*() {
        const sim = yield* Layer.build(Layer.fresh(SimExchange.layer({ market: false })))
        const wsUrl = (sim.mapUnsafe.get(SimExchange.SimExchange.key) as SimExchange.SimExchangeShape).wsUrl
        let frames = 0
        const pool = yield* ConnectionPool.make({
          name: "pool-test",
          maxChannelsPerConnection: 3,
          connection: {
            url: wsUrl,
            protocol: MexcProtocol.market,
            sink: (batch) => Effect.sync(() => void (frames += batch.length)),
            closeTimeout: "200 millis"
          }
        }).pipe(Effect.provide(NodeWebSocket.layerConstructor()))
        const hold = (i: number) =>
          Effect.gen(function*() {
            const scope = yield* Scope.make()
            const subscription = yield* pool.subscribe(channel(i)).pipe(Scope.provide(scope))
            return { scope, subscription }
          })
        const held = yield* Effect.forEach([0, 1, 2, 3, 4, 5, 6], hold)
        assert.deepStrictEqual(yield* pool.stats, { connections: 3, opened: 3, channels: 7 })
        const names = (yield* pool.connections).map((c) => c.name)
        assert.deepStrictEqual(names, ["pool-test-1", "pool-test-2", "pool-test-3"])
        assert.strictEqual(held[3]!.subscription.connection.name, "pool-test-2")
        // A second holder of a channel shares its connection and its slot.
        const again = yield* hold(3)
        assert.strictEqual(again.subscription.connection, held[3]!.subscription.connection)
        assert.strictEqual((yield* pool.stats).channels, 7)
        yield* Effect.forEach((yield* pool.connections), (c) => c.awaitOpen)
        assert.deepStrictEqual(yield* held[3]!.subscription.connection.channels, [channel(3), channel(4), channel(5)])

        // The second connection's channels leave (one of them held twice): it closes with the last.
        for (const i of [3, 4, 5]) yield* Scope.close(held[i]!.scope, Exit.void)
        assert.strictEqual((yield* pool.stats).connections, 3, "channel 3 is still held")
        yield* Scope.close(again.scope, Exit.void)
        assert.deepStrictEqual((yield* pool.connections).map((c) => c.name), ["pool-test-1", "pool-test-3"])
        assert.isTrue(events.some((e) => e.component === "connection:pool-test-2" && e.phase === "stopped"))
        // The lowest free number is used again; a connection with room is filled first.
        yield* hold(7)
        yield* hold(8)
        yield* hold(9)
        assert.deepStrictEqual((yield* pool.connections).map((c) => c.name), ["pool-test-1", "pool-test-2", "pool-test-3"])
        assert.deepStrictEqual(yield* pool.stats, { connections: 3, opened: 4, channels: 7 })
        yield* waitUntil("data on the pooled connections", () => frames > 0)
      }).pipe(Effect.provideService(Lifecycle.LifecycleObserver, (event) => void events.push(event)))
    ).pipe(Effect.provide(Logger.layer([collectInto(logs)])))
  })
})
