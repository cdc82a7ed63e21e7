/**
 * `arb` as users run it: a real child process, real signals, real simulators over real HTTP and
 * WebSocket. After every stop, each simulator is asked over signed REST whether the demo account
 * still has an open order (it must not). Time bounds are hang detectors, not performance
 * assertions.
 *
 * The default pair (mexc,gate) runs on one simulator serving both dialects with correlated markets:
 * embedded (the default run, whose own stop report confirms over REST), or standalone
 * (`sim --venues mexc,gate`, asked by the test itself). A second MEXC-dialect instance
 * (`--venues mexc,mexc#2`) runs on a simulator of its own.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { GateSigning } from "../../src/venues/gate/index.ts"
import { openOrders, type Run, runCli, spawnEntry, standaloneSimSeeded, stoppingOrder } from "./support.ts"

const simEntry = new URL("../../src/cli/sim.ts", import.meta.url).pathname

/** A standalone simulator (`npm run sim -- --port 0 --seed n`): its REST URL. */
const standaloneSim = (seed: number) => Effect.map(standaloneSimSeeded(seed), (sim) => sim.restUrl)

/** A standalone `sim --venues mexc,gate --port 0 --seed n`: both sides' REST URLs from its start lines. */
const standaloneSimVenues = (seed: number) =>
  Effect.gen(function*() {
    const sim = yield* spawnEntry(simEntry, ["--venues", "mexc,gate", "--port", "0", "--seed", String(seed)])
    yield* sim.waitFor(/sim venue=gate rest=\S+/)
    yield* sim.waitFor(/sim rest=\S+ ws=/)
    return { mexc: /sim rest=(\S+) ws=/.exec(sim.output())![1]!, gate: /sim venue=gate rest=(\S+) ws=/.exec(sim.output())![1]! }
  })

/** The demo account's open orders on HIFI_USDT, asked of a Gate simulator (`.../api/v4`) over signed REST. */
const gateOpenOrders = (restUrl: string) =>
  Effect.promise(async () => {
    const url = new URL(`${restUrl}/spot/orders?currency_pair=HIFI_USDT&status=open`)
    const timestamp = Math.floor(Date.now() / 1000)
    const sign = GateSigning.signRest(Redacted.make("sim-secret"), {
      method: "GET",
      path: url.pathname,
      query: url.search.slice(1),
      body: "",
      timestamp
    })
    const response = await fetch(url, { headers: { KEY: "sim-key", SIGN: sign, Timestamp: String(timestamp) } })
    return (await response.json()) as ReadonlyArray<unknown>
  })

/** The strategy stops first: its orders are done before either venue closes. */
const assertStrategyStoppedFirst = (proc: Run) => {
  const stopping = stoppingOrder(proc.output()).filter((e) => e.endsWith(":stopping"))
  assert.strictEqual(stopping[0], "arb:stopping", proc.output())
}

const twoMexc = [["mexc", "HIFIUSDT"], ["mexc#2", "HIFIUSDT"]] as const

/** The stop report's lines: each venue with 0 open orders of ours, confirmed over REST. */
const assertNothingLeftOpen = (output: string, venues: ReadonlyArray<readonly [string, string]> = twoMexc) => {
  assert.match(output, /stop: attempt in flight (none|finished|interrupted), \d+ order\(s\) canceled, within budget; position [+-][\d.]+ HIFI/, output)
  for (const [venue, symbol] of venues) {
    assert.match(output, new RegExp(`\\n\\s+${venue} \\(${symbol}\\): net [+-][\\d.]+ HIFI, [+-][\\d.]+ USDT; open orders of ours 0 \\(confirmed over REST\\)`), output)
  }
}

const mexcAndGate = [["mexc", "HIFIUSDT"], ["gate", "HIFI_USDT"]] as const

/**
 * A negative threshold makes every update an attempt: the machinery runs whatever the market (and
 * no kill switch on one-legged attempts, which a loaded machine makes more likely).
 */
const everyUpdateAnAttempt = ["--min-profit-bps=-1000", "--max-loss", "1000", "--max-one-legged", "0"]

/**
 * Runs `arb <args>` with attempts back to back (no threshold, no cooldown, no order budget to
 * speak of) and sends SIGINT 0, 7, 23 and 61 ms after an attempt line, so the signals land before,
 * during and between attempts. Each run must exit 130 with its strategy stopped first and the stop
 * report confirming 0 open orders on `venues` (`[venue, symbol]`); then `check` looks at it.
 */
const sigintDuringAttempts = (
  args: ReadonlyArray<string>,
  venues: ReadonlyArray<readonly [string, string]>,
  check: (out: string) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    for (const delayMs of [0, 7, 23, 61]) {
      const proc = yield* runCli([
        "arb",
        ...args,
        ...everyUpdateAnAttempt,
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
      assertNothingLeftOpen(out, venues)
      assertStrategyStoppedFirst(proc)
      yield* check(out)
    }
  })

describe("CLI: arb", () => {
  it.live("runs its attempts on two simulators, prints each, the summary, the position and the exit report, and exits 0 by itself", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Effect.all([standaloneSim(1), standaloneSim(2)], { concurrency: 2 })
      const proc = yield* runCli([
        "arb",
        "--venues",
        "mexc,mexc#2",
        "--rest-urls",
        `${a},${b}`,
        ...everyUpdateAnAttempt,
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
      yield* sigintDuringAttempts(["--venues", "mexc,mexc#2", "--rest-urls", `${a},${b}`], twoMexc, (out) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* openOrders(a), [], out)
          assert.deepStrictEqual(yield* openOrders(b), [], out)
        }))
    }), 240_000)

  it.live("npm run arb as is: mexc and gate on one embedded simulator (correlated markets), ends by itself with exit 0, the summary, nothing left open on either venue", () =>
    Effect.gen(function*() {
      const proc = yield* runCli(["arb"])
      assert.strictEqual(yield* proc.exit(150_000), 0, proc.output())
      const out = proc.output()
      assert.match(out, /arb HIFI\/USDT on mexc \(HIFIUSDT\) and gate \(HIFI_USDT\)/, out)
      assert.match(out, /arb HIFI\/USDT: \d+ attempts in [\d.]+ s \([\d.]+\/min\): \d+ completed/, out)
      assert.match(out, /PnL [+-][\d.]+ USDT/, out)
      assertNothingLeftOpen(out, mexcAndGate)
      assert.match(out, /sim-venues\s+\d+ ms/, out)
      assertStrategyStoppedFirst(proc)
    }), 180_000)

  it.live("SIGINT at random moments of an attempt between mexc and gate on one simulator: exit 130, 0 open orders on both, confirmed by the test over REST", () =>
    Effect.gen(function*() {
      const sim = yield* standaloneSimVenues(5)
      yield* sigintDuringAttempts(["--rest-urls", `${sim.mexc},${sim.gate}`], mexcAndGate, (out) =>
        Effect.gen(function*() {
          assert.match(out, /attempt 1 (completed|missed|unwound|dust|one-legged)[^\n]*: buy on (mexc|gate), sell on (mexc|gate)/, out)
          assert.deepStrictEqual(yield* openOrders(sim.mexc), [], out)
          assert.deepStrictEqual(yield* gateOpenOrders(sim.gate), [], out)
        }))
    }), 240_000)

  it.live("a venue this build does not have is one line and exit 1", () =>
    Effect.gen(function*() {
      const proc = yield* runCli(["arb", "--venues", "mexc,nowhere", "--duration", "1"])
      assert.strictEqual(yield* proc.exit(), 1, proc.output())
      assert.match(proc.output(), /arb: .*no venue "nowhere"/)
    }))
})
