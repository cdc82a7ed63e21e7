/**
 * Gate.io Spot's request quotas as a {@link RateLimiter} preset, and each endpoint's cost under it.
 *
 * Facts (gateio-wire.md, "Rate limits", in force since 2024-01-22):
 * - public endpoints: 200 requests per 10 s per endpoint, per IP: key `ip:<METHOD path>`;
 * - private endpoints (accounts, trades, order queries): 200 per 10 s per endpoint, per account:
 *   key `uid:<METHOD path>`;
 * - order placement (and amend): 10 per second per account **and market**: key `orders:<pair>`,
 *   held to 9: requests reach Gate a jittery moment after the limiter lets them go, so 10 sent in
 *   one second can land 11 in Gate's; a re-quoting strategy runs into exactly that;
 * - cancels (single and batch together): 200 per second per account: key `cancels`.
 * Endpoints are named by their template (`DELETE /spot/orders/{order_id}`), never by an id, since
 * Gate counts per endpoint. Over a quota Gate answers 429 `TOO_MANY_REQUESTS`; the REST client then
 * pauses the request's keys for every caller (for `Retry-After`, or the key's window when absent).
 *
 * Signed requests (orders, cancels, order and account queries) wait with priority: they are never
 * queued behind a burst of market-data snapshots, which matters most at shutdown when open orders
 * must go.
 *
 * One limiter per venue, shared by the public and the private side.
 *
 * @since 0.1.0
 */
import type { Layer } from "effect"
import * as RateLimiter from "../../ratelimit/RateLimiter.ts"

/** The Gate quotas by name. */
export const quotas: Readonly<Record<string, RateLimiter.Quota>> = {
  ip: { limit: 200, window: "10 seconds" },
  uid: { limit: 200, window: "10 seconds" },
  orders: { limit: 9, window: "1 second" },
  cancels: { limit: 200, window: "1 second" }
}

/** Limiter options for Gate (component `ratelimit:gate`). */
export const options: RateLimiter.Options = { name: "ratelimit:gate", quotas }

/** The Gate rate limiter: one per venue, shared by the public and private sides. */
export const layer: Layer.Layer<RateLimiter.RateLimiter> = RateLimiter.layer(options)

/** {@link layer} as the component `ratelimit:<name>` (one venue instance among several). */
export const layerNamed = (name: string): Layer.Layer<RateLimiter.RateLimiter> =>
  RateLimiter.layer({ ...options, name: `ratelimit:${name}` })

/** What a request is, for its cost. */
export type Kind =
  /** Public market data (unsigned). */
  | { readonly _tag: "public" }
  /** A signed query or account call. */
  | { readonly _tag: "private" }
  /** A new order on `pair`. */
  | { readonly _tag: "order"; readonly pair: string }
  /** A cancel (one order, or all of a pair). */
  | { readonly _tag: "cancel" }

/**
 * The cost of one request to `endpoint` (`"<METHOD> <path template>"`). Placements and cancels count
 * against their own quotas only (Gate's table gives them their own rates, not the per-endpoint one).
 */
export const cost = (endpoint: string, kind: Kind): ReadonlyArray<RateLimiter.TakeOptions> => {
  switch (kind._tag) {
    case "public":
      return [{ keys: [`ip:${endpoint}`] }]
    case "private":
      return [{ keys: [`uid:${endpoint}`], priority: true }]
    case "order":
      return [{ keys: [`orders:${kind.pair}`], priority: true }]
    case "cancel":
      return [{ keys: ["cancels"], priority: true }]
  }
}
