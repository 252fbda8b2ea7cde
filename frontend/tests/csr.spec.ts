import * as asn1js from 'asn1js'
import { describe, expect, it } from 'vitest'
import { buildCsr } from '@/crypto/csr'
import { generateKeyPair } from '@/crypto/keys'
import {
  creditCodeCheckChar,
  isValidCreditCode,
  OID,
  subjectName,
  type PlatformSubject,
} from '@/crypto/subject'
import { x509 } from '@/crypto/x509'
import { pemDecodeAll } from '@/crypto/encoding'

const subject: PlatformSubject = {
  organisation: '中建八局第三建设有限公司',
  creditCode: '91320100134900001R',
  commonName: '张伟',
  role: 'bidder',
}

// Universal tags of the DirectoryString choices (X.680): the server's `to_name()` writes C as a
// PrintableString (19) and everything else as UTF8String (12).
const PRINTABLE_STRING = 19
const UTF8_STRING = 12

/** The subject Name DER as [oid, universal tag of the value, text], RDN by RDN (one attribute each). */
function readName(der: Uint8Array): Array<[string, number, string]> {
  const parsed = asn1js.fromBER(der.slice().buffer as ArrayBuffer)
  expect(parsed.offset).toBe(der.byteLength)
  const rdns = (parsed.result as asn1js.Sequence).valueBlock.value as asn1js.Set[]
  return rdns.map((rdn) => {
    expect(rdn.valueBlock.value).toHaveLength(1)
    const atv = rdn.valueBlock.value[0] as asn1js.Sequence
    const [type, value] = atv.valueBlock.value as [asn1js.ObjectIdentifier, asn1js.BaseStringBlock]
    return [type.valueBlock.toString(), value.idBlock.tagNumber, value.getValue()]
  })
}

describe('credit codes', () => {
  it('computes the GB 32100-2015 check character', () => {
    expect(creditCodeCheckChar('91320100134900001')).toBe('R')
    expect(isValidCreditCode('91320100134900001R')).toBe(true)
    expect(isValidCreditCode('913201001349000010')).toBe(false)
    expect(isValidCreditCode('9132010013490000')).toBe(false)
    expect(isValidCreditCode('91320100I34900001R')).toBe(false) // I is not in the alphabet
  })
})

describe('subjectName', () => {
  it('refuses what the server would refuse', () => {
    expect(() => subjectName({ ...subject, creditCode: '913201001349000010' })).toThrow(/creditCode/)
    expect(() => subjectName({ ...subject, commonName: '  ' })).toThrow(/commonName/)
    expect(() => subjectName({ ...subject, role: 'boss' as never })).toThrow(/role/)
  })
})

describe('buildCsr', () => {
  for (const kind of ['ecdsa-p256', 'rsa-2048'] as const) {
    it(`encodes the platform subject exactly like crypto/subject.py (${kind})`, async () => {
      const keys = await generateKeyPair(kind)
      expect(keys.privateKey.extractable).toBe(false)
      const pem = await buildCsr(keys, subject)
      expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/)
      const der = pemDecodeAll(pem, 'CERTIFICATE REQUEST')[0] as Uint8Array
      const csr = new x509.Pkcs10CertificateRequest(der.slice().buffer as ArrayBuffer)
      expect(await csr.verify()).toBe(true)
      expect(csr.subjectName.getField(OID.organizationIdentifier)).toEqual(['NTRCN-91320100134900001R'])
      expect(readName(new Uint8Array(csr.subjectName.toArrayBuffer()))).toEqual([
        [OID.country, PRINTABLE_STRING, 'CN'],
        [OID.organisation, UTF8_STRING, '中建八局第三建设有限公司'],
        [OID.organizationIdentifier, UTF8_STRING, 'NTRCN-91320100134900001R'],
        [OID.organisationalUnit, UTF8_STRING, 'bidder'],
        [OID.commonName, UTF8_STRING, '张伟'],
      ])
      const expectedAlg = kind === 'ecdsa-p256' ? 'ECDSA' : 'RSA-PSS'
      expect(csr.publicKey.algorithm.name).toBe(kind === 'ecdsa-p256' ? 'ECDSA' : 'RSASSA-PKCS1-v1_5')
      expect(csr.signatureAlgorithm.name).toBe(expectedAlg)
    })
  }
})
