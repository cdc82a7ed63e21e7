import { assert, describe } from "@effect/vitest"
import { type Duration, Effect, Exit, Fiber, Logger, Scope, Stream } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import { LeakCheck, Lifecycle } from "../../src/lifecycle/index.ts"
import * as Connection from "../../src/socket/Connection.ts"
import * as NodeWebSocket from "../../src/socket/NodeWebSocket.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import * as DeafWsServer from "../support/DeafWsServer.ts"
import { waitUntil, waitUntilEffect } from "../support/eventually.ts"
import * as LoopbackWsServer from "../support/LoopbackWsServer.ts"
import { live } from "../support/quiet.ts"

/** A sink that records every frame and counts the ones that are not valid JSON. */
const recordingSink = () => {
  const frames: Array<Connection.Frame> = []
  let garbage = 0
  const sink: Connection.FrameSink = (batch: NonEmptyReadonlyArray<Connection.Frame>) =>
    Effect.sync(() => {
      for (const frame of batch) {
        frames.push(frame)
        if (typeof frame === "string") {
          try {
            JSON.parse(frame)
          } catch {
            garbage++
          }
        }
      }
    })
  return { frames, sink, garbage: () => garbage }
}

const fast = {
  protocol: MexcProtocol.market,
  backoff: { initial: "20 millis", max: "200 millis", jitter: 0 },
  openTimeout: "2 seconds",
  closeTimeout: "200 millis",
  writeTimeout: "3 seconds"
} as const

const connect = (
  url: string,
  sink: Connection.FrameSink,
  extra?: Partial<Connection.ConnectionOptions>,
  constructor?: NodeWebSocket.ConstructorOptions
) =>
  Connection.make({ name: "test", url, sink, ...fast, ...extra }).pipe(
    Effect.provide(NodeWebSocket.layerConstructor(constructor))
  )

/**
 * Waits until the connection's control writer has sent everything due on connection `index`:
 * subscribes a fresh channel and waits for its frame, then for a ping sent after it. A due frame
 * (an unsubscribe, a replay) goes out with or right after the probe's, so it has arrived too.
 */
let markers = 0
const writerCaughtUp = (server: LoopbackWsServer.LoopbackWsServer, conn: Connection.ConnectionShape, index: number) =>
  Effect.gen(function*() {
    yield* conn.subscribe("probe")
    yield* server.waitFor("the probe's subscribe", () => subscribeMessages(server.received[index]).includes("probe"))
    const marker = `{"method":"PING","id":${++markers}}`
    yield* conn.send(marker)
    yield* server.waitFor("a ping after it", () => server.received[index]!.includes(marker))
  })

/** Polls the state until `done` holds (a hang-detector bound, not a timing). */
const awaitState = (
  conn: Connection.ConnectionShape,
  what: string,
  done: (state: Connection.ConnectionState) => boolean
) =>
  conn.states.pipe(
    Stream.filter(done),
    Stream.runHead,
    Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error(`timed out waiting for ${what}`)) })
  )

/** The `lastError` of the first `Reconnecting` state, once there is one. */
const firstReconnect = (conn: Connection.ConnectionShape) =>
  conn.states.pipe(
    Stream.filter((s) => s._tag === "Reconnecting"),
    Stream.runHead,
    Effect.map((s) => s._tag === "Some" && s.value._tag === "Reconnecting" ? s.value.lastError : undefined),
    Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die(new Error("no reconnect within 10 s")) })
  )

/** Collects log lines at `level` and above, as `message` JSON. */
const logCollector = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    if (options.logLevel !== "Debug" && options.logLevel !== "Trace") {
      lines.push(`${options.logLevel} ${JSON.stringify(options.message)}`)
    }
  })
  return { lines, layer: Logger.layer([logger]) }
}

const dataFrames = (frames: ReadonlyArray<Connection.Frame>) =>
  frames.filter((f): f is string => typeof f === "string" && f.startsWith("{\"n\":"))

const subscribeMessages = (log: ReadonlyArray<string> | undefined, method = "SUBSCRIPTION") =>
  (log ?? []).flatMap((text) => {
    const msg = JSON.parse(text) as { method: string; params: Array<string> }
    return msg.method === method ? msg.params : []
  })

describe("Connection", () => {
  live("delivers frames in order, keeps acks and pongs off the data path, and sends", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { frames, sink } = recordingSink()
      const conn = yield* connect(server.url, sink)
      yield* conn.awaitOpen
      yield* conn.subscribe("spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT")
      yield* server.waitFor("subscribe", () => subscribeMessages(server.received[0]).length === 1)
      for (let n = 0; n < 500; n++) server.broadcast(JSON.stringify({ n }))
      server.broadcast(new Uint8Array([1, 2, 3]))
      yield* server.waitFor("frames", () => frames.length === 501)
      assert.deepStrictEqual(dataFrames(frames).map((f) => (JSON.parse(f) as { n: number }).n), [
        ...Array(500).keys()
      ])
      assert.deepStrictEqual(frames[500], new Uint8Array([1, 2, 3]))
      yield* conn.send("{\"method\":\"PING\"}")
      yield* server.waitFor("ping", () => server.received[0]!.includes("{\"method\":\"PING\"}"))
      const stats = yield* conn.stats
      assert.strictEqual(stats.framesDelivered, 501)
      assert.isAtLeast(stats.controlFrames, 1, "the subscribe ack is consumed by the connection")
    })))

  live("reconnects after the server drops it and replays every held subscription", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { frames, sink } = recordingSink()
      const conn = yield* connect(server.url, sink)
      const states: Array<string> = []
      yield* conn.states.pipe(Stream.runForEach((s) => Effect.sync(() => states.push(s._tag))), Effect.forkScoped)
      yield* conn.subscribe("a")
      yield* conn.subscribe("b")
      yield* server.waitFor("two subscribes", () => subscribeMessages(server.received[0]).length === 2)

      server.dropAll()
      yield* server.waitFor("second connection", () => server.accepted() === 2)
      yield* server.waitFor("replay", () => subscribeMessages(server.received[1]).length === 2)
      assert.deepStrictEqual(subscribeMessages(server.received[1]), ["a", "b"])

      server.closeAll(1001)
      yield* server.waitFor("third connection", () => server.accepted() === 3)
      yield* server.waitFor("replay", () => subscribeMessages(server.received[2]).length === 2)
      yield* conn.awaitOpen
      server.broadcast(JSON.stringify({ n: 1 }))
      yield* server.waitFor("frame after reconnect", () => dataFrames(frames).length === 1)

      const stats = yield* conn.stats
      assert.strictEqual(stats.connects, 3)
      assert.strictEqual(stats.reconnects, 2)
      assert.includeMembers(states, ["Open", "Reconnecting", "Connecting"])
    })))

  live("keeps retrying while connections are refused, then connects", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { sink } = recordingSink()
      yield* server.refuse()
      const conn = yield* connect(server.url, sink)
      const attempts: Array<number> = []
      yield* conn.states.pipe(
        Stream.runForEach((s) => Effect.sync(() => s._tag === "Reconnecting" && attempts.push(s.attempt))),
        Effect.forkScoped
      )
      yield* server.waitFor("two refused attempts", () => attempts.length >= 2)
      assert.strictEqual(server.accepted(), 0)
      yield* server.accept()
      yield* conn.awaitOpen
      assert.strictEqual(server.accepted(), 1)
      assert.isAtLeast(attempts.length, 2)
      assert.deepStrictEqual(attempts, attempts.map((_, i) => i + 1), "attempts count up while refused")
    })))

  live("drops a half-open connection that goes silent and reconnects", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { sink } = recordingSink()
      const conn = yield* connect(server.url, sink, { pingInterval: "50 millis", staleAfter: "300 millis" })
      yield* conn.awaitOpen
      server.silent = true
      yield* server.waitFor("reconnect after stale", () => server.accepted() === 2, 5_000)
      server.silent = false
      yield* conn.awaitOpen
      const stats = yield* conn.stats
      assert.isAtLeast(stats.staleDrops, 1)
      assert.isAbove(server.received[0]!.filter((m) => m.includes("PING")).length, 0, "it pinged")
    })))

  live("survives garbage and oversized frames: skips and counts them, keeps delivering", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { frames, garbage, sink } = recordingSink()
      const conn = yield* connect(server.url, sink, { maxFrameBytes: 1024 })
      yield* conn.awaitOpen
      server.broadcast("{not json")
      server.broadcast(new Uint8Array([0xff, 0x00, 0x13]))
      server.broadcast("x".repeat(4096))
      server.broadcast(new Uint8Array(8192))
      server.broadcast(JSON.stringify({ n: 1 }))
      yield* server.waitFor("valid frame after garbage", () => dataFrames(frames).length === 1)
      const stats = yield* conn.stats
      assert.strictEqual(stats.oversizedFrames, 2)
      assert.strictEqual(garbage(), 1)
      assert.strictEqual(stats.connects, 1, "no reconnect was needed")
    })))

  live("reference-counts subscriptions and unsubscribes when the last holder's scope closes", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { sink } = recordingSink()
      const conn = yield* connect(server.url, sink)
      yield* conn.awaitOpen
      const first = yield* Scope.make()
      const second = yield* Scope.make()
      yield* conn.subscribe("depth").pipe(Scope.provide(first))
      yield* conn.subscribe("depth").pipe(Scope.provide(second))
      yield* server.waitFor("subscribe", () => subscribeMessages(server.received[0]).length === 1)
      assert.deepStrictEqual(yield* conn.channels, ["depth"])

      yield* Scope.close(first, Exit.void)
      yield* writerCaughtUp(server, conn, 0)
      assert.deepStrictEqual(subscribeMessages(server.received[0], "UNSUBSCRIPTION"), [])
      yield* Scope.close(second, Exit.void)
      yield* server.waitFor("unsubscribe", () => subscribeMessages(server.received[0], "UNSUBSCRIPTION").length === 1)
      assert.deepStrictEqual(subscribeMessages(server.received[0]), ["depth", "probe"], "one subscribe for two holders")
      assert.deepStrictEqual(yield* conn.channels, ["probe"])

      server.dropAll()
      yield* server.waitFor("reconnect", () => server.accepted() === 2)
      yield* conn.awaitOpen
      yield* writerCaughtUp(server, conn, 1)
      assert.deepStrictEqual(subscribeMessages(server.received[1]), ["probe"], "released channels are not replayed")
    })))

  live("holds writes made while disconnected until the next connection; fails them past the timeout", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { sink } = recordingSink()
      yield* server.refuse()
      const conn = yield* connect(server.url, sink, { writeTimeout: "5 seconds" })
      const pending = yield* Effect.forkChild(conn.send("{\"method\":\"HELLO\"}"))
      yield* awaitState(conn, "a refused attempt", (s) => s._tag === "Reconnecting")
      assert.isUndefined(pending.pollUnsafe(), "the write waits")
      yield* server.accept()
      yield* Fiber.join(pending)
      yield* server.waitFor("held write", () => server.received[0]?.includes("{\"method\":\"HELLO\"}") === true)

      yield* server.refuse()
      server.dropAll()
      const short = yield* connect(server.url, sink, { writeTimeout: "100 millis" })
      const exit = yield* Effect.exit(short.send("lost?"))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag === "Fail" ? error.error.reason._tag : undefined, "WriteTimeout")
    })))

  live("a subscribe made while disconnected returns at once and is sent when the connection opens", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      yield* server.refuse()
      const conn = yield* connect(server.url, recordingSink().sink, { writeTimeout: "100 millis" })
      // Well into an outage (longer than the write timeout): neither waits for, nor fails on, it.
      yield* awaitState(conn, "three refused attempts", (s) => s._tag === "Reconnecting" && s.attempt >= 3)
      yield* conn.subscribe("depth")
      const gone = yield* Scope.make()
      yield* conn.subscribe("trades").pipe(Scope.provide(gone))
      yield* Scope.close(gone, Exit.void)
      assert.deepStrictEqual(yield* conn.channels, ["depth"])
      yield* server.accept()
      yield* conn.awaitOpen
      yield* server.waitFor("subscribe on connect", () => subscribeMessages(server.received[0]).length > 0)
      yield* writerCaughtUp(server, conn, 0)
      assert.deepStrictEqual(subscribeMessages(server.received[0]), ["depth", "probe"], "once, and not the released one")
    })))

  live("a subscribe fails with ConnectionShutdown once the connection has given up", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      yield* server.refuse()
      const conn = yield* connect(server.url, recordingSink().sink, { maxAttempts: 2 })
      yield* conn.states.pipe(Stream.runDrain)
      const exit = yield* Effect.exit(Effect.scoped(conn.subscribe("depth")))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag === "Fail" ? error.error.reason._tag : undefined, "ConnectionShutdown")
      assert.deepStrictEqual(yield* conn.channels, [])
    })))

  live("a refused channel fails its holders with the venue's message, is not replayed, and leaves others alone", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const warnings: Array<string> = []
      const collector = Logger.make((options) => {
        if (options.logLevel === "Warn") warnings.push(JSON.stringify(options.message))
      })
      yield* Effect.gen(function*() {
        const server = yield* LoopbackWsServer.make
        server.refuseChannel = (channel) => channel.endsWith("@NOPE")
        const { frames, sink } = recordingSink()
        const conn = yield* connect(server.url, sink)
        yield* conn.awaitOpen
        const good = yield* conn.subscribe("spot@x@GOOD")
        const badScope = yield* Scope.make()
        const bad = yield* conn.subscribe("spot@x@NOPE").pipe(Scope.provide(badScope))
        const error = yield* Effect.flip(bad.refused)
        assert.strictEqual(error.reason._tag, "SubscriptionRefused")
        if (error.reason._tag !== "SubscriptionRefused") return
        assert.strictEqual(error.reason.channel, "spot@x@NOPE")
        assert.strictEqual(error.reason.message, "Not Subscribed successfully! [spot@x@NOPE].  Reason： Blocked! ")
        assert.isFalse(error.retryable)
        assert.isUndefined(yield* good.refused.pipe(Effect.timeoutOption("50 millis"), Effect.map(() => undefined)))
        // A holder arriving while the channel stands refused learns it at once, without a frame.
        const late = yield* conn.subscribe("spot@x@NOPE")
        assert.strictEqual((yield* Effect.flip(late.refused)).reason._tag, "SubscriptionRefused")
        assert.deepStrictEqual(yield* conn.channels, ["spot@x@GOOD"])
        assert.strictEqual((yield* conn.stats).refusedSubscriptions, 1)
        assert.strictEqual(frames.length, 0, "the refusal is a control reply, not data")

        server.dropAll()
        yield* server.waitFor("reconnect", () => server.accepted() === 2)
        yield* server.waitFor("replay", () => subscribeMessages(server.received[1]).length > 0)
        assert.deepStrictEqual(subscribeMessages(server.received[1]), ["spot@x@GOOD"], "the refused one is not replayed")
        server.broadcast(JSON.stringify({ n: 1 }))
        yield* server.waitFor("data after the reconnect", () => dataFrames(frames).length === 1)
        assert.deepStrictEqual(subscribeMessages(server.received[0]), ["spot@x@GOOD", "spot@x@NOPE"])
        assert.deepStrictEqual(subscribeMessages(server.received[0], "UNSUBSCRIPTION"), [])
      }).pipe(Effect.scoped, Effect.provide(Logger.layer([collector])))
      assert.isTrue(warnings.some((w) => w.includes("Not Subscribed successfully! [spot@x@NOPE]")), warnings.join("\n"))
    })))

  // Issue 16, item 9: a refusal counts only for a channel still waiting for its answer.
  const fakeRefusal = (channel: string) =>
    JSON.stringify({ id: 0, code: 0, msg: `Not Subscribed successfully! [${channel}].  Reason： Blocked! ` })

  live("a stray refusal for a channel already acknowledged fails nothing: the channel stays held, replayed, delivering", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const warnings: Array<string> = []
      const collector = Logger.make((options) => {
        if (options.logLevel === "Warn") warnings.push(JSON.stringify(options.message))
      })
      yield* Effect.gen(function*() {
        const server = yield* LoopbackWsServer.make
        const { frames, sink } = recordingSink()
        const conn = yield* connect(server.url, sink, { pingInterval: false })
        const held = yield* conn.subscribe("spot@x@GOOD")
        yield* waitUntilEffect("the ack", conn.stats.pipe(Effect.map((s) => s.controlFrames >= 1)))
        server.broadcast(fakeRefusal("spot@x@GOOD"))
        server.broadcast(fakeRefusal("spot@x@GOOD"))
        server.broadcast(JSON.stringify({ n: 1 }))
        yield* server.waitFor("data after the refusals", () => dataFrames(frames).length === 1)
        assert.deepStrictEqual(yield* conn.channels, ["spot@x@GOOD"])
        assert.strictEqual((yield* conn.stats).refusedSubscriptions, 0)
        assert.isTrue(Exit.isSuccess(yield* held.refused.pipe(Effect.timeoutOption("1 millis"), Effect.exit)), "the holder was not failed")
        server.dropAll()
        yield* server.waitFor("replay", () => subscribeMessages(server.received[1]).length > 0)
        assert.deepStrictEqual(subscribeMessages(server.received[1]), ["spot@x@GOOD"], "still replayed after a reconnect")
        // Waiting again for its answer: a refusal now counts.
        server.refuseChannel = () => true
        const other = yield* conn.subscribe("spot@x@LATER")
        assert.strictEqual((yield* Effect.flip(other.refused)).reason._tag, "SubscriptionRefused")
        assert.strictEqual((yield* conn.stats).refusedSubscriptions, 1)
      }).pipe(Effect.scoped, Effect.provide(Logger.layer([collector])))
      assert.isTrue(warnings.some((w) => w.includes("ignored a refusal")), warnings.join("\n"))
    })))

  live("answers passed through to the sink (a private stream reads its own acks): a repeated or stray ack goes no further", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { frames, sink } = recordingSink()
      // MEXC's private stream: only pongs are consumed; acks and refusals reach its queue.
      const passThrough: Protocol.SubscriptionProtocol = {
        ...MexcProtocol.userData,
        isControl: (frame) => frame.startsWith("{\"id\":") && frame.includes("\"PONG\""),
        refusal: undefined
      }
      const orders = "spot@private.orders.v3.api.pb"
      const conn = yield* connect(server.url, sink, { protocol: passThrough, pingInterval: false })
      yield* conn.subscribe(orders)
      const acks = () => frames.filter((f) => typeof f === "string" && f.includes(orders) && !f.includes("Not Subscribed"))
      yield* server.waitFor("the genuine ack, delivered", () => acks().length === 1)
      const ack = JSON.stringify({ id: 0, code: 0, msg: orders })
      server.broadcast(ack)
      server.broadcast(JSON.stringify({ id: 0, code: 0, msg: "spot@private.deals.v3.api.pb" }))
      server.broadcast(JSON.stringify({ n: 1 }))
      yield* server.waitFor("data after them", () => dataFrames(frames).length === 1)
      assert.strictEqual(acks().length, 1, "the repeated ack was not handed on as a new subscription")
      server.dropAll()
      yield* server.waitFor("the ack of the replay, delivered", () => acks().length === 2)
    })))

  live("a refused channel is tried again once every holder has released it", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      let refuse = true
      server.refuseChannel = () => refuse
      const conn = yield* connect(server.url, recordingSink().sink)
      yield* conn.awaitOpen
      yield* Effect.scoped(Effect.flatMap(conn.subscribe("spot@x@LATER"), (s) => Effect.flip(s.refused)))
      refuse = false
      const again = yield* conn.subscribe("spot@x@LATER")
      yield* server.waitFor("second subscribe", () => subscribeMessages(server.received[0]).length === 2)
      assert.isUndefined(yield* again.refused.pipe(Effect.timeoutOption("50 millis"), Effect.map(() => undefined)))
      assert.deepStrictEqual(yield* conn.channels, ["spot@x@LATER"])
    })))

  live("gives up after maxAttempts and fails writes with ConnectionShutdown", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      yield* server.refuse()
      const conn = yield* connect(server.url, recordingSink().sink, { maxAttempts: 3 })
      const final = yield* conn.states.pipe(Stream.runLast)
      assert.strictEqual(final._tag === "Some" ? final.value._tag : undefined, "Closed")
      const exit = yield* Effect.exit(conn.send("x"))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag === "Fail" ? error.error.reason._tag : undefined, "ConnectionShutdown")
      assert.isFalse(error?._tag === "Fail" && error.error.retryable)
    })))

  live("maxStartAttempts bounds the start-up only: warnings, no reconnects counted, then ConnectionShutdown", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const warnings: Array<string> = []
      const collector = Logger.make((options) => {
        if (options.logLevel === "Warn") warnings.push(JSON.stringify(options.message))
      })
      const server = yield* LoopbackWsServer.make
      yield* server.refuse()
      const conn = yield* connect(server.url, recordingSink().sink, { maxStartAttempts: 3 }).pipe(
        Effect.provide(Logger.layer([collector]))
      )
      const final = yield* conn.states.pipe(Stream.runLast)
      assert.strictEqual(final._tag === "Some" ? final.value._tag : undefined, "Closed")
      assert.strictEqual((yield* conn.stats).reconnects, 0, "failed start-up dials are not reconnects")
      assert.strictEqual(warnings.filter((w) => w.includes("cannot connect (attempt")).length, 2, warnings.join("\n"))
      assert.isTrue(warnings.some((w) => w.includes("giving up after 3 attempts (never connected)")), warnings.join("\n"))
      const exit = yield* Effect.exit(conn.send("x"))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag === "Fail" ? error.error.reason._tag : undefined, "ConnectionShutdown")
    })))

  live("maxStartAttempts does not bound reconnects after a first open", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const conn = yield* connect(server.url, recordingSink().sink, { maxStartAttempts: 1 })
      yield* conn.awaitOpen
      yield* server.refuse()
      server.dropAll()
      // Well past the start-up bound: still trying, never closed.
      yield* conn.states.pipe(
        Stream.filter((s) => s._tag === "Reconnecting" && s.attempt >= 3),
        Stream.take(1),
        Stream.runDrain
      )
      assert.notStrictEqual((yield* conn.state)._tag, "Closed")
      yield* server.accept()
      yield* conn.states.pipe(Stream.filter((s) => s._tag === "Open"), Stream.take(1), Stream.runDrain)
      assert.isAtLeast((yield* conn.stats).reconnects, 3)
    })))

  live("closes with a normal close frame and shows up in the lifecycle log", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const events: Array<string> = []
      const closes: Array<number> = []
      const scope = yield* Scope.make()
      const conn = yield* connect(server.url, recordingSink().sink).pipe(
        Scope.provide(scope),
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => events.push(`${e.component}:${e.phase}`))
      )
      yield* conn.awaitOpen
      server.clients()[0]!.on("close", (code) => closes.push(code))
      yield* Scope.close(scope, Exit.void)
      yield* server.waitFor("close frame", () => closes.length === 1)
      assert.deepStrictEqual(closes, [1000])
      assert.deepStrictEqual(events, [
        "connection:test:starting",
        "connection:test:started",
        "connection:test:stopping",
        "connection:test:stopped"
      ])
      assert.strictEqual((yield* conn.state)._tag, "Closed")
    })))

  /**
   * Connects to a deaf peer (one that never answers our close frame) inside a scope of its own and
   * hands back what `check` needs; closing that scope is the caller's. The lifecycle log of the
   * connection is collected in `events`.
   */
  const connectToDeafPeer = (
    deaf: DeafWsServer.DeafWsServer,
    sink: Connection.FrameSink,
    closeTimeout: Duration.Input
  ) =>
    Effect.gen(function*() {
      const events: Array<Lifecycle.LifecycleEvent> = []
      const scope = yield* Scope.make()
      const conn = yield* connect(deaf.url, sink, { closeTimeout, stopBudget: "2 seconds", pingInterval: false }).pipe(
        Scope.provide(scope),
        Effect.provideService(Lifecycle.LifecycleObserver, (e) => events.push(e))
      )
      yield* conn.awaitOpen
      const close = Effect.gen(function*() {
        yield* Scope.close(scope, Exit.void)
        return events.find((e) => e.phase === "stopped")?.outcome
      })
      return { conn, close }
    })

  live("closes within its budget when the server never answers the close handshake", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* DeafWsServer.make()
      const { close } = yield* connectToDeafPeer(server, recordingSink().sink, "200 millis")
      assert.strictEqual(server.sockets.size, 1)
      const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length
      const whileOpen = tcpSockets()
      assert.strictEqual(yield* close, "ok", "the release finished within its budget")
      // The deaf server still holds its end; the client's end must be gone already (terminated,
      // not left to ws's own 30 s close timer).
      assert.strictEqual(server.sockets.size, 1)
      yield* waitUntil("the client's TCP socket gone", () => tcpSockets() === whileOpen - 1, 1_000)
    })))

  live("does not wait for a close reply queued behind a flood it has stopped reading", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      // 4 MB arrive at once; the sink never finishes, so reads pause with most of it unread. The
      // peer would only answer a close frame after we read all that: don't wait for it.
      const server = yield* DeafWsServer.make({ burstFrames: 4000 })
      let holding = false
      const stuck: Connection.FrameSink = () => Effect.andThen(Effect.sync(() => (holding = true)), Effect.never)
      const { close } = yield* connectToDeafPeer(server, stuck, "5 seconds")
      yield* waitUntil("the sink holding a batch", () => holding)
      assert.strictEqual(yield* close, "ok", "closed without waiting out the 5 s close timeout")
    })))

  live("does not wait for a close reply while data is still streaming in", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      // The sink keeps up, but the peer streams a frame every 10 ms: its answer to our close frame
      // would queue behind whatever it has in flight (this one never answers at all).
      const server = yield* DeafWsServer.make({ trickleEveryMs: 10 })
      const { frames, sink } = recordingSink()
      const { close } = yield* connectToDeafPeer(server, sink, "5 seconds")
      yield* waitUntil("data streaming in", () => frames.length > 3)
      assert.strictEqual(yield* close, "ok", "closed without waiting out the 5 s close timeout")
    })))

  live("a peer's close frame ends the session with its code, though the peer then keeps TCP open", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      // ws on its own would sit in CLOSING for 30 s, with pings and writes stalled; the bound below
      // (10 s) only detects a hang.
      const server = yield* DeafWsServer.make({ closeWith: { code: 1001, reason: "going away" } })
      const log = logCollector()
      const lastError = yield* Effect.gen(function*() {
        const conn = yield* connect(server.url, recordingSink().sink, {
          closeTimeout: "200 millis",
          staleAfter: "1 minute",
          backoff: { initial: "1 minute", jitter: 0 }
        })
        return yield* firstReconnect(conn)
      }).pipe(Effect.scoped, Effect.provide(log.layer))
      assert.strictEqual(lastError?._tag, "Closed")
      if (lastError?._tag !== "Closed") return
      assert.strictEqual(lastError.closeCode, 1001)
      assert.strictEqual(lastError.closeReason, "going away")
      assert.strictEqual(lastError.by, "peer")
      assert.isTrue(
        log.lines.some((l) => l.includes("reconnecting") && l.includes("code 1001 (going away): going away")),
        log.lines.join("\n")
      )
    })))

  live("a frame that breaks the protocol (invalid UTF-8) closes with 1007, named as such in state and log", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const log = logCollector()
      const lastError = yield* Effect.gen(function*() {
        const conn = yield* connect(server.url, recordingSink().sink, { backoff: { initial: "1 minute", jitter: 0 } })
        yield* conn.awaitOpen
        server.clients()[0]!.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
        return yield* firstReconnect(conn)
      }).pipe(Effect.scoped, Effect.provide(log.layer))
      assert.strictEqual(lastError?._tag, "Closed")
      if (lastError?._tag !== "Closed") return
      assert.strictEqual(lastError.closeCode, 1007)
      assert.strictEqual(lastError.by, "client")
      assert.include(lastError.message, "code 1007 (invalid frame payload data)")
      assert.include(lastError.message, "UTF-8")
      assert.isTrue(log.lines.some((l) => l.includes("code 1007 (invalid frame payload data)")), log.lines.join("\n"))
    })))

  live("a frame over the WebSocket's own size limit closes with 1009, named as such", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const lastError = yield* Effect.gen(function*() {
        const conn = yield* connect(server.url, recordingSink().sink, {
          backoff: { initial: "1 minute", jitter: 0 }
        }, { maxPayloadBytes: 4096 })
        yield* conn.awaitOpen
        server.broadcast(new Uint8Array(8192))
        return yield* firstReconnect(conn)
      }).pipe(Effect.scoped)
      assert.strictEqual(lastError?._tag, "Closed")
      if (lastError?._tag !== "Closed") return
      assert.strictEqual(lastError.closeCode, 1009)
      assert.strictEqual(lastError.by, "client")
      assert.include(lastError.message, "code 1009 (message too big)")
    })))

  live("measures text frames in UTF-8 bytes against maxFrameBytes", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { frames, sink } = recordingSink()
      const conn = yield* connect(server.url, sink, { maxFrameBytes: 1024 })
      yield* conn.awaitOpen
      server.broadcast("é".repeat(600)) // 600 UTF-16 units, 1200 bytes: over
      server.broadcast("é".repeat(512)) // 1024 bytes: at the limit
      server.broadcast(JSON.stringify({ n: 1 }))
      yield* server.waitFor("the frame after", () => dataFrames(frames).length === 1)
      assert.strictEqual((yield* conn.stats).oversizedFrames, 1)
      assert.deepStrictEqual(frames.map((f) => typeof f === "string" ? f.length : -1), [512, 7])
    })))
})
