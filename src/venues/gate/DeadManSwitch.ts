/**
 * Gate's dead-man switch (`POST /spot/countdown_cancel_all`, gateio-wire.md "Endpoints"), kept armed
 * while a scope lives: if this process stops renewing it (killed, frozen, cut off from Gate), Gate
 * itself cancels the account's open spot orders `timeout` seconds after the last renewal. It backs
 * up cancel-on-close for the exits a process cannot handle; it is off unless asked for.
 *
 * - Armed when the scope opens (a refusal fails the start: asking for a guard that is not there
 *   must not pass silently), renewed every `renewEvery` by a fiber of the scope.
 * - A renewal that fails is logged and tried again at the next tick; the switch keeps counting
 *   from the last renewal Gate accepted, so a renewal lost for less than `timeout` changes nothing.
 * - Disarmed (`timeout: 0`) when the scope closes: an orderly close has cancelled and confirmed its
 *   orders already, and a switch left armed would fire later, at nobody's request, on orders a
 *   next run placed on the same account.
 *
 * Gate takes 0 (disarm) or at least 5 s (the simulator refuses less with `INVALID_PARAM_VALUE`).
 *
 * @since 0.1.0
 */
import { Duration, Effect } from "effect"
import type { Scope } from "effect"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"
import type { GateRestShape } from "./GateRest.ts"

/** The shortest countdown Gate takes, in seconds (0 disarms). */
export const minimumTimeoutSeconds = 5

/** Options of {@link make}. */
export interface Options {
  /** Seconds Gate waits after the last renewal before cancelling. Default 30; at least 5. */
  readonly timeoutSeconds?: number | undefined
  /** How often to renew. Default a third of the timeout, so two renewals may fail in a row. */
  readonly renewEvery?: Duration.Input | undefined
  /** Only this pair's orders; default every pair. */
  readonly symbol?: string | undefined
}

/** What a running switch reports. */
export interface DeadManSwitch {
  /** Renewals Gate accepted (the arming included). */
  readonly renewals: () => number
  /** Renewals that failed. */
  readonly failures: () => number
}

/**
 * Arms the switch in the caller's scope and keeps it armed until the scope closes, then disarms it.
 * Fails with the arming's error (a refused key, an unreachable venue).
 */
export const make = (
  rest: GateRestShape,
  options: Options = {}
): Effect.Effect<DeadManSwitch, ExchangeError, Scope.Scope> =>
  Effect.gen(function*() {
    const timeoutSeconds = Math.max(minimumTimeoutSeconds, Math.floor(options.timeoutSeconds ?? 30))
    const renewEvery = options.renewEvery === undefined
      ? Duration.seconds(timeoutSeconds / 3)
      : Duration.fromInputUnsafe(options.renewEvery)
    let renewals = 0
    let failures = 0
    const annotations = { component: "gate-dead-man-switch", timeout_s: timeoutSeconds, ...(options.symbol ? { symbol: options.symbol } : {}) }
    const arm = rest.countdownCancelAll(timeoutSeconds, options.symbol).pipe(Effect.tap(() => Effect.sync(() => void renewals++)))
    yield* Effect.acquireRelease(arm, () =>
      rest.countdownCancelAll(0, options.symbol).pipe(
        Effect.tap(() => Effect.logDebug("dead-man switch disarmed")),
        Effect.catch((error) =>
          Effect.logWarning("could not disarm the dead-man switch; Gate will cancel this account's open orders when it runs out").pipe(
            Effect.annotateLogs({ error: error.message })
          )
        ),
        Effect.annotateLogs(annotations)
      ))
    yield* Effect.logInfo(
      `dead-man switch armed: unless renewed, Gate cancels this account's open spot orders ${timeoutSeconds} s after the last renewal`
    ).pipe(Effect.annotateLogs(annotations))
    const renew = arm.pipe(
      Effect.catch((error) =>
        Effect.sync(() => void failures++).pipe(
          Effect.andThen(Effect.logWarning("could not renew the dead-man switch; trying again at the next tick")),
          Effect.annotateLogs({ ...annotations, error: error.message })
        )
      )
    )
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(renewEvery), renew)))
    return { renewals: () => renewals, failures: () => failures }
  }).pipe(Effect.withSpan("GateDeadManSwitch.make"))
