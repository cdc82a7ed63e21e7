/**
 * The telemetry flags every command takes, in one place: the root command declares them global
 * ({@link withTelemetry}), so each subcommand, present and future, accepts them anywhere on its
 * command line and runs inside {@link Telemetry.layer}.
 *
 * ```sh
 * scoped-exchange mm --otlp-url http://127.0.0.1:4318 --metrics-port 9464
 * OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 scoped-exchange watch
 * ```
 *
 * @since 0.1.0
 */
import { Console, Data, Effect, Layer, Option, Runtime } from "effect"
import { Command, Flag, GlobalFlag } from "effect/cli"
import * as Telemetry from "../telemetry/Telemetry.ts"

const isHttpUrl = (text: string): boolean => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

/** `--otlp-url URL`: the collector's OTLP/HTTP base URL. */
export const OtlpUrl = GlobalFlag.Setting("otlp-url")({
  flag: Flag.String("otlp-url").pipe(
    Flag.filter(isHttpUrl, (text) => `--otlp-url must be an http:// or https:// URL (got "${text}")`),
    Flag.withDescription(
      "Send traces, metrics and logs over OTLP/HTTP to this collector base URL (e.g. http://127.0.0.1:4318; /v1/traces, /v1/metrics, /v1/logs are appended). Default: OTEL_EXPORTER_OTLP_ENDPOINT, or no export"
    ),
    Flag.optional
  )
})

/** `--otlp-flush-budget SECONDS`: how long the final export may hold the exit. */
export const OtlpFlushBudget = GlobalFlag.Setting("otlp-flush-budget")({
  flag: Flag.Finite("otlp-flush-budget").pipe(
    Flag.filter((n) => n > 0, (n) => `--otlp-flush-budget must be > 0 seconds (got ${n})`),
    Flag.withDescription("Seconds the last export to the collector may take at exit; past it what is left is dropped. Default: 2"),
    Flag.withDefault(2)
  )
})

/** `--metrics-port N`: serve Prometheus metrics. */
export const MetricsPort = GlobalFlag.Setting("metrics-port")({
  flag: Flag.Int("metrics-port").pipe(
    Flag.filter((n) => n >= 0 && n <= 65535, (n) => `--metrics-port must be a port number 0-65535 (got ${n})`),
    Flag.withDescription("Serve Prometheus metrics at http://<metrics-host>:<port>/metrics (0: any free port, logged). Default: no endpoint"),
    Flag.optional
  )
})

/** `--metrics-host ADDRESS`: where the Prometheus endpoint listens. */
export const MetricsHost = GlobalFlag.Setting("metrics-host")({
  flag: Flag.String("metrics-host").pipe(
    Flag.withDescription("Address the Prometheus endpoint listens on (0.0.0.0 exposes it to the network). Default: 127.0.0.1"),
    Flag.withDefault("127.0.0.1")
  )
})

/** The telemetry could not start (the metrics port is taken): already printed as one line. */
export class TelemetryFailed extends Data.TaggedError("TelemetryFailed")<{ readonly message: string }> {
  override readonly [Runtime.errorReported] = false
}

/** The telemetry layer the flags ask for. */
const layerFromFlags = Layer.unwrap(Effect.gen(function*() {
  const otlpUrl = yield* OtlpUrl
  const flushBudget = yield* OtlpFlushBudget
  const metricsPort = yield* MetricsPort
  const metricsHost = yield* MetricsHost
  return Telemetry.layer({
    otlpUrl: Option.getOrUndefined(otlpUrl),
    flushBudget: `${Math.round(flushBudget * 1000)} millis`,
    metricsPort: Option.getOrUndefined(metricsPort),
    metricsHost
  }).pipe(
    Layer.catch((error) => {
      const message = `scoped-exchange: ${error.message}`
      return Layer.effectDiscard(Effect.andThen(Console.error(message), Effect.fail(new TelemetryFailed({ message }))))
    })
  )
}))

/**
 * Declares the telemetry flags on `command` (global: its subcommands take them too) and runs its
 * handler inside the telemetry they ask for. Apply it to the root, after its subcommands.
 */
export const withTelemetry = <Name extends string, Input, ContextInput, E, R>(
  command: Command.Command<Name, Input, ContextInput, E, R>
) =>
  command.pipe(
    Command.provide(layerFromFlags),
    Command.withGlobalFlags([OtlpUrl, OtlpFlushBudget, MetricsPort, MetricsHost])
  )
