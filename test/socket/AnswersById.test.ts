/**
 * A venue that answers subscriptions by request id, not by channel (Gate.io's shape, here a
 * made-up dialect on a real loopback `ws` server): each control frame carries the connection's
 * request id and the time; a refusal that names no channel refuses the channels of the request it
 * answers; an ack by id settles that request; a stray refusal for a request already acknowledged
 * fails nothing. The ping is made per send (it carries the time).
 */
import { assert, describe } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import type { AddressInfo } from "node:net"
import { WebSocket, WebSocketServer } from "ws"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import * as Connection from "../../src/socket/Connection.ts"
import * as NodeWebSocket from "../../src/socket/NodeWebSocket.ts"
import type { SubscriptionProtocol } from "../../src/socket/Protocol.ts"
import { waitUntil } from "../support/eventually.ts"
import { live } from "../support/quiet.ts"

interface Reply {
  readonly id?: number
  readonly channel?: string
  readonly error?: { readonly code: number; readonly message: string } | null
  readonly result?: { readonly status?: string } | null
}

const read = (frame: string): Reply | undefined => {
  try {
    return JSON.parse(frame) as Reply
  } catch {
    return undefined
  }
}

const byId: SubscriptionProtocol = {
  subscribe: (channels, { id, nowMs }) => JSON.stringify({ time: Math.floor(nowMs / 1000), id, channel: channels[0], event: "subscribe" }),
  unsubscribe: (channels, { id, nowMs }) => JSON.stringify({ time: Math.floor(nowMs / 1000), id, channel: channels[0], event: "unsubscribe" }),
  ping: ({ nowMs }) => JSON.stringify({ time: Math.floor(nowMs / 1000), channel: "ping" }),
  maxChannelsPerFrame: 1,
  isControl: (frame) => frame.startsWith("{\"id\":") || frame.startsWith("{\"channel\":\"pong\""),
  refusal: (frame) => {
    const reply = read(frame)
    return reply?.error ? { message: reply.error.message, channels: [], requestId: reply.id } : undefined
  },
  acknowledgement: (frame) => {
    const reply = read(frame)
    return reply?.result?.status === "success" && reply.id !== undefined ? { requestId: reply.id } : undefined
  }
}

/** The venue: acks by id, refuses channels starting with `bad`, answers pings; records what it got. */
const venue = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly received: Array<Record<string, unknown>>; readonly clients: Set<WebSocket>; readonly wss: WebSocketServer }>((resume) => {
    const received: Array<Record<string, unknown>> = []
    const clients = new Set<WebSocket>()
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 }, () => {
      resume(Effect.succeed({ url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, received, clients, wss }))
    })
    wss.on("connection", (ws) => {
      clients.add(ws)
      ws.on("close", () => clients.delete(ws))
      ws.on("message", (data) => {
        const request = JSON.parse(data.toString()) as Record<string, unknown>
        received.push(request)
        if (request.channel === "ping") return ws.send(JSON.stringify({ channel: "pong" }))
        const refuse = String(request.channel).startsWith("bad") && request.event === "subscribe"
        ws.send(JSON.stringify(
          refuse
            ? { id: request.id, error: { code: 2, message: `unknown pair: ${String(request.channel)}` }, result: { status: "fail" } }
            : { id: request.id, error: null, result: { status: "success" } }
        ))
      })
    })
  }),
  ({ clients, wss }) =>
    Effect.callback<void>((resume) => {
      for (const ws of clients) ws.terminate()
      wss.close(() => resume(Effect.void))
    })
)

describe("Connection: a venue that answers by request id", () => {
  live("a refusal by id fails that request's channel only; a stray refusal for an acknowledged request fails nothing; ids and times on every frame", () =>
    LeakCheck.scoped(Effect.gen(function*() {
      const server = yield* venue
      const frames: Array<Connection.Frame> = []
      const conn = yield* Connection.make({
        name: "by-id",
        url: server.url,
        protocol: byId,
        sink: (batch) => Effect.sync(() => void frames.push(...batch)),
        pingInterval: "50 millis",
        closeTimeout: "200 millis"
      }).pipe(Effect.provide(NodeWebSocket.layerConstructor()))
      const good = yield* conn.subscribe("good.BTC_USDT")
      const goodRefused = yield* Effect.forkScoped(good.refused)
      const bad = yield* conn.subscribe("bad.NOPE")
      const refusal = yield* Effect.flip(bad.refused)
      assert.strictEqual(refusal.reason._tag, "SubscriptionRefused")
      assert.strictEqual((refusal.reason as { channel: string }).channel, "bad.NOPE")
      assert.include(refusal.message, "unknown pair")
      yield* waitUntil("a ping", () => server.received.some((r) => r.channel === "ping"))
      // A stray refusal for the good channel's request (answered already), then data after it.
      const goodRequest = server.received.find((r) => r.channel === "good.BTC_USDT")!
      for (const ws of server.clients) {
        ws.send(JSON.stringify({ id: goodRequest.id, error: { code: 2, message: "late" }, result: { status: "fail" } }))
        ws.send(JSON.stringify({ channel: "good.BTC_USDT", event: "update", result: {} }))
      }
      yield* waitUntil("the data after the stray refusal", () => frames.some((f) => typeof f === "string" && f.includes("\"update\"")))
      assert.isUndefined(goodRefused.pollUnsafe(), "the good channel is not refused")
      assert.deepStrictEqual(yield* conn.channels, ["good.BTC_USDT"])
      assert.strictEqual((yield* conn.stats).refusedSubscriptions, 1)
      // Every control frame carried a distinct id and the time in whole seconds.
      const subscribes = server.received.filter((r) => r.event === "subscribe")
      assert.strictEqual(new Set(subscribes.map((r) => r.id)).size, subscribes.length)
      for (const r of server.received) {
        assert.isTrue(Number.isInteger(r.time), "whole seconds")
        assert.approximately(r.time as number, Date.now() / 1000, 60)
      }
      yield* Fiber.interrupt(goodRefused)
    })))
})
