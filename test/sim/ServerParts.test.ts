import { assert, describe, it } from "@effect/vitest"
import { PassThrough } from "node:stream"
import { Redacted } from "effect"
import { MexcSigning } from "../../src/venues/mexc/index.ts"
import { isApiError, parseParams, verifySigned } from "../../src/sim/server/mexc/Auth.ts"
import { parseChannel } from "../../src/sim/server/mexc/Channels.ts"
import { ListenKeys } from "../../src/sim/server/mexc/ListenKeys.ts"
import { RateLimits } from "../../src/sim/server/RateLimits.ts"
import { FaultState } from "../../src/sim/server/Faults.ts"
import { WsRegistry } from "../../src/sim/server/mexc/Ws.ts"

const secrets: Record<string, string> = { "sim-key": "sim-secret" }
const lookup = (key: string) => secrets[key]
const now = 1_732_200_000_000

describe("Auth", () => {
  it("accepts parameters in the query string, the body, or split across both", () => {
    const all = MexcSigning.signQuery(Redacted.make("sim-secret"), { symbol: "BTCUSDT", side: "BUY" }, now)
    const inQuery = parseParams(all, "")
    assert.deepStrictEqual(verifySigned("sim-key", inQuery, now, lookup), { apiKey: "sim-key" })
    assert.strictEqual(inQuery.params.get("symbol"), "BTCUSDT")

    const inBody = parseParams("", all)
    assert.deepStrictEqual(verifySigned("sim-key", inBody, now, lookup), { apiKey: "sim-key" })
    assert.strictEqual(inBody.params.get("side"), "BUY")

    const query = "symbol=BTCUSDT"
    const body = `&side=BUY&timestamp=${now}`
    const signature = MexcSigning.sign(Redacted.make("sim-secret"), query + body)
    const split = parseParams(query, `${body}&signature=${signature}`)
    assert.deepStrictEqual(verifySigned("sim-key", split, now, lookup), { apiKey: "sim-key" })
  })

  it("answers MEXC's codes for each failure", () => {
    const code = (apiKey: string | undefined, query: string, at = now) => {
      const result = verifySigned(apiKey, parseParams(query, ""), at, lookup)
      return isApiError(result) ? result.code : 0
    }
    const good = MexcSigning.signQuery(Redacted.make("sim-secret"), { symbol: "BTCUSDT" }, now)
    assert.strictEqual(code("sim-key", good), 0)
    assert.strictEqual(code(undefined, good), 700001)
    assert.strictEqual(code("unknown", good), 700001)
    assert.strictEqual(code("sim-key", good.replace(/signature=.*/, "signature=00")), 700002)
    assert.strictEqual(code("sim-key", good, now + 5_001), 700003)
    assert.strictEqual(code("sim-key", good, now - 1_000), 700003)
    assert.strictEqual(code("sim-key", "symbol=BTCUSDT&signature=abc"), 700004)
    assert.strictEqual(code("sim-key", `symbol=BTCUSDT&timestamp=${now}`), 700004)
    const wide = MexcSigning.signQuery(Redacted.make("sim-secret"), { symbol: "BTCUSDT" }, now, 60_001)
    assert.strictEqual(code("sim-key", wide), 700005)
    const patient = MexcSigning.signQuery(Redacted.make("sim-secret"), { symbol: "BTCUSDT" }, now - 50_000, 60_000)
    assert.strictEqual(code("sim-key", patient), 0)
  })
})

describe("RateLimits", () => {
  it("counts per endpoint and identity, and answers Retry-After until the window resets", () => {
    const limits = new RateLimits({ default: { limit: 2, windowMs: 10_000 } })
    assert.strictEqual(limits.check("GET /api/v3/depth", "a", now)._tag, "Allowed")
    assert.strictEqual(limits.check("GET /api/v3/depth", "a", now)._tag, "Allowed")
    const limited = limits.check("GET /api/v3/depth", "a", now + 2_500)
    assert.deepStrictEqual(limited, { _tag: "Limited", retryAfterSeconds: 8 })
    assert.strictEqual(limits.check("GET /api/v3/depth", "b", now)._tag, "Allowed")
    assert.strictEqual(limits.check("GET /api/v3/time", "a", now)._tag, "Allowed")
    assert.strictEqual(limits.check("GET /api/v3/depth", "a", now + 10_000)._tag, "Allowed")
  })

  it("applies per-endpoint overrides", () => {
    const limits = new RateLimits({ endpoints: { "POST /api/v3/order": { limit: 1, windowMs: 1_000 } } })
    assert.strictEqual(limits.check("POST /api/v3/order", "k", now)._tag, "Allowed")
    assert.strictEqual(limits.check("POST /api/v3/order", "k", now)._tag, "Limited")
    assert.strictEqual(limits.quota("GET /api/v3/depth").limit, 500)
  })
})

describe("ListenKeys", () => {
  it("creates, keeps alive, deletes and expires keys after 60 minutes without keep-alive", () => {
    const keys = new ListenKeys()
    const key = keys.create("sim-key", now)!
    assert.match(key, /^[0-9a-f]{64}$/)
    assert.strictEqual(keys.owner(key, now + 59 * 60_000), "sim-key")
    assert.isTrue(keys.keepAlive(key, "sim-key", now + 59 * 60_000))
    assert.strictEqual(keys.owner(key, now + 118 * 60_000), "sim-key")
    assert.isUndefined(keys.owner(key, now + 119 * 60_000))
    assert.isFalse(keys.keepAlive(key, "sim-key", now + 119 * 60_000))

    const other = keys.create("sim-key", now)!
    assert.isFalse(keys.delete(other, "someone-else", now))
    assert.isTrue(keys.delete(other, "sim-key", now))
    assert.isUndefined(keys.owner(other, now))
  })

  it("a key that expired is reported by the sweep even if a lookup or another account's create saw it first", () => {
    // The sweep's answer is what tells the key's open private connections `Invalid listen key`:
    // a key dropped silently elsewhere would leave them streaming forever.
    const keys = new ListenKeys(1_000)
    const a = keys.create("a", now)!
    const b = keys.create("b", now)!
    const c = keys.create("c", now)!
    keys.create("d", now + 1_000) // another account's create, after a, b and c expired
    assert.isUndefined(keys.owner(b, now + 1_000)) // a connection attempt with the dead key
    assert.isFalse(keys.keepAlive(c, "c", now + 1_000)) // a keep-alive that came too late
    assert.sameMembers(keys.expire(now + 1_000), [a, b, c])
    assert.deepStrictEqual(keys.expire(now + 1_000), [])
  })

  it("counts only live keys against the limit of 60", () => {
    const keys = new ListenKeys(1_000)
    for (let i = 0; i < 60; i++) assert.isDefined(keys.create("k", now))
    assert.isUndefined(keys.create("k", now + 999))
    assert.isDefined(keys.create("k", now + 1_000))
  })

  it("limits an account to 60 keys", () => {
    const keys = new ListenKeys()
    for (let i = 0; i < 60; i++) assert.isDefined(keys.create("k", now))
    assert.isUndefined(keys.create("k", now))
    assert.isDefined(keys.create("other", now))
  })
})

describe("WsRegistry", () => {
  it("tracks a WebSocket's TCP socket until it closes, and never one that is already closed", () => {
    const registry = new WsRegistry(new FaultState())
    const open = new PassThrough()
    registry.trackSocket(open)
    assert.strictEqual(registry.openSockets(), 1)
    const gone = new PassThrough()
    gone.destroy()
    registry.trackSocket(gone) // its "close" already happened: tracking it would keep it forever
    assert.strictEqual(registry.openSockets(), 1)
    registry.destroyAll()
    assert.strictEqual(registry.openSockets(), 0)
    assert.isTrue(open.destroyed)
  })
})

describe("Channels", () => {
  it("parses every served channel and refuses others", () => {
    assert.deepStrictEqual(parseChannel("spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"), {
      _tag: "AggreDepth",
      name: "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT",
      interval: "100ms",
      symbol: "BTCUSDT"
    })
    assert.strictEqual(parseChannel("spot@public.aggre.deals.v3.api.pb@10ms@ETHUSDT")?._tag, "AggreDeals")
    assert.strictEqual(parseChannel("spot@public.aggre.bookTicker.v3.api.pb@100ms@HIFIUSDT")?._tag, "AggreBookTicker")
    assert.deepStrictEqual(parseChannel("spot@public.limit.depth.v3.api.pb@BTCUSDT@20"), {
      _tag: "LimitDepth",
      name: "spot@public.limit.depth.v3.api.pb@BTCUSDT@20",
      symbol: "BTCUSDT",
      levels: 20
    })
    assert.strictEqual(parseChannel("spot@private.orders.v3.api.pb")?._tag, "PrivateOrders")
    assert.isUndefined(parseChannel("spot@public.aggre.depth.v3.api.pb@1000ms@BTCUSDT"))
    assert.isUndefined(parseChannel("spot@public.limit.depth.v3.api.pb@BTCUSDT@15"))
    assert.isUndefined(parseChannel("spot@public.deals.v3.api@BTCUSDT"))
  })
})
