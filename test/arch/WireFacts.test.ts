/**
 * A venue's wire facts live in its folder (and in the simulator, which speaks every venue's
 * dialect): DESIGN.md "Several venues in one program". No other source file names them, code or
 * doc comment: not an error code, endpoint path, host, channel, wire field, protobuf message or
 * session mechanism of MEXC outside `src/venues/mexc`, nor of Gate outside `src/venues/gate`.
 * A neutral doc that wants an example points to the venue's file instead (`venues/mexc/ErrorCodes.ts`).
 *
 * The simulator's own command (`src/cli/SimCommand.ts`, `src/cli/sim.ts`) describes the dialects it
 * serves, so it counts as the simulator. Each failure names file:line and the fact found.
 */
import { assert, describe, it } from "vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { sourceFiles } from "./ImportGraph.ts"

const root = path.resolve(import.meta.dirname, "../..")

/** Facts of each venue's wire, as patterns; each with what it is, for the failure message. */
const facts: Record<string, ReadonlyArray<readonly [RegExp, string]>> = {
  mexc: [
    [/(?<![\w.-])-?(?:602|700001|700002|700003|700006|700007|-2011|-2013|10007|10101|30002|30004|30005|30014|30016|30021|730000|730002)(?![\w.])/, "an error code"],
    [/\/api\/v3\b/, "a REST path"],
    [/\bmexc\.com\b/i, "a host"],
    [/\bspot@/, "a channel name"],
    [/\blisten[ -]?key/i, "the listen-key session"],
    [/\bPushDataV3|\bPublicAggre|\bPublicLimitDepths|\bPrivateOrdersV3|\bPrivateDealsV3|\bPrivateAccountV3/, "a protobuf message"],
    [/\b(?:quoteAssetPrecision|lastUpdateId|origClientOrderId|newClientOrderId|recvWindow|quoteOrderQty|ENTRUST_PLACE|IMMEDIATE_OR_CANCEL|FILL_OR_KILL)\b/, "a wire field or value"],
    [/X-MEXC-APIKEY/i, "a header"],
    [/Not Subscribed successfully/, "a refusal text"]
  ],
  gate: [
    [/\/(?:api|ws)\/v4\b/, "a REST or WebSocket path"],
    [/\bgateio\.ws\b/i, "a host"],
    [/\bspot\.[a-z_]+/, "a channel name"],
    [/\b(?:currency_pair|countdown_cancel_all|create_time_ms|update_time_ms)\b/, "a wire field"],
    [/\b(?:ORDER_NOT_FOUND|ORDER_CLOSED|ORDER_CANCELLED|INVALID_KEY|INVALID_SIGNATURE|BALANCE_NOT_ENOUGH|POC_FILL_IMMEDIATELY|TOO_FAST|REQUEST_EXPIRED|INVALID_CURRENCY_PAIR)\b/, "an error label"],
    [/`U\.\.u`/, "the depth update ids"]
  ]
}

/** Where a venue's facts may appear: its folder, the simulator, the simulator's command. */
const allowed = (venue: string, file: string) =>
  file.startsWith(`src/venues/${venue}/`) || file.startsWith("src/sim/") ||
  file === "src/cli/SimCommand.ts" || file === "src/cli/sim.ts"

const files = sourceFiles(root, "src").filter((file) => !file.includes("/generated/"))
const lines = new Map(files.map((file) => [file, fs.readFileSync(path.join(root, file), "utf8").split("\n")] as const))

const findings = (venue: string): Array<string> => {
  const out: Array<string> = []
  for (const [file, text] of lines) {
    if (allowed(venue, file)) continue
    text.forEach((line, index) => {
      for (const [pattern, what] of facts[venue]!) {
        const match = pattern.exec(line)
        if (match !== null) out.push(`${file}:${index + 1}: ${what} (${JSON.stringify(match[0])}): ${line.trim()}`)
      }
    })
  }
  return out
}

describe("venue wire facts stay in the venue's folder", () => {
  it("the patterns find the facts where they live (so an absence elsewhere means something)", () => {
    for (const [venue, file, expected] of [
      ["mexc", "src/venues/mexc/ErrorCodes.ts", "an error code"],
      ["mexc", "src/venues/mexc/MexcRest.ts", "a REST path"],
      ["mexc", "src/venues/mexc/PushParse.ts", "a channel name"],
      ["mexc", "src/venues/mexc/internal/UserDataStream.ts", "the listen-key session"],
      ["gate", "src/venues/gate/ErrorLabels.ts", "an error label"],
      ["gate", "src/venues/gate/GateRest.ts", "a REST or WebSocket path"],
      ["gate", "src/venues/gate/PushParse.ts", "a channel name"]
    ] as const) {
      const patterns = facts[venue]!.filter(([, what]) => what === expected).map(([pattern]) => pattern)
      assert.isTrue(lines.get(file)!.some((line) => patterns.some((p) => p.test(line))), `${expected} of ${venue} not found in ${file}`)
    }
  })

  for (const venue of Object.keys(facts)) {
    it(`no file outside src/venues/${venue} and src/sim names ${venue}'s wire`, () => {
      const found = findings(venue)
      assert.deepStrictEqual(
        found,
        [],
        `${venue}'s wire facts outside src/venues/${venue} and src/sim (move the fact into the venue's folder, or make the doc neutral and point to the venue's file):\n${found.join("\n")}`
      )
    })
  }
})
