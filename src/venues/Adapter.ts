/**
 * What a venue adapter is: a name, where the venue lives by default, where its credentials come
 * from, and the layers it builds. The composition rule is written once, here ({@link make}): the
 * parts both sides share (REST client and rate limiter: one quota per venue, whichever side
 * spends it) are built first, then the public exchange, then the private one, so the private
 * exchange is released first (its orders canceled and confirmed while REST is still up), then the
 * public one, then REST and the limiter.
 *
 * A venue supplies {@link Parts}; it never sees the other venues, the simulator or the CLI.
 *
 * ```ts
 * // src/venues/<venue>/<Venue>Venue.ts (the real ones: `venues/mexc/MexcVenue.ts`, `venues/gate/GateVenue.ts`)
 * export const adapter = Adapter.make({
 *   name: "acme",
 *   restUrl: AcmeRest.productionUrl,
 *   wsUrl: AcmePublic.defaultUrl,
 *   credentials: { venue: "acme", apiKey: "ACME_API_KEY", apiSecret: "ACME_API_SECRET" },
 *   shared: (venue, credentials) => AcmeRest.layerNode({ baseUrl: venue.restUrl, credentials }),
 *   public: (venue) => AcmePublic.layer({ venue: venue.venue, url: venue.wsUrl, connection: venue.connection }),
 *   private: (venue) => AcmePrivate.layer({ venue: venue.venue, wsUrl: venue.privateWsUrl, connection: venue.connection })
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import type { Socket } from "effect/socket"
import { ExchangeError, InvalidConfig } from "../exchange/ExchangeError.ts"
import type { PrivateExchange } from "../exchange/PrivateExchange.ts"
import type { PublicExchange } from "../exchange/PublicExchange.ts"
import * as NodeWebSocket from "../socket/NodeWebSocket.ts"
import * as Credentials from "./Credentials.ts"

/** Connection settings every venue's connections honour. */
export interface ConnectionSettings {
  /**
   * Give up after this many failed dials while no dial has ever opened (a venue unreachable at
   * start-up is reported instead of dialed forever). Default: never.
   */
  readonly maxStartAttempts?: number | undefined
}

/** Where and as whom to connect; everything optional (the adapter's defaults and `Config`). */
export interface Settings {
  /**
   * Name of this venue instance: the venue in errors and stats, and the prefix of its lifecycle
   * components (`rest:<name>`, `ratelimit:<name>`, `connection:<name>-public-0`, ...), so that two
   * instances in one program tell their components apart. Default: the adapter's name, and its
   * usual component names.
   */
  readonly name?: string | undefined
  /** The venue in errors, stats and spans. Default: `name`, else the adapter's name. */
  readonly venue?: string | undefined
  /** REST base URL (a proxy, a simulator). Default: the venue's production URL. */
  readonly restUrl?: string | undefined
  /** Market-data WebSocket URL. Default: the venue's production URL. */
  readonly wsUrl?: string | undefined
  /** User-data WebSocket URL. Default: `wsUrl`. */
  readonly privateWsUrl?: string | undefined
  /** Credentials; absent, the adapter reads them from `Config` (only where signed calls need them). */
  readonly credentials?: Credentials.Credentials | undefined
  readonly connection?: ConnectionSettings | undefined
  /** Seed of a simulated venue's synthetic market (simulated venues only; a real venue ignores it). */
  readonly seed?: number | undefined
  /**
   * Keep the venue's dead-man switch armed while the private side lives: the venue cancels the
   * account's open orders `timeoutSeconds` after the last renewal (a process killed, frozen or cut
   * off). Default: off. A venue without one (see `Adapter.deadManSwitch`) refuses to build.
   */
  readonly deadManSwitch?: DeadManSwitchSettings | undefined
}

/** A venue-side dead-man switch, as asked for. */
export interface DeadManSwitchSettings {
  /** Seconds the venue waits after the last renewal before it cancels. */
  readonly timeoutSeconds: number
}

/** {@link Settings} with every default applied: what a venue's {@link Parts} build from. */
export interface Resolved {
  /** The venue in errors, stats and spans. */
  readonly venue: string
  /** The instance name when one was given (then the prefix of component names), else `undefined`. */
  readonly name: string | undefined
  readonly restUrl: string
  readonly wsUrl: string
  readonly privateWsUrl: string
  readonly connection: ConnectionSettings
  /** Checked against the venue's minimum (see `Parts.deadManSwitch`). */
  readonly deadManSwitch: DeadManSwitchSettings | undefined
}

/** What a venue writes: its facts and the layers of its three parts. `R` is what its parts share. */
export interface Parts<R> {
  /** The venue's name, e.g. `mexc`. */
  readonly name: string
  /** Production REST base URL. */
  readonly restUrl: string
  /** Production market-data WebSocket URL (also the user-data one unless `privateWsUrl`). */
  readonly wsUrl: string
  readonly privateWsUrl?: string | undefined
  /** The `Config` variables holding the venue's credentials. */
  readonly credentials: Credentials.Variables
  /**
   * The venue's own dead-man switch, when it has one: the shortest countdown it takes. Absent: a
   * build asking for one is refused with `InvalidConfig`.
   */
  readonly deadManSwitch?: { readonly minimumSeconds: number } | undefined
  /**
   * What both sides share, built first and released last: the REST client and the venue's rate
   * limiter. `credentials` is `undefined` for a public-only build (signed calls then fail
   * `InvalidConfig`).
   */
  readonly shared: (venue: Resolved, credentials: Credentials.Credentials | undefined) => Layer.Layer<R, ExchangeError>
  /** The venue's `PublicExchange` over the shared parts. */
  readonly public: (venue: Resolved) => Layer.Layer<PublicExchange, ExchangeError, R | Socket.WebSocketConstructor>
  /** The venue's `PrivateExchange` over the shared parts. */
  readonly private: (venue: Resolved) => Layer.Layer<PrivateExchange, ExchangeError, R | Socket.WebSocketConstructor>
}

/** A venue as the registry sees it: its name, defaults, credentials, and ready layers. */
export interface Adapter {
  readonly name: string
  readonly restUrl: string
  readonly wsUrl: string
  readonly credentialVariables: Credentials.Variables
  /** The venue's dead-man switch, if it has one: the shortest countdown it takes. */
  readonly deadManSwitch: { readonly minimumSeconds: number } | undefined
  /** The venue's credentials from `Config`, checked (`InvalidConfig` naming a missing variable). */
  readonly credentials: Effect.Effect<Credentials.Credentials, ExchangeError>
  /**
   * Both exchanges, sharing one REST client and one rate limiter, with Node's WebSocket. Credentials
   * from `settings` or else `Config`, read when the layer is built (a missing one fails it before
   * anything is dialed).
   */
  readonly exchanges: (settings?: Settings) => Layer.Layer<PublicExchange | PrivateExchange, ExchangeError>
  /** The public exchange alone: no credentials needed. */
  readonly publicExchange: (settings?: Settings) => Layer.Layer<PublicExchange, ExchangeError>
}

/**
 * Why `settings` cannot be built by a venue whose dead-man switch is `supported` (undefined: it has
 * none), or `undefined` when they can.
 */
export const deadManSwitchProblem = (
  venue: string,
  supported: { readonly minimumSeconds: number } | undefined,
  settings: Settings
): ExchangeError | undefined => {
  const asked = settings.deadManSwitch
  if (asked === undefined) return undefined
  const problem = supported === undefined
    ? "this venue has no dead-man switch"
    : !Number.isInteger(asked.timeoutSeconds) || asked.timeoutSeconds < supported.minimumSeconds
    ? `the venue's dead-man switch takes a whole number of seconds, at least ${supported.minimumSeconds} (got ${asked.timeoutSeconds})`
    : undefined
  return problem === undefined
    ? undefined
    : new ExchangeError({ venue, operation: "configuration", reason: new InvalidConfig({ variable: "deadManSwitch", detail: problem }) })
}

/** A layer that fails to build with `error`. */
const failed = <A>(error: ExchangeError): Layer.Layer<A, ExchangeError> =>
  Layer.unwrap(Effect.fail(error) as Effect.Effect<Layer.Layer<A>, ExchangeError>)

/** A venue's parts to an {@link Adapter}: the one place the layers are put together. */
export const make = <R>(parts: Parts<R>): Adapter => {
  const resolve = (settings: Settings): Resolved => {
    const wsUrl = settings.wsUrl ?? parts.wsUrl
    return {
      venue: settings.venue ?? settings.name ?? parts.name,
      name: settings.name,
      restUrl: (settings.restUrl ?? parts.restUrl).replace(/\/+$/, ""),
      wsUrl,
      privateWsUrl: settings.privateWsUrl ?? (settings.wsUrl === undefined ? parts.privateWsUrl ?? wsUrl : wsUrl),
      connection: settings.connection ?? {},
      deadManSwitch: settings.deadManSwitch
    }
  }
  const credentials = Credentials.fromConfig(parts.credentials)
  return {
    name: parts.name,
    restUrl: parts.restUrl,
    wsUrl: parts.wsUrl,
    credentialVariables: parts.credentials,
    deadManSwitch: parts.deadManSwitch,
    credentials,
    exchanges: (settings = {}) => {
      const problem = deadManSwitchProblem(settings.venue ?? settings.name ?? parts.name, parts.deadManSwitch, settings)
      if (problem !== undefined) return failed(problem)
      return Layer.unwrap(Effect.map(
        settings.credentials === undefined ? credentials : Effect.succeed(settings.credentials),
        (checked) => {
          const venue = resolve(settings)
          return parts.private(venue).pipe(
            Layer.provideMerge(parts.public(venue)),
            Layer.provide(parts.shared(venue, checked)),
            Layer.provide(NodeWebSocket.layerConstructor())
          )
        }
      ))
    },
    publicExchange: (settings = {}) => {
      const venue = resolve(settings)
      return parts.public(venue).pipe(
        Layer.provide(parts.shared(venue, settings.credentials)),
        Layer.provide(NodeWebSocket.layerConstructor())
      )
    }
  }
}
