/**
 * The baseline's order book: what a hand-written client on raw `ws` does with the same code as
 * ours. The same protobuf decoder (`decodePush`), the same push parser (`parsePush`), the same
 * book sync (`BookSync`) and the same book (`OrderBook`), with the snapshot fetched by a bare
 * `fetch` and parsed by the same REST parser. Nothing in it is Effect: only the plumbing differs
 * from our path (connection, queue, router, hub, streams), which is what the bench compares.
 */
import { Result } from "effect"
import { OrderBook, scaleOf } from "../../src/exchange/OrderBook.ts"
import { BookSync } from "../../src/connector/BookSync.ts"
import * as Parse from "../../src/venues/mexc/Parse.ts"
import type { PushDataV3ApiWrapper } from "../../src/venues/mexc/Proto.ts"
import { parsePush } from "../../src/venues/mexc/PushParse.ts"

const json = async (url: string): Promise<unknown> => {
  const response = await fetch(url)
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`)
  return response.json()
}

const unwrap = <A>(result: Result.Result<A, string>, what: string): A => {
  if (Result.isFailure(result)) throw new Error(`${what}: ${result.failure}`)
  return result.success
}

/** One symbol's book, synced from `restUrl` and fed the decoded pushes of its depth channel. */
export interface RawBook {
  readonly symbol: string
  readonly sync: BookSync
  /**
   * Applies one decoded push; true when the book changed and is live. Starts a fresh snapshot
   * when the sync asks for one (a gap), as ours does.
   */
  readonly apply: (wrapper: PushDataV3ApiWrapper) => boolean
  /** Resolves once the first snapshot is applied. */
  readonly ready: Promise<void>
}

/** Asks `exchangeInfo` once for the symbols' tick and lot sizes. */
export const scales = async (
  restUrl: string,
  symbols: ReadonlyArray<string>
): Promise<Map<string, { priceScale: number; quantityScale: number }>> => {
  const info = (await json(`${restUrl}/api/v3/exchangeInfo`)) as { symbols: Array<Parse.SymbolAnswer> }
  const out = new Map<string, { priceScale: number; quantityScale: number }>()
  for (const s of info.symbols) {
    if (!symbols.includes(s.symbol)) continue
    const instrument = unwrap(Parse.instrument(s), s.symbol)
    out.set(s.symbol, { priceScale: scaleOf(instrument.tickSize), quantityScale: scaleOf(instrument.lotSize) })
  }
  for (const symbol of symbols) if (!out.has(symbol)) throw new Error(`exchangeInfo does not list ${symbol}`)
  return out
}

export const make = (
  restUrl: string,
  symbol: string,
  scale: { priceScale: number; quantityScale: number },
  snapshotLimit = 1000
): RawBook => {
  const sync = new BookSync(new OrderBook(symbol, scale))
  let resolveReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (resolveReady = resolve))
  const fetchSnapshot = (id: number, delayMs: number): void => {
    setTimeout(() => {
      json(`${restUrl}/api/v3/depth?symbol=${symbol}&limit=${snapshotLimit}`).then(
        (answer) => {
          const snapshot = unwrap(Parse.depth(symbol, answer as Parse.DepthAnswer, Date.now()), "depth")
          afterSnapshot(sync.onSnapshot(id, snapshot, performance.now()))
        },
        (error: unknown) => afterSnapshot(sync.onSnapshotFailed(id, String(error), performance.now()))
      )
    }, delayMs)
  }
  const afterSnapshot = (outcome: string): void => {
    if (outcome === "synced") resolveReady()
    else if (outcome === "retry" && sync.request !== undefined) fetchSnapshot(sync.request.id, sync.request.delayMs)
    else if (outcome === "failed") throw new Error(`${symbol}: book sync failed: ${sync.failure?.detail}`)
  }
  const first = sync.start()
  fetchSnapshot(first.id, 0)
  return {
    symbol,
    sync,
    ready,
    apply: (wrapper) => {
      const parsed = parsePush("depth", symbol, wrapper)
      if (parsed._tag !== "DepthDelta") return false
      const outcome = sync.onDelta(parsed, performance.now())
      if (outcome === "resync" && sync.request !== undefined) fetchSnapshot(sync.request.id, sync.request.delayMs)
      return outcome === "applied" && sync.synced
    }
  }
}
