import { readFileSync } from "node:fs"

/** Reads a saved MEXC payload from `test/fixtures/mexc/`. */
export const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/mexc/${name}.json`, import.meta.url), "utf8"))
