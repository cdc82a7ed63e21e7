import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { Effect, Redacted } from "effect"
import WebSocket from "ws"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { MexcProto, MexcSigning } from "../../src/venues/mexc/index.ts"

const node = new URL("../../node_modules/.bin/node", import.meta.url).pathname
const entry = new URL("../../src/cli/sim.ts", import.meta.url).pathname

interface Started {
  readonly line: string
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
  readonly kill: (signal: NodeJS.Signals) => void
  readonly stderr: () => string
}

/** Spawns the standalone simulator and resolves once it printed its line. */
const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<Started>((resolve, reject) => {
        const child = spawn(node, [entry, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } })
        let stdout = ""
        let stderr = ""
        const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) =>
          child.once("exit", (code, signal) => done({ code, signal, at: performance.now() }))
        )
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString()
          const newline = stdout.indexOf("\n")
          if (newline >= 0) {
            resolve({ line: stdout.slice(0, newline), exit, kill: (s) => child.kill(s), stderr: () => stderr })
          }
        })
        void exit.then(({ code }) => reject(new Error(`exited with ${code} before printing: ${stderr}`)))
      })
    ),
    (started) => Effect.sync(() => started.kill("SIGKILL"))
  )

const parseLine = (line: string) => {
  const match = /^sim rest=(\S+) ws=(\S+) apiKey=(\S+) apiSecret=(\S+)$/.exec(line)
  assert.isNotNull(match, `unexpected start line: ${line}`)
  return { rest: match![1]!, ws: match![2]!, apiKey: match![3]!, apiSecret: match![4]! }
}

describe("standalone simulator (child process)", () => {
  it.live("prints one line, serves REST and WS, and exits 130 (the CLI exit rule) within 1 s of SIGINT with a client connected", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const sim = yield* start(["--port", "0", "--api-key", "k1", "--api-secret", "s1", "--account", "k2:s2"])
      const { rest, ws: wsUrl, apiKey, apiSecret } = parseLine(sim.line)
      assert.match(rest, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.notInclude(rest, ":0")
      assert.strictEqual(apiKey, "k1")
      assert.strictEqual(apiSecret, "<redacted>", "a secret given is never printed")
      assert.notInclude(sim.line + sim.stderr(), "s1")

      const time = yield* Effect.promise(() => fetch(`${rest}/api/v3/time`).then((r) => r.json() as Promise<{ serverTime: number }>))
      assert.isNumber(time.serverTime)
      for (const [key, secret] of [["k1", "s1"], ["k2", "s2"]] as const) {
        const query = MexcSigning.signQuery(Redacted.make(secret), {}, Date.now())
        const account = yield* Effect.promise(() => fetch(`${rest}/api/v3/account?${query}`, { headers: { "X-MEXC-APIKEY": key } }))
        assert.strictEqual(account.status, 200, `account ${key} signs in`)
        yield* Effect.promise(() => account.text())
      }

      const client = new WebSocket(wsUrl)
      const frames: Array<MexcProto.PushDataV3ApiWrapper> = []
      const closed = new Promise<number>((done) => client.on("close", (code) => done(code)))
      client.on("message", (data, isBinary) => {
        if (isBinary) frames.push(MexcProto.decodePush(new Uint8Array(data as Buffer)))
      })
      yield* Effect.promise(() => new Promise((done) => client.once("open", done)))
      client.send(JSON.stringify({ method: "SUBSCRIPTION", params: ["spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT"] }))
      yield* Effect.promise(async () => {
        while (frames.length === 0) await new Promise((r) => client.once("message", r))
      })
      assert.strictEqual(frames[0]!.channel, "spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT")

      const signaledAt = performance.now()
      sim.kill("SIGINT")
      const exit = yield* Effect.promise(() => sim.exit)
      assert.strictEqual(exit.code, 130, sim.stderr())
      // A correctness bound on shutdown (generous for a loaded machine), not a benchmark.
      assert.isBelow(exit.at - signaledAt, 3_000)
      assert.strictEqual(yield* Effect.promise(() => closed), 1001)
      assert.notInclude(sim.stderr(), "abandoned")
    })))

  it.live("takes its flags, and also stops on SIGTERM with exit code 143", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const sim = yield* start(["--port", "0", "--no-market", "--rate-limit", "1"])
      const { rest } = parseLine(sim.line)
      const statuses = yield* Effect.promise(async () => {
        const out: Array<number> = []
        for (let i = 0; i < 2; i++) out.push((await fetch(`${rest}/api/v3/ping`)).status)
        return out
      })
      assert.deepStrictEqual(statuses, [200, 429], "--rate-limit reaches the server")
      sim.kill("SIGTERM")
      const exit = yield* Effect.promise(() => sim.exit)
      assert.strictEqual(exit.code, 143)
    })))

  it.live("a port in use is one clear line on stderr and exit code 1", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const first = yield* start(["--port", "0", "--no-market"])
      const port = new URL(parseLine(first.line).rest).port
      const result = yield* Effect.promise(() =>
        new Promise<{ code: number | null; stderr: string }>((done) => {
          const child = spawn(node, [entry, "--port", port, "--no-market"], { stdio: ["ignore", "pipe", "pipe"] })
          let stderr = ""
          child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
          child.once("exit", (code) => done({ code, stderr }))
        })
      )
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.stderr.trim(), `sim: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`)
    })))

  it.live("rejects bad flags with a clear error and a non-zero exit", () =>
    Effect.promise(() =>
      new Promise<void>((done, fail) => {
        const child = spawn(node, [entry, "--port", "70000"], { stdio: ["ignore", "pipe", "pipe"] })
        let output = ""
        child.stdout.on("data", (c: Buffer) => (output += c.toString()))
        child.stderr.on("data", (c: Buffer) => (output += c.toString()))
        child.once("exit", (code) => {
          try {
            assert.notStrictEqual(code, 0)
            assert.include(output, "--port must be 0-65535")
            done()
          } catch (error) {
            fail(error)
          }
        })
      })
    ))

  it.live("--seed outside 0-4294967295 is one line on stderr and exit code 1 (it used to wrap to 32 bits silently)", () =>
    Effect.gen(function*() {
      for (const seed of ["4294967296", "-1"]) {
        const result = yield* Effect.promise(() =>
          new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
            const child = spawn(node, [entry, "--port", "0", "--seed", seed], { stdio: ["ignore", "pipe", "pipe"] })
            let stdout = ""
            let stderr = ""
            child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
            child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
            child.once("exit", (code) => done({ code, stdout, stderr }))
          })
        )
        assert.strictEqual(result.code, 1)
        assert.strictEqual(result.stdout, "")
        assert.strictEqual(result.stderr.trim(), `sim: --seed must be an integer from 0 to 4294967295 (got ${seed})`)
      }
    }))

  it.live("reads the demo secret from SIM_API_SECRET without printing it; the largest seed is accepted", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const sim = yield* start(["--port", "0", "--no-market", "--seed", "4294967295"], { SIM_API_SECRET: "from-env-1" })
      const { rest, apiSecret } = parseLine(sim.line)
      assert.strictEqual(apiSecret, "<redacted>")
      assert.notInclude(sim.line + sim.stderr(), "from-env-1")
      const query = MexcSigning.signQuery(Redacted.make("from-env-1"), {}, Date.now())
      const account = yield* Effect.promise(() => fetch(`${rest}/api/v3/account?${query}`, { headers: { "X-MEXC-APIKEY": "sim-key" } }))
      assert.strictEqual(account.status, 200, "the secret from the environment signs")
      yield* Effect.promise(() => account.text())
      sim.kill("SIGTERM")
      assert.strictEqual((yield* Effect.promise(() => sim.exit)).code, 143)
    })))
})
