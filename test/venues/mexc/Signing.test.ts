import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import { MexcSigning } from "../../../src/venues/mexc/index.ts"

const vectorSecret = Redacted.make("45d0b3c26f2644f19bfb98b07741b2f5")
const vectorParams = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=11&recvWindow=5000&timestamp=1644489390087"
const vectorSignature = "fd3e4e8543c5188531eb7279d68ae7d26a573d0fc5ab0d18eb692451654d837a"

describe("MexcSigning", () => {
  it("signs the reference test vector", () => {
    assert.strictEqual(MexcSigning.sign(vectorSecret, vectorParams), vectorSignature)
  })

  it("signs query string and body concatenated, with nothing between them", () => {
    const query = "symbol=BTCUSDT&side=BUY&type=LIMIT"
    const body = "&quantity=1&price=11&recvWindow=5000&timestamp=1644489390087"
    assert.strictEqual(MexcSigning.sign(vectorSecret, MexcSigning.totalParams(query, body)), vectorSignature)
  })

  it("verifies lowercase hex only, and rejects a wrong, truncated or upper-case signature", () => {
    assert.isTrue(MexcSigning.verify(vectorSecret, vectorParams, vectorSignature))
    assert.isFalse(MexcSigning.verify(vectorSecret, vectorParams, vectorSignature.toUpperCase()), "MEXC documents lowercase hex")
    assert.isFalse(MexcSigning.verify(vectorSecret, vectorParams, vectorSignature.replace(/[a-f]/, (c) => c.toUpperCase())))
    assert.isFalse(MexcSigning.verify(Redacted.make("other-secret"), vectorParams, vectorSignature))
    assert.isFalse(MexcSigning.verify(vectorSecret, vectorParams + "&x=1", vectorSignature))
    assert.isFalse(MexcSigning.verify(vectorSecret, vectorParams, vectorSignature.slice(0, 10)))
  })

  it("accepts timestamps within recvWindow and at most 1 s ahead", () => {
    const now = 1_700_000_000_000
    assert.isTrue(MexcSigning.timestampAccepted(now, now, 5000))
    assert.isTrue(MexcSigning.timestampAccepted(now - 5000, now, 5000))
    assert.isFalse(MexcSigning.timestampAccepted(now - 5001, now, 5000))
    assert.isTrue(MexcSigning.timestampAccepted(now + 999, now, 5000))
    assert.isFalse(MexcSigning.timestampAccepted(now + 1000, now, 5000))
  })

  it("builds a signed query string whose signature covers everything before it", () => {
    const signed = MexcSigning.signQuery(vectorSecret, { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: 1, price: 11, skipped: undefined }, 1644489390087)
    assert.strictEqual(signed, `${vectorParams}&signature=${vectorSignature}`)
  })
})

describe("Signing with a key made once", () => {
  it("signWith(signingKey(secret)) signs exactly as sign(secret)", () => {
    const secret = Redacted.make("45d0b3c26f2644f19bfb98b07741b2f5")
    const key = MexcSigning.signingKey(secret)
    for (const payload of ["", "symbol=BTCUSDT&recvWindow=5000&timestamp=1", "é€😀{\"a\":1}"]) {
      assert.strictEqual(MexcSigning.signWith(key, payload), MexcSigning.sign(secret, payload))
    }
    assert.notInclude(String(key), "45d0b3c2", "the key does not show the secret")
  })
})
