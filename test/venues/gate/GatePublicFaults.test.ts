/**
 * GatePublic against the Gate simulator's bad frames and refusals, over real WebSocket (the MEXC
 * cases of `MexcPublic`, in Gate's wire):
 * - malformed frames of the three kinds the simulator sends in turn (text no JSON parser accepts,
 *   a push with wrong types, a push with impossible values) are counted and skipped; the book
 *   handed out stays the venue's at its version, quotes and trades keep coming, and the connection
 *   is not dropped for it;
 * - a subscription the venue refuses (`unknown currency pair` for a pair REST lists) fails the
 *   stream of the subscriber that asked with `SubscriptionRefused` and Gate's message; the other
 *   streams on the same connection carry on.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Stream } from "effect"
import { waitUntil } from "../../support/eventually.ts"
import { recorderOf, watchBook, withGate } from "./support/publicHarness.ts"

describe("GatePublic: bad frames and refusals on the Gate simulator", () => {
  it.live("malformed frames (unparsable, wrong types, impossible values) are counted and skipped; the rest flows", () =>
    withGate({ fullPushChance: 0 }, ({ exchange, gate }) =>
      Effect.gen(function*() {
        const recorder = yield* recorderOf(gate, "BTC_USDT")
        const ex = yield* exchange({ interval: "20ms" })
        const watched = yield* watchBook(ex, recorder, "BTC_USDT")
        const quotes: Array<unknown> = []
        yield* ex.quotes("BTC_USDT").pipe(Stream.runForEach((q) => Effect.sync(() => void quotes.push(q))), Effect.forkScoped)
        yield* ex.trades("BTC_USDT").pipe(Stream.runDrain, Effect.forkScoped)
        yield* waitUntil("first views and quotes", () => watched.views.length >= 5 && quotes.length >= 1)
        // Six frames in turn: two of each kind, whichever channel they fall on.
        yield* gate.faults.malformedFrames(6)
        yield* waitUntil("six malformed frames counted", () => Effect.runSync(ex.stats).malformed === 6)
        const [views, quoted] = [watched.views.length, quotes.length]
        yield* waitUntil("more views and quotes after them", () => watched.views.length > views + 10 && quotes.length > quoted)
        assert.deepStrictEqual(watched.mismatches, [], "every book handed out is the venue's at its version")
        const stats = yield* ex.stats
        assert.strictEqual(stats.malformed, 6, "each counted once")
        assert.strictEqual(stats.reconnects, 0, "bad frames are no reason to reconnect")
      })), 30_000)

  it.live("a subscription the venue refuses fails that subscriber's stream with SubscriptionRefused; the others carry on", () =>
    withGate({ ws: { refusedPairs: ["ETH_USDT"] } }, ({ exchange }) =>
      Effect.gen(function*() {
        const ex = yield* exchange()
        // A subscriber on the same connection before and after the refusal.
        const btc = yield* ex.quotes("BTC_USDT").pipe(Stream.take(1), Stream.runDrain, Effect.forkScoped)
        yield* Fiber.join(btc)
        const refused = yield* Effect.exit(ex.trades("ETH_USDT").pipe(Stream.runDrain))
        assert.isTrue(Exit.isFailure(refused))
        const error = Exit.isFailure(refused) ? Cause.findErrorOption(refused.cause) : Option.none()
        assert.isTrue(Option.isSome(error) && error.value.reason._tag === "SubscriptionRefused", String(refused))
        assert.include(Option.isSome(error) ? error.value.message : "", "unknown currency pair: ETH_USDT")
        const later = yield* ex.orderBook("BTC_USDT").pipe(Stream.take(3), Stream.runCollect)
        assert.strictEqual(later.length, 3, "the other channels keep streaming")
        const stats = yield* ex.stats
        assert.strictEqual(stats.refused, 1)
        assert.strictEqual(stats.reconnects, 0)
      })), 30_000)
})
