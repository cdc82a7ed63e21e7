/**
 * The command-line edge: the only place that builds the application layer and runs it.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { Command } from "effect/cli"

const root = Command.make("scoped-exchange", {}, () =>
  Console.log("scoped-exchange: nothing to run yet")
).pipe(Command.withDescription("Scoped, leak-free exchange connectivity"))

root.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
