/**
 * Installing the project: `npm install` in the checkout has no install script left unreviewed
 * (package.json's `allowScripts` approves the `node` devDependency's, which installs Node 24, and
 * denies the rest: ccxt's banner, protobufjs's version check, bufferutil's build, which its
 * prebuilt binaries make unnecessary).
 */
import { spawnSync } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const root = new URL("../..", import.meta.url).pathname

describe("package: installing the checkout", () => {
  it.effect("every dependency's install script is approved or denied in allowScripts", () =>
    Effect.sync(() => {
      const result = spawnSync("npm", ["install-scripts", "ls"], { cwd: root, encoding: "utf8", timeout: 60_000 })
      const out = `${result.stdout}${result.stderr}`
      assert.strictEqual(result.status, 0, out)
      assert.notMatch(out, /not yet covered/, out)
    }))
})
