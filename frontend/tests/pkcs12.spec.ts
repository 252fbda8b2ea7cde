import { describe, expect, it } from 'vitest'
import { certificateInfo } from '@/crypto/certificate'
import { signMessage } from '@/crypto/keys'
import { base64Decode } from '@/crypto/encoding'
import { importPkcs12, Pkcs12Error } from '@/crypto/pkcs12'
import { EC_P256_P12, PASSPHRASE, RSA_2048_P12 } from './fixtures/pkcs12'

const FIXTURES: Record<string, string> = { 'ec-p256.p12': EC_P256_P12, 'rsa-2048.p12': RSA_2048_P12 }
const fixture = (name: string): Uint8Array => base64Decode(FIXTURES[name] ?? '')

describe('importPkcs12', () => {
  for (const [file, algorithm, keyName] of [
    ['ec-p256.p12', 'ecdsa-p256-sha256', 'ECDSA'],
    ['rsa-2048.p12', 'rsa-pss-sha256', 'RSA-PSS'],
  ] as const) {
    it(`opens ${file} with a non-extractable key and finds the leaf`, async () => {
      const identity = await importPkcs12(fixture(file), PASSPHRASE)
      expect(identity.privateKey.extractable).toBe(false)
      expect(identity.privateKey.algorithm.name).toBe(keyName)
      expect((await certificateInfo(identity.certificate)).commonName).toBe('张伟')
      expect(identity.chain).toHaveLength(1)
      const signed = await signMessage(identity.privateKey, new TextEncoder().encode('hello'))
      expect(signed.algorithm).toBe(algorithm)
    })
  }

  it('says the passphrase is wrong', async () => {
    await expect(importPkcs12(fixture('ec-p256.p12'), 'nope')).rejects.toMatchObject({
      problem: 'wrong_passphrase',
    })
  })

  it('refuses something that is not PKCS#12', async () => {
    const error = await importPkcs12(new TextEncoder().encode('not a bundle'), 'x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Pkcs12Error)
    expect((error as Pkcs12Error).problem).toBe('not_pkcs12')
  })
})
