/**
 * The command-line entry: the only place that builds the application and runs it.
 *
 * ```sh
 * node src/cli/main.ts watch [--venue sim|mexc] [--symbol BTCUSDT] [--duration 10]
 * node src/cli/main.ts sim [--port 8080] ...
 * ```
 *
 * Exit codes, the same for every command at every moment (the whole rule is in `Teardown.ts`):
 * - 0: the command finished and everything stopped in time; the process ends because nothing is
 *   left running, never by `process.exit`;
 * - 130 after SIGINT, 143 after SIGTERM, 141 when its output closed (`| head`), once everything
 *   shut down in order. A second signal during shutdown neither skips it nor changes the code;
 * - 70 when a component overran its stop budget and was abandoned (the only forced exit);
 * - 1 when the command failed (bad flags, unreachable venue), with the error on stderr.
 *
 * The stops are caught on the first line, before anything heavy loads, and the modules are loaded
 * step by step (`Signals.loadInSteps`): a Ctrl-C while they load (about a second) ends the
 * process within one step (about 0.1 s) with 130, before anything started. Only a signal before
 * this first line runs (Node's start-up and the type stripping of this file) gets Node's default,
 * death by SIGINT, which a shell reports as 130 too.
 *
 * @since 0.1.0
 */
import { catchSignals, loadInSteps } from "./Signals.ts"

const signals = catchSignals()
// The heaviest modules first, each a step of its own; later imports find them loaded.
await loadInSteps([
  () => import("effect/Effect"),
  () => import("effect/Stream"),
  () => import("effect/Schema"),
  () => import("effect"),
  () => import("effect/cli"),
  () => import("@effect/platform-node/NodeServices"),
  () => import("@effect/platform-node/NodeHttpClient"),
  () => import("@effect/platform-node/NodeHttpServer"),
  () => import("@effect/platform-node"),
  () => import("../exchange/index.ts"),
  () => import("../lifecycle/index.ts"),
  () => import("../socket/index.ts"),
  () => import("../venues/mexc/index.ts"),
  () => import("../sim/index.ts"),
  () => import("../mm/index.ts")
])
const [{ runMain }, { program }] = await Promise.all([import("./Teardown.ts"), import("./Cli.ts")])
runMain(program, { signals })
