/** The identity flows, UI free: enrol with a key made here, import a PKCS#12, log in by signature. */
import { enrolCertificate, login, requestChallenge, type IssuedCertificate, type LoginResult } from '@/api/identity'
import { certificateInfo } from '@/crypto/certificate'
import { checkChallenge } from '@/crypto/challenge'
import { buildCsr } from '@/crypto/csr'
import { base64Decode, pemDecodeAll, pemEncode } from '@/crypto/encoding'
import { generateIdentityKeys, keyKindOf, signMessage, type KeyKind } from '@/crypto/keys'
import { importPkcs12 } from '@/crypto/pkcs12'
import {
  deleteIdentity,
  newIdentityId,
  saveIdentity,
  type StoredIdentity,
} from '@/crypto/store'
import type { PlatformSubject } from '@/crypto/subject'

export interface EnrolResult {
  identity: StoredIdentity
  issued: IssuedCertificate
}

/**
 * Makes a key pair here (kept only as non-extractable handles: login, CMS signing, decryption),
 * keeps it in IndexedDB before anything is sent (so a lost answer does not lose the key), sends
 * code + CSR, and stores the certificate.
 * If the platform refuses, the pending key is deleted again.
 */
export async function enrolHere(code: string, subject: PlatformSubject, kind: KeyKind): Promise<EnrolResult> {
  const keys = await generateIdentityKeys(kind)
  const csr = await buildCsr({ privateKey: keys.privateKey, publicKey: keys.publicKey }, subject)
  const pending: StoredIdentity = {
    id: newIdentityId(),
    privateKey: keys.privateKey,
    keys: keys.handles,
    keyKind: kind,
    certificatePem: null,
    chainPem: [],
    info: null,
    source: 'generated',
    createdAt: new Date().toISOString(),
  }
  await saveIdentity(pending)
  let issued: IssuedCertificate
  try {
    issued = await enrolCertificate(code.trim(), csr)
  } catch (error) {
    await deleteIdentity(pending.id).catch(() => undefined)
    throw error
  }
  const identity: StoredIdentity = {
    ...pending,
    certificatePem: issued.certificate_pem,
    chainPem: pemDecodeAll(issued.chain_pem).map((der) => pemEncode(der, 'CERTIFICATE')),
    info: await certificateInfo(issued.certificate_pem),
  }
  await saveIdentity(identity)
  return { identity, issued }
}

/** Opens a PKCS#12 file and stores its key (non-extractable), certificate and chain. */
export async function importIdentityFile(data: ArrayBuffer, passphrase: string): Promise<StoredIdentity> {
  const imported = await importPkcs12(data, passphrase)
  const identity: StoredIdentity = {
    id: newIdentityId(),
    privateKey: imported.privateKey,
    keys: imported.keys,
    keyKind: keyKindOf(imported.privateKey),
    certificatePem: pemEncode(imported.certificate, 'CERTIFICATE'),
    chainPem: imported.chain.map((der) => pemEncode(der, 'CERTIFICATE')),
    info: await certificateInfo(imported.certificate),
    source: 'pkcs12',
    createdAt: new Date().toISOString(),
  }
  await saveIdentity(identity)
  return identity
}

/**
 * Certificate login (docs/login.md): challenge, check it names this platform (`audience`, normally
 * `location.origin`) and this certificate, sign it here, send the signature.
 */
export async function loginWith(identity: StoredIdentity, audience: string): Promise<LoginResult> {
  if (!identity.certificatePem || !identity.info) throw new Error('identity has no certificate')
  const challenge = await requestChallenge(identity.certificatePem)
  const message = base64Decode(challenge.message)
  checkChallenge(message, audience, identity.info.fingerprint)
  const { signature, algorithm } = await signMessage(identity.privateKey, message)
  return login({
    challenge_id: challenge.challenge_id,
    certificate: identity.certificatePem,
    signature,
    algorithm,
    chain: identity.chainPem,
  })
}
