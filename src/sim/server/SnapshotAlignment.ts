/**
 * How a venue's REST depth snapshot lines up with its depth stream, the same on every simulated
 * venue (see `DepthSnapshotStart`): a snapshot either starts the next push right after it
 * (`adjacent`: pending changes are pushed first) or is straddled by it (the next push is held until
 * the book moved past the snapshot, so it covers versions on both sides of it), in turns under
 * `alternate`; and the stale-snapshot fault answers an armed old book once the stream moved past it.
 *
 * @since 0.1.0
 */
import type { SimEngine } from "../engine/Engine.ts"
import type { DepthSnapshot } from "../engine/Types.ts"
import type { FaultState } from "./Faults.ts"

/** How long depth pushes may wait for the book to move past a straddling snapshot. */
const straddleHoldMs = 500

/** A depth stream as far as alignment goes: the last version it pushed. */
export interface DepthStream {
  readonly lastVersion: number
}

/** A venue feed's depth streams of the snapshot's symbol, for {@link SnapshotAlignment.snapshot}. */
export interface SymbolStreams {
  /** Every stream of the symbol that carries versions (for the newest version sent). */
  readonly all: Iterable<DepthStream>
  /** The streams a snapshot is aligned with (incremental depth pushes). */
  readonly aligned: Iterable<DepthStream>
  /** Pushes the aligned streams' pending changes now. */
  readonly pushPending: () => void
}

/** Per symbol: the snapshots taken (for `alternate`) and the straddle holding pushes back. */
export class SnapshotAlignment {
  /** REST snapshots taken per symbol (drives the `alternate` snapshot start). */
  private readonly taken = new Map<string, number>()
  /**
   * Straddling snapshots, per symbol: depth pushes wait until the book moved past `version`
   * (or `deadline` passed), so the next push covers versions on both sides of the snapshot.
   */
  private readonly straddles = new Map<string, { readonly version: number; readonly deadline: number }>()
  private readonly engine: SimEngine
  private readonly faults: FaultState

  constructor(engine: SimEngine, faults: FaultState) {
    this.engine = engine
    this.faults = faults
  }

  /**
   * The REST snapshot of `symbol`'s top `limit` levels at `now`, aligned with its streams, with the
   * stale-snapshot fault applied; `undefined` for an unknown symbol.
   */
  snapshot(symbol: string, limit: number, now: number, streams: SymbolStreams): DepthSnapshot | undefined {
    if (this.engine.depthVersion(symbol) === undefined) return undefined
    const stale = this.faults.takeStaleSnapshot(symbol, this.sentVersion(symbol, streams.all))
    if (stale !== undefined) {
      return { lastUpdateId: stale.lastUpdateId, bids: stale.bids.slice(0, limit), asks: stale.asks.slice(0, limit) }
    }
    const taken = this.taken.get(symbol) ?? 0
    this.taken.set(symbol, taken + 1)
    const start = this.faults.depthSnapshotStart
    if (start === "adjacent" || (start === "alternate" && taken % 2 === 1)) {
      // Pending changes are pushed before the snapshot is taken: the next push starts right after it.
      this.straddles.delete(symbol)
      streams.pushPending()
      return this.engine.depth(symbol, limit)
    }
    // Pending changes are both in the snapshot and in the next push, which is held until the book
    // moves again so that it also covers versions after the snapshot: `from <= lastUpdateId < to`.
    const snapshot = this.engine.depth(symbol, limit)!
    for (const stream of streams.aligned) {
      if (stream.lastVersion < snapshot.lastUpdateId) {
        this.straddles.set(symbol, { version: snapshot.lastUpdateId, deadline: now + straddleHoldMs })
        break
      }
    }
    return snapshot
  }

  /** Whether an aligned push of `symbol` must wait at `now` (a straddle holds it until the book moves). */
  holds(symbol: string, now: number): boolean {
    const straddle = this.straddles.get(symbol)
    if (straddle === undefined) return false
    if ((this.engine.depthVersion(symbol) ?? 0) <= straddle.version && now < straddle.deadline) return true
    this.straddles.delete(symbol)
    return false
  }

  /** Forgets every snapshot and straddle (the feed closes). */
  clear(): void {
    this.taken.clear()
    this.straddles.clear()
  }

  /** The newest version any of `streams` pushed (the book's, if none streams). */
  private sentVersion(symbol: string, streams: Iterable<DepthStream>): number {
    let sent: number | undefined
    for (const stream of streams) if (sent === undefined || stream.lastVersion > sent) sent = stream.lastVersion
    return sent ?? this.engine.depthVersion(symbol) ?? 0
  }
}
