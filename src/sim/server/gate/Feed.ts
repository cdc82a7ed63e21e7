/**
 * Turns the engine's state and events into Gate.io Spot v4 WebSocket pushes (`gateio-wire.md`,
 * "Channels"), fanned out through the {@link GateRegistry}. Every push is
 * `{time, time_ms, channel, event: "update", result}`.
 *
 * - `spot.book_ticker`: `{t, u, s, b, B, a, A}` when the best bid or ask changed (10 ms cadence);
 * - `spot.trades`: one push per public trade, as it happens;
 * - `spot.order_book_update` (`20ms` / `100ms`): `{t, e: "depthUpdate", E, s, U, u, b, a, l}`, the
 *   levels changed since the previous push with absolute amounts, `U` = previous `u` + 1, `u` the
 *   book's update id (continuous with REST `order_book.id`); at irregular, seeded moments a
 *   `full: true` push (the top `l` levels, no `U`) replaces the book instead;
 * - `spot.obu` (`ob.<PAIR>.50` every 20 ms, `.400` every 100 ms): the first push to each subscriber
 *   is `full: true`, then increments `{t, s, U, u, b, a}`, and now and then a full push again;
 * - `spot.tickers`: every second;
 * - private `spot.orders` (`event` put / update / finish), `spot.usertrades`, `spot.balances`
 *   (`change_type` order-create / order-match / trade-fee-deduct / order-update / deposit), to the
 *   subscriptions of the account that cover the pair.
 *
 * Depth faults (gap, reorder, duplicate) apply to increments of both book channels; the stale
 * snapshot and snapshot alignment apply to REST `order_book`, as on the MEXC side.
 *
 * @since 0.1.0
 */
import * as Decimal from "../../engine/Decimal.ts"
import type { SimEngine } from "../../engine/Engine.ts"
import { Prng } from "../../engine/Random.ts"
import type { AccountEvent, DepthLevel, DepthSnapshot, PrivateOrderUpdate, PublicTrade, Unsubscribe } from "../../engine/Types.ts"
import type { FaultState } from "../Faults.ts"
import type { MarketStats } from "../MarketStats.ts"
import type { GateAccounts } from "./Accounts.ts"
import { userIdOf } from "./Rest.ts"
import { gateOrderId, gateTradeId, tradeTimeMs } from "./Wire.ts"
import type { GateRegistry, GateSession, StreamKey } from "./Ws.ts"
import { SnapshotAlignment } from "../SnapshotAlignment.ts"

/** Feed options. */
export interface GateFeedOptions {
  /** Seed of the full-push moments. */
  readonly seed: number
  /** Chance that a book push is a `full: true` snapshot instead of an increment. Default 0.01. */
  readonly fullPushChance?: number | undefined
}

/** The push windows the driver flushes. */
export type GateWindow = "10ms" | "20ms" | "100ms" | "1000ms"

interface BookState {
  readonly pair: string
  readonly channel: "spot.order_book_update" | "spot.obu"
  /** `s` of the push: the pair, or `ob.<PAIR>.<level>`. */
  readonly s: string
  readonly window: "20ms" | "100ms"
  /** Levels of a full push. */
  readonly levels: number
  lastVersion: number
  /** A push held back by the reorder fault, sent right after the next one. */
  held: string | undefined
}

/** Parses a decimal that may be negative (balance changes). */
const signed = (text: string): bigint => (text.startsWith("-") ? -Decimal.unsafeParse(text.slice(1)) : Decimal.unsafeParse(text))

const levels = (list: ReadonlyArray<DepthLevel>) => list.map(([p, q]) => [p, q])

const changeTypes: Readonly<Record<string, string>> = {
  ENTRUST_PLACE: "order-create",
  ENTRUST: "order-match",
  TRADE_FEE: "trade-fee-deduct",
  ENTRUST_CANCEL: "order-update",
  DEPOSIT: "deposit"
}

const tifOf = (orderType: PrivateOrderUpdate["orderType"]): string =>
  orderType === 2 ? "poc" : orderType === 3 || orderType === 5 ? "ioc" : orderType === 4 ? "fok" : "gtc"

/** The push side of the Gate simulator. */
export class GateFeed {
  /** Current time as the driver last saw it. */
  now = 0
  private readonly books = new Map<StreamKey, BookState>()
  private readonly tickers = new Map<StreamKey, { readonly pair: string; lastTop: string | undefined }>()
  private readonly tickers24 = new Map<StreamKey, string>()
  private readonly tradeListeners = new Map<string, Unsubscribe>()
  private readonly accountListeners = new Map<string, Unsubscribe>()
  private readonly alignment: SnapshotAlignment
  private readonly random: Prng
  private readonly fullChance: number
  private readonly engine: SimEngine
  private readonly registry: GateRegistry
  private readonly faults: FaultState
  private readonly accounts: GateAccounts
  private readonly stats: MarketStats

  constructor(
    engine: SimEngine,
    registry: GateRegistry,
    faults: FaultState,
    accounts: GateAccounts,
    stats: MarketStats,
    options: GateFeedOptions
  ) {
    this.engine = engine
    this.registry = registry
    this.faults = faults
    this.accounts = accounts
    this.stats = stats
    this.alignment = new SnapshotAlignment(engine, faults)
    this.random = new Prng(options.seed ^ 0x6a7e)
    this.fullChance = options.fullPushChance ?? 0.01
  }

  private message(channel: string, result: unknown): string {
    const now = this.now
    return JSON.stringify({ time: Math.floor(now / 1000), time_ms: now, channel, event: "update", result })
  }

  /** Prepares state for what a session just subscribed to (the ack is already queued). */
  onSubscribe(session: GateSession, channel: string, keys: ReadonlyArray<StreamKey>): void {
    for (const key of keys) {
      const parts = key.split("|")
      switch (channel) {
        case "spot.order_book_update": {
          const pair = parts[1]!
          const interval = parts[2] as "20ms" | "100ms"
          if (!this.books.has(key)) {
            this.books.set(key, {
              pair,
              channel,
              s: pair,
              window: interval,
              levels: interval === "20ms" ? 20 : 100,
              lastVersion: this.engine.depthVersion(pair) ?? 0,
              held: undefined
            })
          }
          break
        }
        case "spot.obu": {
          const stream = parts[1]!
          const [, pair, level] = stream.split(".")
          if (!this.books.has(key)) {
            this.books.set(key, {
              pair: pair!,
              channel,
              s: stream,
              window: level === "50" ? "20ms" : "100ms",
              levels: Number(level),
              lastVersion: this.engine.depthVersion(pair!) ?? 0,
              held: undefined
            })
          }
          session.pendingFull.add(key)
          break
        }
        case "spot.book_ticker": {
          // A newcomer gets the current best bid/ask in the next window (others get it again).
          const state = this.tickers.get(key)
          if (state !== undefined) state.lastTop = undefined
          else this.tickers.set(key, { pair: parts[1]!, lastTop: undefined })
          break
        }
        case "spot.trades":
          this.ensureTradeListener(parts[1]!)
          break
        case "spot.tickers":
          this.tickers24.set(key, parts[1]!)
          break
      }
    }
    for (const sub of session.privates.values()) this.ensureAccountListener(sub.apiKey)
  }

  /** Pushes every channel due in `window`, and forgets unsubscribed ones. */
  flush(window: GateWindow): void {
    const registry = this.registry
    if (window === "10ms") {
      for (const [key, state] of this.tickers) {
        if (!registry.byStream.has(key)) {
          this.tickers.delete(key)
          continue
        }
        const top = this.engine.bookTicker(state.pair)
        if (top === undefined) continue
        const text = `${top.bidPrice} ${top.bidQty} ${top.askPrice} ${top.askQty}`
        if (text === state.lastTop) continue
        state.lastTop = text
        registry.publish(key, this.message("spot.book_ticker", {
          t: this.now,
          u: top.version,
          s: state.pair,
          b: top.bidPrice === "0" ? "" : top.bidPrice,
          B: top.bidQty,
          a: top.askPrice === "0" ? "" : top.askPrice,
          A: top.askQty
        }))
      }
      return
    }
    if (window === "1000ms") {
      for (const [key, pair] of this.tickers24) {
        if (!registry.byStream.has(key)) {
          this.tickers24.delete(key)
          continue
        }
        registry.publish(key, this.message("spot.tickers", this.tickerOf(pair)))
      }
      for (const [pair, unsubscribe] of this.tradeListeners) {
        if (!registry.byStream.has(`spot.trades|${pair}`)) {
          unsubscribe()
          this.tradeListeners.delete(pair)
        }
      }
      for (const [apiKey, unsubscribe] of this.accountListeners) {
        if (!registry.byAccount.has(apiKey)) {
          unsubscribe()
          this.accountListeners.delete(apiKey)
        }
      }
      return
    }
    for (const [key, state] of this.books) {
      if (state.window !== window) continue
      if (!registry.byStream.has(key)) {
        this.books.delete(key)
        continue
      }
      this.pushBook(key, state)
    }
  }

  /** A full push of `state`'s book as it is now (its `u` is the book's update id). */
  private fullPush(state: BookState): string {
    const book = this.engine.depth(state.pair, state.levels)!
    state.lastVersion = book.lastUpdateId
    const result = state.channel === "spot.obu"
      ? { t: this.now, full: true, s: state.s, u: book.lastUpdateId, b: levels(book.bids), a: levels(book.asks) }
      : {
        t: this.now,
        full: true,
        l: String(state.levels),
        e: "depthUpdate",
        E: Math.floor(this.now / 1000),
        s: state.s,
        u: book.lastUpdateId,
        b: levels(book.bids),
        a: levels(book.asks)
      }
    return this.message(state.channel, result)
  }

  private pushBook(key: StreamKey, state: BookState): void {
    const registry = this.registry
    if (state.channel === "spot.order_book_update" && this.alignment.holds(state.pair, this.now)) return
    // spot.obu newcomers get a full push first; the others the increment (or a full push now and then).
    const existing: Array<GateSession> = []
    const newcomers: Array<GateSession> = []
    for (const session of registry.byStream.get(key)!) {
      if (session.pendingFull.delete(key)) newcomers.push(session)
      else existing.push(session)
    }
    if (existing.length > 0) {
      const frame = this.nextFrame(state)
      const send = (text: string) => {
        for (const session of existing) registry.send(session, text)
      }
      if (frame !== undefined) {
        const increment = !frame.full
        if (state.held !== undefined) {
          const held = state.held
          state.held = undefined
          send(frame.text)
          send(held)
        } else if (increment && this.faults.takeDepthReorder(state.pair)) {
          state.held = frame.text
        } else {
          send(frame.text)
          if (increment && this.faults.takeDepthDuplicate(state.pair)) send(frame.text)
        }
      }
    }
    if (newcomers.length > 0) {
      // At the book's current id, where the increments just sent end: the next one continues it.
      const full = this.fullPush(state)
      for (const session of newcomers) registry.send(session, full)
    }
  }

  /** The next push of a book stream: its changes since the last one, or a full push; none when unchanged or lost to a gap. */
  private nextFrame(state: BookState): { readonly text: string; readonly full: boolean } | undefined {
    const delta = this.engine.depthChangesSince(state.pair, state.lastVersion)
    if (delta === undefined || delta._tag === "Unchanged") return undefined
    if (delta._tag === "TooOld") {
      state.lastVersion = delta.version
      return undefined
    }
    if (this.fullChance > 0 && this.random.chance(this.fullChance)) {
      // Gate's irregular full pushes: the whole book (of `l` levels) replaces the client's.
      state.held = undefined
      return { text: this.fullPush(state), full: true }
    }
    state.lastVersion = delta.toVersion
    // The depth-gap fault: this window's changes are lost, so the next push skips ids.
    if (this.faults.takeDepthGap(state.pair)) return undefined
    const result = state.channel === "spot.obu"
      ? { t: this.now, s: state.s, U: delta.fromVersion, u: delta.toVersion, b: levels(delta.bids), a: levels(delta.asks) }
      : {
        t: this.now,
        e: "depthUpdate",
        E: Math.floor(this.now / 1000),
        s: state.s,
        U: delta.fromVersion,
        u: delta.toVersion,
        b: levels(delta.bids),
        a: levels(delta.asks),
        l: String(state.levels)
      }
    return { text: this.message(state.channel, result), full: false }
  }

  /**
   * `GET spot/order_book`: the top `limit` levels, aligned with the stream as on the MEXC side
   * (`depthSnapshotStart`), with the stale-snapshot fault applied.
   */
  depthSnapshot(pair: string, limit: number): DepthSnapshot | undefined {
    const books = [...this.books].filter(([, state]) => state.pair === pair)
    const updates = books.filter(([, state]) => state.channel === "spot.order_book_update")
    return this.alignment.snapshot(pair, limit, this.now, {
      all: books.map(([, state]) => state),
      aligned: updates.map(([, state]) => state),
      pushPending: () => {
        for (const [key, state] of updates) if (this.registry.byStream.has(key)) this.pushBook(key, state)
      }
    })
  }

  private tickerOf(pair: string) {
    const w = this.stats.window24h(pair, this.now)!
    const top = this.engine.bookTicker(pair)!
    const change = w.open === 0n ? 0n : Decimal.div((w.close - w.open) * 100n, w.open)
    return {
      currency_pair: pair,
      last: this.stats.lastPrice(pair) ?? "0",
      lowest_ask: top.askPrice,
      highest_bid: top.bidPrice,
      change_percentage: Decimal.format(change < 0n ? -Decimal.roundDown(-change, 2) : Decimal.roundDown(change, 2)),
      base_volume: Decimal.format(w.volume),
      quote_volume: Decimal.format(w.quoteVolume),
      high_24h: Decimal.format(w.high),
      low_24h: Decimal.format(w.low)
    }
  }

  /** Removes every engine listener. */
  close(): void {
    for (const unsubscribe of this.tradeListeners.values()) unsubscribe()
    for (const unsubscribe of this.accountListeners.values()) unsubscribe()
    this.tradeListeners.clear()
    this.accountListeners.clear()
    this.books.clear()
    this.tickers.clear()
    this.tickers24.clear()
    this.alignment.clear()
  }

  private ensureTradeListener(pair: string): void {
    if (this.tradeListeners.has(pair)) return
    const key = `spot.trades|${pair}`
    this.tradeListeners.set(pair, this.engine.subscribeTrades(pair, (trade: PublicTrade) => {
      const id = gateTradeId(trade.tradeId)
      this.registry.publish(key, this.message("spot.trades", {
        id,
        id_market: id,
        create_time: Math.floor(trade.time / 1000),
        create_time_ms: tradeTimeMs(trade.time, id),
        side: trade.tradeType === 1 ? "buy" : "sell",
        currency_pair: pair,
        amount: trade.quantity,
        price: trade.price,
        range: `${id}-${id}`
      }))
    }))
  }

  private ensureAccountListener(apiKey: string): void {
    if (this.accountListeners.has(apiKey)) return
    this.accountListeners.set(apiKey, this.engine.subscribeAccount(apiKey, (event) => this.pushAccountEvent(event)))
  }

  private pushAccountEvent(event: AccountEvent): void {
    const registry = this.registry
    const now = this.now
    const user = userIdOf(event.apiKey)
    switch (event._tag) {
      case "Order": {
        const u = event.order
        const sessions = registry.privateSessions(event.apiKey, "spot.orders", u.symbol)
        if (sessions.length === 0) return
        const config = this.engine.symbol(u.symbol)!
        const engineId = u.id
        const extras = this.accounts.extrasFor(engineId)
        const byQuote = u.orderType === 5 && u.tradeType === 1
        const amount = byQuote ? u.amount : u.quantity
        const filled = byQuote ? u.cumulativeAmount : u.cumulativeQuantity
        const finished = u.status === 2 || u.status === 4 || u.status === 5
        const left = u.status === 2 ? 0n : Decimal.max(0n, Decimal.unsafeParse(amount) - Decimal.unsafeParse(filled))
        const tif = tifOf(u.orderType)
        const finishAs = u.status === 2
          ? "filled"
          : !finished
          ? "open"
          : extras?.finishAs ?? (tif === "ioc" ? "ioc" : tif === "fok" ? "fok" : tif === "poc" ? "poc" : "cancelled")
        const order = {
          id: gateOrderId(engineId),
          text: u.clientId === "" ? "apiv4" : u.clientId,
          create_time: String(Math.floor(u.createTime / 1000)),
          update_time: String(Math.floor(now / 1000)),
          create_time_ms: String(u.createTime),
          update_time_ms: String(Math.max(now, u.createTime)),
          currency_pair: u.symbol,
          type: u.orderType === 5 ? "market" : "limit",
          account: "spot",
          side: u.tradeType === 1 ? "buy" : "sell",
          amount,
          price: u.orderType === 5 ? "0" : u.price,
          time_in_force: tif,
          iceberg: "0",
          left: Decimal.format(left),
          filled_amount: u.cumulativeQuantity,
          filled_total: u.cumulativeAmount,
          avg_deal_price: u.avgPrice,
          fee: Decimal.format(extras?.fee ?? 0n),
          fee_currency: extras !== undefined && extras.feeCurrency !== ""
            ? extras.feeCurrency
            : u.tradeType === 1
            ? config.baseAsset
            : config.quoteAsset,
          point_fee: "0",
          gt_fee: "0",
          rebated_fee: "0",
          rebated_fee_currency: config.quoteAsset,
          user,
          event: finished ? "finish" : u.status === 1 && u.lastDealQuantity === undefined ? "put" : "update",
          stp_id: 0,
          stp_act: "-",
          finish_as: finishAs,
          biz_info: "",
          amend_text: "-"
        }
        const text = this.message("spot.orders", [order])
        for (const session of sessions) registry.send(session, text)
        return
      }
      case "Deal": {
        const d = event.deal
        const sessions = registry.privateSessions(event.apiKey, "spot.usertrades", d.symbol)
        if (sessions.length === 0) return
        const id = gateTradeId(d.tradeId)
        const text = this.message("spot.usertrades", [{
          id,
          user_id: user,
          order_id: gateOrderId(d.orderId),
          currency_pair: d.symbol,
          create_time: Math.floor(d.time / 1000),
          create_time_ms: tradeTimeMs(d.time, id),
          side: d.tradeType === 1 ? "buy" : "sell",
          amount: d.quantity,
          role: d.isMaker ? "maker" : "taker",
          price: d.price,
          fee: d.feeAmount,
          fee_currency: d.feeCurrency,
          point_fee: "0",
          gt_fee: "0",
          text: d.clientOrderId === "" ? "apiv4" : d.clientOrderId,
          id_market: id
        }])
        for (const session of sessions) registry.send(session, text)
        return
      }
      case "Balance": {
        const b = event.balance
        const sessions = registry.privateSessions(event.apiKey, "spot.balances", undefined)
        if (sessions.length === 0) return
        const free = signed(b.balanceAmount)
        const frozen = signed(b.frozenAmount)
        const dFree = signed(b.balanceAmountChange)
        const dFrozen = signed(b.frozenAmountChange)
        const text = this.message("spot.balances", [{
          timestamp: String(Math.floor(b.time / 1000)),
          timestamp_ms: String(b.time),
          user: String(user),
          currency: b.vcoinName,
          change: Decimal.format(dFree + dFrozen),
          total: Decimal.format(free + frozen),
          available: Decimal.format(free),
          freeze: Decimal.format(frozen),
          freeze_change: Decimal.format(dFrozen),
          change_type: changeTypes[b.type] ?? "other"
        }])
        for (const session of sessions) registry.send(session, text)
        return
      }
    }
  }
}
