/**
 * A strict reader of the Prometheus text exposition format (0.0.4) for tests: every line must be a
 * `# HELP`, a `# TYPE` or a sample `name{label="value",...} value`; anything else fails the parse.
 */

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Exposition {
  /** Family name -> type, from `# TYPE`. */
  readonly types: ReadonlyMap<string, string>
  readonly samples: ReadonlyArray<Sample>
}

const name = "[a-zA-Z_:][a-zA-Z0-9_:]*"
const labelPair = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`
const sampleLine = new RegExp(`^(${name})(?:\\{((?:${labelPair})(?:,${labelPair})*,?)?\\})? (\\S+)(?: -?\\d+)?$`)
const typeLine = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`)
const helpLine = new RegExp(`^# HELP (${name})(?: .*)?$`)

const parseValue = (text: string): number => {
  if (text === "+Inf") return Infinity
  if (text === "-Inf") return -Infinity
  if (text === "NaN") return NaN
  const n = Number(text)
  if (text === "" || Number.isNaN(n)) throw new Error(`not a sample value: ${text}`)
  return n
}

/** Parses `text`; throws on the first line that is not valid exposition format. */
export const parse = (text: string): Exposition => {
  const types = new Map<string, string>()
  const samples: Array<Sample> = []
  for (const [index, line] of text.split("\n").entries()) {
    if (line === "") continue
    const type = typeLine.exec(line)
    if (type !== null) {
      types.set(type[1]!, type[2]!)
      continue
    }
    if (helpLine.test(line)) continue
    const sample = sampleLine.exec(line)
    if (sample === null) throw new Error(`line ${index + 1} is not Prometheus text format: ${line}`)
    const labels: Record<string, string> = {}
    for (const m of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!
    samples.push({ name: sample[1]!, labels, value: parseValue(sample[3]!) })
  }
  return { types, samples }
}

/** The samples of a family: `name` itself, or its `_bucket`/`_sum`/`_count` series. */
export const family = (exposition: Exposition, familyName: string): ReadonlyArray<Sample> =>
  exposition.samples.filter((s) =>
    s.name === familyName || s.name === `${familyName}_bucket` || s.name === `${familyName}_sum` || s.name === `${familyName}_count` ||
    s.name === `${familyName}_total`
  )
