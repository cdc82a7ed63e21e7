/**
 * The market maker's state machine against the in-memory venue: the test plays the market (sets
 * the touch, fills orders, races a cancel) and checks what the strategy did and reported.
 */
import { assert, describe, it } from "@effect/vitest"
import { BigDecimal, Deferred, Effect, Exit, Fiber, Layer, References } from "effect"
import * as Decimal from "../../src/exchange/Decimal.ts"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { InMemoryExchange } from "../../src/mm/InMemoryExchange.ts"
import * as MarketMaker from "../../src/mm/MarketMaker.ts"
import * as MM from "../../src/mm/InMemoryExchange.ts"
import * as instruments from "../support/instruments.ts"

const d = Decimal.unsafeParse
const eq = (actual: BigDecimal.BigDecimal | undefined, expected: string, what = "") =>
  assert.strictEqual(actual === undefined ? undefined : Decimal.format(actual), expected, what)

const hifi = (makerFeeRate = "0") => instruments.hifi({ makerFeeRate: d(makerFeeRate) })

const layers = (options: Partial<MarketMaker.MarketMakerOptions> & { readonly fee?: string } = {}) =>
  MarketMaker.layer({ symbol: "HIFIUSDT", quoteQuantity: d("2.1"), ...options }).pipe(
    Layer.provideMerge(MM.layer({ instruments: [hifi(options.fee)], balances: { USDT: "100", HIFI: "0" } }))
  )

/** Runs `body` with the market maker on a fresh venue quoting 0.6 / 0.6001, under the leak check. */
const withMarket = <A, E>(
  body: Effect.Effect<A, E, MarketMaker.MarketMaker | InMemoryExchange>,
  options?: Parameters<typeof layers>[0]
) =>
  LeakCheck.scoped(
    Effect.gen(function*() {
      return yield* body
    }).pipe(
      Effect.provide(layers(options)),
      Effect.provideService(References.MinimumLogLevel, "None")
    )
  )

const startCycle = Effect.gen(function*() {
  const venue = yield* InMemoryExchange
  yield* venue.setQuote("HIFIUSDT", "0.6", "0.6001")
  const mm = yield* MarketMaker.MarketMaker
  return yield* Effect.forkChild(mm.runCycle)
})

describe("MarketMaker", () => {
  it.live("buys at the bid, sells at the ask, and reports prices, fees, PnL and timings", () =>
    withMarket(Effect.gen(function*() {
      const venue = yield* InMemoryExchange
      const cycle = yield* startCycle
      const buy = yield* venue.nextPlaced
      assert.strictEqual(buy.side, "BUY")
      assert.strictEqual(buy.type, "LIMIT_MAKER")
      eq(buy.price, "0.6")
      eq(buy.quantity, "3.5") // 2.1 / 0.6
      yield* venue.fill(buy.clientOrderId)
      const sell = yield* venue.nextPlaced
      assert.strictEqual(sell.side, "SELL")
      assert.strictEqual(sell.type, "LIMIT_MAKER")
      eq(sell.price, "0.6001")
      eq(sell.quantity, "3.5")
      yield* venue.fill(sell.clientOrderId)
      const summary = yield* Fiber.join(cycle)
      assert.isTrue(summary.completed)
      eq(summary.bought, "3.5")
      eq(summary.boughtQuote, "2.1")
      eq(summary.sold, "3.5")
      eq(summary.soldQuote, "2.10035")
      eq(summary.unsold, "0")
      eq(summary.pnl, "0.00035")
      assert.deepStrictEqual(summary.orders.map((o) => [o.side, o.end, o.status]), [["BUY", "filled", "FILLED"], ["SELL", "filled", "FILLED"]])
      for (const order of summary.orders) {
        assert.isDefined(order.ackMs)
        assert.isDefined(order.fillMs)
        assert.isAtLeast(order.fillMs!, order.ackMs!)
      }
      eq(summary.orders[0]!.averagePrice, "0.6")
      assert.lengthOf(yield* venue.openOrders, 0)
    })))

  it.live("cancels (confirmed) and re-quotes when the touch moves away before the fill", () =>
    withMarket(Effect.gen(function*() {
      const venue = yield* InMemoryExchange
      const cycle = yield* startCycle
      const first = yield* venue.nextPlaced
      yield* venue.setQuote("HIFIUSDT", "0.6002", "0.6004")
      const second = yield* venue.nextPlaced
      assert.strictEqual(second.side, "BUY")
      eq(second.price, "0.6002")
      const firstNow = (yield* venue.orders).find((o) => o.clientOrderId === first.clientOrderId)!
      assert.strictEqual(firstNow.status, "CANCELED", "the first quote is canceled before the second is placed")
      yield* venue.fill(second.clientOrderId)
      const sell = yield* venue.nextPlaced
      eq(sell.price, "0.6004")
      eq(sell.quantity, "3.5")
      yield* venue.fill(sell.clientOrderId)
      const summary = yield* Fiber.join(cycle)
      assert.deepStrictEqual(summary.orders.map((o) => [o.side, o.end]), [["BUY", "requote"], ["BUY", "filled"], ["SELL", "filled"]])
    })))

  it.live("keeps a partial fill across a re-quote and sells the whole bought quantity", () =>
    withMarket(Effect.gen(function*() {
      const venue = yield* InMemoryExchange
      const cycle = yield* startCycle
      const first = yield* venue.nextPlaced
      yield* venue.fill(first.clientOrderId, "1.5")
      yield* venue.setQuote("HIFIUSDT", "0.5999", "0.6001")
      const second = yield* venue.nextPlaced
      eq(second.price, "0.5999")
      eq(second.quantity, "2", "re-quotes only what is left")
      assert.strictEqual((yield* venue.orders)[0]!.status, "CANCELED")
      eq((yield* venue.orders)[0]!.filledQuantity, "1.5")
      yield* venue.fill(second.clientOrderId)
      const sell = yield* venue.nextPlaced
      eq(sell.quantity, "3.5")
      yield* venue.fill(sell.clientOrderId, "1")
      yield* venue.fill(sell.clientOrderId)
      const summary = yield* Fiber.join(cycle)
      eq(summary.bought, "3.5")
      eq(summary.boughtQuote, "2.0998") // 1.5 * 0.6 + 2 * 0.5999
      eq(summary.sold, "3.5")
      eq(summary.orders[0]!.filledQuantity, "1.5")
      assert.strictEqual(summary.orders[0]!.end, "requote")
    })))

  it.live("quotes again at the next touch when a post-only order is rejected for crossing", () =>
    withMarket(Effect.gen(function*() {
      const venue = yield* InMemoryExchange
      // Between reading the touch and placing, the ask drops onto the bid: the buy would take.
      let moved = false
      yield* venue.beforePlace((request) =>
        moved || request.side !== "BUY"
          ? Effect.void
          : Effect.andThen(Effect.sync(() => (moved = true)), venue.setQuote("HIFIUSDT", "0.5999", "0.6"))
      )
      const cycle = yield* startCycle
      const buy = yield* venue.nextPlaced
      eq(buy.price, "0.5999")
      assert.lengthOf(yield* venue.orders, 1, "the rejected order never existed")
      yield* venue.fill(buy.clientOrderId)
      yield* venue.fill((yield* venue.nextPlaced).clientOrderId)
      const summary = yield* Fiber.join(cycle)
      assert.deepStrictEqual(summary.orders.map((o) => o.end), ["rejected", "filled", "filled"])
      assert.isUndefined(summary.orders[0]!.status)
      // The summary says why: the venue's reason, not "(no answer)".
      assert.match(summary.orders[0]!.rejection ?? "", /postOnly.*would immediately match/)
    })))

  it.live("counts a fill that races the cancel from the order's final state", () =>
    withMarket(Effect.gen(function*() {
      const venue = yield* InMemoryExchange
      const cycle = yield* startCycle
      const buy = yield* venue.nextPlaced
      // The cancel arrives after the order filled: the venue answers "unknown order".
      yield* venue.beforeCancel((order) => Effect.asVoid(venue.fill(order.clientOrderId)))
      yield* venue.setQuote("HIFIUSDT", "0.6003", "0.6005")
      const sell = yield* venue.nextPlaced
      assert.strictEqual(sell.side, "SELL", "no second buy: the first one filled")
      eq(sell.quantity, "3.5")
      yield* venue.beforeCancel(undefined)
      yield* venue.fill(sell.clientOrderId)
      const summary = yield* Fiber.join(cycle)
      assert.strictEqual(summary.orders[0]!.clientOrderId, buy.clientOrderId)
      assert.strictEqual(summary.orders[0]!.end, "filled")
      eq(summary.bought, "3.5")
      assert.lengthOf(summary.orders, 2)
    })))

  it.live("sells what the buy delivered net of a fee charged in the base asset", () =>
    withMarket(
      Effect.gen(function*() {
        const venue = yield* InMemoryExchange
        const cycle = yield* startCycle
        yield* venue.fill((yield* venue.nextPlaced).clientOrderId)
        const sell = yield* venue.nextPlaced
        eq(sell.quantity, "3.49") // 3.5 - 0.0035 fee, down to the 0.01 lot
        yield* venue.fill(sell.clientOrderId)
        const summary = yield* Fiber.join(cycle)
        assert.deepStrictEqual(summary.fees.map((f) => [f.asset, Decimal.format(f.amount)]), [["HIFI", "0.0035"], ["USDT", "0.002094349"]])
        eq(summary.unsold, "0.0065")
        // 2.094349 received - 2.1 spent - 0.002094349 fee + 0.0065 unsold marked at the mid 0.60005
        eq(summary.mark.price, "0.60005")
        assert.strictEqual(summary.mark.source, "mid")
        eq(summary.pnl, "-0.003845024")
      }),
      { fee: "0.001" }
    ))

  it.live("cancels its resting order and confirms it gone when its scope closes mid-cycle", () =>
    Effect.gen(function*() {
      const venue = yield* withMarket(Effect.gen(function*() {
        const venue = yield* InMemoryExchange
        const cycle = yield* startCycle
        yield* venue.nextPlaced
        yield* Fiber.interrupt(cycle)
        // Still open: the strategy's finalizer runs when the layer's scope closes.
        assert.lengthOf(yield* venue.openOrders, 1)
        assert.lengthOf(yield* (yield* MarketMaker.MarketMaker).openOrders, 1)
        return venue
      }))
      assert.lengthOf(yield* venue.openOrders, 0)
      assert.strictEqual((yield* venue.orders)[0]!.status, "CANCELED")
    }))

  it.live("an interrupt during a placement waits for its answer, so the finalizer cancels that order too", () =>
    Effect.gen(function*() {
      const venue = yield* withMarket(Effect.gen(function*() {
        const venue = yield* InMemoryExchange
        const entered = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        yield* venue.beforePlace(() => Deferred.succeed(entered, undefined).pipe(Effect.andThen(Deferred.await(gate))))
        const cycle = yield* startCycle
        yield* Deferred.await(entered)
        const interrupting = yield* Effect.forkChild(Fiber.interrupt(cycle))
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(interrupting)
        assert.lengthOf(yield* venue.openOrders, 1, "the placement completed")
        return venue
      }))
      assert.lengthOf(yield* venue.openOrders, 0)
      assert.strictEqual((yield* venue.orders)[0]!.status, "CANCELED")
    }))

  it.live("gives up at the fill timeout, canceling first", () =>
    withMarket(
      Effect.gen(function*() {
        const venue = yield* InMemoryExchange
        const cycle = yield* startCycle
        yield* venue.nextPlaced
        const exit = yield* Fiber.await(cycle)
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.findErrorOption(exit)
        assert.strictEqual(error._tag === "Some" ? error.value.reason._tag : undefined, "FillTimeout")
        assert.lengthOf(yield* venue.openOrders, 0)
        assert.strictEqual((yield* venue.orders)[0]!.status, "CANCELED")
      }),
      { fillTimeout: "200 millis" }
    ))

  it.live("refuses a quote amount below the instrument's minimums before placing anything", () =>
    withMarket(
      Effect.gen(function*() {
        const venue = yield* InMemoryExchange
        const exit = yield* Effect.exit(Effect.flatMap(startCycle, Fiber.join))
        const error = Exit.findErrorOption(exit)
        assert.isTrue(error._tag === "Some")
        if (error._tag === "Some") {
          assert.strictEqual(error.value.reason._tag, "BelowMinimum")
          assert.include(error.value.message, "0.5 USDT at 0.6 buys 0.83 HIFI: below the minimum quantity 1 HIFI")
        }
        assert.lengthOf(yield* venue.orders, 0)
      }),
      { quoteQuantity: d("0.5") }
    ))

  it.live("fails on an unknown symbol before subscribing anything", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(
        Effect.gen(function*() {
          return yield* MarketMaker.MarketMaker
        }),
        layers({ symbol: "NOPEUSDT" })
      ))
      const error = Exit.findErrorOption(exit)
      assert.isTrue(error._tag === "Some" && error.value.reason._tag === "Exchange")
      if (error._tag === "Some") assert.include(error.value.message, "unknown symbol NOPEUSDT")
    }).pipe(Effect.provideService(References.MinimumLogLevel, "None")))
})
