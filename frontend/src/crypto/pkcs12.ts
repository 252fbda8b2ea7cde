/**
 * PKCS#12 (RFC 7292) bundles as `bidding enrol` and the demo write them: key and certificates
 * encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), integrity by an HMAC-SHA256 MAC.
 * Parsed with pkijs; the private key is imported into WebCrypto as non-extractable handles, one
 * per job (login, CMS signing, decryption: see `importIdentityKeys`).
 */
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { x509 } from './x509'
import { keyMatchesCertificate } from './certificate'
import { toArrayBuffer, toBytes } from './encoding'
import { importIdentityKeys, signatureParams, type KeyHandles, type KeyKind } from './keys'
import { Pkcs12Error } from './errors'

export { Pkcs12Error, type Pkcs12Problem } from './errors'

const BAG_SHROUDED_KEY = '1.2.840.113549.1.12.10.1.2'
const BAG_KEY = '1.2.840.113549.1.12.10.1.1'
const BAG_CERT = '1.2.840.113549.1.12.10.1.3'
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1'
const OID_P256 = '1.2.840.10045.3.1.7'
const OID_RSA = '1.2.840.113549.1.1.1'
const OID_RSA_PSS = '1.2.840.113549.1.1.10'

interface ShroudedKeyBag {
  parseInternalValues(parameters: { password: ArrayBuffer }): Promise<void>
}

export interface ImportedIdentity {
  /** Login signing key (ECDSA P-256 or RSA-PSS). */
  privateKey: CryptoKey
  /** CMS signing and decryption handles of the same key. */
  keys: KeyHandles
  /** DER of the end-entity certificate (the one whose public key matches the private key). */
  certificate: Uint8Array
  /** DER of the other certificates in the bundle (CA chain). */
  chain: Uint8Array[]
}

/** The passphrase as UTF-8: PBES2 (PBKDF2) uses it as is; pkijs turns it into the BMPString
 * that the PKCS#12 MAC key derivation (RFC 7292 Appendix B) needs. */
export function utf8Password(passphrase: string): ArrayBuffer {
  return toArrayBuffer(new TextEncoder().encode(passphrase))
}

function keyKindOfInfo(info: pkijs.PrivateKeyInfo): KeyKind {
  const oid = info.privateKeyAlgorithm.algorithmId
  if (oid === OID_EC_PUBLIC_KEY) {
    const params = info.privateKeyAlgorithm.algorithmParams as { valueBlock?: { toString(): string } } | undefined
    const curve = params?.valueBlock?.toString()
    if (curve !== undefined && curve !== OID_P256) throw new Pkcs12Error('unsupported_key')
    return 'ecdsa-p256'
  }
  if (oid === OID_RSA || oid === OID_RSA_PSS) return 'rsa-2048'
  throw new Pkcs12Error('unsupported_key')
}

/** WebCrypto's RSA-OAEP / PKCS#1 v1.5 imports want rsaEncryption PKCS#8, not the id-RSASSA-PSS OID. */
function asRsaEncryption(info: pkijs.PrivateKeyInfo): pkijs.PrivateKeyInfo {
  if (info.privateKeyAlgorithm.algorithmId !== OID_RSA_PSS) return info
  return new pkijs.PrivateKeyInfo({
    version: info.version,
    privateKeyAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_RSA, algorithmParams: new asn1js.Null() }),
    privateKey: info.privateKey,
  })
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Opens a PKCS#12 bundle with `passphrase`; the key is imported non-extractable. */
export async function importPkcs12(data: ArrayBuffer | Uint8Array, passphrase: string): Promise<ImportedIdentity> {
  let pfx: pkijs.PFX
  try {
    pfx = pkijs.PFX.fromBER(toArrayBuffer(data))
  } catch (cause) {
    throw new Pkcs12Error('not_pkcs12', { cause })
  }
  const utf8 = utf8Password(passphrase)
  try {
    await pfx.parseInternalValues({ password: utf8, checkIntegrity: true })
  } catch (cause) {
    // A MAC that does not verify means a wrong passphrase (or a damaged file).
    const text = errorMessage(cause).toLowerCase()
    throw new Pkcs12Error(text.includes('integrity') || text.includes('mac') ? 'wrong_passphrase' : 'not_pkcs12', {
      cause,
    })
  }
  const authSafe = pfx.parsedValue?.authenticatedSafe
  if (!authSafe) throw new Pkcs12Error('not_pkcs12')
  try {
    await authSafe.parseInternalValues({
      safeContents: authSafe.safeContents.map(() => ({ password: utf8 })),
    })
  } catch (cause) {
    throw new Pkcs12Error('wrong_passphrase', { cause })
  }

  let keyInfo: pkijs.PrivateKeyInfo | null = null
  const certs: Uint8Array[] = []
  for (const contents of authSafe.parsedValue?.safeContents ?? []) {
    for (const bag of contents.value.safeBags) {
      if (bag.bagId === BAG_SHROUDED_KEY) {
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag
        try {
          // Public at run time; declared protected in pkijs' typings.
          await (shrouded as unknown as ShroudedKeyBag).parseInternalValues({ password: utf8 })
        } catch (cause) {
          throw new Pkcs12Error('wrong_passphrase', { cause })
        }
        keyInfo = shrouded.parsedValue ?? null
      } else if (bag.bagId === BAG_KEY) {
        keyInfo = bag.bagValue as pkijs.PrivateKeyInfo
      } else if (bag.bagId === BAG_CERT) {
        const certBag = bag.bagValue as pkijs.CertBag
        if (certBag.parsedValue instanceof pkijs.Certificate) {
          certs.push(toBytes(certBag.parsedValue.toSchema().toBER(false)))
        }
      }
    }
  }
  if (!keyInfo) throw new Pkcs12Error('no_key')
  if (certs.length === 0) throw new Pkcs12Error('no_certificate')

  const kind = keyKindOfInfo(keyInfo)
  let privateKey: CryptoKey
  let keys: KeyHandles
  const pkcs8 = toArrayBuffer(asRsaEncryption(keyInfo).toSchema().toBER(false))
  try {
    ;({ privateKey, handles: keys } = await importIdentityKeys(pkcs8, kind))
  } catch (cause) {
    throw new Pkcs12Error('unsupported_key', { cause })
  } finally {
    new Uint8Array(pkcs8).fill(0)
  }

  const sigParams = signatureParams(privateKey) as Algorithm
  let leafIndex = -1
  for (const [i, der] of certs.entries()) {
    if (await keyMatchesCertificate(privateKey, new x509.X509Certificate(toArrayBuffer(der)), sigParams)) {
      leafIndex = i
      break
    }
  }
  if (leafIndex < 0) throw new Pkcs12Error('no_certificate')
  const certificate = certs[leafIndex] as Uint8Array
  return { privateKey, keys, certificate, chain: certs.filter((_, i) => i !== leafIndex) }
}
