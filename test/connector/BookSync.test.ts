import { assert, describe, it } from "@effect/vitest"
import { describe as describeBook, OrderBook } from "../../src/exchange/OrderBook.ts"
import { BookSync, type BookSyncOptions } from "../../src/connector/BookSync.ts"
import type { DepthDelta } from "../../src/connector/Market.ts"

type Level = { price: string; quantity: string }
const delta = (from: number, to: number, bids: Array<Level> = [], asks: Array<Level> = []): DepthDelta => ({
  _tag: "DepthDelta",
  symbol: "X",
  fromVersion: BigInt(from),
  toVersion: BigInt(to),
  bids,
  asks,
  time: to
})
const snap = (version: number, bids: Array<Level> = [], asks: Array<Level> = []) => ({ version: BigInt(version), bids, asks, time: version })
const bid = (price: string, quantity: string) => ({ price, quantity })

const setup = (options?: BookSyncOptions) => {
  const book = new OrderBook("X")
  const sync = new BookSync(book, options)
  const first = sync.start()
  return { book, sync, first }
}
const top = (book: OrderBook) => describeBook(book.view())

const full = (to: number, bids: Array<Level> = [], asks: Array<Level> = []): DepthDelta => ({ ...delta(to, to, bids, asks), full: true })

describe("BookSync", () => {
  it("a full push (the whole book) replaces the book: live without the snapshot, which is then ignored; an older one is dropped", () => {
    const { book, sync, first } = setup()
    assert.strictEqual(sync.onDelta(delta(5, 8, [bid("1", "9")]), 0), "buffered")
    assert.strictEqual(sync.onDelta(full(20, [bid("2", "1"), bid("1", "1")]), 0), "applied")
    assert.isTrue(sync.synced)
    assert.strictEqual(book.version, 20n)
    assert.strictEqual(top(book), "bids 2 1; 1 1 | asks ", "the buffered push the full book covers was not applied")
    assert.strictEqual(sync.onSnapshot(first.id, snap(10, [bid("7", "7")]), 0), "ignored", "the snapshot is no longer waited for")
    assert.strictEqual(sync.onDelta(delta(21, 21, [bid("2", "0")]), 0), "applied", "deltas continue from the full book")
    assert.strictEqual(sync.onDelta(full(18, [bid("9", "9")]), 0), "dropped", "an older full book is never applied over a newer one")
    assert.strictEqual(sync.onDelta(full(30, [bid("5", "5")]), 0), "applied", "a newer one replaces the book even across a gap")
    assert.strictEqual(top(book), "bids 5 5 | asks ")
    assert.strictEqual(sync.stats.resyncs, 0)
  })

  it("cold start: buffers, drops what the snapshot covers, applies a straddling push and what follows", () => {
    const { book, sync, first } = setup()
    assert.deepStrictEqual(first, { id: 1, delayMs: 0, attempt: 1 })
    assert.strictEqual(sync.onDelta(delta(5, 8, [bid("1", "9")]), 0), "buffered")
    assert.strictEqual(sync.onDelta(delta(9, 12, [bid("2", "1")]), 0), "buffered")
    assert.strictEqual(sync.onDelta(delta(13, 14, [bid("3", "1")]), 0), "buffered")
    assert.isFalse(sync.synced)
    assert.strictEqual(sync.onSnapshot(1, snap(10, [bid("1", "5")]), 0), "synced")
    assert.isTrue(sync.synced)
    assert.strictEqual(book.version, 14n)
    assert.strictEqual(top(book), "bids 3 1; 2 1; 1 5 | asks ", "the covered push (5..8) was not applied over the snapshot")
    assert.strictEqual(sync.onDelta(delta(15, 15, [bid("3", "0")]), 0), "applied")
    assert.strictEqual(top(book), "bids 2 1; 1 5 | asks ")
  })

  it("a first push that starts right after the snapshot is accepted; one ending at the snapshot is covered", () => {
    const { book, sync } = setup()
    sync.onDelta(delta(8, 10, [bid("9", "9")]), 0)
    sync.onDelta(delta(11, 11, [bid("1", "2")]), 0)
    assert.strictEqual(sync.onSnapshot(1, snap(10, [bid("1", "1")]), 0), "synced")
    assert.strictEqual(book.version, 11n)
    assert.strictEqual(top(book), "bids 1 2 | asks ")
  })

  it("after the first push, each must start at the previous toVersion + 1", () => {
    const { book, sync } = setup()
    sync.onSnapshot(1, snap(10), 0)
    assert.strictEqual(sync.onDelta(delta(9, 11), 0), "applied", "the first may straddle")
    assert.strictEqual(sync.onDelta(delta(12, 13), 0), "applied")
    assert.strictEqual(sync.onDelta(delta(13, 14), 0), "resync", "an overlap after the first push is a discontinuity")
    assert.isFalse(book.initialized)
  })

  it("duplicates and pushes older than the book are dropped, never applied over newer state", () => {
    const { book, sync } = setup()
    sync.onSnapshot(1, snap(10, [bid("1", "1")]), 0)
    sync.onDelta(delta(11, 12, [bid("1", "2")]), 0)
    assert.strictEqual(sync.onDelta(delta(11, 12, [bid("1", "2")]), 0), "dropped")
    assert.strictEqual(sync.onDelta(delta(5, 6, [bid("1", "7")]), 0), "dropped")
    assert.strictEqual(sync.onDelta(delta(12, 12, [bid("1", "8")]), 0), "dropped")
    assert.strictEqual(top(book), "bids 1 2 | asks ")
    assert.strictEqual(book.version, 12n)
    assert.strictEqual(sync.stats.dropped, 3)
    assert.strictEqual(sync.stats.resyncs, 0)
  })

  it("a gap clears the book, resyncs, keeps the push that showed it, and measures the resync", () => {
    const { book, sync } = setup()
    sync.onSnapshot(1, snap(10, [bid("1", "1")]), 0)
    sync.onDelta(delta(11, 12, [bid("1", "2")]), 100)
    assert.strictEqual(sync.onDelta(delta(15, 16, [bid("2", "1")]), 1000), "resync")
    assert.isFalse(book.initialized, "never serve a book with a hole in it")
    assert.isFalse(sync.synced)
    assert.strictEqual(sync.lastResyncReason, "gap")
    const request = sync.request!
    assert.deepStrictEqual({ attempt: request.attempt, delayMs: request.delayMs }, { attempt: 1, delayMs: 0 })
    assert.strictEqual(sync.onDelta(delta(17, 17, [bid("3", "1")]), 1010), "buffered")
    assert.strictEqual(sync.onSnapshot(request.id, snap(14, [bid("1", "4")]), 1042), "synced")
    assert.strictEqual(top(book), "bids 3 1; 2 1; 1 4 | asks ")
    assert.strictEqual(book.version, 17n)
    assert.deepStrictEqual({ ...sync.stats }, { resyncs: 1, gaps: 1, staleSnapshots: 0, dropped: 0, outOfOrder: 0, applied: 3, resyncsCompleted: 1, lastResyncMs: 42 })
  })

  it("reordered pushes resync rather than leave a wrong book", () => {
    const { book, sync } = setup()
    sync.onSnapshot(1, snap(10), 0)
    sync.onDelta(delta(11, 12, [bid("1", "1")]), 0)
    assert.strictEqual(sync.onDelta(delta(14, 15, [bid("1", "3")]), 0), "resync")
    assert.strictEqual(sync.onDelta(delta(13, 13, [bid("1", "2")]), 0), "buffered")
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(15, [bid("1", "3")]), 0), "synced")
    assert.strictEqual(top(book), "bids 1 3 | asks ")
    assert.strictEqual(book.version, 15n, "the buffered older pushes were covered")
  })

  it("a snapshot older than the stream is taken again with backoff, then the sync fails", () => {
    const { book, sync } = setup({ maxSnapshotAttempts: 3, retryDelayMs: 100 })
    sync.onDelta(delta(20, 21), 0)
    assert.strictEqual(sync.onSnapshot(1, snap(10), 0), "retry")
    assert.deepStrictEqual(sync.request, { id: 2, delayMs: 100, attempt: 2 })
    assert.strictEqual(sync.onSnapshot(2, snap(15), 0), "retry")
    assert.deepStrictEqual(sync.request, { id: 3, delayMs: 200, attempt: 3 })
    assert.strictEqual(sync.onSnapshot(3, snap(18), 0), "failed")
    assert.strictEqual(sync.state, "Failed")
    assert.strictEqual(sync.failure!.attempts, 3)
    assert.match(sync.failure!.detail, /older than the stream/)
    assert.strictEqual(sync.onDelta(delta(22, 22), 0), "ignored")
    assert.isFalse(book.initialized)
    assert.strictEqual(sync.stats.staleSnapshots, 3)
  })

  it("a stale snapshot seen only when the first push arrives counts against the same attempts", () => {
    const { book, sync } = setup({ maxSnapshotAttempts: 2 })
    assert.strictEqual(sync.onSnapshot(1, snap(10, [bid("1", "1")]), 0), "synced", "no push yet to tell")
    assert.strictEqual(sync.onDelta(delta(15, 16), 0), "resync")
    assert.isFalse(book.initialized)
    assert.strictEqual(sync.request!.attempt, 2)
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(12), 0), "failed", "12 is still older than the push kept (15..16)")
    assert.strictEqual(sync.state, "Failed")
    assert.strictEqual(sync.failure!.attempts, 2)
  })

  it("with no attempts left, a first push that shows a stale snapshot fails the sync", () => {
    const { sync } = setup({ maxSnapshotAttempts: 1 })
    sync.onSnapshot(1, snap(10), 0)
    assert.strictEqual(sync.onDelta(delta(15, 16), 0), "failed")
    assert.strictEqual(sync.state, "Failed")
  })

  it("attempts start over once a snapshot and the stream join up", () => {
    const { sync } = setup({ maxSnapshotAttempts: 2 })
    sync.onDelta(delta(20, 20), 0)
    assert.strictEqual(sync.onSnapshot(1, snap(10), 0), "retry")
    assert.strictEqual(sync.onSnapshot(2, snap(19), 0), "synced")
    assert.strictEqual(sync.onDelta(delta(25, 25), 0), "resync", "a gap: a new sync")
    sync.onDelta(delta(30, 30), 0)
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(10), 0), "retry", "first attempt of the new sync was stale")
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(29), 0), "synced")
  })

  it("a reconnect clears the book and starts over; answers to earlier requests are ignored", () => {
    const { book, sync } = setup()
    sync.onSnapshot(1, snap(10, [bid("1", "1")]), 0)
    sync.onDelta(delta(11, 11, [bid("2", "1")]), 0)
    const request = sync.onReconnect(500)!
    assert.strictEqual(request.attempt, 1)
    assert.isFalse(book.initialized, "the new connection's pushes are never merged into the old book")
    assert.strictEqual(sync.lastResyncReason, "reconnect")
    assert.strictEqual(sync.onSnapshot(1, snap(50), 500), "ignored")
    assert.strictEqual(sync.onSnapshotFailed(1, "late", 500), "ignored")
    sync.onDelta(delta(11, 11, [bid("2", "1")]), 510)
    sync.onDelta(delta(12, 12, [bid("3", "1")]), 510)
    assert.strictEqual(sync.onSnapshot(request.id, snap(11, [bid("2", "1")]), 600), "synced")
    assert.strictEqual(top(book), "bids 3 1; 2 1 | asks ")
    assert.strictEqual(sync.stats.lastResyncMs, 100)
  })

  it("a snapshot that cannot be fetched is retried within the attempts, then fails", () => {
    const { sync } = setup({ maxSnapshotAttempts: 2 })
    assert.strictEqual(sync.onSnapshotFailed(1, "503", 0), "retry")
    assert.strictEqual(sync.onSnapshotFailed(2, "503", 0), "failed")
    assert.strictEqual(sync.failure!.detail, "503")
    assert.strictEqual(sync.stats.staleSnapshots, 0)
  })

  it("a push or snapshot the book cannot read resyncs or retries; the book is never half-applied", () => {
    const { book, sync } = setup()
    assert.strictEqual(sync.onSnapshot(1, snap(10, [bid("x", "1")]), 0), "retry")
    assert.strictEqual(sync.onSnapshot(2, snap(10, [bid("1", "1")]), 0), "synced")
    assert.strictEqual(sync.onDelta(delta(11, 11, [bid("2", "1"), bid("3", "-1")]), 0), "resync")
    assert.strictEqual(sync.lastResyncReason, "invalid")
    assert.isFalse(book.initialized)
  })

  it("a gap inside the buffer, found while replaying it, starts a new sync", () => {
    const { sync } = setup()
    sync.onDelta(delta(9, 11), 0)
    sync.onDelta(delta(14, 15), 0)
    assert.strictEqual(sync.onSnapshot(1, snap(10), 0), "retry")
    assert.strictEqual(sync.lastResyncReason, "gap")
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(13), 0), "synced")
    assert.strictEqual(sync.book.version, 15n)
  })

  // Issue 16, item 8: one push with an impossible version (here 2^64 - 1, past what parse takes)
  // stayed first in the buffer, every snapshot looked older than it, and after 5 the sync failed.
  const impossible = (2n ** 64n) - 1n
  const bogus = (): DepthDelta => ({ ...delta(0, 0, [bid("999", "1")]), fromVersion: impossible, toVersion: impossible })

  it("a push with an impossible version while buffering is skipped once the stream goes on behind it", () => {
    const { book, sync } = setup()
    sync.onDelta(delta(9, 10, [bid("1", "1")]), 0)
    sync.onDelta(bogus(), 0)
    sync.onDelta(delta(11, 12, [bid("2", "1")]), 0)
    sync.onDelta(delta(13, 13, [bid("3", "1")]), 0)
    assert.strictEqual(sync.onSnapshot(1, snap(11, [bid("1", "1")]), 0), "synced")
    assert.strictEqual(book.version, 13n)
    assert.strictEqual(top(book), "bids 3 1; 2 1; 1 1 | asks ", "the impossible push's level never reached the book")
    assert.strictEqual(sync.stats.outOfOrder, 1)
    assert.strictEqual(sync.stats.staleSnapshots, 0)
    assert.strictEqual(sync.onDelta(delta(14, 14), 0), "applied")
  })

  it("a push with an impossible version first in the buffer does not make every snapshot stale", () => {
    const { book, sync } = setup({ maxSnapshotAttempts: 5 })
    sync.onDelta(bogus(), 0)
    assert.strictEqual(sync.onSnapshot(1, snap(10), 0), "retry", "nothing after it yet: it could be the stream")
    for (let v = 11; v <= 14; v++) sync.onDelta(delta(v, v, [bid(String(v), "1")]), 0)
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(12), 0), "synced")
    assert.strictEqual(book.version, 14n)
    assert.notStrictEqual(sync.state, "Failed")
  })

  it("an impossible version while live costs one resync, never the book: the next snapshot syncs", () => {
    const { book, sync } = setup({ maxSnapshotAttempts: 5 })
    sync.onSnapshot(1, snap(10), 0)
    sync.onDelta(delta(11, 11), 0)
    assert.strictEqual(sync.onDelta(bogus(), 0), "resync")
    for (let v = 12; v <= 15; v++) sync.onDelta(delta(v, v, [bid(String(v), "1")]), 0)
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(13, [bid("12", "1"), bid("13", "1")]), 0), "synced")
    assert.strictEqual(top(book), "bids 15 1; 14 1; 13 1; 12 1 | asks ")
    assert.strictEqual(sync.stats.outOfOrder, 1)
    // Also in the middle of the replayed buffer.
    assert.strictEqual(sync.onDelta(delta(17, 17), 0), "resync")
    sync.onDelta(delta(16, 16), 0)
    sync.onDelta(bogus(), 0)
    sync.onDelta(delta(17, 17), 0)
    sync.onDelta(delta(18, 18), 0)
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(15), 0), "synced")
    assert.strictEqual(book.version, 18n)
  })

  it("a push that jumps the book's version impossibly far ahead is found out when the stream stays behind: resync, never a frozen book", () => {
    const { book, sync } = setup({ maxBehind: 3 })
    sync.onSnapshot(1, snap(10), 0)
    sync.onDelta(delta(11, 11, [bid("1", "1")]), 0)
    // Starts right after the book, so it is applied; its end is nowhere near the stream.
    assert.strictEqual(sync.onDelta(delta(12, 1_000_000_000_000, [bid("9", "9")]), 0), "applied")
    assert.strictEqual(sync.onDelta(delta(12, 12, [bid("2", "1")]), 0), "dropped")
    assert.strictEqual(sync.onDelta(delta(12, 12, [bid("2", "1")]), 0), "dropped", "a repeat is not the stream moving on")
    assert.strictEqual(sync.onDelta(delta(13, 13, [bid("3", "1")]), 0), "dropped")
    assert.strictEqual(sync.onDelta(delta(14, 14, [bid("4", "1")]), 0), "resync")
    assert.match(sync.lastRestart!.detail, /stays behind the book/)
    assert.isFalse(book.initialized)
    sync.onDelta(delta(15, 15, [bid("5", "1")]), 0)
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(14, [bid("1", "1"), bid("2", "1"), bid("3", "1"), bid("4", "1")]), 0), "synced")
    assert.strictEqual(top(book), "bids 5 1; 4 1; 3 1; 2 1; 1 1 | asks ")
    assert.strictEqual(sync.onDelta(delta(16, 16), 0), "applied")
  })

  it("the buffer keeps the newest pushes up to its limit", () => {
    const { sync } = setup({ bufferLimit: 3 })
    for (let v = 1; v <= 10; v++) sync.onDelta(delta(v, v), 0)
    assert.strictEqual(sync.onSnapshot(1, snap(5), 0), "retry", "6 was dropped from the buffer: 7 does not follow 5")
    assert.strictEqual(sync.onSnapshot(sync.request!.id, snap(7), 0), "synced")
    assert.strictEqual(sync.book.version, 10n)
  })

  it("stop forgets everything; a late snapshot is ignored", () => {
    const { book, sync } = setup()
    sync.stop()
    assert.strictEqual(sync.state, "Idle")
    assert.strictEqual(sync.onSnapshot(1, snap(1, [bid("1", "1")]), 0), "ignored")
    assert.strictEqual(sync.onDelta(delta(2, 2), 0), "ignored")
    assert.isFalse(book.initialized)
    assert.strictEqual(sync.onReconnect(0), undefined)
  })

  it("random faults (lost, duplicated, reordered pushes; stale snapshots; reconnects): a live book always equals the venue's at its version", () => {
    for (let seed = 1; seed <= 30; seed++) {
      let state = seed
      const random = () => {
        state = (state * 1103515245 + 12345) % 2147483648
        return state / 2147483648
      }
      // The venue: one level change per version; its book at every version, as text.
      const venue = new Map<string, string>()
      const history: Array<string> = []
      const changedAt: Array<[string, string]> = [["", ""]]
      const venueText = () => {
        const levels = [...venue.entries()].sort((a, b) => Number(b[0]) - Number(a[0]))
        return `bids ${levels.map(([p, q]) => `${p} ${q}`).join("; ")} | asks `
      }
      history.push(venueText())
      const step = () => {
        const price = String(100 + Math.floor(random() * 30))
        const quantity = random() < 0.3 ? "0" : String(1 + Math.floor(random() * 9))
        if (quantity === "0") venue.delete(price)
        else venue.set(price, quantity)
        changedAt.push([price, quantity])
        history.push(venueText())
      }
      /** The aggregated push for versions from..to: each changed level at its value as of `to`. */
      const push = (from: number, to: number): DepthDelta => {
        const prices = new Set<string>()
        for (let v = from; v <= to; v++) prices.add(changedAt[v]![0])
        return delta(from, to, [...prices].map((price) => bid(price, venue.get(price) ?? "0")))
      }
      const book = new OrderBook("X")
      const sync = new BookSync(book, { maxSnapshotAttempts: 1000 })
      sync.start()
      let version = 0
      let pending: Array<DepthDelta> = []
      let checks = 0
      const check = (what: string) => {
        if (!sync.synced) return
        checks++
        assert.strictEqual(top(book), history[Number(book.version)], `seed ${seed}: ${what} at ${book.version}`)
        assert.isFalse(book.crossed)
      }
      for (let round = 0; round < 300; round++) {
        const n = 1 + Math.floor(random() * 3)
        const from = version + 1
        for (let k = 0; k < n; k++) step()
        version += n
        const p = push(from, version)
        const r = random()
        if (r < 0.04) continue // lost
        if (r < 0.08) pending.push(p, p) // duplicated
        else if (r < 0.12 && pending.length > 0) pending.unshift(p) // reordered
        else pending.push(p)
        if (random() < 0.5) {
          for (const d of pending) {
            sync.onDelta(d, round)
            check("after a push")
          }
          pending = []
        }
        if (random() < 0.02) sync.onReconnect(round)
        const request = sync.request
        if (request !== undefined && random() < 0.3) {
          // Snapshots are taken at the venue's version, or at an older one (a stale snapshot).
          const at = random() < 0.3 ? Math.max(0, version - 1 - Math.floor(random() * 5)) : version
          const levels = history[at]!
          const bids = levels.slice(5, levels.indexOf(" |")).split("; ").filter((s) => s !== "").map((s) => {
            const [price, quantity] = s.split(" ")
            return bid(price!, quantity!)
          })
          sync.onSnapshot(request.id, snap(at, bids), round)
          check("after a snapshot")
        }
      }
      assert.isAbove(checks, 10, `seed ${seed}: the book was live for some of the run`)
      assert.notStrictEqual(sync.state, "Failed")
    }
  })
})
