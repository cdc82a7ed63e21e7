/**
 * Turns the engine's state and events into MEXC protobuf pushes, one encoded frame per channel
 * per window, fanned out through the {@link WsRegistry}.
 *
 * - aggregated depth: every window, the levels changed since the channel's last push
 *   (`depthChangesSince`), with `fromVersion`/`toVersion` continuous with REST
 *   `depth.lastUpdateId`; nothing is pushed for a window without changes. The first push after a
 *   REST snapshot either straddles its version or starts right after it, as on MEXC
 *   (`depthSnapshot`, `DepthSnapshotStart`);
 * - aggregated deals: the trades of the window, in order;
 * - aggregated book ticker: best bid/ask when one of them (price or quantity) changed; the 10 ms
 *   channel also republishes it unchanged every window, as live MEXC does;
 * - limit depth: the top N levels when the book version moved (100 ms cadence);
 * - private orders / deals / account: pushed as the engine reports them, to the listen key's account.
 *
 * The feed keeps state only for channels somebody is subscribed to, and engine listeners only for
 * symbols and accounts that need them; `close` removes them all.
 *
 * @since 0.1.0
 */
import type { SimEngine } from "../../engine/Engine.ts"
import type { AccountEvent, BookTicker, DepthSnapshot, PublicTrade, Unsubscribe } from "../../engine/Types.ts"
import { MexcProto } from "../../../venues/mexc/index.ts"
import type { Channel, Interval } from "./Channels.ts"
import { eventType } from "./Channels.ts"
import type { FaultState } from "../Faults.ts"
import type { Session, WsRegistry } from "./Ws.ts"
import { SnapshotAlignment } from "../SnapshotAlignment.ts"

interface DepthState {
  readonly symbol: string
  readonly interval: Interval
  readonly eventType: string
  lastVersion: number
  /** A push held back by the reorder fault, sent right after the next one. */
  held: Uint8Array | undefined
}

interface DealsState {
  readonly symbol: string
  readonly interval: Interval
  readonly eventType: string
  buffer: Array<PublicTrade>
}

interface VersionedState {
  readonly symbol: string
  readonly interval: Interval
  readonly eventType: string
  readonly levels: number
  lastVersion: number
}

interface TickerState {
  readonly symbol: string
  readonly interval: Interval
  readonly eventType: string
  /** The book version last looked at, and the best bid/ask last pushed (`undefined`: none yet). */
  lastVersion: number
  lastTop: string | undefined
  top: BookTicker | undefined
}

const ordersChannel = "spot@private.orders.v3.api.pb"
const dealsChannel = "spot@private.deals.v3.api.pb"
const accountChannel = "spot@private.account.v3.api.pb"

/** The push side of the simulator. */
export class Feed {
  /** Current time as the owner last saw it (Effect Clock); stamped as `sendTime`. */
  now = 0
  private readonly engine: SimEngine
  private readonly registry: WsRegistry
  private readonly faults: FaultState
  private readonly depth = new Map<string, DepthState>()
  private readonly deals = new Map<string, DealsState>()
  private readonly tickers = new Map<string, TickerState>()
  private readonly limits = new Map<string, VersionedState>()
  private readonly tradeListeners = new Map<string, Unsubscribe>()
  private readonly accountListeners = new Map<string, Unsubscribe>()
  private readonly alignment: SnapshotAlignment

  constructor(engine: SimEngine, registry: WsRegistry, faults: FaultState) {
    this.engine = engine
    this.registry = registry
    this.faults = faults
    this.alignment = new SnapshotAlignment(engine, faults)
  }

  /** Prepares state for channels a session just subscribed to (called synchronously on subscribe). */
  onSubscribe(session: Session, channels: ReadonlyArray<Channel>): void {
    for (const channel of channels) {
      switch (channel._tag) {
        case "AggreDepth":
          if (!this.depth.has(channel.name)) {
            this.depth.set(channel.name, {
              symbol: channel.symbol,
              interval: channel.interval,
              eventType: eventType(channel),
              lastVersion: this.engine.depthVersion(channel.symbol) ?? 0,
              held: undefined
            })
          }
          break
        case "AggreDeals":
          if (!this.deals.has(channel.name)) {
            this.deals.set(channel.name, {
              symbol: channel.symbol,
              interval: channel.interval,
              eventType: eventType(channel),
              buffer: []
            })
            this.ensureTradeListener(channel.symbol)
          }
          break
        // Snapshot channels: a newcomer gets the current state in the next window, even when
        // the channel already streams to others (they get it again; it is a snapshot).
        case "AggreBookTicker": {
          const state = this.tickers.get(channel.name)
          if (state !== undefined) {
            state.lastVersion = -1
            state.lastTop = undefined
            state.top = undefined
          } else {
            this.tickers.set(channel.name, {
              symbol: channel.symbol,
              interval: channel.interval,
              eventType: eventType(channel),
              lastVersion: -1,
              lastTop: undefined,
              top: undefined
            })
          }
          break
        }
        case "LimitDepth": {
          const state = this.limits.get(channel.name)
          if (state !== undefined) state.lastVersion = -1
          else {
            this.limits.set(channel.name, {
              symbol: channel.symbol,
              interval: "100ms",
              eventType: eventType(channel),
              levels: channel.levels,
              lastVersion: -1
            })
          }
          break
        }
        default:
          if (session.apiKey !== undefined) this.ensureAccountListener(session.apiKey)
      }
    }
  }

  /** Pushes every channel of `interval` that has something new, and forgets unsubscribed channels. */
  flush(interval: Interval): void {
    const now = this.now
    for (const [name, state] of this.depth) {
      if (state.interval !== interval) continue
      if (!this.registry.byChannel.has(name)) {
        this.depth.delete(name)
        continue
      }
      this.pushDepth(name, state)
    }
    for (const [name, state] of this.deals) {
      if (state.interval !== interval) continue
      if (!this.registry.byChannel.has(name)) {
        this.deals.delete(name)
        this.releaseTradeListener(state.symbol)
        continue
      }
      if (state.buffer.length === 0) continue
      const trades = state.buffer
      state.buffer = []
      this.registry.publish(name, MexcProto.encodePush({
        channel: name,
        symbol: state.symbol,
        sendTime: now,
        body: {
          $case: "publicAggreDeals",
          value: {
            deals: trades.map((t) => ({
              price: t.price,
              quantity: t.quantity,
              tradeType: t.tradeType,
              time: t.time,
              tradeId: t.tradeId
            })),
            eventType: state.eventType
          }
        }
      }))
    }
    for (const [name, state] of this.tickers) {
      if (state.interval !== interval) continue
      if (!this.registry.byChannel.has(name)) {
        this.tickers.delete(name)
        continue
      }
      let changed = false
      if (this.engine.depthVersion(state.symbol) !== state.lastVersion) {
        const ticker = this.engine.bookTicker(state.symbol)
        if (ticker === undefined) continue
        state.lastVersion = ticker.version
        // The book moved; the ticker changed only if its top did (a deeper change is not a ticker).
        const top = `${ticker.bidPrice} ${ticker.bidQty} ${ticker.askPrice} ${ticker.askQty}`
        if (top !== state.lastTop) {
          changed = true
          state.lastTop = top
          state.top = ticker
        }
      }
      // The 10 ms channel republishes an unchanged best bid/ask every window, as live MEXC does
      // (about 100 frames/s, most identical); the 100 ms one pushes changes only.
      const top = state.top
      if (top === undefined || !(changed || (interval === "10ms" && (top.bidQty !== "0" || top.askQty !== "0")))) continue
      this.registry.publish(name, MexcProto.encodePush({
        channel: name,
        symbol: state.symbol,
        sendTime: now,
        body: {
          $case: "publicAggreBookTicker",
          value: {
            bidPrice: top.bidPrice,
            bidQuantity: top.bidQty,
            askPrice: top.askPrice,
            askQuantity: top.askQty,
            version: String(top.version),
            lastOrderCreateTime: now
          }
        }
      }))
    }
    if (interval !== "100ms") return
    for (const [name, state] of this.limits) {
      if (!this.registry.byChannel.has(name)) {
        this.limits.delete(name)
        continue
      }
      const version = this.engine.depthVersion(state.symbol)
      if (version === undefined || version === state.lastVersion) continue
      state.lastVersion = version
      const snapshot = this.engine.depth(state.symbol, state.levels)!
      this.registry.publish(name, MexcProto.encodePush({
        channel: name,
        symbol: state.symbol,
        sendTime: now,
        body: {
          $case: "publicLimitDepths",
          value: {
            asks: snapshot.asks.map(([price, quantity]) => ({ price, quantity })),
            bids: snapshot.bids.map(([price, quantity]) => ({ price, quantity })),
            eventType: state.eventType,
            version: String(snapshot.lastUpdateId),
            lastOrderCreateTime: now
          }
        }
      }))
    }
    for (const [apiKey, unsubscribe] of this.accountListeners) {
      if (!this.registry.byAccount.has(apiKey)) {
        unsubscribe()
        this.accountListeners.delete(apiKey)
      }
    }
  }

  /**
   * `GET /api/v3/depth`: the book's top `limit` levels per side, with the live snapshot/stream
   * alignment (see `DepthSnapshotStart`) and the stale-snapshot fault applied. `undefined` for an
   * unknown symbol.
   */
  depthSnapshot(symbol: string, limit: number): DepthSnapshot | undefined {
    const streams = [...this.depth].filter(([, state]) => state.symbol === symbol)
    const states = streams.map(([, state]) => state)
    return this.alignment.snapshot(symbol, limit, this.now, {
      all: states,
      aligned: states,
      pushPending: () => {
        for (const [name, state] of streams) if (this.registry.byChannel.has(name)) this.pushDepth(name, state)
      }
    })
  }

  /**
   * Pushes one aggregated depth channel's changes since its last push, applying the depth faults:
   * a gap drops them (the next push skips versions), a reorder holds the frame back until after
   * the next one, a duplicate sends it twice.
   */
  private pushDepth(name: string, state: DepthState): void {
    if (this.alignment.holds(state.symbol, this.now)) return
    const delta = this.engine.depthChangesSince(state.symbol, state.lastVersion)
    if (delta === undefined || delta._tag === "Unchanged") return
    if (delta._tag === "TooOld") {
      state.lastVersion = delta.version
      return
    }
    state.lastVersion = delta.toVersion
    // The depth-gap fault: this window's changes are lost, so the next push skips versions.
    if (this.faults.takeDepthGap(state.symbol)) return
    const frame = MexcProto.encodePush({
      channel: name,
      symbol: state.symbol,
      sendTime: this.now,
      body: {
        $case: "publicAggreDepths",
        value: {
          asks: delta.asks.map(([price, quantity]) => ({ price, quantity })),
          bids: delta.bids.map(([price, quantity]) => ({ price, quantity })),
          eventType: state.eventType,
          fromVersion: String(delta.fromVersion),
          toVersion: String(delta.toVersion),
          lastOrderCreateTime: this.now
        }
      }
    })
    if (state.held !== undefined) {
      const held = state.held
      state.held = undefined
      this.registry.publish(name, frame)
      this.registry.publish(name, held)
      return
    }
    if (this.faults.takeDepthReorder(state.symbol)) {
      state.held = frame
      return
    }
    this.registry.publish(name, frame)
    if (this.faults.takeDepthDuplicate(state.symbol)) this.registry.publish(name, frame)
  }

  /** Removes every engine listener. */
  close(): void {
    for (const unsubscribe of this.tradeListeners.values()) unsubscribe()
    for (const unsubscribe of this.accountListeners.values()) unsubscribe()
    this.tradeListeners.clear()
    this.accountListeners.clear()
    this.depth.clear()
    this.deals.clear()
    this.tickers.clear()
    this.limits.clear()
    this.alignment.clear()
  }

  private ensureTradeListener(symbol: string): void {
    if (this.tradeListeners.has(symbol)) return
    this.tradeListeners.set(
      symbol,
      this.engine.subscribeTrades(symbol, (trade) => {
        for (const state of this.deals.values()) if (state.symbol === symbol) state.buffer.push(trade)
      })
    )
  }

  private releaseTradeListener(symbol: string): void {
    for (const state of this.deals.values()) if (state.symbol === symbol) return
    this.tradeListeners.get(symbol)?.()
    this.tradeListeners.delete(symbol)
  }

  private ensureAccountListener(apiKey: string): void {
    if (this.accountListeners.has(apiKey)) return
    this.accountListeners.set(apiKey, this.engine.subscribeAccount(apiKey, (event) => this.pushAccountEvent(event)))
  }

  private pushAccountEvent(event: AccountEvent): void {
    const registry = this.registry
    switch (event._tag) {
      case "Order": {
        if (!registry.hasPrivateSubscriber(event.apiKey, ordersChannel)) return
        const { symbol, ...order } = event.order
        registry.publishPrivate(event.apiKey, ordersChannel, MexcProto.encodePush({
          channel: ordersChannel,
          symbol,
          sendTime: this.now,
          body: { $case: "privateOrders", value: { ...order, market: symbol } }
        }))
        return
      }
      case "Deal": {
        if (!registry.hasPrivateSubscriber(event.apiKey, dealsChannel)) return
        const { symbol, ...deal } = event.deal
        registry.publishPrivate(event.apiKey, dealsChannel, MexcProto.encodePush({
          channel: dealsChannel,
          symbol,
          sendTime: this.now,
          body: { $case: "privateDeals", value: deal }
        }))
        return
      }
      case "Balance": {
        if (!registry.hasPrivateSubscriber(event.apiKey, accountChannel)) return
        registry.publishPrivate(event.apiKey, accountChannel, MexcProto.encodePush({
          channel: accountChannel,
          // Live account pushes carry the change's time in the wrapper as well.
          createTime: event.balance.time,
          sendTime: this.now,
          body: { $case: "privateAccount", value: event.balance }
        }))
        return
      }
    }
  }
}
