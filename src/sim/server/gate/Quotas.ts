/**
 * Gate.io's request quotas (`gateio-wire.md`, "Rate limits", effective 2024-01-22), fixed windows
 * with the time passed in:
 * - `placement`: spot order placement, 10 per second per account and currency pair;
 * - `cancel`: spot cancels (single, batch, all), 200 per second per account;
 * - `private`: other signed endpoints, 200 per 10 s per endpoint and account;
 * - `public`: 200 per 10 s per endpoint and client IP.
 *
 * Every answer carries `X-Gate-RateLimit-Requests-Remain`, `X-Gate-RateLimit-Limit` and
 * `X-Gate-RateLimit-Reset-Timestamp` (epoch ms: when the window resets once it is exhausted,
 * otherwise the current time); past the quota the call answers 429 `TOO_MANY_REQUESTS`.
 *
 * @since 0.1.0
 */

/** At most `limit` requests per `windowMs`. */
export interface GateQuota {
  readonly limit: number
  readonly windowMs: number
}

/** Which quota a route counts against. */
export type QuotaClass = "public" | "private" | "placement" | "cancel"

/** Quota settings; each defaults to Gate's. */
export interface GateRateLimitOptions {
  readonly public?: GateQuota | undefined
  readonly private?: GateQuota | undefined
  readonly placement?: GateQuota | undefined
  readonly cancel?: GateQuota | undefined
}

/** Gate's published quotas. */
export const gateQuotas: Readonly<Record<QuotaClass, GateQuota>> = {
  public: { limit: 200, windowMs: 10_000 },
  private: { limit: 200, windowMs: 10_000 },
  placement: { limit: 10, windowMs: 1_000 },
  cancel: { limit: 200, windowMs: 1_000 }
}

/** The outcome of one count. */
export interface QuotaDecision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Epoch ms: the window's end when exhausted, else `now`. */
  readonly resetAt: number
}

/** The rate-limit headers of a decision. */
export const quotaHeaders = (decision: QuotaDecision): Record<string, string> => ({
  "x-gate-ratelimit-requests-remain": String(decision.remaining),
  "x-gate-ratelimit-limit": String(decision.limit),
  "x-gate-ratelimit-reset-timestamp": String(decision.resetAt)
})

interface Window {
  start: number
  count: number
}

/** Counters per quota class and identity. */
export class GateQuotas {
  private readonly quotas: Readonly<Record<QuotaClass, GateQuota>>
  private readonly windows = new Map<string, Window>()

  constructor(options: GateRateLimitOptions = {}) {
    this.quotas = {
      public: options.public ?? gateQuotas.public,
      private: options.private ?? gateQuotas.private,
      placement: options.placement ?? gateQuotas.placement,
      cancel: options.cancel ?? gateQuotas.cancel
    }
  }

  /** Counts one request of `kind` for `key` (endpoint + identity, or account + pair) at `now`. */
  take(kind: QuotaClass, key: string, now: number): QuotaDecision {
    const quota = this.quotas[kind]
    const id = `${kind} ${key}`
    let window = this.windows.get(id)
    if (window === undefined || now - window.start >= quota.windowMs) {
      if (this.windows.size > 10_000) this.sweep(now)
      window = { start: now, count: 0 }
      this.windows.set(id, window)
    }
    const allowed = window.count < quota.limit
    if (allowed) window.count++
    const remaining = quota.limit - window.count
    return { allowed, limit: quota.limit, remaining, resetAt: remaining === 0 ? window.start + quota.windowMs : now }
  }

  /** Forgets windows that ended (bounded memory under many identities). */
  private sweep(now: number): void {
    for (const [id, window] of this.windows) {
      const kind = id.slice(0, id.indexOf(" ")) as QuotaClass
      if (now - window.start >= this.quotas[kind].windowMs) this.windows.delete(id)
    }
  }
}
