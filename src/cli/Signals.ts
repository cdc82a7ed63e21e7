/**
 * SIGINT and SIGTERM, caught from an entry's first line and for the rest of the process's life.
 *
 * An entry (`main.ts`, `sim.ts`) calls {@link catchSignals} before it loads anything else: loading
 * Effect and the commands takes about a second, and a signal arriving then would otherwise get
 * Node's default action (death by signal, no shutdown). This module imports nothing so that it
 * loads in no time. The handlers stay installed until the process exits, so no later signal (a
 * second Ctrl-C during shutdown) ever falls through to that default either; what a signal does is
 * decided by whoever {@link SignalLog.listen listens} (the runner in `Teardown.ts`).
 *
 * @since 0.1.0
 */

/** The signals a CLI run stops on. */
export type StopSignal = "SIGINT" | "SIGTERM"

/** What has been received so far, and a way to hear the rest. */
export interface SignalLog {
  /** The first signal received, or undefined. */
  readonly first: () => StopSignal | undefined
  /**
   * Receives every signal from now on (one listener: a later call replaces it). Signals received
   * before any listener are only recorded in {@link SignalLog.first}.
   */
  readonly listen: (listener: (signal: StopSignal) => void) => void
}

/** Installs the process's SIGINT and SIGTERM handlers for good. Call once, first thing. */
export const catchSignals = (): SignalLog => {
  let first: StopSignal | undefined
  let listener: ((signal: StopSignal) => void) | undefined
  const onSignal = (signal: StopSignal) => {
    first ??= signal
    listener?.(signal)
  }
  // Signal handlers do not keep Node's event loop alive: the process still ends on its own.
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  return {
    first: () => first,
    listen: (next) => {
      listener = next
    }
  }
}
