/** Log lines of a test, kept as `LEVEL message {annotations} cause` to assert on. */
import { Cause, Effect, Logger, References } from "effect"

/** Runs `effect` with its log lines collected into `lines`. */
export const collecting = <A, E, R>(effect: Effect.Effect<A, E, R>, lines: Array<string>): Effect.Effect<A, E, R> =>
  Effect.provide(
    effect,
    Logger.layer([Logger.make((options) => {
      const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
      const message = options.message
      const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
      const cause = options.cause.reasons.length > 0 ? ` ${Cause.pretty(options.cause)}` : ""
      lines.push(`${options.logLevel} ${text} ${JSON.stringify(annotations)}${cause}`)
    })])
  )
