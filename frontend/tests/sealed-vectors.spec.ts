/** The committed Python test vector (tests/vectors/sealed) decoded by the TypeScript reader. */
import { describe, expect, it } from 'vitest'
import { hexEncode, pemDecodeAll, toArrayBuffer } from '@/crypto/encoding'
import { importIdentityKeys } from '@/crypto/keys'
import { inspectPackage, openPackage, readHeader, unwrapDataKey } from '@/sealed'
import { hexDecode } from '@/sealed/bytes'
import { loadCert } from '@/sealed/cert'
import { partKeys, keyCommitment } from '@/sealed/keyschedule'
import { signDetached } from '@/sealed/signature'
import { vectorBytes, vectorKeys, vectorText } from './sealed-helpers'

const V = JSON.parse(vectorText('vector.json')) as Record<string, string | number>
const pkg = () => new Blob([vectorBytes('package.bid') as BlobPart])
const dataKey = () => hexDecode(V.data_key_hex as string)

describe('BIDSEAL v1 test vector', () => {
  it('reads the header fields', async () => {
    const header = await readHeader(pkg())
    expect(header.projectId).toBe(V.project_id)
    expect(header.lotId).toBe(V.lot_id)
    expect(header.segmentSize).toBe(V.segment_size)
    expect(header.createdAt).toBe(V.created_at)
    expect(header.bidderCreditCode).toBe('91350100M000100Y43')
    expect(hexEncode(header.kdfSalt)).toBe(V.kdf_salt_hex)
    expect(hexEncode(header.keyCommitment)).toBe(V.key_commitment_hex)
    expect(hexEncode(header.sha256)).toBe(V.header_sha256_hex)
    expect(header.blockSize).toBe(V.form_offset)
    expect(header.recipients).toHaveLength(2)
    expect(header.bidderCertSha256).toBe((await loadCert(vectorText('signer-cert.pem'))).sha256)
  })

  it('derives the key commitment, part keys, prefixes and binding tags', async () => {
    const header = await readHeader(pkg())
    expect(hexEncode(await keyCommitment(dataKey(), header.kdfSalt))).toBe(V.key_commitment_hex)
    for (const label of ['form', 'body'] as const) {
      const keys = await partKeys(dataKey(), header.kdfSalt, header.sha256, label, true)
      expect(hexEncode(keys.raw as Uint8Array)).toBe(V[`${label}_key_hex`])
      expect(hexEncode(keys.noncePrefix)).toBe(V[`${label}_nonce_prefix_hex`])
      expect(hexEncode(keys.bindingTag)).toBe(V[`${label}_binding_tag_hex`])
    }
  })

  it('opens the package: form, body and both digests', async () => {
    const opened = await openPackage(pkg(), dataKey())
    expect(new TextDecoder().decode(opened.formJson)).toBe(V.form_json_utf8)
    expect(opened.form.price_fen).toBe(123456789)
    expect(opened.form.bidder).toBe('福州示例建设有限公司')
    expect(hexEncode(new Uint8Array(await opened.body.arrayBuffer()))).toBe(V.body_hex)
    expect(opened.files).toBeNull() // the vector's body is raw bytes, not a tar
    expect(opened.digest).toBe(V.package_digest_sha256_hex)
    expect(opened.fileSha256).toBe(V.file_sha256_hex)
    expect(opened.bodyOffset).toBe(V.body_offset)
    expect(opened.signingTime?.toISOString()).toBe('2026-11-23T02:00:00.000Z')
    expect((await loadCert(opened.signerCert)).sha256).toBe(opened.header.bidderCertSha256)
  })

  it('inspects the package without a key', async () => {
    const info = await inspectPackage(pkg())
    expect(info.size).toBe(V.package_size)
    expect(info.formOffset).toBe(V.form_offset)
    expect(info.bodyOffset).toBe(V.body_offset)
    expect(info.trailerOffset).toBe(V.trailer_offset)
    expect(info.bodySegments).toBe(V.body_segments)
    expect(info.bodySize).toBe(300)
    expect(info.digest).toBe(V.package_digest_sha256_hex)
    expect(info.fileSha256).toBe(V.file_sha256_hex)
    expect(info.recipients.map((r) => r.kind)).toEqual(['rsa-oaep', 'ecdh-p256'])
    expect(info.signature.valid).toBe(true)
  })

  it('unwraps the data key from the RSA and the EC recipient blob', async () => {
    const header = await readHeader(pkg())
    const rsa = await vectorKeys('recipient-rsa-key.pem', 'rsa-2048')
    const ec = await vectorKeys('recipient-ec-key.pem', 'ecdsa-p256')
    const rsaCert = vectorText('recipient-rsa-cert.pem')
    const ecCert = vectorText('recipient-ec-cert.pem')
    const [rsaBlob, ecBlob] = header.recipients.map((r) => r.cms) as [Uint8Array, Uint8Array]
    expect(hexEncode(await unwrapDataKey(rsaBlob, rsa.decrypt, rsaCert))).toBe(V.data_key_hex)
    expect(hexEncode(await unwrapDataKey(ecBlob, ec.decrypt, ecCert))).toBe(V.data_key_hex)
    expect(hexEncode(await unwrapDataKey(ecBlob, ec.decrypt))).toBe(V.data_key_hex)
    // Addressed to the other certificate / opened with the other kind of key: not_a_recipient.
    await expect(unwrapDataKey(rsaBlob, rsa.decrypt, ecCert)).rejects.toMatchObject({ code: 'not_a_recipient' })
    await expect(unwrapDataKey(rsaBlob, ec.decrypt)).rejects.toMatchObject({ code: 'not_a_recipient' })
    await expect(unwrapDataKey(ecBlob, rsa.decrypt)).rejects.toMatchObject({ code: 'not_a_recipient' })
    // Another EC key: the wrap does not open.
    const other = await importIdentityKeys(
      await crypto.subtle.exportKey(
        'pkcs8',
        (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])).privateKey,
      ),
      'ecdsa-p256',
    )
    await expect(unwrapDataKey(ecBlob, other.handles.decrypt)).rejects.toMatchObject({ code: 'not_a_recipient' })
    await expect(unwrapDataKey(new Uint8Array([0x30, 0x03, 1, 2, 3]), ec.decrypt)).rejects.toMatchObject({
      code: 'malformed_envelope',
    })
  })

  it('re-creates the RSA form signature byte for byte (deterministic PKCS#1 v1.5)', async () => {
    const bytes = vectorBytes('package.bid')
    const opened = await openPackage(pkg(), dataKey())
    const signer = await vectorKeys('signer-key.pem', 'rsa-2048')
    const cert = await loadCert(vectorText('signer-cert.pem'))
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', toArrayBuffer(opened.formJson)))
    const mine = await signDetached(digest, signer.cms, cert, new Date(String(V.created_at)))
    // The trailer signature is the same construction over the package digest.
    const trailerSig = bytes.subarray((V.trailer_offset as number) + 8)
    const packageDigest = hexDecode(V.package_digest_sha256_hex as string)
    expect(hexEncode(await signDetached(packageDigest, signer.cms, cert, new Date(String(V.created_at))))).toBe(
      hexEncode(trailerSig),
    )
    expect(mine.length).toBeGreaterThan(1000)
    expect(pemDecodeAll(vectorText('signer-cert.pem'))[0]?.length).toBe(cert.der.length)
  })
})
