import { defineConfig } from "vitest/config"

export default defineConfig({
  // The package's own name resolves to its sources in tests, as tsc resolves it (the
  // `scoped-exchange-source` export condition); the built dist/ is for installed copies.
  resolve: { alias: { "scoped-exchange": new URL("./src/index.ts", import.meta.url).pathname } },
  test: {
    include: ["test/**/*.test.ts"],
    // Networked tests use real loopback servers; keep parallelism modest on 2-core machines.
    maxWorkers: 2,
    testTimeout: 30_000,
    // A passing run is quiet: the console output of a test (Effect's log lines included) is shown
    // only if that test fails, so a failure stands out. Tests that assert on logs capture them.
    silent: "passed-only",
    hookTimeout: 30_000
  }
})
