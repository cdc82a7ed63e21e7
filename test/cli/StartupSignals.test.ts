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
  // The first request (the server time) waits its whole timeout (10 s) on a silent venue; a Ctrl-C
  // meanwhile must not wait for it, nor for the start-up's failure.
  it.live("mm: SIGINT while the first request waits ends with 130, not with the start-up's failure", () =>
    Effect.scoped(Effect.gen(function*() {
      const venue = yield* silentVenue
      const run = yield* spawnCommand(node24, [
        path.join(root, "src/cli/main.ts"), "mm", "--rest-url", `http://${venue}`, "--ws-url", `ws://${venue}/ws`,
        "--log-level", "debug"
      ])
      yield* run.waitFor("starting { component: 'rest:mexc' }", 40_000)
      yield* run.kill("SIGINT")
      assert.deepStrictEqual(yield* run.ended(60_000), { code: 130, signal: null }, run.output())
      assert.notMatch(run.output(), /did not answer|cannot reach the venue/, `interrupted, not failed: ${run.output()}`)
      assert.notMatch(run.output(), /\n\s+at /, "no stack trace")
    })), 180_000)

  // Before, each start-up attempt waited the server time's timeout, then exchangeInfo's four, and
  // mm tried four times (216 s, WARN lines only); watch 56 s. Now the first request's one timeout
  // ends the start with one line naming the URL and the request. The limit is a hang guard only.
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["mm", "mexc", "GET /api/v3/time"],
    ["mm", "sim", "GET /api/v3/time"],
    ["mm", "gate", "GET /spot/time"],
    ["watch", "mexc", "GET /api/v3/time"],
    ["watch", "gate", "GET /spot/time"]
  ]
  it.live(`${cases.map(([c, v]) => `${c} --venue ${v}`).join(", ")}: exit 1 with one line naming the venue that did not answer`, () =>
    Effect.scoped(Effect.gen(function*() {
      const venue = yield* silentVenue
      yield* Effect.forEach(cases, ([command, name, request]) =>
        Effect.scoped(Effect.gen(function*() {
          const run = yield* spawnCommand(node24, [
            path.join(root, "src/cli/main.ts"), command, "--venue", name,
            "--rest-url", `http://${venue}`, "--ws-url", `ws://${venue}/ws`
          ], { env: { MEXC_API_KEY: "key", MEXC_API_SECRET: "secret", GATE_API_KEY: "key", GATE_API_SECRET: "secret" } })
          const end = yield* run.ended(60_000)
          yield* run.closed(60_000)
          const out = run.output()
          const context = `${command} --venue ${name}:\n${out}`
          assert.deepStrictEqual(end, { code: 1, signal: null }, context)
          const lines = out.split("\n").filter((line) => line.trim() !== "")
          assert.strictEqual(lines.length, 1, context)
          assert.include(lines[0], `${command}: `, context)
          assert.include(lines[0], `the venue at http://${venue} did not answer within 10s (${request})`, context)
        })), { concurrency: 2, discard: true })
    })), 180_000)
})
