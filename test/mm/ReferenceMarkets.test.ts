/**
 * Reference markets against the in-memory venue: the test moves the quote and makes trades, and
 * checks what `since(mark)` reports (mid move, trades and volume, imbalance), under the leak check.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, References } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { PrivateExchange } from "../../src/exchange/PrivateExchange.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as MM from "../../src/mm/InMemoryExchange.ts"
import * as ReferenceMarkets from "../../src/mm/ReferenceMarkets.ts"
import * as instruments from "../support/instruments.ts"

const d = Decimal.unsafeParse

const btc = instruments.btc()

const venue = MM.layer({ instruments: [btc], balances: { USDT: "100000", BTC: "1" } })

const withReferences = <A, E>(
  symbols: ReadonlyArray<string>,
  body: Effect.Effect<A, E, ReferenceMarkets.ReferenceMarkets | MM.InMemoryExchange | PrivateExchange>
) =>
  LeakCheck.scoped(
    body.pipe(
      Effect.provide(ReferenceMarkets.layer(symbols).pipe(Layer.provideMerge(venue))),
      Effect.provideService(References.MinimumLogLevel, "None")
    )
  )

const moveOf = (refs: ReferenceMarkets.ReferenceMarketsShape, mark: ReferenceMarkets.Mark) =>
  Effect.map(refs.since(mark), (moves) => moves[0]!)

/** Polls `get` every 10 ms until `ok` holds (a hang detector of 5 s, not a timing assertion). */
const until = <A>(what: string, get: Effect.Effect<A>, ok: (a: A) => boolean): Effect.Effect<A> =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      const a = yield* get
      if (ok(a)) return a
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

const midIs = (text: string) => (m: ReferenceMarkets.ReferenceMove) => m.midAfter !== undefined && Decimal.format(m.midAfter) === text

describe("ReferenceMarkets", () => {
  it.live("reports the mid's move in bps, the trades and their volume since a mark, and the book's imbalance", () =>
    withReferences(
      ["BTCUSDT"],
      Effect.gen(function*() {
        const control = yield* MM.InMemoryExchange
        const refs = yield* ReferenceMarkets.ReferenceMarkets
        assert.deepStrictEqual(refs.symbols, ["BTCUSDT"])
        yield* control.setQuote("BTCUSDT", "100", "101")
        const mark = yield* until("a first quote", refs.mark, (m) => m.points.get("BTCUSDT")?.mid !== undefined)

        // A trade of 0.5 BTC (our order filled) and the touch moves up by 2.
        const priv = yield* PrivateExchange
        const order = yield* priv.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", price: d("100"), quantity: d("0.5") })
        yield* control.fill(order.clientOrderId)
        yield* control.setQuote("BTCUSDT", "102", "103")
        const move = yield* until("the trade and the new quote", moveOf(refs, mark), (m) => m.trades === 1 && midIs("102.5")(m))
        assert.strictEqual(Decimal.format(move.midBefore!), "100.5")
        assert.strictEqual(Decimal.format(move.volume), "0.5")
        assert.closeTo(move.moveBps!, (2 / 100.5) * 10_000, 1e-9)
        // The in-memory venue's book is its quote, 1000 a side.
        assert.strictEqual(move.imbalance, 0)
        assert.strictEqual(
          ReferenceMarkets.formatText(move),
          "reference BTCUSDT: mid 100.5 -> 102.5 (+199.0 bps), 1 trades 0.5, imbalance top 5 +0.00"
        )
        assert.deepStrictEqual(ReferenceMarkets.toJson(move), {
          symbol: "BTCUSDT",
          midBefore: "100.5",
          midAfter: "102.5",
          moveBps: 199,
          trades: 1,
          volume: "0.5",
          imbalance: 0
        })

        // A new mark starts from now: nothing happened since.
        const again = yield* moveOf(refs, yield* refs.mark)
        assert.strictEqual(again.trades, 0)
        assert.strictEqual(again.moveBps, 0)
      })
    ))

  it.live("a mark taken before the first quote starts from the first quote", () =>
    withReferences(
      ["BTCUSDT"],
      Effect.gen(function*() {
        const control = yield* MM.InMemoryExchange
        const refs = yield* ReferenceMarkets.ReferenceMarkets
        const mark = yield* refs.mark
        const before = yield* moveOf(refs, mark)
        assert.strictEqual(before.midBefore, undefined)
        assert.strictEqual(before.moveBps, undefined)
        assert.strictEqual(ReferenceMarkets.formatText(before), "reference BTCUSDT: mid - -> - (- bps), 0 trades 0, imbalance top 5 -")
        yield* control.setQuote("BTCUSDT", "100", "101")
        // Quotes are conflated (a slow reader sees the newest): let the first one be seen.
        yield* until("the first quote", moveOf(refs, mark), midIs("100.5"))
        yield* control.setQuote("BTCUSDT", "99", "100")
        const m = yield* until("the second quote", moveOf(refs, mark), midIs("99.5"))
        assert.strictEqual(Decimal.format(m.midBefore!), "100.5")
        assert.isBelow(m.moveBps!, 0)
      })
    ))

  it.live("an unknown symbol fails the layer with a MarketMakerError naming it; no symbols is no component", () =>
    Effect.gen(function*() {
      const exit = yield* withReferences(["BTCUSDT", "NOPEUSDT"], Effect.void).pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.findErrorOption(exit)
      assert.strictEqual(error._tag, "Some")
      if (error._tag === "Some") {
        assert.strictEqual(error.value._tag, "MarketMakerError")
        assert.match(error.value.message, /NOPEUSDT/)
      }
      const none = yield* withReferences([], Effect.flatMap(ReferenceMarkets.ReferenceMarkets, (r) => r.since({ points: new Map() })))
      assert.deepStrictEqual(none, [])
    }))
})
