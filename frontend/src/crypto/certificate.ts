/** Reading certificates (PEM or DER) into what the UI shows. */
import { x509 } from './x509'
import { hexEncode, pemDecodeAll, pemEncode, toArrayBuffer } from './encoding'
import { OID, ORG_ID_PREFIX } from './subject'


export interface CertificateInfo {
  commonName: string
  organisation: string
  /** From the NTRCN- organizationIdentifier; empty if the subject has none. */
  creditCode: string
  role: string
  issuer: string
  serial: string
  /** SHA-256 of the DER, lower-case hex (the server's fingerprint). */
  fingerprint: string
  notBefore: string
  notAfter: string
}

function first(name: x509.Name, oid: string): string {
  return name.getField(oid)[0] ?? ''
}

export function parseCertificate(cert: string | Uint8Array): x509.X509Certificate {
  if (typeof cert === 'string') {
    const der = pemDecodeAll(cert)[0]
    if (!der) throw new TypeError('no certificate in PEM')
    return new x509.X509Certificate(toArrayBuffer(der))
  }
  return new x509.X509Certificate(toArrayBuffer(cert))
}

export async function certificateInfo(cert: string | Uint8Array): Promise<CertificateInfo> {
  const parsed = parseCertificate(cert)
  const name = parsed.subjectName
  const identifier = first(name, OID.organizationIdentifier)
  return {
    commonName: first(name, OID.commonName),
    organisation: first(name, OID.organisation),
    creditCode: identifier.startsWith(ORG_ID_PREFIX) ? identifier.slice(ORG_ID_PREFIX.length) : '',
    role: first(name, OID.organisationalUnit),
    issuer: parsed.issuer,
    serial: parsed.serialNumber.toLowerCase(),
    fingerprint: hexEncode(await crypto.subtle.digest('SHA-256', parsed.rawData)),
    notBefore: parsed.notBefore.toISOString(),
    notAfter: parsed.notAfter.toISOString(),
  }
}

export function certificatePem(cert: string | Uint8Array): string {
  return typeof cert === 'string' ? cert : pemEncode(cert, 'CERTIFICATE')
}

/** True if `privateKey` belongs to the certificate: sign a probe and verify it with the certificate's key. */
export async function keyMatchesCertificate(
  privateKey: CryptoKey,
  cert: x509.X509Certificate,
  params: Algorithm,
): Promise<boolean> {
  const probe = crypto.getRandomValues(new Uint8Array(32))
  const signature = await crypto.subtle.sign(params, privateKey, probe)
  try {
    const importParams =
      privateKey.algorithm.name === 'ECDSA'
        ? { name: 'ECDSA', namedCurve: 'P-256' }
        : { name: privateKey.algorithm.name, hash: 'SHA-256' }
    const publicKey = await cert.publicKey.export(importParams, ['verify'])
    return await crypto.subtle.verify(params, publicKey, signature, probe)
  } catch {
    return false
  }
}
