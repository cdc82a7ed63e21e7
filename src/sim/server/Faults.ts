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

/** How the next REST calls fail (`failNextRest`). */
export interface RestFailure {
  /** 429 (with `Retry-After`) or a 5xx. */
  readonly status: number
  /** Seconds for `Retry-After` on 429 (default 1). */
  readonly retryAfterSeconds: number
}

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
}

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
  /** Added before every REST answer. */
  restLatencyMs = 0
  /** Added before every WebSocket write batch. */
  wsLatencyMs = 0
  /** The next N REST calls (outside `/sim/`) fail as `restFailure` says. */
  restFailures = 0
  restFailure: RestFailure = { status: 503, retryAfterSeconds: 1 }

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

  /** Takes one pending malformed frame, if any. */
  takeMalformedFrame(): boolean {
    if (this.malformedFrames <= 0) return false
    this.malformedFrames--
    return true
  }

  /** Takes the pending depth gap for `symbol` (or the wildcard), if any. */
  takeDepthGap(symbol: string): boolean {
    if (this.depthGaps.delete(symbol)) return true
    return this.depthGaps.delete("*")
  }

  /** Clears every fault. */
  reset(): void {
    this.refuseUntil = 0
    this.silent = false
    this.malformedFrames = 0
    this.depthGaps.clear()
    this.restLatencyMs = 0
    this.wsLatencyMs = 0
    this.restFailures = 0
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
      restFailure: this.restFailures > 0 ? this.restFailure : null
    }
  }
}

/**
 * Bytes that no protobuf decoder accepts as a `PushDataV3ApiWrapper`: a length-delimited field 1
 * claiming more bytes than follow, then an invalid wire type.
 */
export const malformedFrame: Uint8Array = Uint8Array.from([0x0a, 0xff, 0x01, 0x73, 0x70, 0x6f, 0x74, 0x0f])
