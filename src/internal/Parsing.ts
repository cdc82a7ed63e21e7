/**
 * The frame every venue's pure parse (`venues/<venue>/Parse.ts`) is written in: a parse returns a
 * {@link ParseResult}, the value or what was wrong, and reads linearly by throwing {@link Invalid}
 * at the first bad field inside {@link attempt}, which turns it into the `Failure`. Any other
 * throw is a bug and is not caught.
 *
 * @since 0.1.0
 */
import { Result } from "effect"

/** A parse result: the value, or what was wrong. */
export type ParseResult<A> = Result.Result<A, string>

/** What was wrong, thrown inside {@link attempt} (not an `Error`: it never escapes `attempt`). */
export class Invalid {
  readonly detail: string
  constructor(detail: string) {
    this.detail = detail
  }
}

/** Runs `f`; an {@link Invalid} thrown inside becomes a `Failure`. Keeps the parsers linear. */
export const attempt = <A>(f: () => A): ParseResult<A> => {
  try {
    return Result.succeed(f())
  } catch (error) {
    if (error instanceof Invalid) return Result.fail(error.detail)
    throw error
  }
}

/** Throws the reason a neutral check (`exchange/Validate`) gives, if any. */
export const check = (reason: string | undefined): void => {
  if (reason !== undefined) throw new Invalid(reason)
}

/**
 * Parses every item of `list` with `parse`; the first bad one fails the whole, its failure
 * prefixed with `name(item)` (`order 123: price is missing`).
 */
export const all = <I, A>(
  list: ReadonlyArray<I>,
  parse: (item: I) => ParseResult<A>,
  name: (item: I) => string
): ParseResult<Array<A>> => {
  const out: Array<A> = []
  for (const item of list) {
    const parsed = parse(item)
    if (Result.isFailure(parsed)) return Result.fail(`${name(item)}: ${parsed.failure}`)
    out.push(parsed.success)
  }
  return Result.succeed(out)
}
