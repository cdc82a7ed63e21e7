/**
 * The simulator's fault switchboard: what the exchange is currently doing wrong on purpose.
 *
 * The state is plain and synchronous because the REST handler and the WebSocket fan-out read it on
 * every request and every frame. The `SimExchange` service exposes the operations (and the admin
 * endpoint under `/sim/` drives the same ones); actions with an effect on open connections (drop,
 * expire listen keys) are carried out there.
 *
 * @since 0.1.0
 */

import type { DepthSnapshot } from "../engine/Types.ts"

/**
 * Where the first depth push after a REST snapshot starts (`depthSnapshotStart`). MEXC does both,
 * so a client must accept both (`mexc-wire.md`, "Live behaviour"):
 * - `straddle`: the push covers the snapshot's version (`fromVersion <= lastUpdateId < toVersion`),
 *   the documented overlap; it needs a book that changed since the channel's last push (always
 *   so while the synthetic market runs);
 * - `adjacent`: the push starts right after it (`fromVersion = lastUpdateId + 1`);
 * - `alternate` (default): each symbol's snapshots take turns, the first one straddling.
 */
export type DepthSnapshotStart = "alternate" | "straddle" | "adjacent"

/** How the next REST calls fail (`failNextRest`). */
export interface RestFailure {
  /** 429 (with `Retry-After`) or a 5xx. */
  readonly status: number
  /** Seconds for `Retry-After` on 429 (default 1). */
  readonly retryAfterSeconds: number
}

/**
 * What happens to the answer of a state-changing call under `loseAnswers`: the call is carried
 * out, then its connection is cut (`cut`) or its answer waits `delayMs` (`delay`, past the
 * client's timeout).
 */
export type AnswerLoss = { readonly mode: "cut" } | { readonly mode: "delay"; readonly delayMs: number }

/** A point-in-time view of the switchboard, as `GET /sim/faults` reports it. */
export interface FaultsSnapshot {
  readonly refusingConnectionsUntil: number | null
  readonly silent: boolean
  readonly malformedFramesPending: number
  readonly depthGapsPending: ReadonlyArray<string>
  readonly restLatencyMs: number
  readonly wsLatencyMs: number
  readonly restFailuresPending: number
  readonly restFailure: RestFailure | null
  readonly answersLostPending: number
  readonly answerLoss: AnswerLoss | null
  readonly notYetVisibleMs: number
  readonly privateSilenced: ReadonlyArray<string>
  readonly keepAliveFailuresPending: number
  readonly staleSnapshotsPending: ReadonlyArray<string>
  readonly depthReordersPending: ReadonlyArray<string>
  readonly depthDuplicatesPending: ReadonlyArray<string>
  readonly depthSnapshotStart: DepthSnapshotStart
}

/** Faults switched on from the start (the standalone CLI's fault flags). */
export interface InitialFaults {
  readonly refuseConnectionsSeconds?: number | undefined
  readonly silent?: boolean | undefined
  readonly malformedFrames?: number | undefined
  readonly restLatencyMs?: number | undefined
  readonly wsLatencyMs?: number | undefined
  readonly restFailures?: { readonly count: number; readonly status?: number; readonly retryAfterSeconds?: number } | undefined
  /** Drop every WebSocket connection every N seconds (reconnect rehearsal). */
  readonly dropConnectionsEverySeconds?: number | undefined
  /** Make a depth push skip versions every N seconds (resync rehearsal). */
  readonly depthGapEverySeconds?: number | undefined
  /** Arm a stale depth snapshot every N seconds (see `FaultControl.staleSnapshot`). */
  readonly staleSnapshotEverySeconds?: number | undefined
  /** Reorder two depth pushes every N seconds. */
  readonly depthReorderEverySeconds?: number | undefined
  /** Send a depth push twice every N seconds. */
  readonly depthDuplicateEverySeconds?: number | undefined
  /** Where the first depth push after a REST snapshot starts (default `alternate`). */
  readonly depthSnapshotStart?: DepthSnapshotStart | undefined
  /** The first N state-changing calls lose their answer (see `FaultControl.loseAnswers`). */
  readonly loseAnswers?: { readonly count: number; readonly loss?: AnswerLoss | undefined } | undefined
  /** `GET order` answers -2013 for orders younger than this many ms. */
  readonly notYetVisibleMs?: number | undefined
  /** Every private stream is silent (pongs and TCP stay). */
  readonly silentPrivate?: boolean | undefined
  /** The first N listen-key keep-alives answer 730000. */
  readonly keepAliveFailures?: number | undefined
  /** Expire every listen key every N seconds (user-data stream rehearsal). */
  readonly expireListenKeysEverySeconds?: number | undefined
}

/** Takes the pending entry for `symbol` or, failing that, the wildcard `*`. */
const takeFor = (set: Set<string>, symbol: string): boolean => set.delete(symbol) || set.delete("*")

/** Mutable fault state shared by the REST and WebSocket servers. */
export class FaultState {
  /** New WebSocket connections are refused (HTTP 503 on the upgrade) until this epoch ms. */
  refuseUntil = 0
  /** Open connections get no data frames and no pongs; TCP stays open. */
  silent = false
  /** The next N binary data frames are replaced by bytes that are not a valid protobuf message. */
  malformedFrames = 0
  /** Symbols ("*" = any) whose next aggregated depth push skips a version. */
  readonly depthGaps = new Set<string>()
  /**
   * Stale snapshots, by symbol ("*" = any): the book as it was when the fault was armed. The
   * next REST depth of the symbol answers it once the stream has pushed past its version.
   */
  readonly staleSnapshots = new Map<string, ReadonlyMap<string, DepthSnapshot>>()
  /** Symbols ("*" = any) whose next aggregated depth push is held back and sent after the one after it. */
  readonly depthReorders = new Set<string>()
  /** Symbols ("*" = any) whose next aggregated depth push is sent twice. */
  readonly depthDuplicates = new Set<string>()
  /** Where the first depth push after a REST snapshot starts. */
  depthSnapshotStart: DepthSnapshotStart = "alternate"
  /** Added before every REST answer. */
  restLatencyMs = 0
  /** Added before every WebSocket write batch. */
  wsLatencyMs = 0
  /** The next N REST calls (outside `/sim/`) fail as `restFailure` says. */
  restFailures = 0
  restFailure: RestFailure = { status: 503, retryAfterSeconds: 1 }
  /** The next N state-changing REST calls (POST/PUT/DELETE) are carried out, then lose their answer. */
  answersLost = 0
  answerLoss: AnswerLoss = { mode: "cut" }
  /** `GET order` answers -2013 for an order placed less than this many ms ago (0: off). */
  notYetVisibleMs = 0
  /** Listen keys ("*" = every key) whose private streams get no pushes; pongs and TCP stay. */
  readonly privateSilenced = new Set<string>()
  /** The next N listen-key keep-alives answer 730000 (the key is left as it is). */
  keepAliveFailures = 0

  /** Whether a new WebSocket connection is refused at `now`. */
  refusing(now: number): boolean {
    return now < this.refuseUntil
  }

  /** Takes one pending REST failure, if any. */
  takeRestFailure(): RestFailure | undefined {
    if (this.restFailures <= 0) return undefined
    this.restFailures--
    return this.restFailure
  }

  /** Takes one pending answer loss, if any. */
  takeAnswerLoss(): AnswerLoss | undefined {
    if (this.answersLost <= 0) return undefined
    this.answersLost--
    return this.answerLoss
  }

  /** Takes one pending keep-alive failure, if any. */
  takeKeepAliveFailure(): boolean {
    if (this.keepAliveFailures <= 0) return false
    this.keepAliveFailures--
    return true
  }

  /** Whether the private streams of `listenKey` are silenced. */
  privateSilent(listenKey: string | undefined): boolean {
    return this.privateSilenced.size > 0 && (this.privateSilenced.has("*") || (listenKey !== undefined && this.privateSilenced.has(listenKey)))
  }

  /** Takes one pending malformed frame, if any. */
  takeMalformedFrame(): boolean {
    if (this.malformedFrames <= 0) return false
    this.malformedFrames--
    return true
  }

  /** Takes the pending depth gap for `symbol` (or the wildcard), if any. */
  takeDepthGap(symbol: string): boolean {
    return takeFor(this.depthGaps, symbol)
  }

  /** Takes the pending depth reorder for `symbol` (or the wildcard), if any. */
  takeDepthReorder(symbol: string): boolean {
    return takeFor(this.depthReorders, symbol)
  }

  /** Takes the pending depth duplicate for `symbol` (or the wildcard), if any. */
  takeDepthDuplicate(symbol: string): boolean {
    return takeFor(this.depthDuplicates, symbol)
  }

  /**
   * Takes the stale snapshot pending for `symbol` (or the wildcard) if it is older than
   * `sentVersion`, the last version the stream pushed; otherwise leaves it pending.
   */
  takeStaleSnapshot(symbol: string, sentVersion: number): DepthSnapshot | undefined {
    for (const key of [symbol, "*"]) {
      const snapshot = this.staleSnapshots.get(key)?.get(symbol)
      if (snapshot === undefined) continue
      if (snapshot.lastUpdateId >= sentVersion) return undefined
      // The wildcard is used up by the first symbol that takes it.
      this.staleSnapshots.delete(key)
      return snapshot
    }
    return undefined
  }

  /** Clears every fault. */
  reset(): void {
    this.refuseUntil = 0
    this.silent = false
    this.malformedFrames = 0
    this.depthGaps.clear()
    this.staleSnapshots.clear()
    this.depthReorders.clear()
    this.depthDuplicates.clear()
    this.depthSnapshotStart = "alternate"
    this.restLatencyMs = 0
    this.wsLatencyMs = 0
    this.restFailures = 0
    this.answersLost = 0
    this.notYetVisibleMs = 0
    this.privateSilenced.clear()
    this.keepAliveFailures = 0
  }

  snapshot(now: number): FaultsSnapshot {
    return {
      refusingConnectionsUntil: this.refusing(now) ? this.refuseUntil : null,
      silent: this.silent,
      malformedFramesPending: this.malformedFrames,
      depthGapsPending: [...this.depthGaps],
      restLatencyMs: this.restLatencyMs,
      wsLatencyMs: this.wsLatencyMs,
      restFailuresPending: this.restFailures,
      restFailure: this.restFailures > 0 ? this.restFailure : null,
      answersLostPending: this.answersLost,
      answerLoss: this.answersLost > 0 ? this.answerLoss : null,
      notYetVisibleMs: this.notYetVisibleMs,
      privateSilenced: [...this.privateSilenced],
      keepAliveFailuresPending: this.keepAliveFailures,
      staleSnapshotsPending: [...this.staleSnapshots.keys()],
      depthReordersPending: [...this.depthReorders],
      depthDuplicatesPending: [...this.depthDuplicates],
      depthSnapshotStart: this.depthSnapshotStart
    }
  }
}

/**
 * Bytes that no protobuf decoder accepts as a `PushDataV3ApiWrapper`: a length-delimited field 1
 * claiming more bytes than follow, then an invalid wire type.
 */
export const malformedFrame: Uint8Array = Uint8Array.from([0x0a, 0xff, 0x01, 0x73, 0x70, 0x6f, 0x74, 0x0f])
