import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Equal, Hash, Schema } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { BookLevel, type BookView } from "../../src/exchange/Model.ts"
import { checksum, describe as describeBook, equals, InvalidLevel, OrderBook } from "../../src/exchange/OrderBook.ts"

const d = Decimal.unsafeParse
const text = (value: BigDecimal.BigDecimal) => Decimal.format(value)
const levels = (view: BookView, side: "bids" | "asks", n = 1000) =>
  view[side](n).map((l) => [text(l.price), text(l.quantity)] as const)

/** A deterministic PRNG (mulberry32) so a failing case can be replayed from its seed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** The obvious model: a map per side, sorted when read. */
class Model {
  readonly bids = new Map<string, string>()
  readonly asks = new Map<string, string>()
  set(side: "bids" | "asks", price: string, quantity: string) {
    const key = text(d(price))
    if (BigDecimal.isZero(d(quantity))) this[side].delete(key)
    else this[side].set(key, text(d(quantity)))
  }
  sorted(side: "bids" | "asks") {
    const entries = [...this[side].entries()].map(([p, q]) => ({ p, q, key: d(p) }))
    entries.sort((a, b) => BigDecimal.Order(a.key, b.key) * (side === "bids" ? -1 : 1))
    return entries.map(({ p, q }) => [p, q] as const)
  }
}

describe("OrderBook", () => {
  it("a view's levels are BookLevels like the class makes: equal, same hash, instanceof, Schema.is, same fields", () => {
    const book = new OrderBook("BTCUSDT", { priceScale: 2, quantityScale: 4 })
    book.applySnapshot({ version: 1n, time: 0, bids: [{ price: "100.5", quantity: "2" }], asks: [{ price: "101", quantity: "0.25" }] })
    const view = book.view()
    const made = [
      new BookLevel({ price: d("100.5"), quantity: d("2") }),
      new BookLevel({ price: d("101"), quantity: d("0.25") })
    ]
    for (const [i, level] of [view.bestBid!, view.bestAsk!].entries()) {
      const expected = made[i]!
      assert.isTrue(level instanceof BookLevel)
      assert.isTrue(Schema.is(BookLevel)(level))
      assert.isTrue(Equal.equals(level, expected))
      assert.strictEqual(Hash.hash(level), Hash.hash(expected))
      assert.deepStrictEqual(Object.keys(level), Object.keys(expected))
      assert.strictEqual(String(level), String(expected))
    }
  })

  it("applies a snapshot best first, whatever the input order, skipping zeros and keeping the last duplicate", () => {
    const book = new OrderBook("BTCUSDT", { priceScale: 2, quantityScale: 4 })
    book.applySnapshot({
      version: 10n,
      time: 1,
      bids: [{ price: "99.5", quantity: "1" }, { price: "100", quantity: "2" }, { price: "98", quantity: "0" }, { price: "99.50", quantity: "3" }],
      asks: [{ price: "101", quantity: "1.5" }, { price: "100.5", quantity: "0.25" }]
    })
    const view = book.view()
    assert.deepStrictEqual(levels(view, "bids"), [["100", "2"], ["99.5", "3"]])
    assert.deepStrictEqual(levels(view, "asks"), [["100.5", "0.25"], ["101", "1.5"]])
    assert.strictEqual(view.version, 10n)
    assert.strictEqual(text(view.bestBid!.price), "100")
    assert.strictEqual(text(view.bestAsk!.price), "100.5")
    assert.isFalse(book.crossed)
  })

  it("applies absolute quantities; 0 removes a level, removing an absent level changes nothing", () => {
    const book = new OrderBook("X")
    book.applySnapshot({ version: 1n, time: 0, bids: [{ price: "10", quantity: "1" }], asks: [{ price: "11", quantity: "1" }] })
    book.applyLevels([{ price: "10", quantity: "5" }, { price: "9", quantity: "2" }], [{ price: "11", quantity: "0" }, { price: "12", quantity: "0" }], 2n, 5)
    const view = book.view()
    assert.deepStrictEqual(levels(view, "bids"), [["10", "5"], ["9", "2"]])
    assert.deepStrictEqual(levels(view, "asks"), [])
    assert.strictEqual(view.bestAsk, undefined)
    assert.strictEqual(view.version, 2n)
    assert.strictEqual(view.time, 5)
  })

  it("is exact: trailing zeros, exponents, 18 decimals, values above 2^53, finer values widen the scale", () => {
    const book = new OrderBook("X", { priceScale: 2, quantityScale: 2 })
    book.applySnapshot({ version: 1n, time: 0, bids: [{ price: "100.10", quantity: "1.00" }], asks: [] })
    book.applyLevels([{ price: "100.1", quantity: "2" }], [], 2n, 0)
    assert.deepStrictEqual(levels(book.view(), "bids"), [["100.1", "2"]], "100.10 and 100.1 are one level")
    book.applyLevels([{ price: "100.123456789012345678", quantity: "0.000000000000000001" }], [], 3n, 0)
    book.applyLevels([{ price: "1e-3", quantity: "123456789012345678901234567890" }], [], 4n, 0)
    book.applyLevels([], [{ price: "9007199254740993", quantity: "9007199254740993.5" }], 5n, 0)
    const view = book.view()
    assert.deepStrictEqual(levels(view, "bids"), [
      ["100.123456789012345678", "0.000000000000000001"],
      ["100.1", "2"],
      ["0.001", "123456789012345678901234567890"]
    ])
    assert.deepStrictEqual(levels(view, "asks"), [["9007199254740993", "9007199254740993.5"]])
    book.applyLevels([{ price: "100.1000000000000000000000", quantity: "0" }], [], 6n, 0)
    assert.deepStrictEqual(levels(book.view(), "bids").map(([p]) => p), ["100.123456789012345678", "0.001"])
  })

  it("takes exact decimals as well as text", () => {
    const book = new OrderBook("X", { priceScale: 1 })
    book.applySnapshot({ version: 1n, time: 0, bids: [{ price: d("5.25"), quantity: d("1") }], asks: [{ price: d("6"), quantity: d("2.5") }] })
    book.applyLevels([{ price: d("5.250"), quantity: d("3") }], [], 2n, 0)
    assert.deepStrictEqual(levels(book.view(), "bids"), [["5.25", "3"]])
  })

  it("rejects what is not a non-negative decimal and leaves the book unchanged", () => {
    // 1e999999999 would be a billion-digit integer once scaled (issue 16, item 7): refused at once.
    for (const bad of ["", "-1", "abc", "1.2.3", " 1", "NaN", "Infinity", "0x10", "1e-3e", "1e999999999", "1e-999999999", "-1e5"]) {
      const book = new OrderBook("X")
      book.applySnapshot({ version: 1n, time: 0, bids: [{ price: "1", quantity: "1" }], asks: [] })
      const before = describeBook(book.view())
      assert.throws(() => book.applyLevels([{ price: "2", quantity: "1" }, { price: bad, quantity: "1" }], [], 2n, 0), InvalidLevel)
      assert.throws(() => book.applyLevels([{ price: "1.000000000000000000001", quantity: "1" }], [{ price: "2", quantity: bad }], 2n, 0), InvalidLevel)
      assert.throws(() => book.applySnapshot({ version: 5n, time: 0, bids: [{ price: bad, quantity: "1" }], asks: [] }), InvalidLevel)
      assert.strictEqual(describeBook(book.view()), before, `after ${JSON.stringify(bad)}`)
      assert.strictEqual(book.version, 1n)
    }
  })

  it("top-N returns at most N levels, best first; 0 or negative gives none", () => {
    const book = new OrderBook("X")
    const bids = Array.from({ length: 500 }, (_, i) => ({ price: String(1000 - i), quantity: "1" }))
    book.applySnapshot({ version: 1n, time: 0, bids, asks: [] })
    const view = book.view()
    assert.deepStrictEqual(levels(view, "bids", 3).map(([p]) => p), ["1000", "999", "998"])
    assert.strictEqual(view.bids(0).length, 0)
    assert.strictEqual(view.bids(-5).length, 0)
    assert.strictEqual(view.bids(10_000).length, 500)
  })

  it("a crossed book is reported", () => {
    const book = new OrderBook("X")
    book.applySnapshot({ version: 1n, time: 0, bids: [{ price: "10", quantity: "1" }], asks: [{ price: "11", quantity: "1" }] })
    assert.isFalse(book.crossed)
    book.applyLevels([{ price: "11", quantity: "1" }], [], 2n, 0)
    assert.isTrue(book.crossed)
  })

  it("clear forgets levels and version", () => {
    const book = new OrderBook("X")
    book.applySnapshot({ version: 7n, time: 0, bids: [{ price: "10", quantity: "1" }], asks: [] })
    assert.isTrue(book.initialized)
    book.clear()
    assert.isFalse(book.initialized)
    assert.strictEqual(book.view().bids(10).length, 0)
  })

  it("random deltas: always equals a naive model; every view handed out stays as it was", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const random = rng(seed)
      const book = new OrderBook("X", { priceScale: 1, quantityScale: 1 })
      const model = new Model()
      const snapshotBids = Array.from({ length: 150 }, (_, i) => ({ price: (1000 - i * 0.5).toFixed(1), quantity: "1" }))
      const snapshotAsks = Array.from({ length: 150 }, (_, i) => ({ price: (1001 + i * 0.5).toFixed(1), quantity: "2" }))
      book.applySnapshot({ version: 0n, time: 0, bids: snapshotBids, asks: snapshotAsks })
      for (const l of snapshotBids) model.set("bids", l.price, l.quantity)
      for (const l of snapshotAsks) model.set("asks", l.price, l.quantity)
      const kept: Array<{ view: BookView; text: string }> = []
      for (let step = 1; step <= 400; step++) {
        const delta = { bids: [] as Array<{ price: string; quantity: string }>, asks: [] as Array<{ price: string; quantity: string }> }
        const n = 1 + Math.floor(random() * 12)
        for (let k = 0; k < n; k++) {
          const side = random() < 0.5 ? "bids" : "asks"
          // Mostly near the touch, sometimes deep; a third removals; sometimes finer prices.
          const base = side === "bids" ? 1000 : 1001
          const offset = random() < 0.8 ? random() * 10 : random() * 200
          const raw = side === "bids" ? base - offset : base + offset
          const price = random() < 0.05 ? raw.toFixed(3) : raw.toFixed(1)
          const quantity = random() < 0.33 ? "0" : (random() * 10).toFixed(random() < 0.1 ? 4 : 1)
          delta[side].push({ price, quantity })
          model.set(side, price, quantity)
        }
        book.applyLevels(delta.bids, delta.asks, BigInt(step), step)
        if (step % 7 === 0) {
          const view = book.view()
          kept.push({ view, text: describeBook(view) })
        }
        if (step % 100 === 0) {
          const view = book.view()
          assert.deepStrictEqual(levels(view, "bids", 1e6), model.sorted("bids"), `seed ${seed} step ${step}`)
          assert.deepStrictEqual(levels(view, "asks", 1e6), model.sorted("asks"), `seed ${seed} step ${step}`)
          const bestBid = model.sorted("bids")[0]
          assert.strictEqual(book.bestBid && text(book.bestBid.price), bestBid?.[0])
        }
      }
      for (const { view, text: before } of kept) assert.strictEqual(describeBook(view), before, `seed ${seed}: a view changed`)
    }
  })

  it("equals and checksum agree on equal books whatever their scales, and differ on a changed level", () => {
    const a = new OrderBook("X", { priceScale: 1 })
    const b = new OrderBook("X", { priceScale: 8, quantityScale: 3 })
    const snapshot = { version: 1n, time: 0, bids: [{ price: "1.5", quantity: "2" }], asks: [{ price: "2", quantity: "1" }] }
    a.applySnapshot(snapshot)
    b.applySnapshot({ ...snapshot, version: 9n })
    assert.isTrue(equals(a.view(), b.view()))
    assert.strictEqual(checksum(a.view()), checksum(b.view()))
    b.applyLevels([{ price: "1.5", quantity: "2.0001" }], [], 10n, 0)
    assert.isFalse(equals(a.view(), b.view()))
    assert.notStrictEqual(checksum(a.view()), checksum(b.view()))
    assert.isTrue(equals(a.view(), b.view(), 0), "top 0 compares nothing")
  })
})
