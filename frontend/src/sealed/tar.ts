/**
 * POSIX pax tar (the body recommended by §1, what `bidding seal` writes and `bidding unseal`
 * extracts with Python's `filter="data"`): a streaming writer over `Blob`s read slice by slice,
 * and a small reader over a Blob for the local check. Names are UTF-8 in pax `path` records.
 */
import { concat, utf8, utf8Strict } from './bytes'

const BLOCK = 512
const USTAR_NAME = 100
const MAX_OCTAL_11 = 0o77777777777 // 8 GiB - 1: larger sizes go into the pax record
const READ_CHUNK = 1024 * 1024

export interface TarInput {
  name: string
  data: Blob
}

export interface TarEntry {
  name: string
  size: number
  /** Offset of the file data inside the tar. */
  offset: number
}

export class TarError extends Error {
  override readonly name = 'TarError'
}

/** Relative, non-empty, no `..`, no NUL, no backslash: what Python's "data" filter extracts. */
export function checkTarName(name: string): void {
  const parts = name.split('/')
  if (
    !name ||
    name.startsWith('/') ||
    name.includes('\0') ||
    name.includes('\\') ||
    parts.some((p) => p === '..' || p === '.' || p === '')
  ) {
    throw new TarError(`file name not allowed in a bid: ${JSON.stringify(name)}`)
  }
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  const bodyLen = utf8.encode(body).length
  let digits = String(bodyLen).length
  while (String(bodyLen + digits).length !== digits) digits++
  return `${bodyLen + digits}${body}`
}

function header(name: string, size: number, type: string, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK)
  const put = (text: string, at: number) => h.set(utf8.encode(text), at)
  put(name, 0)
  put(octal(0o644, 8), 100)
  put(octal(0, 8), 108)
  put(octal(0, 8), 116)
  put(octal(size, 12), 124)
  put(octal(mtime, 12), 136)
  put('        ', 148)
  put(type, 156)
  put('ustar\0', 257)
  put('00', 263)
  let sum = 0
  for (const b of h) sum += b
  put(octal(sum, 7) + ' ', 148)
  return h
}

function isAsciiName(name: string): boolean {
  return /^[\x20-\x7e]*$/.test(name) && name.length <= USTAR_NAME
}

/** The header block(s) of one file: a pax extended header first when the name or size needs it. */
export function fileHeader(name: string, size: number, mtime: number): Uint8Array {
  checkTarName(name)
  const records: string[] = []
  if (!isAsciiName(name)) records.push(paxRecord('path', name))
  if (size > MAX_OCTAL_11) records.push(paxRecord('size', String(size)))
  const ascii = isAsciiName(name) ? name : name.replace(/[^\x20-\x7e]/g, '_').slice(-USTAR_NAME)
  const plain = header(ascii, size > MAX_OCTAL_11 ? 0 : size, '0', mtime)
  if (!records.length) return plain
  const pax = utf8.encode(records.join(''))
  const paxName = `PaxHeader/${ascii}`.slice(0, USTAR_NAME)
  return concat(header(paxName, pax.length, 'x', mtime), pad(pax), plain)
}

function pad(data: Uint8Array): Uint8Array {
  const rest = data.length % BLOCK
  return rest ? concat(data, new Uint8Array(BLOCK - rest)) : data
}

/** Total tar size for these files (for progress), without reading them. */
export function tarSize(files: TarInput[], mtime = 0): number {
  let n = 2 * BLOCK
  for (const f of files) n += fileHeader(f.name, f.data.size, mtime).length + Math.ceil(f.data.size / BLOCK) * BLOCK
  return n
}

/** Yields the tar stream chunk by chunk, reading each file by `Blob.slice` (bounded memory). */
export async function* tarStream(files: TarInput[], mtime: number): AsyncGenerator<Uint8Array> {
  const seen = new Set<string>()
  for (const f of files) {
    checkTarName(f.name)
    if (seen.has(f.name)) throw new TarError(`file ${JSON.stringify(f.name)} given twice`)
    seen.add(f.name)
  }
  for (const f of files) {
    yield fileHeader(f.name, f.data.size, mtime)
    for (let at = 0; at < f.data.size; at += READ_CHUNK) {
      const chunk = new Uint8Array(await f.data.slice(at, Math.min(f.data.size, at + READ_CHUNK)).arrayBuffer())
      yield chunk
    }
    const rest = f.data.size % BLOCK
    if (rest) yield new Uint8Array(BLOCK - rest)
  }
  yield new Uint8Array(2 * BLOCK)
}

function field(h: Uint8Array, at: number, len: number): string {
  const raw = h.subarray(at, at + len)
  const end = raw.indexOf(0)
  return new TextDecoder('latin1').decode(end < 0 ? raw : raw.subarray(0, end))
}

function parseOctal(h: Uint8Array, at: number, len: number): number {
  if ((h[at] as number) & 0x80) {
    // base-256 (GNU) for big sizes
    let v = 0
    for (let i = at + 1; i < at + len; i++) v = v * 256 + (h[i] as number)
    return v
  }
  const text = field(h, at, len).trim()
  if (!/^[0-7]*$/.test(text)) throw new TarError('bad number in a tar header')
  return text ? parseInt(text, 8) : 0
}

function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>()
  let at = 0
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    if (space < 0) break
    const len = Number(new TextDecoder().decode(data.subarray(at, space)))
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length) throw new TarError('bad pax record')
    const record = utf8Strict.decode(data.subarray(space + 1, at + len - 1))
    const eq = record.indexOf('=')
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1))
    at += len
  }
  return out
}

/** The regular files of a tar held in a Blob (read by slices): names, sizes, data offsets. */
export async function listTar(tar: Blob): Promise<TarEntry[]> {
  const entries: TarEntry[] = []
  const read = async (at: number, n: number) => new Uint8Array(await tar.slice(at, at + n).arrayBuffer())
  let at = 0
  let pax = new Map<string, string>()
  let longName: string | null = null
  while (at + BLOCK <= tar.size) {
    const h = await read(at, BLOCK)
    if (h.every((b) => b === 0)) return entries
    let sum = 0
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number)
    if (sum !== parseOctal(h, 148, 8)) throw new TarError('tar header checksum mismatch')
    const type = String.fromCharCode(h[156] as number)
    let size = parseOctal(h, 124, 12)
    const dataAt = at + BLOCK
    const next = dataAt + Math.ceil(size / BLOCK) * BLOCK
    if (next > tar.size) throw new TarError('the tar ends inside an entry')
    if (type === 'x') {
      pax = parsePax(await read(dataAt, size))
    } else if (type === 'g') {
      // global pax header: nothing the reader needs
    } else if (type === 'L') {
      longName = new TextDecoder().decode(await read(dataAt, size)).replace(/\0+$/, '')
    } else {
      const prefix = field(h, 345, 155)
      const ustarName = new TextDecoder().decode(h.subarray(0, 100)).replace(/\0.*$/s, '')
      const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${ustarName}` : ustarName)
      const paxSize = pax.get('size')
      if (paxSize !== undefined) size = Number(paxSize)
      if (type === '0' || type === '\0' || type === '7') entries.push({ name, size, offset: dataAt })
      pax = new Map()
      longName = null
      at = dataAt + Math.ceil(size / BLOCK) * BLOCK
      continue
    }
    at = next
  }
  throw new TarError('the tar has no end-of-archive marker')
}
