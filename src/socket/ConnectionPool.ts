/**
 * Channels spread over as many connections as a venue's limit per connection requires (the
 * venue's port says how many). A connection is opened when the first channel needs one and
 * closed when its last channel leaves; each is its own {@link Connection} (and so its own
 * lifecycle component, `connection:<name>-<n>`), reconnecting and replaying on its own.
 *
 * Built only on `Connection`'s public API: a channel is held with `connection.subscribe` in the
 * caller's scope, so the connection's reference counting, batching, outbound rate and refusal
 * handling apply unchanged.
 *
 * ```ts
 * const pool = yield* ConnectionPool.make({
 *   name: "public",
 *   maxChannelsPerConnection: 30,
 *   connection: { url, protocol, sink: queue.offerAll }
 * })
 * const subscription = yield* pool.subscribe(channel) // scoped; the connection is subscription.connection
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Exit, Scope, Semaphore } from "effect"
import type * as Socket from "effect/socket/Socket"
import * as Connection from "./Connection.ts"
import type { ConnectionError } from "./ConnectionError.ts"

export interface ConnectionPoolOptions {
  /** Connections are named `<name>-1`, `<name>-2`, ... (lowest free number first). */
  readonly name: string
  /** Channels one connection may hold (the venue's limit). */
  readonly maxChannelsPerConnection: number
  /** Settings of every connection, but its name. */
  readonly connection: Omit<Connection.ConnectionOptions, "name">
  /**
   * Runs in each new connection's scope right after it is made (e.g. watch its states); what it
   * forks lives exactly as long as the connection.
   */
  readonly onConnection?: ((connection: Connection.ConnectionShape) => Effect.Effect<void, never, Scope.Scope>) | undefined
}

/** A channel held through the pool. */
export interface PooledSubscription extends Connection.Subscription {
  /** The connection that carries the channel. */
  readonly connection: Connection.ConnectionShape
}

export interface ConnectionPoolStats {
  /** Connections open now (made and not yet closed). */
  readonly connections: number
  /** Connections ever opened. */
  readonly opened: number
  /** Distinct channels held now. */
  readonly channels: number
}

export interface ConnectionPool {
  /**
   * Holds `channel` for as long as the caller's scope is open, on the connection that already
   * carries it, else on the first one with room, else on a new connection. Fails only when that
   * connection is shut down.
   */
  readonly subscribe: (channel: string) => Effect.Effect<PooledSubscription, ConnectionError, Scope.Scope>
  /** The open connections, in number order. */
  readonly connections: Effect.Effect<ReadonlyArray<Connection.ConnectionShape>>
  readonly stats: Effect.Effect<ConnectionPoolStats>
}

interface Slot {
  readonly number: number
  readonly scope: Scope.Closeable
  readonly connection: Connection.ConnectionShape
  /** Holders per channel. */
  readonly channels: Map<string, number>
}

/** Makes a pool owned by the caller's scope; closing it closes every connection. */
export const make = (
  options: ConnectionPoolOptions
): Effect.Effect<ConnectionPool, never, Scope.Scope | Socket.WebSocketConstructor> =>
  Effect.gen(function*() {
    const poolScope = yield* Effect.scope
    const services = yield* Effect.context<Socket.WebSocketConstructor>()
    const max = Math.max(1, Math.floor(options.maxChannelsPerConnection))
    /** Open slots by number. */
    const slots = new Map<number, Slot>()
    /** Which slot carries each held channel. */
    const byChannel = new Map<string, Slot>()
    /** Serialises slot choice, opening and closing. */
    const lock = Semaphore.makeUnsafe(1)
    let opened = 0

    const open = Effect.gen(function*() {
      let number = 1
      while (slots.has(number)) number++
      const scope = yield* Scope.fork(poolScope, "sequential")
      const connection = yield* Connection.make({ ...options.connection, name: `${options.name}-${number}` }).pipe(
        Scope.provide(scope),
        Effect.provideContext(services)
      )
      if (options.onConnection !== undefined) yield* options.onConnection(connection).pipe(Scope.provide(scope))
      const slot: Slot = { number, scope, connection, channels: new Map() }
      slots.set(number, slot)
      opened++
      return slot
    })

    /** Takes a holder for `channel` on a slot, opening one if needed. */
    const acquire = (channel: string) =>
      lock.withPermits(1)(Effect.suspend(() => {
        const held = byChannel.get(channel)
        if (held !== undefined) {
          held.channels.set(channel, held.channels.get(channel)! + 1)
          return Effect.succeed(held)
        }
        let free: Slot | undefined
        for (const slot of [...slots.values()].sort((a, b) => a.number - b.number)) {
          if (slot.channels.size < max) {
            free = slot
            break
          }
        }
        return Effect.map(free !== undefined ? Effect.succeed(free) : open, (slot) => {
          slot.channels.set(channel, 1)
          byChannel.set(channel, slot)
          return slot
        })
      }))

    /**
     * Drops a holder; closes the slot's connection when its last channel left. The slot leaves
     * the pool under the lock, its connection closes outside it (a close handshake can take up
     * to the connection's `closeTimeout`; other channels need not wait for it).
     */
    const release = (slot: Slot, channel: string) =>
      lock.withPermits(1)(Effect.sync(() => {
        const count = slot.channels.get(channel) ?? 0
        if (count > 1) {
          slot.channels.set(channel, count - 1)
          return false
        }
        slot.channels.delete(channel)
        if (byChannel.get(channel) === slot) byChannel.delete(channel)
        if (slot.channels.size > 0 || slots.get(slot.number) !== slot) return false
        slots.delete(slot.number)
        return true
      })).pipe(Effect.flatMap((last) => last ? Scope.close(slot.scope, Exit.void) : Effect.void))

    const subscribe = (channel: string): Effect.Effect<PooledSubscription, ConnectionError, Scope.Scope> =>
      Effect.gen(function*() {
        // Added first, so it runs last on release: the connection's own unsubscribe goes out
        // before the connection may close.
        const slot = yield* Effect.acquireRelease(acquire(channel), (slot) => release(slot, channel))
        const subscription = yield* slot.connection.subscribe(channel)
        return { channel, refused: subscription.refused, connection: slot.connection }
      })

    return {
      subscribe,
      connections: Effect.sync(() => [...slots.values()].sort((a, b) => a.number - b.number).map((s) => s.connection)),
      stats: Effect.sync(() => ({ connections: slots.size, opened, channels: byChannel.size }))
    } satisfies ConnectionPool
  })
