/** Starts `feed-server.ts` in a child process for the scope's lifetime and yields its port. */
import { spawn } from "node:child_process"
import { Effect } from "effect"

export const startFeedServer = Effect.acquireRelease(
  Effect.callback<{ port: number; kill: () => void }>((resume) => {
    const child = spawn(process.execPath, [new URL("./feed-server.ts", import.meta.url).pathname], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout.once("data", (chunk: Buffer) => {
      resume(Effect.succeed({ port: Number(chunk.toString().trim()), kill: () => child.kill("SIGTERM") }))
    })
  }),
  (server) => Effect.sync(() => server.kill())
)
