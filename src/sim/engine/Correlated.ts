/**
 * Correlated markets on several venues: one seeded reference price per instrument, and per venue a
 * divergence from it, so the venues' books move together but drift apart, and prices cross
 * between venues at a known, seeded rate.
 *
 * - The reference (per instrument, keyed `BASE/QUOTE`): a slow random-walk anchor plus a fast
 *   deviation decaying back to it, like a single venue's synthetic mid.
 * - Each venue's mid = reference `latencyMs` ago x exp(divergence), the divergence (in basis
 *   points) mean-reverting (Ornstein-Uhlenbeck: `divergenceBps` standard deviation at rest,
 *   `halfLifeSeconds`) with occasional jumps (`jumpsPerHour`, `jumpBps` standard deviation).
 *
 * Everything is a function of the seed and the tick index (ticks of `tickMs`): each process is
 * advanced lazily, in a fixed order, up to the tick asked for, so the result does not depend on
 * which venue asks first. A venue's `SyntheticMarket` takes a {@link MidDriver} and quotes around
 * its mid.
 *
 * @since 0.1.0
 */
import { Prng } from "./Random.ts"
import type { SymbolConfig } from "./Symbols.ts"

/** What a synthetic market asks for its mid when a driver is set: the mid (in price units) at a tick, or undefined to use its own. */
export interface MidDriver {
  readonly mid: (config: SymbolConfig, tick: number) => number | undefined
}

/** One instrument's reference process. */
export interface ReferenceInstrument {
  /** Starting price. */
  readonly initialMid: number
  /** Standard deviation of moves per second, in basis points. Default 4. */
  readonly volatilityBps?: number | undefined
  /** Half-life of the fast deviation, seconds. Default 2. */
  readonly meanReversionSeconds?: number | undefined
}

/** How venues diverge from the reference. */
export interface SpreadProcess {
  /** Standard deviation of a venue's divergence at rest, in basis points. Default 0.2. */
  readonly divergenceBps?: number | undefined
  /** Half-life of a divergence, in seconds. Default 3. */
  readonly halfLifeSeconds?: number | undefined
  /** Jumps per hour per venue and instrument. Default 6. */
  readonly jumpsPerHour?: number | undefined
  /** Standard deviation of a jump, in basis points. Default 3. */
  readonly jumpBps?: number | undefined
}

/** The default instruments (the simulator's BTC, ETH and HIFI against USDT). */
export const defaultReferenceInstruments: Readonly<Record<string, ReferenceInstrument>> = {
  "BTC/USDT": { initialMid: 65000 },
  "ETH/USDT": { initialMid: 3500 },
  "HIFI/USDT": { initialMid: 0.6 }
}

/** The default spread process. */
export const defaultSpread: { readonly [K in keyof SpreadProcess]-?: number } = {
  divergenceBps: 0.2,
  halfLifeSeconds: 3,
  jumpsPerHour: 6,
  jumpBps: 3
}

/** An instrument's key across venues' spellings. */
export const instrumentKey = (config: SymbolConfig): string => `${config.baseAsset}/${config.quoteAsset}`

interface RefState {
  anchor: number
  deviation: number
  readonly sigmaAnchor: number
  readonly sigmaDeviation: number
  readonly decay: number
  readonly floor: number
}

/** History kept per instrument (ticks): bounds how much latency a venue may have. */
const historyTicks = 1 << 12

/** The shared reference prices. */
export class ReferencePrices {
  readonly tickMs: number
  private readonly random: Prng
  private readonly keys: ReadonlyArray<string>
  private readonly states: ReadonlyArray<RefState>
  /** Ring buffers of prices per instrument, indexed by tick. */
  private readonly history: ReadonlyArray<Float64Array>
  private tick = -1

  constructor(options: { readonly seed: number; readonly tickMs?: number | undefined; readonly instruments?: Readonly<Record<string, ReferenceInstrument>> | undefined }) {
    this.tickMs = options.tickMs ?? 10
    this.random = new Prng(options.seed ^ 0x5eed_0001)
    const instruments = options.instruments ?? defaultReferenceInstruments
    this.keys = Object.keys(instruments).sort()
    const dt = this.tickMs / 1000
    this.states = this.keys.map((key) => {
      const p = instruments[key]!
      const vol = (p.initialMid * (p.volatilityBps ?? 4)) / 10_000
      return {
        anchor: p.initialMid,
        deviation: 0,
        sigmaAnchor: vol * 0.3 * Math.sqrt(dt),
        sigmaDeviation: vol * Math.sqrt(dt),
        decay: Math.exp((-Math.LN2 * dt) / (p.meanReversionSeconds ?? 2)),
        floor: p.initialMid / 100
      }
    })
    this.history = this.keys.map(() => new Float64Array(historyTicks))
    this.advanceTo(0)
  }

  /** The instruments, sorted. */
  instruments(): ReadonlyArray<string> {
    return this.keys
  }

  /** The reference price of `key` at `tick` (ticks before 0 read tick 0); undefined for an unknown instrument. */
  priceAt(key: string, tick: number): number | undefined {
    const index = this.keys.indexOf(key)
    if (index < 0) return undefined
    const t = Math.max(0, tick)
    this.advanceTo(t)
    if (this.tick - t >= historyTicks) throw new RangeError(`ReferencePrices: tick ${t} is older than the history kept`)
    return this.history[index]![t % historyTicks]!
  }

  private advanceTo(tick: number): void {
    while (this.tick < tick) {
      this.tick++
      for (let i = 0; i < this.states.length; i++) {
        const s = this.states[i]!
        if (this.tick > 0) {
          s.anchor = Math.max(s.floor, s.anchor + this.random.normal() * s.sigmaAnchor)
          s.deviation = s.deviation * s.decay + this.random.normal() * s.sigmaDeviation
        }
        this.history[i]![this.tick % historyTicks] = Math.max(s.floor, s.anchor + s.deviation)
      }
    }
  }
}

/** One venue's view of the reference: its latency and its divergence. A {@link MidDriver}. */
export class VenuePrices implements MidDriver {
  private readonly random: Prng
  private readonly latencyTicks: number
  private readonly decay: number
  private readonly sigma: number
  private readonly jumpChance: number
  private readonly jumpSigma: number
  /** Divergence in bps per instrument (reference order). */
  private readonly divergence: Float64Array
  private tick = 0

  readonly reference: ReferencePrices

  constructor(
    reference: ReferencePrices,
    options: { readonly seed: number; readonly venue: number; readonly latencyMs?: number | undefined; readonly spread?: SpreadProcess | undefined }
  ) {
    this.reference = reference
    const given = options.spread ?? {}
    const spread = {
      divergenceBps: given.divergenceBps ?? defaultSpread.divergenceBps,
      halfLifeSeconds: given.halfLifeSeconds ?? defaultSpread.halfLifeSeconds,
      jumpsPerHour: given.jumpsPerHour ?? defaultSpread.jumpsPerHour,
      jumpBps: given.jumpBps ?? defaultSpread.jumpBps
    }
    this.random = new Prng((options.seed ^ Math.imul(options.venue + 1, 0x9e37_79b9)) >>> 0)
    const dt = reference.tickMs / 1000
    this.latencyTicks = Math.max(0, Math.round((options.latencyMs ?? 0) / reference.tickMs))
    this.decay = Math.exp((-Math.LN2 * dt) / spread.halfLifeSeconds)
    // Stationary standard deviation s of an AR(1) with coefficient a: sigma = s * sqrt(1 - a^2).
    this.sigma = spread.divergenceBps * Math.sqrt(1 - this.decay * this.decay)
    this.jumpChance = (spread.jumpsPerHour / 3_600) * dt
    this.jumpSigma = spread.jumpBps
    this.divergence = new Float64Array(reference.instruments().length)
  }

  /** This venue's divergence from the reference at `tick`, in basis points. */
  divergenceBps(key: string, tick: number): number | undefined {
    const index = this.reference.instruments().indexOf(key)
    if (index < 0) return undefined
    this.advanceTo(tick)
    return this.divergence[index]!
  }

  mid(config: SymbolConfig, tick: number): number | undefined {
    const key = instrumentKey(config)
    const reference = this.reference.priceAt(key, tick - this.latencyTicks)
    const bps = this.divergenceBps(key, tick)
    return reference === undefined || bps === undefined ? undefined : reference * Math.exp(bps / 10_000)
  }

  private advanceTo(tick: number): void {
    while (this.tick < tick) {
      this.tick++
      for (let i = 0; i < this.divergence.length; i++) {
        let d = this.divergence[i]! * this.decay + this.random.normal() * this.sigma
        if (this.random.chance(this.jumpChance)) d += this.random.normal() * this.jumpSigma
        this.divergence[i] = d
      }
    }
  }
}
