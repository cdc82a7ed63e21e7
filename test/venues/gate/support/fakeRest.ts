/**
 * A `GateRestShape` for tests that need a few of its operations: `serverTime` answers 0,
 * `channelAuth` signs nothing, every other operation dies "not used here" unless `overrides` gives it.
 */
import { Effect } from "effect"
import type { GateRestShape } from "../../../../src/venues/gate/GateRest.ts"

export const fakeGateRest = (overrides: Partial<GateRestShape> = {}): GateRestShape => {
  const unused = Effect.die("not used here")
  return {
    serverTime: Effect.succeed(0),
    instruments: () => unused,
    orderBook: () => unused,
    ticker: () => unused,
    accounts: unused,
    newOrder: () => unused,
    cancelOrder: () => unused,
    queryOrder: () => unused,
    openOrders: () => unused,
    cancelAll: () => unused,
    myTrades: () => unused,
    countdownCancelAll: () => unused,
    channelAuth: () => undefined,
    ...overrides
  }
}
