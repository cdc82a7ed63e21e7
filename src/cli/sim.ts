/**
 * Standalone entry of the simulated exchange: `npm run sim -- --port 8080`.
 *
 * Exit codes: 0 when stopped by SIGINT/SIGTERM (stopping is how a server run ends, so it is a
 * success), 1 on a startup error (port taken, bad flags).
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { command } from "./SimCommand.ts"
import { teardown } from "./Teardown.ts"

command.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({ teardown })
)
