/**
 * Ending a session on purpose: a text frame the protocol names as the end of the session (MEXC's
 * `Invalid listen key`) and `restart` both end the live session; the connection dials again,
 * evaluating its `url` afresh (a private stream's URL carries a new listen key each time), and
 * replays its subscriptions. The frame itself never reaches the sink. (On the public protocol the
 * same text is just an unexpected frame: test/venues/mexc/MexcPublicRouting.test.ts.)
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as Connection from "../../src/socket/Connection.ts"
import * as Protocol from "../../src/socket/Protocol.ts"
import * as MexcProtocol from "../../src/venues/mexc/MexcProtocol.ts"
import * as LoopbackWsServer from "../support/LoopbackWsServer.ts"

const subscribed = (log: ReadonlyArray<string> | undefined) =>
  (log ?? []).flatMap((text) => {
    const msg = JSON.parse(text) as { method: string; params: Array<string> }
    return msg.method === "SUBSCRIPTION" ? msg.params : []
  })

/** A connection whose URL is an effect that counts its evaluations (`?dial=N`). */
const connectCounting = (server: LoopbackWsServer.LoopbackWsServer) =>
  Effect.gen(function*() {
    const frames: Array<Connection.Frame> = []
    const urls: Array<string> = []
    const url = Effect.sync(() => {
      const next = `${server.url}?dial=${urls.length + 1}`
      urls.push(next)
      return next
    })
    const reasons: Array<string> = []
    const connection = yield* Connection.make({
      name: "session-end",
      url,
      protocol: MexcProtocol.userData,
      sink: (batch) => Effect.sync(() => void frames.push(...batch)),
      backoff: { initial: "20 millis", max: "200 millis", jitter: 0 },
      closeTimeout: "200 millis"
    }).pipe(Effect.provide(NodeWS.layerWebSocketConstructor))
    yield* connection.states.pipe(
      Stream.runForEach((s) => Effect.sync(() => s._tag === "Reconnecting" && reasons.push(s.lastError._tag))),
      Effect.forkScoped
    )
    return { connection, frames, urls, reasons }
  })

describe("Connection: ending a session on purpose", () => {
  it.live("a session-end text frame is not delivered: the session ends, the URL is evaluated again, channels replayed", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { connection, frames, reasons, urls } = yield* connectCounting(server)
      yield* connection.subscribe("spot@private.orders.v3.api.pb")
      yield* server.waitFor("subscribe", () => subscribed(server.received[0]).length === 1)
      server.broadcast(JSON.stringify({ n: 1 }))
      yield* server.waitFor("a data frame", () => frames.length === 1)

      // Data before the end is delivered; the end itself and anything after it in the session is not.
      server.broadcast(JSON.stringify({ n: 2 }))
      server.broadcast("Invalid listen key")
      yield* server.waitFor("second connection", () => server.accepted() === 2)
      yield* server.waitFor("replay", () => subscribed(server.received[1]).length === 1)
      yield* connection.awaitOpen
      server.broadcast(JSON.stringify({ n: 3 }))
      yield* server.waitFor("data on the new session", () => frames.length === 3)

      assert.deepStrictEqual(frames, ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"], "the end frame never reaches the sink")
      assert.deepStrictEqual(urls.slice(0, 2), [`${server.url}?dial=1`, `${server.url}?dial=2`])
      assert.strictEqual(reasons[0], "Ended")
      assert.strictEqual((yield* connection.stats).reconnects, 1)
    })))

  it.live("restart ends the live session and dials again with a fresh URL", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* LoopbackWsServer.make
      const { connection, reasons, urls } = yield* connectCounting(server)
      yield* connection.subscribe("a")
      yield* connection.awaitOpen
      yield* server.waitFor("subscribe", () => subscribed(server.received[0]).length === 1)
      yield* connection.restart("private stream silent")
      yield* server.waitFor("second connection", () => server.accepted() === 2)
      yield* server.waitFor("replay", () => subscribed(server.received[1]).length === 1)
      assert.strictEqual(urls.length, 2)
      assert.deepStrictEqual(reasons, ["Ended"])
      const state = yield* connection.state
      assert.include(["Open", "Connecting"], state._tag)
    })))
})
