/**
 * The command-line edge: the only place that builds the application and runs it.
 *
 * ```sh
 * node src/cli/main.ts watch [--venue sim|mexc] [--symbol BTCUSDT] [--duration 10]
 * node src/cli/main.ts sim [--port 8080] ...
 * ```
 *
 * On success the process exits because nothing is left running; it is never forced out. Stopped
 * by SIGINT/SIGTERM, it shuts everything down in order and exits 0 (stopping is how a watch or a
 * server run is meant to end); a failure exits non-zero with its error.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as SimCommand from "./SimCommand.ts"
import { teardown } from "./Teardown.ts"
import * as WatchCommand from "./WatchCommand.ts"

const root = Command.make("scoped-exchange").pipe(
  Command.withDescription("Scoped, leak-free exchange connectivity: market data, and a simulated MEXC exchange"),
  Command.withSubcommands([WatchCommand.command, SimCommand.command])
)

root.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({ teardown })
)
