/**
 * Rate limiter overhead per call when the quota is not the limit: `take` on one key and on two
 * keys, Effect's own `RateLimiter.consume` (memory store, fixed window) for reference, against an
 * empty effect in the same loop as the baseline. Nanoseconds per call, median of rounds; the
 * overhead is the difference from the baseline.
 *
 * Run alone with `node bench/ratelimit.ts`, or as part of `npm run bench`.
 */
import { Effect, References } from "effect"
import { RateLimiter as EffectRateLimiter } from "effect/persistence"
import { RateLimiter } from "../src/ratelimit/index.ts"
import { gc, median, type Suite } from "./Suite.ts"

const CALLS = Number(process.env.RATELIMIT_CALLS ?? 200_000)
const ROUNDS = Number(process.env.RATELIMIT_ROUNDS ?? 5)

const loop = (call: Effect.Effect<unknown, unknown>) =>
  Effect.gen(function*() {
    const start = performance.now()
    for (let i = 0; i < CALLS; i++) yield* call
    return ((performance.now() - start) * 1e6) / CALLS
  })

export const run = () =>
  Effect.runPromise(
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make({
        name: "ratelimit:bench",
        quotas: { ip: { limit: 1e12, window: "1 second" }, account: { limit: 1e12, window: "1 second" } }
      })
      const effectLimiter = yield* EffectRateLimiter.make.pipe(Effect.provide(EffectRateLimiter.layerStoreMemory))
      const variants = {
        baseline: Effect.void,
        oneKey: limiter.take({ keys: ["ip"] }),
        twoKeys: limiter.take({ keys: ["ip", "account:1"] }),
        effectConsume: effectLimiter.consume({ key: "ip", limit: 1e12, window: "1 second" })
      }
      const times: Record<keyof typeof variants, Array<number>> = { baseline: [], oneKey: [], twoKeys: [], effectConsume: [] }
      for (const [name, call] of Object.entries(variants)) yield* loop(call)
      for (let r = 0; r < ROUNDS; r++) {
        for (const [name, call] of Object.entries(variants) as Array<[keyof typeof variants, Effect.Effect<unknown, unknown>]>) {
          gc()
          times[name].push(yield* loop(call))
        }
      }
      const ns = (k: keyof typeof variants) => median(times[k])
      const base = ns("baseline")
      console.log(
        `rate limiter, not limited: empty effect ${base.toFixed(0)} ns/call; take 1 key ${ns("oneKey").toFixed(0)} ns ` +
          `(+${(ns("oneKey") - base).toFixed(0)} ns), take 2 keys ${ns("twoKeys").toFixed(0)} ns ` +
          `(+${(ns("twoKeys") - base).toFixed(0)} ns); Effect RateLimiter.consume ${ns("effectConsume").toFixed(0)} ns ` +
          `(+${(ns("effectConsume") - base).toFixed(0)} ns)`
      )
      return { baselineNs: base, oneKeyNs: ns("oneKey"), twoKeysNs: ns("twoKeys"), effectConsumeNs: ns("effectConsume") }
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Warn"))
  )

export const suite: Suite = {
  name: "ratelimit",
  description: "RateLimiter.take overhead per call when not limited",
  run: async () => {
    await run()
  }
}

if (import.meta.main) await run()
