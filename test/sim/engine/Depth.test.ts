import { assert, describe, it } from "@effect/vitest"
import {
  type DepthDelta,
  type DepthSnapshot,
  type LevelChange,
  Prng,
  SimEngine,
  SyntheticMarket
} from "../../../src/sim/engine/index.ts"
import { limit, makeTestEngine, ok, T0 } from "./helpers.ts"

type Push = Extract<DepthDelta, { _tag: "Changes" }>

/**
 * A client following MEXC's documented order-book sync procedure (mexc-wire.md): buffer pushes,
 * take a snapshot, drop pushes older than it, then require each push to start right after the
 * previous one. Any gap is recorded.
 */
class SyncClient {
  readonly bids = new Map<string, string>()
  readonly asks = new Map<string, string>()
  private buffer: Array<Push> = []
  private last: number | undefined = undefined
  gaps = 0
  applied = 0

  onPush(push: Push): void {
    if (this.last === undefined) this.buffer.push(push)
    else this.apply(push)
  }

  onSnapshot(snapshot: DepthSnapshot): void {
    for (const [p, q] of snapshot.bids) this.bids.set(p, q)
    for (const [p, q] of snapshot.asks) this.asks.set(p, q)
    this.last = snapshot.lastUpdateId
    const buffered = this.buffer
    this.buffer = []
    for (const push of buffered) if (push.toVersion > snapshot.lastUpdateId) this.apply(push)
  }

  private apply(push: Push): void {
    const last = this.last!
    const first = this.applied === 0
    const continuous = first ? push.fromVersion <= last + 1 && push.toVersion > last : push.fromVersion === last + 1
    if (!continuous) this.gaps++
    for (const [p, q] of push.bids) q === "0" ? this.bids.delete(p) : this.bids.set(p, q)
    for (const [p, q] of push.asks) q === "0" ? this.asks.delete(p) : this.asks.set(p, q)
    this.last = push.toVersion
    this.applied++
  }
}

/** The server side of one aggregated depth channel: one push per window, if anything changed. */
const makeChannel = (engine: SimEngine, symbol: string) => {
  let sent = engine.depthVersion(symbol)!
  return (): Push | undefined => {
    const delta = engine.depthChangesSince(symbol, sent)!
    if (delta._tag === "TooOld") throw new Error("change log overrun")
    if (delta._tag === "Unchanged") return undefined
    sent = delta.toVersion
    return delta
  }
}

const asMaps = (snapshot: DepthSnapshot) => ({
  bids: new Map(snapshot.bids.map(([p, q]) => [p, q])),
  asks: new Map(snapshot.asks.map(([p, q]) => [p, q]))
})

describe("depth versions", () => {
  it("a client syncing by MEXC's procedure never sees a gap and always matches the REST snapshot", () => {
    const engine = SimEngine.make()
    let now = T0
    const market = SyntheticMarket.make(engine, { seed: 7 }, now)
    const random = new Prng(99)
    const window10 = makeChannel(engine, "BTCUSDT")
    const window100 = makeChannel(engine, "BTCUSDT")
    const fast = new SyncClient()
    const slow = new SyncClient()
    let checks = 0
    for (let tick = 1; tick <= 3000; tick++) {
      now += 10
      market.step(now)
      // A user trading too: rests, crosses and cancels, between market ticks.
      if (random.chance(0.05)) {
        const ticker = engine.bookTicker("BTCUSDT")!
        const side = random.chance(0.5) ? "BUY" : "SELL"
        const offset = (random.int(5) - 2) * 3.25
        const price = (Number(side === "BUY" ? ticker.bidPrice : ticker.askPrice) + offset).toFixed(2)
        engine.placeOrder("sim-key", { symbol: "BTCUSDT", side, type: "LIMIT", price, quantity: "0.001" }, now)
      }
      if (random.chance(0.02)) {
        const open = ok(engine.openOrders("sim-key", "BTCUSDT"))
        if (open.length > 0) ok(engine.cancelOrder("sim-key", { symbol: "BTCUSDT", orderId: open[0]!.orderId }, now))
      }
      const push10 = window10()
      if (push10 !== undefined && tick >= 50) fast.onPush(push10)
      if (tick === 73) fast.onSnapshot(engine.depth("BTCUSDT", 5000)!)
      if (tick === 455) slow.onSnapshot(engine.depth("BTCUSDT", 5000)!)
      if (tick % 10 === 0) {
        const push100 = window100()
        if (push100 !== undefined && tick >= 200) slow.onPush(push100)
        if (tick > 455) {
          const truth = asMaps(engine.depth("BTCUSDT", 5000)!)
          assert.deepStrictEqual(slow.bids, truth.bids)
          assert.deepStrictEqual(slow.asks, truth.asks)
          checks++
        }
      }
    }
    const truth = asMaps(engine.depth("BTCUSDT", 5000)!)
    assert.deepStrictEqual(fast.bids, truth.bids)
    assert.deepStrictEqual(fast.asks, truth.asks)
    assert.strictEqual(fast.gaps, 0)
    assert.strictEqual(slow.gaps, 0)
    assert(fast.applied > 2500, `fast channel applied ${fast.applied} pushes`)
    assert(slow.applied > 250, `slow channel applied ${slow.applied} pushes`)
    assert(checks > 250)
  })

  it("every level change is one version; listeners see them in order with absolute quantities", () => {
    const engine = makeTestEngine()
    const changes: Array<LevelChange> = []
    const stop = engine.subscribeDepth("TESTUSDT", (change) => changes.push(change))
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0)) // v1: ask 10 -> 1
    ok(engine.placeOrder("alice", limit("SELL", "10", "2"), T0)) // v2: ask 10 -> 3
    ok(engine.placeOrder("alice", limit("SELL", "10.5", "1"), T0)) // v3: ask 10.5 -> 1
    ok(engine.placeOrder("bob", limit("BUY", "10.5", "3.5"), T0)) // v4,v5: ask 10 -> 2 -> 0; v6: 10.5 -> 0.5
    stop()
    assert.deepStrictEqual(
      changes.map((c) => [c.version, c.side, c.price, c.quantity]),
      [
        [1, "SELL", "10", "1"],
        [2, "SELL", "10", "3"],
        [3, "SELL", "10.5", "1"],
        [4, "SELL", "10", "2"],
        [5, "SELL", "10", "0"],
        [6, "SELL", "10.5", "0.5"]
      ]
    )
    assert.strictEqual(engine.depth("TESTUSDT")!.lastUpdateId, 6)
  })

  it("changesSince reports each changed level once, best first, removed levels as 0", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("BUY", "9", "1"), T0))
    const since = engine.depthVersion("TESTUSDT")!
    const gone = ok(engine.placeOrder("alice", limit("BUY", "9.5", "1"), T0))
    ok(engine.placeOrder("alice", limit("BUY", "9.8", "1"), T0))
    ok(engine.placeOrder("alice", limit("BUY", "9", "2"), T0))
    ok(engine.cancelOrder("alice", { symbol: "TESTUSDT", orderId: gone.orderId }, T0))
    ok(engine.placeOrder("bob", limit("SELL", "11", "1"), T0))
    const delta = engine.depthChangesSince("TESTUSDT", since)!
    assert.deepStrictEqual(delta, {
      _tag: "Changes",
      fromVersion: since + 1,
      toVersion: since + 5,
      bids: [["9.8", "1"], ["9.5", "0"], ["9", "3"]],
      asks: [["11", "1"]]
    })
    assert.deepStrictEqual(engine.depthChangesSince("TESTUSDT", since + 5), { _tag: "Unchanged", version: since + 5 })
    assert.strictEqual(engine.depthChangesSince("NOPE", 0), undefined)
  })

  it("a version older than the change log is reported as TooOld, never as a silent gap", () => {
    const engine = makeTestEngine({ depthLogCapacity: 1024 })
    for (let i = 0; i < 700; i++) {
      const order = ok(engine.placeOrder("alice", limit("BUY", "9", "1"), T0))
      ok(engine.cancelOrder("alice", { symbol: "TESTUSDT", orderId: order.orderId }, T0))
    }
    const version = engine.depthVersion("TESTUSDT")!
    assert.strictEqual(version, 1400)
    assert.deepStrictEqual(engine.depthChangesSince("TESTUSDT", version - 1025), { _tag: "TooOld", version })
    assert.strictEqual(engine.depthChangesSince("TESTUSDT", version - 1024)!._tag, "Changes")
    assert.strictEqual(engine.depthChangesSince("TESTUSDT", -1)!._tag, "TooOld")
  })

  it("a rejected or killed order does not move the version", () => {
    const engine = makeTestEngine()
    ok(engine.placeOrder("alice", limit("SELL", "10", "1"), T0))
    const version = engine.depthVersion("TESTUSDT")
    engine.placeOrder("bob", limit("BUY", "10", "0.01"), T0) // below min notional
    ok(engine.placeOrder("bob", { ...limit("BUY", "10", "5"), type: "FILL_OR_KILL" }, T0))
    assert.strictEqual(engine.depthVersion("TESTUSDT"), version)
  })
})
