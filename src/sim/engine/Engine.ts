/**
 * The simulated exchange's core: symbols, accounts and balances, one order book per symbol with
 * price-time matching, MEXC's order checks and error codes, depth with versions, and the events
 * the server pushes. Pure and synchronous: no I/O, no timers, no Effect runtime. Every operation
 * takes `now` (epoch ms) from the caller, so a test drives time and a run is reproducible.
 *
 * ```ts
 * const engine = SimEngine.make()                         // BTCUSDT, ETHUSDT, HIFIUSDT; sim-key/sim-secret
 * const placed = engine.placeOrder("sim-key", { symbol: "BTCUSDT", side: "BUY", type: "LIMIT",
 *   quantity: "0.001", price: "65000" }, Date.now())       // Result<OrderView, SimRejection>
 * const book = engine.depth("BTCUSDT", 100)                // { lastUpdateId, bids, asks }
 * const delta = engine.depthChangesSince("BTCUSDT", book!.lastUpdateId)
 * const stop = engine.subscribeAccount("sim-key", (event) => push(event))
 * ```
 *
 * Listeners run synchronously, after the operation that caused their events has completed (the
 * engine's state is consistent when they run). A listener that throws does not stop the others;
 * the first error is rethrown to the operation's caller once every listener has run.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import * as Decimal from "./Decimal.ts"
import { reject, type SimRejection } from "./Errors.ts"
import { EventBus, type Listener } from "./Events.ts"
import { Account } from "./Ledger.ts"
import { availableQty, match, type MatchEnv, preTradeCheck } from "./Matching.ts"
import * as OrderRecord from "./Order.ts"
import type { Order } from "./Order.ts"
import { OrderBook } from "./OrderBook.ts"
import { compile, defaultSymbols, fundingFor, type SymbolConfig, type SymbolSpec } from "./Symbols.ts"
import type {
  AccountEvent,
  AccountInfo,
  AccountSpec,
  BalanceView,
  BookTicker,
  DepthDelta,
  DepthSnapshot,
  LevelChange,
  OrderRef,
  OrderView,
  PlaceOrderRequest,
  PublicTrade,
  Unsubscribe
} from "./Types.ts"
import { validate } from "./Validate.ts"

/** The default demo account: API key `sim-key`, secret `sim-secret`. */
export const demoAccount: AccountSpec = { apiKey: "sim-key", secret: "sim-secret" }

/** How to build an engine. Every field is optional. */
export interface SimEngineOptions {
  /** Tradable symbols. Default: BTCUSDT, ETHUSDT, HIFIUSDT (`defaultSymbols`). */
  readonly symbols?: ReadonlyArray<SymbolConfig> | undefined
  /** Accounts to create. Default: `[demoAccount]`, funded with `fundingFor(symbols)`. */
  readonly accounts?: ReadonlyArray<AccountSpec> | undefined
  /** Closed orders kept per account for queries (oldest evicted first). Default 10,000. */
  readonly closedOrderRetention?: number | undefined
  /** Open orders a client account may hold; past it a new order is refused with 30029. Default 500. */
  readonly maxOpenOrders?: number | undefined
  /** Level changes remembered per symbol for `depthChangesSince`. Default 65,536. */
  readonly depthLogCapacity?: number | undefined
}

/** Ids look like MEXC's: orders `C02__<snowflake>`, trades `<snowflake>X1`; opaque strings to clients. */
const orderIdBase = 600_000_000_000_000_000n
const tradeIdBase = 700_000_000_000_000_000n

/** The simulated exchange's engine. Build it with `SimEngine.make`. */
export class SimEngine {
  /** Builds an engine (throws on an invalid symbol config or duplicate API key). */
  static make(options: SimEngineOptions = {}): SimEngine {
    return new SimEngine(options)
  }

  private readonly specs = new Map<string, SymbolSpec>()
  private readonly books = new Map<string, OrderBook>()
  private readonly accountsByKey = new Map<string, Account>()
  private readonly funding: Readonly<Record<string, string>>
  private readonly retention: number
  private readonly maxOpenOrders: number
  private orderSeq = 0n
  private tradeSeq = 0n
  private readonly bus = new EventBus()
  private readonly env: MatchEnv

  private constructor(options: SimEngineOptions) {
    const symbols = options.symbols ?? defaultSymbols
    const capacity = options.depthLogCapacity ?? 65_536
    for (const config of symbols) {
      if (this.specs.has(config.symbol)) throw new Error(`Duplicate symbol ${config.symbol}`)
      this.specs.set(config.symbol, compile(config))
      this.books.set(config.symbol, new OrderBook(config.symbol, capacity))
    }
    this.funding = fundingFor(symbols)
    this.retention = options.closedOrderRetention ?? 10_000
    this.maxOpenOrders = options.maxOpenOrders ?? 500
    for (const spec of options.accounts ?? [demoAccount]) this.addAccount(spec)
    this.env = this.makeEnv()
  }

  // ---------------------------------------------------------------------------------------------
  // Symbols and accounts

  /** Every symbol, in configuration order. */
  symbols(): ReadonlyArray<SymbolConfig> {
    return Array.from(this.specs.values(), (spec) => spec.config)
  }

  /** One symbol's config, or `undefined` for an unknown symbol. */
  symbol(name: string): SymbolConfig | undefined {
    return this.specs.get(name)?.config
  }

  /**
   * Creates an account, funded with `spec.balances` or else the demo funding (10,000 USDT and a
   * balance of each base asset). Throws if the API key is taken.
   */
  addAccount(spec: AccountSpec): AccountInfo {
    if (this.accountsByKey.has(spec.apiKey)) throw new Error(`Duplicate API key ${spec.apiKey}`)
    const account = new Account(spec.apiKey, spec.secret, false)
    for (const [asset, amount] of Object.entries(spec.balances ?? this.funding)) {
      account.balance(asset).free = Decimal.unsafeParse(amount)
    }
    this.accountsByKey.set(spec.apiKey, account)
    return { apiKey: account.apiKey, secret: account.secret }
  }

  /**
   * Creates an internal account (the synthetic market's market maker and takers): unlimited
   * funds, no balance checks, no balance pushes, no order history, and never visible through
   * `account()`, so no client can authenticate as it. Idempotent; throws if a client account
   * already uses `id` as its API key.
   */
  addInternalAccount(id: string): void {
    const existing = this.accountsByKey.get(id)
    if (existing === undefined) this.accountsByKey.set(id, new Account(id, "", true))
    else if (!existing.internal) throw new Error(`API key ${id} is reserved for the simulator`)
  }

  /** A client account by API key (with its secret, for signature checks). */
  account(apiKey: string): AccountInfo | undefined {
    const account = this.accountsByKey.get(apiKey)
    return account === undefined || account.internal ? undefined : { apiKey: account.apiKey, secret: account.secret }
  }

  /** Every client account. */
  accounts(): ReadonlyArray<AccountInfo> {
    const out: Array<AccountInfo> = []
    for (const a of this.accountsByKey.values()) if (!a.internal) out.push({ apiKey: a.apiKey, secret: a.secret })
    return out
  }

  /** The account's non-zero balances, sorted by asset; `undefined` for an unknown account. */
  balances(apiKey: string): ReadonlyArray<BalanceView> | undefined {
    const account = this.accountsByKey.get(apiKey)
    return account === undefined || account.internal ? undefined : account.views()
  }

  /** Sets an asset's free balance (admin funding, tests); pushes a balance update. */
  setBalance(apiKey: string, asset: string, free: string, now: number): void {
    const account = this.clientAccount(apiKey)
    if (account === undefined) throw new Error(`Unknown account ${apiKey}`)
    const amount = Decimal.unsafeParse(free)
    this.bus.run(() => this.adjust(account, asset, amount - account.free(asset), 0n, "DEPOSIT", now))
  }

  // ---------------------------------------------------------------------------------------------
  // Orders

  /** Places an order (`POST /api/v3/order`), with every check MEXC makes. */
  placeOrder(apiKey: string, req: PlaceOrderRequest, now: number): Result.Result<OrderView, SimRejection> {
    return this.bus.run(() => this.place(apiKey, req, now))
  }

  /** Cancels one open order by `orderId` or `origClientOrderId` (`DELETE /api/v3/order`). */
  cancelOrder(apiKey: string, ref: OrderRef, now: number): Result.Result<OrderView, SimRejection> {
    return this.bus.run(() => {
      const found = this.find(apiKey, ref)
      if (Result.isFailure(found)) return Result.fail(found.failure)
      const order = found.success
      if (!OrderRecord.isOpen(order)) return Result.fail(reject.unknownOrder())
      this.cancel(order, now)
      return Result.succeed(OrderRecord.view(order))
    })
  }

  /** Cancels every open order of the account on one symbol (`DELETE /api/v3/openOrders`). */
  cancelOpenOrders(apiKey: string, symbol: string, now: number): Result.Result<ReadonlyArray<OrderView>, SimRejection> {
    return this.bus.run(() => {
      const account = this.accountsByKey.get(apiKey)
      if (account === undefined) return Result.fail(reject.unknownAccount())
      if (!this.specs.has(symbol)) return Result.fail(reject.invalidSymbol())
      const out: Array<OrderView> = []
      for (const order of Array.from(account.open.values())) {
        if (order.spec.name !== symbol) continue
        this.cancel(order, now)
        out.push(OrderRecord.view(order))
      }
      return Result.succeed(out)
    })
  }

  /**
   * One order, open or recently closed (`GET /api/v3/order`). An unknown order is -2013 "Order
   * does not exist." (live MEXC; cancel answers -2011).
   */
  queryOrder(apiKey: string, ref: OrderRef): Result.Result<OrderView, SimRejection> {
    const found = this.find(apiKey, ref)
    if (Result.isFailure(found) && found.failure.code === -2011) return Result.fail(reject.orderDoesNotExist())
    return Result.map(found, OrderRecord.view)
  }

  /** Open orders of the account, on one symbol or all, oldest first (`GET /api/v3/openOrders`). */
  openOrders(apiKey: string, symbol?: string): Result.Result<ReadonlyArray<OrderView>, SimRejection> {
    const account = this.accountsByKey.get(apiKey)
    if (account === undefined) return Result.fail(reject.unknownAccount())
    if (symbol !== undefined && symbol !== "" && !this.specs.has(symbol)) return Result.fail(reject.invalidSymbol())
    const out: Array<OrderView> = []
    for (const order of account.open.values()) {
      if (symbol === undefined || symbol === "" || order.spec.name === symbol) out.push(OrderRecord.view(order))
    }
    return Result.succeed(out)
  }

  /**
   * The account's orders on `symbol`, open and retained closed ones, oldest first
   * (`GET /api/v3/allOrders`).
   */
  allOrders(apiKey: string, symbol: string): Result.Result<ReadonlyArray<OrderView>, SimRejection> {
    const account = this.clientAccount(apiKey)
    if (account === undefined) return Result.fail(reject.unknownAccount())
    if (!this.specs.has(symbol)) return Result.fail(reject.invalidSymbol())
    const orders: Array<Order> = []
    for (const order of account.closed.values()) if (order.spec.name === symbol) orders.push(order)
    for (const order of account.open.values()) if (order.spec.name === symbol) orders.push(order)
    return Result.succeed(orders.sort((a, b) => a.time - b.time).map(OrderRecord.view))
  }

  /** True while the order can still fill. Cheap (no view is built). */
  isOrderOpen(apiKey: string, orderId: string): boolean {
    return this.accountsByKey.get(apiKey)?.open.has(orderId) ?? false
  }

  // ---------------------------------------------------------------------------------------------
  // Market data

  /** `GET /api/v3/depth`: up to `limit` levels per side, best first, and the book version. */
  depth(symbol: string, limit = 100): DepthSnapshot | undefined {
    return this.books.get(symbol)?.snapshot(Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 100)
  }

  /** The symbol's current book version (`lastUpdateId`). */
  depthVersion(symbol: string): number | undefined {
    return this.books.get(symbol)?.version
  }

  /**
   * Levels changed after `version`, with their current absolute quantities: one aggregated
   * depth push. Call it once per window with the previous push's `toVersion`.
   */
  depthChangesSince(symbol: string, version: number): DepthDelta | undefined {
    return this.books.get(symbol)?.changesSince(version)
  }

  /** Best bid and ask (empty sides are "0"). */
  bookTicker(symbol: string): BookTicker | undefined {
    const book = this.books.get(symbol)
    if (book === undefined) return undefined
    const bid = book.bids.best()
    const ask = book.asks.best()
    return {
      symbol,
      bidPrice: bid?.priceText ?? "0",
      bidQty: bid === undefined ? "0" : Decimal.format(bid.total),
      askPrice: ask?.priceText ?? "0",
      askQty: ask === undefined ? "0" : Decimal.format(ask.total),
      version: book.version
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Listeners (see `Events.ts` for delivery rules)

  /** Every level change of one symbol's book, with its version. */
  subscribeDepth(symbol: string, listener: Listener<LevelChange>): Unsubscribe {
    return this.bus.subscribeDepth(symbol, this.books.get(symbol), listener)
  }

  /** Every public trade on one symbol. */
  subscribeTrades(symbol: string, listener: Listener<PublicTrade>): Unsubscribe {
    return this.bus.subscribeTrades(symbol, listener)
  }

  /** Order updates, deals and balance changes of one account. */
  subscribeAccount(apiKey: string, listener: Listener<AccountEvent>): Unsubscribe {
    return this.bus.subscribeAccount(apiKey, listener)
  }

  /** Listeners currently registered (all kinds): lets tests prove unsubscribing leaks nothing. */
  listenerCount(): number {
    return this.bus.listenerCount()
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  private clientAccount(apiKey: string): Account | undefined {
    const account = this.accountsByKey.get(apiKey)
    return account?.internal === false ? account : undefined
  }

  private find(apiKey: string, ref: OrderRef): Result.Result<Order, SimRejection> {
    const account = this.accountsByKey.get(apiKey)
    if (account === undefined) return Result.fail(reject.unknownAccount())
    if (!this.specs.has(ref.symbol)) return Result.fail(reject.invalidSymbol())
    let order: Order | undefined
    if (ref.orderId !== undefined && ref.orderId !== "") order = account.order(ref.orderId)
    else if (ref.origClientOrderId !== undefined && ref.origClientOrderId !== "") {
      order = account.byClientId.get(ref.origClientOrderId)
    } else return Result.fail(reject.missingOrderRef())
    if (order === undefined || order.spec.name !== ref.symbol) return Result.fail(reject.unknownOrder())
    return Result.succeed(order)
  }

  private place(apiKey: string, req: PlaceOrderRequest, now: number): Result.Result<OrderView, SimRejection> {
    const account = this.accountsByKey.get(apiKey)
    if (account === undefined) return Result.fail(reject.unknownAccount())
    const spec = this.specs.get(req.symbol)
    if (spec === undefined) return Result.fail(reject.invalidSymbol())
    const parsed = validate(spec, req)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    const p = parsed.success
    const book = this.books.get(spec.name)!
    if (p.clientOrderId !== null) {
      const previous = account.byClientId.get(p.clientOrderId)
      if (previous !== undefined && OrderRecord.isOpen(previous)) return Result.fail(reject.duplicateClientOrderId())
    }
    if (!account.internal && account.open.size >= this.maxOpenOrders) return Result.fail(reject.tooManyOpenOrders())
    const refusal = preTradeCheck(book, account, p)
    if (refusal !== undefined) return Result.fail(refusal)
    const isMarket = p.type === "MARKET"

    const order: Order = {
      id: `C02__${orderIdBase + ++this.orderSeq}`,
      apiKey,
      spec,
      side: p.side,
      type: p.type,
      price: p.price,
      origQty: p.quantity,
      quoteOrderQty: p.quoteOrderQty,
      clientOrderId: p.clientOrderId,
      time: now,
      updateTime: now,
      status: "NEW",
      executedQty: 0n,
      cumQuote: 0n,
      remaining: 0n,
      locked: 0n,
      lastIsMaker: false,
      level: undefined,
      prev: undefined,
      next: undefined
    }
    account.open.set(order.id, order)
    if (order.clientOrderId !== null) account.byClientId.set(order.clientOrderId, order)
    this.bus.order(order, undefined)

    const limit = isMarket ? undefined : p.price
    if (p.type === "FILL_OR_KILL" && availableQty(book, p.side, limit, p.quantity) < p.quantity) {
      this.finish(order, now)
      return Result.succeed(OrderRecord.view(order))
    }
    match(this.env, book, order, limit, now)
    if (order.status === "FILLED") {
      this.retire(order)
    } else if (p.type === "LIMIT" || p.type === "LIMIT_MAKER") {
      this.rest(account, book, order, now)
    } else if (isMarket && p.quoteOrderQty > 0n && order.executedQty > 0n && this.budgetSpent(order, book)) {
      order.status = "FILLED"
      this.bus.order(order, undefined)
      this.retire(order)
    } else {
      this.finish(order, now)
    }
    return Result.succeed(OrderRecord.view(order))
  }

  /** A MARKET order by quote amount stopped because its rest cannot buy one more lot. */
  private budgetSpent(order: Order, book: OrderBook): boolean {
    const next = book.sideOf(order.side === "BUY" ? "SELL" : "BUY").best()
    if (next === undefined) return order.cumQuote === order.quoteOrderQty
    return Decimal.mul(next.price, order.spec.lot) > order.quoteOrderQty - order.cumQuote
  }

  /** Puts the unfilled rest of a limit order on the book and locks what it may spend. */
  private rest(account: Account, book: OrderBook, order: Order, now: number): void {
    order.remaining = order.origQty - order.executedQty
    if (order.side === "BUY") {
      order.locked = Decimal.mul(order.price, order.remaining)
      this.adjust(account, order.spec.config.quoteAsset, -order.locked, order.locked, "ENTRUST_PLACE", now)
    } else {
      order.locked = order.remaining
      this.adjust(account, order.spec.config.baseAsset, -order.locked, order.locked, "ENTRUST_PLACE", now)
    }
    book.add(order)
  }

  /** Cancels a resting order and unlocks what it held. */
  private cancel(order: Order, now: number): void {
    const account = this.accountsByKey.get(order.apiKey)!
    this.books.get(order.spec.name)!.remove(order)
    order.remaining = 0n
    if (order.locked > 0n) {
      const asset = order.side === "BUY" ? order.spec.config.quoteAsset : order.spec.config.baseAsset
      this.adjust(account, asset, order.locked, -order.locked, "ENTRUST_CANCEL", now)
      order.locked = 0n
    }
    this.finish(order, now)
  }

  /** Ends an order that will not fill further: CANCELED or PARTIALLY_CANCELED. */
  private finish(order: Order, now: number): void {
    order.status = order.executedQty > 0n ? "PARTIALLY_CANCELED" : "CANCELED"
    order.updateTime = now
    this.bus.order(order, undefined)
    this.retire(order)
  }

  private adjust(account: Account, asset: string, dFree: bigint, dLocked: bigint, type: string, now: number): void {
    if (account.internal || (dFree === 0n && dLocked === 0n)) return
    const balance = account.balance(asset)
    balance.free += dFree
    balance.locked += dLocked
    this.bus.balance(account, asset, balance, dFree, dLocked, type, now)
  }

  private retire(order: Order): void {
    const account = this.accountsByKey.get(order.apiKey)!
    account.retire(order, account.internal ? 0 : this.retention)
  }

  private makeEnv(): MatchEnv {
    const bus = this.bus
    return {
      account: (apiKey) => this.accountsByKey.get(apiKey)!,
      nextTradeId: () => `${tradeIdBase + ++this.tradeSeq}X1`,
      adjust: (account, asset, dFree, dLocked, type, now) => this.adjust(account, asset, dFree, dLocked, type, now),
      trade: (symbol, price, qty, takerSide, tradeId, now) => bus.trade(symbol, price, qty, takerSide, tradeId, now),
      deal: (order, price, qty, notional, isMaker, isSelfTrade, fee, feeAsset, tradeId, now) =>
        bus.deal(order, price, qty, notional, isMaker, isSelfTrade, fee, feeAsset, tradeId, now),
      orderUpdate: (order, lastDealQty) => bus.order(order, lastDealQty),
      retire: (order) => this.retire(order)
    }
  }
}
