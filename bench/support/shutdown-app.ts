/**
 * The shutdown benchmark's app: two MEXC public feeds (two connections) against the feed server,
 * 100 subscriptions between them, the server blasting depth frames at both while one subscriber
 * per feed is deliberately slow, so that queues are full and socket reads paused. Prints `ready`
 * once the queues are full; the benchmark then sends SIGINT and times the exit. It ends runs the way
 * the CLI does (exit 130 after a clean stop on SIGINT, see `src/cli/Teardown.ts`).
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Console, Effect, References, Stream } from "effect"
import { catchSignals } from "../../src/cli/Signals.ts"
import { runMain } from "../../src/cli/Teardown.ts"
import * as PublicFeed from "../../src/venues/mexc/PublicFeed.ts"

const port = Number(process.argv[2])

const feed = (name: string, symbols: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const f = yield* PublicFeed.make({ name, url: `ws://127.0.0.1:${port}/`, connection: { pingInterval: false } })
    // 50 subscriptions per connection: depth + book ticker for 25 symbols each.
    for (const symbol of symbols) {
      yield* f.bookTicker(symbol).pipe(Stream.runDrain, Effect.forkScoped)
      yield* f.depth(symbol).pipe(Stream.runDrain, Effect.forkScoped)
    }
    // The blasted channel: a slow subscriber on a backpressure topic fills the queue.
    yield* f.depth("BTCUSDT").pipe(
      Stream.runForEachArray(() => Effect.sleep("20 millis")),
      Effect.forkScoped
    )
    return f
  })

const program = Effect.gen(function*() {
  const a = yield* feed("feed-a", Array.from({ length: 24 }, (_, i) => `A${i}USDT`))
  const b = yield* feed("feed-b", Array.from({ length: 24 }, (_, i) => `B${i}USDT`))
  yield* Effect.sleep("100 millis")
  yield* a.connection.send("blast 10000000 quiet")
  yield* b.connection.send("blast 10000000 quiet")
  yield* Effect.sleep("500 millis")
  yield* Console.log("ready")
  return yield* Effect.never
}).pipe(
  Effect.scoped,
  Effect.provide(NodeWS.layerWebSocketConstructor),
  Effect.provideService(References.MinimumLogLevel, "Warn")
)

runMain(program, { signals: catchSignals() })
