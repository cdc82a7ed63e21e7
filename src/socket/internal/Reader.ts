/**
 * @internal The read side of one session's socket: waits for it to open, then hands out what
 * arrived since the last pull as one batch, pausing the socket while too much is buffered.
 *
 * It does what Effect's `Socket.fromWebSocket` reader does (same `SocketError` reasons, same
 * pause/resume on a high-water mark, a pull blocked at release is failed), and is written here
 * for the hot path: on a `ws` socket it listens with `ws.on("message")`, which hands over the
 * frame as is, instead of through `ws`'s DOM-style `addEventListener` wrapper, which allocates an
 * event object per frame; and it counts a text frame's bytes from the buffer it came in rather
 * than encoding the string again. At a venue's cadence every frame wakes the reader on its own,
 * so what a frame costs on arrival is what a connection costs.
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import { Duration, Effect, type Scope } from "effect"
import * as Socket from "effect/socket/Socket"

/** An inbound WebSocket message: text, or binary as bytes. */
export type Frame = string | Uint8Array

/** The socket as a session sees it: Effect's `WebSocketLike`, plus `terminate` when `ws` backs it. */
export interface RawSocket extends Socket.WebSocketLike {
  terminate?: () => void
}

export interface Reader {
  /** Everything that arrived since the last pull (waits when nothing did); fails once the socket ends. */
  readonly pull: Effect.Effect<NonEmptyReadonlyArray<Frame>, Socket.SocketError>
  /**
   * Offered each frame that arrives while a pull is waiting and nothing is buffered, right in the
   * socket's event, before it is buffered: `true` means it took the frame (it is not buffered,
   * and the waiting pull goes on waiting), `false` that the pull should have it as usual. Must
   * not throw. Frames that arrive while anything is buffered, or while no pull waits (the reader's
   * fiber is busy with the last batch: backpressure), are buffered, in order, as without it.
   */
  onFrame: ((frame: Frame) => boolean) | undefined
}

export interface ReaderOptions {
  readonly openTimeout: Duration.Duration
  /** Bytes buffered before reads pause. Default 64 KiB. */
  readonly highWaterMark?: number | undefined
}

/** The `ws` library's socket: an EventEmitter that can pause reads. */
interface NodeWs {
  on(event: "message", listener: (data: ArrayBuffer | Buffer, isBinary: boolean) => void): void
  off(event: "message", listener: (data: ArrayBuffer | Buffer, isBinary: boolean) => void): void
  pause(): void
  resume(): void
  readonly isPaused: boolean
  binaryType: string
}

const isNodeWs = (ws: RawSocket): ws is RawSocket & NodeWs => {
  const candidate = ws as unknown as Partial<NodeWs>
  return typeof candidate.on === "function" && typeof candidate.pause === "function" && "isPaused" in ws
}

const defaultHighWaterMark = 64 * 1024

const closeError = (code: number, closeReason?: string | undefined) =>
  new Socket.SocketError({ reason: new Socket.SocketCloseError({ code, closeReason }) })

/** Opens the reader on `ws` in the caller's scope; fails if the socket does not open. */
export const make = (ws: RawSocket, options: ReaderOptions): Effect.Effect<Reader, Socket.SocketError, Scope.Scope> =>
  Effect.gen(function*() {
    if ("binaryType" in ws) (ws as { binaryType: string }).binaryType = "arraybuffer"
    const nodeWs = isNodeWs(ws) ? ws : undefined
    const highWaterMark = options.highWaterMark ?? defaultHighWaterMark

    let open = ws.readyState === 1
    let paused = nodeWs?.isPaused === true
    let buffer: Array<Frame> = []
    let bufferSize = 0
    let error: Socket.SocketError | undefined
    let waiter: ((effect: Effect.Effect<NonEmptyReadonlyArray<Frame>, Socket.SocketError>) => void) | undefined
    let openWaiter: ((effect: Effect.Effect<void, Socket.SocketError>) => void) | undefined
    // Its pull is set below, before anything can call it.
    const reader: { pull: Reader["pull"]; onFrame: Reader["onFrame"] } = { pull: undefined as never, onFrame: undefined }

    const resumeReads = () => {
      if (nodeWs === undefined || !paused) return
      nodeWs.resume()
      paused = false
    }
    const takeBuffer = (): NonEmptyReadonlyArray<Frame> => {
      const batch = buffer as unknown as NonEmptyReadonlyArray<Frame>
      buffer = []
      bufferSize = 0
      if (error === undefined) resumeReads()
      return batch
    }
    const push = (frame: Frame, bytes: number) => {
      buffer.push(frame)
      bufferSize += bytes
      if (waiter !== undefined) {
        const resume = waiter
        waiter = undefined
        resume(Effect.succeed(takeBuffer()))
      }
      if (bufferSize >= highWaterMark) {
        if (nodeWs !== undefined && !paused) {
          nodeWs.pause()
          paused = true
        } else if (nodeWs === undefined && waiter === undefined) {
          // A socket that cannot pause would buffer without bound.
          fail(new Socket.SocketError({
            reason: new Socket.SocketReadError({ cause: new Error(`Socket highWaterMark of ${highWaterMark} bytes exceeded`) })
          }))
        }
      }
    }
    const fail = (cause: Socket.SocketError) => {
      if (error === undefined) error = cause
      if (openWaiter !== undefined) {
        const resume = openWaiter
        openWaiter = undefined
        resume(Effect.fail(error))
      }
      if (waiter !== undefined) {
        const resume = waiter
        waiter = undefined
        resume(buffer.length > 0 ? Effect.succeed(takeBuffer()) : Effect.fail(error))
      }
    }

    // With binaryType "arraybuffer", `ws` hands binary frames over as an ArrayBuffer and text
    // frames (already checked as UTF-8) as the Buffer they arrived in.
    const onNodeMessage = (data: ArrayBuffer | Buffer, isBinary: boolean) => {
      const frame = isBinary ? new Uint8Array(data as ArrayBuffer) : data.toString()
      if (waiter !== undefined && buffer.length === 0 && reader.onFrame !== undefined && reader.onFrame(frame)) return
      push(frame, data.byteLength)
    }
    const onEventMessage = (event: Socket.WebSocketEvent) => {
      const data = event.data as Uint8Array | ArrayBuffer | string
      const frame = typeof data === "string" ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : data
      if (waiter !== undefined && buffer.length === 0 && reader.onFrame !== undefined && reader.onFrame(frame)) return
      push(frame, typeof frame === "string" ? frame.length : frame.byteLength)
    }
    const onError = (event: Socket.WebSocketEvent) =>
      fail(
        new Socket.SocketError({
          reason: open
            ? new Socket.SocketReadError({ cause: event })
            : new Socket.SocketOpenError({ kind: "Unknown", cause: event })
        })
      )
    const onClose = (event: Socket.WebSocketEvent) =>
      fail(closeError(typeof event.code === "number" ? event.code : 1006, event.reason))
    const onOpen = () => {
      open = true
      const resume = openWaiter
      openWaiter = undefined
      resume?.(Effect.void)
    }

    if (nodeWs !== undefined) nodeWs.on("message", onNodeMessage)
    else ws.addEventListener("message", onEventMessage)
    ws.addEventListener("error", onError, { once: true })
    ws.addEventListener("close", onClose, { once: true })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        // Fails a pull blocked in another fiber, then detaches.
        fail(closeError(1006))
        if (nodeWs !== undefined) nodeWs.off("message", onNodeMessage)
        else ws.removeEventListener("message", onEventMessage)
        // Late errors (an aborted handshake) stay handled.
        ws.addEventListener("error", () => {})
        ws.removeEventListener("error", onError)
        ws.removeEventListener("close", onClose)
        ws.removeEventListener("open", onOpen)
        // Lets the close handshake proceed once nothing reads.
        try {
          resumeReads()
        } catch {
          // the underlying stream may be gone already
        }
      })
    )

    if (ws.readyState >= 2) return yield* Effect.fail(error ?? closeError(1006))
    if (!open) {
      yield* Effect.callback<void, Socket.SocketError>((resume) => {
        if (error !== undefined) return resume(Effect.fail(error))
        openWaiter = resume
        ws.addEventListener("open", onOpen, { once: true })
        return Effect.sync(() => {
          if (openWaiter === resume) openWaiter = undefined
          ws.removeEventListener("open", onOpen)
        })
      }).pipe(
        Effect.timeoutOrElse({
          duration: options.openTimeout,
          orElse: () =>
            Effect.fail(
              new Socket.SocketError({
                reason: new Socket.SocketOpenError({ kind: "Timeout", cause: new Error("timeout waiting for \"open\"") })
              })
            )
        })
      )
    }
    if (error === undefined && bufferSize < highWaterMark) resumeReads()

    const pull = Effect.callback<NonEmptyReadonlyArray<Frame>, Socket.SocketError>((resume) => {
      if (buffer.length > 0) return resume(Effect.succeed(takeBuffer()))
      if (error !== undefined) return resume(Effect.fail(error))
      waiter = resume
      return Effect.sync(() => {
        if (waiter === resume) waiter = undefined
      })
    })
    reader.pull = pull
    return reader satisfies Reader
  })
