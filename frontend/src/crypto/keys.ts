/**
 * Key pairs and signatures with WebCrypto. Private keys are created (or imported) non-extractable:
 * the browser can sign with them but no script, including ours, can read them out.
 */
import { base64Encode, toArrayBuffer } from './encoding'

export const KEY_KINDS = ['ecdsa-p256', 'rsa-2048'] as const
export type KeyKind = (typeof KEY_KINDS)[number]

/** What the server calls the signature algorithms (crypto/login.py). */
export type LoginAlgorithm = 'ecdsa-p256-sha256' | 'rsa-pss-sha256' | 'rsa-pkcs1-sha256'

export const ECDSA_P256: EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-256' }
export const RSA_PSS_SHA256: RsaHashedImportParams = { name: 'RSA-PSS', hash: 'SHA-256' }

export function generationParams(kind: KeyKind): EcKeyGenParams | RsaHashedKeyGenParams {
  return kind === 'ecdsa-p256'
    ? { name: 'ECDSA', namedCurve: 'P-256' }
    : { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
}

/** A new key pair; the private key is not extractable unless a test asks for it. */
export async function generateKeyPair(kind: KeyKind, extractable = false): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(generationParams(kind), extractable, ['sign', 'verify'])
}

/** The WebCrypto signature parameters for a key (what CSRs and login signatures use). */
export function signatureParams(key: CryptoKey): EcdsaParams | RsaPssParams | Algorithm {
  switch (key.algorithm.name) {
    case 'ECDSA':
      return { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams
    case 'RSA-PSS':
      return { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams
    case 'RSASSA-PKCS1-v1_5':
      return { name: 'RSASSA-PKCS1-v1_5' }
    default:
      throw new Error(`unsupported key algorithm ${key.algorithm.name}`)
  }
}

export function loginAlgorithm(key: CryptoKey): LoginAlgorithm {
  switch (key.algorithm.name) {
    case 'ECDSA':
      return 'ecdsa-p256-sha256'
    case 'RSA-PSS':
      return 'rsa-pss-sha256'
    case 'RSASSA-PKCS1-v1_5':
      return 'rsa-pkcs1-sha256'
    default:
      throw new Error(`unsupported key algorithm ${key.algorithm.name}`)
  }
}

export function keyKindOf(key: CryptoKey): KeyKind {
  return key.algorithm.name === 'ECDSA' ? 'ecdsa-p256' : 'rsa-2048'
}

/**
 * Signs `message`: ECDSA P-256 with SHA-256 (WebCrypto returns the raw 64-byte r‖s, which the
 * server accepts) or RSA-PSS with SHA-256 and a 32-byte salt. Returns base64 and the algorithm name.
 */
export async function signMessage(
  key: CryptoKey,
  message: Uint8Array,
): Promise<{ signature: string; algorithm: LoginAlgorithm }> {
  const raw = await crypto.subtle.sign(signatureParams(key), key, toArrayBuffer(message))
  return { signature: base64Encode(raw), algorithm: loginAlgorithm(key) }
}
