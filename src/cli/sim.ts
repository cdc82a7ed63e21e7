/**
 * Standalone entry of the simulated exchange: `npm run sim -- --port 8080`.
 *
 * Exit codes are the CLI's (see `Teardown.ts`): 130 after SIGINT, 143 after SIGTERM and 141 when its output closed, once the
 * server shut down in order (at any moment, also while the modules load), 1 on a startup error
 * (port taken, bad flags).
 *
 * @since 0.1.0
 */
import { catchSignals, loadInSteps } from "./Signals.ts"

const signals = catchSignals()
await loadInSteps([
  () => import("effect/Effect"),
  () => import("effect/Stream"),
  () => import("effect/Schema"),
  () => import("effect"),
  () => import("@effect/platform-node/NodeHttpServer"),
  () => import("@effect/platform-node"),
  () => import("../sim/index.ts")
])
const [NodeServices, { Effect }, { CliOutput, Command }, { command }, Output, { runMain }] = await Promise.all([
  import("@effect/platform-node/NodeServices"),
  import("effect"),
  import("effect/cli"),
  import("./SimCommand.ts"),
  import("./Output.ts"),
  import("./Teardown.ts")
])

runMain(
  command.pipe(
    Command.run({ version: "0.1.0" }),
    Effect.provide(CliOutput.layerPresenter(Output.presenter(Output.formatFromArgs(process.argv)))),
    Effect.provide(NodeServices.layer)
  ),
  { signals }
)
