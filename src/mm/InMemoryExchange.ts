/**
 * An in-memory venue behind the `PublicExchange` and `PrivateExchange` services, for tests of
 * strategies: no network, no clock, and a test holds the controls. The test sets each symbol's
 * best bid and ask, sees each order as it is placed, and decides when an order fills (partly or
 * wholly), when the venue cancels one, and what happens just before a cancel is processed (a fill
 * racing the cancel). Post-only orders that would cross the current quote are rejected as a venue
 * does (`FilterRejected`, filter `postOnly`).
 *
 * ```ts
 * const test = Effect.gen(function*() {
 *   const venue = yield* InMemoryExchange.InMemoryExchange
 *   yield* venue.setQuote("HIFIUSDT", "0.6", "0.6001")
 *   const order = yield* venue.nextPlaced          // what the strategy placed
 *   yield* venue.fill(order.clientOrderId)         // fill all of it
 * }).pipe(Effect.provide(InMemoryExchange.layer({ instruments: [hifi] })))
 * ```
 *
 * For takers (a strategy sending IOC legs) a test sets a book several levels deep
 * ({@link InMemoryExchangeShape.setBook}): an `IOC` or `FOK` limit order trades at once against it
 * as a taker (fee at the instrument's taker rate, in the asset received), takes the levels it
 * crosses and ends `FILLED`, `PARTIALLY_CANCELED` or `CANCELED`. Faults are injected per
 * placement ({@link PlaceFault}): a refusal (429, insufficient balance, a venue rule), or an answer
 * lost after the venue acted, optionally with the order invisible to the next few queries. With
 * `enforceBalances`, an order the free balance cannot cover is refused as a venue does; the
 * balances REST answers can be frozen while trading goes on (a venue slow to update them).
 *
 * What it does not model: balance locking by open orders, rate limits, reconnects. Stream
 * semantics match the services' contracts: quotes replay the latest value; order updates and
 * fills carry what happens after a subscriber starts.
 *
 * @since 0.1.0
 */
import { BigDecimal, Context, Effect, Layer, PubSub, Queue, Stream } from "effect"
import * as Decimal from "../exchange/Decimal.ts"
import * as ExchangeError from "../exchange/ExchangeError.ts"
import {
  Balance,
  type BookView,
  BookLevel,
  Fill,
  type Instrument,
  Order,
  type OrderRef,
  type OrderRequest,
  OrderUpdate,
  Quote,
  Trade
} from "../exchange/Model.ts"
import { PrivateExchange } from "../exchange/PrivateExchange.ts"
import { PublicExchange } from "../exchange/PublicExchange.ts"

export interface InMemoryExchangeOptions {
  /** Venue name the services report. Default `memory`. */
  readonly venue?: string | undefined
  readonly instruments: ReadonlyArray<Instrument>
  /** Starting free balances, asset -> amount. */
  readonly balances?: Readonly<Record<string, string>> | undefined
  /**
   * Refuse an order the free balance cannot cover (`InsufficientBalance`): a buy needs price x
   * quantity of the quote asset, a sell the quantity of the base asset. Default false.
   */
  readonly enforceBalances?: boolean | undefined
}

/**
 * What one placement suffers (see {@link InMemoryExchangeShape.placeFault}):
 * - `Fail`: the venue refuses it with `reason` and does nothing (a 429, a rule, a balance);
 * - `LoseAnswer`: the venue acts on it (an IOC trades), then the answer is lost: the call fails
 *   with `Unavailable`; the next `hiddenQueries` queries of the order answer `UnknownOrder`
 *   ("not yet visible"), later ones find it.
 */
export type PlaceFault =
  | { readonly _tag: "Fail"; readonly reason: ExchangeError.ExchangeErrorReason }
  | { readonly _tag: "LoseAnswer"; readonly hiddenQueries?: number | undefined }

/** One level of a book set by a test: price and quantity as decimal strings. */
export type LevelText = readonly [price: string, quantity: string]

/** Identifies an order to the controls: its client order id, or `{ orderId }`. */
export type ControlRef = string | { readonly orderId: string }

/** The test's handle on the venue. */
export interface InMemoryExchangeShape {
  /** Sets a symbol's best bid and ask (decimal strings) and publishes the quote. */
  readonly setQuote: (symbol: string, bid: string, ask: string) => Effect.Effect<void>
  /** The next order placed (waits for it), in placement order. */
  readonly nextPlaced: Effect.Effect<Order>
  /**
   * Fills `quantity` (default: all that is left) of an open order at its price, as a maker:
   * publishes the order update and the fill (fee at the instrument's maker rate, charged in the
   * asset received). Dies when the order is not open: a test that does that has a bug.
   */
  readonly fill: (ref: ControlRef, quantity?: string) => Effect.Effect<Order>
  /** Ends an open order as the venue would on its own (`CANCELED` or `REJECTED`). */
  readonly venueCancel: (ref: ControlRef, status?: "CANCELED" | "REJECTED") => Effect.Effect<Order>
  /**
   * Runs `hook` with the order just before each cancel request is processed (once per request),
   * e.g. `venue.fill(order.clientOrderId)` for a fill that races the cancel. `undefined` removes it.
   */
  readonly beforeCancel: (hook: ((order: Order) => Effect.Effect<void>) | undefined) => Effect.Effect<void>
  /**
   * Runs `hook` with the request just before each placement is processed, e.g. to move the
   * quote so that a post-only order would cross. `undefined` removes it.
   */
  readonly beforePlace: (hook: ((request: OrderRequest) => Effect.Effect<void>) | undefined) => Effect.Effect<void>
  /**
   * Sets a symbol's book, levels best first (decimal strings), and publishes it. IOC/FOK orders
   * trade against it and take what they fill.
   */
  readonly setBook: (symbol: string, book: { readonly bids: ReadonlyArray<LevelText>; readonly asks: ReadonlyArray<LevelText> }) => Effect.Effect<void>
  /**
   * Decides, for each placement before it is processed, the fault it suffers (`undefined`: none).
   * `undefined` removes the hook.
   */
  readonly placeFault: (hook: ((request: OrderRequest) => PlaceFault | undefined) | undefined) => Effect.Effect<void>
  /**
   * While frozen, `balance`/`balances` answer what they did at the moment of freezing, however
   * the account trades (a venue whose balance answers lag its fills).
   */
  readonly freezeBalances: (frozen: boolean) => Effect.Effect<void>
  /** Current free balance of an asset (the truth, never frozen). */
  readonly freeBalance: (asset: string) => Effect.Effect<Decimal.Decimal>
  /** Every order ever placed, in placement order, as it is now. */
  readonly orders: Effect.Effect<ReadonlyArray<Order>>
  /** Orders open now. */
  readonly openOrders: Effect.Effect<ReadonlyArray<Order>>
}

/** The controls of the in-memory venue. */
export class InMemoryExchange extends Context.Service<InMemoryExchange, InMemoryExchangeShape>()(
  "scoped-exchange/mm/InMemoryExchange"
) {}

interface QuoteView {
  readonly quote: Quote
  readonly view: BookView
}

interface Book {
  /** Best first. */
  bids: Array<BookLevel>
  asks: Array<BookLevel>
}

const bookView = (symbol: string, book: Book, version: bigint): BookView => {
  const bids = book.bids.slice()
  const asks = book.asks.slice()
  return {
    symbol,
    version,
    bestBid: bids[0],
    bestAsk: asks[0],
    bids: (n) => bids.slice(0, Math.max(0, n)),
    asks: (n) => asks.slice(0, Math.max(0, n)),
    time: Number(version)
  }
}

const zeroLevel = new BookLevel({ price: Decimal.zero, quantity: Decimal.zero })

/** Builds the venue in the current scope: its controls and both services. */
export const make = Effect.fnUntraced(function*(options: InMemoryExchangeOptions) {
  const venue = options.venue ?? "memory"
  const instruments = new Map(options.instruments.map((i) => [i.symbol, i]))
  const balances = new Map<string, Decimal.Decimal>(
    Object.entries(options.balances ?? {}).map(([asset, amount]) => [asset, Decimal.unsafeParse(amount)])
  )
  const orders = new Map<string, Order>()
  const byOrderId = new Map<string, string>()
  const quotes = new Map<string, QuoteView>()
  const books = new Map<string, Book>()
  let faultHook: ((request: OrderRequest) => PlaceFault | undefined) | undefined
  let frozenBalances: Map<string, Decimal.Decimal> | undefined
  const hidden = new Map<string, number>()
  const quoteHubs = new Map<string, PubSub.PubSub<QuoteView>>()
  const updates = yield* PubSub.unbounded<OrderUpdate>()
  const fills = yield* PubSub.unbounded<Fill>()
  const trades = yield* PubSub.unbounded<Trade>()
  const placed = yield* Queue.unbounded<Order>()
  let orderSeq = 0
  let clientSeq = 0
  let tradeSeq = 0
  let version = 0n
  let cancelHook: ((order: Order) => Effect.Effect<void>) | undefined
  let placeHook: ((request: OrderRequest) => Effect.Effect<void>) | undefined
  let placedCount = 0

  const error = (operation: string, reason: ExchangeError.ExchangeErrorReason) =>
    new ExchangeError.ExchangeError({ venue, operation, reason })

  const instrumentOf = (operation: string, symbol: string) => {
    const instrument = instruments.get(symbol)
    return instrument === undefined
      ? Effect.fail(error(operation, new ExchangeError.InvalidSymbol({ symbol })))
      : Effect.succeed(instrument)
  }

  const hubOf = (symbol: string) =>
    Effect.gen(function*() {
      let hub = quoteHubs.get(symbol)
      if (hub === undefined) {
        hub = yield* PubSub.unbounded<QuoteView>({ replay: 1 })
        quoteHubs.set(symbol, hub)
        const current = quotes.get(symbol)
        if (current !== undefined) yield* PubSub.publish(hub, current)
      }
      return hub
    })

  const resolve = (ref: ControlRef | OrderRef): Order | undefined => {
    if (typeof ref === "string") return orders.get(ref)
    if ("clientOrderId" in ref) return orders.get(ref.clientOrderId)
    const id = byOrderId.get(ref.orderId)
    return id === undefined ? undefined : orders.get(id)
  }

  const store = (order: Order, source: "stream" | "rest" = "stream") =>
    Effect.gen(function*() {
      orders.set(order.clientOrderId, order)
      yield* PubSub.publish(updates, new OrderUpdate({ order, source, time: order.updateTime ?? order.time }))
    })

  const adjust = (asset: string, delta: Decimal.Decimal) =>
    balances.set(asset, BigDecimal.normalize(BigDecimal.sum(balances.get(asset) ?? Decimal.zero, delta)))

  // --- controls -----------------------------------------------------------------------------------

  /** Publishes the symbol's book as it is now (a new version). */
  const publishBook = (symbol: string) =>
    Effect.gen(function*() {
      const book = books.get(symbol)!
      const bid = book.bids[0] ?? zeroLevel
      const ask = book.asks[0] ?? zeroLevel
      const quote = new Quote({
        symbol,
        bidPrice: bid.price,
        bidQuantity: bid.quantity,
        askPrice: ask.price,
        askQuantity: ask.quantity,
        time: Number(++version)
      })
      const entry = { quote, view: bookView(symbol, book, version) }
      quotes.set(symbol, entry)
      yield* PubSub.publish(yield* hubOf(symbol), entry)
    })

  const levels = (list: ReadonlyArray<LevelText>) =>
    list.map(([price, quantity]) => new BookLevel({ price: Decimal.unsafeParse(price), quantity: Decimal.unsafeParse(quantity) }))

  const setBook = (symbol: string, book: { readonly bids: ReadonlyArray<LevelText>; readonly asks: ReadonlyArray<LevelText> }) =>
    Effect.suspend(() => {
      books.set(symbol, { bids: levels(book.bids), asks: levels(book.asks) })
      return publishBook(symbol)
    })

  const setQuote = (symbol: string, bid: string, ask: string) => setBook(symbol, { bids: [[bid, "1000"]], asks: [[ask, "1000"]] })

  const fill = (ref: ControlRef, quantity?: string) =>
    Effect.gen(function*() {
      const order = resolve(ref)
      if (order === undefined || !order.isOpen || order.price === undefined || order.quantity === undefined) {
        return yield* Effect.die(new Error(`InMemoryExchange.fill: ${JSON.stringify(ref)} is not an open limit order`))
      }
      const instrument = instruments.get(order.symbol)!
      const left = BigDecimal.subtract(order.quantity, order.filledQuantity)
      const qty = quantity === undefined ? left : Decimal.unsafeParse(quantity)
      if (!BigDecimal.isPositive(qty) || BigDecimal.isGreaterThan(qty, left)) {
        return yield* Effect.die(new Error(`InMemoryExchange.fill: cannot fill ${Decimal.format(qty)} of ${Decimal.format(left)} left`))
      }
      return yield* execute(order, instrument, qty, order.price, true)
    })

  /** Trades `qty` of `order` at `price`: balances, the order's update, the fill and the public trade. */
  const execute = (order: Order, instrument: Instrument, qty: Decimal.Decimal, price: Decimal.Decimal, isMaker: boolean) =>
    Effect.gen(function*() {
      const notional = BigDecimal.normalize(BigDecimal.multiply(qty, price))
      const buy = order.side === "BUY"
      const received = buy ? qty : notional
      const feeAsset = buy ? instrument.baseAsset : instrument.quoteAsset
      const fee = BigDecimal.normalize(BigDecimal.multiply(received, isMaker ? instrument.makerFeeRate : instrument.takerFeeRate))
      adjust(instrument.baseAsset, buy ? BigDecimal.subtract(qty, fee) : BigDecimal.negate(qty))
      adjust(instrument.quoteAsset, buy ? BigDecimal.negate(notional) : BigDecimal.subtract(notional, fee))
      const filledQuantity = BigDecimal.normalize(BigDecimal.sum(order.filledQuantity, qty))
      const time = Number(++version)
      const next = new Order({
        ...order,
        filledQuantity,
        filledQuoteQuantity: BigDecimal.normalize(BigDecimal.sum(order.filledQuoteQuantity, notional)),
        status: BigDecimal.equals(filledQuantity, order.quantity ?? Decimal.zero) ? "FILLED" : "PARTIALLY_FILLED",
        updateTime: time
      })
      const tradeId = `t${++tradeSeq}`
      yield* store(next)
      yield* PubSub.publish(
        fills,
        new Fill({
          symbol: order.symbol,
          orderId: order.orderId,
          clientOrderId: order.clientOrderId,
          tradeId,
          side: order.side,
          price,
          quantity: qty,
          quoteQuantity: notional,
          fee,
          feeAsset,
          isMaker,
          time
        })
      )
      yield* PubSub.publish(
        trades,
        new Trade({ symbol: order.symbol, price, quantity: qty, side: isMaker === buy ? "SELL" : "BUY", time, tradeId })
      )
      return next
    })

  const end = (order: Order, status: "CANCELED" | "REJECTED") =>
    Effect.gen(function*() {
      const final = new Order({
        ...order,
        status,
        updateTime: Number(++version)
      })
      yield* store(final)
      return final
    })

  const venueCancel = (ref: ControlRef, status: "CANCELED" | "REJECTED" = "CANCELED") =>
    Effect.gen(function*() {
      const order = resolve(ref)
      if (order === undefined || !order.isOpen) {
        return yield* Effect.die(new Error(`InMemoryExchange.venueCancel: ${JSON.stringify(ref)} is not open`))
      }
      return yield* end(order, status)
    })

  // --- PrivateExchange ----------------------------------------------------------------------------

  const unknownOrder = (operation: string, ref: OrderRef) =>
    error(
      operation,
      new ExchangeError.UnknownOrder({
        symbol: ref.symbol,
        orderId: "orderId" in ref ? ref.orderId : undefined,
        clientOrderId: "clientOrderId" in ref ? ref.clientOrderId : undefined,
        venueMessage: "Unknown order id."
      })
    )

  const placeOrder = Effect.fn("InMemoryExchange.placeOrder")(function*(request: OrderRequest) {
    const operation = "placeOrder"
    const instrument = yield* instrumentOf(operation, request.symbol)
    if (placeHook !== undefined) yield* placeHook(request)
    const reject = (filter: ExchangeError.FilterRejected["filter"], detail: string) =>
      Effect.fail(error(operation, new ExchangeError.FilterRejected({ symbol: request.symbol, filter, detail })))
    if (request.type !== "LIMIT" && request.type !== "LIMIT_MAKER") {
      return yield* reject("orderType", `${request.type} is not supported by the in-memory venue`)
    }
    if (request.price === undefined || request.quantity === undefined) {
      return yield* reject("venue", "a limit order needs a price and a quantity")
    }
    if (!Decimal.isMultipleOf(request.price, instrument.tickSize)) {
      return yield* reject("tickSize", `price ${Decimal.format(request.price)} is not a multiple of ${Decimal.format(instrument.tickSize)}`)
    }
    if (!Decimal.isMultipleOf(request.quantity, instrument.lotSize)) {
      return yield* reject("lotSize", `quantity ${Decimal.format(request.quantity)} is not a multiple of ${Decimal.format(instrument.lotSize)}`)
    }
    if (BigDecimal.isLessThan(request.quantity, instrument.minQuantity)) {
      return yield* reject("minQuantity", `quantity ${Decimal.format(request.quantity)} < ${Decimal.format(instrument.minQuantity)}`)
    }
    if (BigDecimal.isLessThan(BigDecimal.multiply(request.price, request.quantity), instrument.minNotional)) {
      return yield* reject("minNotional", `notional below ${Decimal.format(instrument.minNotional)}`)
    }
    const quote = quotes.get(request.symbol)?.quote
    if (request.type === "LIMIT_MAKER" && quote !== undefined) {
      const crosses = request.side === "BUY"
        ? BigDecimal.isGreaterThanOrEqualTo(request.price, quote.askPrice)
        : BigDecimal.isLessThanOrEqualTo(request.price, quote.bidPrice)
      if (crosses) return yield* reject("postOnly", "order would immediately match and take")
    }
    const clientOrderId = request.clientOrderId ?? `mem-${++clientSeq}`
    if (orders.has(clientOrderId)) return yield* reject("venue", `client order id ${clientOrderId} already used`)
    const fault = faultHook?.(request)
    if (fault?._tag === "Fail") return yield* Effect.fail(error(operation, fault.reason))
    if (options.enforceBalances === true) {
      const asset = request.side === "BUY" ? instrument.quoteAsset : instrument.baseAsset
      const need = request.side === "BUY" ? BigDecimal.multiply(request.price, request.quantity) : request.quantity
      const free = balances.get(asset) ?? Decimal.zero
      if (BigDecimal.isLessThan(free, need)) {
        return yield* Effect.fail(error(
          operation,
          new ExchangeError.InsufficientBalance({ venueMessage: `${Decimal.format(free)} ${asset} free, ${Decimal.format(BigDecimal.normalize(need))} needed` })
        ))
      }
    }
    const time = Number(++version)
    const order = new Order({
      symbol: request.symbol,
      orderId: `${++orderSeq}`,
      clientOrderId,
      side: request.side,
      type: request.type,
      timeInForce: request.timeInForce ?? "GTC",
      status: "NEW",
      price: request.price,
      quantity: request.quantity,
      filledQuantity: Decimal.zero,
      filledQuoteQuantity: Decimal.zero,
      time,
      updateTime: time
    })
    byOrderId.set(order.orderId, clientOrderId)
    placedCount++
    yield* store(order)
    yield* Queue.offer(placed, order)
    const answer = order.timeInForce === "GTC" ? order : yield* takeLiquidity(order, instrument)
    if (fault?._tag === "LoseAnswer") {
      if ((fault.hiddenQueries ?? 0) > 0) hidden.set(clientOrderId, fault.hiddenQueries!)
      return yield* Effect.fail(error(operation, new ExchangeError.Unavailable({ status: 504, detail: "answer lost (injected)" })))
    }
    return answer
  })

  /**
   * An IOC/FOK order trades at once against the book as a taker, level by level while the level
   * is at or better than its limit; the rest is canceled. A FOK that cannot fill wholly trades
   * nothing. The book loses what was taken.
   */
  const takeLiquidity = (order: Order, instrument: Instrument) =>
    Effect.gen(function*() {
      const book = books.get(order.symbol) ?? { bids: [], asks: [] }
      const buy = order.side === "BUY"
      const side = buy ? book.asks : book.bids
      const limit = order.price!
      const crosses = (level: BookLevel) =>
        buy ? BigDecimal.isLessThanOrEqualTo(level.price, limit) : BigDecimal.isGreaterThanOrEqualTo(level.price, limit)
      let available = Decimal.zero
      for (const level of side) {
        if (!crosses(level)) break
        available = BigDecimal.sum(available, level.quantity)
      }
      let left = order.quantity!
      if (order.timeInForce === "FOK" && BigDecimal.isLessThan(available, left)) left = Decimal.zero
      let current = order
      let traded = false
      while (BigDecimal.isPositive(left) && side.length > 0 && crosses(side[0]!)) {
        const level = side[0]!
        const qty = BigDecimal.min(left, level.quantity)
        const rest = BigDecimal.normalize(BigDecimal.subtract(level.quantity, qty))
        if (BigDecimal.isPositive(rest)) side[0] = new BookLevel({ price: level.price, quantity: rest })
        else side.shift()
        left = BigDecimal.normalize(BigDecimal.subtract(left, qty))
        current = yield* execute(current, instrument, qty, level.price, false)
        traded = true
      }
      if (traded) yield* publishBook(order.symbol)
      return current.isOpen ? yield* end(current, "CANCELED") : current
    })

  const cancelOrder = Effect.fn("InMemoryExchange.cancelOrder")(function*(ref: OrderRef) {
    const before = resolve(ref)
    if (before !== undefined && before.isOpen && cancelHook !== undefined) yield* cancelHook(before)
    const order = resolve(ref)
    if (order === undefined || !order.isOpen) return yield* Effect.fail(unknownOrder("cancelOrder", ref))
    return yield* end(order, "CANCELED")
  })

  const queryOrder = Effect.fn("InMemoryExchange.queryOrder")(function*(ref: OrderRef) {
    const order = resolve(ref)
    const hiddenFor = order === undefined ? 0 : hidden.get(order.clientOrderId) ?? 0
    if (hiddenFor > 0) hidden.set(order!.clientOrderId, hiddenFor - 1)
    if (order === undefined || hiddenFor > 0) return yield* Effect.fail(unknownOrder("queryOrder", ref))
    return order
  })

  const openOf = (symbol?: string) => [...orders.values()].filter((o) => o.isOpen && (symbol === undefined || o.symbol === symbol))

  const balanceOf = (asset: string) => {
    const free = (frozenBalances ?? balances).get(asset) ?? Decimal.zero
    return new Balance({ asset, free, locked: Decimal.zero })
  }

  const privateExchange = PrivateExchange.of({
    venue,
    balances: Effect.sync(() => [...(frozenBalances ?? balances).keys()].map(balanceOf)),
    balance: (asset) => Effect.sync(() => balanceOf(asset)),
    placeOrder,
    cancelOrder,
    queryOrder,
    openOrders: (symbol) => Effect.sync(() => openOf(symbol)),
    cancelAll: Effect.fn("InMemoryExchange.cancelAll")(function*(symbol: string) {
      return yield* Effect.forEach(openOf(symbol), (o) => end(o, "CANCELED"))
    }),
    ownOpenOrders: Effect.sync(() => openOf()),
    orderUpdates: Stream.fromPubSub(updates),
    fills: Stream.fromPubSub(fills),
    balanceUpdates: Stream.never,
    stats: Effect.sync(() => ({ ordersPlaced: placedCount, unknownOutcomesResolved: 0, userStreamSessions: 0, reconciliations: 0, reconnects: 0 }))
  })

  // --- PublicExchange -----------------------------------------------------------------------------

  const quoteViews = (operation: string, symbol: string) =>
    Stream.unwrap(Effect.gen(function*() {
      yield* instrumentOf(operation, symbol)
      return Stream.fromPubSub(yield* hubOf(symbol))
    }))

  const publicExchange = PublicExchange.of({
    venue,
    instruments: Effect.sync(() => [...instruments.values()]),
    instrument: (symbol) => instrumentOf("instrument", symbol),
    orderBook: (symbol) => Stream.map(quoteViews("orderBook", symbol), (entry) => entry.view),
    quotes: (symbol) => Stream.map(quoteViews("quotes", symbol), (entry) => entry.quote),
    trades: (symbol) =>
      Stream.unwrap(Effect.as(instrumentOf("trades", symbol), Stream.filter(Stream.fromPubSub(trades), (t) => t.symbol === symbol))),
    snapshot: (symbol) =>
      Effect.flatMap(instrumentOf("snapshot", symbol), () => {
        const entry = quotes.get(symbol)
        return entry === undefined
          ? Effect.succeed<BookView>({
            symbol,
            version,
            bestBid: undefined,
            bestAsk: undefined,
            bids: () => [],
            asks: () => [],
            time: 0
          })
          : Effect.succeed(entry.view)
      }),
    stats: Effect.succeed({ connections: 0, reconnects: 0, resyncs: 0, malformed: 0, refused: 0, duplicates: 0 })
  })

  const controls = InMemoryExchange.of({
    setQuote,
    nextPlaced: Queue.take(placed),
    fill,
    venueCancel,
    beforeCancel: (hook) => Effect.sync(() => void (cancelHook = hook)),
    beforePlace: (hook) => Effect.sync(() => void (placeHook = hook)),
    setBook,
    placeFault: (hook) => Effect.sync(() => void (faultHook = hook)),
    freezeBalances: (frozen) => Effect.sync(() => void (frozenBalances = frozen ? new Map(balances) : undefined)),
    freeBalance: (asset) => Effect.sync(() => balances.get(asset) ?? Decimal.zero),
    orders: Effect.sync(() => [...orders.values()]),
    openOrders: Effect.sync(() => openOf())
  })
  return { controls, publicExchange, privateExchange }
})

/** The in-memory venue: its controls, and the `PublicExchange` and `PrivateExchange` it serves. */
export const layer = (options: InMemoryExchangeOptions): Layer.Layer<InMemoryExchange | PublicExchange | PrivateExchange> =>
  Layer.effectContext(Effect.map(make(options), ({ controls, privateExchange, publicExchange }) =>
    Context.make(InMemoryExchange, controls).pipe(
      Context.add(PublicExchange, publicExchange),
      Context.add(PrivateExchange, privateExchange)
    )))
