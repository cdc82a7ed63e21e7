import { readFileSync } from "node:fs"

/** Reads a saved Gate payload from `test/fixtures/gate/`. */
export const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/gate/${name}.json`, import.meta.url), "utf8"))

/** One saved WebSocket frame from `test/fixtures/gate/ws.json`, as the text the server sends. */
export const wsFrame = (name: string): string => {
  const frames = fixture("ws") as Record<string, unknown>
  if (!(name in frames)) throw new Error(`no frame ${name} in ws.json`)
  return JSON.stringify(frames[name])
}
