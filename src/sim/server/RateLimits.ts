/**
 * Server-side request quotas, MEXC-like: every endpoint has its own window, counted separately
 * for each API key (signed calls) or client IP (public calls). Past the quota the server answers
 * 429 with `Retry-After` (whole seconds until the window resets).
 *
 * Fixed windows keyed by `endpoint + identity`; time is passed in (the caller reads Effect's Clock).
 *
 * @since 0.1.0
 */

/** A quota: at most `limit` requests per `windowMs` per endpoint and identity. */
export interface Quota {
  readonly limit: number
  readonly windowMs: number
}

/** Quota settings: a default for every endpoint plus overrides (key `"POST /api/v3/order"`). */
export interface RateLimitOptions {
  /** Default 500 requests per 10 s per endpoint (MEXC's documented limit). */
  readonly default?: Quota | undefined
  /** Per-endpoint overrides, keyed `"METHOD /path"`. */
  readonly endpoints?: Readonly<Record<string, Quota>> | undefined
}

/** MEXC's documented default: 500 requests per 10 seconds per endpoint. */
export const defaultQuota: Quota = { limit: 500, windowMs: 10_000 }

/** The verdict on one request. */
export type RateDecision =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Limited"; readonly retryAfterSeconds: number }

const allowed: RateDecision = { _tag: "Allowed" }

interface Window {
  start: number
  count: number
}

/** Counts requests per endpoint and identity. */
export class RateLimits {
  private readonly windows = new Map<string, Window>()
  private readonly fallback: Quota
  private readonly endpoints: Readonly<Record<string, Quota>>
  private lastSweep = 0

  constructor(options: RateLimitOptions = {}) {
    this.fallback = options.default ?? defaultQuota
    this.endpoints = options.endpoints ?? {}
  }

  /** The quota that applies to `endpoint` (`"METHOD /path"`). */
  quota(endpoint: string): Quota {
    return this.endpoints[endpoint] ?? this.fallback
  }

  /** Counts one request of `identity` on `endpoint` at `now`, and says whether it is allowed. */
  check(endpoint: string, identity: string, now: number): RateDecision {
    const quota = this.quota(endpoint)
    this.sweep(now)
    const key = `${endpoint}|${identity}`
    let window = this.windows.get(key)
    if (window === undefined || now - window.start >= quota.windowMs) {
      window = { start: now, count: 0 }
      this.windows.set(key, window)
    }
    if (window.count >= quota.limit) {
      return { _tag: "Limited", retryAfterSeconds: Math.max(1, Math.ceil((window.start + quota.windowMs - now) / 1000)) }
    }
    window.count++
    return allowed
  }

  /** Drops expired windows now and then so that the map does not grow with every client seen. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return
    this.lastSweep = now
    for (const [key, window] of this.windows) {
      const endpoint = key.slice(0, key.indexOf("|"))
      if (now - window.start >= this.quota(endpoint).windowMs) this.windows.delete(key)
    }
  }
}
