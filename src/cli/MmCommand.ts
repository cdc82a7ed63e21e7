/**
 * `mm`: runs market-making cycles (buy post-only at the best bid, sell post-only at the best ask)
 * on the embedded simulator by default, a standalone one, or MEXC; prints each cycle's summary and,
 * on exit, a report of how each component stopped. What `npm start` runs.
 *
 * ```sh
 * npm start                                          # one cycle, HIFIUSDT, embedded simulator
 * npx scoped-exchange mm --cycles 0                  # until Ctrl-C
 * npx scoped-exchange mm --rest-url http://127.0.0.1:8080 --ws-url ws://127.0.0.1:8080/ws
 * MEXC_API_KEY=... MEXC_API_SECRET=... npx scoped-exchange mm --venue mexc --quote-qty 5
 * npx scoped-exchange mm --reference BTCUSDT,ETHUSDT     # also how those markets moved each cycle
 * GATE_API_KEY=... GATE_API_SECRET=... npx scoped-exchange mm --venue gate --symbol HIFI_USDT --dead-man-switch 30
 * ```
 *
 * A user error (unknown symbol, amount below the instrument's minimums, rejected order, missing
 * credentials, a venue that cannot be reached after a few start-up attempts) is one line on stderr
 * and exit code 1. Stopped by a signal, the cycle's open order is canceled and confirmed before
 * the exchanges close (see `Teardown.ts` for the exit codes).
 *
 * @since 0.1.0
 */
import { Cause, Console, Context, Data, Duration, Effect, Exit, Layer, Option, Runtime, Scope } from "effect"
import { Command, Flag } from "effect/cli"
import * as SimVenue from "../sim/SimVenue.ts"
import * as Decimal from "../exchange/Decimal.ts"
import type { ExchangeError } from "../exchange/ExchangeError.ts"
import { PrivateExchange } from "../exchange/PrivateExchange.ts"
import { PublicExchange } from "../exchange/PublicExchange.ts"
import { ComponentRegistry, Lifecycle } from "../lifecycle/index.ts"
import * as MarketMaker from "../mm/MarketMaker.ts"
import type { MarketMakerError } from "../mm/MarketMakerError.ts"
import * as RestClient from "../rest/RestClient.ts"
import * as ReferenceMarkets from "../mm/ReferenceMarkets.ts"
import * as Summary from "../mm/Summary.ts"
import * as ExitReport from "./ExitReport.ts"
import * as Output from "./Output.ts"

const urlFlag = (name: string, schemes: ReadonlyArray<string>, description: string) =>
  Flag.String(name).pipe(
    Flag.filter(
      (text) => {
        try {
          return schemes.includes(new URL(text).protocol)
        } catch {
          return false
        }
      },
      (text) => `--${name} must be a ${schemes.join(" or ")}// URL (got "${text}")`
    ),
    Flag.withDescription(description),
    Flag.optional
  )

/**
 * A symbol as typed on the command line, in the venue's spelling: letters and digits, any case
 * (upper-cased after), with an underscore between base and quote where the venue writes one (Gate:
 * `HIFI_USDT`).
 */
export const symbolPattern = /^(?=.{2,24}$)[A-Za-z0-9]+(_[A-Za-z0-9]+)?$/

/**
 * `--ws-url` alone would be ignored for the venue's default REST URL (or the embedded
 * simulator's): refused, with the fix in the message.
 */
export const urlsProblem = (flags: {
  readonly restUrl: Option.Option<string>
  readonly wsUrl: Option.Option<string>
}): string | undefined =>
  Option.isSome(flags.wsUrl) && Option.isNone(flags.restUrl)
    ? "--ws-url needs --rest-url too (the REST URL of the same venue or simulator, e.g. http://127.0.0.1:8080)"
    : undefined

/** Flags of the `mm` command. Each description names its default and unit. */
export const mmFlags = {
  venue: Flag.Literals("venue", SimVenue.names).pipe(
    Flag.withDescription(
      "Where to trade: sim (the simulated exchange: embedded, or standalone with --rest-url/--ws-url), mexc (MEXC Spot; needs MEXC_API_KEY and MEXC_API_SECRET) or gate (Gate.io Spot v4; needs GATE_API_KEY and GATE_API_SECRET; on the simulator see docs/gate.md). Default: sim"
    ),
    Flag.withDefault("sim")
  ),
  restUrl: urlFlag(
    "rest-url",
    ["http:", "https:"],
    "REST base URL, e.g. http://127.0.0.1:8080 for `npm run sim`. Default: the embedded simulator's, or the venue's production URL"
  ),
  wsUrl: urlFlag(
    "ws-url",
    ["ws:", "wss:"],
    "WebSocket URL, e.g. ws://127.0.0.1:8080/ws. Default: derived from --rest-url for sim, the venue's production URL otherwise"
  ),
  symbol: Flag.String("symbol").pipe(
    Flag.filter((s) => symbolPattern.test(s), (s) => `--symbol must be a pair like HIFIUSDT (got "${s}")`),
    // The venue spells symbols in upper case; hifiusdt means HIFIUSDT.
    Flag.map((s) => s.toUpperCase()),
    Flag.withDescription("Symbol to quote (any case). Default: HIFIUSDT"),
    Flag.withDefault("HIFIUSDT")
  ),
  quoteQty: Flag.String("quote-qty").pipe(
    Flag.filterMap(
      (text) => Option.filter(Decimal.parse(text), (d) => d.value > 0n),
      (text) => `--quote-qty must be a positive decimal amount (got "${text}")`
    ),
    Flag.withDescription("Amount of the quote asset (USDT for HIFIUSDT) each cycle buys with. Default: 2.1"),
    Flag.withDefault(Decimal.unsafeParse("2.1"))
  ),
  reference: Flag.String("reference").pipe(
    Flag.filter(
      (text) => text.split(",").every((s) => symbolPattern.test(s)),
      (text) => `--reference must be pairs separated by commas, like BTCUSDT,ETHUSDT (got "${text}")`
    ),
    Flag.map((text) => text.toUpperCase()),
    Flag.withDescription(
      "Symbols to follow besides the quoted one (comma-separated, repeatable): their order book, best bid/ask and trades; each cycle's summary adds how each moved (mid in bps, trades and volume, top-5 book imbalance). Each takes 3 channels on the venue. Default: none"
    ),
    Flag.atLeast(0)
  ),
  cycles: Flag.Int("cycles").pipe(
    Flag.filter((n) => n >= 0, (n) => `--cycles must be >= 0 (got ${n})`),
    Flag.withDescription("Buy-then-sell cycles to run; 0 runs until Ctrl-C. Default: 1"),
    Flag.withDefault(1)
  ),
  fillTimeout: Flag.Finite("fill-timeout").pipe(
    Flag.filter((n) => n > 0, (n) => `--fill-timeout must be > 0 seconds (got ${n})`),
    Flag.withDescription(
      "Seconds one leg (the buy, or the sell) may take to fill, re-quotes included, before its order is canceled and the run fails. Default: 60"
    ),
    Flag.withDefault(60)
  ),
  logFormat: Flag.Literals("log-format", ["pretty", "json"]).pipe(
    Flag.withDescription("Logs, summaries and the exit report as text (pretty) or one JSON object per line (json). Default: pretty"),
    Flag.withDefault("pretty")
  ),
  deadManSwitch: Flag.Int("dead-man-switch").pipe(
    Flag.filter((n) => n > 0, (n) => `--dead-man-switch must be a number of seconds > 0 (got ${n})`),
    Flag.withDescription(
      "Keep the venue's dead-man switch armed while mm runs: if mm stops renewing it (killed, frozen, cut off), the venue itself cancels the account's open orders this many seconds after the last renewal; disarmed on a normal exit. Venues with one: gate (at least 5 s); refused with one line on the others. Default: off"
    ),
    Flag.optional
  ),
  seed: Flag.Int("seed").pipe(
    Flag.withDescription("Seed of the embedded simulator's synthetic market. Default: 1"),
    Flag.withDefault(1)
  )
}

export type MmFlags = Command.Command.Config.Infer<typeof mmFlags>

/** The exchanges a run trades on, as one layer (the venue factory, chosen by the flags). */
export type ExchangesFor = (
  flags: MmFlags
) => Layer.Layer<PublicExchange | PrivateExchange, ExchangeError>

/**
 * How many times start-up tries to reach a venue that refused the connection or answered 5xx, and
 * the first wait between tries (doubling). A venue that accepted the connection and did not answer
 * within a request's timeout (10 s) is not tried again: start-up fails at once with one line
 * naming the URL, the timeout and the request (`RestClient.isNoAnswer`), so a silent venue fails
 * within about one request timeout instead of every attempt's timeouts one after another.
 */
export const startAttempts = 4
export const startRetryDelay = Duration.millis(500)

/** The run failed with a message already printed as its one line. */
export class MmFailed extends Data.TaggedError("MmFailed")<{ readonly message: string }> {
  override readonly [Runtime.errorReported] = false
}

const isUnreachable = (error: MarketMakerError | ExchangeError): boolean => {
  const exchange = error._tag === "ExchangeError" ? error : error.reason._tag === "Exchange" ? error.reason.error : undefined
  return exchange !== undefined && (exchange.reason._tag === "Transport" || exchange.reason._tag === "Unavailable") &&
    !RestClient.isNoAnswer(exchange)
}

/** `mm` with the exchanges `exchangesFor` builds. */
export const make = (exchangesFor: ExchangesFor) =>
  Command.make("mm", mmFlags, (flags) => {
    const json = flags.logFormat === "json"
    const logger = Output.heldLogger(flags.logFormat)
    // Whether start-up succeeded: a run that failed before has no summary and no exit report.
    let started = false
    const stops: Array<ExitReport.ComponentStop> = []
    let counts: ExitReport.Counts = {}
    const observer = (event: Lifecycle.LifecycleEvent) => {
      if (event.phase === "stopped") {
        stops.push({ name: event.component, stopMs: event.durationMs, stopBudgetMs: event.stopBudgetMs, outcome: event.outcome ?? "ok" })
      }
    }
    const print = (lines: ReadonlyArray<string>) => Effect.forEach(lines, (line) => Console.log(line), { discard: true })
    // The running total over the cycles printed so far.
    let total: Summary.Total | undefined
    const printSummary = (summary: MarketMaker.CycleSummary, moves: ReadonlyArray<ReferenceMarkets.ReferenceMove> = []) =>
      Effect.suspend(() => {
        total = Summary.addToTotal(total, summary)
        return json
          ? Console.log(JSON.stringify({
            cycleSummary: {
              ...Summary.toJson(summary),
              ...(moves.length === 0 ? {} : { references: moves.map(ReferenceMarkets.toJson) }),
              total: Summary.totalToJson(total)
            }
          }))
          : print([
            ...Summary.formatText(summary),
            ...moves.map((m) => `  ${ReferenceMarkets.formatText(m)}`),
            Summary.formatTotal(total)
          ])
      })
    const referenceSymbols = [...new Set(flags.reference.flatMap((text) => text.split(",")))].filter((s) => s !== flags.symbol)
    const printReport = Effect.gen(function*() {
      const abandoned = stops.filter((s) => s.outcome === "abandoned").length
      const queues = yield* ExitReport.queueCounts
      const unconfirmed = yield* ComponentRegistry.unconfirmed
      const report: ExitReport.Report = { components: stops, counts: { ...counts, abandoned }, queues, unconfirmed }
      return yield* json ? Console.log(ExitReport.formatJson(report)) : print(ExitReport.formatTable(report))
    })

    const appLayer = MarketMaker.layer({
      symbol: flags.symbol,
      quoteQuantity: flags.quoteQty,
      fillTimeout: Duration.millis(Math.round(flags.fillTimeout * 1000))
    }).pipe(
      // Built before the market maker, so released after it: its orders are canceled first.
      Layer.provideMerge(ReferenceMarkets.layer(referenceSymbols)),
      Layer.provideMerge(exchangesFor(flags))
    )

    /** Builds the app in `scope`, retrying a venue that cannot be reached a few times (WARN each). */
    const startUp = (scope: Scope.Scope) =>
      Effect.gen(function*() {
        let delay = startRetryDelay
        for (let attempt = 1;; attempt++) {
          const attemptScope = yield* Scope.fork(scope, "sequential")
          const exit = yield* Effect.exit(Layer.buildWithScope(appLayer, attemptScope))
          if (Exit.isSuccess(exit)) return exit.value
          yield* Scope.close(attemptScope, exit)
          const error = Exit.findErrorOption(exit)
          if (Option.isNone(error) || !isUnreachable(error.value) || attempt >= startAttempts) {
            return yield* Effect.failCause(exit.cause)
          }
          yield* Effect.logWarning(
            `cannot reach the venue (attempt ${attempt} of ${startAttempts}): ${error.value.message}; retrying in ${Duration.format(delay)}`
          )
          yield* Effect.sleep(delay)
          delay = Duration.times(delay, 2)
        }
      })

    const cycles = Effect.gen(function*() {
      const mm = yield* MarketMaker.MarketMaker
      const references = yield* ReferenceMarkets.ReferenceMarkets
      const pub = yield* PublicExchange
      const priv = yield* PrivateExchange
      const readCounts = Effect.gen(function*() {
        const p = yield* pub.stats
        const q = yield* priv.stats
        counts = {
          reconnects: p.reconnects + q.reconnects,
          resyncs: p.resyncs,
          malformed: p.malformed,
          refused: p.refused,
          reconciliations: q.reconciliations,
          unknownOutcomes: q.unknownOutcomesResolved
        }
      })
      const loop = Effect.gen(function*() {
        for (let cycle = 1; flags.cycles === 0 || cycle <= flags.cycles; cycle++) {
          const mark = yield* references.mark
          const summary = yield* mm.runCycle
          yield* printSummary(summary, yield* references.since(mark))
        }
      }).pipe(
        // A cycle that failed (or was stopped) still shows what it did.
        Effect.onError(() =>
          Effect.flatMap(mm.lastCycle, (last) => last === undefined || last.completed ? Effect.void : printSummary(last))
        )
      )
      yield* loop.pipe(Effect.ensuring(readCounts))
    })

    return Effect.scoped(
      Effect.gen(function*() {
        const problem = urlsProblem(flags)
        if (problem !== undefined) return yield* Effect.fail(new MmFailed({ message: problem }))
        const scope = yield* Effect.scope
        const context = yield* startUp(scope) as Effect.Effect<
          Context.Context<MarketMaker.MarketMaker | ReferenceMarkets.ReferenceMarkets | PublicExchange | PrivateExchange>,
          ExchangeError | MarketMakerError
        >
        // An amount below the instrument's minimums is a user error like an unknown symbol.
        yield* Effect.flatMap(MarketMaker.MarketMaker, (mm) => mm.checkSize).pipe(Effect.provideContext(context))
        started = true
        yield* logger.release
        yield* cycles.pipe(Effect.provideContext(context))
      })
    ).pipe(
      // A run that failed before it started (a user error) has no report; one stopped by a
      // signal during start-up shows how its components stopped.
      Effect.onExit((exit) =>
        started || (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) ? printReport : Effect.void
      ),
      Effect.catch((error) =>
        Output.userError("mm", error.message, flags.logFormat).pipe(
          Effect.andThen(Effect.fail(new MmFailed({ message: `mm: ${error.message}` })))
        )
      ),
      Effect.provideService(Lifecycle.LifecycleObserver, observer),
      logger.run
    )
  }).pipe(
    Command.withDescription(
      "Run market-making cycles: buy post-only at the best bid, sell what was bought post-only at the best ask, print a summary; cancels its orders before it exits"
    )
  )
