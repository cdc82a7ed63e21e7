/**
 * `watch`: a symbol's public market data through `PublicExchange` (the synced order book, best
 * bid/ask, trades): top of book, spread, the last trade, and the resync and reconnect counts. On a
 * terminal one line updates in place; otherwise a plain line per second. Runs for `--duration`
 * seconds or until Ctrl-C, then shuts everything down in order and exits because nothing is left
 * running. Against the embedded simulator by default, a standalone one, or MEXC.
 *
 * ```sh
 * npx scoped-exchange watch                              # embedded simulator, BTCUSDT, 10 s
 * npx scoped-exchange watch --symbol ETHUSDT --duration 0   # until Ctrl-C
 * npx scoped-exchange watch --venue mexc                 # the real MEXC feed
 * ```
 *
 * An unknown symbol is asked of the venue before anything is subscribed, and is one line on stderr
 * with exit code 1.
 *
 * @since 0.1.0
 */
import { BigDecimal, Console, Data, Duration, Effect, Layer, Runtime, Schedule, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import * as SimVenue from "../sim/SimVenue.ts"
import * as Decimal from "../exchange/Decimal.ts"
import type { ExchangeError } from "../exchange/ExchangeError.ts"
import type { BookView, Trade } from "../exchange/Model.ts"
import { PublicExchange } from "../exchange/PublicExchange.ts"
import { symbolPattern, urlsProblem } from "./MmCommand.ts"
import * as Output from "./Output.ts"

/** Flags of the `watch` command. Each description names its default and unit. */
export const watchFlags = {
  venue: Flag.Literals("venue", SimVenue.names).pipe(
    Flag.withDescription("Where to connect: sim (the simulated exchange: embedded, or standalone with --rest-url/--ws-url), mexc (MEXC Spot) or gate (Gate.io Spot v4). Default: sim"),
    Flag.withDefault("sim")
  ),
  restUrl: Flag.String("rest-url").pipe(
    Flag.withDescription("REST base URL, e.g. http://127.0.0.1:8080 for `npm run sim`. Default: the embedded simulator's, or the venue's production URL"),
    Flag.optional
  ),
  wsUrl: Flag.String("ws-url").pipe(
    Flag.withDescription("WebSocket URL, e.g. ws://127.0.0.1:8080/ws. Default: derived from --rest-url for sim, the venue's production URL otherwise"),
    Flag.optional
  ),
  symbol: Flag.String("symbol").pipe(
    Flag.filter((s) => symbolPattern.test(s), (s) => `--symbol must be a pair like BTCUSDT (got "${s}")`),
    Flag.map((s) => s.toUpperCase()),
    Flag.withDescription("Symbol to watch (any case). Default: BTCUSDT"),
    Flag.withDefault("BTCUSDT")
  ),
  duration: Flag.Int("duration").pipe(
    Flag.filter((n) => n >= 0, (n) => `--duration must be >= 0 seconds (got ${n})`),
    Flag.withDescription("Seconds to watch before shutting down; 0 watches until Ctrl-C. Default: 10"),
    Flag.withDefault(10)
  ),
  logFormat: Flag.Literals("log-format", ["pretty", "json"]).pipe(
    Flag.withDescription("Logs and lines as text (pretty) or one JSON object per line (json). Default: pretty"),
    Flag.withDefault("pretty")
  ),
  seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the embedded simulator's synthetic market. Default: 1"), Flag.withDefault(1))
}

export type WatchFlags = Command.Command.Config.Infer<typeof watchFlags>

/** The public exchange a watch reads, as one layer (chosen by the flags). */
export type PublicFor = (flags: WatchFlags) => Layer.Layer<PublicExchange, ExchangeError>

/** The watch failed with a message already printed as its one line. */
export class WatchFailed extends Data.TaggedError("WatchFailed")<{ readonly message: string }> {
  override readonly [Runtime.errorReported] = false
}

const fmt = (d: Decimal.Decimal): string => Decimal.format(d)

interface State {
  book: BookView | undefined
  lastTrade: Trade | undefined
  trades: number
  books: number
}

/** One status line: top of book, spread, the last trade, counts. */
export const statusLine = (symbol: string, state: State, stats: { readonly resyncs: number; readonly reconnects: number }): string => {
  const bid = state.book?.bestBid
  const ask = state.book?.bestAsk
  const top = bid === undefined && ask === undefined
    ? "no book yet"
    : `bid ${bid === undefined ? "-" : `${fmt(bid.price)} x ${fmt(bid.quantity)}`} | ask ${ask === undefined ? "-" : `${fmt(ask.price)} x ${fmt(ask.quantity)}`}`
  const spread = bid !== undefined && ask !== undefined
    ? ` | spread ${fmt(BigDecimal.normalize(BigDecimal.subtract(ask.price, bid.price)))}`
    : ""
  const last = state.lastTrade === undefined
    ? "-"
    : `${state.lastTrade.side === "BUY" ? "buy" : "sell"} ${fmt(state.lastTrade.quantity)} @ ${fmt(state.lastTrade.price)}`
  return `${symbol} ${top}${spread} | trades ${state.trades} (last ${last}) | book v${state.book?.version ?? "-"} | resyncs ${stats.resyncs} | reconnects ${stats.reconnects}`
}

/** `watch` with the public exchange `publicFor` builds. */
export const make = (publicFor: PublicFor) =>
  Command.make("watch", watchFlags, (flags) => {
    const logger = Output.heldLogger(flags.logFormat)
    const problem = urlsProblem(flags)
    return Effect.gen(function*() {
      const pub = yield* PublicExchange
      const symbol = flags.symbol
      // Asked before anything is subscribed: an unknown symbol fails here, with one line.
      yield* pub.instrument(symbol)
      yield* logger.release
      const state: State = { book: undefined, lastTrade: undefined, trades: 0, books: 0 }
      const tty = process.stdout.isTTY === true && flags.logFormat === "pretty"

      yield* pub.orderBook(symbol).pipe(
        Stream.runForEach((book) => Effect.sync(() => {
          state.book = book
          state.books++
        })),
        Effect.forkScoped
      )
      yield* pub.trades(symbol).pipe(
        Stream.runForEachArray((trades) =>
          Effect.sync(() => {
            state.trades += trades.length
            state.lastTrade = trades.at(-1) ?? state.lastTrade
          })
        ),
        Effect.forkScoped
      )

      const show = Effect.gen(function*() {
        const stats = yield* pub.stats
        if (flags.logFormat === "json") {
          const bid = state.book?.bestBid
          const ask = state.book?.bestAsk
          yield* Console.log(JSON.stringify({
            watch: {
              symbol,
              version: state.book?.version.toString() ?? null,
              bid: bid === undefined ? null : { price: fmt(bid.price), quantity: fmt(bid.quantity) },
              ask: ask === undefined ? null : { price: fmt(ask.price), quantity: fmt(ask.quantity) },
              trades: state.trades,
              resyncs: stats.resyncs,
              reconnects: stats.reconnects
            }
          }))
        } else if (tty) {
          process.stdout.write(`\r\x1b[2K${statusLine(symbol, state, stats)}`)
        } else {
          yield* Console.log(statusLine(symbol, state, stats))
        }
      })
      yield* show.pipe(Effect.repeat(Schedule.spaced(tty ? "200 millis" : "1 second")), Effect.delay("1 second"), Effect.forkScoped)
      yield* Effect.addFinalizer(() => tty ? Effect.sync(() => process.stdout.write("\n")) : Effect.void)

      if (flags.duration > 0) yield* Effect.sleep(Duration.seconds(flags.duration))
      else yield* Effect.never
      const stats = yield* pub.stats
      const done = {
        books: state.books,
        trades: state.trades,
        resyncs: stats.resyncs,
        reconnects: stats.reconnects,
        malformed: stats.malformed
      }
      yield* Console.log(
        flags.logFormat === "json"
          ? JSON.stringify({ done })
          : `done: ${done.books} book views, ${done.trades} trades, ${done.resyncs} resyncs, ${done.reconnects} reconnects, ${done.malformed} malformed; shutting down`
      )
    }).pipe(
      Effect.scoped,
      Effect.provide(publicFor(flags)),
      (watch): Effect.Effect<void, ExchangeError | WatchFailed> =>
        problem === undefined ? watch : Effect.fail(new WatchFailed({ message: problem })),
      Effect.catch((error) =>
        Output.userError("watch", error.message, flags.logFormat).pipe(
          Effect.andThen(Effect.fail(new WatchFailed({ message: `watch: ${error.message}` })))
        )
      ),
      logger.run
    )
  }).pipe(Command.withDescription("Watch a symbol's order book, best bid/ask and trades through PublicExchange, then shut down cleanly"))

