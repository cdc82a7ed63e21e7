/**
 * Client order ids on Gate.io travel as an order's `text`: `t-` followed by at most 28 of
 * `[0-9A-Za-z_.-]` (gateio-wire.md, "Order"). Orders placed without one come back with a reserved
 * value (`apiv4`, `web`, `3`, ...), which is nobody's client order id.
 *
 * The domain's client order id is what follows `t-`: a request's `clientOrderId: "abc"` is sent as
 * `text: "t-abc"` and comes back on every answer and push as `"abc"`.
 *
 * @since 0.1.0
 */
import { Result } from "effect"

/** Gate's prefix of a user-chosen `text`. */
export const prefix = "t-"

/** Longest client order id (the part after {@link prefix}). */
export const maxLength = 28

const allowed = /^[0-9A-Za-z_.-]+$/

/** Why `id` cannot be a Gate client order id, or `undefined` when it can. */
export const problem = (id: string): string | undefined => {
  if (id.length === 0) return "a client order id cannot be empty"
  if (id.length > maxLength) return `client order id ${JSON.stringify(id)} is longer than Gate's ${maxLength} characters`
  if (!allowed.test(id)) return `client order id ${JSON.stringify(id)} has characters Gate does not allow (only 0-9 A-Z a-z _ . -)`
  return undefined
}

/** A client order id to the `text` sent, or why it cannot be sent. */
export const toText = (id: string): Result.Result<string, string> => {
  const why = problem(id)
  return why === undefined ? Result.succeed(prefix + id) : Result.fail(why)
}

/** An order's `text` to our client order id; `undefined` for a reserved value (not set by a client). */
export const fromText = (text: string): string | undefined =>
  text.startsWith(prefix) && text.length > prefix.length ? text.slice(prefix.length) : undefined
