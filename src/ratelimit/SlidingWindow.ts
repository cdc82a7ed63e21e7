/**
 * A sliding-window log: at most `limit` weight within any `windowMs` span. This is the one
 * algorithm that guarantees an exchange counting in its own windows never sees more than the limit
 * (a fixed window allows up to twice the limit across a window boundary, a token bucket up to a
 * burst plus the refill). Effect's `RateLimiter` lacks it; it lives here, in memory, synchronous.
 *
 * @since 0.1.0
 */

/** The log of one key: grants (time, weight) still inside the window, oldest first. */
export class SlidingWindow {
  /** The weight allowed per window now: the quota's, or less while it adapts to a venue's 429. */
  limit: number
  readonly windowMs: number
  private times: Array<number> = []
  private weights: Array<number> = []
  private head = 0
  private used = 0

  constructor(limit: number, windowMs: number) {
    this.limit = limit
    this.windowMs = windowMs
  }

  /** Weight granted within the window ending at `now`. */
  usedAt(now: number): number {
    this.prune(now)
    return this.used
  }

  /** 0 if `weight` fits at `now`; otherwise how many ms until enough of the log has expired. */
  waitFor(weight: number, now: number): number {
    this.prune(now)
    const excess = this.used + weight - this.limit
    if (excess <= 0) return 0
    let freed = 0
    for (let i = this.head; i < this.times.length; i++) {
      freed += this.weights[i]!
      if (freed >= excess) return Math.max(1, this.times[i]! + this.windowMs - now)
    }
    // Only reachable when weight > limit, which callers reject up front.
    return this.windowMs
  }

  /** Records a grant of `weight` at `now` (the caller checked {@link waitFor} first). */
  add(weight: number, now: number): void {
    this.used += weight
    // Grants in the same millisecond share one entry: the log never holds more than one entry
    // per millisecond of the window, however busy the key is.
    const last = this.times.length - 1
    if (last >= this.head && this.times[last] === now) {
      this.weights[last]! += weight
      return
    }
    this.times.push(now)
    this.weights.push(weight)
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs
    const times = this.times
    let head = this.head
    while (head < times.length && times[head]! <= cutoff) {
      this.used -= this.weights[head]!
      head++
    }
    if (head > 256 && head * 2 > times.length) {
      this.times = times.slice(head)
      this.weights = this.weights.slice(head)
      head = 0
    }
    this.head = head
  }
}
