/**
 * The queue behind a user stream's connection, for a venue's `openUserStream`: frames in arrival
 * order, in batches, with work queued behind them (`enqueue`: a REST answer published after
 * everything the stream already delivered, which is how the connector keeps one order of updates).
 * The venue's protocol says which text frames are control (acks, refusals, login answers) to be
 * read apart, in their place in the order; the rest go to `onFrames` in batches.
 *
 * ```ts
 * const queue = yield* UserStreamQueue.make({ name, capacity: 1000, isControl, onControl, onFrames })
 * const connection = yield* Connection.make({ ..., sink: queue.offerAll })
 * // openUserStream answers { enqueue: queue.enqueue, ... }
 * ```
 *
 * Backpressure: a full queue holds the connection's reader (nothing is dropped); the handlers
 * themselves never wait for a subscriber (the connector's topics do not). Drained on close within
 * the queue's budget (`queue:<name>` in the lifecycle log).
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import { MessageQueue } from "../queue/index.ts"
import type * as Connection from "../socket/Connection.ts"

/** What travels the queue: frames from the socket, and work queued behind them. */
export type Item = Connection.Frame | { readonly _tag: "Deferred"; readonly run: Effect.Effect<void> }

/** Options of {@link make}. */
export interface Options {
  /** Component name: `queue:<name>`. */
  readonly name: string
  readonly capacity: number
  /** Whether a text frame is control (read by `onControl`), not data. */
  readonly isControl: (frame: string) => boolean
  /** Reads one control frame, in order with the data around it. */
  readonly onControl: (frame: string) => Effect.Effect<void>
  /** Handles a batch of data frames, in order. */
  readonly onFrames: (frames: ReadonlyArray<Connection.Frame>) => Effect.Effect<void>
}

/** A running queue. */
export interface UserStreamQueue {
  /** The connection's sink. */
  readonly offerAll: (frames: ReadonlyArray<Connection.Frame>) => Effect.Effect<void>
  /** Runs `run` after every frame already accepted. */
  readonly enqueue: (run: Effect.Effect<void>) => Effect.Effect<void>
}

/** Starts the queue in the caller's scope (component `queue:<name>`). */
export const make = (options: Options): Effect.Effect<UserStreamQueue, never, Scope.Scope> =>
  Effect.gen(function*() {
    const handleBatch = (items: ReadonlyArray<Item>): Effect.Effect<void> =>
      Effect.suspend(() => {
        const effects: Array<Effect.Effect<void>> = []
        let frames: Array<Connection.Frame> = []
        const flush = () => {
          if (frames.length > 0) effects.push(options.onFrames(frames))
          frames = []
        }
        for (const item of items) {
          if (typeof item === "string") {
            if (options.isControl(item)) {
              flush()
              effects.push(options.onControl(item))
            } else frames.push(item)
          } else if (item instanceof Uint8Array) frames.push(item)
          else {
            flush()
            effects.push(item.run)
          }
        }
        flush()
        return Effect.all(effects, { discard: true })
      })

    const queue = yield* MessageQueue.make<Item>({
      name: `queue:${options.name}`,
      capacity: options.capacity,
      overflow: "backpressure",
      handleBatch,
      describe: (item) =>
        typeof item === "string" ? item.slice(0, 120) : item instanceof Uint8Array ? `<binary ${item.byteLength} bytes>` : "deferred"
    })
    return {
      offerAll: (frames) => queue.offerAll(frames),
      enqueue: (run) => queue.offer({ _tag: "Deferred", run })
    }
  })
