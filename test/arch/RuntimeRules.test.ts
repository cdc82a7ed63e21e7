/**
 * The rules that make "the layer graph is the shutdown order" hold (DESIGN.md), checked over the
 * code of `src/` (comments blanked, so a doc that names a rule does not break it):
 * - no raw `setTimeout` / `setInterval`: a timer belongs to a scope (`Effect.sleep`, `Schedule`),
 *   or closing the scope cannot stop it and the process hangs (one exception, its reason below);
 * - no `process.env`: configuration is read inside layers (`Config`, `Config.Redacted`);
 * - effects are run only at the edge: `Effect.run*` and `runMain` only in `src/cli/`;
 * - `Effect.forkDetach` (a fiber that belongs to nobody) nowhere but where a file below says why.
 * Each failure names file:line and the line.
 */
import { assert, describe, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { codeOf, sourceFiles } from "./ImportGraph.ts"

const root = path.resolve(import.meta.dirname, "../..")
const code = new Map(sourceFiles(root, "src").map((file) => [file, codeOf(fs.readFileSync(path.join(root, file), "utf8")).split("\n")] as const))

/** Lines of code (outside `except`) that match `pattern`, as `file:line: code`. */
const offending = (pattern: RegExp, except: (file: string) => boolean): Array<string> => {
  const out: Array<string> = []
  for (const [file, lines] of code) {
    if (except(file)) continue
    lines.forEach((line, index) => {
      if (pattern.test(line)) out.push(`${file}:${index + 1}: ${line.trim()}`)
    })
  }
  return out
}

const inCli = (file: string) => file.startsWith("src/cli/")

/** Files allowed an exception, each with its reason. */
const allowed = {
  /** The leak checker runs the effect under test in a tracked runtime: that is its job (tests call it). */
  run: ["src/lifecycle/LeakCheck.ts"],
  /** A component's release is started detached so that its stop budget can abandon it and the close still finishes. */
  forkDetach: ["src/lifecycle/Lifecycle.ts"],
  /**
   * The timeout of one HTTP exchange, set and cleared inside the one `Effect.callback` that owns
   * the request (cleared on the answer, a failure and interruption; test/rest/Transport.test.ts
   * proves none is left under LeakCheck): a sleeping fiber per request was the cost issue 18 removed.
   */
  timer: ["src/rest/Transport.ts"]
}

describe("runtime rules", () => {
  it("comments are blanked, code is kept (so the rules see code only)", () => {
    const blank = (text: string) => " ".repeat(text.length)
    assert.strictEqual(codeOf("a // setTimeout\n/* process.env */ b"), `a ${blank("// setTimeout")}\n${blank("/* process.env */")} b`)
    assert.strictEqual(codeOf(`const url = "http://x" // c`), `const url = "http://x" ${blank("// c")}`)
  })

  it("no raw setTimeout / setInterval in src/", () => {
    const bad = offending(/\b(?:setTimeout|setInterval)\s*\(/, (file) => allowed.timer.includes(file))
    assert.deepStrictEqual(bad, [], `a timer must belong to a scope (Effect.sleep, Schedule):\n${bad.join("\n")}`)
  })

  it("no process.env in src/", () => {
    const bad = offending(/\bprocess\.env\b/, () => false)
    assert.deepStrictEqual(bad, [], `configuration is read inside layers (Config, Config.Redacted):\n${bad.join("\n")}`)
  })

  it("effects are run only in src/cli/", () => {
    const bad = offending(/\bEffect\.run[A-Z]\w*|\bRuntime\.run[A-Z]\w*|\brunMain\s*\(/, (file) => inCli(file) || allowed.run.includes(file))
    assert.deepStrictEqual(bad, [], `only the CLI runs effects; everything else is a layer or an effect:\n${bad.join("\n")}`)
  })

  it("Effect.forkDetach only where a reason is written down", () => {
    const bad = offending(/\bforkDetach\b/, (file) => allowed.forkDetach.includes(file))
    assert.deepStrictEqual(bad, [], `a detached fiber belongs to nobody; fork into a scope (forkScoped, FiberSet) instead:\n${bad.join("\n")}`)
  })
})
