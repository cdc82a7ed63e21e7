/**
 * `--venue gate` end to end, as a user runs it: the simulator as its own process speaking Gate's
 * dialect (`sim --venues gate`), then `mm --venue gate` pointed at it with GATE_API_KEY /
 * GATE_API_SECRET: one cycle completes and the process exits 0 by itself, having canceled what it
 * left open; `watch --venue gate` prints the book and exits 0. Real child processes, loopback.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { main, node, runCli, simEntry, spawnCommand, spawnEntry } from "./support.ts"

/** Starts `sim --venues gate --port 0` and answers its Gate REST and WebSocket URLs. */
const gateSim = Effect.gen(function*() {
  const sim = yield* spawnEntry(simEntry, ["--venues", "gate", "--port", "0"])
  yield* sim.waitFor(/venue=gate rest=\S+ ws=\S+/)
  const match = /venue=gate rest=(\S+) ws=(\S+)/.exec(sim.output())!
  return { restUrl: match[1]!, wsUrl: match[2]! }
})

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
})
