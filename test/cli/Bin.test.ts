/**
 * The installed command: `bin/scoped-exchange.js` runs the CLI on Node 24 even when the Node that
 * starts it is older (a system Node 20 first on PATH), passing arguments, output and exit codes
 * through. The library is imported by its package name, not by deep paths.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Root from "scoped-exchange"

const root = new URL("../..", import.meta.url).pathname
const bin = path.join(root, "bin/scoped-exchange.js")
const node24 = path.join(root, "node_modules/.bin/node")

/** The first `node` on PATH that is not this checkout's (the system's), if any. */
const systemNode = (): string | undefined => {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir.includes("node_modules")) continue
    const candidate = path.join(dir, "node")
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

const run = (node: string, args: ReadonlyArray<string>) => {
  const result = spawnSync(node, [bin, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    // PATH without node_modules/.bin: what a shell with the system Node first looks like.
    env: { ...process.env, PATH: (process.env.PATH ?? "").split(path.delimiter).filter((d) => !d.includes("node_modules")).join(path.delimiter), NO_COLOR: "1" }
  })
  return { code: result.status, out: `${result.stdout}${result.stderr}` }
}

describe("bin/scoped-exchange.js", () => {
  it.effect("runs the CLI on Node 24 when started by Node 24", () =>
    Effect.sync(() => {
      const { code, out } = run(node24, ["--version"])
      assert.strictEqual(code, 0, out)
      assert.include(out, "scoped-exchange v0.1.0")
    }))

  it.effect("runs the CLI when started by the system's Node (re-running on the checkout's Node 24)", () =>
    Effect.sync(() => {
      const node = systemNode() ?? node24
      const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()
      const help = run(node, ["sim", "--help"])
      assert.strictEqual(help.code, 0, `${version}: ${help.out}`)
      assert.include(help.out, "--port")
      // A user error's exit code comes through.
      const bad = run(node, ["sim", "--port", "70000"])
      assert.notStrictEqual(bad.code, 0, bad.out)
      assert.include(bad.out, "--port must be 0-65535")
    }))

  it.effect("the library is importable by its package name, with namespaced exports", () =>
    Effect.sync(() => {
      assert.isFunction(Root.MarketMaker.layer)
      assert.isFunction(Root.SimExchange.layer)
      assert.isFunction(Root.Decimal.parse)
      assert.isDefined(Root.PublicExchange)
      assert.isDefined(Root.PrivateExchange)
      assert.isFunction(Root.Lifecycle.component)
    }))
})
