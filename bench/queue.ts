/**
 * Message queue throughput: 1,000,000 messages offered in batches of 64 (as a socket reader hands
 * them over) through a `MessageQueue` to a handler doing trivial work, per message (`handle`) and
 * per batch (`handleBatch`), against the loop one would hand-write on Effect's own `Queue` (a fiber
 * taking everything buffered and looping over it) as the baseline. Messages per second, median of
 * alternating rounds, ratio ours / baseline.
 *
 * Run alone with `node bench/queue.ts`, or as part of `npm run bench`.
 */
import { Cause, Deferred, Effect, Queue, References } from "effect"
import { MessageQueue } from "../src/queue/index.ts"
import { fmt, gc, median, type Suite } from "./Suite.ts"

const MESSAGES = Number(process.env.QUEUE_MESSAGES ?? 1_000_000)
const ROUNDS = Number(process.env.QUEUE_ROUNDS ?? 5)
const BATCH = 64

const batches: Array<Array<number>> = []
for (let i = 0; i < MESSAGES; i += BATCH) batches.push(Array.from({ length: Math.min(BATCH, MESSAGES - i) }, (_, j) => i + j))

let sink = 0

const baseline = Effect.gen(function*() {
  const queue = yield* Queue.bounded<number, Cause.Done>(1000)
  const done = yield* Deferred.make<void>()
  let seen = 0
  yield* Effect.forkChild(
    Effect.forever(
      Effect.flatMap(Queue.takeAll(queue), (ms) =>
        Effect.suspend(() => {
          for (let i = 0; i < ms.length; i++) sink += ms[i]!
          seen += ms.length
          return seen === MESSAGES ? Deferred.succeed(done, undefined) : Effect.void
        }))
    )
  )
  const start = performance.now()
  for (const batch of batches) yield* Queue.offerAll(queue, batch)
  yield* Deferred.await(done)
  return performance.now() - start
}).pipe(Effect.scoped)

const ours = (mode: "handle" | "handleBatch") =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    let seen = 0
    const finish = () => (seen === MESSAGES ? Deferred.succeed(done, undefined) : Effect.void)
    const queue = mode === "handle"
      ? yield* MessageQueue.make<number>({
        name: "queue:bench",
        handle: (m) =>
          Effect.suspend(() => {
            sink += m
            seen++
            return finish()
          })
      })
      : yield* MessageQueue.make<number>({
        name: "queue:bench",
        handleBatch: (ms) =>
          Effect.suspend(() => {
            for (let i = 0; i < ms.length; i++) sink += ms[i]!
            seen += ms.length
            return finish()
          })
      })
    const start = performance.now()
    for (const batch of batches) yield* queue.offerAll(batch)
    yield* Deferred.await(done)
    return performance.now() - start
  }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Warn"))

export const run = async () => {
  await Effect.runPromise(baseline)
  await Effect.runPromise(ours("handle"))
  await Effect.runPromise(ours("handleBatch"))
  const base: Array<number> = []
  const each: Array<number> = []
  const batch: Array<number> = []
  for (let r = 0; r < ROUNDS; r++) {
    gc()
    base.push(await Effect.runPromise(baseline))
    gc()
    each.push(await Effect.runPromise(ours("handle")))
    gc()
    batch.push(await Effect.runPromise(ours("handleBatch")))
  }
  const perSecond = (ms: number) => MESSAGES / (ms / 1000)
  const b = perSecond(median(base))
  const e = perSecond(median(each))
  const a = perSecond(median(batch))
  console.log(
    `queue throughput, batches of ${BATCH}: Effect Queue loop ${fmt(b)} msg/s, MessageQueue handle ${fmt(e)} msg/s ` +
      `(${(e / b).toFixed(2)}x), MessageQueue handleBatch ${fmt(a)} msg/s (${(a / b).toFixed(2)}x)`
  )
  return { baselinePerSecond: b, handlePerSecond: e, handleBatchPerSecond: a }
}

export const suite: Suite = {
  name: "queue",
  description: "MessageQueue throughput vs a hand-written Effect Queue loop",
  run: async () => {
    await run()
  }
}

if (import.meta.main) await run()
