/**
 * What stops a CLI run from outside: SIGINT, SIGTERM, and an output that closed. Caught from an
 * entry's first line and for the rest of the process's life.
 *
 * An entry (`main.ts`, `sim.ts`) calls {@link catchSignals} before it loads anything else, then
 * loads its modules with {@link loadInSteps}. Until a runner {@link SignalLog.listen listens}
 * nothing of the program has started, so a stop then ends the process at once with its exit code
 * (nothing to shut down). Loading Effect and the commands is about a second of synchronous work in
 * which Node runs no signal handler; loading it step by step, with a turn of the event loop
 * between steps, bounds how late a stop is seen to the longest step (about 0.1 s).
 *
 * Once a runner listens, what a stop does is its decision (`Teardown.ts`: interrupt the command,
 * shut down in order). The handlers stay installed until the process exits, so no later signal (a
 * second Ctrl-C during shutdown) ever falls through to Node's default action either.
 *
 * An output that closed (`mm | head -3`, `watch | jq` then quit: a write to a pipe whose reader is
 * gone fails with `EPIPE`) is a stop like a signal, named `SIGPIPE` after the signal a process
 * that does not ignore it would get. Without a listener on the stream's `error` event, Node
 * would crash on it with a stack trace and skip the shutdown.
 *
 * This module imports nothing, so that it loads in no time.
 *
 * @since 0.1.0
 */

/** What a CLI run stops on: a signal, or `SIGPIPE` for stdout or stderr closed by its reader. */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGPIPE"

/** The exit code a stop maps to: 128 + the signal's number, as shells report a death by it. */
export const signalExitCode = (signal: StopSignal): number =>
  signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 141

/** What has been received so far, and a way to hear the rest. */
export interface SignalLog {
  /** The first stop received, or undefined. */
  readonly first: () => StopSignal | undefined
  /**
   * Receives every stop from now on (one listener: a later call replaces it). Before the first
   * call a stop ends the process at once (nothing has started); `SIGPIPE` is heard once.
   */
  readonly listen: (listener: (signal: StopSignal) => void) => void
}

/** Installs the process's stop handlers for good. Call once, first thing. */
export const catchSignals = (): SignalLog => {
  let first: StopSignal | undefined
  let listener: ((signal: StopSignal) => void) | undefined
  const onSignal = (signal: StopSignal) => {
    const repeated = first !== undefined
    first ??= signal
    if (listener === undefined) {
      // Nothing of the program has started: there is nothing to shut down.
      process.exit(signalExitCode(first))
    }
    // Every later write to a closed pipe fails again: one notice is enough.
    if (signal === "SIGPIPE" && repeated) return
    listener(signal)
  }
  // Signal handlers do not keep Node's event loop alive: the process still ends on its own.
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  const onOutputError = (error: NodeJS.ErrnoException) => {
    // EPIPE (reader gone) is the common case; any other write error leaves the output just as
    // unusable, and the same orderly stop is the right answer to it.
    void error
    onSignal("SIGPIPE")
  }
  process.stdout.on("error", onOutputError)
  process.stderr.on("error", onOutputError)
  return {
    first: () => first,
    listen: (next) => {
      listener = next
    }
  }
}

/**
 * Imports modules one after another, letting the event loop turn between them, so that a stop
 * arriving while they load is handled after the current step instead of after all of them. Give
 * the heavy dependencies first (Effect's modules, then the program's), each as `() => import(...)`.
 */
export const loadInSteps = async (steps: ReadonlyArray<() => Promise<unknown>>): Promise<void> => {
  for (const step of steps) {
    await step()
    // A signal is delivered in the event loop's poll phase, which runs before `setImmediate`.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}
