/**
 * `sim`: runs the simulated MEXC exchange standalone until SIGINT/SIGTERM.
 *
 * ```sh
 * npm run sim -- --port 8080
 * # sim rest=http://127.0.0.1:8080 ws=ws://127.0.0.1:8080/ws apiKey=sim-key apiSecret=sim-secret
 * ```
 *
 * Prints exactly one line on start (REST URL, WS URL, demo key, and the secret only if it is the
 * published demo one); `--port 0` picks a
 * free port and prints it. Lifecycle logs are shown with `--verbose`. A server that cannot start
 * (port in use) prints one clear line on stderr and exits 1.
 *
 * @since 0.1.0
 */
import { Config, Console, Data, Effect, Option, Redacted, References, Runtime } from "effect"
import { Command, Flag } from "effect/cli"
import { GateSim, SimExchange, SimVenues } from "../sim/index.ts"

/** The seed's range: the synthetic market's generator uses 32 bits. */
export const maxSeed = 0xffff_ffff

/** The published demo secret: the only secret the start line shows. */
const demoSecret = "sim-secret"

/** Why `--seed` is refused, or `undefined` when it is in range. */
export const seedError = (seed: number): string | undefined =>
  Number.isSafeInteger(seed) && seed >= 0 && seed <= maxSeed
    ? undefined
    : `sim: --seed must be an integer from 0 to ${maxSeed} (got ${seed})`

const nonNegative = (name: string) =>
  Flag.Int(name).pipe(Flag.filter((n) => n >= 0, (n) => `--${name} must be >= 0 (got ${n})`))

const accountFlag = Flag.String("account").pipe(
  Flag.filter((text) => /^[^:\s]+:\S+$/.test(text), (text) => `--account must be key:secret (got "${text}")`),
  Flag.withDescription("Extra account as API key and secret, key:secret (repeatable). Default: none"),
  Flag.atLeast(0)
)

/** Flags of the `sim` command. */
export const simFlags = {
  port: Flag.Int("port").pipe(
    Flag.filter((port) => port >= 0 && port <= 65535, (port) => `--port must be 0-65535 (got ${port})`),
    Flag.withDescription("Port to listen on (0 picks a free one). Default: 8080"),
    Flag.withDefault(8080)
  ),
  host: Flag.String("host").pipe(Flag.withDescription("Interface to bind. Default: 127.0.0.1"), Flag.withDefault("127.0.0.1")),
  seed: Flag.Int("seed").pipe(
    Flag.withDescription(`Seed of the synthetic market, 0-${maxSeed} (same seed, same market). Default: 1`),
    Flag.withDefault(1)
  ),
  apiKey: Flag.String("api-key").pipe(Flag.withDescription("Demo account API key. Default: sim-key"), Flag.withDefault("sim-key")),
  apiSecret: Flag.Redacted("api-secret").pipe(
    Flag.withFallbackConfig(Config.Redacted("SIM_API_SECRET")),
    Flag.withDescription("Demo account secret (or SIM_API_SECRET); never printed unless it is the default demo secret. Default: the demo account's, sim-secret"),
    Flag.withDefault(Redacted.make(demoSecret))
  ),
  account: accountFlag,
  rateLimit: Flag.Int("rate-limit").pipe(
    Flag.filter((n) => n >= 1, (n) => `--rate-limit must be >= 1 (got ${n})`),
    Flag.withDescription("Requests per 10 s per endpoint and API key / IP before 429 (MEXC: 500). Default: 500"),
    Flag.withDefault(500)
  ),
  extraSymbols: nonNegative("extra-symbols").pipe(
    Flag.withDescription(
      "List N more symbols, SIM1USDT ... SIMNUSDT (prices to 4 decimals, whole-unit quantities, mid 1 USDT), each with a synthetic market: for clients that follow many symbols. Default: 0"
    ),
    Flag.withDefault(0)
  ),
  noMarket: Flag.Boolean("no-market").pipe(
    Flag.withDescription("Leave the books empty (no synthetic market). Default: off"),
    Flag.withDefault(false)
  ),
  refuseConnections: nonNegative("refuse-connections").pipe(
    Flag.withDescription("Fault: refuse new WebSocket connections for N seconds from start. Default: off"),
    Flag.optional
  ),
  silent: Flag.Boolean("silent").pipe(
    Flag.withDescription("Fault: send no data and no pongs on open connections. Default: off"),
    Flag.withDefault(false)
  ),
  malformedFrames: nonNegative("malformed-frames").pipe(
    Flag.withDescription("Fault: replace the next N binary frames with malformed ones. Default: off"),
    Flag.optional
  ),
  restLatency: nonNegative("rest-latency").pipe(
    Flag.withDescription("Fault: add N ms before every REST answer. Default: off"),
    Flag.optional
  ),
  wsLatency: nonNegative("ws-latency").pipe(
    Flag.withDescription("Fault: add N ms before every WebSocket write. Default: off"),
    Flag.optional
  ),
  failRest: nonNegative("fail-rest").pipe(
    Flag.withDescription("Fault: fail the next N REST calls (see --fail-rest-status). Default: off"),
    Flag.optional
  ),
  failRestStatus: Flag.Int("fail-rest-status").pipe(
    Flag.filter(
      (s) => s === 429 || s === 418 || (s >= 500 && s <= 599),
      (s) => `--fail-rest-status must be 429, 418 or 5xx (got ${s})`
    ),
    Flag.withDescription("Status of --fail-rest failures: 429/418 (with Retry-After) or 5xx. Default: 503"),
    Flag.withDefault(503)
  ),
  retryAfter: nonNegative("retry-after").pipe(
    Flag.withDescription("Retry-After seconds of 429/418 failures. Default: 1"),
    Flag.withDefault(1)
  ),
  dropEvery: nonNegative("drop-every").pipe(
    Flag.withDescription("Fault: drop every WebSocket connection every N seconds. Default: off"),
    Flag.optional
  ),
  depthGapEvery: nonNegative("depth-gap-every").pipe(
    Flag.withDescription("Fault: make a depth push skip versions every N seconds. Default: off"),
    Flag.optional
  ),
  staleSnapshotEvery: nonNegative("stale-snapshot-every").pipe(
    Flag.withDescription("Fault: every N seconds, arm a stale REST depth snapshot (the book as it was then). Default: off"),
    Flag.optional
  ),
  depthReorderEvery: nonNegative("depth-reorder-every").pipe(
    Flag.withDescription("Fault: every N seconds, send a depth push after the one that follows it. Default: off"),
    Flag.optional
  ),
  depthDuplicateEvery: nonNegative("depth-duplicate-every").pipe(
    Flag.withDescription("Fault: every N seconds, send a depth push twice. Default: off"),
    Flag.optional
  ),
  depthSnapshotStart: Flag.Literals("depth-snapshot-start", ["alternate", "straddle", "adjacent"]).pipe(
    Flag.withDescription("Where the first depth push after a REST snapshot starts (live MEXC does both). Default: alternate"),
    Flag.withDefault("alternate")
  ),
  loseAnswers: nonNegative("lose-answers").pipe(
    Flag.withDescription("Fault: the first N POST/PUT/DELETE calls are carried out, then their connection is cut. Default: off"),
    Flag.optional
  ),
  loseAnswersDelay: nonNegative("lose-answers-delay").pipe(
    Flag.withDescription("With --lose-answers: hold the answers N ms instead of cutting the connection. Default: off"),
    Flag.optional
  ),
  notYetVisible: nonNegative("not-yet-visible").pipe(
    Flag.withDescription("Fault: GET order answers -2013 for orders placed less than N ms ago. Default: off"),
    Flag.optional
  ),
  silentPrivate: Flag.Boolean("silent-private").pipe(
    Flag.withDescription("Fault: private streams get no pushes (pongs and TCP stay alive). Default: off"),
    Flag.withDefault(false)
  ),
  failKeepAlives: nonNegative("fail-keep-alives").pipe(
    Flag.withDescription("Fault: the first N listen-key keep-alives answer 730000. Default: off"),
    Flag.optional
  ),
  expireListenKeysEvery: nonNegative("expire-listen-keys-every").pipe(
    Flag.withDescription("Fault: expire every listen key every N seconds. Default: off"),
    Flag.optional
  ),
  venues: Flag.String("venues").pipe(
    Flag.filter(
      (text) => text.split(",").every((v) => v === "mexc" || v === "gate") && new Set(text.split(",")).size === text.split(",").length,
      (text) => `--venues must be a comma-separated list of mexc, gate (got "${text}")`
    ),
    Flag.withDescription(
      "Venues to serve, each on its own port with its own accounts and books, correlated through one seeded reference price: mexc, gate, or mexc,gate. Default: mexc"
    ),
    Flag.withDefault("mexc")
  ),
  gatePort: Flag.Int("gate-port").pipe(
    Flag.filter((port) => port >= 0 && port <= 65535, (port) => `--gate-port must be 0-65535 (got ${port})`),
    Flag.withDescription("Port of the Gate.io side. Default: --port + 1 when both venues run, --port when gate runs alone, 0 when --port is 0"),
    Flag.optional
  ),
  divergenceBps: Flag.Finite("divergence-bps").pipe(
    Flag.filter((n) => n >= 0, (n) => `--divergence-bps must be >= 0 (got ${n})`),
    Flag.withDescription("With several venues: standard deviation of each venue's divergence from the reference, in basis points. Default: 0.2"),
    Flag.optional
  ),
  jumpsPerHour: Flag.Finite("jumps-per-hour").pipe(
    Flag.filter((n) => n >= 0, (n) => `--jumps-per-hour must be >= 0 (got ${n})`),
    Flag.withDescription("With several venues: divergence jumps per hour per venue and instrument. Default: 6"),
    Flag.optional
  ),
  verbose: Flag.Boolean("verbose").pipe(Flag.withDescription("Show lifecycle logs. Default: off"), Flag.withDefault(false))
}

type SimFlags = Command.Command.Config.Infer<typeof simFlags>

/** Turns parsed flags into simulator options. */
export const toOptions = (flags: SimFlags): SimExchange.SimOptions => ({
  host: flags.host,
  port: flags.port,
  seed: flags.seed,
  apiKey: flags.apiKey,
  apiSecret: flags.apiSecret,
  accounts: flags.account.map((text) => {
    const colon = text.indexOf(":")
    return { apiKey: text.slice(0, colon), secret: text.slice(colon + 1) }
  }),
  extraSymbols: flags.extraSymbols,
  market: flags.noMarket ? false : undefined,
  rateLimits: { default: { limit: flags.rateLimit, windowMs: 10_000 } },
  faults: {
    refuseConnectionsSeconds: Option.getOrUndefined(flags.refuseConnections),
    silent: flags.silent,
    malformedFrames: Option.getOrUndefined(flags.malformedFrames),
    restLatencyMs: Option.getOrUndefined(flags.restLatency),
    wsLatencyMs: Option.getOrUndefined(flags.wsLatency),
    restFailures: Option.isSome(flags.failRest)
      ? { count: flags.failRest.value, status: flags.failRestStatus, retryAfterSeconds: flags.retryAfter }
      : undefined,
    dropConnectionsEverySeconds: Option.getOrUndefined(flags.dropEvery),
    depthGapEverySeconds: Option.getOrUndefined(flags.depthGapEvery),
    staleSnapshotEverySeconds: Option.getOrUndefined(flags.staleSnapshotEvery),
    depthReorderEverySeconds: Option.getOrUndefined(flags.depthReorderEvery),
    depthDuplicateEverySeconds: Option.getOrUndefined(flags.depthDuplicateEvery),
    depthSnapshotStart: flags.depthSnapshotStart,
    loseAnswers: Option.isSome(flags.loseAnswers)
      ? {
        count: flags.loseAnswers.value,
        loss: Option.isSome(flags.loseAnswersDelay) ? { mode: "delay", delayMs: flags.loseAnswersDelay.value } : { mode: "cut" }
      }
      : undefined,
    notYetVisibleMs: Option.getOrUndefined(flags.notYetVisible),
    silentPrivate: flags.silentPrivate,
    keepAliveFailures: Option.getOrUndefined(flags.failKeepAlives),
    expireListenKeysEverySeconds: Option.getOrUndefined(flags.expireListenKeysEvery)
  }
})

/**
 * The line printed on start. The secret is shown only when it is the published demo secret;
 * any other is `<redacted>`.
 */
export const startLine = (sim: SimExchange.SimExchangeShape): string => {
  const secret = Redacted.value(sim.credentials.apiSecret) === demoSecret ? demoSecret : "<redacted>"
  return `sim rest=${sim.restUrl} ws=${sim.wsUrl} apiKey=${sim.credentials.apiKey} apiSecret=${secret}`
}

/** The Gate side's start line: `sim venue=gate rest=<.../api/v4> ws=<.../ws/v4/> apiKey=... apiSecret=...`. */
export const gateStartLine = (gate: GateSim.GateSimShape): string => {
  const secret = Redacted.value(gate.credentials.apiSecret) === demoSecret ? demoSecret : "<redacted>"
  return `sim venue=gate rest=${gate.restUrl} ws=${gate.wsUrl} apiKey=${gate.credentials.apiKey} apiSecret=${secret}`
}

/** The venues named by `--venues`, in order. */
export const venuesOf = (flags: SimFlags): ReadonlyArray<SimVenues.SimVenueName> => flags.venues.split(",") as Array<SimVenues.SimVenueName>

/** Options of several venues (`--venues` names gate): the MEXC side as `toOptions`, the Gate side on its own port. */
export const toVenuesOptions = (flags: SimFlags): SimVenues.SimVenuesOptions => {
  const mexc = toOptions(flags)
  const venues = venuesOf(flags)
  const gatePort = Option.isSome(flags.gatePort)
    ? flags.gatePort.value
    : flags.port === 0 || !venues.includes("mexc")
    ? flags.port
    : flags.port + 1
  const { dropConnectionsEverySeconds, expireListenKeysEverySeconds: _expire, keepAliveFailures: _keepAlives, ...faults } = mexc.faults ?? {}
  return {
    venues,
    seed: flags.seed,
    spread: {
      divergenceBps: Option.getOrUndefined(flags.divergenceBps),
      jumpsPerHour: Option.getOrUndefined(flags.jumpsPerHour)
    },
    mexc,
    gate: {
      host: flags.host,
      port: gatePort,
      apiKey: mexc.apiKey,
      apiSecret: mexc.apiSecret,
      accounts: mexc.accounts,
      extraSymbols: flags.extraSymbols,
      market: flags.noMarket ? false : undefined,
      faults: { ...faults, dropConnectionsEverySeconds }
    }
  }
}

/** The simulator could not start; the message was already printed. */
export class SimStartError extends Data.TaggedError("SimStartError")<{ readonly message: string }> {
  override readonly [Runtime.errorReported] = false
}

/** `sim`: the simulated exchange, standalone, until interrupted. */
export const command = Command.make("sim", simFlags, (flags) => {
  const refused = seedError(flags.seed)
  if (refused !== undefined) {
    return Console.error(refused).pipe(Effect.andThen(Effect.fail(new SimStartError({ message: refused }))))
  }
  const venues = venuesOf(flags)
  const run = venues.length === 1 && venues[0] === "mexc"
    ? Effect.gen(function*() {
      const sim = yield* SimExchange.SimExchange
      yield* Console.log(startLine(sim))
      return yield* Effect.never
    }).pipe(Effect.provide(SimExchange.layer(toOptions(flags))))
    : Effect.gen(function*() {
      const served = yield* SimVenues.SimVenues
      if (served.mexc !== undefined) yield* Console.log(startLine(served.mexc))
      if (served.gate !== undefined) yield* Console.log(gateStartLine(served.gate))
      return yield* Effect.never
    }).pipe(Effect.provide(SimVenues.layer(toVenuesOptions(flags))))
  return run.pipe(
    Effect.catch((error) => {
      const cause = "cause" in error && error.cause instanceof Error ? error.cause.message : String(error)
      const message = `sim: cannot listen on ${flags.host}:${flags.port}: ${cause}`
      return Console.error(message).pipe(Effect.andThen(Effect.fail(new SimStartError({ message }))))
    }),
    Effect.provideService(References.MinimumLogLevel, flags.verbose ? "Info" : "Warn")
  )
}).pipe(
  Command.withDescription(
    "Run the simulated MEXC Spot v3 exchange (REST + protobuf WebSocket), and with --venues mexc,gate a Gate.io Spot v4 one beside it, until Ctrl-C"
  )
)
