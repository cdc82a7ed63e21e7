import * as NodeWS from "@effect/platform-node/NodeWS"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Latch, Scope } from "effect"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import { MessageQueue } from "../../src/queue/index.ts"
import * as Connection from "../../src/socket/Connection.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import * as LoopbackWsServer from "../support/LoopbackWsServer.ts"

const frame = (n: number): Uint8Array => {
  const bytes = new Uint8Array(64)
  new DataView(bytes.buffer).setUint32(0, n)
  return bytes
}
const indexOf = (f: Connection.Frame): number =>
  typeof f === "string" ? -1 : new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(0)

describe("MessageQueue fed by a real socket", () => {
  it.live("Connection -> MessageQueue -> handler: every frame, in order, depth bounded, drained after the connection closed", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const events: Array<string> = []
      const seen: Array<number> = []
      let deepest = 0
      const scope = yield* Scope.make()
      const { queue, connection } = yield* Effect.gen(function*() {
        // Built first, so released after the connection: the graph Connection -> queue -> handler.
        const queue = yield* MessageQueue.make<Connection.Frame>({
          name: "queue:socket",
          capacity: 16,
          overflow: "backpressure",
          handleBatch: (frames) =>
            Effect.gen(function*() {
              for (const f of frames) seen.push(indexOf(f))
              // A slow handler: the socket must wait for it, not the queue grow.
              yield* Effect.sleep("1 millis")
            })
        })
        const connection = yield* Connection.make({
          name: "socket",
          url: server.url,
          protocol: MexcProtocol.market,
          sink: (frames) =>
            Effect.andThen(
              queue.offerAll(frames),
              Effect.map(queue.stats, (s) => {
                deepest = Math.max(deepest, s.depth)
              })
            ),
          closeTimeout: "200 millis"
        }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))
        return { queue, connection }
      }).pipe(
        Scope.provide(scope),
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => {
          events.push(`${e.component}:${e.phase}`)
        })
      )
      yield* connection.awaitOpen
      const total = 2_000
      for (let n = 0; n < total; n++) server.broadcast(frame(n))
      yield* server.waitFor("half the frames handled", () => seen.length >= total / 2, 10_000)
      // Let the rest arrive, then close while the queue may still hold some: they must be drained.
      yield* server.waitFor("every frame accepted", () => seen.length >= total - 16, 10_000)
      yield* Scope.close(scope, Exit.void)
      const stats = yield* queue.stats
      assert.deepStrictEqual(seen, Array.from({ length: total }, (_, i) => i))
      assert.strictEqual(stats.processed, total)
      assert.strictEqual(stats.dropped, 0)
      assert.isAtMost(deepest, 16)
      assert.deepStrictEqual(events.filter((e) => e.endsWith("stopping") || e.endsWith("stopped")), [
        "connection:socket:stopping",
        "connection:socket:stopped",
        "queue:socket:stopping",
        "queue:socket:stopped"
      ])
    })))
  it.live("a full queue pauses socket reads: the peer's data waits in its send buffer, not in our memory", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const release = yield* Latch.make(false)
      let handled = 0
      const scope = yield* Scope.make()
      const connection = yield* Effect.gen(function*() {
        const queue = yield* MessageQueue.make<Connection.Frame>({
          name: "queue:paused",
          capacity: 16,
          overflow: "backpressure",
          drainBudget: "2 seconds",
          handleBatch: (frames) => Effect.andThen(release.await, Effect.sync(() => (handled += frames.length)))
        })
        return yield* Connection.make({
          name: "paused",
          url: server.url,
          protocol: MexcProtocol.market,
          sink: queue.offerAll,
          pingInterval: false,
          closeTimeout: "200 millis"
        }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))
      }).pipe(Scope.provide(scope))
      yield* connection.awaitOpen
      // 32 MB: far more than the kernel's loopback buffers hold. If we kept reading while the
      // queue is full, it would all end up in our process and the server's buffer would empty.
      const total = 2_000
      const payload = new Uint8Array(16 * 1024)
      for (let n = 0; n < total; n++) server.broadcast(payload)
      yield* Effect.sleep("500 millis")
      const peer = server.clients()[0]!
      assert.isAbove(peer.bufferedAmount, 0, "the server still holds data we have not read")
      assert.isBelow((yield* connection.stats).framesDelivered, total / 2, "reads stopped while the queue was full")
      yield* release.open
      yield* server.waitFor("every frame handled once reads resume", () => handled === total, 20_000)
      yield* Scope.close(scope, Exit.void)
    })))
})
