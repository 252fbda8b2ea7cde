/**
 * Key pairs and signatures with WebCrypto. Private keys are created (or imported) non-extractable:
 * the browser can sign with them but no script, including ours, can read them out.
 *
 * A WebCrypto key is bound to one algorithm, but one identity key has several jobs: login
 * signatures (ECDSA / RSA-PSS), CMS and opening-record signatures (ECDSA / RSASSA-PKCS1-v1_5) and
 * opening sealed-bid envelopes (ECDH / RSA-OAEP-SHA256). So the same key material is imported
 * once per job as separate non-extractable handles ({@link KeyHandles}); the PKCS#8 bytes only
 * exist for the moment of that import (enrolment or PKCS#12 import).
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

// -- one key, several non-extractable handles -----------------------------------------------------

export const ECDH_P256: EcKeyImportParams = { name: 'ECDH', namedCurve: 'P-256' }
export const RSA_PKCS1_SHA256: RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
export const RSA_OAEP_SHA256: RsaHashedImportParams = { name: 'RSA-OAEP', hash: 'SHA-256' }

/**
 * The extra handles of an identity key, besides the login signing key (`StoredIdentity.privateKey`).
 * EC: `cms` is an ECDSA handle, `decrypt` an ECDH handle. RSA: `cms` is RSASSA-PKCS1-v1_5
 * (what CMS SignedData and the opening record's remote PDF signature use, as OpenSSL and CA
 * tools do), `decrypt` is RSA-OAEP with SHA-256 (the sealed-bid envelope profile).
 */
export interface KeyHandles {
  decrypt?: CryptoKey
  cms?: CryptoKey
}

/** A freshly made or imported identity key: the login key, its public key (for CSRs) and the other handles. */
export interface IdentityKeys {
  /** Login signatures: ECDSA P-256 or RSA-PSS (SHA-256). */
  privateKey: CryptoKey
  publicKey: CryptoKey
  handles: Required<KeyHandles>
}

export type KeyPurpose = 'decrypt' | 'cms'

/** An identity stored before decryption-capable handles existed: it has to be imported again from its .p12. */
export class MissingKeyHandleError extends Error {
  override readonly name = 'MissingKeyHandleError'
  /** Stable code for the UI message ("re-import your .p12 file"). */
  readonly code = 'key_reimport_required'
  constructor(readonly purpose: KeyPurpose) {
    super(
      `this identity has no ${purpose === 'decrypt' ? 'decryption' : 'CMS signing'} key handle; ` +
        'import its PKCS#12 (.p12) file again',
    )
  }
}

/**
 * Imports PKCS#8 key material as the non-extractable handles an identity needs. The caller drops
 * its copy of `pkcs8` afterwards. Throws (a DOMException) if the material does not fit `kind`.
 */
export async function importIdentityKeys(
  pkcs8: ArrayBuffer,
  kind: KeyKind,
): Promise<{ privateKey: CryptoKey; handles: Required<KeyHandles> }> {
  const subtle = crypto.subtle
  const login = kind === 'ecdsa-p256' ? ECDSA_P256 : RSA_PSS_SHA256
  const privateKey = await subtle.importKey('pkcs8', pkcs8, login, false, ['sign'])
  if (kind === 'ecdsa-p256') {
    // ECDSA and ECDH share the id-ecPublicKey PKCS#8 encoding; the login handle also signs CMS.
    const decrypt = await subtle.importKey('pkcs8', pkcs8, ECDH_P256, false, ['deriveBits'])
    return { privateKey, handles: { cms: privateKey, decrypt } }
  }
  const [cms, decrypt] = await Promise.all([
    subtle.importKey('pkcs8', pkcs8, RSA_PKCS1_SHA256, false, ['sign']),
    subtle.importKey('pkcs8', pkcs8, RSA_OAEP_SHA256, false, ['decrypt']),
  ])
  return { privateKey, handles: { cms, decrypt } }
}

/** Generation parameters of an identity key of `kind`. */
export function identityKeyParams(kind: KeyKind): EcKeyGenParams | RsaHashedKeyGenParams {
  // RSA is generated as PKCS#1 v1.5 so the export is plain rsaEncryption PKCS#8, which every RSA
  // algorithm imports (an RSA-PSS export may carry the id-RSASSA-PSS OID in some engines).
  return kind === 'ecdsa-p256'
    ? { name: 'ECDSA', namedCurve: 'P-256' }
    : { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
}

/**
 * A new identity key: generated extractable (the only way to get several handles of one key),
 * exported as PKCS#8 once, imported again as non-extractable handles; the extractable key and
 * the PKCS#8 bytes are then dropped (and zeroed) so only non-extractable handles remain.
 */
export async function generateIdentityKeys(kind: KeyKind): Promise<IdentityKeys> {
  const pair = await crypto.subtle.generateKey(identityKeyParams(kind), true, ['sign', 'verify'])
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey)
  const spki = await crypto.subtle.exportKey('spki', pair.publicKey)
  try {
    const { privateKey, handles } = await importIdentityKeys(pkcs8, kind)
    const publicKey = await crypto.subtle.importKey(
      'spki',
      spki,
      kind === 'ecdsa-p256' ? ECDSA_P256 : RSA_PSS_SHA256,
      true,
      ['verify'],
    )
    return { privateKey, publicKey, handles }
  } finally {
    new Uint8Array(pkcs8).fill(0)
  }
}
