/**
 * Hub fan-out: values published in batches to 1, 4 and 16 subscribers, against a plain
 * `EventEmitter` with as many listeners, each listener/subscriber doing the same trivial work per
 * value. Our subscribers consume with `Stream.runForEach` (one effect per value, what most user
 * code does) and with `Stream.runForEachArray` (batch-aware). The topic uses backpressure so every
 * value reaches every subscriber; figures are values published per second (each delivered to every
 * subscriber), median of alternating rounds, and the ratio ours / EventEmitter. A last row publishes
 * single values (no batching) to show what batching buys.
 *
 * Run alone with `node bench/hub.ts`, or as part of `npm run bench`.
 */
import { EventEmitter } from "node:events"
import { Effect, Exit, Fiber, References, Scope, Stream } from "effect"
import { StreamHub, Topic } from "../src/hub/index.ts"
import { fmt, gc, median, type Suite } from "./Suite.ts"

const VALUES = Number(process.env.HUB_VALUES ?? 200_000)
const ROUNDS = Number(process.env.HUB_ROUNDS ?? 5)

interface Tick {
  readonly price: number
  readonly quantity: number
}

const values: Array<Tick> = Array.from({ length: VALUES }, (_, i) => ({ price: 100 + (i % 50), quantity: i % 7 }))
const batchesOf = (size: number): Array<Array<Tick>> => {
  const batches: Array<Array<Tick>> = []
  for (let i = 0; i < VALUES; i += size) batches.push(values.slice(i, i + size))
  return batches
}

let sink = 0

/** Baseline: one emit per value, as a raw `ws` + EventEmitter app does. */
const baseline = (subscribers: number, batches: Array<Array<Tick>>): number => {
  const emitter = new EventEmitter()
  emitter.setMaxListeners(subscribers + 1)
  for (let s = 0; s < subscribers; s++) emitter.on("tick", (t: Tick) => (sink += t.price))
  const start = performance.now()
  for (const batch of batches) for (let i = 0; i < batch.length; i++) emitter.emit("tick", batch[i])
  return performance.now() - start
}

const ours = (subscribers: number, batches: Array<Array<Tick>>, consume: "each" | "array") =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const hub = yield* StreamHub.make({ name: "hub:bench" }).pipe(Scope.provide(scope))
    const topic = Topic.make<Tick>("bench", { replay: 0, strategy: "backpressure", capacity: 1024 })
    const fibers: Array<Fiber.Fiber<void, unknown>> = []
    for (let s = 0; s < subscribers; s++) {
      const stream = hub.subscribe(topic)
      fibers.push(
        yield* (consume === "each"
          ? Stream.runForEach(stream, (t) => Effect.sync(() => (sink += t.price)))
          : Stream.runForEachArray(stream, (ts) =>
            Effect.sync(() => {
              for (let i = 0; i < ts.length; i++) sink += ts[i]!.price
            }))).pipe(Effect.forkChild)
      )
    }
    while (true) {
      const stats = yield* hub.stats
      if ((stats.topics[0]?.subscribers.length ?? 0) === subscribers) break
      yield* Effect.sleep("1 millis")
    }
    const start = performance.now()
    for (const batch of batches) yield* hub.publishAll(topic, batch)
    // Closing the hub completes every subscriber once it has taken everything published.
    yield* Scope.close(scope, Exit.void)
    yield* Fiber.joinAll(fibers)
    return performance.now() - start
  }).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export interface HubResult {
  readonly subscribers: number
  readonly batch: number
  readonly baselinePerSecond: number
  readonly eachPerSecond: number
  readonly arrayPerSecond: number
}

/** Batches of 64 (a busy reader's batch) at 1/4/16 subscribers, and single values at 4. */
const configurations = [[1, 64], [4, 64], [16, 64], [4, 1]] as const

export const run = async (): Promise<Array<HubResult>> => {
  const results: Array<HubResult> = []
  for (const [subscribers, batch] of configurations) {
    const batches = batchesOf(batch)
    // warm-up
    baseline(subscribers, batches)
    await Effect.runPromise(ours(subscribers, batches, "each"))
    await Effect.runPromise(ours(subscribers, batches, "array"))
    const base: Array<number> = []
    const each: Array<number> = []
    const array: Array<number> = []
    for (let r = 0; r < ROUNDS; r++) {
      gc()
      base.push(baseline(subscribers, batches))
      gc()
      each.push(await Effect.runPromise(ours(subscribers, batches, "each")))
      gc()
      array.push(await Effect.runPromise(ours(subscribers, batches, "array")))
    }
    const perSecond = (ms: number) => VALUES / (ms / 1000)
    const row = {
      subscribers,
      batch,
      baselinePerSecond: perSecond(median(base)),
      eachPerSecond: perSecond(median(each)),
      arrayPerSecond: perSecond(median(array))
    }
    results.push(row)
    console.log(
      `hub fan-out, ${subscribers} subscriber(s), batches of ${batch}: EventEmitter ${fmt(row.baselinePerSecond)}/s, ` +
        `hub+runForEachArray ${fmt(row.arrayPerSecond)}/s (${(row.arrayPerSecond / row.baselinePerSecond).toFixed(2)}x), ` +
        `hub+runForEach ${fmt(row.eachPerSecond)}/s (${(row.eachPerSecond / row.baselinePerSecond).toFixed(2)}x)`
    )
  }
  if (sink === -1) console.log("")
  return results
}

export const suite: Suite = {
  name: "hub",
  description: "StreamHub fan-out to 1/4/16 subscribers vs EventEmitter",
  run: async () => {
    await run()
  }
}

if (import.meta.main) await run()
