/**
 * What the commands print besides their own results, by one rule: a user error is one line on
 * stderr, and with `--log-format json` every line is one JSON object.
 *
 * - {@link presenter}: a bad flag prints its error and one hint (`--help`), not the whole help;
 * - {@link userError}: a command's failure as its one line (`mm: unknown symbol NOPEUSDT`);
 * - {@link heldLogger}: the logger of a run, holding its INFO lines (the lifecycle's
 *   starting/started) back until start-up succeeded or was interrupted, so a start-up that fails
 *   on a user error prints that error alone; warnings and errors are never held, and nothing is
 *   held under `--log-level debug` (or lower), which asks to see everything as it happens.
 *
 * @since 0.1.0
 */
import { formatWithOptions } from "node:util"
import { Cause, Console, Effect, Exit, Layer, Logger, LogLevel, References } from "effect"
import { CliOutput } from "effect/cli"
import * as Telemetry from "../telemetry/Telemetry.ts"

/** The text or JSON output of a run (`--log-format`). */
export type LogFormat = "pretty" | "json"

/**
 * The `--log-format` given on the command line, read from the raw arguments: for output before
 * the flags are parsed (a bad flag), and so that a bad flag's line is JSON too.
 */
export const formatFromArgs = (args: ReadonlyArray<string>): LogFormat => {
  const at = args.lastIndexOf("--log-format")
  const inline = args.findLast((a) => a.startsWith("--log-format="))
  return (at >= 0 && args[at + 1] === "json") || inline === "--log-format=json" ? "json" : "pretty"
}

/** A multi-line message (a parser's "Did you mean ...?") as one line. */
const oneLine = (text: string): string => text.trim().replace(/\s*\n\s*/g, " ").replace(/\s{2,}/g, " ")

/** One line on stderr: `<command>: <message>`, or `{"error":{"command","message"}}` in JSON. */
export const userError = (command: string, message: string, format: LogFormat): Effect.Effect<void> =>
  format === "json"
    ? Console.error(JSON.stringify({ error: { command, message: oneLine(message) } }))
    : Console.error(`${command}: ${oneLine(message)}`)

/**
 * Effect's CLI presenter, except for an invalid invocation (unknown flag, bad value): its errors
 * as one line on stderr and a hint to `--help`, instead of the whole help followed by the errors.
 */
export const presenter = (format: LogFormat): CliOutput.Presenter => ({
  present: (event) => {
    if (event._tag !== "InvalidInvocation") return CliOutput.defaultPresenter.present(event)
    const command = event.commandPath.join(" ")
    const message = `${event.errors.map((e) => oneLine(e.message)).join("; ")} (${command} --help lists the flags)`
    return userError(command, message, format)
  }
})

/** The run's logger, and the switch that ends the holding of its INFO lines. */
export interface HeldLogger {
  /** Installs the logger (and the console it writes through) for the run. */
  readonly layer: Layer.Layer<never>
  /** Start-up succeeded: prints what was held, in order, and stops holding. */
  readonly release: Effect.Effect<void>
  /**
   * Runs a command with the logger: releases what is held when the command succeeds or is
   * interrupted (a signal during start-up shows the start and the orderly stop), drops it when
   * the command fails (its one line says why).
   */
  readonly run: <A, E, R>(command: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * The run's logger (the default text logger, or one JSON object per line), holding lines at INFO
 * and below until {@link HeldLogger.release}. What is still held when the run fails at start-up
 * is never printed: the failure's one line says what went wrong. A line is formatted when it is
 * logged (the fiber's annotations are read then), and only its printing waits.
 */
export const heldLogger = (format: LogFormat): HeldLogger => {
  const base = format === "json" ? Logger.consoleJson : Logger.defaultLogger
  let held: Array<string> | undefined = []
  let passing = false
  const logger = Logger.make<unknown, void>((options) => {
    const direct = held !== undefined && (LogLevel.isGreaterThan(options.logLevel, "Info") ||
      LogLevel.isLessThan(options.fiber.getRef(References.MinimumLogLevel), "Info"))
    if (!direct) return base.log(options)
    passing = true
    try {
      base.log(options)
    } finally {
      passing = false
    }
  })
  // Both loggers, and the command's own lines, print through the fiber's console: while holding,
  // it keeps every stdout line (so the order stays) except what the logger lets through.
  const console: Console.Console = Object.create(globalThis.console, {
    log: {
      value: (...args: ReadonlyArray<unknown>) => {
        if (!passing && held !== undefined) {
          held.push(formatWithOptions({ colors: process.stdout.hasColors?.() ?? false }, ...args))
        } else {
          globalThis.console.log(...args)
        }
      }
    }
  })
  const release = Effect.sync(() => {
    const lines = held ?? []
    held = undefined
    for (const line of lines) globalThis.console.log(line)
  })
  // In place of the console logger only: an OTLP logger installed outside (--otlp-url) stays.
  const layer = Layer.mergeAll(Telemetry.replaceConsoleLogger(logger), Layer.succeed(Console.Console, console))
  return {
    layer,
    release,
    run: (command) =>
      command.pipe(
        Effect.onExit((exit) =>
          Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause) ? Effect.sync(() => (held = undefined)) : release
        ),
        Effect.provide(layer)
      )
  }
}
