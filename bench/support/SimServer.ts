/** Starts `sim-server.ts` in a child process for the scope's lifetime and yields its URLs. */
import { spawn } from "node:child_process"
import { Effect } from "effect"

export interface SimServer {
  readonly restUrl: string
  readonly wsUrl: string
  readonly apiKey: string
  readonly apiSecret: string
  readonly symbols: ReadonlyArray<string>
}

export const startSimServer = Effect.acquireRelease(
  Effect.callback<SimServer & { kill: () => void; exited: Promise<void> }>((resume) => {
    const child = spawn(process.execPath, [new URL("./sim-server.ts", import.meta.url).pathname], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    let out = ""
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split("\n").find((l) => l.startsWith("{"))
      if (line === undefined) return
      child.stdout.off("data", onData)
      resume(Effect.succeed({ ...(JSON.parse(line) as SimServer), kill: () => child.kill("SIGTERM"), exited }))
    }
    child.stdout.on("data", onData)
  }),
  (server) => Effect.promise(() => (server.kill(), server.exited))
)
