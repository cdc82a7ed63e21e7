/**
 * The architecture's import rules, checked over the real sources (DESIGN.md "Parts" and "Several
 * venues in one program"):
 * - the venue-neutral kit (lifecycle, socket, queue, hub, ratelimit, rest, exchange, connector,
 *   telemetry, and the shared helpers in `src/internal`) imports no venue and not the simulator,
 *   and nothing but itself (no strategy, no CLI);
 * - the strategies (`src/mm`, `src/arb`) import only the neutral kit: they trade through the
 *   exchange services, whichever venue is behind them;
 * - a venue never imports the simulator (the simulator may import venues: arrows run one way);
 * - one venue's folder never imports another's (what they share lives in the neutral kit);
 * - no import cycle among `src/` modules, type-only imports included.
 * Each failure names the offending import (file, line, specifier) or the cycle's path. The walker
 * itself is checked first on sources written to catch it out, so a rule cannot pass by not seeing.
 */
import { assert, describe, it } from "vitest"
import * as path from "node:path"
import * as fs from "node:fs"
import { cyclesOf, type Edge, importGraph, sourceFiles, specifiersOf } from "./ImportGraph.ts"

const root = path.resolve(import.meta.dirname, "../..")
const edges = importGraph(root, "src")

const under = (folder: string) => (file: string) => file.startsWith(`${folder}/`)
const describeEdge = (e: Edge) => `${e.from}:${e.line} imports ${e.to} ("${e.specifier}")`
const offending = (isFrom: (file: string) => boolean, isTo: (file: string) => boolean) =>
  edges.filter((e) => isFrom(e.from) && isTo(e.to)).map(describeEdge)

/** The venue-neutral kit: knows no venue, no simulator, no strategy, no CLI. */
const neutral = ["lifecycle", "socket", "queue", "hub", "ratelimit", "rest", "exchange", "connector", "internal", "telemetry"]
const isNeutral = (file: string) => neutral.some((area) => under(`src/${area}`)(file))
/** The strategies: they trade through the neutral `PublicExchange`/`PrivateExchange` services only. */
const strategies = ["mm", "arb"]
/** Every venue's folder (a new venue is covered without editing this test). */
const venueFolders = fs.readdirSync(path.join(root, "src/venues"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `src/venues/${entry.name}`)

describe("the import walker", () => {
  it("sees every kind of import and nothing in comments or strings", () => {
    const source = [
      `/** import { x } from "./in-doc-comment.ts" */`,
      `// import "./in-line-comment.ts"`,
      `import { a } from "./a.ts"`,
      `import type { B } from "./b.ts"`,
      `import { type C, d } from './c.ts'`,
      `export { e } from "./e.ts"`,
      `export type * from "./f.ts"`,
      `import "./side-effect.ts"`,
      `const lazy = () => import("./lazy.ts")`,
      `type T = typeof import("./type-query.ts")`,
      `const message = 'quoted from "./in-string.ts"'`,
      "const t = `from \"./in-template.ts\" ${a({ k: \"./in-template-expression.ts\" })} from \"./after.ts\"`",
      `const re = /from "\\.\\/in-regex.ts"/`,
      `const ratio = 1 / 2 // from "./after-division.ts"`,
      `import {`,
      `  g,`,
      `  type H`,
      `} from "./multi-line.ts"`
    ].join("\n")
    assert.deepStrictEqual(specifiersOf(source), [
      { specifier: "./a.ts", line: 3 },
      { specifier: "./b.ts", line: 4 },
      { specifier: "./c.ts", line: 5 },
      { specifier: "./e.ts", line: 6 },
      { specifier: "./f.ts", line: 7 },
      { specifier: "./side-effect.ts", line: 8 },
      { specifier: "./lazy.ts", line: 9 },
      { specifier: "./type-query.ts", line: 10 },
      { specifier: "./multi-line.ts", line: 18 }
    ])
  })

  it("finds cycles, type-only ones included, and only cycles", () => {
    const edge = (from: string, to: string): Edge => ({ from, to, line: 1, specifier: to })
    assert.deepStrictEqual(cyclesOf([edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("c", "d"), edge("d", "e")]), [["a", "b", "c", "a"]])
    assert.deepStrictEqual(cyclesOf([edge("a", "a")]), [["a", "a"]])
    assert.deepStrictEqual(cyclesOf([edge("a", "b"), edge("a", "c"), edge("b", "c")]), [])
  })

  it("reads the real sources (a sanity floor, so an empty graph cannot pass the rules)", () => {
    assert.isAbove(edges.length, 300)
    assert.isTrue(edges.some((e) => e.from === "src/venues/mexc/MexcPrivate.ts" && e.to.startsWith("src/connector/")))
    assert.isTrue(edges.some((e) => e.from.startsWith("src/sim/") && e.to.startsWith("src/venues/")))
    assert.includeMembers(venueFolders, ["src/venues/mexc", "src/venues/gate"])
  })
})

describe("architecture rules", () => {
  it("every relative import names a source file", () => {
    const files = new Set(sourceFiles(root, "src"))
    const missing = edges.filter((e) => e.to.endsWith(".ts") ? !files.has(e.to) : true).map(describeEdge)
    assert.deepStrictEqual(missing, [], `imports that name no .ts file under src/ (the rules below could not see through them):\n${missing.join("\n")}`)
  })

  for (const area of neutral) {
    it(`src/${area} imports no venue and not the simulator`, () => {
      const bad = offending(under(`src/${area}`), (to) => under("src/venues")(to) || under("src/sim")(to))
      assert.deepStrictEqual(bad, [], `the venue-neutral src/${area} must not know a venue or the simulator; a venue implements a port instead:\n${bad.join("\n")}`)
    })
  }

  for (const area of neutral) {
    it(`src/${area} imports only the neutral kit`, () => {
      const bad = offending(under(`src/${area}`), (to) => !isNeutral(to))
      assert.deepStrictEqual(bad, [], `the venue-neutral src/${area} imports only src/{${neutral.join(",")}}:\n${bad.join("\n")}`)
    })
  }

  for (const area of strategies) {
    it(`src/${area} (a strategy) imports only the neutral kit`, () => {
      const bad = offending(under(`src/${area}`), (to) => !isNeutral(to) && !under(`src/${area}`)(to))
      assert.deepStrictEqual(bad, [], `a strategy trades through the exchange services, never a venue's or the simulator's modules:\n${bad.join("\n")}`)
    })
  }

  it("src/venues never imports the simulator", () => {
    const bad = offending(under("src/venues"), under("src/sim"))
    assert.deepStrictEqual(bad, [], `venues never import the simulator (the simulator's wiring lives in src/sim):\n${bad.join("\n")}`)
  })

  for (const venue of venueFolders) {
    it(`${venue} imports no other venue`, () => {
      const others = venueFolders.filter((v) => v !== venue)
      const bad = offending(under(venue), (to) => others.some((other) => under(other)(to)))
      assert.deepStrictEqual(bad, [], `one venue never imports another's wire; what they share belongs in the neutral kit:\n${bad.join("\n")}`)
    })
  }

  it("no import cycle among src/ modules (type-only imports included)", () => {
    const cycles = cyclesOf(edges).map((cycle) => cycle.join(" -> "))
    assert.deepStrictEqual(cycles, [], `import cycles (move the shared type to the lower module):\n${cycles.join("\n")}`)
  })
})
