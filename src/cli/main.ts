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
 * - 130 after SIGINT, 143 after SIGTERM, once everything shut down in order, whether the signal
 *   came while the modules load, while the command runs, or while it shuts down. A second signal
 *   during shutdown neither skips it nor changes the code;
 * - 70 when a component overran its stop budget and was abandoned (the only forced exit);
 * - 1 when the command failed (bad flags, unreachable venue), with the error on stderr.
 *
 * The signals are caught on the first line, before anything heavy loads: the commands and Effect
 * are imported afterwards (about a second), so a Ctrl-C during that second is not Node's default
 * death by signal but an orderly exit with 130. Only a signal before this first line runs (Node's
 * start-up and the type stripping of this file) still gets Node's default, death by SIGINT, which
 * a shell reports as 130 too.
 *
 * @since 0.1.0
 */
import { catchSignals } from "./Signals.ts"

const signals = catchSignals()
const [{ runMain }, { program }] = await Promise.all([import("./Teardown.ts"), import("./Cli.ts")])
runMain(program, { signals })
