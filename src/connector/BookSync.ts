/**
 * The order-book sync as a pure state machine over one {@link OrderBook}: no effects, no clock;
 * the caller passes the time in and performs the snapshot requests it is asked for. Venue-neutral:
 * each venue's documented procedure is this one, with its version ids mapped onto
 * `fromVersion..toVersion` in its parse (`venues/mexc/PushParse.ts` and `Parse.ts`,
 * `venues/gate/PushParse.ts` and `Parse.ts`, each citing its source).
 *
 * The procedure:
 * 1. Subscribe the depth channel and buffer its pushes ({@link BookSync.start}).
 * 2. Take a REST snapshot; its version (the venue's snapshot id, as its `Parse.ts` reads it) is the
 *    snapshot version ({@link BookSync.onSnapshot}).
 * 3. Drop buffered pushes the snapshot covers (`toVersion <= version`). The first push kept
 *    must straddle the snapshot (`fromVersion <= version < toVersion`) or start right after
 *    it (`fromVersion == version + 1`); one that starts later means the snapshot is older
 *    than the stream: take another one, after a backoff, at most `maxSnapshotAttempts` times,
 *    then the sync fails (`BookSyncFailed`).
 * 4. From then on every push must start at the previous `toVersion + 1`. A push that ends at or
 *    before the book's version is a duplicate (or older than the book) and is dropped: older data
 *    is never applied over newer. Any other discontinuity is a gap: the book is cleared and the
 *    sync starts over from 1.
 * 5. After a reconnect the book is cleared and synced from scratch ({@link BookSync.onReconnect}):
 *    pushes from a new connection are never merged into the old book.
 * 6. A push marked `full` (see `Market.DepthDelta`) is the whole book at its `toVersion`: it replaces
 *    the book, and the sync is live from it (no snapshot needed, none waited for).
 *
 * A buffered push that starts beyond the book while a push that arrived after it starts no later
 * than the book's next version is out of order (a corrupted or impossible version): the stream went
 * on behind it. It is skipped and counted (`outOfOrder`), never kept at the head of the buffer where
 * it would make every later snapshot look stale until the sync fails (issue 16, item 8). Skipping
 * is always safe: a push that starts beyond the book could not be applied anyway, and what is
 * applied still continues the book's version exactly.
 *
 * A push whose `toVersion` is impossibly far ahead but that starts right after the book is
 * applied (nothing can tell it apart yet) and moves the book's version past the stream's: every
 * push after it is then older than the book. When `maxBehind` pushes in a row are dropped while
 * the stream moves on (each ends later than the one before), the book is the wrong one: it is
 * cleared and synced again (reason `invalid`), instead of staying frozen (issue 16, item 8).
 *
 * Resyncs (gap, reconnect, a push the book cannot read, a stream behind the book) are counted, and the time from the
 * moment a resync starts to the first synced book is kept (`lastResyncMs`) for stats and logs.
 *
 * @since 0.1.0
 */
import { InvalidLevel, type OrderBook, type SnapshotInput } from "../exchange/OrderBook.ts"
import type { DepthDelta } from "./Market.ts"

export interface BookSyncOptions {
  /** Snapshots taken for one sync before it fails. Default 5. */
  readonly maxSnapshotAttempts?: number | undefined
  /** Wait before the second snapshot of a sync; doubles per attempt. Default 100 ms. */
  readonly retryDelayMs?: number | undefined
  /** Longest wait between snapshots. Default 2000 ms. */
  readonly maxRetryDelayMs?: number | undefined
  /** Pushes buffered while a snapshot is on its way; the oldest are dropped past it. Default 10,000. */
  readonly bufferLimit?: number | undefined
  /** Pushes in a row, each later than the last, that may end behind a live book before it resyncs. Default 10. */
  readonly maxBehind?: number | undefined
}

/** A snapshot the caller must fetch, after `delayMs`, and hand back with its `id`. */
export interface SnapshotRequest {
  readonly id: number
  readonly delayMs: number
  /** 1 for the first snapshot of a sync. */
  readonly attempt: number
}

/** Why a sync started over. */
export type ResyncReason = "gap" | "reconnect" | "invalid"

/** Why the book was last cleared and a snapshot asked for. */
export interface Restart {
  /** `stale`: the snapshot was older than the stream (another one, same sync). */
  readonly reason: ResyncReason | "stale"
  readonly detail: string
}

export type SyncState = "Idle" | "Buffering" | "Live" | "Failed"

/** What {@link BookSync.onDelta} did with a push. */
export type DeltaOutcome =
  /** Applied: the book moved to the push's `toVersion`. */
  | "applied"
  /** Kept until the snapshot arrives. */
  | "buffered"
  /** Covered by the book already (a duplicate, or older than the book): dropped. */
  | "dropped"
  /** A gap, or levels the book cannot read: the book was cleared; fetch {@link BookSync.request}. */
  | "resync"
  /** The snapshot proved older than the stream and the attempts are used up: see {@link BookSync.failure}. */
  | "failed"
  /** Not syncing (idle or failed): ignored. */
  | "ignored"

/** What {@link BookSync.onSnapshot} / {@link BookSync.onSnapshotFailed} did. */
export type SnapshotOutcome =
  /** The book is live at the snapshot (plus the buffered pushes that follow it). */
  | "synced"
  /** Not usable (older than the stream, or unreadable): fetch {@link BookSync.request}. */
  | "retry"
  /** Out of attempts: the sync failed; see {@link BookSync.failure}. */
  | "failed"
  /** An answer to an earlier request (superseded by a reconnect or a newer request): ignored. */
  | "ignored"

export interface BookSyncStats {
  /** Syncs started over after a gap, a reconnect or an unreadable push. */
  readonly resyncs: number
  readonly gaps: number
  /** Snapshots that were older than the stream (or unreadable) and were taken again. */
  readonly staleSnapshots: number
  /** Pushes dropped as duplicates or older than the book. */
  readonly dropped: number
  /** Buffered pushes skipped as out of order: they started beyond the book, the pushes after them did not. */
  readonly outOfOrder: number
  /** Pushes applied to the book. */
  readonly applied: number
  /** Resyncs that reached a synced book. */
  readonly resyncsCompleted: number
  /** Time from the start of the last completed resync to its synced book (ms). */
  readonly lastResyncMs: number | undefined
}

/** The sync procedure for one symbol's book. */
export class BookSync {
  readonly book: OrderBook
  state: SyncState = "Idle"
  /** The snapshot the caller must fetch now, set when an outcome asks for one. */
  request: SnapshotRequest | undefined = undefined
  /** Why the sync failed, once `state` is `Failed`. */
  failure: { readonly attempts: number; readonly detail: string } | undefined = undefined
  /** Why the last resync started. */
  lastResyncReason: ResyncReason | undefined = undefined
  /** Why the book was last cleared (a resync, or a stale snapshot taken again). */
  lastRestart: Restart | undefined = undefined
  /** Whether the book has been live since the last (re)start: its version is continuous. */
  private continuous = false
  /** Pushes dropped in a row as older than the book while the stream moved on; the last one's `toVersion`. */
  private behind = 0
  private behindAt = -1n
  private buffer: Array<DepthDelta> = []
  private nextRequestId = 0
  private attempt = 0
  /** When the running resync started (ms), if one is running. */
  private resyncStartedAt: number | undefined = undefined
  private stats_ = {
    resyncs: 0,
    gaps: 0,
    staleSnapshots: 0,
    dropped: 0,
    outOfOrder: 0,
    applied: 0,
    resyncsCompleted: 0,
    lastResyncMs: undefined as number | undefined
  }
  private readonly maxAttempts: number
  private readonly retryDelayMs: number
  private readonly maxRetryDelayMs: number
  private readonly bufferLimit: number
  private readonly maxBehind: number

  constructor(book: OrderBook, options?: BookSyncOptions) {
    this.book = book
    this.maxAttempts = Math.max(1, options?.maxSnapshotAttempts ?? 5)
    this.retryDelayMs = Math.max(0, options?.retryDelayMs ?? 100)
    this.maxRetryDelayMs = Math.max(this.retryDelayMs, options?.maxRetryDelayMs ?? 2000)
    this.bufferLimit = Math.max(1, options?.bufferLimit ?? 10_000)
    this.maxBehind = Math.max(1, options?.maxBehind ?? 10)
  }

  get stats(): BookSyncStats {
    return { ...this.stats_ }
  }

  /** True while the book is live: its content is the venue's book at `book.version`. */
  get synced(): boolean {
    return this.state === "Live"
  }

  /** Starts syncing (the depth channel was just subscribed): buffer, and fetch a snapshot. */
  start(): SnapshotRequest {
    this.reset()
    return this.requestSnapshot(1)
  }

  /** The connection was replaced: never merge into the old book. Starts over. */
  onReconnect(now: number): SnapshotRequest | undefined {
    if (this.state === "Idle") return undefined
    this.beginResync("reconnect", now)
    return this.request
  }

  /** Stops syncing (the channel was released). */
  stop(): void {
    this.reset()
    this.state = "Idle"
  }

  onDelta(delta: DepthDelta, now: number): DeltaOutcome {
    switch (this.state) {
      case "Idle":
      case "Failed":
        return "ignored"
      case "Buffering":
        if (delta.full === true) return this.replace(delta, now)
        if (this.buffer.length >= this.bufferLimit) this.buffer.shift()
        this.buffer.push(delta)
        return "buffered"
      case "Live":
        break
    }
    const version = this.book.version
    if (delta.toVersion <= version) {
      this.stats_.dropped++
      if (delta.toVersion > this.behindAt) {
        this.behindAt = delta.toVersion
        if (++this.behind >= this.maxBehind) {
          const detail = `the stream stays behind the book (book at ${version}, pushes end at ${delta.toVersion})`
          this.beginResync("invalid", now)
          this.lastRestart = { reason: "invalid", detail }
          return "resync"
        }
      }
      return "dropped"
    }
    this.behind = 0
    this.behindAt = -1n
    if (delta.full === true) return this.replace(delta, now)
    if (!this.continuous) {
      // The first push after a snapshot may straddle it or start right after it. One that
      // starts later shows the snapshot was older than the stream: another snapshot, within
      // the same sync's attempts.
      if (delta.fromVersion > version + 1n) {
        this.state = "Buffering"
        this.buffer = [delta]
        this.book.clear()
        const detail = `snapshot at ${version} is older than the stream (next push starts at ${delta.fromVersion})`
        return this.retry(now, detail) === "failed" ? "failed" : "resync"
      }
    } else if (delta.fromVersion !== version + 1n) {
      this.stats_.gaps++
      this.beginResync("gap", now)
      // The push that showed the gap may be the first the next snapshot needs.
      this.buffer.push(delta)
      return "resync"
    }
    if (!this.apply(delta)) {
      this.beginResync("invalid", now)
      return "resync"
    }
    if (!this.continuous) {
      // The snapshot and the stream join up: this sync is done with its attempts.
      this.continuous = true
      this.attempt = 0
    }
    return "applied"
  }

  /**
   * A snapshot for request `id`. Applies it, then the buffered pushes that follow it. Throws
   * nothing: a snapshot the book cannot read is retried like a stale one.
   */
  onSnapshot(id: number, snapshot: SnapshotInput, now: number): SnapshotOutcome {
    if (this.state !== "Buffering" || this.request === undefined || this.request.id !== id) return "ignored"
    const buffered = this.buffer
    const laterStart = earliestStartFrom(buffered)
    // Covered pushes go, and so do pushes the stream after them contradicts; the first one kept
    // must bridge from the snapshot.
    let i = 0
    while (i < buffered.length) {
      const push = buffered[i]!
      if (push.toVersion <= snapshot.version) i++
      else if (push.fromVersion <= snapshot.version + 1n) break
      else if (streamWentOnBehind(laterStart, i, snapshot.version + 1n)) {
        this.stats_.outOfOrder++
        i++
      } else break
    }
    if (i < buffered.length && buffered[i]!.fromVersion > snapshot.version + 1n) {
      this.buffer = buffered.slice(i)
      return this.retry(now, `snapshot at ${snapshot.version} is older than the stream (next push starts at ${buffered[i]!.fromVersion})`)
    }
    try {
      this.book.applySnapshot(snapshot)
    } catch (error) {
      if (!(error instanceof InvalidLevel)) throw error
      this.buffer = buffered.slice(i)
      return this.retry(now, `unreadable snapshot: ${error.message}`)
    }
    this.state = "Live"
    this.request = undefined
    this.continuous = false
    this.buffer = []
    for (let k = i; k < buffered.length; k++) {
      const push = buffered[k]!
      const next = this.book.version + 1n
      if (push.fromVersion > next && streamWentOnBehind(laterStart, k, next)) {
        this.stats_.outOfOrder++
        continue
      }
      const outcome = this.onDelta(push, now)
      // A gap inside the buffer: the resync it started owns the rest of the buffer.
      if (outcome === "resync") {
        for (let rest = k + 1; rest < buffered.length; rest++) this.buffer.push(buffered[rest]!)
        return "retry"
      }
    }
    if (this.resyncStartedAt !== undefined) {
      this.stats_.lastResyncMs = Math.max(0, now - this.resyncStartedAt)
      this.stats_.resyncsCompleted++
      this.resyncStartedAt = undefined
    }
    return "synced"
  }

  /** The snapshot for request `id` could not be fetched: retry within the attempts, or fail. */
  onSnapshotFailed(id: number, detail: string, now: number): SnapshotOutcome {
    if (this.state !== "Buffering" || this.request === undefined || this.request.id !== id) return "ignored"
    return this.retry(now, detail, false)
  }

  // --- internals -------------------------------------------------------------------------------

  /**
   * A full push: the whole book at its `toVersion`. Replaces the book; a snapshot under way is no
   * longer waited for; buffered pushes after it are applied in order. An unreadable one starts a
   * resync.
   */
  private replace(full: DepthDelta, now: number): DeltaOutcome {
    const buffered = this.state === "Buffering" ? this.buffer : []
    try {
      this.book.applySnapshot({ version: full.toVersion, bids: full.bids, asks: full.asks, time: full.time })
    } catch (error) {
      if (!(error instanceof InvalidLevel)) throw error
      this.beginResync("invalid", now)
      return "resync"
    }
    this.stats_.applied++
    this.state = "Live"
    this.request = undefined
    this.buffer = []
    this.continuous = true
    this.attempt = 0
    if (this.resyncStartedAt !== undefined) {
      this.stats_.lastResyncMs = Math.max(0, now - this.resyncStartedAt)
      this.stats_.resyncsCompleted++
      this.resyncStartedAt = undefined
    }
    for (let k = 0; k < buffered.length; k++) {
      const push = buffered[k]!
      if (push.toVersion <= this.book.version) continue
      const outcome = this.onDelta(push, now)
      if (outcome === "resync") {
        for (let rest = k + 1; rest < buffered.length; rest++) this.buffer.push(buffered[rest]!)
        return "resync"
      }
    }
    return "applied"
  }

  private apply(delta: DepthDelta): boolean {
    try {
      this.book.applyLevels(delta.bids, delta.asks, delta.toVersion, delta.time)
      this.stats_.applied++
      return true
    } catch (error) {
      if (error instanceof InvalidLevel) return false
      throw error
    }
  }

  private reset(): void {
    this.book.clear()
    this.buffer = []
    this.request = undefined
    this.failure = undefined
    this.continuous = false
    this.behind = 0
    this.behindAt = -1n
    this.attempt = 0
    this.resyncStartedAt = undefined
    this.state = "Buffering"
  }

  private beginResync(reason: ResyncReason, now: number): void {
    this.stats_.resyncs++
    this.lastResyncReason = reason
    this.lastRestart = { reason, detail: reason }
    this.reset()
    this.resyncStartedAt = now
    this.requestSnapshot(1)
  }

  private retry(_now: number, detail: string, stale = true): SnapshotOutcome {
    if (stale) this.stats_.staleSnapshots++
    this.lastRestart = { reason: "stale", detail }
    if (this.attempt >= this.maxAttempts) {
      this.state = "Failed"
      this.request = undefined
      this.buffer = []
      this.book.clear()
      this.failure = { attempts: this.attempt, detail }
      this.resyncStartedAt = undefined
      return "failed"
    }
    this.requestSnapshot(this.attempt + 1)
    return "retry"
  }

  private requestSnapshot(attempt: number): SnapshotRequest {
    this.attempt = attempt
    const delayMs = attempt <= 1 ? 0 : Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (attempt - 2))
    const request = { id: ++this.nextRequestId, delayMs, attempt }
    this.request = request
    return request
  }
}

/**
 * `result[k]`: the smallest `fromVersion` among `pushes[k..]`, or `undefined` past the last push.
 * A push at `k` that starts beyond the book is out of order when `result[k + 1]` does not.
 */
const earliestStartFrom = (pushes: ReadonlyArray<DepthDelta>): Array<bigint | undefined> => {
  const result = new Array<bigint | undefined>(pushes.length + 1)
  let earliest: bigint | undefined = undefined
  result[pushes.length] = earliest
  for (let k = pushes.length - 1; k >= 0; k--) {
    const from = pushes[k]!.fromVersion
    if (earliest === undefined || from < earliest) earliest = from
    result[k] = earliest
  }
  return result
}

/** Whether a push after the one at `k` starts no later than `next`: the stream went on behind it. */
const streamWentOnBehind = (laterStart: ReadonlyArray<bigint | undefined>, k: number, next: bigint): boolean => {
  const start = laterStart[k + 1]
  return start !== undefined && start <= next
}
