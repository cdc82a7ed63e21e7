/**
 * MEXC's request quotas, as a {@link RateLimiter} preset, and each endpoint's cost under it.
 *
 * Facts (mexc-wire.md, "Errors and limits"): 500 requests per 10 s per endpoint, counted per IP
 * and per UID independently; MEXC support has also quoted about 20 requests/s overall and about
 * 12 orders/s. Ignoring 429s leads to an IP ban (418) of 2 minutes up to 3 days, so the preset
 * stays under every figure rather than probing them:
 * - `ip:<METHOD path>` 500 per 10 s: every request, per endpoint (this process is one IP);
 * - `uid:<METHOD path>` 500 per 10 s: signed requests, per endpoint (one account per limiter);
 * - `overall` 20 per s: every request;
 * - `marketData` 14 per s: unsigned requests (snapshots, instruments, trades), so that market data
 *   never takes all of `overall`: at least 6 per s stay for orders, cancels and account queries;
 * - `orders` 12 per s: `POST order`.
 * The per-endpoint keys are charged the endpoint's documented weight (1 to 10), which can only
 * keep us further below 500; `overall` and `orders` count requests.
 *
 * MEXC's real limits may be lower than these (per account, per IP shared with other programs):
 * after a 429 the limiter shrinks the quota the venue's limit binds to what MEXC accepted and
 * recovers it slowly (`RateLimiter`, "Adaptive"), so a refused burst is never sent again.
 *
 * One limiter per venue, shared by the public and the private side: build it once with
 * {@link layer} and provide it to both.
 *
 * @since 0.1.0
 */
import type { Layer } from "effect"
import * as RateLimiter from "../../ratelimit/RateLimiter.ts"

/** The MEXC quotas by name. */
export const quotas: Readonly<Record<string, RateLimiter.Quota>> = {
  ip: { limit: 500, window: "10 seconds" },
  uid: { limit: 500, window: "10 seconds" },
  overall: { limit: 20, window: "1 second" },
  marketData: { limit: 14, window: "1 second" },
  orders: { limit: 12, window: "1 second" }
}

/** Limiter options for MEXC (component `ratelimit:mexc`). */
export const options: RateLimiter.Options = { name: "ratelimit:mexc", quotas }

/** The MEXC rate limiter: one per venue, shared by the public and private sides. */
export const layer: Layer.Layer<RateLimiter.RateLimiter> = RateLimiter.layer(options)

/** {@link layer} as the component `ratelimit:<name>` (one venue instance among several). */
export const layerNamed = (name: string): Layer.Layer<RateLimiter.RateLimiter> =>
  RateLimiter.layer({ ...options, name: `ratelimit:${name}` })

/**
 * The cost of one request: `weight` on its endpoint's `ip:` key (and `uid:` key when signed),
 * 1 on `overall`, 1 on `marketData` when unsigned, and 1 on `orders` for a new order. Signed
 * requests (orders, cancels, order and account queries, listen keys) are never queued behind
 * market data: they wait with priority, and market data cannot fill `overall` (a strategy
 * following 30 books asks for 30 snapshots at start, a second and a half of `overall` at 20/s).
 * That matters most at shutdown, when open orders must go.
 */
export const cost = (
  endpoint: string,
  weight: number,
  signed: boolean,
  isOrder = false
): ReadonlyArray<RateLimiter.TakeOptions> => {
  const perEndpoint: RateLimiter.TakeOptions = {
    keys: signed ? [`ip:${endpoint}`, `uid:${endpoint}`] : [`ip:${endpoint}`],
    weight,
    priority: signed
  }
  const overall: RateLimiter.TakeOptions = {
    keys: isOrder ? ["overall", "orders"] : signed ? ["overall"] : ["overall", "marketData"],
    weight: 1,
    priority: signed
  }
  return [perEndpoint, overall]
}
