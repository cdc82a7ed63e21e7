/**
 * How a CLI run ends: its exit code, and when (only) the process is forced out. One rule for
 * every command (`watch`, `sim`, and whatever is added) at every moment of a run:
 *
 * | exit code | when |
 * |---|---|
 * | `0` | the command finished, no signal came, every component stopped within its budget. The process ends because nothing is left running: it is never forced out, so a leak shows up as a hang. |
 * | `130` / `143` | a SIGINT / SIGTERM came before the command ended, and everything stopped within budget. The first signal decides. The command is interrupted, its scopes close in order (orders cancelled, connections closed, queues drained), then the process ends on its own. |
 * | `141` | its output closed (stdout or stderr is a pipe whose reader quit: `mm \| head -3`): the same orderly stop as a signal (see `Signals.ts`). |
 * | `3` | orders left open or unknown: a component's release could not confirm what it had to (a private exchange's cancel on close: venue unreachable, IP banned, the open-orders check failed); each order is named in an ERROR line and in the exit report. |
 * | `70` | a component was abandoned: its release overran its stop budget (it may hold a timer or a socket for good). The only case in which the process is forced out, right after the command's scope closed, with a line naming each abandoned component. |
 * | `1` (or the error's `Runtime.errorExitCode`) | the command failed: a user error, an unreachable venue. The error is printed. |
 *
 * When several apply, the first row in this order wins: orders left open or unknown, failure,
 * abandoned, signal, success. Orders come first: a run that failed because the venue went away
 * (the usual way orders end up unknown) must still tell a supervisor that orders may be open.
 *
 * Signals, whenever they come:
 * - before the command starts (while the entry loads its modules, about a second): the command is
 *   interrupted as soon as it starts, and the run ends with 130 / 143;
 * - while it runs or while it shuts down: the first interrupts it; any further signal is noted on
 *   stderr and otherwise ignored, so it neither skips the shutdown nor changes the code;
 * - after the command ended, while the process is still alive (something outside any scope holds
 *   the event loop): the process exits at once with the code already decided, or 130 / 143 if
 *   that was 0. This is the way out of a hang.
 * A signal before the entry's first line runs gets Node's default action: death by that signal,
 * which shells report as 130 / 143 as well. That window is Node's own start-up plus the type
 * stripping of the `.ts` entry: about 0.1 s on an idle machine, measured up to ~1 s on a loaded
 * 2-core one (nothing of the program has started then, so there is nothing to shut down).
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Runtime } from "effect"
import { ComponentRegistry } from "../lifecycle/index.ts"
import { type SignalLog, signalExitCode, type StopSignal } from "./Signals.ts"

export { signalExitCode } from "./Signals.ts"

/** The exit codes of every command (see the table above). */
export const ExitCode = {
  success: 0,
  failure: 1,
  /** Orders left open or unknown at close (a release that could not confirm its work). */
  unconfirmed: 3,
  /** sysexits' EX_SOFTWARE: the program could not shut itself down. */
  abandoned: 70,
  sigint: 130,
  /** The output closed (128 + SIGPIPE's number, what a shell reports for `yes | head`). */
  outputClosed: 141,
  sigterm: 143
} as const

/** What decides a run's exit code besides the command's own result. */
export interface RunEnd {
  /** The first stop signal received before the command ended. */
  readonly signal: StopSignal | undefined
  /** Whether any component was abandoned at shutdown. */
  readonly abandoned: boolean
  /** Whether any component reported orders left open or unknown (see `ComponentRegistry.Unconfirmed`). */
  readonly unconfirmed?: boolean | undefined
}

/** The rule of the table above, as a pure function of how the command ended. */
export const exitCode = (exit: Exit.Exit<unknown, unknown>, end: RunEnd): number => {
  if (end.unconfirmed === true) return ExitCode.unconfirmed
  if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
    return Runtime.getErrorExitCode(Cause.squash(exit.cause))
  }
  if (end.abandoned) return ExitCode.abandoned
  if (end.signal !== undefined) return signalExitCode(end.signal)
  // Interrupted although no signal came: nothing a user asked for, so not a success.
  return Exit.isSuccess(exit) ? ExitCode.success : ExitCode.failure
}

const describeAbandoned = (registry: ComponentRegistry.Registry): string =>
  registry.abandoned().map((c) =>
    `${c.name} (stop budget ${Math.round(c.stopBudgetMs)} ms, ` +
    `${c.running ? "still releasing after" : "released late, after"} ${Math.round(c.elapsedMs)} ms)`
  ).join(", ")

/**
 * Once the process has begun to end on its own (the `exit` event fires only when nothing is left
 * running, or on a forced exit), ends it at once with the decided code. Node's own teardown after
 * the `exit` event takes tens of milliseconds and runs with the signal handlers already removed:
 * a Ctrl-C then would kill the process by SIGINT and replace the decided code (seen with a second
 * SIGINT 50 ms after the first). Listeners registered after this one still run first.
 */
const exitWithoutNodeTeardown = (code: number): void => {
  const listeners = process.listeners("exit")
  for (const listener of listeners.slice(listeners.indexOf(exitWithoutNodeTeardown) + 1)) listener.call(process, code)
  process.exit(code)
}

/**
 * Runs a CLI program as the process's main fiber with the exit rule above. `signals` must have
 * been caught by the entry's first line ({@link SignalLog}): the first stop (SIGINT, SIGTERM, or
 * the output closing) interrupts the program. The program (and every component in it) records
 * into `registry`, which the exit rule reads; an exit report inside the program reads the same
 * registry through `ComponentRegistry.abandoned` / `ComponentRegistry.components`.
 */
export const runMain = <A, E>(
  program: Effect.Effect<A, E>,
  options: { readonly signals: SignalLog; readonly registry?: ComponentRegistry.Registry | undefined }
): void => {
  const { signals } = options
  const registry = options.registry ?? ComponentRegistry.make()
  // Forcing the exit: only when a component was abandoned, or on a signal after the end.
  const forceExit = (code: number) => process.exit(code)

  const run = Runtime.makeRunMain(({ fiber, teardown }) => {
    // Set once the main fiber ended: from then on a signal means "exit now".
    let ended: { readonly code: number } | undefined
    let interrupted = false

    signals.listen((signal) => {
      if (ended !== undefined) {
        forceExit(ended.code !== ExitCode.success ? ended.code : signalExitCode(signal))
      } else if (interrupted) {
        if (signal !== "SIGPIPE") {
          process.stderr.write(`${signal} received again while shutting down; the shutdown continues\n`)
        }
      } else {
        interrupted = true
        fiber.interruptUnsafe(fiber.id)
      }
    })

    fiber.addObserver((exit) => {
      teardown(exit, (code) => {
        ended = { code }
      })
    })
  })

  // A stop that came while the entry loaded its modules ended the process then; this covers one
  // recorded by a caller that listened earlier.
  const main = Effect.suspend(() => signals.first() !== undefined ? Effect.interrupt : program).pipe(
    Effect.provideService(ComponentRegistry.ComponentRegistry, registry)
  )

  run(main, {
    teardown: (exit, onEnd) => {
      const abandoned = registry.abandoned().length > 0
      const unconfirmed = registry.unconfirmed().length > 0
      const code = exitCode(exit, { signal: signals.first(), abandoned, unconfirmed })
      process.exitCode = code
      onEnd(code)
      if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) && signals.first() === undefined) {
        process.stderr.write("interrupted without a signal\n")
      }
      process.on("exit", exitWithoutNodeTeardown)
      if (unconfirmed) {
        const count = registry.unconfirmed().reduce((n, u) => n + u.items.length, 0)
        process.stderr.write(`exiting with ${code}: ${count} order(s) left open or unknown (named above)\n`)
      }
      if (abandoned) {
        process.stderr.write(
          code === ExitCode.abandoned
            ? `exiting with ${code}: abandoned at shutdown: ${describeAbandoned(registry)}\n`
            // The command's failure (printed above) decides the code; say so rather than pair
            // its code with "abandoned".
            : `abandoned at shutdown: ${describeAbandoned(registry)}; exiting with ${code} for ${
              code === ExitCode.unconfirmed ? "the orders named above" : "the failure above"
            }\n`
        )
        forceExit(code)
      }
    }
  })
}
