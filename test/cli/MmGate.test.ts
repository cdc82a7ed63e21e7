/**
 * `--venue gate` end to end, as a user runs it: the simulator as its own process speaking Gate's
 * dialect (`sim --venues gate`), then `mm --venue gate` pointed at it with GATE_API_KEY /
 * GATE_API_SECRET: one cycle completes and the process exits 0 by itself, having canceled what it
 * left open; `watch --venue gate` prints the book and exits 0. `--dead-man-switch`: mm killed
 * with SIGKILL (no cancel-on-close can run), and the simulator process cancels the account's open
 * orders once the countdown runs out; refused with one line where the venue has none or the
 * countdown is below Gate's 5 s. Real child processes, loopback.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { GateSigning } from "../../src/venues/gate/index.ts"
import { waitUntilEffect } from "../support/eventually.ts"
import { main, node, runCli, simEntry, spawnCommand, spawnEntry } from "./support.ts"

/** Starts `sim --venues gate --port 0` and answers its Gate REST and WebSocket URLs. */
const gateSim = Effect.gen(function*() {
  const sim = yield* spawnEntry(simEntry, ["--venues", "gate", "--port", "0"])
  yield* sim.waitFor(/venue=gate rest=\S+ ws=\S+/)
  const match = /venue=gate rest=(\S+) ws=(\S+)/.exec(sim.output())!
  return { restUrl: match[1]!, wsUrl: match[2]! }
})

/** A call to a Gate simulator's REST (`.../api/v4`) signed for the demo account; the JSON answer. */
const gateSigned = (restUrl: string, method: string, pathAndQuery: string, body = "") =>
  Effect.promise(async () => {
    const url = new URL(`${restUrl}${pathAndQuery}`)
    const timestamp = Math.floor(Date.now() / 1000)
    const sign = GateSigning.signRest(Redacted.make("sim-secret"), { method, path: url.pathname, query: url.search.slice(1), body, timestamp })
    const response = await fetch(url, {
      method,
      headers: { KEY: "sim-key", SIGN: sign, Timestamp: String(timestamp), "Content-Type": "application/json" },
      ...(body === "" ? {} : { body })
    })
    return (await response.json()) as Record<string, unknown>
  })

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "")

describe("CLI: --venue gate on the Gate simulator", () => {
  it.live("mm completes a cycle on HIFI_USDT and exits 0 on its own, nothing left open", () =>
    Effect.scoped(Effect.gen(function*() {
      const { restUrl, wsUrl } = yield* gateSim
      const mm = yield* spawnCommand(node, [main, "mm", "--venue", "gate", "--rest-url", restUrl, "--ws-url", wsUrl, "--symbol", "HIFI_USDT"], {
        env: { GATE_API_KEY: "sim-key", GATE_API_SECRET: "sim-secret" }
      })
      const code = yield* mm.exit(90_000)
      const out = mm.output()
      assert.strictEqual(code, 0, out)
      assert.match(out, /cycle 1 on HIFI_USDT: completed/)
      assert.match(out, /SELL .* FILLED/)
      assert.match(out, /counts: .*abandoned 0/)
      assert.match(out, /\n {2}private:gate-private\s+\d+ ms\s+\d+ ms\s+ok\n/)
      assert.notInclude(out, "sim-secret")
    })), { timeout: 120_000 })

  it.live("watch prints Gate's book and trades and exits 0 after its duration", () =>
    Effect.scoped(Effect.gen(function*() {
      const { restUrl, wsUrl } = yield* gateSim
      const watch = yield* runCli(["watch", "--venue", "gate", "--rest-url", restUrl, "--ws-url", wsUrl, "--symbol", "BTC_USDT", "--duration", "2"])
      const code = yield* watch.exit(60_000)
      assert.strictEqual(code, 0, watch.output())
      assert.match(watch.output(), /BTC_USDT bid [\d.]+ x [\d.]+ \| ask [\d.]+/)
      assert.match(watch.output(), /done: \d+ book views/)
    })), { timeout: 90_000 })

  it.live("mm --dead-man-switch 5, killed with SIGKILL: the venue cancels the account's open orders once the countdown runs out", () =>
    Effect.scoped(Effect.gen(function*() {
      const { restUrl, wsUrl } = yield* gateSim
      const mm = yield* spawnCommand(node, [
        main, "mm", "--venue", "gate", "--rest-url", restUrl, "--ws-url", wsUrl, "--symbol", "HIFI_USDT", "--cycles", "0", "--dead-man-switch", "5"
      ], { env: { GATE_API_KEY: "sim-key", GATE_API_SECRET: "sim-secret" } })
      yield* mm.waitFor(/dead-man switch armed/, 60_000)
      // An order of the same account far from the market: nothing but the switch will end it.
      const resting = yield* gateSigned(restUrl, "POST", "/spot/orders", JSON.stringify({
        text: "t-dms-probe", currency_pair: "BTC_USDT", type: "limit", account: "spot", side: "buy", amount: "0.001", price: "30000"
      }))
      assert.strictEqual(resting.status, "open", JSON.stringify(resting))
      yield* mm.kill("SIGKILL")
      const ended = yield* mm.ended(10_000)
      assert.strictEqual(ended.signal, "SIGKILL")
      const status = () => gateSigned(restUrl, "GET", `/spot/orders/${String(resting.id)}?currency_pair=BTC_USDT`)
      // Asked every 200 ms: within the simulator's 200 requests per 10 s per endpoint.
      yield* waitUntilEffect("the venue cancelled the order", Effect.map(Effect.andThen(Effect.sleep("200 millis"), status()), (o) => o.status === "cancelled"), 30_000)
      assert.deepInclude(yield* status(), { status: "cancelled", finish_as: "cancelled" })
      assert.deepStrictEqual(yield* gateSigned(restUrl, "GET", "/spot/open_orders"), [] as unknown as Record<string, unknown>, "nothing of the account left open")
    })), { timeout: 120_000 })

  it.live("--dead-man-switch where the venue has none, or under Gate's 5 s: one line, exit 1, nothing started", () =>
    Effect.scoped(Effect.gen(function*() {
      for (const [args, line] of [
        [["mm", "--dead-man-switch", "30"], /^mm: \[sim\] configuration: configuration deadManSwitch: this venue has no dead-man switch$/],
        [["mm", "--venue", "gate", "--rest-url", "http://127.0.0.1:9/api/v4", "--dead-man-switch", "3"], /^mm: \[gate\] configuration: configuration deadManSwitch: the venue's dead-man switch takes a whole number of seconds, at least 5 \(got 3\)$/]
      ] as const) {
        const proc = yield* runCli(args)
        const code = yield* proc.exit(60_000)
        assert.strictEqual(code, 1, proc.output())
        assert.strictEqual(lines(proc.output()).length, 1, proc.output())
        assert.match(proc.output().trim(), line)
      }
    })), { timeout: 120_000 })
})
