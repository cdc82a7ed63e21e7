/**
 * `arb`: two-venue arbitrage on one instrument, on simulated venues by default; prints a line per
 * attempt, a summary (attempts, completed, one-legged, unwound, PnL in the quote asset with the
 * inventory marked at the mid), the position per venue at stop, and the exit report. It ends by
 * itself after `--max-attempts` attempts or `--duration` seconds, or when a kill switch trips.
 *
 * ```sh
 * npm run arb                                          # mexc + gate on one simulator, correlated, HIFI/USDT
 * npx scoped-exchange arb --venues mexc,mexc#2 --size 20 --min-profit-bps 5 --duration 30
 * npx scoped-exchange arb --fees mexc=0.0005,gate=0.002 --max-one-legged 1 --log-format json
 * ```
 *
 * A user error (bad flag, unknown venue, an instrument a venue does not list, a size below a
 * venue's minimum) is one line on stderr and exit code 1; a kill switch that stopped the run is
 * reported after the summary, exit code 1. Stopped by a signal (130/143), the attempt in flight
 * is finished or unwound, every order of ours canceled and confirmed on both venues, and the net
 * position per venue reported, before the venues close.
 *
 * @since 0.1.0
 */
import { Console, Context, Data, Duration, Effect, Layer, Option, Runtime } from "effect"
import { Command, Flag } from "effect/cli"
import * as Arbitrage from "../arb/Arbitrage.ts"
import type { ArbitrageError } from "../arb/ArbitrageError.ts"
import * as ArbVenues from "../arb/ArbVenues.ts"
import * as ArbSummary from "../arb/Summary.ts"
import * as Decimal from "../exchange/Decimal.ts"
import type { ExchangeError } from "../exchange/ExchangeError.ts"
import { ComponentRegistry, Lifecycle } from "../lifecycle/index.ts"
import * as Telemetry from "../telemetry/Telemetry.ts"
import * as ExitReport from "./ExitReport.ts"

const positiveDecimal = (name: string, description: string, fallback: string) =>
  Flag.String(name).pipe(
    Flag.filterMap(
      (text) => Option.filter(Decimal.parse(text), (d) => d.value > 0n),
      (text) => `--${name} must be a positive decimal number (got "${text}")`
    ),
    Flag.withDescription(description),
    Flag.withDefault(Decimal.unsafeParse(fallback))
  )

const nonNegativeInt = (name: string, description: string, fallback: number) =>
  Flag.Int(name).pipe(
    Flag.filter((n) => n >= 0, (n) => `--${name} must be >= 0 (got ${n})`),
    Flag.withDescription(description),
    Flag.withDefault(fallback)
  )

const venueName = /^[a-z][a-z0-9]*(#[0-9]+)?$/

/** Fee overrides: `venue=rate,venue=rate` (rates as fractions, 0.001 = 0.1%). */
const parseFees = (text: string): Option.Option<Readonly<Record<string, Decimal.Decimal>>> => {
  const out: Record<string, Decimal.Decimal> = {}
  for (const part of text.split(",")) {
    const [name, rate, extra] = part.split("=")
    if (name === undefined || rate === undefined || extra !== undefined || !venueName.test(name)) return Option.none()
    const value = Decimal.parse(rate)
    if (Option.isNone(value) || value.value.value < 0n || value.value.value >= 10n ** BigInt(value.value.scale)) return Option.none()
    out[name] = value.value
  }
  return Option.some(out)
}

/** Flags of the `arb` command. Each description names its default and unit. */
export const arbFlags = {
  venues: Flag.String("venues").pipe(
    Flag.filter(
      (text) => {
        const names = text.split(",")
        return names.length === 2 && names.every((n) => venueName.test(n)) && names[0] !== names[1]
      },
      (text) => `--venues must be two different venue names separated by a comma, like mexc,gate (got "${text}")`
    ),
    Flag.withDescription(
      "The two venues, by registry name; on the simulator each runs embedded in its venue's dialect (a second instance of one dialect is name#2, e.g. mexc,mexc#2). Default: mexc,gate"
    ),
    Flag.withDefault("mexc,gate")
  ),
  symbol: Flag.String("symbol").pipe(
    Flag.filter((s) => /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/.test(s), (s) => `--symbol must be BASE/QUOTE in upper case, like HIFI/USDT (got "${s}")`),
    Flag.withDescription("The instrument, as base/quote (matched on each venue whatever its spelling). Default: HIFI/USDT"),
    Flag.withDefault("HIFI/USDT")
  ),
  size: positiveDecimal("size", "Base quantity of each leg (HIFI for HIFI/USDT), rounded down to both venues' lot sizes. Default: 20", "20"),
  minProfitBps: Flag.Finite("min-profit-bps").pipe(
    Flag.withDescription("Smallest net edge after both venues' taker fees, in basis points of the buy notional. Default: 10"),
    Flag.withDefault(10)
  ),
  minProfit: Flag.String("min-profit").pipe(
    Flag.filterMap(
      (text) => Option.filter(Decimal.parse(text), (d) => d.value >= 0n),
      (text) => `--min-profit must be a decimal amount >= 0 (got "${text}")`
    ),
    Flag.withDescription("Smallest net profit per attempt, in the quote asset (USDT), besides --min-profit-bps. Default: none"),
    Flag.optional
  ),
  fees: Flag.String("fees").pipe(
    Flag.filterMap(parseFees, (text) => `--fees must be venue=rate pairs separated by commas, rates as fractions in [0, 1), like mexc=0.0005,gate=0.002 (got "${text}")`),
    Flag.withDescription("Taker fee rate per venue, overriding the instrument's (fraction: 0.001 = 0.1%). Default: the venues' own"),
    Flag.optional
  ),
  maxAttempts: nonNegativeInt("max-attempts", "Attempts (legs sent) after which the run ends; 0: no limit. Default: 20", 20),
  duration: Flag.Finite("duration").pipe(
    Flag.filter((n) => n >= 0, (n) => `--duration must be >= 0 seconds (got ${n})`),
    Flag.withDescription("Seconds after which the run ends; 0: no limit (until the attempts are done or Ctrl-C). Default: 60"),
    Flag.withDefault(60)
  ),
  maxOneLegged: nonNegativeInt("max-one-legged", "Kill switch: one-legged attempts after which no new attempt starts. Default: 3", 3),
  maxLoss: positiveDecimal("max-loss", "Kill switch: loss in the quote asset (inventory marked at the mid) after which no new attempt starts. Default: 10", "10"),
  max429: nonNegativeInt("max-429", "Kill switch: rate-limit refusals (HTTP 429) of our orders after which no new attempt starts. Default: 3", 3),
  maxImbalance: Flag.String("max-imbalance").pipe(
    Flag.filterMap(
      (text) => Option.filter(Decimal.parse(text), (d) => d.value > 0n),
      (text) => `--max-imbalance must be a positive decimal quantity (got "${text}")`
    ),
    Flag.withDescription("Largest |base bought - base sold| over both venues, in the base asset; an attempt starts only if a one-legged result stays within it. Default: 2 x size"),
    Flag.optional
  ),
  cooldown: Flag.Int("cooldown").pipe(
    Flag.filter((n) => n >= 0, (n) => `--cooldown must be >= 0 milliseconds (got ${n})`),
    Flag.withDescription("Pause after each attempt, in milliseconds. Default: 250"),
    Flag.withDefault(250)
  ),
  ordersPerSecond: Flag.Int("orders-per-second").pipe(
    Flag.filter((n) => n >= 2, (n) => `--orders-per-second must be at least 2: a leg and an unwind (got ${n})`),
    Flag.withDescription(
      "The strategy's own order budget per venue per second; an attempt reserves a leg and an unwind on both venues before sending. Default: 5"
    ),
    Flag.withDefault(5)
  ),
  restUrls: Flag.String("rest-urls").pipe(
    Flag.filter(
      (text) => {
        const urls = text.split(",")
        return urls.length === 2 && urls.every((u) => {
          try {
            return ["http:", "https:"].includes(new URL(u).protocol)
          } catch {
            return false
          }
        })
      },
      (text) => `--rest-urls must be two http(s) URLs separated by a comma (got "${text}")`
    ),
    Flag.withDescription(
      "REST base URLs of two standalone simulators (`npm run sim`, `sim --venues mexc,gate`), in --venues order; each WebSocket derived from it where its dialect serves it (the start lines of `sim` show both). Default: embedded"
    ),
    Flag.optional
  ),
  logFormat: Flag.Literals("log-format", ["pretty", "json"]).pipe(
    Flag.withDescription("Logs, attempt lines, the summary and the exit report as text (pretty) or one JSON object per line (json). Default: pretty"),
    Flag.withDefault("pretty")
  ),
  jumpsPerHour: Flag.Finite("jumps-per-hour").pipe(
    Flag.filter((n) => n >= 0, (n) => `--jumps-per-hour must be >= 0 (got ${n})`),
    Flag.withDescription(
      "Embedded mexc,gate simulator: jumps of one venue's price away from the shared reference, per hour per venue (they decay with a 3 s half-life); what makes edges beyond both fees appear. Default: 720"
    ),
    Flag.withDefault(720)
  ),
  jumpBps: Flag.Finite("jump-bps").pipe(
    Flag.filter((n) => n >= 0, (n) => `--jump-bps must be >= 0 (got ${n})`),
    Flag.withDescription("Embedded mexc,gate simulator: standard deviation of a jump, in basis points. Default: 30"),
    Flag.withDefault(30)
  ),
  seed: Flag.Int("seed").pipe(
    Flag.filter((n) => n >= 0 && n <= 0xffff_ffff, (n) => `--seed must be an integer from 0 to 4294967295 (got ${n})`),
    Flag.withDescription("Seed of the simulated markets: one reference price for two venues the simulator serves in their dialects (mexc,gate); a second instance of one dialect (mexc,mexc#2) gets its own simulator, seed + 1. Default: 1"),
    Flag.withDefault(1)
  )
}

export type ArbFlags = Command.Command.Config.Infer<typeof arbFlags>

/** The two venues a run trades on, as one layer (chosen by the flags). */
export type VenuesFor = (flags: ArbFlags) => Layer.Layer<ArbVenues.ArbVenues, ExchangeError | ArbitrageError>

/** The run failed with a message already printed as its one line. */
export class ArbFailed extends Data.TaggedError("ArbFailed")<{ readonly message: string }> {
  override readonly [Runtime.errorReported] = false
}

/** The default logger, or one JSON object per line (the OTLP logger of --otlp-url, if any, stays). */
const loggerFor = Telemetry.consoleLogger

/** The strategy's options from the flags. */
export const options = (flags: ArbFlags): Arbitrage.ArbitrageOptions => {
  const [base, quote] = flags.symbol.split("/") as [string, string]
  return {
    base,
    quote,
    size: flags.size,
    minProfitBps: flags.minProfitBps,
    minProfitAbs: Option.getOrUndefined(flags.minProfit),
    takerFeeRates: Option.getOrUndefined(flags.fees),
    maxOneLegged: flags.maxOneLegged === 0 ? Number.MAX_SAFE_INTEGER : flags.maxOneLegged,
    maxLoss: flags.maxLoss,
    max429: flags.max429 === 0 ? Number.MAX_SAFE_INTEGER : flags.max429,
    maxImbalance: Option.getOrUndefined(flags.maxImbalance),
    cooldown: Duration.millis(flags.cooldown),
    ordersPerSecond: flags.ordersPerSecond
  }
}

/** `arb` with the venues `venuesFor` builds. */
export const make = (venuesFor: VenuesFor) =>
  Command.make("arb", arbFlags, (flags) => {
    const json = flags.logFormat === "json"
    const stops: Array<ExitReport.ComponentStop> = []
    const observer = (event: Lifecycle.LifecycleEvent) => {
      if (event.phase === "stopped") {
        stops.push({ name: event.component, stopMs: event.durationMs, stopBudgetMs: event.stopBudgetMs, outcome: event.outcome ?? "ok" })
      }
    }
    const opts = options(flags)
    const print = (lines: ReadonlyArray<string>) => Effect.forEach(lines, (line) => Console.log(line), { discard: true })
    let arb: Arbitrage.ArbitrageShape | undefined

    const printAttempt = (attempt: Arbitrage.AttemptRecord) =>
      json ? Console.log(JSON.stringify({ arbAttempt: ArbSummary.attemptJson(attempt) })) : print(ArbSummary.attemptText(attempt, opts.base, opts.quote))

    // After the scope closed: the summary, the position at stop, then the exit report.
    const printEnd = Effect.suspend(() =>
      Effect.gen(function*() {
        if (arb !== undefined) {
          const summary = yield* arb.summary
          const stop = yield* arb.stopReport
          if (json) {
            yield* Console.log(JSON.stringify({ arbSummary: ArbSummary.summaryJson(summary) }))
            if (stop !== undefined) yield* Console.log(JSON.stringify({ arbStop: ArbSummary.stopJson(stop) }))
          } else {
            yield* print(ArbSummary.summaryText(summary))
            if (stop !== undefined) yield* print(ArbSummary.stopText(stop, opts.base, opts.quote))
          }
        }
        const abandoned = stops.filter((s) => s.outcome === "abandoned").length
        const queues = yield* ExitReport.queueCounts
        // Orders left open or unknown at close, one line per venue's private component.
        const unconfirmed = yield* ComponentRegistry.unconfirmed
        const report: ExitReport.Report = { components: stops, counts: { ...counts, abandoned }, queues, unconfirmed }
        yield* json ? Console.log(ExitReport.formatJson(report)) : print(ExitReport.formatTable(report))
      })
    )

    const appLayer = Arbitrage.layer(opts).pipe(Layer.provideMerge(venuesFor(flags)))
    let counts: ExitReport.Counts = {}
    /** Each venue's counts, read while the venues are still up. */
    const readCounts = (venues: ArbVenues.ArbVenuesShape) =>
      Effect.gen(function*() {
        const out: Record<string, number> = {}
        for (const venue of venues.venues) {
          const name = venue.name ?? venue.public.venue
          const p = yield* venue.public.stats
          const q = yield* venue.private.stats
          out[`${name} reconnects`] = p.reconnects + q.reconnects
          out[`${name} resyncs`] = p.resyncs
          out[`${name} malformed`] = p.malformed
          out[`${name} unknownOutcomes`] = q.unknownOutcomesResolved
        }
        counts = out
      })

    const body = Effect.gen(function*() {
      const scope = yield* Effect.scope
      const context = yield* Layer.buildWithScope(appLayer, scope)
      const strategy = Context.get(context as Context.Context<Arbitrage.Arbitrage>, Arbitrage.Arbitrage)
      const venues = Context.get(context as Context.Context<ArbVenues.ArbVenues>, ArbVenues.ArbVenues)
      arb = strategy
      yield* Effect.addFinalizer(() => readCounts(venues))
      yield* Effect.logInfo(`arb ${flags.symbol} on ${strategy.symbols.map((s) => `${s.venue} (${s.symbol})`).join(" and ")}`)
      const summary = yield* strategy.run({
        maxAttempts: flags.maxAttempts,
        duration: flags.duration === 0 ? undefined : Duration.millis(Math.round(flags.duration * 1000)),
        onAttempt: printAttempt
      })
      return summary
    })

    return Effect.scoped(body).pipe(
      Effect.ensuring(printEnd),
      Effect.flatMap((summary) =>
        summary.killed === undefined ? Effect.void : Effect.fail({ message: `stopped by kill switch: ${summary.killed}` })
      ),
      Effect.catch((error) => {
        const message = `arb: ${error.message}`
        return Console.error(message).pipe(Effect.andThen(Effect.fail(new ArbFailed({ message }))))
      }),
      Effect.provideService(Lifecycle.LifecycleObserver, observer),
      Effect.provide(loggerFor(flags.logFormat))
    )
  }).pipe(
    Command.withDescription(
      "Two-venue arbitrage: buy where the instrument is cheap and sell where it is dear with IOC legs, unwind any one-legged result; exits after its attempts or duration, nothing left open"
    )
  )
