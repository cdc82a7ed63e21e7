/**
 * listenKey lifecycle, as MEXC runs it: `POST userDataStream` creates a key valid for 60 minutes,
 * `PUT` extends it by another 60, `DELETE` removes it, and a key not kept alive expires. At most
 * 60 keys per account. Time is passed in (the caller reads Effect's Clock).
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"

/** How long a key lives without keep-alive: 60 minutes. */
export const defaultValidityMs = 60 * 60 * 1000

/** MEXC's limit of keys per account. */
export const maxKeysPerAccount = 60

interface Entry {
  readonly apiKey: string
  expiresAt: number
}

/** Listen keys of every account. */
export class ListenKeys {
  private readonly keys = new Map<string, Entry>()
  private readonly validityMs: number

  constructor(validityMs: number = defaultValidityMs) {
    this.validityMs = validityMs
  }

  /** Creates a key for the account `apiKey`, or `undefined` if it already holds the maximum. */
  create(apiKey: string, now: number): string | undefined {
    let count = 0
    for (const entry of this.keys.values()) if (entry.apiKey === apiKey && entry.expiresAt > now) count++
    if (count >= maxKeysPerAccount) return undefined
    const listenKey = randomBytes(32).toString("hex")
    this.keys.set(listenKey, { apiKey, expiresAt: now + this.validityMs })
    return listenKey
  }

  /** Extends a live key of `apiKey` by the validity period; false if it is unknown or expired. */
  keepAlive(listenKey: string, apiKey: string, now: number): boolean {
    const entry = this.live(listenKey, now)
    if (entry === undefined || entry.apiKey !== apiKey) return false
    entry.expiresAt = now + this.validityMs
    return true
  }

  /** Deletes a key of `apiKey`; false if it is unknown. */
  delete(listenKey: string, apiKey: string, now: number): boolean {
    const entry = this.live(listenKey, now)
    if (entry === undefined || entry.apiKey !== apiKey) return false
    this.keys.delete(listenKey)
    return true
  }

  /** The live keys of an account (`GET userDataStream`), oldest first. */
  keysOf(apiKey: string, now: number): Array<string> {
    const out: Array<string> = []
    for (const [key, entry] of this.keys) if (entry.apiKey === apiKey && entry.expiresAt > now) out.push(key)
    return out
  }

  /** The account a live key belongs to, or `undefined`. */
  owner(listenKey: string, now: number): string | undefined {
    return this.live(listenKey, now)?.apiKey
  }

  /**
   * Removes expired keys; returns them. The only place an expired key is removed (lookups just
   * ignore it), so every expired key is returned exactly once and its connections can be told.
   */
  expire(now: number): Array<string> {
    const expired: Array<string> = []
    for (const [key, entry] of this.keys) {
      if (entry.expiresAt <= now) {
        this.keys.delete(key)
        expired.push(key)
      }
    }
    return expired
  }

  /** Expires one key now (the `invalidateListenKey` fault); false if it was not live. */
  expireOne(listenKey: string, now: number): boolean {
    if (this.live(listenKey, now) === undefined) return false
    this.keys.delete(listenKey)
    return true
  }

  /** Expires every key now (the `expireListenKeys` fault); returns them. */
  expireAll(): Array<string> {
    const all = [...this.keys.keys()]
    this.keys.clear()
    return all
  }

  private live(listenKey: string, now: number): Entry | undefined {
    const entry = this.keys.get(listenKey)
    return entry === undefined || entry.expiresAt <= now ? undefined : entry
  }
}
