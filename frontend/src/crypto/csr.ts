/** PKCS#10 certificate requests (RFC 2986) with the platform subject, built with @peculiar/x509. */
import { x509 } from './x509'
import { signatureParams } from './keys'
import { subjectName, type PlatformSubject } from './subject'


/** A CSR for `subject`, signed (proof of possession) by the key pair; PEM. */
export async function buildCsr(keys: CryptoKeyPair, subject: PlatformSubject): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name(subjectName(subject)),
    keys,
    signingAlgorithm: { ...signatureParams(keys.privateKey), hash: 'SHA-256' },
  })
  return csr.toString('pem')
}
