/**
 * A whole program on the public API: start the embedded simulated exchange, read an instrument's
 * rules, print three consistent order-book views and the next best bid/ask, then end. Every
 * socket, fiber and timer it started is stopped when `program` ends, so the process exits by itself.
 *
 * Run it with `npm run example`.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, References, Stream } from "effect"
import { Decimal, PublicExchange, SimVenue } from "scoped-exchange"

const symbol = "BTCUSDT"

const program = Effect.gen(function*() {
  const market = yield* PublicExchange
  const instrument = yield* market.instrument(symbol)
  yield* Console.log(
    `${symbol}: tick size ${Decimal.format(instrument.tickSize)}, lot size ${Decimal.format(instrument.lotSize)}, ` +
      `minimum notional ${Decimal.format(instrument.minNotional)} ${instrument.quoteAsset}`
  )

  // A scoped subscription: the channel is subscribed on first use and released when the stream ends.
  yield* market.orderBook(symbol).pipe(
    Stream.take(3),
    Stream.runForEach((book) => {
      const [bid, ask] = [book.bestBid, book.bestAsk]
      return Console.log(
        `book v${book.version}: best bid ${bid ? Decimal.format(bid.price) : "-"} x ${bid ? Decimal.format(bid.quantity) : "-"}, ` +
          `best ask ${ask ? Decimal.format(ask.price) : "-"} x ${ask ? Decimal.format(ask.quantity) : "-"}, ` +
          `top 5 levels a side: ${book.bids(5).length}/${book.asks(5).length}`
      )
    })
  )

  const quote = yield* market.quotes(symbol).pipe(Stream.runHead)
  if (quote._tag === "Some") {
    yield* Console.log(`quote: ${Decimal.format(quote.value.bidPrice)} / ${Decimal.format(quote.value.askPrice)}`)
  }
}).pipe(
  // The embedded simulator and both exchanges; `Venue.layer({ _tag: "mexc" })` would be live MEXC.
  Effect.provide(SimVenue.layerSim({ sim: { seed: 7 } })),
  // Lifecycle lines (starting/stopped per component) are INFO; this example prints only its own.
  Effect.provideService(References.MinimumLogLevel, "Warn")
)

NodeRuntime.runMain(program)
