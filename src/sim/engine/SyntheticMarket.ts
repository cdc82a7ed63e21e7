/**
 * A synthetic market that keeps the simulator's books alive: a mean-reverting random-walk mid
 * price, a market maker quoting a ladder on both sides, and background takers, all drawn from
 * one seeded generator, so a run is the same for the same `--seed`.
 *
 * No timers of its own: the owner calls `step(now)` on its schedule (the server forks an Effect
 * schedule). The market advances in fixed ticks of `tickMs` of simulated time, so its evolution
 * depends on the seed and on time, not on how often `step` is called (up to `maxTicksPerStep`
 * per call; a longer pause is skipped rather than replayed).
 *
 * Each tick, per symbol:
 * 1. the mid moves: a slow random-walk anchor plus a fast deviation that decays back to it
 *    (Ornstein-Uhlenbeck), so prices wander but keep revisiting the touch;
 * 2. the maker's ladder is a grid of `levels` prices per side, `spacing` apart, the best bid at or
 *    below the mid and the best ask one step above it; quotes that left the ladder are canceled,
 *    filled or missing ones are (re)placed as LIMIT orders, which fill any user order they cross
 *    (the price moved through it);
 * 3. one random level is re-quoted with a new size (the book changes every tick, so depth pushes
 *    flow in every 10 ms window; re-quoting also sends the maker to the back of the queue);
 * 4. with probability `takersPerSecond * tick`, a taker sends a MARKET order of 0.3 to 2 levels'
 *    size on a random side.
 * An order resting at the best bid or ask is therefore normally filled within a few seconds.
 *
 * The maker and the takers are internal accounts: unlimited funds, invisible to clients.
 * Floats are used only to choose prices and sizes, which are snapped to whole ticks and lots.
 *
 * @since 0.1.0
 */
import * as Decimal from "./Decimal.ts"
import type { SimEngine } from "./Engine.ts"
import type { MidDriver } from "./Correlated.ts"
import { Prng } from "./Random.ts"
import type { SymbolConfig } from "./Symbols.ts"

/** How one symbol's synthetic market behaves. */
export interface SyntheticSymbolParams {
  /** Starting mid price. */
  readonly initialMid: string
  /** Mean quantity the maker quotes per level. */
  readonly levelQty: string
  /** Levels per side. Default 20. */
  readonly levels?: number | undefined
  /** Distance between levels, in basis points of the initial mid (at least one tick). Default 0.5. */
  readonly spacingBps?: number | undefined
  /** Standard deviation of the mid's moves per second, in basis points. Default 4. */
  readonly volatilityBps?: number | undefined
  /** Half-life of the mid's deviation from its slow anchor, in seconds. Default 2. */
  readonly meanReversionSeconds?: number | undefined
  /** Background taker orders per second. Default 3. */
  readonly takersPerSecond?: number | undefined
}

/** Parameters for the default symbols (BTCUSDT, ETHUSDT, HIFIUSDT). */
export const defaultSyntheticParams: Readonly<Record<string, SyntheticSymbolParams>> = {
  BTCUSDT: { initialMid: "65000", levelQty: "0.05" },
  ETHUSDT: { initialMid: "3500", levelQty: "0.8" },
  HIFIUSDT: { initialMid: "0.6", levelQty: "3000" }
}

/** How to build a synthetic market. */
export interface SyntheticMarketOptions {
  /** Seed of the generator: the same seed (and the same calls) gives the same market. */
  readonly seed: number
  /** Simulated time per tick. Default 10 ms. */
  readonly tickMs?: number | undefined
  /** Per-symbol behaviour; symbols without parameters are left alone. Default `defaultSyntheticParams`. */
  readonly params?: Readonly<Record<string, SyntheticSymbolParams>> | undefined
  /** Most ticks one `step` runs; a longer gap is skipped. Default 1,000. */
  readonly maxTicksPerStep?: number | undefined
  /**
   * Where the mid comes from: when the driver gives a mid for a symbol (at the market's tick
   * index), the ladder is quoted around it instead of the market's own random walk (correlated
   * venues, `Correlated.ts`). Default: none.
   */
  readonly driver?: MidDriver | undefined
}

/** Internal account of the market maker. */
export const makerAccount = "__sim_market_maker__"

/** Internal account of the background takers. */
export const takerAccount = "__sim_taker__"

interface SymbolState {
  readonly config: SymbolConfig
  readonly tick: bigint
  readonly lot: bigint
  readonly tickValue: number
  readonly lotValue: number
  readonly levels: number
  readonly spacing: number
  readonly floor: number
  readonly meanLots: number
  readonly minLots: number
  readonly minNotional: number
  readonly sigmaAnchor: number
  readonly sigmaDeviation: number
  readonly decay: number
  readonly takerChance: number
  anchor: number
  deviation: number
  mid: number
  /** Price in ticks -> the maker's order id at that price. */
  readonly bids: Map<number, string>
  readonly asks: Map<number, string>
}

/** The synthetic market. Build it with `SyntheticMarket.make`, then call `step(now)`. */
export class SyntheticMarket {
  /**
   * Creates the market on `engine` and places the initial ladders at time `now`. Throws when a
   * parameter names an unknown symbol or is out of range.
   */
  static make(engine: SimEngine, options: SyntheticMarketOptions, now: number): SyntheticMarket {
    return new SyntheticMarket(engine, options, now)
  }

  private readonly engine: SimEngine
  private readonly random: Prng
  private readonly tickMs: number
  private readonly maxTicks: number
  private readonly states: Array<SymbolState> = []
  private readonly driver: MidDriver | undefined
  private lastTick: number
  private ticks = 0

  private constructor(engine: SimEngine, options: SyntheticMarketOptions, now: number) {
    this.engine = engine
    this.random = new Prng(options.seed)
    this.tickMs = options.tickMs ?? 10
    this.maxTicks = options.maxTicksPerStep ?? 1_000
    this.driver = options.driver
    if (!(this.tickMs > 0)) throw new Error("tickMs must be positive")
    this.lastTick = now
    engine.addInternalAccount(makerAccount)
    engine.addInternalAccount(takerAccount)
    const params = options.params ?? defaultSyntheticParams
    for (const config of engine.symbols()) {
      const p = params[config.symbol]
      if (p !== undefined) this.states.push(this.initState(config, p))
    }
    for (const name of Object.keys(params)) {
      if (engine.symbol(name) === undefined) throw new Error(`Synthetic market: unknown symbol ${name}`)
    }
    for (const state of this.states) {
      const driven = this.driver?.mid(state.config, 0)
      if (driven !== undefined) state.mid = Math.max(state.floor, Math.round(driven / state.tickValue))
      this.requote(state, now)
    }
  }

  /** Ticks run so far. */
  get tickCount(): number {
    return this.ticks
  }

  /** The current mid price of a symbol, if the market drives it. */
  mid(symbol: string): string | undefined {
    const state = this.states.find((s) => s.config.symbol === symbol)
    return state === undefined ? undefined : Decimal.format(BigInt(state.mid) * state.tick)
  }

  /** Advances the market to `now`, one tick at a time. Returns the number of ticks run. */
  step(now: number): number {
    let due = Math.floor((now - this.lastTick) / this.tickMs)
    if (due <= 0) return 0
    if (due > this.maxTicks) {
      this.lastTick = now - this.maxTicks * this.tickMs
      due = this.maxTicks
    }
    for (let i = 0; i < due; i++) {
      this.lastTick += this.tickMs
      this.ticks++
      for (const state of this.states) this.tick(state, this.lastTick)
    }
    return due
  }

  private initState(config: SymbolConfig, p: SyntheticSymbolParams): SymbolState {
    const tick = Decimal.unit(config.quoteAssetPrecision)
    const lot = Decimal.unit(config.baseAssetPrecision)
    const tickValue = 10 ** -config.quoteAssetPrecision
    const lotValue = 10 ** -config.baseAssetPrecision
    const mid0 = Number(p.initialMid) / tickValue
    const levels = p.levels ?? 20
    const spacing = Math.max(1, Math.round((mid0 * (p.spacingBps ?? 0.5)) / 10_000))
    const meanLots = Math.max(1, Math.round(Number(p.levelQty) / lotValue))
    const minLots = Math.max(1, Math.ceil(Number(config.baseSizePrecision) / lotValue))
    const dt = this.tickMs / 1000
    const volTicks = (mid0 * (p.volatilityBps ?? 4)) / 10_000
    const halfLife = p.meanReversionSeconds ?? 2
    if (!(mid0 >= 1) || !(levels >= 1) || !(halfLife > 0)) throw new Error(`Synthetic market: bad parameters for ${config.symbol}`)
    return {
      config,
      tick,
      lot,
      tickValue,
      lotValue,
      levels,
      spacing,
      floor: spacing * (levels + 2),
      meanLots,
      minLots,
      minNotional: Math.max(Number(config.quoteAmountPrecision), Number(config.quoteAmountPrecisionMarket)),
      sigmaAnchor: volTicks * 0.3 * Math.sqrt(dt),
      sigmaDeviation: volTicks * Math.sqrt(dt),
      decay: Math.exp((-Math.LN2 * dt) / halfLife),
      takerChance: Math.min(1, (p.takersPerSecond ?? 3) * dt),
      anchor: mid0,
      deviation: 0,
      mid: Math.round(mid0),
      bids: new Map(),
      asks: new Map()
    }
  }

  private tick(state: SymbolState, now: number): void {
    const random = this.random
    const driven = this.driver?.mid(state.config, this.ticks)
    if (driven !== undefined) {
      state.mid = Math.max(state.floor, Math.round(driven / state.tickValue))
    } else {
      state.anchor = Math.max(state.floor, state.anchor + random.normal() * state.sigmaAnchor)
      state.deviation = state.deviation * state.decay + random.normal() * state.sigmaDeviation
      state.mid = Math.max(state.floor, Math.round(state.anchor + state.deviation))
    }
    this.requote(state, now)

    // Re-quote one level so the book changes every tick.
    const side = random.chance(0.5) ? state.bids : state.asks
    const bestBid = Math.floor(state.mid / state.spacing) * state.spacing
    const index = random.int(state.levels)
    const price = side === state.bids ? bestBid - index * state.spacing : bestBid + (index + 1) * state.spacing
    const existing = side.get(price)
    if (existing !== undefined) {
      this.engine.cancelOrder(makerAccount, { symbol: state.config.symbol, orderId: existing }, now)
      side.delete(price)
    }
    this.quote(state, side === state.bids ? "BUY" : "SELL", price, now)

    if (random.chance(state.takerChance)) {
      const lots = Math.max(state.minLots, Math.round(state.meanLots * random.between(0.3, 2)))
      this.engine.placeOrder(takerAccount, {
        symbol: state.config.symbol,
        side: random.chance(0.5) ? "BUY" : "SELL",
        type: "MARKET",
        quantity: Decimal.format(BigInt(this.notionalLots(state, lots)) * state.lot)
      }, now)
    }
  }

  /** Cancels quotes outside the ladder, forgets filled ones, and fills in the missing levels. */
  private requote(state: SymbolState, now: number): void {
    const bestBid = Math.floor(state.mid / state.spacing) * state.spacing
    const lowestBid = bestBid - (state.levels - 1) * state.spacing
    const bestAsk = bestBid + state.spacing
    const highestAsk = bestAsk + (state.levels - 1) * state.spacing
    this.prune(state, state.bids, (p) => p <= bestBid && p >= lowestBid, now)
    this.prune(state, state.asks, (p) => p >= bestAsk && p <= highestAsk, now)
    for (let i = 0; i < state.levels; i++) {
      const bid = bestBid - i * state.spacing
      if (!state.bids.has(bid)) this.quote(state, "BUY", bid, now)
      const ask = bestAsk + i * state.spacing
      if (!state.asks.has(ask)) this.quote(state, "SELL", ask, now)
    }
  }

  private prune(state: SymbolState, side: Map<number, string>, keep: (price: number) => boolean, now: number): void {
    for (const [price, orderId] of side) {
      if (!this.engine.isOrderOpen(makerAccount, orderId)) side.delete(price)
      else if (!keep(price)) {
        this.engine.cancelOrder(makerAccount, { symbol: state.config.symbol, orderId }, now)
        side.delete(price)
      }
    }
  }

  private quote(state: SymbolState, side: "BUY" | "SELL", price: number, now: number): void {
    if (price <= 0) return
    const lots = Math.max(state.minLots, Math.round(state.meanLots * this.random.between(0.5, 1.5)))
    const result = this.engine.placeOrder(makerAccount, {
      symbol: state.config.symbol,
      side,
      type: "LIMIT",
      price: Decimal.format(BigInt(price) * state.tick),
      quantity: Decimal.format(BigInt(this.notionalLots(state, lots, price)) * state.lot)
    }, now)
    if (result._tag === "Success" && (result.success.status === "NEW" || result.success.status === "PARTIALLY_FILLED")) {
      ;(side === "BUY" ? state.bids : state.asks).set(price, result.success.orderId)
    }
  }

  /** Raises a size until it meets the symbol's minimum notional at `price` (default: the mid). */
  private notionalLots(state: SymbolState, lots: number, price = state.mid): number {
    const needed = Math.ceil(state.minNotional / (price * state.tickValue * state.lotValue)) + 1
    return Math.max(lots, needed)
  }
}
