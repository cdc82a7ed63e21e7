/**
 * The queue behind a user stream: data frames in batches, control frames read apart in their
 * place, work queued behind everything already accepted, all of it handled before close.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as UserStreamQueue from "../../src/connector/UserStreamQueue.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { quiet } from "../support/quiet.ts"

describe("UserStreamQueue", () => {
  it.live("keeps one order: data in batches, control apart in its place, queued work behind what came before", () =>
    quiet(LeakCheck.scoped(Effect.gen(function*() {
      const seen: Array<string> = []
      const scope = yield* Scope.make()
      const queue = yield* UserStreamQueue.make({
        name: "test",
        capacity: 16,
        isControl: (frame) => frame.startsWith("{"),
        onControl: (frame) => Effect.sync(() => void seen.push(`control ${frame}`)),
        onFrames: (frames) =>
          Effect.sync(() => void seen.push(`data ${frames.map((f) => typeof f === "string" ? f : `<${f.byteLength}>`).join(",")}`))
      }).pipe(Scope.provide(scope))
      yield* queue.offerAll(["a", "b", "{ack}", new Uint8Array(3), "c"])
      yield* queue.enqueue(Effect.sync(() => void seen.push("queued work")))
      yield* queue.offerAll(["d"])
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(seen, ["data a,b", "control {ack}", "data <3>,c", "queued work", "data d"])
    }))))
})
