/**
 * The README's library example runs as written (`npm run example`): a real child process that
 * must print the instrument, three book views and a quote, and end by itself with exit 0.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnEntry } from "./support.ts"

const example = new URL("../../examples/quotes.ts", import.meta.url).pathname

describe("examples/quotes.ts", () => {
  it.live("prints the instrument, three consistent books and a quote, then exits 0 on its own", () =>
    Effect.scoped(Effect.gen(function*() {
      // As `npm run example` runs it: the package's name resolves to its sources.
      const proc = yield* spawnEntry(example, [], ["--conditions=scoped-exchange-source"])
      const code = yield* proc.exit(60_000)
      const out = proc.output()
      assert.strictEqual(code, 0, out)
      assert.match(out, /^BTCUSDT: tick size 0\.01, lot size [\d.]+, minimum notional [\d.]+ USDT$/m)
      const books = out.match(/^book v\d+: best bid [\d.]+ x [\d.]+, best ask [\d.]+ x [\d.]+, top 5 levels a side: \d\/\d$/gm) ?? []
      assert.strictEqual(books.length, 3, out)
      for (const line of books) {
        const [, bid, ask] = /best bid ([\d.]+) .* best ask ([\d.]+)/.exec(line)!
        assert.isBelow(Number(bid), Number(ask), `crossed book: ${line}`)
      }
      assert.match(out, /^quote: [\d.]+ \/ [\d.]+$/m)
    })))
})
