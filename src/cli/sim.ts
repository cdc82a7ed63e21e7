/**
 * Standalone entry of the simulated exchange: `npm run sim -- --port 8080`.
 *
 * Exit codes are the CLI's (see `Teardown.ts`): 130 after SIGINT and 143 after SIGTERM once the
 * server shut down in order (at any moment, also while the modules load), 1 on a startup error
 * (port taken, bad flags).
 *
 * @since 0.1.0
 */
import { catchSignals } from "./Signals.ts"

const signals = catchSignals()
const [{ NodeServices }, { Effect }, { Command }, { command }, { runMain }] = await Promise.all([
  import("@effect/platform-node"),
  import("effect"),
  import("effect/cli"),
  import("./SimCommand.ts"),
  import("./Teardown.ts")
])

runMain(command.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer)), { signals })
