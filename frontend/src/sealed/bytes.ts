/** Byte helpers of the sealed-bid code: concatenation, big-endian integers, constant-time compare. */
export { base64Encode, base64Decode, hexEncode, toArrayBuffer, toBytes, pemDecodeAll } from '@/crypto/encoding'

export const utf8 = new TextEncoder()
export const utf8Strict = new TextDecoder('utf-8', { fatal: true })

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n >>> 0, false)
  return out
}

export function readU32(b: Uint8Array, at = 0): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, false)
}

export function ascii(text: string): Uint8Array {
  return utf8.encode(text)
}

/** Constant-time equality (like hmac.compare_digest): no early exit on the first differing byte. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

export function hexDecode(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError('not hex')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** A copy as a plain ArrayBuffer-backed Uint8Array (WebCrypto's BufferSource typing wants one). */
export function buf(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(data.length)
  copy.set(data)
  return copy
}
