/**
 * A SIGINT to the top process of a launcher chain at any moment of the start-up is never lost:
 * sent to `npx scoped-exchange mm --cycles 0` alone (npm -> bash exec -> the bin on Node 24) and to
 * the bin started by the system's Node (the launcher re-running the CLI on Node 24 as its child),
 * at once, while the CLI's Node loads its modules, while its components start, and once it
 * quotes. Each run must end by itself with 130 (or, before the program started anything, by
 * Node's default death by SIGINT, which a shell reports as 130 too), with no order left open on
 * the venue. The moments are events (a module about to load, a log line), never delays; the
 * only time bound is the hang detector.
 */
import { existsSync } from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { node as node24, openOrders, root, spawnCommand, standaloneSim } from "./support.ts"

const npmBin = path.join(root, "node_modules/.bin")
const reportLoads = new URL("./fixtures/reportLoads.mjs", import.meta.url).pathname

/** The first `node` on PATH that is not this checkout's (the system's), or else the checkout's. */
const systemNode = (): string => {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir.includes("node_modules")) continue
    const candidate = path.join(dir, "node")
    if (existsSync(candidate)) return candidate
  }
  return node24
}
const systemPath = (process.env.PATH ?? "").split(path.delimiter).filter((d) => !d.includes("node_modules")).join(path.delimiter)

/** Modules of the CLI's start-up, in load order: the entry's first, Effect, the platform, ours, the last. */
const modules = [
  "src/cli/Signals.ts",
  "node_modules/effect/dist/Effect.js",
  "node_modules/@effect/platform-node/dist/NodeHttpServer.js",
  "src/venues/mexc/index.ts",
  "src/cli/Cli.ts"
]

/** Where the signal is sent: at once, or when this line shows (a module about to load, a log line). */
const moments: ReadonlyArray<string | undefined> = [
  undefined,
  ...modules.map((m) => `[test] loading ${m}`),
  "starting { component: 'rest:mexc' }",
  "starting { component: 'private:mexc-private' }",
  "starting { component: 'connection:mexc-private' }",
  "starting { component: 'mm' }",
  "placed ("
]

const launchers: ReadonlyArray<readonly [string, (args: ReadonlyArray<string>) => readonly [string, ReadonlyArray<string>, Record<string, string>]]> = [
  // What a shell in the checkout looks like after `npm install`: Node 24 first on PATH.
  ["npx scoped-exchange", (args) => ["npx", ["scoped-exchange", ...args], { PATH: `${npmBin}${path.delimiter}${process.env.PATH ?? ""}` }]],
  // A shell with the system's Node first: the bin re-runs the CLI on Node 24 as its child.
  ["the system Node's bin/scoped-exchange.js", (args) => [systemNode(), [path.join(root, "bin/scoped-exchange.js"), ...args], { PATH: systemPath }]]
]

/** A venue that accepts TCP connections and never says anything (a process of its own, on a free loopback port). */
const silentVenue = Effect.gen(function*() {
  const server = yield* spawnCommand(node24, [
    "-e",
    "const s = require('node:net').createServer((c) => c.on('error', () => {})); s.listen(0, '127.0.0.1', () => console.log('silent venue on ' + s.address().port))"
  ])
  yield* server.waitFor(/silent venue on \d+/)
  return `127.0.0.1:${/silent venue on (\d+)/.exec(server.output())![1]}`
})

const describeMoment = (moment: string | undefined) => moment === undefined ? "at once" : `at '${moment}'`

describe("CLI start-up: a SIGINT to the top process is never lost", () => {
  for (const [name, command] of launchers) {
    it.live(`${name} mm --cycles 0: SIGINT ${moments.map(describeMoment).join(", ")}: each ends with 130, no order open`, () =>
      Effect.scoped(Effect.gen(function*() {
        const { restUrl, wsUrl } = yield* standaloneSim
        for (const moment of moments) {
          const [cmd, args, env] = command([
            "mm", "--cycles", "0", "--rest-url", restUrl, "--ws-url", wsUrl,
            // Start-up lines as they happen (by default they are held until it succeeded).
            "--log-level", "debug"
          ])
          yield* Effect.scoped(Effect.gen(function*() {
            const run = yield* spawnCommand(cmd, args, {
              cwd: root,
              env: { ...env, NODE_OPTIONS: `--import=${reportLoads}`, REPORT_LOADS: modules.join(",") }
            })
            if (moment !== undefined) yield* run.waitFor(moment, 120_000)
            yield* run.kill("SIGINT")
            const end = yield* run.ended(60_000)
            yield* run.closed(60_000)
            const out = run.output()
            const context = `${name}, SIGINT ${describeMoment(moment)}:\n${out}`
            const started = out.includes("starting {")
            if (end.code !== 130) {
              // Only before anything started may the chain die by the signal itself.
              assert.deepStrictEqual(end, { code: null, signal: "SIGINT" }, context)
              assert.isFalse(started, `died by SIGINT after the program had started: ${context}`)
            }
            assert.notMatch(out, /\n\s+at /, `no stack trace: ${context}`)
            if (started) assert.match(out, /shutdown\s+stopped in/, `the exit report after an orderly stop: ${context}`)
            assert.deepStrictEqual(yield* openOrders(restUrl), [], context)
          }))
        }
      })), 1_800_000)
  }
})

describe("CLI start-up against a venue that never answers", () => {
  // The request for the private stream's listen key waits on its timeouts (~40 s: the server time,
  // then the POST); a Ctrl-C then used to wait for all of it, its acquisition uninterruptible.
  it.live("mm: SIGINT while the listen key's request waits ends with 130 at once, not after the request's timeouts", () =>
    Effect.scoped(Effect.gen(function*() {
      const venue = yield* silentVenue
      const run = yield* spawnCommand(node24, [
        path.join(root, "src/cli/main.ts"), "mm", "--rest-url", `http://${venue}`, "--ws-url", `ws://${venue}/ws`,
        "--log-level", "debug"
      ])
      yield* run.waitFor("starting { component: 'listenKey:mexc-private' }", 40_000)
      yield* run.kill("SIGINT")
      // Hang detector well below the ~40 s the request takes to give up by itself.
      assert.deepStrictEqual(yield* run.ended(20_000), { code: 130, signal: null }, run.output())
      assert.notMatch(run.output(), /cannot reach the venue/, "interrupted, not failed and retried")
      assert.notMatch(run.output(), /\n\s+at /, "no stack trace")
    })), 180_000)
})
