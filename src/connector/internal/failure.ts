/**
 * @internal A failed exit of an exchange call, told apart: the venue's error, or an interruption
 * (which the connector passes on, never reads as an answer).
 *
 * @since 0.1.0
 */
import { Exit } from "effect"
import type { ExchangeError } from "../../exchange/ExchangeError.ts"

/** Why an exchange call did not succeed. */
export type Failure = { readonly _tag: "Failure"; readonly error: ExchangeError } | { readonly _tag: "Interrupted" }

/** The failure of a failed exit (throws on a success: a caller's bug). */
export const failureOf = <A>(exit: Exit.Exit<A, ExchangeError>): Failure => {
  if (Exit.isSuccess(exit)) throw new Error("not a failure")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  return error?._tag === "Fail" ? { _tag: "Failure", error: error.error } : { _tag: "Interrupted" }
}

/** The failure's message, or `interrupted`. */
export const messageOf = (failure: Failure): string => failure._tag === "Failure" ? failure.error.message : "interrupted"
