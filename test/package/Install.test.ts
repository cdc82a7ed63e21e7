/**
 * The package as users get it. Installing the checkout leaves no install script unreviewed
 * (package.json's `allowScripts` approves the `node` devDependency's, which installs Node 24, and
 * denies the rest: ccxt's banner, protobufjs's version check, bufferutil's build, which its
 * prebuilt binaries make unnecessary). And the packed tarball installs into a fresh project that
 * brings its own `effect`: built JavaScript with declarations (Node does not strip types under
 * node_modules), one copy of `effect` (a peer dependency), a program that type-checks and runs,
 * and the `scoped-exchange` command. Offline where npm's cache has the packages.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const root = new URL("../..", import.meta.url).pathname
const node24 = path.join(root, "node_modules/.bin/node")
const tsc = path.join(root, "node_modules/.bin/tsc")

const run = (command: string, args: ReadonlyArray<string>, cwd: string) => {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 300_000, env: { ...process.env, NO_COLOR: "1" } })
  return { code: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout }
}

const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version

describe("package", () => {
  it.effect("installing the checkout: every dependency's install script is approved or denied in allowScripts", () =>
    Effect.sync(() => {
      const { code, out } = run("npm", ["install-scripts", "ls"], root)
      assert.strictEqual(code, 0, out)
      assert.notMatch(out, /not yet covered/, out)
    }))

  it.effect("the packed tarball installs into a fresh project with its own effect, type-checks and runs", () =>
    Effect.acquireUseRelease(
      Effect.sync(() => mkdtempSync(path.join(tmpdir(), "scoped-exchange-pack-"))),
      (dir) =>
        Effect.sync(() => {
          const pack = run("npm", ["pack", "--silent", "--pack-destination", dir], root)
          assert.strictEqual(pack.code, 0, pack.out)
          const tarball = path.join(dir, pack.stdout.trim().split("\n").at(-1)!)
          assert.isTrue(existsSync(tarball), pack.out)

          const project = path.join(dir, "consumer")
          run("mkdir", [project], dir)
          writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
          writeFileSync(
            path.join(project, "tsconfig.json"),
            JSON.stringify({
              compilerOptions: {
                target: "es2024",
                lib: ["es2024"],
                module: "nodenext",
                moduleResolution: "nodenext",
                strict: true,
                noEmit: true,
                skipLibCheck: false,
                types: ["node"]
              },
              include: ["program.ts"]
            })
          )
          // Two lines against the installed package.
          writeFileSync(
            path.join(project, "program.ts"),
            `import { Decimal } from "scoped-exchange"\nconsole.log(Decimal.format(Decimal.unsafeParse("2.10")))\n`
          )
          // The project's own effect (and Node types), the versions npm's cache has.
          const install = run("npm", [
            "install",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            tarball,
            `effect@${versionOf("effect")}`,
            `@effect/platform-node@${versionOf("@effect/platform-node")}`,
            `@types/node@${versionOf("@types/node")}`
          ], project)
          assert.strictEqual(install.code, 0, install.out)

          const installed = path.join(project, "node_modules/scoped-exchange")
          assert.isTrue(existsSync(path.join(installed, "dist/index.js")), "built JavaScript")
          assert.isTrue(existsSync(path.join(installed, "dist/index.d.ts")), "declarations")
          assert.isFalse(existsSync(path.join(installed, "src")), "no TypeScript sources in the package")
          assert.isFalse(existsSync(path.join(installed, "node_modules/effect")), "one copy of effect: the project's")

          // Declarations are checked too (skipLibCheck off). effect 4.1.0's own declarations need
          // lib.dom's CryptoKey, which @types/node does not declare: the only diagnostics allowed.
          const check = run(tsc, ["-p", project], project)
          const ours = check.out.split("\n").filter((line) => /error TS\d+/.test(line) && !line.startsWith("node_modules/effect/dist/"))
          assert.deepStrictEqual(ours, [], check.out)
          const program = run(node24, ["program.ts"], project)
          assert.strictEqual(program.code, 0, program.out)
          assert.strictEqual(program.stdout, "2.1\n")
          const command = run(node24, [path.join(project, "node_modules/.bin/scoped-exchange"), "--version"], project)
          assert.strictEqual(command.code, 0, command.out)
          assert.include(command.out, "scoped-exchange v0.1.0")
        }),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ), 600_000)
})
