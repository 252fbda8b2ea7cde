/**
 * Key schedule (§3): HKDF-SHA256 from the 32-byte data key, with WebCrypto.
 *
 *   commitment       = HKDF(K, salt, "bidseal/v1 key commitment", 32)
 *   binding key      = HKDF(K, salt, "bidseal/v1 header binding", 32)
 *   part key||prefix = HKDF(K, salt, "bidseal/v1 part key" 0x00 label 0x00 SHA-256(header), 39)
 *   binding tag      = HMAC-SHA256(binding key, label 0x00 SHA-256(header))
 */
import { ascii, buf, concat, equalBytes } from './bytes'
import { HeaderMismatchError, KeyCommitmentMismatchError } from './errors'

export const DATA_KEY_SIZE = 32
export const NONCE_PREFIX_SIZE = 7
export type PartLabel = 'form' | 'body'

const INFO_COMMITMENT = ascii('bidseal/v1 key commitment')
const INFO_BINDING = ascii('bidseal/v1 header binding')
const INFO_PART_KEY = ascii('bidseal/v1 part key')
const ZERO = Uint8Array.of(0)

async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(info) },
    key,
    length * 8,
  )
  return new Uint8Array(bits)
}

function checkKeySize(dataKey: Uint8Array): void {
  if (dataKey.length !== DATA_KEY_SIZE) {
    throw new KeyCommitmentMismatchError(`a data key is ${DATA_KEY_SIZE} bytes, got ${dataKey.length}`)
  }
}

export async function keyCommitment(dataKey: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
  checkKeySize(dataKey)
  return hkdf(dataKey, salt, INFO_COMMITMENT, 32)
}

/** Throws `key_commitment_mismatch` unless `dataKey` matches (constant-time compare). */
export async function checkCommitment(dataKey: Uint8Array, salt: Uint8Array, expected: Uint8Array): Promise<void> {
  if (!equalBytes(await keyCommitment(dataKey, salt), expected)) {
    throw new KeyCommitmentMismatchError("the data key does not match this package's key commitment (wrong key)")
  }
}

export interface PartKeys {
  label: PartLabel
  /** AES-256-GCM key, non-extractable. */
  key: CryptoKey
  /** Raw key bytes: only kept for the test vectors (`exposeRaw`). */
  raw?: Uint8Array
  noncePrefix: Uint8Array
  bindingTag: Uint8Array
}

export async function partKeys(
  dataKey: Uint8Array,
  salt: Uint8Array,
  headerSha256: Uint8Array,
  label: PartLabel,
  exposeRaw = false,
): Promise<PartKeys> {
  checkKeySize(dataKey)
  const name = ascii(label)
  const okm = await hkdf(dataKey, salt, concat(INFO_PART_KEY, ZERO, name, ZERO, headerSha256), 32 + NONCE_PREFIX_SIZE)
  const bindingKey = await hkdf(dataKey, salt, INFO_BINDING, 32)
  const hmacKey = await crypto.subtle.importKey('raw', buf(bindingKey), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
  const tag = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, buf(concat(name, ZERO, headerSha256))))
  const rawKey = okm.slice(0, 32)
  const key = await crypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt', 'decrypt'])
  const keys: PartKeys = { label, key, noncePrefix: okm.slice(32), bindingTag: tag }
  if (exposeRaw) keys.raw = rawKey
  else rawKey.fill(0)
  okm.fill(0)
  bindingKey.fill(0)
  return keys
}

export function checkBinding(keys: PartKeys, stored: Uint8Array): void {
  if (!equalBytes(keys.bindingTag, stored)) {
    throw new HeaderMismatchError(`the ${keys.label} part was sealed under another header (header swapped or altered)`)
  }
}
