/**
 * @internal One subscriber's buffer. It stores published batches as they are (one append per
 * batch, not per value: the batch array is shared by every subscriber, read-only), so fan-out to
 * many subscribers costs one append each, and the subscriber takes everything buffered at once.
 *
 * - `"sliding"`: always accepts; past `capacity` values it drops the oldest, counting them.
 * - `"backpressure"`: accepts a batch while fewer than `capacity` values are buffered (so it may
 *   hold up to `capacity + batch - 1`); otherwise the publisher waits for room.
 * - `"fail"`: accepts a batch while fewer than `capacity` values are buffered; a batch that finds
 *   it full overflows it: nothing more is accepted, the subscriber takes what is buffered, then its
 *   pull ends and `overflowed` is set (the hub fails that stream). The publisher never waits.
 *
 * Wake-ups go through a dispatcher, never inline: a publisher must not run a subscriber's code on
 * its own stack (that would let a slow subscriber stall it), nor the reverse. The hub passes one
 * that runs them on a microtask once the publisher has returned.
 *
 * @since 0.1.0
 */
import { Cause, Effect } from "effect"
import type { Array as Arr, Scheduler } from "effect"
import type { Strategy } from "./Topic.ts"

type Resume = (effect: Effect.Effect<void>) => void

export class Mailbox<A> {
  /** Values buffered. */
  size = 0
  /** Values dropped by the sliding policy, or refused after a `"fail"` overflow. */
  dropped = 0
  /** A `"fail"` buffer overflowed: its pull ends once the buffered values are taken. */
  overflowed = false
  private chunks: Array<ReadonlyArray<A>> = []
  private head = 0
  private state: "open" | "ended" | "shutdown" = "open"
  private taker: Resume | undefined
  private readonly spaceWaiters = new Set<Resume>()
  private readonly capacity: number
  private readonly strategy: Strategy
  private readonly dispatcher: Scheduler.SchedulerDispatcher

  constructor(capacity: number, strategy: Strategy, dispatcher: Scheduler.SchedulerDispatcher) {
    this.capacity = capacity
    this.strategy = strategy
    this.dispatcher = dispatcher
  }

  /**
   * Appends a batch. Returns the number of values dropped to make room (sliding), or -1 when a
   * backpressure buffer is full and the caller must {@link awaitSpace} and offer again.
   */
  offer(batch: ReadonlyArray<A>): number {
    if (this.state !== "open") return 0
    if (this.strategy === "backpressure" && this.size >= this.capacity) return -1
    if (this.strategy === "fail" && this.size >= this.capacity) {
      this.overflowed = true
      this.dropped += batch.length
      this.state = "ended"
      this.wakeTaker()
      return 0
    }
    this.chunks.push(batch)
    this.size += batch.length
    let dropped = 0
    // Only a sliding buffer drops: the others took the whole batch (they may hold up to
    // `capacity` plus one batch).
    if (this.strategy === "sliding" && this.size > this.capacity) dropped = this.dropOldest(this.size - this.capacity)
    this.wakeTaker()
    return dropped
  }

  /** Resolves once there is room, or the mailbox is no longer open. */
  readonly awaitSpace: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.state !== "open" || this.size < this.capacity) return resume(Effect.void)
    this.spaceWaiters.add(resume)
    return Effect.sync(() => {
      this.spaceWaiters.delete(resume)
    })
  })

  /** No more values: the subscriber takes what is buffered, then its stream ends. */
  end(): void {
    if (this.state !== "open") return
    this.state = "ended"
    this.wakeTaker()
    this.wakeSpaceWaiters()
  }

  /** The subscriber left: drop the buffer and release anyone waiting. */
  shutdown(): void {
    this.state = "shutdown"
    this.chunks = []
    this.head = 0
    this.size = 0
    this.wakeTaker()
    this.wakeSpaceWaiters()
  }

  /** Everything buffered as one non-empty array; waits when empty; fails with `Done` at the end. */
  readonly pull: Effect.Effect<Arr.NonEmptyReadonlyArray<A>, Cause.Done> = Effect.suspend(() => {
    if (this.size > 0) return Effect.succeed(this.takeAll())
    if (this.state !== "open") return Cause.done()
    return Effect.flatMap(this.awaitValues, () => this.pull)
  })

  /**
   * {@link pull} with `f` applied to what it takes, in the same step (one effect per wake-up
   * fewer than `Effect.flatMap(pull, f)`).
   */
  pullWith<B, E>(f: (chunk: Arr.NonEmptyReadonlyArray<A>) => Effect.Effect<B, E>): Effect.Effect<B, E | Cause.Done> {
    const loop: Effect.Effect<B, E | Cause.Done> = Effect.suspend(() => {
      if (this.size > 0) return f(this.takeAll())
      if (this.state !== "open") return Cause.done()
      return Effect.flatMap(this.awaitValues, () => loop)
    })
    return loop
  }

  private readonly awaitValues: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.size > 0 || this.state !== "open") return resume(Effect.void)
    this.taker = resume
    return Effect.sync(() => {
      this.taker = undefined
    })
  })

  private takeAll(): Arr.NonEmptyReadonlyArray<A> {
    const chunks = this.chunks
    const head = this.head
    let out: ReadonlyArray<A>
    if (chunks.length - head === 1) {
      out = chunks[head]!
    } else {
      const all: Array<A> = new Array(this.size)
      let k = 0
      for (let c = head; c < chunks.length; c++) {
        const chunk = chunks[c]!
        for (let i = 0; i < chunk.length; i++) all[k++] = chunk[i]!
      }
      out = all
    }
    this.chunks = []
    this.head = 0
    this.size = 0
    this.wakeSpaceWaiters()
    return out as Arr.NonEmptyReadonlyArray<A>
  }

  private dropOldest(excess: number): number {
    let dropped = 0
    while (excess > 0) {
      const first = this.chunks[this.head]!
      if (first.length <= excess) {
        this.head++
        excess -= first.length
        dropped += first.length
      } else {
        this.chunks[this.head] = first.slice(excess)
        dropped += excess
        excess = 0
      }
    }
    if (this.head > 32 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
    this.size -= dropped
    this.dropped += dropped
    return dropped
  }

  private wakeTaker(): void {
    const taker = this.taker
    if (taker === undefined) return
    this.taker = undefined
    this.dispatcher.scheduleTask(() => taker(Effect.void), 0)
  }

  private wakeSpaceWaiters(): void {
    if (this.spaceWaiters.size === 0) return
    const waiters = Array.from(this.spaceWaiters)
    this.spaceWaiters.clear()
    this.dispatcher.scheduleTask(() => {
      for (const resume of waiters) resume(Effect.void)
    }, 0)
  }
}
