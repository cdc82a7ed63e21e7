/**
 * Helpers for the venues' parse tests: decode a saved payload with the venue's wire schema, take a
 * parse's value (a failed parse fails the test with what was wrong), and show a decimal as text.
 */
import { Result, Schema } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"

/** Decodes `value` with `schema`, throwing on a mismatch (a fixture that no longer fits its schema). */
export const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, value: unknown): S["Type"] =>
  Schema.decodeUnknownSync(schema)(value)

/** The parse's value; a failed parse throws `parse failed: <what was wrong>`. */
export const ok = <A>(result: Result.Result<A, string>): A => {
  if (Result.isFailure(result)) throw new Error(`parse failed: ${result.failure}`)
  return result.success
}

/** A decimal as canonical text (`undefined` stays `undefined`), for equality assertions. */
export const fmt = (value: Decimal.Decimal | undefined) => (value === undefined ? undefined : Decimal.format(value))
