/**
 * Server-side request quotas, MEXC-like: every endpoint has its own window, counted separately
 * for each API key (signed calls) or client IP (public calls). Past the quota the server answers
 * 429 with `Retry-After` (whole seconds until the window resets). A client that ignores its 429s
 * and keeps calling before the window resets is banned by IP: 418 with a long `Retry-After`
 * (2 minutes the first time, doubling with each ban, up to 3 days, as MEXC documents), during
 * which every call from that IP answers 418.
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
  /** Calls refused with 429 an IP may still make within their windows before it is banned (418). Default 10. */
  readonly banAfterIgnored?: number | undefined
  /** The first ban's length in seconds; each further ban of the IP doubles it, up to 3 days. Default 120. */
  readonly banSeconds?: number | undefined
}

/** The longest ban: 3 days (MEXC: "2 minutes up to 3 days"). */
export const maxBanSeconds = 3 * 24 * 60 * 60

/** MEXC's documented default: 500 requests per 10 seconds per endpoint. */
export const defaultQuota: Quota = { limit: 500, windowMs: 10_000 }

/** The verdict on one request. */
export type RateDecision =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Limited"; readonly retryAfterSeconds: number }
  | { readonly _tag: "Banned"; readonly retryAfterSeconds: number }

const allowed: RateDecision = { _tag: "Allowed" }

interface Window {
  start: number
  count: number
  /** Calls refused in this window. */
  refused: number
}

interface IpRecord {
  /** Calls made after a 429 within the refused window, since the last ban. */
  ignored: number
  bans: number
  bannedUntil: number
}

/** Counts requests per endpoint and identity. */
export class RateLimits {
  private readonly windows = new Map<string, Window>()
  private readonly fallback: Quota
  private readonly endpoints: Readonly<Record<string, Quota>>
  private readonly ips = new Map<string, IpRecord>()
  private readonly banAfterIgnored: number
  private readonly banSeconds: number
  private lastSweep = 0

  constructor(options: RateLimitOptions = {}) {
    this.fallback = options.default ?? defaultQuota
    this.endpoints = options.endpoints ?? {}
    this.banAfterIgnored = options.banAfterIgnored ?? 10
    this.banSeconds = options.banSeconds ?? 120
  }

  /** The quota that applies to `endpoint` (`"METHOD /path"`). */
  quota(endpoint: string): Quota {
    return this.endpoints[endpoint] ?? this.fallback
  }

  /**
   * Counts one request of `identity` (API key or IP) from `ip` on `endpoint` at `now`, and says
   * whether it is allowed, refused (429), or refused because the IP is banned (418).
   */
  check(endpoint: string, identity: string, now: number, ip: string = identity): RateDecision {
    const quota = this.quota(endpoint)
    this.sweep(now)
    const record = this.ips.get(ip)
    if (record !== undefined && now < record.bannedUntil) {
      return { _tag: "Banned", retryAfterSeconds: Math.max(1, Math.ceil((record.bannedUntil - now) / 1000)) }
    }
    const key = `${endpoint}|${identity}`
    let window = this.windows.get(key)
    if (window === undefined || now - window.start >= quota.windowMs) {
      window = { start: now, count: 0, refused: 0 }
      this.windows.set(key, window)
    }
    if (window.count >= quota.limit) {
      // The first refusal is the 429 the client should honour; each call after it, before the
      // window resets, ignores it.
      if (window.refused++ > 0 && this.ignored(ip, now)) {
        const banned = this.ips.get(ip)!
        return { _tag: "Banned", retryAfterSeconds: Math.ceil((banned.bannedUntil - now) / 1000) }
      }
      return { _tag: "Limited", retryAfterSeconds: Math.max(1, Math.ceil((window.start + quota.windowMs - now) / 1000)) }
    }
    window.count++
    return allowed
  }

  /** Counts a call that ignored a 429; true when it gets the IP banned. */
  private ignored(ip: string, now: number): boolean {
    let record = this.ips.get(ip)
    if (record === undefined) this.ips.set(ip, record = { ignored: 0, bans: 0, bannedUntil: 0 })
    if (++record.ignored < this.banAfterIgnored) return false
    const seconds = Math.min(maxBanSeconds, this.banSeconds * 2 ** record.bans)
    record.bans++
    record.ignored = 0
    record.bannedUntil = now + seconds * 1000
    return true
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
