/**
 * JSON exactly as Python writes and reads it in this format.
 *
 * `canonicalJson` = `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`:
 * keys sorted by code point (Python's str order; JS's default sort compares UTF-16 units, which
 * differs above U+FFFF), non-ASCII written as is, control characters escaped like Python.
 * `parseJsonStrict` refuses duplicate keys (the header rule) and tells integers from decimals
 * (Python's `type(v) is int`; an opening form must not contain decimals).
 */

export class JsonError extends Error {
  override readonly name = 'JsonError'
}

/** A JSON number written with a fraction or exponent (Python: float). */
export class JsonDecimal {
  constructor(readonly text: string) {}
}

export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonDecimal
  | JsonValue[]
  | { [key: string]: JsonValue }

function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number)
  const y = Array.from(b, (c) => c.codePointAt(0) as number)
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return x.length - y.length
}

function quote(s: string): string {
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) {
    throw new JsonError('lone surrogate in a string (not encodable as UTF-8)')
  }
  // JSON.stringify escapes exactly what Python does with ensure_ascii=False (", \, control chars
  // as \b \f \n \r \t or \u00xx in lower-case hex) and leaves everything else as is.
  return JSON.stringify(s)
}

/** Canonical JSON text; integers must be safe integers (no decimals, no NaN/Infinity). */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null'
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new JsonError(`only integers are allowed, got ${value}`)
    return Object.is(value, -0) ? '0' : String(value)
  }
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return quote(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object') {
    if (value instanceof JsonDecimal) throw new JsonError(`decimal numbers are not allowed (${value.text})`)
    const keys = Object.keys(value).sort(compareCodePoints)
    const obj = value as Record<string, unknown>
    return `{${keys
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${quote(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`
  }
  throw new JsonError(`cannot encode a ${typeof value} as JSON`)
}

/**
 * Strict JSON parser (RFC 8259): duplicate keys refused (unless allowed: then the last wins, as
 * in Python), decimals kept as {@link JsonDecimal}, integers beyond 2^53 as bigint.
 */
export function parseJsonStrict(text: string, options: { allowDuplicateKeys?: boolean } = {}): JsonValue {
  let i = 0
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++
  }
  const fail = (what: string): never => {
    throw new JsonError(`${what} at character ${i}`)
  }
  const str = (): string => {
    i++ // opening quote
    let out = ''
    for (;;) {
      const c = text[i]
      if (c === undefined) fail('unterminated string')
      if (c === '"') {
        i++
        return out
      }
      if (c === '\\') {
        const e = text[i + 1]
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        }
        if (e !== undefined && e in simple) {
          out += simple[e]
          i += 2
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16))
          i += 6
        } else fail('bad escape')
      } else if ((c as string) < ' ') {
        fail('control character in string')
      } else {
        out += c
        i++
      }
    }
  }
  const value = (depth: number): JsonValue => {
    if (depth > 64) fail('nesting too deep')
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const obj: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>
      const seen = new Set<string>()
      ws()
      if (text[i] === '}') {
        i++
        return obj
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail('expected a key')
        const key = str()
        if (seen.has(key) && !options.allowDuplicateKeys) throw new JsonError(`duplicate key ${JSON.stringify(key)}`)
        seen.add(key)
        ws()
        if (text[i] !== ':') fail('expected :')
        i++
        obj[key] = value(depth + 1)
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return obj
        }
        fail('expected , or }')
      }
    }
    if (c === '[') {
      i++
      const arr: JsonValue[] = []
      ws()
      if (text[i] === ']') {
        i++
        return arr
      }
      for (;;) {
        arr.push(value(depth + 1))
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return arr
        }
        fail('expected , or ]')
      }
    }
    if (c === '"') return str()
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length
        return v
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!m) fail('unexpected character')
    const num = (m as RegExpExecArray)[0]
    i += num.length
    if (m?.[1] !== undefined || m?.[2] !== undefined) return new JsonDecimal(num)
    const n = Number(num)
    if (!Number.isSafeInteger(n)) return BigInt(num) // beyond 2^53: exact as a bigint
    return n
  }
  const result = value(0)
  ws()
  if (i !== text.length) fail('extra data')
  return result
}
