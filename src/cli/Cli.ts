/**
 * The `scoped-exchange` command tree, ready to run: every subcommand, with the Node services the
 * commands need. The entry (`main.ts`) loads it only after it caught the process's signals.
 *
 * @since 0.1.0
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Context, Effect, Layer, Option } from "effect"
import { CliOutput, Command } from "effect/cli"
import * as ArbVenues from "../arb/ArbVenues.ts"
import { ArbitrageError, InvalidOptions } from "../arb/ArbitrageError.ts"
import { ExchangeError, Transport } from "../exchange/ExchangeError.ts"
import * as SimVenue from "../sim/SimVenue.ts"
import * as SimVenues from "../sim/SimVenues.ts"
import type * as Adapter from "../venues/Adapter.ts"
import * as Venue from "../venues/Venue.ts"
import * as ArbCommand from "./ArbCommand.ts"
import * as MmCommand from "./MmCommand.ts"
import * as Output from "./Output.ts"
import * as SimCommand from "./SimCommand.ts"
import * as TelemetryFlags from "./TelemetryFlags.ts"
import * as WatchCommand from "./WatchCommand.ts"

/**
 * WebSocket dials tried at start-up before a venue counts as unreachable (a warning each); once
 * a connection opened, reconnects are unbounded.
 */
export const startAttempts = 4

/** What the commands' venue flags say. */
interface VenueFlags {
  readonly venue: keyof typeof SimVenue.adapters
  readonly restUrl: Option.Option<string>
  readonly wsUrl: Option.Option<string>
  readonly seed: number
}

/** The venue config the flags describe: `--venue` names an adapter of `SimVenue.adapters`. */
const venueConfig = (flags: VenueFlags): Venue.VenueConfig => ({
  _tag: flags.venue,
  restUrl: Option.getOrUndefined(flags.restUrl),
  wsUrl: Option.getOrUndefined(flags.wsUrl),
  seed: flags.seed
})

const connection = { maxStartAttempts: startAttempts }

/** Both exchanges of the chosen venue (for `mm`), with its dead-man switch when asked for. */
const exchanges = (flags: VenueFlags & { readonly deadManSwitch: Option.Option<number> }) =>
  Venue.layer(venueConfig(flags), {
    connection,
    deadManSwitch: Option.getOrUndefined(Option.map(flags.deadManSwitch, (timeoutSeconds) => ({ timeoutSeconds })))
  }, SimVenue.adapters)

/** The chosen venue's public exchange alone (for `watch`: no credentials needed). */
const publicExchange = (flags: VenueFlags) => Venue.layerPublic(venueConfig(flags), { connection }, SimVenue.adapters)

/** The venues one embedded simulator serves in their own dialects (`SimVenues`). */
const simulatedDialects: ReadonlyArray<string> = SimVenues.venueNames

/**
 * Both venues on ONE embedded simulator (`SimVenues`) serving each in its own dialect, their
 * markets driven by one seeded reference price (correlated, drifting apart): each venue's
 * exchanges built by its registry adapter against its side's URLs and demo account. Simulators
 * start first and stop last.
 */
const correlatedVenues = (
  names: readonly [string, string],
  registry: Readonly<Record<string, Adapter.Adapter>>,
  flags: ArbCommand.ArbFlags
): Layer.Layer<ArbVenues.ArbVenues, ExchangeError> => {
  const dialects = names.map((name) => name.split("#")[0]! as SimVenues.SimVenueName)
  const spread = { jumpsPerHour: flags.jumpsPerHour, jumpBps: flags.jumpBps }
  const start = SimVenues.layer({ seed: flags.seed, venues: dialects, spread }).pipe(
    Layer.catch((cause) =>
      Layer.effectContext(Effect.fail(
        new ExchangeError({
          venue: "sim",
          operation: "start the simulated venues",
          reason: new Transport({ detail: cause instanceof Error ? cause.message : String(cause) })
        })
      ) as Effect.Effect<Context.Context<SimVenues.SimVenues>, ExchangeError>)
    )
  )
  return Layer.unwrap(Effect.map(SimVenues.SimVenues, (served) => {
    const venue = (index: 0 | 1) => {
      const endpoint = served.endpoints.find((e) => e.venue === dialects[index])!
      return registry[dialects[index]!]!.exchanges(SimVenues.settingsFor(endpoint, { name: names[index], connection }))
    }
    return ArbVenues.layer(venue(0), venue(1))
  })).pipe(Layer.provide(start))
}

/**
 * The two venues of `arb`. Two different venues the simulator speaks (default `mexc,gate`): one
 * embedded simulator serving both, correlated markets from `--seed` ({@link correlatedVenues}).
 * Otherwise (`mexc,mexc#2`: `name#n` is another instance of `name`'s dialect) a simulator per venue
 * speaking that venue's dialect, seeds `seed` and `seed + 1`, independent markets; or standalone
 * simulators by `--rest-urls`. A name the registry does not have fails before either venue starts.
 */
const arbVenues = (flags: ArbCommand.ArbFlags) => {
  const urls = Option.map(flags.restUrls, (text) => text.split(","))
  const registry: Readonly<Record<string, Adapter.Adapter>> = Venue.adapters
  const names = flags.venues.split(",") as [string, string]
  // Both names checked before either venue starts.
  const missing = names.find((name) => registry[name.split("#")[0]!] === undefined)
  if (missing !== undefined) {
    return Layer.effect(
      ArbVenues.ArbVenues,
      Effect.fail(
        new ArbitrageError({
          reason: new InvalidOptions({ detail: `no venue "${missing.split("#")[0]}" in this build (have: ${Object.keys(registry).join(", ")})` })
        })
      )
    )
  }
  const dialects = names.map((name) => name.split("#")[0]!)
  if (Option.isNone(urls) && dialects[0] !== dialects[1] && dialects.every((d) => simulatedDialects.includes(d))) {
    return correlatedVenues(names, registry, flags)
  }
  const venue = (name: string, index: number) => {
    const restUrl = Option.getOrUndefined(Option.map(urls, (list) => list[index]!))
    return SimVenue.adapter(registry[name.split("#")[0]!]!).exchanges({
      name,
      venue: name,
      connection,
      seed: flags.seed + index,
      ...(restUrl === undefined ? {} : { restUrl })
    })
  }
  return ArbVenues.layer(venue(names[0], 0), venue(names[1], 1))
}

/** The root command. */
export const root = Command.make("scoped-exchange").pipe(
  Command.withDescription("Scoped, leak-free exchange connectivity: a market-making cycle, market data, and a simulated MEXC exchange"),
  Command.withSubcommands([
    MmCommand.make(exchanges),
    WatchCommand.make(publicExchange),
    ArbCommand.make(arbVenues),
    SimCommand.command
  ]),
  // --otlp-url, --metrics-port, ... for every subcommand.
  TelemetryFlags.withTelemetry
)

/**
 * The whole CLI as one program: parses `process.argv` and runs the chosen command. A bad flag is
 * one line and a hint (`Output.presenter`), JSON with `--log-format json`.
 */
export const program = root.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(CliOutput.layerPresenter(Output.presenter(Output.formatFromArgs(process.argv)))),
  Effect.provide(NodeServices.layer)
)
