/**
 * What lifecycle tracking costs. Components pay only per fiber start and end (the fiber gauge);
 * the data path forks nothing per message, so its cost there is zero by construction. This suite
 * measures the per-fork price: the same fork-and-join loop inside a `Lifecycle.scoped` component
 * and outside any, alternating rounds, as a ratio and as nanoseconds per fork.
 */
import { Effect, Fiber, References } from "effect"
import { Lifecycle } from "../src/lifecycle/index.ts"
import { figure, type Row } from "./Report.ts"
import { median, size, type Suite } from "./Suite.ts"

const FORKS = size("LIFECYCLE_FORKS", 100_000, 10_000)
const ROUNDS = size("LIFECYCLE_ROUNDS", 7, 2)

const forkLoop = Effect.gen(function*() {
  for (let i = 0; i < FORKS; i++) yield* Fiber.join(yield* Effect.forkChild(Effect.void))
})

const timed = <E, R>(effect: Effect.Effect<void, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

const measure = Effect.gen(function*() {
  const plain: Array<number> = []
  const tracked: Array<number> = []
  const inComponent = Effect.scoped(forkLoop.pipe(Lifecycle.scoped({ name: "bench" })))
  yield* forkLoop
  yield* inComponent
  for (let r = 0; r < ROUNDS; r++) {
    plain.push(yield* timed(forkLoop))
    tracked.push(yield* timed(inComponent))
  }
  return { plain: median(plain), tracked: median(tracked), perForkNs: plain.map((p, i) => ((tracked[i]! - p) / FORKS) * 1e6) }
}).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))

export const suite: Suite = {
  name: "lifecycle",
  description: "fiber tracking cost per fork, inside a component vs outside",
  run: () =>
    Effect.runPromise(measure).then(({ plain, tracked, perForkNs }): Array<Row> => {
      const perFork = ((tracked - plain) / FORKS) * 1e6
      console.log(
        `fork+join x${FORKS.toLocaleString("en")}: outside ${plain.toFixed(1)} ms, inside a component ${tracked.toFixed(1)} ms, ` +
          `ratio ${(tracked / plain).toFixed(2)}x (${perFork.toFixed(0)} ns per fork); the data path forks nothing per message`
      )
      return [{
        group: 5,
        what: "lifecycle tracking: cost per fiber started inside a component",
        ours: figure(perForkNs, "ns"),
        baselines: {},
        ratio: { against: "untracked fork+join", value: tracked / plain },
        target: { text: "< 1% CPU", met: undefined },
        note: "the cadence rows count the fibers started per 1,000 updates: their product is the data path's cost"
      }]
    })
}

if (import.meta.main) await suite.run()
