/**
 * The synchronous path from a real socket: a frame that arrives while the connection's reader
 * waits and the queue is idle is handled in the socket's event (`Connection.syncSink` ->
 * `MessageQueue.offerSync` -> `handleSync`), and what is left of it goes through the queue's
 * processor. What users rely on stays as without it: every frame once, in order (a rest runs
 * before any later frame), a full subscriber pauses socket reads, closing drains everything
 * accepted, and a frame whose handler throws is counted as failed while the others go on.
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Latch, Scope, Stream } from "effect"
import { StreamHub, Topic } from "../../src/hub/index.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { MessageQueue } from "../../src/queue/index.ts"
import * as Connection from "../../src/socket/Connection.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import * as LoopbackWsServer from "../support/LoopbackWsServer.ts"

const frame = (n: number, size = 64): Uint8Array => {
  const bytes = new Uint8Array(size)
  new DataView(bytes.buffer).setUint32(0, n)
  return bytes
}
const indexOf = (f: Connection.Frame): number =>
  typeof f === "string" ? -1 : new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(0)

/** A connection on `server` whose frames go to `queue`, both synchronously and as batches. */
const connect = (server: LoopbackWsServer.LoopbackWsServer, queue: MessageQueue.MessageQueue<Connection.Frame>) =>
  Connection.make({
    name: "sync",
    url: server.url,
    protocol: MexcProtocol.market,
    sink: queue.offerAll,
    syncSink: queue.offerSync,
    pingInterval: false,
    closeTimeout: "200 millis"
  }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))

describe("MessageQueue: the synchronous path from a socket", () => {
  it.live("a rest in the middle of a synchronous run or burst: every later frame waits behind it, in order", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const events: Array<string> = []
      let sync = 0
      let garbage = 0
      let batched = 0
      const gates = new Map<number, Latch.Latch>()
      const gate = (n: number): Latch.Latch => {
        let latch = gates.get(n)
        if (latch === undefined) gates.set(n, latch = Latch.makeUnsafe(false))
        return latch
      }
      const queue = yield* MessageQueue.make<Connection.Frame>({
        name: "queue:sync-order",
        handoff: true,
        // A frame or a burst: every fifth frame has something left that takes a while, and
        // what follows it (in the burst, and later frames) must wait for it.
        handleSync: (frames) => {
          const from = (i: number): Effect.Effect<void> | undefined => {
            for (; i < frames.length; i++) {
              const n = indexOf(frames[i]!)
              sync++
              if (n % 10 === 7) {
                garbage++
                continue
              }
              events.push(`${n}`)
              if (n % 5 === 2) {
                const next = i + 1
                return Effect.andThen(
                  Effect.andThen(gate(n).await, Effect.sync(() => void events.push(`rest ${n}`))),
                  Effect.suspend(() => from(next) ?? Effect.void)
                )
              }
            }
            return undefined
          }
          return from(0)
        },
        handle: (f) =>
          Effect.sync(() => {
            const n = indexOf(f)
            batched++
            if (n % 10 === 7) {
              garbage++
              return
            }
            events.push(`${n}`)
            if (n % 5 === 2) events.push(`rest ${n}`)
          })
      })
      const connection = yield* connect(server, queue)
      yield* connection.awaitOpen
      const total = 200
      // Groups of 10: the first 5 start on the synchronous path (one frame, or a burst), and
      // frame 2's rest holds until the other 5 have arrived, which then take the processor's way.
      for (let start = 0; start < total; start += 10) {
        for (let n = start; n < start + 5; n++) server.broadcast(frame(n))
        yield* server.waitFor(`frame ${start + 2} handled`, () => events.includes(`${start + 2}`), 10_000)
        for (let n = start + 5; n < start + 10; n++) server.broadcast(frame(n))
        yield* server.waitFor(`frames to ${start + 9} delivered`, () => Effect.runSync(connection.stats).framesDelivered >= start + 10, 10_000)
        gate(start + 2).openUnsafe()
        yield* server.waitFor(`group ${start} handled`, () => events.includes(`${start + 9}`), 10_000)
      }
      const expected: Array<string> = []
      for (let n = 0; n < total; n++) {
        if (n % 10 === 7) continue
        expected.push(`${n}`)
        if (n % 5 === 2) expected.push(`rest ${n}`)
      }
      assert.deepStrictEqual(events, expected)
      const stats = yield* queue.stats
      assert.strictEqual(garbage, total / 10)
      assert.strictEqual(stats.processed, total)
      assert.strictEqual(stats.accepted, total)
      assert.isAbove(sync, 0, "frames took the synchronous path")
      assert.isAbove(batched, 0, "frames after a rest took the processor's way")
    })))

  it.live("a subscriber that does not take pauses socket reads through the synchronous path; once it takes, everything arrives in order", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const hub = yield* StreamHub.make({ name: "hub:sync-pressure" })
      const topic = Topic.make<number>("frames", { replay: 0, strategy: "backpressure", capacity: 8 })
      const capacity = 16
      const queue = yield* MessageQueue.make<Connection.Frame>({
        name: "queue:sync-pressure",
        capacity,
        handoff: true,
        handleSync: (frames) => hub.publishAllUnsafe(topic, frames.map(indexOf)),
        handleBatch: (frames) => hub.publishAll(topic, frames.map(indexOf))
      })
      const release = yield* Latch.make(false)
      const taken: Array<number> = []
      const total = 2_000
      yield* hub.subscribe(topic).pipe(
        Stream.runForEach((n) => Effect.andThen(release.await, Effect.sync(() => void taken.push(n)))),
        Effect.forkScoped
      )
      yield* server.waitFor("the subscriber registered", () => Effect.runSync(hub.stats).topics.some((t) => t.subscribers.length === 1))
      const connection = yield* connect(server, queue)
      yield* connection.awaitOpen
      // 32 MB: far more than the kernel's loopback buffers hold. If reads went on while the
      // subscriber and the queue are full, it would all end up in our process.
      for (let n = 0; n < total; n++) server.broadcast(frame(n, 16 * 1024))
      yield* server.waitFor("the queue full", () => Effect.runSync(queue.stats).depth >= capacity, 10_000)
      const peer = server.clients()[0]!
      yield* server.waitFor("the server holding data we have not read", () => peer.bufferedAmount > 0, 10_000)
      const delivered = (yield* connection.stats).framesDelivered
      // The subscriber's chunk and buffer (8 + a batch), the queue (16) and its processor's batch, the
      // reader's high-water mark (64 KiB: 4 frames): far below the 2,000 sent.
      assert.isBelow(delivered, 100, "reads stopped while the subscriber and the queue were full")
      yield* release.open
      yield* server.waitFor("every frame taken once reads resume", () => taken.length === total, 30_000)
      assert.deepStrictEqual(taken, Array.from({ length: total }, (_, i) => i))
    })))

  it.live("closing drains what is buffered behind a rest: every frame handled, nothing abandoned", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const handled: Array<number> = []
      const gate = yield* Latch.make(false)
      const scope = yield* Scope.make()
      const { connection, queue } = yield* Effect.gen(function*() {
        const queue = yield* MessageQueue.make<Connection.Frame>({
          name: "queue:sync-drain",
          handoff: true,
          drainBudget: "10 seconds",
          // Frame 0's rest waits for the gate: everything after it is buffered in the queue.
          handleSync: (frames) => {
            const ns = frames.map(indexOf)
            if (ns[0] !== 0) handled.push(...ns)
            return ns[0] === 0 ? Effect.andThen(gate.await, Effect.sync(() => void handled.push(...ns))) : undefined
          },
          handleBatch: (frames) => Effect.sync(() => void handled.push(...frames.map(indexOf)))
        })
        const connection = yield* connect(server, queue)
        // Released before the queue (finalizers run in reverse): the gate opens as closing begins.
        yield* Effect.addFinalizer(() => gate.open)
        return { connection, queue }
      }).pipe(Scope.provide(scope))
      yield* connection.awaitOpen
      const total = 100
      let sawFirst = false
      server.broadcast(frame(0))
      yield* server.waitFor("frame 0 taken", () => (sawFirst = Effect.runSync(queue.stats).accepted === 1), 10_000)
      assert.isTrue(sawFirst)
      for (let n = 1; n < total; n++) server.broadcast(frame(n))
      // Frame 0's rest holds the processor: the others wait in the queue.
      yield* server.waitFor("every frame accepted", () => Effect.runSync(queue.stats).accepted === total, 10_000)
      assert.deepStrictEqual(handled, [])
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(handled, Array.from({ length: total }, (_, i) => i))
      const stats = yield* queue.stats
      assert.strictEqual(stats.processed, total)
      assert.strictEqual(stats.abandoned, 0)
      assert.isAtLeast(stats.drained, total - 1)
    })))
})
