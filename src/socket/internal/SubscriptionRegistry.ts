/**
 * The channels a connection holds on behalf of its subscribers, and what the venue has been told
 * about them on the current session. Subscribers change what is wanted (hold, release); the
 * session's control writer brings the venue in line one frame at a time (`nextFrame`), so changes
 * made while it waits for its rate budget are batched into as few frames as the protocol allows,
 * and a hold and release of the same channel in between cost no frame at all.
 *
 * The venue's answers (an ack, a refusal) count only for a channel still waiting for one: a
 * subscribe went out on this session and no answer came back yet. A stray or repeated refusal for
 * a channel the venue already acknowledged fails nothing (issue 16, item 9).
 */
import { Deferred, Effect, Latch } from "effect"
import type { ConnectionError } from "../ConnectionError.ts"
import type { SubscriptionProtocol } from "../Protocol.ts"

/** One channel. */
export interface Entry {
  readonly channel: string
  /** Scoped holders; the channel is wanted while there is one (and it is not refused). */
  holders: number
  /** A subscribe for it went out on the current session, and no unsubscribe since. */
  onWire: boolean
  /**
   * That subscribe has had no answer yet: an ack or a refusal for the channel counts only now.
   * Stays set on a venue whose protocol does not recognise acks (every refusal then counts).
   */
  awaiting: boolean
  /** Set once the venue refused it: then neither sent nor replayed until every holder left. */
  refused: ConnectionError | undefined
  /** Fails with the refusal. */
  readonly refusal: Deferred.Deferred<never, ConnectionError>
}

export class SubscriptionRegistry {
  /** In insertion order: the replay order. */
  private readonly entries = new Map<string, Entry>()
  /** Open while the venue is not in line with what is wanted (the control writer waits on it). */
  readonly changed = Latch.makeUnsafe(false)
  private readonly protocol: SubscriptionProtocol
  /** Counts holds and releases that change what is due. */
  version = 0
  /** The last control request id given out (ids are unique on the connection, across sessions). */
  private lastRequestId = 0
  /** Subscribe requests on the current session not answered yet, by id: their channels. */
  private readonly requests = new Map<number, ReadonlyArray<string>>()

  constructor(protocol: SubscriptionProtocol) {
    this.protocol = protocol
  }

  /** Adds a holder of `channel`. */
  hold(channel: string): Entry {
    let entry = this.entries.get(channel)
    if (entry === undefined) {
      entry = { channel, holders: 0, onWire: false, awaiting: false, refused: undefined, refusal: Deferred.makeUnsafe() }
      this.entries.set(channel, entry)
    }
    entry.holders++
    if (entry.holders === 1 && entry.refused === undefined && !entry.onWire) {
      this.version++
      this.changed.openUnsafe()
    }
    return entry
  }

  /** Drops a holder of `entry`. */
  release(entry: Entry): void {
    if (entry.holders === 0) return
    entry.holders--
    if (entry.holders > 0) return
    this.version++
    if (entry.onWire) this.changed.openUnsafe() // an unsubscribe is due
    else if (this.entries.get(entry.channel) === entry) this.entries.delete(entry.channel)
  }

  /** Whether `channel` waits for the venue's answer to its subscribe. */
  awaitsAnswer(channel: string): boolean {
    return this.entries.get(channel)?.awaiting === true
  }

  /**
   * The venue acknowledged `channel`. True when the channel was waiting for its answer (the ack
   * answers our subscribe); false for an ack nothing was waiting for (a repeat, a stray one, the
   * answer to an unsubscribe).
   */
  acknowledge(channel: string): boolean {
    const entry = this.entries.get(channel)
    if (entry === undefined || !entry.awaiting) return false
    entry.awaiting = false
    return true
  }

  /**
   * The venue refused `channel`. `unexpected`: nothing was waiting for an answer (acknowledged
   * already, never subscribed on this session, or refused already): ignored. `released`: it was
   * waiting, but no one holds it any more. `refused`: marked refused, and its holders' `refusal`
   * fails.
   */
  refuse(channel: string, error: ConnectionError): "refused" | "released" | "unexpected" {
    const entry = this.entries.get(channel)
    if (entry === undefined || !entry.awaiting) return "unexpected"
    entry.awaiting = false
    // The venue did not subscribe it: there is nothing to unsubscribe.
    entry.onWire = false
    if (entry.holders === 0) {
      this.entries.delete(channel)
      return "released"
    }
    entry.refused = error
    Deferred.doneUnsafe(entry.refusal, Effect.fail(error))
    return "refused"
  }

  /** A fresh id for a control frame that is not a subscribe or unsubscribe (a ping). */
  nextRequestId(): number {
    return ++this.lastRequestId
  }

  /**
   * The channels of subscribe request `id` on the current session, forgetting it (a request is
   * answered once); empty for an id this session did not send or that was answered already.
   */
  answered(id: number): ReadonlyArray<string> {
    const channels = this.requests.get(id)
    if (channels === undefined) return []
    this.requests.delete(id)
    return channels
  }

  /** A new session starts: the venue knows nothing; every wanted channel is due again. */
  resetWire(): void {
    this.requests.clear()
    for (const entry of this.entries.values()) {
      entry.onWire = false
      entry.awaiting = false
      if (entry.holders === 0) this.entries.delete(entry.channel)
    }
    if (this.hasChanges()) this.changed.openUnsafe()
  }

  /** Whether some frame is due. */
  hasChanges(): boolean {
    for (const entry of this.entries.values()) {
      if (wanted(entry) !== entry.onWire) return true
    }
    return false
  }

  /**
   * The next control frame that brings the venue in line (subscribes before unsubscribes, in
   * insertion order, up to `maxChannelsPerFrame` channels), counting it as sent; `undefined`
   * when nothing is due.
   */
  nextFrame(nowMs: number): string | Uint8Array | undefined {
    const max = Math.max(1, this.protocol.maxChannelsPerFrame)
    let subscribe: Array<Entry> | undefined
    let unsubscribe: Array<Entry> | undefined
    for (const entry of this.entries.values()) {
      const want = wanted(entry)
      if (want && !entry.onWire) {
        if ((subscribe ??= []).length < max) subscribe.push(entry)
        else break
      } else if (!want && entry.onWire && (unsubscribe ??= []).length < max) {
        unsubscribe.push(entry)
      }
    }
    if (subscribe !== undefined) {
      for (const entry of subscribe) {
        entry.onWire = true
        entry.awaiting = true
      }
      const channels = subscribe.map((e) => e.channel)
      const id = ++this.lastRequestId
      // Requests answered by channel (or whose channels went) are forgotten here: the map holds
      // only what still waits, however the venue answers.
      for (const [pending, held] of this.requests) {
        if (!held.some((c) => this.entries.get(c)?.awaiting === true)) this.requests.delete(pending)
      }
      this.requests.set(id, channels)
      return this.protocol.subscribe(channels, { id, nowMs })
    }
    if (unsubscribe !== undefined) {
      for (const entry of unsubscribe) {
        entry.onWire = false
        entry.awaiting = false
        if (entry.holders === 0) this.entries.delete(entry.channel)
      }
      return this.protocol.unsubscribe(unsubscribe.map((e) => e.channel), { id: ++this.lastRequestId, nowMs })
    }
    return undefined
  }

  /** The channels held and not refused, in subscription order. */
  held(): Array<string> {
    const out: Array<string> = []
    for (const entry of this.entries.values()) if (wanted(entry)) out.push(entry.channel)
    return out
  }
}

const wanted = (entry: Entry): boolean => entry.holders > 0 && entry.refused === undefined
