/**
 * The bench runner (`npm run bench`): runs every suite in the list below, in order, each printing
 * its figures side by side with its baseline and the ratio. Select suites by name:
 * `npm run bench -- hub queue`. Figures are measured in one run on whatever machine runs them;
 * they are not tests and nothing here asserts a target.
 *
 * Adding a suite is one line: export a `suite: Suite` (see `Suite.ts`) from its file and list it
 * here, or wrap an existing effect with `effectSuite`.
 */
import { Effect, References } from "effect"
import * as Feed from "./feed.ts"
import * as Latency from "./latency.ts"
import { suite as lifecycle } from "./lifecycle.ts"
import { suite as hub } from "./hub.ts"
import * as Protobuf from "./protobuf.ts"
import { suite as queue } from "./queue.ts"
import { suite as ratelimit } from "./ratelimit.ts"
import * as Reconnect from "./reconnect.ts"
import * as Shutdown from "./shutdown.ts"
import type { Suite } from "./Suite.ts"

/** A suite from an effect that measures and a function that prints its result. */
const effectSuite = <A, E>(
  name: string,
  description: string,
  measure: Effect.Effect<A, E>,
  print: (result: A) => void
): Suite => ({
  name,
  description,
  run: () => Effect.runPromise(measure.pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))).then(print)
})

const suites: ReadonlyArray<Suite> = [
  lifecycle,
  hub,
  queue,
  ratelimit,
  { name: "protobuf", description: "MEXC push decode, ts-proto vs protobufjs", run: () => Protobuf.run().then(() => {}) },
  effectSuite("feed", "public data path vs raw ws", Feed.feedThroughput(), Feed.printFeed),
  effectSuite("latency", "send-to-subscriber latency at a paced rate vs raw ws", Latency.pacedLatency, Latency.printLatency),
  effectSuite("reconnect", "1,000 forced reconnects: latency and memory", Reconnect.forcedReconnects, Reconnect.printReconnects),
  effectSuite("shutdown", "SIGINT to exit with 2 connections, 100 subscriptions, full queues", Shutdown.shutdownLatency, Shutdown.printShutdown)
]

const selected = process.argv.slice(2)
const unknown = selected.filter((name) => !suites.some((s) => s.name === name))
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(", ")}; available: ${suites.map((s) => s.name).join(", ")}`)
  process.exitCode = 2
} else {
  const started = performance.now()
  for (const suite of suites) {
    if (selected.length > 0 && !selected.includes(suite.name)) continue
    console.log(`\n# ${suite.name}: ${suite.description}`)
    const at = performance.now()
    try {
      await suite.run()
    } catch (error) {
      process.exitCode = 1
      console.error(`suite ${suite.name} failed:`, error)
    }
    console.log(`(${suite.name}: ${((performance.now() - at) / 1000).toFixed(1)} s)`)
  }
  console.log(`\nbench done in ${((performance.now() - started) / 1000).toFixed(1)} s (node ${process.version})`)
}
