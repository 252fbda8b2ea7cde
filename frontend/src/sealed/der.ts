/**
 * A minimal DER writer and reader for the CMS structures of the format (§5, §6). Written by hand
 * rather than through pkijs' schema classes so that the encoding is exactly the profile the
 * Python reader (asn1crypto, strict) and OpenSSL accept, byte for byte; pieces of certificates
 * (issuer Name, serial INTEGER) are copied as encoded, never re-encoded.
 */
import { concat, utf8 } from './bytes'

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const

/** Context-specific tag number `n`: constructed (0xa0 | n) or primitive (0x80 | n). */
export const ctx = (n: number, constructed = true): number => (constructed ? 0xa0 : 0x80) | n

function lengthBytes(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  const out: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff)
  return Uint8Array.of(0x80 | out.length, ...out)
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(...content)
  return concat(Uint8Array.of(tag), lengthBytes(body.length), body)
}

export const seq = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...items)
export const octets = (data: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, data)
export const NULL = Uint8Array.of(TAG.NULL, 0)

/** A SET OF in DER order: elements sorted by their encodings (X.690 §11.6). */
export function setOf(tag: number, items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes)
  return tlv(tag, ...sorted)
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return a.length - b.length
}

export function smallInt(n: number): Uint8Array {
  if (n < 0 || n > 127) throw new RangeError('smallInt: 0..127')
  return Uint8Array.of(TAG.INTEGER, 1, n)
}

/** A non-negative INTEGER from big-endian magnitude bytes (minimal encoding). */
export function uintBytes(magnitude: Uint8Array): Uint8Array {
  let i = 0
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++
  let body = magnitude.subarray(i)
  if (body.length === 0) body = Uint8Array.of(0)
  if ((body[0] as number) & 0x80) body = concat(Uint8Array.of(0), body)
  return tlv(TAG.INTEGER, body)
}

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number)
  const first = (parts[0] as number) * 40 + (parts[1] as number)
  const out: number[] = []
  for (const arc of [first, ...parts.slice(2)]) {
    const groups: number[] = []
    let v = arc
    do {
      groups.unshift(v & 0x7f)
      v = Math.floor(v / 128)
    } while (v > 0)
    for (let i = 0; i < groups.length - 1; i++) groups[i] = (groups[i] as number) | 0x80
    out.push(...groups)
  }
  return tlv(TAG.OID, Uint8Array.from(out))
}

export function bitString(data: Uint8Array): Uint8Array {
  return tlv(TAG.BIT_STRING, Uint8Array.of(0), data)
}

/** UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5652 §11.3), seconds, Z. */
export function time(when: Date): Uint8Array {
  const y = when.getUTCFullYear()
  const p = (n: number) => String(n).padStart(2, '0')
  const rest = `${p(when.getUTCMonth() + 1)}${p(when.getUTCDate())}${p(when.getUTCHours())}${p(when.getUTCMinutes())}${p(when.getUTCSeconds())}Z`
  if (y >= 1950 && y < 2050) return tlv(TAG.UTC_TIME, utf8.encode(p(y % 100) + rest))
  return tlv(TAG.GENERALIZED_TIME, utf8.encode(String(y).padStart(4, '0') + rest))
}

// -- reading ------------------------------------------------------------------------------------

export class DerError extends Error {
  override readonly name = 'DerError'
}

/** One decoded TLV: `tag`, the `content` bytes and the whole encoding `raw`. */
export interface Node {
  tag: number
  content: Uint8Array
  raw: Uint8Array
}

/** Reads one TLV at `at` (DER: definite, minimal lengths; single-byte tags). */
export function readNode(data: Uint8Array, at = 0): Node {
  if (at + 2 > data.length) throw new DerError('truncated DER')
  const tag = data[at] as number
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used')
  let len = data[at + 1] as number
  let head = 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw new DerError('indefinite or huge length')
    if (at + 2 + n > data.length) throw new DerError('truncated DER')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (data[at + 2 + i] as number)
    if (len < 0x80 || (n > 1 && data[at + 2] === 0)) throw new DerError('non-minimal length')
    head += n
  }
  if (at + head + len > data.length) throw new DerError('truncated DER')
  return { tag, content: data.subarray(at + head, at + head + len), raw: data.subarray(at, at + head + len) }
}

/** The whole of `data` must be one TLV (nothing after it). */
export function parseOne(data: Uint8Array): Node {
  const node = readNode(data, 0)
  if (node.raw.length !== data.length) throw new DerError('trailing bytes after DER value')
  return node
}

/** The children of a constructed node. */
export function children(node: Node): Node[] {
  if (!(node.tag & 0x20)) throw new DerError('not a constructed value')
  const out: Node[] = []
  for (let at = 0; at < node.content.length; ) {
    const child = readNode(node.content, at)
    out.push(child)
    at += child.raw.length
  }
  return out
}

export function expect(node: Node | undefined, tag: number, what: string): Node {
  if (!node || node.tag !== tag) throw new DerError(`expected ${what}`)
  return node
}

export function oidText(node: Node | undefined): string {
  const n = expect(node, TAG.OID, 'an OBJECT IDENTIFIER')
  const arcs: number[] = []
  let v = 0
  for (const b of n.content) {
    v = v * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      arcs.push(v)
      v = 0
    }
  }
  if (arcs.length === 0) throw new DerError('empty OID')
  const first = arcs[0] as number
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80]
  return [...head, ...arcs.slice(1)].join('.')
}

export function intValue(node: Node | undefined): number {
  const n = expect(node, TAG.INTEGER, 'an INTEGER')
  if (n.content.length > 4) throw new DerError('integer too large')
  let v = 0
  for (const b of n.content) v = v * 256 + b
  return v
}

export function equalNode(a: Node, b: Node): boolean {
  return compareBytes(a.raw, b.raw) === 0
}

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  aes256Wrap: '2.16.840.1.101.3.4.1.45',
  ecdhSha256Kdf: '1.3.132.1.11.1',
} as const

/** AlgorithmIdentifier sha256 with NULL parameters: the form both envelopes and signatures write. */
export const SHA256_ALG = seq(oid(OID.sha256), NULL)
