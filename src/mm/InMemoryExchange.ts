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
 * What it does not model: depth beyond the top level, balance locking by open orders, rate
 * limits, reconnects. Stream semantics match the services' contracts: quotes replay the latest
 * value; order updates and fills carry what happens after a subscriber starts.
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
}

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

const bookView = (quote: Quote, version: bigint): BookView => {
  const bid = new BookLevel({ price: quote.bidPrice, quantity: quote.bidQuantity })
  const ask = new BookLevel({ price: quote.askPrice, quantity: quote.askQuantity })
  return {
    symbol: quote.symbol,
    version,
    bestBid: bid,
    bestAsk: ask,
    bids: (n) => n > 0 ? [bid] : [],
    asks: (n) => n > 0 ? [ask] : [],
    time: quote.time ?? 0
  }
}

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

  const setQuote = (symbol: string, bid: string, ask: string) =>
    Effect.gen(function*() {
      const quote = new Quote({
        symbol,
        bidPrice: Decimal.unsafeParse(bid),
        bidQuantity: Decimal.unsafeParse("1000"),
        askPrice: Decimal.unsafeParse(ask),
        askQuantity: Decimal.unsafeParse("1000"),
        time: Number(++version)
      })
      const entry = { quote, view: bookView(quote, version) }
      quotes.set(symbol, entry)
      yield* PubSub.publish(yield* hubOf(symbol), entry)
    })

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
      const notional = BigDecimal.normalize(BigDecimal.multiply(qty, order.price))
      const buy = order.side === "BUY"
      const received = buy ? qty : notional
      const feeAsset = buy ? instrument.baseAsset : instrument.quoteAsset
      const fee = BigDecimal.normalize(BigDecimal.multiply(received, instrument.makerFeeRate))
      adjust(instrument.baseAsset, buy ? BigDecimal.subtract(qty, fee) : BigDecimal.negate(qty))
      adjust(instrument.quoteAsset, buy ? BigDecimal.negate(notional) : BigDecimal.subtract(notional, fee))
      const filledQuantity = BigDecimal.normalize(BigDecimal.sum(order.filledQuantity, qty))
      const time = Number(++version)
      const next = new Order({
        ...order,
        filledQuantity,
        filledQuoteQuantity: BigDecimal.normalize(BigDecimal.sum(order.filledQuoteQuantity, notional)),
        status: BigDecimal.equals(filledQuantity, order.quantity) ? "FILLED" : "PARTIALLY_FILLED",
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
          price: order.price,
          quantity: qty,
          quoteQuantity: notional,
          fee,
          feeAsset,
          isMaker: true,
          time
        })
      )
      yield* PubSub.publish(
        trades,
        new Trade({ symbol: order.symbol, price: order.price, quantity: qty, side: buy ? "SELL" : "BUY", time, tradeId })
      )
      return next
    })

  const end = (order: Order, status: "CANCELED" | "REJECTED") =>
    Effect.gen(function*() {
      const final = new Order({
        ...order,
        status: status === "CANCELED" && BigDecimal.isPositive(order.filledQuantity) ? "PARTIALLY_CANCELED" : status,
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
    return order
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
    if (order === undefined) return yield* Effect.fail(unknownOrder("queryOrder", ref))
    return order
  })

  const openOf = (symbol?: string) => [...orders.values()].filter((o) => o.isOpen && (symbol === undefined || o.symbol === symbol))

  const balanceOf = (asset: string) => {
    const free = balances.get(asset) ?? Decimal.zero
    return new Balance({ asset, free, locked: Decimal.zero })
  }

  const privateExchange = PrivateExchange.of({
    venue,
    balances: Effect.sync(() => [...balances.keys()].map(balanceOf)),
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
    stats: Effect.sync(() => ({ ordersPlaced: placedCount, unknownOutcomesResolved: 0, listenKeys: 0, reconciliations: 0, reconnects: 0 }))
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
