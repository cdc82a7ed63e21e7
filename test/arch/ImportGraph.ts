/**
 * The import graph of the TypeScript sources under a folder, for the architecture rules
 * (`Architecture.test.ts`). Every module specifier is an edge: value imports, `import type`,
 * inline `type` specifiers, `export ... from`, side-effect imports and `import("...")`, because a
 * type-only import is still an arrow between modules (it ties their compilation and their docs
 * together, and a type-only circle is a circle).
 *
 * The TypeScript 7 package has no `preProcessFile`, so a small lexer finds the specifiers: it skips
 * comments, strings, template literals and regular expressions, and takes a string literal as a
 * module specifier only where the grammar puts one (after `from`, after a statement-level `import`,
 * or as the argument of `import(...)` / `require(...)`). A doc comment that shows an import, or a
 * message that quotes `from "x"`, is not an edge.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** One module specifier in a file. */
export interface Specifier {
  readonly specifier: string
  /** 1-based line of the specifier. */
  readonly line: number
}

/** One resolved edge of the graph (paths relative to the root the graph was built from, `/`-separated). */
export interface Edge {
  readonly from: string
  readonly to: string
  readonly line: number
  /** The specifier as written. */
  readonly specifier: string
}

const isIdentifierChar = (c: string) => /[A-Za-z0-9_$]/.test(c)

/** Keywords after which a `/` starts a regular expression, not a division. */
const regexAfterWord = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"])

/** The module specifiers of a TypeScript source text, in order. */
export const specifiersOf = (text: string): Array<Specifier> => scan(text).specifiers

/** The source text with every comment blanked (newlines kept, so line numbers stay). */
export const codeOf = (text: string): string => {
  let out = ""
  let at = 0
  for (const [start, end] of scan(text).comments) {
    out += text.slice(at, start) + text.slice(start, end).replace(/[^\n]/g, " ")
    at = end
  }
  return out + text.slice(at)
}

/** One pass of the lexer: the module specifiers, and the comments' [start, end) ranges. */
const scan = (text: string): { specifiers: Array<Specifier>; comments: Array<readonly [number, number]> } => {
  const found: Array<Specifier> = []
  const comments: Array<readonly [number, number]> = []
  // The last two significant tokens before the current one: words, or single punctuation chars.
  let previous = ""
  let beforePrevious = ""
  let line = 1
  let i = 0
  const n = text.length
  // Brace depth of each template literal's `${` we are inside, to resume the template after `}`.
  const templateDepths: Array<number> = []
  let braceDepth = 0

  const push = (token: string) => {
    beforePrevious = previous
    previous = token
  }
  const countLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (text.charCodeAt(k) === 10) line++
  }
  /** Skips a template literal's text from `i` (just after a backtick or a closing `}`) to its end or next `${`. */
  const scanTemplate = () => {
    while (i < n) {
      const c = text[i]!
      if (c === "\\") {
        i += 2
        continue
      }
      if (c === "`") {
        i++
        return
      }
      if (c === "$" && text[i + 1] === "{") {
        i += 2
        templateDepths.push(braceDepth)
        braceDepth++
        return
      }
      if (c === "\n") line++
      i++
    }
  }

  while (i < n) {
    const c = text[i]!
    if (c === "\n") {
      line++
      i++
      continue
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++
      continue
    }
    if (c === "/" && text[i + 1] === "/") {
      const start = i
      while (i < n && text[i] !== "\n") i++
      comments.push([start, i])
      continue
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2)
      const stop = end === -1 ? n : end + 2
      countLines(i, stop)
      comments.push([i, stop])
      i = stop
      continue
    }
    if (c === "\"" || c === "'") {
      const startLine = line
      let j = i + 1
      let value = ""
      while (j < n && text[j] !== c) {
        if (text[j] === "\\") {
          value += text[j + 1] ?? ""
          j += 2
          continue
        }
        if (text[j] === "\n") break // unterminated: not valid TypeScript; stop the literal here
        value += text[j]
        j++
      }
      i = j + 1
      const isSpecifier = previous === "from" ||
        (previous === "import" && beforePrevious !== ".") ||
        (previous === "(" && (beforePrevious === "import" || beforePrevious === "require"))
      if (isSpecifier) found.push({ specifier: value, line: startLine })
      push("\"\"")
      continue
    }
    if (c === "`") {
      i++
      scanTemplate()
      push("``")
      continue
    }
    if (c === "{") {
      braceDepth++
      i++
      push("{")
      continue
    }
    if (c === "}") {
      braceDepth--
      i++
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === braceDepth) {
        templateDepths.pop()
        scanTemplate()
        push("``")
      } else {
        push("}")
      }
      continue
    }
    if (c === "/") {
      const startsRegex = previous === "" || regexAfterWord.has(previous) ||
        (previous.length === 1 && !isIdentifierChar(previous) && previous !== ")" && previous !== "]" && previous !== "}")
      if (startsRegex) {
        let j = i + 1
        let inClass = false
        while (j < n && text[j] !== "\n") {
          const r = text[j]!
          if (r === "\\") {
            j += 2
            continue
          }
          if (r === "[") inClass = true
          else if (r === "]") inClass = false
          else if (r === "/" && !inClass) break
          j++
        }
        j++
        while (j < n && isIdentifierChar(text[j]!)) j++ // flags
        i = j
        push("/re/")
        continue
      }
      i++
      push("/")
      continue
    }
    if (isIdentifierChar(c)) {
      let j = i + 1
      while (j < n && isIdentifierChar(text[j]!)) j++
      push(text.slice(i, j))
      i = j
      continue
    }
    push(c)
    i++
  }
  return { specifiers: found, comments }
}

/** All `.ts` files under `dir` (relative to `root`, `/`-separated), sorted. */
export const sourceFiles = (root: string, dir: string): Array<string> => {
  const out: Array<string> = []
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`
      if (entry.isDirectory()) walk(child)
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(child)
    }
  }
  walk(dir)
  return out.sort()
}

/**
 * The edges between the `.ts` files under `dir` (relative to `root`): relative specifiers resolved
 * against their file; package imports (`effect`, `ws`) are not edges. A relative specifier that
 * names no file is reported as an edge to the missing path, so a rule never passes by not seeing it.
 */
export const importGraph = (root: string, dir: string): Array<Edge> => {
  const edges: Array<Edge> = []
  for (const file of sourceFiles(root, dir)) {
    const text = fs.readFileSync(path.join(root, file), "utf8")
    for (const { line, specifier } of specifiersOf(text)) {
      if (!specifier.startsWith(".")) continue
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))
      edges.push({ from: file, to, line, specifier })
    }
  }
  return edges
}

/**
 * The import cycles of a graph: one per strongly connected component of more than one module (or a
 * module importing itself), each as a closed path of modules `[a, b, ..., a]` through the component.
 */
export const cyclesOf = (edges: ReadonlyArray<Edge>): Array<Array<string>> => {
  const next = new Map<string, Array<string>>()
  for (const edge of edges) {
    const list = next.get(edge.from) ?? []
    if (!list.includes(edge.to)) list.push(edge.to)
    next.set(edge.from, list)
  }
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort()
  // Tarjan's strongly connected components.
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: Array<string> = []
  const components: Array<Array<string>> = []
  let counter = 0
  const connect = (v: string) => {
    index.set(v, counter)
    low.set(v, counter)
    counter++
    stack.push(v)
    onStack.add(v)
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      const selfLoop = component.length === 1 && (next.get(v) ?? []).includes(v)
      if (component.length > 1 || selfLoop) components.push(component.sort())
    }
  }
  for (const v of nodes) if (!index.has(v)) connect(v)

  // A shortest cycle through each component's first module (breadth-first inside the component).
  return components.map((component) => {
    const members = new Set(component)
    const start = component[0]!
    const parent = new Map<string, string>()
    const queue = [start]
    for (let k = 0; k < queue.length; k++) {
      const v = queue[k]!
      for (const w of next.get(v) ?? []) {
        if (!members.has(w)) continue
        if (w === start) {
          const cycle = [start]
          for (let u: string | undefined = v; u !== undefined && u !== start; u = parent.get(u)) cycle.splice(1, 0, u)
          cycle.push(start)
          return cycle
        }
        if (!parent.has(w)) {
          parent.set(w, v)
          queue.push(w)
        }
      }
    }
    return [...component, start]
  })
}
