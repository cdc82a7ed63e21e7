/**
 * Protobuf decode speed: the project's decoder (`decodePush`, ts-proto generated code on
 * `@bufbuild/protobuf`'s wire reader) against protobufjs (runtime-generated decoder from the same
 * `.proto`) on the frames MEXC sends most: a 20-level aggregated depth push and a 1-deal push.
 * Rounds alternate between the two; the figure is the ratio of median ns per frame.
 *
 * Run alone with `node bench/protobuf.ts`, or call `run()` from the bench runner.
 */
import protobuf from "protobufjs"
import { decodePush, encodePush, type PushDataV3ApiWrapper } from "../src/venues/mexc/Proto.ts"
import type { Suite } from "./Suite.ts"

const level = (i: number) => ({ price: (96210 + i / 100).toFixed(2), quantity: (0.001 * (i + 1)).toFixed(6) })

const depthFrame = encodePush({
  channel: "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT",
  symbol: "BTCUSDT",
  sendTime: 1732200000123,
  body: {
    $case: "publicAggreDepths",
    value: {
      asks: Array.from({ length: 10 }, (_, i) => level(i)),
      bids: Array.from({ length: 10 }, (_, i) => level(-i - 1)),
      eventType: "spot@public.aggre.depth.v3.api.pb@100ms",
      fromVersion: "43870454931",
      toVersion: "43870454950",
      lastOrderCreateTime: 0
    }
  }
} satisfies PushDataV3ApiWrapper)

const dealFrame = encodePush({
  channel: "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT",
  symbol: "BTCUSDT",
  sendTime: 1732200000123,
  body: {
    $case: "publicAggreDeals",
    value: {
      deals: [{ price: "96210.01", quantity: "0.0125", tradeType: 1, time: 1732200000100, tradeId: "" }],
      eventType: "spot@public.aggre.deals.v3.api.pb@100ms"
    }
  }
} satisfies PushDataV3ApiWrapper)

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const measure = (decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array, n: number): number => {
  const start = performance.now()
  let sink = 0
  for (let i = 0; i < n; i++) if (decode(bytes) !== undefined) sink++
  const ns = ((performance.now() - start) * 1e6) / n
  if (sink !== n) throw new Error("decoder returned undefined")
  return ns
}

/** One result row: median ns per frame for each decoder, and their ratio. */
export interface ProtobufResult {
  readonly frame: string
  readonly bytes: number
  readonly oursNs: number
  readonly protobufjsNs: number
  /** protobufjs time / ours: above 1 means ours is faster. */
  readonly ratio: number
}

/** Runs the suite, prints one line per frame kind, and returns the rows. */
export const run = async (options: { readonly rounds?: number; readonly frames?: number } = {}): Promise<Array<ProtobufResult>> => {
  const rounds = options.rounds ?? 7
  const n = options.frames ?? 50_000
  const root = protobuf.loadSync(new URL("../src/venues/mexc/proto/mexc_push.proto", import.meta.url).pathname)
  const Wrapper = root.lookupType("mexc.spot.v3.PushDataV3ApiWrapper")
  const theirs = (bytes: Uint8Array) => Wrapper.decode(bytes)
  const rows: Array<ProtobufResult> = []
  for (const [name, bytes] of [["aggre.depth 20 levels", depthFrame], ["aggre.deals 1 deal", dealFrame]] as const) {
    measure(decodePush, bytes, n)
    measure(theirs, bytes, n)
    const ours: Array<number> = []
    const pbjs: Array<number> = []
    for (let r = 0; r < rounds; r++) {
      ours.push(measure(decodePush, bytes, n))
      pbjs.push(measure(theirs, bytes, n))
    }
    const row = {
      frame: name,
      bytes: bytes.length,
      oursNs: Math.round(median(ours)),
      protobufjsNs: Math.round(median(pbjs)),
      ratio: median(pbjs) / median(ours)
    }
    rows.push(row)
    console.log(
      `protobuf decode ${row.frame} (${row.bytes} B): ts-proto ${row.oursNs} ns, protobufjs ${row.protobufjsNs} ns, ratio ${row.ratio.toFixed(2)}x`
    )
  }
  return rows
}

export const suite: Suite = {
  name: "protobuf",
  description: "MEXC push decode, ts-proto vs protobufjs",
  run: async () => {
    await run()
  }
}

if (import.meta.main) await run()
