/**
 * Running a piece of shutdown or polling code on the live clock even when a test installed a
 * `TestClock`: a close budget or a leak check must measure real time, or it would wait for a test
 * to advance a clock it never advances.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"

/** Runs `effect` with the live clock (a no-op when the clock already is the live one). */
export const withLiveClock = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock) as Clock.Clock & {
      readonly withLive?: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
    }
    return clock.withLive ? clock.withLive(effect) : effect
  })
