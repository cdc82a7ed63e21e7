/**
 * Timing of the connection (backoff, heartbeat, stale detection) under TestClock, against an
 * in-memory WebSocket whose behaviour each test scripts. The socket-level faults themselves are
 * tested against real loopback servers in Connection.test.ts.
 */
import { assert, describe } from "@effect/vitest"
import { Clock, Effect, Latch, Layer, Stream } from "effect"
import * as Socket from "effect/socket/Socket"
import { TestClock } from "effect/testing"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as Connection from "../../src/socket/Connection.ts"
import type { ConnectionErrorReason } from "../../src/socket/ConnectionError.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import { encodePush } from "../../src/venues/mexc/Proto.ts"
import { effect } from "../support/quiet.ts"

type Listener = (event: Socket.WebSocketEvent) => void

/** An in-memory WebSocket: `open` / `refuse` decide its fate at construction. */
class FakeWebSocket implements Socket.WebSocketLike {
  readyState: number
  readonly sent: Array<string | Uint8Array> = []
  private readonly listeners = new Map<string, Set<Listener>>()
  readonly onSend: (ws: FakeWebSocket, data: string | Uint8Array) => void
  constructor(mode: "open" | "refuse", onSend: (ws: FakeWebSocket, data: string | Uint8Array) => void) {
    this.readyState = mode === "open" ? 1 : 3
    this.onSend = onSend
  }
  addEventListener(type: string, listener: Listener, options?: { readonly once?: boolean }) {
    const wrapped: Listener = options?.once
      ? (event) => {
        this.removeEventListener(type, wrapped)
        listener(event)
      }
      : listener
    ;(wrapped as { original?: Listener }).original = listener
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, set = new Set())
    set.add(wrapped)
  }
  removeEventListener(type: string, listener: Listener) {
    const set = this.listeners.get(type)
    if (!set) return
    for (const l of set) if (l === listener || (l as { original?: Listener }).original === listener) set.delete(l)
  }
  private emit(type: string, event: Socket.WebSocketEvent) {
    for (const l of [...(this.listeners.get(type) ?? [])]) l(event)
  }
  send(data: string | Uint8Array) {
    this.sent.push(data)
    this.onSend(this, data)
  }
  private peerClose: { readonly code: number; readonly reason: string } | undefined
  close(code = 1000, reason = "") {
    if (this.readyState === 3) return
    this.readyState = 3
    this.emit("close", { code, reason })
  }
  /** Cuts the TCP connection: the close event carries the peer's close code if one arrived. */
  terminate() {
    this.close(this.peerClose?.code ?? 1006, this.peerClose?.reason ?? "")
  }
  message(data: string | Uint8Array) {
    this.emit("message", { data })
  }
  /** The peer's close frame arrives, but not the TCP close: the socket stays CLOSING, no event. */
  receiveCloseFrame(code: number, reason: string) {
    this.readyState = 2
    this.peerClose = { code, reason }
  }
}

/** A WebSocket constructor following `script(attempt)`; it records every socket it made. */
const fakeConstructor = (
  script: (attempt: number) => "open" | "refuse",
  onSend: (ws: FakeWebSocket, data: string | Uint8Array) => void = () => {}
) => {
  const sockets: Array<FakeWebSocket> = []
  const layer = Layer.succeed(Socket.WebSocketConstructor)(() => {
    const ws = new FakeWebSocket(script(sockets.length + 1), onSend)
    sockets.push(ws)
    return ws
  })
  return { sockets, layer }
}

/** Moves the TestClock and lets the fibers it woke run to their next wait. */
const advance = (ms: number) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(ms)
    for (let i = 0; i < 10; i++) yield* Effect.yieldNow
  })

const settle = advance(0)

const make = (layer: Layer.Layer<Socket.WebSocketConstructor>, extra?: Partial<Connection.ConnectionOptions>) =>
  Connection.make({
    name: "timed",
    url: "ws://fake",
    // JSON text frames stand for data here: every frame counts as liveness, writes are unlimited.
    protocol: MexcProtocol.jsonMethodProtocol(),
    sink: () => Effect.void,
    backoff: { initial: "100 millis", max: "1 second", factor: 2, jitter: 0 },
    closeTimeout: "100 millis",
    ...extra
  }).pipe(Effect.provide(layer))

const retryDelays = (conn: Connection.ConnectionShape) => {
  const delays: Array<number> = []
  return Effect.as(
    conn.states.pipe(
      Stream.runForEach((s) => Effect.sync(() => s._tag === "Reconnecting" && delays.push(s.retryInMs))),
      Effect.forkScoped
    ),
    delays
  )
}

describe("Connection timing (TestClock)", () => {
  effect("backs off exponentially up to the cap, and dials exactly when each delay is up", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const fake = fakeConstructor(() => "refuse")
      const conn = yield* make(fake.layer, { pingInterval: false })
      const delays = yield* retryDelays(conn)
      yield* settle
      assert.strictEqual(fake.sockets.length, 1)
      for (const delay of [100, 200, 400, 800, 1000, 1000]) {
        const dialed = fake.sockets.length
        yield* advance(delay - 1)
        assert.strictEqual(fake.sockets.length, dialed, `no dial before ${delay} ms`)
        yield* advance(1)
        assert.strictEqual(fake.sockets.length, dialed + 1, `a dial at ${delay} ms`)
      }
      assert.deepStrictEqual(delays.slice(0, 6), [100, 200, 400, 800, 1000, 1000])
    })))

  /**
   * Refused, refused, then a connection that stays open for `openForMs` before the peer closes it;
   * returns the backoff delays seen.
   */
  const delaysAroundOneSession = (openForMs: number) =>
    Effect.gen(function*() {
      const fake = fakeConstructor((attempt) => attempt === 3 ? "open" : "refuse")
      const conn = yield* make(fake.layer, { pingInterval: false, resetBackoffAfter: "10 seconds" })
      const delays = yield* retryDelays(conn)
      yield* settle
      yield* advance(100)
      yield* advance(200)
      assert.strictEqual((yield* conn.state)._tag, "Open")
      yield* advance(openForMs)
      fake.sockets[2]!.close(1001)
      yield* settle
      return delays
    })

  effect("starts the backoff over after a connection that stayed open long enough", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      assert.deepStrictEqual(yield* delaysAroundOneSession(15_000), [100, 200, 100])
    })))

  effect("keeps growing the backoff when connections drop right after opening", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      assert.deepStrictEqual(yield* delaysAroundOneSession(1_000), [100, 200, 400])
    })))

  effect("pings on the interval and stays up while pongs come back", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const pong = JSON.stringify({ id: 0, code: 0, msg: "PONG" })
      const fake = fakeConstructor(() => "open", (ws, data) => {
        if (data === MexcProtocol.market.ping) ws.message(pong)
      })
      const conn = yield* make(fake.layer, { pingInterval: "10 seconds", staleAfter: "30 seconds" })
      yield* settle
      const pings = () => fake.sockets[0]!.sent.filter((f) => f === MexcProtocol.market.ping).length
      yield* advance(9_999)
      assert.strictEqual(pings(), 0)
      yield* advance(1)
      assert.strictEqual(pings(), 1)
      yield* advance(50_000)
      assert.strictEqual(pings(), 6)
      assert.strictEqual(fake.sockets.length, 1, "never judged stale")
      assert.strictEqual((yield* conn.stats).controlFrames, 6, "pongs are consumed, not delivered")
    })))

  effect("drops a connection after staleAfter without any frame, then redials", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const fake = fakeConstructor(() => "open")
      // No pings: silence alone (with pings, the unanswered one ends it sooner: see below).
      const conn = yield* make(fake.layer, { pingInterval: false, staleAfter: "30 seconds" })
      yield* settle
      yield* advance(29_000)
      assert.strictEqual(fake.sockets[0]!.readyState, 1)
      yield* advance(1_000)
      assert.strictEqual(fake.sockets[0]!.readyState, 3, "the silent socket was cut")
      const state = yield* conn.state
      assert.strictEqual(state._tag, "Reconnecting")
      assert.strictEqual(state._tag === "Reconnecting" ? state.lastError._tag : undefined, "Stale")
      yield* advance(100)
      assert.strictEqual(fake.sockets.length, 2)
    })))
  // Issue 16, item 11: a half-open socket used to stay up for staleAfter (30 s) though pings go
  // every 10 s; an unanswered ping now ends it within one ping interval plus pongTimeout.
  effect("a half-open socket (pings go out, nothing comes back) is dropped one pongTimeout after the ping", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const pong = JSON.stringify({ id: 0, code: 0, msg: "PONG" })
      let answering = true
      const fake = fakeConstructor(() => "open", (ws, data) => {
        if (data === MexcProtocol.market.ping && answering) ws.message(pong)
      })
      const conn = yield* make(fake.layer, { pingInterval: "10 seconds", staleAfter: "30 seconds", pongTimeout: "5 seconds" })
      const errors: Array<ConnectionErrorReason> = []
      yield* conn.states.pipe(
        Stream.runForEach((s) => Effect.sync(() => s._tag === "Reconnecting" && errors.push(s.lastError))),
        Effect.forkScoped
      )
      yield* settle
      yield* advance(20_000)
      assert.strictEqual((yield* conn.stats).controlFrames, 2, "two pings answered")
      answering = false // half-open from here: the last frame came at 20 s
      yield* advance(10_000) // the ping at 30 s goes unanswered
      yield* advance(4_900)
      assert.strictEqual(fake.sockets[0]!.readyState, 1, "the pong may still come")
      yield* advance(200)
      assert.strictEqual(fake.sockets[0]!.readyState, 3, "cut 5 s after the unanswered ping, 15 s after the last frame")
      const error = errors[0]
      if (error?._tag !== "Stale") return assert.fail(`not stale: ${JSON.stringify(errors)}`)
      assert.strictEqual(error.pingUnansweredMs, 5_000)
      assert.match(error.message, /no answer to a ping for 5000 ms/)
      assert.strictEqual((yield* conn.stats).staleDrops, 1)
    })))

  effect("a slow pong (within pongTimeout) or data in its place keeps the connection", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const slow = fakeConstructor(() => "open")
      const busy = fakeConstructor(() => "open")
      const options = { pingInterval: "10 seconds", staleAfter: "30 seconds", pongTimeout: "5 seconds" } as const
      const a = yield* make(slow.layer, options)
      const b = yield* make(busy.layer, options)
      yield* settle
      for (let second = 1; second <= 60; second++) {
        yield* advance(1_000)
        // One answers each ping 4.9 s late; the other never answers pings but streams data.
        if (second % 10 === 4) slow.sockets[0]!.message(JSON.stringify({ id: 0, code: 0, msg: "PONG" }))
        busy.sockets[0]!.message("{\"n\":1}")
      }
      assert.strictEqual((yield* a.stats).staleDrops, 0)
      assert.strictEqual((yield* b.stats).staleDrops, 0)
      assert.strictEqual(slow.sockets.length, 1)
      assert.strictEqual(busy.sockets.length, 1)
    })))

  effect("judges staleness by elapsed (monotonic) time: a wall clock stepped back or ahead changes nothing", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      // The TestClock, with a wall clock that can be stepped (NTP, a resumed VM) while elapsed
      // time and sleeps go on as before.
      const base = yield* Clock.Clock
      let wallOffsetMs = 0
      const stepped: Clock.Clock = {
        currentTimeMillisUnsafe: () => base.currentTimeMillisUnsafe() + wallOffsetMs,
        currentTimeMillis: Effect.sync(() => base.currentTimeMillisUnsafe() + wallOffsetMs),
        currentTimeNanosUnsafe: () => base.currentTimeNanosUnsafe() + BigInt(wallOffsetMs) * 1_000_000n,
        currentTimeNanos: Effect.sync(() => base.currentTimeNanosUnsafe() + BigInt(wallOffsetMs) * 1_000_000n),
        monotonicTimeNanosUnsafe: () => base.monotonicTimeNanosUnsafe(),
        monotonicTimeNanos: base.monotonicTimeNanos,
        sleep: (duration) => base.sleep(duration)
      }
      const back = fakeConstructor(() => "open")
      const ahead = fakeConstructor(() => "open")
      const silent = yield* make(back.layer, { pingInterval: false, staleAfter: "30 seconds" }).pipe(
        Effect.provideService(Clock.Clock, stepped)
      )
      const quiet = yield* make(ahead.layer, { pingInterval: false, staleAfter: "30 seconds" }).pipe(
        Effect.provideService(Clock.Clock, stepped)
      )
      yield* settle
      yield* advance(1_000)
      ahead.sockets[0]!.message("{\"n\":0}")
      wallOffsetMs = -3_600_000 // stepped back an hour
      yield* advance(29_000)
      assert.strictEqual(back.sockets[0]!.readyState, 3, "the silent socket was cut after 30 s, not 1 h 30 s")
      assert.strictEqual((yield* silent.stats).staleDrops, 1)
      // The other one hears a frame now; then the wall clock jumps an hour ahead.
      wallOffsetMs = 0
      ahead.sockets[0]!.message("{\"n\":1}")
      yield* settle
      wallOffsetMs = 3_600_000
      yield* advance(10_000)
      assert.strictEqual((yield* quiet.stats).staleDrops, 0, "10 s of silence is not stale, whatever the wall clock says")
      assert.strictEqual(ahead.sockets[0]!.readyState, 1)
    })))
  effect("a write made while the socket is closing waits for the next connection instead of spinning", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const fake = fakeConstructor(() => "open")
      const conn = yield* make(fake.layer, { pingInterval: false, writeTimeout: "5 seconds" })
      yield* settle
      // The peer's close frame has arrived; the TCP close has not (ws waits up to 30 s for it).
      const ws = fake.sockets[0]!
      let state = 2
      let reads = 0
      Object.defineProperty(ws, "readyState", {
        configurable: true,
        get: () => {
          reads++
          return state
        },
        set: (value: number) => {
          state = value
        }
      })
      const write = yield* conn.send("{\"method\":\"HELLO\"}").pipe(Effect.forkChild)
      yield* settle
      assert.isBelow(reads, 20, "the writer checked the socket a few times, not in a loop")
      assert.isUndefined(write.pollUnsafe())
      ws.close()
      yield* advance(100)
      yield* settle
      assert.isDefined(write.pollUnsafe())
      assert.deepStrictEqual(fake.sockets[1]!.sent, ["{\"method\":\"HELLO\"}"], "sent on the next connection")
    })))

  effect("a peer's close frame ends the session within closeTimeout, though the peer keeps TCP open", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const fake = fakeConstructor(() => "open")
      const conn = yield* make(fake.layer, { pingInterval: false, staleAfter: "30 seconds", closeTimeout: "1 second" })
      yield* settle
      fake.sockets[0]!.receiveCloseFrame(1001, "going away")
      yield* advance(1_000)
      const state = yield* conn.state
      assert.strictEqual(state._tag, "Reconnecting")
      if (state._tag !== "Reconnecting" || state.lastError._tag !== "Closed") {
        return assert.fail(`expected a Closed reason, got ${JSON.stringify(state)}`)
      }
      assert.strictEqual(state.lastError.closeCode, 1001)
      assert.strictEqual(state.lastError.closeReason, "going away")
      assert.strictEqual(state.lastError.by, "peer")
      assert.strictEqual(state.lastError.message, "connection closed with code 1001 (going away): going away")
      assert.strictEqual(fake.sockets[0]!.readyState, 3, "the lingering socket was cut")
      yield* advance(100)
      assert.strictEqual(fake.sockets.length, 2, "and it redials")
    })))

  effect("every frame it writes passes the protocol's rate: sends, subscribes, unsubscribes", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const fake = fakeConstructor(() => "open")
      const protocol = MexcProtocol.jsonMethodProtocol({ maxChannelsPerFrame: 1, outboundRate: { perSecond: 10, burst: 5 } })
      const conn = yield* make(fake.layer, { protocol, pingInterval: false, writeTimeout: "1 minute" })
      yield* settle
      const sent = () => fake.sockets[0]!.sent.length
      yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => `{"n":${i}}`), conn.send, {
        concurrency: "unbounded",
        discard: true
      }).pipe(Effect.forkChild)
      for (let i = 0; i < 10; i++) yield* conn.subscribe(`ch${i}`)
      yield* settle
      assert.strictEqual(sent(), 5, "the burst")
      yield* advance(99)
      assert.strictEqual(sent(), 5)
      yield* advance(1)
      assert.strictEqual(sent(), 6, "then one per 100 ms")
      yield* advance(900)
      assert.strictEqual(sent(), 15, "15 in the first second: burst + rate")
      yield* advance(500)
      assert.strictEqual(sent(), 20, "all of them, none dropped")
      const subscribes = fake.sockets[0]!.sent.filter((f) => typeof f === "string" && f.includes("\"SUBSCRIPTION\""))
      assert.strictEqual(subscribes.length, 10, "one channel per frame, as this protocol allows")
    })))

  effect("subscriptions made together go out in as few frames as the protocol allows", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const fake = fakeConstructor(() => "open")
      const conn = yield* make(fake.layer, { protocol: MexcProtocol.market, pingInterval: false })
      yield* settle
      for (let i = 0; i < 100; i++) yield* conn.subscribe(`ch${i}`)
      // 60 subscribe/release cycles of one channel: nothing to tell the venue in the end.
      for (let i = 0; i < 60; i++) yield* Effect.scoped(conn.subscribe("flicker"))
      yield* settle
      const frames = fake.sockets[0]!.sent.map((f) => JSON.parse(f as string) as { method: string; params: Array<string> })
      assert.deepStrictEqual(frames.map((f) => [f.method, f.params.length]), [
        ["SUBSCRIPTION", 30],
        ["SUBSCRIPTION", 30],
        ["SUBSCRIPTION", 30],
        ["SUBSCRIPTION", 10]
      ])
      assert.deepStrictEqual(frames.flatMap((f) => f.params), Array.from({ length: 100 }, (_, i) => `ch${i}`))
    })))

  effect("garbage is not a sign of life: a peer that sends only undecodable frames goes stale", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const garbage = fakeConstructor(() => "open")
      const data = fakeConstructor(() => "open")
      const options = { protocol: MexcProtocol.market, pingInterval: false, staleAfter: "30 seconds" } as const
      const dead = yield* make(garbage.layer, options)
      const alive = yield* make(data.layer, options)
      yield* settle
      const frame = encodePush({
        channel: "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT",
        symbol: "BTCUSDT",
        sendTime: 1,
        body: { $case: "publicAggreDeals", value: { eventType: "e", deals: [] } }
      } as Parameters<typeof encodePush>[0])
      for (let second = 1; second <= 30; second++) {
        garbage.sockets[0]!.message(new Uint8Array([0xff, 0x00, 0x13, second]))
        garbage.sockets[0]!.message("{not json")
        garbage.sockets[0]!.message(frame.subarray(0, frame.length - 1)) // truncated
        data.sockets[0]!.message(frame)
        yield* advance(1_000)
      }
      assert.strictEqual((yield* dead.stats).staleDrops, 1, "30 s of garbage is 30 s of silence")
      assert.strictEqual((yield* alive.stats).staleDrops, 0, "well-formed data keeps it alive")
      assert.strictEqual((yield* dead.stats).framesDelivered, 90, "the garbage still reached the sink, to be counted")
    })))

  effect("does not call a connection stale while a slow sink holds back reads", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const fake = fakeConstructor(() => "open")
      const release = Latch.makeUnsafe(false)
      let held = 0
      const conn = yield* make(fake.layer, {
        pingInterval: false,
        staleAfter: "30 seconds",
        sink: (batch) => release.whenOpen(Effect.sync(() => (held += batch.length)))
      })
      yield* settle
      yield* advance(20_000)
      fake.sockets[0]!.message("{\"n\":1}")
      yield* advance(60_000) // the sink holds the batch for a minute: our silence, not the peer's
      assert.strictEqual((yield* conn.stats).staleDrops, 0)
      release.openUnsafe()
      yield* settle
      assert.strictEqual(held, 1)
      yield* advance(29_000)
      assert.strictEqual((yield* conn.stats).staleDrops, 0, "silence counts from when the sink let go")
      yield* advance(1_000)
      assert.strictEqual((yield* conn.stats).staleDrops, 1)
    })))
})
