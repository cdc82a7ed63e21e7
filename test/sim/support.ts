/**
 * Test support for the simulator: a real `ws` client that records every frame (text as parsed
 * JSON, binary decoded with the project's protobuf decoder), and signed REST calls with `fetch`.
 */
import { Effect, Redacted, References } from "effect"
import WebSocket from "ws"
import { LeakCheck } from "../../src/lifecycle/index.ts"
import { SimExchange as Sim } from "../../src/sim/index.ts"
import { MexcProto, MexcSigning } from "../../src/venues/mexc/index.ts"

export interface WsClient {
  readonly ws: WebSocket
  readonly texts: Array<string>
  readonly pushes: Array<MexcProto.PushDataV3ApiWrapper>
  /** Binary frames that failed to decode. */
  readonly undecodable: Array<Uint8Array>
  readonly closed: Promise<{ code: number; reason: string }>
  readonly send: (message: unknown) => void
}

/** Connects a real `ws` client; closes (or terminates) it when the scope closes. */
export const connect = (url: string) =>
  Effect.acquireRelease(
    Effect.callback<WsClient, Error>((resume) => {
      const ws = new WebSocket(url)
      const texts: Array<string> = []
      const pushes: Array<MexcProto.PushDataV3ApiWrapper> = []
      const undecodable: Array<Uint8Array> = []
      const closed = new Promise<{ code: number; reason: string }>((done) =>
        ws.on("close", (code, reason) => done({ code, reason: reason.toString() }))
      )
      ws.on("message", (data, isBinary) => {
        if (!isBinary) {
          texts.push(data.toString())
          return
        }
        const bytes = new Uint8Array(data as Buffer)
        try {
          pushes.push(MexcProto.decodePush(bytes))
        } catch {
          undecodable.push(bytes)
        }
      })
      ws.once("open", () => resume(Effect.succeed({ ws, texts, pushes, undecodable, closed, send: (m) => ws.send(typeof m === "string" ? m : JSON.stringify(m)) })))
      ws.once("error", (error) => resume(Effect.fail(error)))
    }),
    (client) =>
      Effect.promise(() => {
        if (client.ws.readyState === WebSocket.CLOSED) return Promise.resolve()
        client.ws.terminate()
        return client.closed.then(() => undefined)
      })
  )

export { eventually } from "../support/eventually.ts"

/** Parsed JSON texts a client received. */
export const jsonTexts = (client: WsClient): Array<{ id: number; code: number; msg: string }> =>
  client.texts.flatMap((t) => {
    try {
      return [JSON.parse(t)]
    } catch {
      return []
    }
  })

export interface RestResult {
  readonly status: number
  readonly headers: Headers
  readonly body: any
}

/** A plain REST call. */
export const call = (method: string, url: string, init?: { readonly body?: string; readonly headers?: Record<string, string> }) =>
  Effect.promise(async (): Promise<RestResult> => {
    const request: RequestInit = { method }
    if (init?.body !== undefined) request.body = init.body
    if (init?.headers !== undefined) request.headers = init.headers
    const response = await fetch(url, request)
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON
    }
    return { status: response.status, headers: response.headers, body }
  })

/** A SIGNED REST call with every parameter in the query string (the common client form). */
export const signed = (
  restUrl: string,
  method: string,
  path: string,
  params: Record<string, string | number | undefined>,
  credentials: { apiKey: string; secret: string } = { apiKey: "sim-key", secret: "sim-secret" }
) =>
  call(method, `${restUrl}${path}?${MexcSigning.signQuery(Redacted.make(credentials.secret), params, Date.now())}`, {
    headers: { "X-MEXC-APIKEY": credentials.apiKey, "Content-Type": "application/json" }
  })

/** Creates a listen key for the demo account. */
export const createListenKey = (sim: Sim.SimExchangeShape) =>
  Effect.map(signed(sim.restUrl, "POST", "/api/v3/userDataStream", {}), (answer): string => answer.body.listenKey)

/** A private stream on a new listen key, subscribed to the account's orders. */
export const openPrivateOrders = (sim: Sim.SimExchangeShape) =>
  Effect.gen(function*() {
    const listenKey = yield* createListenKey(sim)
    const client = yield* connect(`${sim.wsUrl}?listenKey=${listenKey}`)
    client.send({ method: "SUBSCRIPTION", params: ["spot@private.orders.v3.api.pb"] })
    return { listenKey, client }
  })

/**
 * Runs `f` against a simulator built with `options`, under `LeakCheck`. The simulator's lifecycle
 * logs (starting, stopped) are kept out of the test output; warnings still show.
 */
export const withSim = <A, E, R>(options: Sim.SimOptions, f: (sim: Sim.SimExchangeShape) => Effect.Effect<A, E, R>) =>
  LeakCheck.scoped(
    Effect.gen(function*() {
      return yield* f(yield* Sim.SimExchange)
    }).pipe(Effect.provide(Sim.layer(options)), Effect.provideService(References.MinimumLogLevel, "Warn"))
  )
