/**
 * Test support for the Gate.io side of the simulator: APIv4-signed REST calls with `fetch` (the
 * signer is written here from the reference's rule, independently of the server's), and the
 * simulator under `LeakCheck`.
 */
import { createHash, createHmac } from "node:crypto"
import { Effect, References } from "effect"
import { LeakCheck } from "../../../src/lifecycle/index.ts"
import { GateSim } from "../../../src/sim/index.ts"
import { call, type RestResult } from "../support.ts"

export { call, connect, eventually } from "../support.ts"
export type { RestResult }

/** The demo credentials. */
export const demo = { apiKey: "sim-key", secret: "sim-secret" }

/** Gate's APIv4 REST signature (`gateio-wire.md`, "Signing"). */
export const sign = (secret: string, method: string, path: string, query: string, body: string, timestamp: string) =>
  createHmac("sha512", secret)
    .update(`${method}\n${path}\n${query}\n${createHash("sha512").update(body).digest("hex")}\n${timestamp}`)
    .digest("hex")

/**
 * A signed call: `query` goes on the request line as given (and is signed as given), `body` is
 * JSON text. `tweak` may change the headers after signing (to break them on purpose).
 */
export const gateSigned = (
  gate: GateSim.GateSimShape,
  method: string,
  path: string,
  options: {
    readonly query?: string
    readonly body?: unknown
    readonly credentials?: { apiKey: string; secret: string }
    readonly timestamp?: string
    readonly tweak?: (headers: Record<string, string>) => void
    /** Send this query on the request line instead of the signed one. */
    readonly sendQuery?: string
  } = {}
): Effect.Effect<RestResult> => {
  const query = options.query ?? ""
  const body = options.body === undefined ? "" : JSON.stringify(options.body)
  const credentials = options.credentials ?? demo
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000))
  const fullPath = `/api/v4${path}`
  const headers: Record<string, string> = {
    KEY: credentials.apiKey,
    Timestamp: timestamp,
    SIGN: sign(credentials.secret, method, fullPath, query, body, timestamp),
    "Content-Type": "application/json",
    Accept: "application/json"
  }
  options.tweak?.(headers)
  const sent = options.sendQuery ?? query
  return call(method, `${gate.baseUrl}${fullPath}${sent === "" ? "" : `?${sent}`}`, {
    headers,
    ...(body === "" ? {} : { body })
  })
}

/** A public call under `/api/v4`. */
export const gatePublic = (gate: GateSim.GateSimShape, path: string) => call("GET", `${gate.restUrl}${path}`)

/** Runs `f` against a Gate simulator built with `options`, under `LeakCheck`, quietly. */
export const withGate = <A, E, R>(options: GateSim.GateSimOptions, f: (gate: GateSim.GateSimShape) => Effect.Effect<A, E, R>) =>
  LeakCheck.scoped(
    Effect.gen(function*() {
      return yield* f(yield* GateSim.GateSim)
    }).pipe(Effect.provide(GateSim.layer(options)), Effect.provideService(References.MinimumLogLevel, "Warn"))
  )

/** The JSON messages a client received (text frames that parse). */
export const messages = (client: { readonly texts: ReadonlyArray<string> }): Array<any> =>
  client.texts.flatMap((t) => {
    try {
      return [JSON.parse(t)]
    } catch {
      return []
    }
  })

/** Pushes (event `update`) of one channel. */
export const updates = (client: { readonly texts: ReadonlyArray<string> }, channel: string): Array<any> =>
  messages(client).filter((m) => m.channel === channel && m.event === "update")

/** A Gate WebSocket request. */
export const request = (channel: string, event: string, payload?: ReadonlyArray<string>, id?: number) => ({
  time: Math.floor(Date.now() / 1000),
  ...(id === undefined ? {} : { id }),
  channel,
  event,
  ...(payload === undefined ? {} : { payload })
})

/** A private subscribe request, signed with `channel=...&event=...&time=...`. */
export const privateRequest = (
  channel: string,
  event: string,
  payload: ReadonlyArray<string>,
  id: number,
  credentials: { apiKey: string; secret: string } = demo,
  time = Math.floor(Date.now() / 1000)
) => ({
  time,
  id,
  channel,
  event,
  payload,
  auth: {
    method: "api_key",
    KEY: credentials.apiKey,
    SIGN: createHmac("sha512", credentials.secret).update(`channel=${channel}&event=${event}&time=${time}`).digest("hex")
  }
})
