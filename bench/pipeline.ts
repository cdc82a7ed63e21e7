/**
 * The in-process data path at a venue's cadence, without sockets: one frame per batch into a
 * MessageQueue whose handler publishes to a StreamHub topic with one subscriber stream, the next
 * batch offered only once the subscriber got the previous one (as at 100 updates/s, where each
 * frame arrives alone). Reports CPU time (user + system) and wall time per batch, median of
 * rounds. A component figure for the per-batch fixed costs (wake-ups, fiber hops, allocations)
 * that decide the CPU per update at the venue's cadence; compare builds, not machines.
 *
 * Run alone with `node bench/pipeline.ts`, or `npm run bench -- pipeline`.
 */
import { Deferred, Effect, References, Stream } from "effect"
import { StreamHub, Topic } from "../src/hub/index.ts"
import { MessageQueue } from "../src/queue/index.ts"
import { figure, type Row } from "./Report.ts"
import { size, type Suite } from "./Suite.ts"

const BATCHES = size("PIPELINE_BATCHES", 30_000, 3_000)
const ROUNDS = size("PIPELINE_ROUNDS", 5, 2)

const topic = Topic.make<number>("depth:BTCUSDT", { replay: 0, strategy: "backpressure" })

const round = Effect.scoped(Effect.gen(function*() {
  const hub = yield* StreamHub.make({ name: "hub:bench" })
  const queue = yield* MessageQueue.make<number>({
    name: "queue:bench",
    handleBatch: (batch) => hub.publishAll(topic, batch)
  })
  let delivered: Deferred.Deferred<void> | undefined
  yield* hub.subscribe(topic).pipe(
    Stream.runForEachArray(() => Effect.sync(() => delivered && Deferred.doneUnsafe(delivered, Effect.void))),
    Effect.forkScoped
  )
  yield* Effect.yieldNow
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (let i = 0; i < BATCHES; i++) {
    delivered = Deferred.makeUnsafe<void>()
    yield* queue.offerAll([i])
    yield* Deferred.await(delivered)
  }
  const used = process.cpuUsage(cpu)
  return { cpuUs: (used.user + used.system) / BATCHES, wallUs: ((performance.now() - start) * 1000) / BATCHES }
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "pipeline",
  description: "queue -> hub -> subscriber per batch at cadence, in process",
  run: async (): Promise<Array<Row>> => {
    await Effect.runPromise(round) // warm-up
    const cpu: Array<number> = []
    const wall: Array<number> = []
    for (let r = 0; r < ROUNDS; r++) {
      const out = await Effect.runPromise(round)
      cpu.push(out.cpuUs)
      wall.push(out.wallUs)
    }
    const row: Row = {
      group: 0,
      what: "in-process queue -> hub -> subscriber, one frame per batch",
      ours: figure(cpu, "µs CPU/batch"),
      baselines: {},
      note: `wall ${figure(wall, "µs").value.toFixed(2)} µs per batch`
    }
    console.log(`pipeline per batch: CPU ${row.ours!.value.toFixed(2)} µs (${cpu.map((c) => c.toFixed(2)).join(" ")}), wall ${row.note}`)
    return [row]
  }
}

if (import.meta.main) await suite.run()
