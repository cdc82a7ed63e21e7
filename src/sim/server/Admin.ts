/**
 * The admin endpoint under `/sim/`: drives the fault switchboard over HTTP, for faults rehearsed
 * from a shell or from another process (`curl -X POST localhost:8080/sim/faults/drop-connections`).
 * Every action answers the switchboard's state after it, as JSON.
 *
 * | method path | query | fault |
 * |---|---|---|
 * | GET `/sim/faults` | – | current state |
 * | POST `/sim/faults/drop-connections` | – | drop every WebSocket connection (TCP destroyed) |
 * | POST `/sim/faults/refuse-connections` | `seconds` | refuse new WebSocket connections (HTTP 503) |
 * | POST `/sim/faults/silence` | `on` (`true`/`false`) | no data, no pongs, TCP left open |
 * | POST `/sim/faults/malformed-frames` | `count` | the next N binary frames are garbage |
 * | POST `/sim/faults/depth-gap` | `symbol` (optional) | the next depth push skips a version |
 * | POST `/sim/faults/stale-snapshot` | `symbol` (optional) | the next REST depth answers the book as it is now, once the stream moved past it |
 * | POST `/sim/faults/depth-reorder` | `symbol` (optional) | the next depth push is sent after the one after it |
 * | POST `/sim/faults/depth-duplicate` | `symbol` (optional) | the next depth push is sent twice |
 * | POST `/sim/faults/depth-snapshot-start` | `mode` (`alternate`, `straddle`, `adjacent`) | where the first push after a REST snapshot starts |
 * | POST `/sim/faults/latency` | `rest`, `ws` (ms) | delay every REST answer / WS write |
 * | POST `/sim/faults/rest-failures` | `count`, `status` (429, 5xx), `retryAfter` (s) | fail the next N REST calls |
 * | POST `/sim/faults/lose-answers` | `count`, `mode` (`cut`/`delay`), `delayMs` | the next N POST/PUT/DELETE calls are carried out, then their answer is lost |
 * | POST `/sim/faults/not-yet-visible` | `ms` | `GET order` answers -2013 for orders younger than `ms` |
 * | POST `/sim/faults/silence-private` | `on`, `listenKey` (optional) | private pushes stop; pongs and TCP stay |
 * | POST `/sim/faults/invalidate-listen-key` | `listenKey` | that key only dies now |
 * | POST `/sim/faults/fail-keep-alives` | `count` | the next N keep-alives answer 730000 |
 * | POST `/sim/faults/expire-listen-keys` | – | expire every listen key now |
 * | POST `/sim/faults/reset` | – | clear every fault |
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { HttpServerResponse as Response } from "effect/http/HttpServerResponse"
import type { AnswerLoss, DepthSnapshotStart, FaultsSnapshot } from "./Faults.ts"

/** The fault operations the admin endpoint drives (implemented by `SimExchange`). */
export interface FaultControl {
  /** Drops every WebSocket connection abruptly; answers how many were dropped. */
  readonly dropConnections: Effect.Effect<number>
  /** Refuses new WebSocket connections for `seconds`. */
  readonly refuseConnections: (seconds: number) => Effect.Effect<void>
  /** Silences (or un-silences) every connection: no data, no pongs, TCP left open. */
  readonly silence: (on: boolean) => Effect.Effect<void>
  /** Replaces the next `count` binary frames with malformed ones. */
  readonly malformedFrames: (count: number) => Effect.Effect<void>
  /** Makes the next aggregated depth push of `symbol` (default any) skip a version. */
  readonly depthGap: (symbol?: string) => Effect.Effect<void>
  /**
   * Arms a stale snapshot for `symbol` (default any: the first symbol whose depth is asked for): the book as it is
   * now. The next REST depth of the symbol answers it, once the stream has pushed past its
   * version, so its `lastUpdateId` is older than what the stream already sent.
   */
  readonly staleSnapshot: (symbol?: string) => Effect.Effect<void>
  /** Holds the next aggregated depth push of `symbol` (default any) back until after the next one. */
  readonly reorderDepth: (symbol?: string) => Effect.Effect<void>
  /** Sends the next aggregated depth push of `symbol` (default any) twice. */
  readonly duplicateDepth: (symbol?: string) => Effect.Effect<void>
  /** Where the first depth push after a REST snapshot starts (default `alternate`). */
  readonly depthSnapshotStart: (mode: DepthSnapshotStart) => Effect.Effect<void>
  /** Adds latency (ms) to every REST answer and/or WebSocket write. */
  readonly latency: (options: { readonly restMs?: number | undefined; readonly wsMs?: number | undefined }) => Effect.Effect<void>
  /**
   * Fails the next `count` REST calls with `status` (429 with `Retry-After`, or 5xx). An order
   * placed during a 5xx is still placed: its outcome is unknown to the client.
   */
  readonly failNextRest: (
    count: number,
    options?: { readonly status?: number | undefined; readonly retryAfterSeconds?: number | undefined }
  ) => Effect.Effect<void>
  /**
   * The next `count` state-changing calls (POST, PUT, DELETE) that pass the signature and quota
   * checks are carried out (an order is placed), then their answer is lost: the connection is cut
   * (`cut`, the default) or the answer waits `delayMs` (`delay`, past the client's timeout).
   */
  readonly loseAnswers: (count: number, loss?: AnswerLoss) => Effect.Effect<void>
  /** `GET order` answers -2013 "Order does not exist." for orders placed less than `ms` ago (0: off). */
  readonly notYetVisible: (ms: number) => Effect.Effect<void>
  /**
   * Silences the private streams of `listenKey` (default every key): no order, deal or account
   * pushes (events meanwhile are lost), while pongs and the TCP connection stay alive.
   */
  readonly silencePrivate: (on: boolean, listenKey?: string) => Effect.Effect<void>
  /**
   * Kills one listen key now: its private streams get `Invalid listen key` and close, its
   * keep-alive and delete answer 730000. Other keys are untouched. Answers whether it was live.
   */
  readonly invalidateListenKey: (listenKey: string) => Effect.Effect<boolean>
  /** The next `count` listen-key keep-alives answer 730000 "Invalid listenKey" (keys are untouched). */
  readonly failKeepAlives: (count: number) => Effect.Effect<void>
  /** Expires every listen key now (their private connections get `Invalid listen key`). */
  readonly expireListenKeys: Effect.Effect<number>
  /** Clears every fault. */
  readonly reset: Effect.Effect<void>
  readonly snapshot: Effect.Effect<FaultsSnapshot>
}

const bad = (msg: string) => HttpServerResponse.jsonUnsafe({ code: 33333, msg }, { status: 400 })

const intParam = (params: URLSearchParams, name: string, fallback?: number): number | undefined => {
  const text = params.get(name)
  if (text === null || text === "") return fallback
  const n = Number(text)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

/** Answers one `/sim/...` request; `undefined` when the path is not an admin path. */
export const handleAdmin = (
  method: string,
  path: string,
  params: URLSearchParams,
  control: FaultControl
): Effect.Effect<Response> | undefined => {
  if (!path.startsWith("/sim/")) return undefined
  const state = Effect.map(control.snapshot, (s) => HttpServerResponse.jsonUnsafe(s))
  const action = (effect: Effect.Effect<unknown>) => Effect.andThen(effect, state)
  if (path === "/sim/faults" && method === "GET") return state
  if (method !== "POST") return Effect.succeed(HttpServerResponse.jsonUnsafe({ code: 404, msg: "Not found" }, { status: 404 }))
  switch (path) {
    case "/sim/faults/drop-connections":
      return action(control.dropConnections)
    case "/sim/faults/refuse-connections": {
      const seconds = intParam(params, "seconds", 10)
      return seconds === undefined ? Effect.succeed(bad("seconds must be a number >= 0")) : action(control.refuseConnections(seconds))
    }
    case "/sim/faults/silence": {
      const on = params.get("on")
      return action(control.silence(on === null || on === "" || on === "true" || on === "1"))
    }
    case "/sim/faults/malformed-frames": {
      const count = intParam(params, "count", 1)
      return count === undefined ? Effect.succeed(bad("count must be a number >= 0")) : action(control.malformedFrames(count))
    }
    case "/sim/faults/depth-gap":
      return action(control.depthGap(params.get("symbol") ?? undefined))
    case "/sim/faults/stale-snapshot":
      return action(control.staleSnapshot(params.get("symbol") ?? undefined))
    case "/sim/faults/depth-reorder":
      return action(control.reorderDepth(params.get("symbol") ?? undefined))
    case "/sim/faults/depth-duplicate":
      return action(control.duplicateDepth(params.get("symbol") ?? undefined))
    case "/sim/faults/depth-snapshot-start": {
      const mode = params.get("mode")
      return mode === "alternate" || mode === "straddle" || mode === "adjacent"
        ? action(control.depthSnapshotStart(mode))
        : Effect.succeed(bad("mode must be alternate, straddle or adjacent"))
    }
    case "/sim/faults/latency": {
      const restMs = intParam(params, "rest")
      const wsMs = intParam(params, "ws")
      if ((params.has("rest") && restMs === undefined) || (params.has("ws") && wsMs === undefined)) {
        return Effect.succeed(bad("rest and ws must be milliseconds >= 0"))
      }
      return action(control.latency({ restMs, wsMs }))
    }
    case "/sim/faults/rest-failures": {
      const count = intParam(params, "count", 1)
      const status = intParam(params, "status", 503)
      const retryAfterSeconds = intParam(params, "retryAfter", 1)
      if (count === undefined || status === undefined || retryAfterSeconds === undefined) {
        return Effect.succeed(bad("count, status and retryAfter must be numbers"))
      }
      if (status !== 429 && status !== 418 && (status < 500 || status > 599)) {
        return Effect.succeed(bad("status must be 429, 418 or 5xx"))
      }
      return action(control.failNextRest(count, { status, retryAfterSeconds }))
    }
    case "/sim/faults/lose-answers": {
      const count = intParam(params, "count", 1)
      const mode = params.get("mode") ?? (params.has("delayMs") ? "delay" : "cut")
      const delayMs = intParam(params, "delayMs", 10_000)
      if (count === undefined || delayMs === undefined) return Effect.succeed(bad("count and delayMs must be numbers >= 0"))
      if (mode !== "cut" && mode !== "delay") return Effect.succeed(bad("mode must be cut or delay"))
      return action(control.loseAnswers(count, mode === "cut" ? { mode } : { mode, delayMs }))
    }
    case "/sim/faults/not-yet-visible": {
      const ms = intParam(params, "ms", 1_000)
      return ms === undefined ? Effect.succeed(bad("ms must be a number >= 0")) : action(control.notYetVisible(ms))
    }
    case "/sim/faults/silence-private": {
      const on = params.get("on")
      return action(control.silencePrivate(on === null || on === "" || on === "true" || on === "1", params.get("listenKey") ?? params.get("apiKey") ?? undefined))
    }
    case "/sim/faults/invalidate-listen-key": {
      const listenKey = params.get("listenKey")
      if (listenKey === null || listenKey === "") return Effect.succeed(bad("listenKey is required"))
      return Effect.flatMap(control.invalidateListenKey(listenKey), (live) =>
        live ? state : Effect.succeed(HttpServerResponse.jsonUnsafe({ code: 730000, msg: "Invalid listenKey" }, { status: 400 })))
    }
    case "/sim/faults/fail-keep-alives": {
      const count = intParam(params, "count", 1)
      return count === undefined ? Effect.succeed(bad("count must be a number >= 0")) : action(control.failKeepAlives(count))
    }
    case "/sim/faults/expire-listen-keys":
      return action(control.expireListenKeys)
    case "/sim/faults/reset":
      return action(control.reset)
  }
  return Effect.succeed(HttpServerResponse.jsonUnsafe({ code: 404, msg: "Not found" }, { status: 404 }))
}
