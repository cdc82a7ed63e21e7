/**
 * `arb` as users run it: a real child process, real signals, real simulators over real HTTP and
 * WebSocket. After every stop, each simulator is asked over signed REST whether the demo account
 * still has an open order (it must not). Time bounds are hang detectors, not performance
 * assertions.
 *
 * Both venues speak MEXC's dialect (`--venues mexc,mexc#2`, two simulators with different seeds):
 * the Gate.io connector is not in the venue registry yet.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { MexcSigning } from "../../src/venues/mexc/index.ts"
import { type Run, runCli, spawnEntry, stoppingOrder } from "./support.ts"

const simEntry = new URL("../../src/cli/sim.ts", import.meta.url).pathname

/** A standalone simulator (`npm run sim -- --port 0 --seed n`), its REST URL read from its start line. */
const standaloneSim = (seed: number) =>
  Effect.gen(function*() {
    const sim = yield* spawnEntry(simEntry, ["--port", "0", "--seed", String(seed)])
    yield* sim.waitFor(/sim rest=\S+ ws=\S+/)
    return /sim rest=(\S+) ws=/.exec(sim.output())![1]!
  })

/** The demo account's open orders on HIFIUSDT, asked of a simulator over signed REST. */
const openOrders = (restUrl: string) =>
  Effect.promise(async () => {
    const query = MexcSigning.signQuery(Redacted.make("sim-secret"), { symbol: "HIFIUSDT" }, Date.now())
    const response = await fetch(`${restUrl}/api/v3/openOrders?${query}`, { headers: { "X-MEXC-APIKEY": "sim-key" } })
    return (await response.json()) as ReadonlyArray<unknown>
  })

/** The strategy stops first: its orders are done before either venue closes. */
const assertStrategyStoppedFirst = (proc: Run) => {
  const stopping = stoppingOrder(proc.output()).filter((e) => e.endsWith(":stopping"))
  assert.strictEqual(stopping[0], "arb:stopping", proc.output())
}

/** The stop report's lines: each venue with 0 open orders of ours, confirmed over REST. */
const assertNothingLeftOpen = (output: string) => {
  assert.match(output, /stop: attempt in flight (none|finished|interrupted), \d+ order\(s\) canceled, within budget; position [+-][\d.]+ HIFI/, output)
  assert.match(output, /mexc \(HIFIUSDT\): net [+-][\d.]+ HIFI, [+-][\d.]+ USDT; open orders of ours 0 \(confirmed over REST\)/, output)
  assert.match(output, /mexc#2 \(HIFIUSDT\): net [+-][\d.]+ HIFI, [+-][\d.]+ USDT; open orders of ours 0 \(confirmed over REST\)/, output)
}

describe("CLI: arb", () => {
  it.live("runs its attempts on two simulators, prints each, the summary, the position and the exit report, and exits 0 by itself", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Effect.all([standaloneSim(1), standaloneSim(2)], { concurrency: 2 })
      // A negative threshold makes every update an attempt: the machinery runs whatever the market
      // (and no kill switch on one-legged attempts, which a loaded machine makes more likely).
      const proc = yield* runCli([
        "arb",
        "--venues",
        "mexc,mexc#2",
        "--rest-urls",
        `${a},${b}`,
        "--min-profit-bps=-1000",
        "--max-loss",
        "1000",
        "--max-one-legged",
        "0",
        "--max-attempts",
        "3",
        "--duration",
        "60"
      ])
      assert.strictEqual(yield* proc.exit(90_000), 0, proc.output())
      const out = proc.output()
      assert.match(out, /attempt 1 (completed|missed|unwound|dust): buy on mexc(#2)?, sell on mexc(#2)?, 20 HIFI/, out)
      assert.match(out, /attempt 3 /, out)
      assert.match(out, /arb HIFI\/USDT: 3 attempts in [\d.]+ s \([\d.]+\/min\): \d+ completed/, out)
      assert.match(out, /PnL [+-][\d.]+ USDT \(inventory marked at [\d.]+\)/, out)
      assert.match(out, /detect->both acks p50 (\d+ ms|-), p99 (\d+ ms|-)/, out)
      assertNothingLeftOpen(out)
      assert.match(out, /shutdown\s+stopped in\s+budget\s+outcome/, out)
      assertStrategyStoppedFirst(proc)
      assert.deepStrictEqual(yield* openOrders(a), [], out)
      assert.deepStrictEqual(yield* openOrders(b), [], out)
    }), 120_000)

  it.live("SIGINT at random moments of an attempt: exit 130, 0 open orders on both venues, the net position reported", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Effect.all([standaloneSim(3), standaloneSim(4)], { concurrency: 2 })
      // Attempts back to back (no threshold, no cooldown, no order budget to speak of): the signals
      // land before, during and between attempts.
      for (const delayMs of [0, 7, 23, 61]) {
        const proc = yield* runCli([
          "arb",
          "--venues",
          "mexc,mexc#2",
          "--rest-urls",
          `${a},${b}`,
          "--min-profit-bps=-1000",
          "--max-loss",
          "1000",
          "--max-one-legged",
          "0",
          "--max-attempts",
          "0",
          "--duration",
          "0",
          "--cooldown",
          "0",
          "--orders-per-second",
          "1000"
        ])
        yield* proc.waitFor(/attempt \d+ /, 60_000)
        yield* Effect.sleep(`${delayMs} millis`)
        yield* proc.kill("SIGINT")
        assert.strictEqual(yield* proc.exit(30_000), 130, proc.output())
        const out = proc.output()
        assertNothingLeftOpen(out)
        assertStrategyStoppedFirst(proc)
        assert.deepStrictEqual(yield* openOrders(a), [], out)
        assert.deepStrictEqual(yield* openOrders(b), [], out)
      }
    }), 240_000)

  it.live("a venue this build does not have is one line and exit 1", () =>
    Effect.gen(function*() {
      const proc = yield* runCli(["arb", "--venues", "mexc,nowhere", "--duration", "1"])
      assert.strictEqual(yield* proc.exit(), 1, proc.output())
      assert.match(proc.output(), /arb: .*no venue "nowhere"/)
    }))
})
