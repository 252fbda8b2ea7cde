/** Byte helpers: base64, hex, PEM, SHA-256. No dependencies; works in browsers and Node ≥ 20. */

export function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return new Uint8Array(data)
}

/** A fresh ArrayBuffer holding exactly these bytes (WebCrypto and pkijs want ArrayBuffers). */
export function toArrayBuffer(data: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  const bytes = toBytes(data)
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  return copy.buffer
}

export function base64Encode(data: ArrayBuffer | ArrayBufferView): string {
  const bytes = toBytes(data)
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/** Decodes standard or URL-safe base64, padding optional. Throws on other characters. */
export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new TypeError('not base64')
  const padded = clean.replace(/=+$/, '')
  const binary = atob(padded + '='.repeat((4 - (padded.length % 4)) % 4))
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

export function hexEncode(data: ArrayBuffer | ArrayBufferView): string {
  return Array.from(toBytes(data), (b) => b.toString(16).padStart(2, '0')).join('')
}

export async function sha256Hex(data: ArrayBuffer | ArrayBufferView): Promise<string> {
  return hexEncode(await crypto.subtle.digest('SHA-256', toArrayBuffer(data)))
}

/** PEM armour (RFC 7468) with 64-character lines. */
export function pemEncode(der: ArrayBuffer | ArrayBufferView, label: string): string {
  const lines = base64Encode(der).match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** Every PEM block with `label` in `text`, as DER. */
export function pemDecodeAll(text: string, label = 'CERTIFICATE'): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g')
  const out: Uint8Array[] = []
  for (const match of text.matchAll(re)) out.push(base64Decode(match[1] ?? ''))
  return out
}
