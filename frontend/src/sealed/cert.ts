/** What the format needs from an X.509 certificate: DER, fingerprint, issuer+serial, public key. */
import { x509 } from '@/crypto/x509'
import { ORG_ID_PREFIX, OID as NAME_OID } from '@/crypto/subject'
import { buf, hexEncode, pemDecodeAll, toBytes } from './bytes'
import { children, expect, oidText, OID, parseOne, seq, TAG, type Node } from './der'

export type KeyType = 'rsa' | 'ec-p256'

export interface Cert {
  der: Uint8Array
  /** Lowercase hex SHA-256 of the DER (the format's fingerprint). */
  sha256: string
  /** The issuer Name and serial INTEGER exactly as encoded in the certificate. */
  issuer: Node
  serial: Node
  /** DER IssuerAndSerialNumber (the rid of envelopes and signatures). */
  issuerAndSerial: Uint8Array
  spki: Uint8Array
  keyType: KeyType | null
}

export function certDer(cert: string | Uint8Array): Uint8Array {
  if (typeof cert !== 'string') return cert
  const der = pemDecodeAll(cert)[0]
  if (!der) throw new TypeError('no certificate in PEM')
  return der
}

export async function loadCert(input: string | Uint8Array): Promise<Cert> {
  const der = certDer(input)
  const top = children(parseOne(der))
  const tbs = children(expect(top[0], TAG.SEQUENCE, 'tbsCertificate'))
  let i = tbs[0]?.tag === 0xa0 ? 1 : 0
  const serial = expect(tbs[i++], TAG.INTEGER, 'serialNumber')
  i++ // signature algorithm
  const issuer = expect(tbs[i++], TAG.SEQUENCE, 'issuer')
  i += 2 // validity, subject
  const spkiNode = expect(tbs[i], TAG.SEQUENCE, 'subjectPublicKeyInfo')
  const alg = children(expect(children(spkiNode)[0], TAG.SEQUENCE, 'algorithm'))
  const algOid = oidText(alg[0])
  let keyType: KeyType | null = null
  if (algOid === OID.rsaEncryption) keyType = 'rsa'
  else if (algOid === OID.ecPublicKey && alg[1]?.tag === TAG.OID && oidText(alg[1]) === OID.p256) keyType = 'ec-p256'
  const digest = await crypto.subtle.digest('SHA-256', buf(der))
  return {
    der,
    sha256: hexEncode(digest),
    issuer,
    serial,
    issuerAndSerial: seq(issuer.raw, serial.raw),
    spki: spkiNode.raw,
    keyType,
  }
}

/** The credit code of the certificate's `organizationIdentifier` (`NTRCN-…`), or null. */
export function creditCodeOf(der: Uint8Array): string | null {
  const parsed = new x509.X509Certificate(buf(toBytes(der)))
  const identifier = parsed.subjectName.getField(NAME_OID.organizationIdentifier)[0] ?? ''
  return identifier.startsWith(ORG_ID_PREFIX) ? identifier.slice(ORG_ID_PREFIX.length) : null
}
