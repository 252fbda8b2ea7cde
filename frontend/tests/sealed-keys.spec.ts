/** Identity keys with several non-extractable handles, and sealing/opening with them. */
import { describe, expect, it } from 'vitest'
import { base64Decode, pemEncode } from '@/crypto/encoding'
import { generateIdentityKeys, MissingKeyHandleError, signMessage } from '@/crypto/keys'
import { importPkcs12 } from '@/crypto/pkcs12'
import { cmsSigningKey, decryptionKey, recordSigningKey } from '@/crypto/store'
import { inspectPackage, openPackage, recipientBlob, seal, unwrapDataKey } from '@/sealed'
import { EC_P256_P12, PASSPHRASE, RSA_2048_P12 } from './fixtures/pkcs12'
import { memorySink } from './sealed-helpers'

describe('generateIdentityKeys', () => {
  for (const [kind, login, cms, decrypt] of [
    ['ecdsa-p256', 'ECDSA', 'ECDSA', 'ECDH'],
    ['rsa-2048', 'RSA-PSS', 'RSASSA-PKCS1-v1_5', 'RSA-OAEP'],
  ] as const) {
    it(`makes only non-extractable handles of one ${kind} key`, async () => {
      const keys = await generateIdentityKeys(kind)
      for (const key of [keys.privateKey, keys.handles.cms, keys.handles.decrypt]) expect(key.extractable).toBe(false)
      expect(keys.privateKey.algorithm.name).toBe(login)
      expect(keys.handles.cms.algorithm.name).toBe(cms)
      expect(keys.handles.decrypt.algorithm.name).toBe(decrypt)
      expect(keys.handles.decrypt.usages).toEqual([decrypt === 'ECDH' ? 'deriveBits' : 'decrypt'])
      // The login handle still signs what the server verifies, with the public key of the pair.
      const message = new TextEncoder().encode('challenge')
      const { signature } = await signMessage(keys.privateKey, message)
      const params = login === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSA-PSS', saltLength: 32 }
      expect(
        await crypto.subtle.verify(params, keys.publicKey, base64Decode(signature) as Uint8Array<ArrayBuffer>, message),
      ).toBe(true)
      await expect(crypto.subtle.exportKey('pkcs8', keys.handles.decrypt)).rejects.toThrow()
    })
  }
})

describe('key handle helpers', () => {
  it('tell an old identity (login key only) to re-import its .p12', () => {
    const old = { keys: undefined }
    expect(() => decryptionKey(old)).toThrow(MissingKeyHandleError)
    expect(() => cmsSigningKey(old)).toThrow(/import its PKCS#12/)
    try {
      recordSigningKey({})
    } catch (error) {
      expect(error).toMatchObject({ code: 'key_reimport_required', purpose: 'cms' })
    }
    expect.assertions(3)
  })
})

describe('PKCS#12 identities seal and open', () => {
  for (const [name, p12] of [
    ['ec-p256.p12', EC_P256_P12],
    ['rsa-2048.p12', RSA_2048_P12],
  ] as const) {
    it(`imports ${name} with CMS and decryption handles that seal and open a bid`, async () => {
      const imported = await importPkcs12(base64Decode(p12), PASSPHRASE)
      const identity = { keys: imported.keys }
      expect(decryptionKey(identity).extractable).toBe(false)
      const certPem = pemEncode(imported.certificate, 'CERTIFICATE')
      const out = memorySink()
      const result = await seal(
        {
          form: { price_fen: 100 },
          files: [{ name: 'a.txt', data: new Blob(['hello']) }],
          projectId: 'P-1',
          lotId: 'L-1',
          recipients: [certPem],
          signerCert: certPem,
          signerKey: cmsSigningKey(identity),
          bidderCreditCode: '91350100M000100Y43', // the fixture certificate has no organizationIdentifier
        },
        out.sink,
      )
      expect((await inspectPackage(out.blob())).digest).toBe(result.digest)
      const key = await unwrapDataKey(await recipientBlob(result.header, certPem), decryptionKey(identity), certPem)
      const opened = await openPackage(out.blob(), key)
      expect(opened.form).toEqual({ price_fen: 100 })
      expect(await opened.files?.[0]?.data.text()).toBe('hello')
    })
  }
})
