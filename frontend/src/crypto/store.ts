/**
 * The user's identities in this browser: IndexedDB database `bidding-identities`, object store
 * `identities`. Each record holds the private key as a non-extractable CryptoKey (structured
 * clone keeps it usable for signing but unreadable), the certificate and its chain as PEM, and
 * what the UI shows. Keys never leave the browser: the server only ever sees CSRs, certificates
 * and signatures.
 *
 * `privateKey` is the login signing key; `keys` holds other non-extractable handles to the same
 * key material (CMS signing, decryption of sealed-bid envelopes). Identities stored before those
 * existed lack `keys`: {@link decryptionKey} and friends then throw {@link MissingKeyHandleError}.
 */
import type { CertificateInfo } from './certificate'
import { MissingKeyHandleError, type KeyHandles, type KeyKind } from './keys'

export { MissingKeyHandleError } from './keys'

export const DB_NAME = 'bidding-identities'
export const STORE = 'identities'
const VERSION = 1

export interface StoredIdentity {
  id: string
  /** Login signatures (ECDSA P-256 or RSA-PSS). */
  privateKey: CryptoKey
  /** Other handles of the same key; absent in identities stored by older versions. */
  keys?: KeyHandles
  keyKind: KeyKind
  /** Null while an enrolment is under way (key made, certificate not yet received). */
  certificatePem: string | null
  chainPem: string[]
  info: CertificateInfo | null
  /** How it got here. */
  source: 'generated' | 'pkcs12'
  createdAt: string
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

let opening: Promise<IDBDatabase> | null = null

function open(): Promise<IDBDatabase> {
  if (!opening) {
    opening = new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') {
        reject(new Error('IndexedDB is not available in this browser'))
        return
      }
      const req = indexedDB.open(DB_NAME, VERSION)
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'id' })
      }
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => reject(req.error ?? new Error('IndexedDB cannot be opened'))
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'))
    }).catch((error: unknown) => {
      opening = null
      throw error
    })
  }
  return opening
}

async function withStore<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open()
  const tx = db.transaction(STORE, mode)
  const done = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
  const [result] = await Promise.all([request(run(tx.objectStore(STORE))), done])
  return result
}

export function newIdentityId(): string {
  return crypto.randomUUID()
}

export async function saveIdentity(identity: StoredIdentity): Promise<void> {
  await withStore('readwrite', (s) => s.put(identity))
}

export async function getIdentity(id: string): Promise<StoredIdentity | null> {
  return ((await withStore('readonly', (s) => s.get(id))) as StoredIdentity | undefined) ?? null
}

/** Every identity, newest first. */
export async function listIdentities(): Promise<StoredIdentity[]> {
  const all = (await withStore('readonly', (s) => s.getAll())) as StoredIdentity[]
  return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
}

/** The stored identity with the certificate `fingerprint` (hex SHA-256 of its DER), if this browser has it. */
export async function identityWithFingerprint(fingerprint: string): Promise<StoredIdentity | null> {
  const wanted = fingerprint.toLowerCase()
  return (await listIdentities()).find((i) => i.certificatePem && i.info?.fingerprint.toLowerCase() === wanted) ?? null
}

export async function deleteIdentity(id: string): Promise<void> {
  await withStore('readwrite', (s) => s.delete(id))
}

type KeyHolder = Pick<StoredIdentity, 'keys'>

/** The handle that opens sealed-bid envelopes (ECDH P-256 or RSA-OAEP-SHA256): for `unwrapDataKey`. */
export function decryptionKey(identity: KeyHolder): CryptoKey {
  const key = identity.keys?.decrypt
  if (!key) throw new MissingKeyHandleError('decrypt')
  return key
}

/** The handle for CMS SignedData (sealed bids): ECDSA P-256 or RSASSA-PKCS1-v1_5, as OpenSSL signs. */
export function cmsSigningKey(identity: KeyHolder): CryptoKey {
  const key = identity.keys?.cms
  if (!key) throw new MissingKeyHandleError('cms')
  return key
}

/** The handle for the opening record's remote signature (crypto/pdf/remote.py: PKCS#1 v1.5 or ECDSA). */
export function recordSigningKey(identity: KeyHolder): CryptoKey {
  return cmsSigningKey(identity)
}
