/**
 * Gate APIv4 signing on the reference's worked vectors (gateio-wire.md, "Signing"): Gate's own
 * doc examples, the spot vectors computed for the project, and the private-subscribe signature.
 */
import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import { GateSigning } from "../../../src/venues/gate/index.ts"

const secret = Redacted.make("secret")

describe("GateSigning", () => {
  it("hashes an empty body to SHA-512 of the empty string", () => {
    assert.strictEqual(
      GateSigning.bodyHash(""),
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
    )
  })

  it("signs Gate's documented examples (GET with a query, POST with a body)", () => {
    assert.strictEqual(
      GateSigning.signRest(secret, {
        method: "GET",
        path: "/api/v4/futures/orders",
        query: "contract=BTC_USD&status=finished&limit=50",
        body: "",
        timestamp: 1541993715
      }),
      "55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6fb3faf24deff16790d726b66ac9f74526668b13bd01029199cc4fcc522418b8a"
    )
    assert.strictEqual(
      GateSigning.signRest(secret, {
        method: "POST",
        path: "/api/v4/futures/orders",
        query: "",
        body: "{\"contract\":\"BTC_USD\",\"type\":\"limit\",\"size\":100,\"price\":6800,\"time_in_force\":\"gtc\"}",
        timestamp: 1541993715
      }),
      "eae42da914a590ddf727473aff25fc87d50b64783941061f47a3fdb92742541fc4c2c14017581b4199a1418d54471c269c03a38d788d802e2c306c37636389f0"
    )
  })

  it("signs the spot vectors: a new order, an order query, a cancel-all", () => {
    const timestamp = 1733400000
    assert.strictEqual(
      GateSigning.signRest(secret, {
        method: "POST",
        path: "/api/v4/spot/orders",
        query: "",
        body: "{\"text\":\"t-arb-0001\",\"currency_pair\":\"BTC_USDT\",\"type\":\"limit\",\"account\":\"spot\",\"side\":\"buy\",\"amount\":\"0.001\",\"price\":\"65000\",\"time_in_force\":\"ioc\"}",
        timestamp
      }),
      "841e0d5cf501a3168eb29835222eaa5bfad2479407a69b8241bca1e402c7e3997a9b0c616d8756a6bd98e1552bcd36ed4094d2f7dc7359582db8a258972ff908"
    )
    assert.strictEqual(
      GateSigning.signRest(secret, { method: "GET", path: "/api/v4/spot/orders/12345", query: "currency_pair=BTC_USDT", body: "", timestamp }),
      "7b590c024a72a0d3916b52d8b92dc62d1233fecbbad20b7fcdbb7474fdf739899e484919edbeb4e4989c1a5687feda554a345bf21df71ecc57c84d631f2ca940"
    )
    assert.strictEqual(
      GateSigning.signRest(secret, { method: "delete", path: "/api/v4/spot/orders", query: "currency_pair=BTC_USDT&side=buy", body: "", timestamp }),
      "fdacf5eb687072a723906b627d1e4946ef4c638be51868b94dd67476289331a878325b70c8767b5868a00ffb67556d0145c5b341e0fd09e18b3c9234cb8f8de0",
      "the method is upper-cased"
    )
  })

  it("signs a private subscribe over channel, event and time, and builds its auth", () => {
    const sign = "c251c6450d0bb7d589588da4fb163c80ab991be05f29caf3bf73af5c911618dc38d8cdd2114b09078f683644af4db6392182fb87eed9111a20e5b5634065d22d"
    assert.strictEqual(GateSigning.channelSignaturePayload("spot.orders", "subscribe", 1733400000), "channel=spot.orders&event=subscribe&time=1733400000")
    assert.strictEqual(GateSigning.signChannel(secret, "spot.orders", "subscribe", 1733400000), sign)
    assert.deepStrictEqual(
      GateSigning.channelAuth({ apiKey: Redacted.make("key"), apiSecret: secret }, "spot.orders", "subscribe", 1733400000),
      { method: "api_key", KEY: "key", SIGN: sign }
    )
  })

  it("verifies exactly: any byte of method, path, query, body or timestamp changes the signature", () => {
    const base = { method: "GET", path: "/api/v4/spot/orders/12345", query: "currency_pair=BTC_USDT", body: "", timestamp: 1733400000 }
    const signature = GateSigning.signRest(secret, base)
    assert.isTrue(GateSigning.verify(secret, GateSigning.restSignaturePayload(base), signature))
    for (const changed of [
      { ...base, method: "DELETE" },
      { ...base, path: "/api/v4/spot/orders/12346" },
      { ...base, query: "currency_pair=BTC%5FUSDT" },
      { ...base, body: "{}" },
      { ...base, timestamp: 1733400001 }
    ]) {
      assert.isFalse(GateSigning.verify(secret, GateSigning.restSignaturePayload(changed), signature), JSON.stringify(changed))
    }
    assert.isFalse(GateSigning.verify(secret, GateSigning.restSignaturePayload(base), signature.toUpperCase()), "upper-case hex is not Gate's")
    assert.isFalse(GateSigning.verify(Redacted.make("other"), GateSigning.restSignaturePayload(base), signature))
    assert.isFalse(GateSigning.verify(secret, GateSigning.restSignaturePayload(base), signature.slice(0, 20)))
  })

  it("accepts timestamps within 60 s either way", () => {
    assert.isTrue(GateSigning.timestampAccepted(1000, 1060))
    assert.isTrue(GateSigning.timestampAccepted(1060, 1000))
    assert.isFalse(GateSigning.timestampAccepted(1000, 1061))
    assert.isFalse(GateSigning.timestampAccepted(1061, 1000))
  })

  it("keeps the secret out of every string it hands out", () => {
    const hidden = Redacted.make("s3cr3t-value")
    const auth = GateSigning.channelAuth({ apiKey: Redacted.make("key"), apiSecret: hidden }, "spot.orders", "subscribe", 1)
    assert.notInclude(JSON.stringify(auth), "s3cr3t-value")
    assert.notInclude(String(hidden), "s3cr3t-value")
  })
})
