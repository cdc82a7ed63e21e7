/**
 * How a CLI run's end becomes an exit code. A run stopped by SIGINT/SIGTERM shut down in order and
 * did what it was asked: exit 0. A failure keeps Effect's default (non-zero, error reported).
 *
 * @since 0.1.0
 */
import { Cause, Exit, Runtime } from "effect"

export const teardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)
