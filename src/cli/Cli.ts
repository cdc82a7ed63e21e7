/**
 * The `scoped-exchange` command tree, ready to run: every subcommand, with the Node services the
 * commands need. The entry (`main.ts`) loads it only after it caught the process's signals.
 *
 * @since 0.1.0
 */
import { NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as MmCommand from "./MmCommand.ts"
import * as SimCommand from "./SimCommand.ts"
import * as Venues from "./Venues.ts"
import * as WatchCommand from "./WatchCommand.ts"

/** The root command. */
export const root = Command.make("scoped-exchange").pipe(
  Command.withDescription("Scoped, leak-free exchange connectivity: a market-making cycle, market data, and a simulated MEXC exchange"),
  Command.withSubcommands([MmCommand.make(Venues.exchanges), WatchCommand.make(Venues.publicExchange), SimCommand.command])
)

/** The whole CLI as one program: parses `process.argv` and runs the chosen command. */
export const program = root.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer))
