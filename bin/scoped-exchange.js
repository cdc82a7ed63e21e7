#!/usr/bin/env node
// The `scoped-exchange` command. In the checkout it runs the CLI from its TypeScript sources
// (src/, what you edit), which Node 24 runs directly (type stripping); an installed package has
// only the built JavaScript (dist/). Started by an older Node (a system Node 20 first on PATH),
// this file re-runs the CLI on the Node 24 that the checkout's `node` devDependency installed,
// passing the arguments, the terminal, the stop signals and the exit code through. Plain
// JavaScript that Node 20 can load.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const source = new URL("../src/cli/main.ts", import.meta.url)
const main = existsSync(fileURLToPath(source)) ? source : new URL("../dist/cli/main.js", import.meta.url)
const major = Number(process.versions.node.split(".")[0])

// Started by npm (`npx scoped-exchange`, an npm script), this process may sit under a `sh -c`
// that npm runs it through: a signal sent to npm alone (a supervisor, a terminal multiplexer)
// reaches that shell, which dies without passing it on, and this process would run on as an
// orphan, still trading. When the process that started it is gone, it stops as if sent SIGTERM:
// the orders are canceled and everything shuts down in order. (A shell that execs its command,
// like the checkout's script-shell, passes the signal itself; this covers every other.)
if (process.env.npm_command !== undefined) {
  const parent = process.ppid
  const watch = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(watch)
    process.kill(process.pid, "SIGTERM")
  }, 250)
  watch.unref()
}

if (major >= 24) {
  await import(main.href)
} else {
  const node = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url))
  if (!existsSync(node)) {
    process.stderr.write(
      `scoped-exchange needs Node 24 (this is Node ${process.versions.node})` +
        `${main === source ? ": run `npm install` in the checkout first" : ""}\n`
    )
    process.exitCode = 1
  } else {
    const child = spawn(node, [fileURLToPath(main), ...process.argv.slice(2)], { stdio: "inherit" })
    // A signal sent to this process alone (kill, a supervisor) reaches the CLI too. A Ctrl-C in a
    // terminal reaches both already; the CLI treats the copy as a second signal, which neither
    // skips its shutdown nor changes its exit code.
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
      process.on(signal, () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      })
    }
    child.on("exit", (code, signal) => {
      process.exitCode = code ?? (signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1)
    })
  }
}
