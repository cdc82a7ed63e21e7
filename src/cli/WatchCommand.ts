/**
 * `watch`: streams a symbol's public market data through the whole data path (connection, queue,
 * decode, hub) and prints one summary line per second, then shuts everything down in order and
 * exits because nothing is left running. Against the embedded simulator by default, or MEXC.
 *
 * ```sh
 * npm start                                    # embedded simulator, BTCUSDT, 10 s
 * node src/cli/main.ts watch --symbol ETHUSDT --duration 0   # until Ctrl-C
 * node src/cli/main.ts watch --venue mexc      # the real MEXC feed
 * node src/cli/main.ts --log-level warn watch  # without the lifecycle log
 * ```
 *
 * @since 0.1.0
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Console, Duration, Effect, Schedule, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { SimExchange } from "../sim/index.ts"
import type { ConnectionState } from "../socket/Connection.ts"
import * as PublicFeed from "../venues/mexc/PublicFeed.ts"
import type { PublicAggreBookTickerV3Api } from "../venues/mexc/Proto.ts"

/** Flags of the `watch` command. */
export const watchFlags = {
  venue: Flag.Literals("venue", ["sim", "mexc"]).pipe(
    Flag.withDescription("Where to connect: the embedded simulator (sim) or MEXC Spot (mexc)"),
    Flag.withDefault("sim")
  ),
  symbol: Flag.String("symbol").pipe(
    Flag.filter((s) => /^[A-Z0-9]{2,20}$/.test(s), (s) => `--symbol must be an upper-case pair like BTCUSDT (got "${s}")`),
    Flag.withDescription("Symbol to watch"),
    Flag.withDefault("BTCUSDT")
  ),
  duration: Flag.Int("duration").pipe(
    Flag.filter((n) => n >= 0, (n) => `--duration must be >= 0 seconds (got ${n})`),
    Flag.withDescription("Seconds to watch before shutting down; 0 watches until Ctrl-C"),
    Flag.withDefault(10)
  ),
  interval: Flag.Literals("interval", ["100ms", "10ms"]).pipe(
    Flag.withDescription("Push interval of the aggregated channels"),
    Flag.withDefault("100ms")
  ),
  seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the simulator's synthetic market"), Flag.withDefault(1))
}

type WatchFlags = Command.Command.Config.Infer<typeof watchFlags>

const describeState = (state: ConnectionState): string => {
  switch (state._tag) {
    case "Open":
      return `open #${state.connectionId}`
    case "Connecting":
      return `connecting (attempt ${state.attempt})`
    case "Reconnecting":
      return `reconnecting in ${state.retryInMs} ms (attempt ${state.attempt}: ${state.lastError.message})`
    case "Closed":
      return "closed"
  }
}

const quote = (t: PublicAggreBookTickerV3Api | undefined): string =>
  t === undefined ? "bid - | ask -" : `bid ${t.bidPrice} x ${t.bidQuantity} | ask ${t.askPrice} x ${t.askQuantity}`

/** Watches `flags.symbol` on a feed at `url`. */
const watch = (flags: WatchFlags, url: string) =>
  Effect.gen(function*() {
    const feed = yield* PublicFeed.make({ url, interval: flags.interval })
    const symbol = flags.symbol
    let ticker: PublicAggreBookTickerV3Api | undefined
    let trades = 0
    let depthUpdates = 0
    let lastTrade = "-"

    yield* feed.bookTicker(symbol).pipe(
      Stream.runForEach((push) => Effect.sync(() => (ticker = push.data))),
      Effect.forkScoped
    )
    yield* feed.deals(symbol).pipe(
      Stream.runForEachArray((pushes) =>
        Effect.sync(() => {
          for (const push of pushes) {
            trades += push.data.deals.length
            const last = push.data.deals.at(-1)
            if (last) lastTrade = `${last.tradeType === 1 ? "buy" : "sell"} ${last.quantity} @ ${last.price}`
          }
        })
      ),
      Effect.forkScoped
    )
    yield* feed.depth(symbol).pipe(
      Stream.runForEachArray((pushes) => Effect.sync(() => (depthUpdates += pushes.length))),
      Effect.forkScoped
    )

    const report = Effect.gen(function*() {
      const state = yield* feed.connection.state
      yield* Console.log(
        `${symbol} ${quote(ticker)} | trades ${trades} (last ${lastTrade}) | depth updates ${depthUpdates} | ${describeState(state)}`
      )
    })
    yield* report.pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.delay("1 second"), Effect.forkScoped)

    if (flags.duration > 0) yield* Effect.sleep(Duration.seconds(flags.duration))
    else yield* Effect.never

    const stats = yield* feed.connection.stats
    const decode = yield* feed.decodeStats
    yield* Console.log(
      `done: ${decode.routed} frames routed, ${decode.malformed} malformed, ${stats.reconnects} reconnects; shutting down`
    )
  }).pipe(Effect.scoped, Effect.provide(NodeWS.layerWebSocketConstructor))

/** `watch`: public market data for one symbol, a line per second. */
export const command = Command.make("watch", watchFlags, (flags) => {
  return flags.venue === "sim"
    ? Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      yield* watch(flags, sim.wsUrl)
    }).pipe(Effect.provide(SimExchange.layer({ seed: flags.seed })))
    : watch(flags, PublicFeed.defaultUrl)
}).pipe(Command.withDescription("Stream a symbol's market data through the full pipeline, then shut down cleanly"))
