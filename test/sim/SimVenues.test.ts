/**
 * Two venues at once: MEXC and Gate.io on their own ports, accounts and books, correlated through
 * one seeded reference price; crossed prices at a seeded, reproducible rate; `sim --venues`.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { Effect, References, Stream } from "effect"
import * as MexcVenue from "../../src/venues/mexc/MexcVenue.ts"
import * as Venues from "../../src/venues/Venues.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { GateSim, SimExchange, SimVenues } from "../../src/sim/index.ts"
import { gateSigned } from "./gate/support.ts"

const quiet = Effect.provideService(References.MinimumLogLevel, "Warn")

const mid = (top: { bidPrice: string; askPrice: string }) => (Number(top.bidPrice) + Number(top.askPrice)) / 2

describe("SimVenues", () => {
  it.live("serves MEXC and Gate side by side: own ports, own accounts, correlated books", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const venues = yield* SimVenues.SimVenues
        const mexc = yield* SimExchange.SimExchange
        const gate = yield* GateSim.GateSim
        assert.deepStrictEqual(venues.endpoints.map((e) => e.venue), ["mexc", "gate"])
        assert.notStrictEqual(mexc.port, gate.port)
        assert.strictEqual(venues.endpoints[1]!.restUrl, gate.restUrl)
        assert.strictEqual(venues.endpoints[0]!.wsUrl, mexc.wsUrl)

        // The same instruments, one reference: mids within a few basis points of each other.
        for (const [m, g] of [["BTCUSDT", "BTC_USDT"], ["ETHUSDT", "ETH_USDT"]] as const) {
          const a = mid(mexc.engine.bookTicker(m)!)
          const b = mid(gate.engine.bookTicker(g)!)
          assert.isBelow(Math.abs(a - b) / a, 0.002, `${m} ${a} vs ${g} ${b}`)
        }

        // Separate accounts: an order on Gate locks Gate's USDT only.
        const placed = yield* gateSigned(gate, "POST", "/spot/orders", {
          body: { currency_pair: "BTC_USDT", type: "limit", side: "buy", amount: "0.001", price: "50000" }
        })
        assert.strictEqual(placed.status, 201)
        const usdt = (balances: ReadonlyArray<{ asset: string; free: string }> | undefined) => balances?.find((b) => b.asset === "USDT")?.free
        assert.strictEqual(usdt(gate.engine.balances("sim-key")), "9950")
        assert.strictEqual(usdt(mexc.engine.balances("sim-key")), "10000")
      }).pipe(Effect.provide(SimVenues.layer({ seed: 3 })), quiet)
    ))

  it.live("layerVenues: the venues and a Venues service with the exchanges of each dialect given", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const venues = yield* Venues.Venues
        const served = yield* SimVenues.SimVenues
        assert.deepStrictEqual(served.endpoints.map((e) => e.venue), ["mexc", "gate"])
        // Only MEXC's dialect was given: Gate is served, not wired.
        assert.deepStrictEqual(venues.names, ["mexc"])
        const mexc = yield* Venues.get("mexc")
        assert.strictEqual(mexc.public.venue, "mexc")
        const quote = yield* mexc.public.quotes("BTCUSDT").pipe(Stream.take(1), Stream.runHead)
        assert.strictEqual(quote._tag, "Some")
        assert.isDefined(mexc.private)
      }).pipe(Effect.provide(SimVenues.layerVenues({ seed: 2 }, { mexc: MexcVenue.adapter })), quiet)
    ))

  it.live("extra symbols on both sides, following the reference too", () =>
    LeakCheck.scoped(
      Effect.gen(function*() {
        const mexc = yield* SimExchange.SimExchange
        const gate = yield* GateSim.GateSim
        assert.includeMembers(gate.engine.symbols().map((s) => s.symbol), ["SIM1_USDT", "SIM2_USDT"])
        const a = mid(mexc.engine.bookTicker("SIM2USDT")!)
        const b = mid(gate.engine.bookTicker("SIM2_USDT")!)
        assert.isBelow(Math.abs(a - b) / a, 0.005, `${a} vs ${b}`)
        assert.isDefined(SimVenues.correlatedPrices({ mexc: { extraSymbols: 2 } }).reference.priceAt("SIM2/USDT", 10))
      }).pipe(Effect.provide(SimVenues.layer({ seed: 4, mexc: { extraSymbols: 2 }, gate: { extraSymbols: 2 } })), quiet)
    ))

  it("crossed prices between the venues: a seeded, reproducible rate", () => {
    const first = SimVenues.measureCrossings({ seed: 1, seconds: 30 })
    const again = SimVenues.measureCrossings({ seed: 1, seconds: 30 })
    assert.deepStrictEqual(again, first)
    assert.strictEqual(first.ticks, 3000)
    assert.isAbove(first.anyRate, 0)
    assert.isBelow(first.anyRate, 0.5)
    const other = SimVenues.measureCrossings({ seed: 2, seconds: 30 })
    assert.notDeepEqual(other.crossed, first.crossed)
  })

  it("no divergence, no jump, no latency: the venues never cross", () => {
    const none = SimVenues.measureCrossings({
      seed: 1,
      seconds: 20,
      spread: { divergenceBps: 0, jumpsPerHour: 0 },
      latencyMs: { mexc: 0, gate: 0 }
    })
    assert.strictEqual(none.anyRate, 0)
  })

  it("the reference and each venue's divergence are functions of the seed and the tick, whoever asks first", () => {
    const a = SimVenues.correlatedPrices({ seed: 9 })
    const b = SimVenues.correlatedPrices({ seed: 9 })
    // Different orders of asking, same answers.
    const fromA = [a.prices.gate!.divergenceBps("BTC/USDT", 500), a.prices.mexc!.divergenceBps("BTC/USDT", 500), a.reference.priceAt("ETH/USDT", 300)]
    const fromB = [b.reference.priceAt("ETH/USDT", 300), b.prices.mexc!.divergenceBps("BTC/USDT", 500), b.prices.gate!.divergenceBps("BTC/USDT", 500)]
    assert.deepStrictEqual(fromA, [fromB[2], fromB[1], fromB[0]])
    assert.notStrictEqual(fromA[0], fromA[1])
  })
})

describe("sim --venues mexc,gate (child process)", () => {
  it.live("prints one line per venue and serves both dialects", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const node = new URL("../../node_modules/.bin/node", import.meta.url).pathname
      const entry = new URL("../../src/cli/sim.ts", import.meta.url).pathname
      const lines = yield* Effect.acquireRelease(
        Effect.promise(() =>
          new Promise<{ lines: Array<string>; kill: () => void }>((resolve, reject) => {
            const child = spawn(node, [entry, "--port", "0", "--venues", "mexc,gate"], { stdio: ["ignore", "pipe", "pipe"] })
            let out = ""
            child.stdout.on("data", (chunk: Buffer) => {
              out += chunk.toString()
              const lines = out.split("\n").filter((l) => l !== "")
              if (lines.length >= 2) resolve({ lines, kill: () => child.kill("SIGKILL") })
            })
            child.once("exit", (code) => reject(new Error(`exited with ${code}`)))
          })
        ),
        (started) => Effect.sync(() => started.kill())
      )
      const [mexcLine, gateLine] = lines.lines
      assert.match(mexcLine!, /^sim rest=http:\/\/127\.0\.0\.1:\d+ ws=ws:\/\/127\.0\.0\.1:\d+\/ws apiKey=sim-key apiSecret=sim-secret$/)
      const gate = /^sim venue=gate rest=(\S+) ws=(\S+) apiKey=sim-key apiSecret=sim-secret$/.exec(gateLine!)
      assert.isNotNull(gate, gateLine)
      assert.match(gate![1]!, /\/api\/v4$/)
      assert.match(gate![2]!, /\/ws\/v4\/$/)
      const time = yield* Effect.promise(() => fetch(`${gate![1]}/spot/time`).then((r) => r.json() as Promise<{ server_time: number }>))
      assert.isNumber(time.server_time)
      const rest = /rest=(\S+)/.exec(mexcLine!)![1]
      const info = yield* Effect.promise(() => fetch(`${rest}/api/v3/exchangeInfo?symbol=BTCUSDT`).then((r) => r.json() as Promise<{ symbols: Array<unknown> }>))
      assert.strictEqual(info.symbols.length, 1)
    })))
})
