/**
 * A {@link PrivatePort} in memory, for the connector's tests (no venue): a book of the account's
 * orders, scripted faults per operation, and a user stream the test drives (`emit`, a gap, a
 * silence). Stream events and the connector's queued work run one at a time, in order, like a
 * venue's queue.
 */
import { BigDecimal, Duration, Effect, Semaphore } from "effect"
import type { PlaceRequest, PrivateEvent, PrivatePort, UserStreamHandlers } from "../../../src/connector/PrivatePort.ts"
import {
  ExchangeError,
  type ExchangeErrorReason,
  Transport,
  Unavailable,
  UnknownOrder
} from "../../../src/exchange/ExchangeError.ts"
import { Balance, Fill, Order, type OrderRef } from "../../../src/exchange/Model.ts"
import { hifi } from "../../support/instruments.ts"

const zero = BigDecimal.fromBigInt(0n)

/** What the next call of an operation does instead of its normal answer. */
export type Fault =
  /** The call is carried out, its answer lost (`Unavailable`). */
  | "lost"
  /** The call fails before reaching the venue (`Transport`): nothing is done. */
  | "unreachable"
  /** The call never reaches the venue and its answer is lost (`Unavailable`): nothing is done. */
  | "lostNotPlaced"

export interface FakePrivatePort {
  readonly port: PrivatePort
  /** Orders on the fake venue, by client order id. */
  readonly orders: Map<string, Order>
  /** Faults for the next calls of each operation, consumed first in, first out. */
  readonly faults: Record<"placeOrder" | "cancelOrder" | "queryOrder" | "openOrders", Array<Fault>>
  /** Queries that answer "unknown order" for an existing order (a visibility window), per client order id. */
  readonly invisibleFor: Map<string, number>
  /** Whether the stream pushes the venue's own order changes (off: a silent stream). */
  pushOrders: boolean
  /** Delivers events through the stream, in order with the connector's queued work. */
  readonly emit: (events: ReadonlyArray<PrivateEvent>) => Effect.Effect<void>
  /** Fills an order on the venue (pushing the change and the fill when `pushOrders`). */
  readonly fill: (clientOrderId: string, quantity: string, tradeId: string) => Effect.Effect<Fill>
  /** Opens a new session after a gap: the connector reconciles. */
  readonly resubscribe: Effect.Effect<void>
  /** Restarts asked for by the connector. */
  readonly restarts: Array<string>
  /** Fills in the venue's trade history. */
  readonly history: Array<Fill>
  /** Number of calls per operation. */
  readonly calls: Record<string, number>
}

export const make = (options: { readonly venue?: string } = {}): FakePrivatePort => {
  const venue = options.venue ?? "fake"
  const orders = new Map<string, Order>()
  const faults: FakePrivatePort["faults"] = { placeOrder: [], cancelOrder: [], queryOrder: [], openOrders: [] }
  const invisibleFor = new Map<string, number>()
  const restarts: Array<string> = []
  const history: Array<Fill> = []
  const calls: Record<string, number> = {}
  const lock = Semaphore.makeUnsafe(1)
  let handlers: UserStreamHandlers | undefined
  let sessions = 0
  let nextId = 1
  const fail = (operation: string, reason: ExchangeErrorReason) => Effect.fail(new ExchangeError({ venue, operation, reason }))
  const count = (operation: string) => void (calls[operation] = (calls[operation] ?? 0) + 1)
  const fault = (operation: keyof FakePrivatePort["faults"]): Fault | undefined => faults[operation].shift()
  const find = (ref: OrderRef): Order | undefined =>
    "clientOrderId" in ref ? orders.get(ref.clientOrderId) : [...orders.values()].find((o) => o.orderId === ref.orderId)
  const unknown = (operation: string, ref: OrderRef) =>
    fail(operation, new UnknownOrder({ symbol: ref.symbol, venueMessage: "Order does not exist." }))
  const withStatus = (order: Order, changes: Partial<ConstructorParameters<typeof Order>[0]>) => new Order({ ...order, ...changes })

  const emit = (events: ReadonlyArray<PrivateEvent>): Effect.Effect<void> =>
    handlers === undefined ? Effect.void : Semaphore.withPermits(lock, 1)(handlers.onEvents(events, []))
  const pushOrder = (order: Order) => fake.pushOrders ? emit([{ _tag: "Order", order, time: order.time }]) : Effect.void

  const place = (request: PlaceRequest) =>
    Effect.gen(function*() {
      count("placeOrder")
      const f = fault("placeOrder")
      if (f === "unreachable") return yield* fail("placeOrder", new Transport({ detail: "connection refused" }))
      if (f === "lostNotPlaced") return yield* fail("placeOrder", new Unavailable({ detail: "answer lost" }))
      const order = new Order({
        symbol: request.symbol,
        orderId: String(nextId++),
        clientOrderId: request.clientOrderId,
        side: request.side,
        type: request.type,
        timeInForce: request.timeInForce,
        status: "NEW",
        price: request.price,
        quantity: request.quantity,
        quoteQuantity: request.quoteQuantity,
        filledQuantity: zero,
        filledQuoteQuantity: zero,
        time: Date.now()
      })
      orders.set(order.clientOrderId, order)
      yield* pushOrder(order)
      if (f === "lost") return yield* fail("placeOrder", new Unavailable({ detail: "answer lost" }))
      return { symbol: order.symbol, orderId: order.orderId, clientOrderId: order.clientOrderId, time: order.time }
    })

  const port: PrivatePort = {
    venue,
    visibilityWindow: Duration.millis(200),
    requestLifetime: Duration.millis(300),
    clientOrderId: { prefix: "t-", maxLength: 30 },
    fillIdentity: (fill) => `${fill.symbol}/${fill.tradeId}`,
    instruments: (symbols) => Effect.succeed(symbols.includes("HIFIUSDT") ? [hifi()] : []),
    placeOrder: place,
    cancelOrder: (ref) =>
      Effect.gen(function*() {
        count("cancelOrder")
        const f = fault("cancelOrder")
        if (f === "unreachable") return yield* fail("cancelOrder", new Transport({ detail: "connection refused" }))
        const order = find(ref)
        if (order === undefined || !order.isOpen) return yield* unknown("cancelOrder", ref)
        const canceled = withStatus(order, { status: "CANCELED" })
        orders.set(order.clientOrderId, canceled)
        yield* pushOrder(canceled)
        if (f === "lost") return yield* fail("cancelOrder", new Unavailable({ detail: "answer lost" }))
        return canceled
      }),
    queryOrder: (ref) =>
      Effect.gen(function*() {
        count("queryOrder")
        const f = fault("queryOrder")
        if (f !== undefined) return yield* fail("queryOrder", new Transport({ detail: "connection refused" }))
        const order = find(ref)
        if (order === undefined) return yield* unknown("queryOrder", ref)
        const hidden = invisibleFor.get(order.clientOrderId) ?? 0
        if (hidden > 0) {
          invisibleFor.set(order.clientOrderId, hidden - 1)
          return yield* unknown("queryOrder", ref)
        }
        return order
      }),
    openOrders: (symbol) =>
      Effect.gen(function*() {
        count("openOrders")
        if (fault("openOrders") !== undefined) return yield* fail("openOrders", new Transport({ detail: "connection refused" }))
        return [...orders.values()].filter((o) => o.isOpen && (symbol === undefined || o.symbol === symbol))
      }),
    cancelOpenOrders: (symbol) =>
      Effect.sync(() => {
        for (const order of orders.values()) {
          if (order.isOpen && order.symbol === symbol) orders.set(order.clientOrderId, withStatus(order, { status: "CANCELED" }))
        }
      }),
    balances: Effect.succeed([new Balance({ asset: "USDT", free: BigDecimal.fromBigInt(1000n), locked: zero })]),
    fillsSince: (symbol) => Effect.succeed(history.filter((f) => f.symbol === symbol)),
    openUserStream: (h) =>
      Effect.sync(() => {
        handlers = h
        sessions++
        return {
          enqueue: (run) => Semaphore.withPermits(lock, 1)(run),
          restart: (reason) =>
            Effect.sync(() => {
              restarts.push(reason)
              sessions++
            }),
          isOpen: Effect.succeed(true),
          sessions: () => sessions,
          reconnects: Effect.succeed(restarts.length)
        }
      })
  }

  const fake: FakePrivatePort = {
    port,
    orders,
    faults,
    invisibleFor,
    pushOrders: true,
    emit,
    fill: (clientOrderId, quantity, tradeId) =>
      Effect.gen(function*() {
        const order = orders.get(clientOrderId)!
        const qty = BigDecimal.fromStringUnsafe(quantity)
        const filledQuantity = BigDecimal.sum(order.filledQuantity, qty)
        const full = order.quantity !== undefined && BigDecimal.equals(filledQuantity, order.quantity)
        const updated = withStatus(order, {
          status: full ? "FILLED" : "PARTIALLY_FILLED",
          filledQuantity,
          filledQuoteQuantity: BigDecimal.sum(order.filledQuoteQuantity, BigDecimal.multiply(qty, order.price ?? zero))
        })
        orders.set(clientOrderId, updated)
        const fill = new Fill({
          symbol: order.symbol,
          orderId: order.orderId,
          clientOrderId,
          tradeId,
          side: order.side,
          price: order.price ?? zero,
          quantity: qty,
          quoteQuantity: BigDecimal.multiply(qty, order.price ?? zero),
          fee: zero,
          feeAsset: "USDT",
          isMaker: true,
          time: Date.now()
        })
        history.push(fill)
        if (fake.pushOrders) yield* emit([{ _tag: "Order", order: updated, time: updated.time }, { _tag: "Fill", fill }])
        return fill
      }),
    resubscribe: Effect.suspend(() => {
      sessions++
      return handlers === undefined ? Effect.void : Semaphore.withPermits(lock, 1)(handlers.onResubscribed)
    }),
    restarts,
    history,
    calls
  }
  return fake
}
