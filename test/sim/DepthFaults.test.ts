/**
 * The order-book sync cases a client must survive: the first push after a REST snapshot straddles
 * the snapshot's version or starts right after it (both happen on MEXC, on both intervals), a
 * stale snapshot, reordered and duplicated pushes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SimExchange } from "../../src/sim/index.ts"
import type { WsClient } from "./support.ts"
import { call, connect, eventually, signed, withSim } from "./support.ts"

const depthChannel = (interval: "10ms" | "100ms", symbol = "BTCUSDT") => `spot@public.aggre.depth.v3.api.pb@${interval}@${symbol}`

interface Span {
  readonly from: number
  readonly to: number
}

const spans = (client: WsClient): Array<Span> =>
  client.pushes.flatMap((p) =>
    p.body?.$case === "publicAggreDepths" ? [{ from: Number(p.body.value.fromVersion), to: Number(p.body.value.toVersion) }] : []
  )

const snapshot = (sim: SimExchange.SimExchangeShape, symbol = "BTCUSDT") =>
  Effect.map(call("GET", `${sim.restUrl}/api/v3/depth?symbol=${symbol}&limit=1000`), (answer) => answer.body as {
    lastUpdateId: number
    bids: Array<[string, string]>
    asks: Array<[string, string]>
  })

/**
 * Takes a snapshot, waits for the push that carries the version after it, and says where that
 * push starts: "straddle" (`from <= lastUpdateId`), "adjacent" (`from = lastUpdateId + 1`) or
 * "gap" (later: data is missing).
 */
const firstPushAfterSnapshot = (sim: SimExchange.SimExchangeShape, client: WsClient) =>
  Effect.gen(function*() {
    const { lastUpdateId } = yield* snapshot(sim)
    const push = yield* eventually(() => spans(client).find((s) => s.to > lastUpdateId), "5 seconds", "the push after the snapshot")
    return push.from <= lastUpdateId ? "straddle" : push.from === lastUpdateId + 1 ? "adjacent" : "gap"
  })

const subscribed = (sim: SimExchange.SimExchangeShape, channel: string) =>
  Effect.gen(function*() {
    const client = yield* connect(sim.wsUrl)
    client.send({ method: "SUBSCRIPTION", params: [channel] })
    yield* eventually(() => spans(client).length >= 2, "5 seconds", "the first depth pushes")
    return client
  })

describe("SimExchange depth sync as live", () => {
  for (const interval of ["10ms", "100ms"] as const) {
    it.live(`${interval}: the first push after a snapshot straddles it or starts right after it, taking turns, never a gap`, () =>
      withSim({ seed: 11 }, (sim) =>
        Effect.gen(function*() {
          const client = yield* subscribed(sim, depthChannel(interval))
          const kinds: Array<string> = []
          for (let i = 0; i < 4; i++) kinds.push(yield* firstPushAfterSnapshot(sim, client))
          assert.deepStrictEqual(kinds, ["straddle", "adjacent", "straddle", "adjacent"])
          const all = spans(client)
          for (let i = 1; i < all.length; i++) assert.strictEqual(all[i]!.from, all[i - 1]!.to + 1, "the stream itself stays continuous")
        })))

    it.live(`${interval}: depthSnapshotStart forces one case (flag API and admin endpoint)`, () =>
      withSim({ seed: 12 }, (sim) =>
        Effect.gen(function*() {
          const client = yield* subscribed(sim, depthChannel(interval))
          yield* sim.faults.depthSnapshotStart("straddle")
          for (let i = 0; i < 3; i++) assert.strictEqual(yield* firstPushAfterSnapshot(sim, client), "straddle")
          const answer = yield* call("POST", `${sim.restUrl}/sim/faults/depth-snapshot-start?mode=adjacent`)
          assert.strictEqual(answer.body.depthSnapshotStart, "adjacent")
          for (let i = 0; i < 3; i++) assert.strictEqual(yield* firstPushAfterSnapshot(sim, client), "adjacent")
        })))
  }

  it.live("a straddling snapshot plus the pushes from the one covering lastUpdateId + 1 rebuild the book exactly", () =>
    withSim({ seed: 13, faults: { depthSnapshotStart: "straddle" } }, (sim) =>
      Effect.gen(function*() {
        const client = yield* subscribed(sim, depthChannel("10ms"))
        const start = yield* snapshot(sim)
        yield* eventually(() => spans(client).filter((s) => s.to > start.lastUpdateId).length >= 20, "5 seconds", "20 pushes")
        // The final snapshot starts adjacent: the stream then has a push ending exactly at its version.
        yield* sim.faults.depthSnapshotStart("adjacent")
        const final = yield* snapshot(sim)
        yield* eventually(() => spans(client).some((s) => s.to === final.lastUpdateId), "5 seconds", "the push ending at the final snapshot")
        const bids = new Map(start.bids)
        const asks = new Map(start.asks)
        let version = start.lastUpdateId
        let straddled = false
        for (const push of client.pushes) {
          if (push.body?.$case !== "publicAggreDepths") continue
          const v = push.body.value
          const from = Number(v.fromVersion)
          const to = Number(v.toVersion)
          if (to <= version) continue
          if (version === start.lastUpdateId && from <= version) straddled = true
          assert.strictEqual(from <= version + 1, true, "no gap")
          for (const { price, quantity } of v.bids) quantity === "0" ? bids.delete(price) : bids.set(price, quantity)
          for (const { price, quantity } of v.asks) quantity === "0" ? asks.delete(price) : asks.set(price, quantity)
          version = to
          if (version === final.lastUpdateId) break
        }
        assert.isTrue(straddled, "the first applied push straddled the snapshot")
        assert.strictEqual(version, final.lastUpdateId)
        const sorted = (m: Map<string, string>, dir: number) => [...m].sort((a, b) => dir * (Number(a[0]) - Number(b[0])))
        assert.deepStrictEqual(sorted(bids, -1), final.bids)
        assert.deepStrictEqual(sorted(asks, 1), final.asks)
      })))

  it.live("stale snapshot: REST depth answers the book as armed, older than what the stream sent, once; then fresh", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const bid = (price: string) =>
          signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "ETHUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price })
        yield* bid("3000")
        const armed = yield* snapshot(sim, "ETHUSDT")
        yield* sim.faults.staleSnapshot("ETHUSDT")
        // The stream has not moved past the armed book yet: the answer is fresh, the fault waits.
        assert.strictEqual((yield* snapshot(sim, "ETHUSDT")).lastUpdateId, armed.lastUpdateId)
        assert.deepStrictEqual((yield* sim.faults.snapshot).staleSnapshotsPending, ["ETHUSDT"])

        yield* bid("3001")
        const client = yield* connect(sim.wsUrl)
        client.send({ method: "SUBSCRIPTION", params: [depthChannel("10ms", "ETHUSDT")] })
        yield* eventually(() => client.texts.length >= 1, "5 seconds", "the ack")
        yield* bid("3002")
        const first = yield* eventually(() => spans(client)[0], "5 seconds", "the first push")

        const stale = yield* snapshot(sim, "ETHUSDT")
        assert.deepStrictEqual([stale.lastUpdateId, stale.bids, stale.asks], [armed.lastUpdateId, armed.bids, armed.asks])
        assert.isAbove(first.from, stale.lastUpdateId + 1, "the stream already sent newer versions: a client sees a gap")
        assert.deepStrictEqual((yield* sim.faults.snapshot).staleSnapshotsPending, [])

        const fresh = yield* snapshot(sim, "ETHUSDT")
        assert.strictEqual(fresh.lastUpdateId, first.to)
        assert.deepStrictEqual(fresh.bids.map(([price]) => price), ["3002", "3001", "3000"])
      })))

  it.live("stale snapshot from the admin endpoint (any symbol) is used by the first symbol asked for", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const before = yield* snapshot(sim, "BTCUSDT")
        const armed = yield* call("POST", `${sim.restUrl}/sim/faults/stale-snapshot`)
        assert.deepStrictEqual(armed.body.staleSnapshotsPending, ["*"])
        yield* signed(sim.restUrl, "POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "60000" })
        assert.strictEqual((yield* snapshot(sim, "BTCUSDT")).lastUpdateId, before.lastUpdateId)
        assert.deepStrictEqual((yield* sim.faults.snapshot).staleSnapshotsPending, [])
        assert.isAbove((yield* snapshot(sim, "BTCUSDT")).lastUpdateId, before.lastUpdateId)
      })))

  it.live("reorder: one push arrives after the push that follows it; every version still arrives", () =>
    withSim({ seed: 14 }, (sim) =>
      Effect.gen(function*() {
        const client = yield* subscribed(sim, depthChannel("10ms"))
        yield* sim.faults.reorderDepth("BTCUSDT")
        yield* eventually(() => spans(client).length >= 30, "10 seconds", "30 depth pushes")
        const all = spans(client)
        const breaks: Array<number> = []
        for (let i = 1; i < all.length; i++) if (all[i]!.from !== all[i - 1]!.to + 1) breaks.push(i)
        // [.., a, c, b, d, ..]: c skips b's versions, b goes back to them, d continues c.
        assert.strictEqual(breaks.length, 3, JSON.stringify(all))
        const skip = breaks[0]!
        assert.deepStrictEqual(breaks, [skip, skip + 1, skip + 2])
        const [a, c, b, d] = [all[skip - 1]!, all[skip]!, all[skip + 1]!, all[skip + 2]!]
        assert.strictEqual(b.from, a.to + 1, "the held push is the one that was skipped")
        assert.strictEqual(c.from, b.to + 1)
        assert.strictEqual(d.from, c.to + 1)
        assert.deepStrictEqual((yield* sim.faults.snapshot).depthReordersPending, [])
      })))

  it.live("duplicate: one push arrives twice; the stream is otherwise continuous (admin endpoint)", () =>
    withSim({ seed: 15 }, (sim) =>
      Effect.gen(function*() {
        const client = yield* subscribed(sim, depthChannel("10ms"))
        const armed = yield* call("POST", `${sim.restUrl}/sim/faults/depth-duplicate?symbol=BTCUSDT`)
        assert.deepStrictEqual(armed.body.depthDuplicatesPending, ["BTCUSDT"])
        yield* eventually(() => spans(client).length >= 30, "10 seconds", "30 depth pushes")
        const all = spans(client)
        const repeats: Array<number> = []
        for (let i = 1; i < all.length; i++) {
          if (all[i]!.from === all[i - 1]!.from && all[i]!.to === all[i - 1]!.to) repeats.push(i)
          else assert.strictEqual(all[i]!.from, all[i - 1]!.to + 1)
        }
        assert.strictEqual(repeats.length, 1)
      })))

  it.live("admin: reorder and snapshot-start answer the switchboard; a bad mode is refused; reset clears them", () =>
    withSim({ market: false }, (sim) =>
      Effect.gen(function*() {
        const reorder = yield* call("POST", `${sim.restUrl}/sim/faults/depth-reorder`)
        assert.deepStrictEqual(reorder.body.depthReordersPending, ["*"])
        const bad = yield* call("POST", `${sim.restUrl}/sim/faults/depth-snapshot-start?mode=sideways`)
        assert.strictEqual(bad.status, 400)
        yield* sim.faults.depthSnapshotStart("adjacent")
        yield* sim.faults.reset
        const state = yield* sim.faults.snapshot
        assert.deepStrictEqual(state.depthReordersPending, [])
        assert.strictEqual(state.depthSnapshotStart, "alternate")
      })))
})
