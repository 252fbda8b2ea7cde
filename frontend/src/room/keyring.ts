/**
 * The logged-in bidder's keys for the room: the stored identity (IndexedDB, `crypto/store.ts`)
 * whose certificate is the session's, with its decryption and record-signing key handles. The keys
 * stay non-extractable; only what they produce (a data key, a signature) reaches the room.
 */
import { currentSession } from '@/auth/session'
import { decryptionKey, identityWithFingerprint, recordSigningKey, type StoredIdentity } from '@/crypto/store'
import type { BidderKeys, UnwrapDataKey } from './bidder'

/** Where the key handles of an identity come from (the crypto module; a fake in unit tests). */
export interface KeySource {
  decryptionKey(identity: StoredIdentity): Promise<CryptoKey>
  recordSigningKey(identity: StoredIdentity): Promise<CryptoKey>
  unwrap: UnwrapDataKey
}

/**
 * The identity's own handles (`crypto/store.ts`: made at enrolment or .p12 import; an identity
 * stored by an older version has none and must be imported again) and the sealed-bid unwrapping.
 */
export const identityKeys: KeySource = {
  decryptionKey: async (identity) => decryptionKey(identity),
  recordSigningKey: async (identity) => recordSigningKey(identity),
  // The sealed-bid module is loaded when first needed (the room view does not need it otherwise).
  unwrap: async (cms, key, cert) => (await import('@/sealed')).unwrapDataKey(cms, key, cert),
}

let source: KeySource = identityKeys

/** Sets where key handles come from (unit tests use a fake). */
export function setKeySource(next: KeySource): void {
  source = next
}

export function keySource(): KeySource {
  return source
}

/** Binds an identity to the key source, as the flows in `bidder.ts` take it. */
export function keysOf(identity: StoredIdentity, from: KeySource = source): BidderKeys {
  return {
    certificatePem: identity.certificatePem ?? '',
    decryptionKey: () => from.decryptionKey(identity),
    recordSigningKey: () => from.recordSigningKey(identity),
  }
}

/** The session's bidder keys in this browser, or null when no stored identity matches its certificate. */
export async function sessionKeys(from: KeySource = source): Promise<BidderKeys | null> {
  const fingerprint = currentSession.value?.session.fingerprint
  if (!fingerprint) return null
  const identity = await identityWithFingerprint(fingerprint).catch(() => null)
  return identity ? keysOf(identity, from) : null
}
