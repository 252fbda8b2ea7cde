/// <reference types="node" />
/**
 * Interop with the Python implementation, driven by tests/crypto/test_sealed_browser_interop.py:
 * with SEALED_INTEROP_DIR set, seals packages here (RSA and EC signers) and writes them with the
 * keys and the expected values for Python to `inspect` and `bidding unseal`; and opens the
 * package Python's `bidding seal` left there (py.bid), writing what it found for Python to check.
 * Without the variable the interop cases are skipped (plain `vitest run`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hexEncode, pemDecodeAll, toArrayBuffer } from '@/crypto/encoding'
import { importIdentityKeys, type KeyKind } from '@/crypto/keys'
import { openPackage, readHeader, recipientBlob, seal, unwrapDataKey } from '@/sealed'
import { makeIdentity, memorySink } from './sealed-helpers'

const DIR = process.env.SEALED_INTEROP_DIR

async function sha256Hex(data: Blob | Uint8Array): Promise<string> {
  const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data
  return hexEncode(await crypto.subtle.digest('SHA-256', toArrayBuffer(bytes)))
}

function content(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

describe.skipIf(!DIR)('interop with Python (SEALED_INTEROP_DIR)', () => {
  const dir = DIR as string

  for (const kind of ['rsa', 'ec'] as const) {
    it(`writes a package sealed here with a ${kind.toUpperCase()} signer`, async () => {
      const signer = await makeIdentity(kind === 'rsa' ? 'rsa-2048' : 'ecdsa-p256')
      const other = await makeIdentity(kind === 'rsa' ? 'ecdsa-p256' : 'rsa-2048', '12350100MB0000000U', '李四')
      const files = [
        { name: '商务标.pdf', data: new Blob([content(70_000, 1) as BlobPart]) },
        { name: 'technical proposal.txt', data: new Blob(['技术方案：第一章\n']) },
        { name: '附件/资质证书.bin', data: new Blob([content(513, 2) as BlobPart]) },
      ]
      const form = { price_fen: 1_234_567_89, bidder: '福州示例建设有限公司', 工期_days: 180, note: 'ü "quoted"\n' }
      const out = memorySink()
      const result = await seal(
        {
          form,
          files,
          projectId: '闽榕-2026-工程-0007',
          lotId: '第02标段',
          recipients: [signer.certPem, other.certPem],
          signerCert: signer.certPem,
          signerKey: signer.handles.cms,
          segmentSize: 4096,
        },
        out.sink,
      )
      const name = `ts-${kind}`
      writeFileSync(join(dir, `${name}.bid`), out.bytes())
      writeFileSync(join(dir, `${name}-signer-cert.pem`), signer.certPem)
      writeFileSync(join(dir, `${name}-signer-key.pem`), signer.pkcs8Pem)
      writeFileSync(join(dir, `${name}-other-cert.pem`), other.certPem)
      writeFileSync(join(dir, `${name}-other-key.pem`), other.pkcs8Pem)
      const opened = await openPackage(
        out.blob(),
        await unwrapDataKey(await recipientBlob(result.header, other.certPem), other.handles.decrypt),
      )
      writeFileSync(
        join(dir, `${name}.json`),
        JSON.stringify({
          digest: result.digest,
          file_sha256: result.fileSha256,
          size: result.size,
          form_json: new TextDecoder().decode(opened.formJson),
          project_id: result.header.projectId,
          lot_id: result.header.lotId,
          files: await Promise.all(files.map(async (f) => ({ name: f.name, sha256: await sha256Hex(f.data) }))),
        }),
      )
      expect(result.size).toBe(out.bytes().length)
    })
  }

  it('opens the package sealed by Python (`bidding seal`, py.bid)', async () => {
    const pkgPath = join(dir, 'py.bid')
    if (!existsSync(pkgPath)) return
    const meta = JSON.parse(readFileSync(join(dir, 'py.json'), 'utf8')) as { recipient_kind: KeyKind }
    const keyDer = pemDecodeAll(readFileSync(join(dir, 'py-recipient-key.pem'), 'utf8'), 'PRIVATE KEY')[0] as Uint8Array
    const { handles } = await importIdentityKeys(toArrayBuffer(keyDer), meta.recipient_kind)
    const certPem = readFileSync(join(dir, 'py-recipient-cert.pem'), 'utf8')
    const pkg = new Blob([readFileSync(pkgPath) as BlobPart])
    const header = await readHeader(pkg)
    const opened = await openPackage(
      pkg,
      await unwrapDataKey(await recipientBlob(header, certPem), handles.decrypt, certPem),
    )
    writeFileSync(
      join(dir, 'py.opened.json'),
      JSON.stringify({
        digest: opened.digest,
        file_sha256: opened.fileSha256,
        form_json: new TextDecoder().decode(opened.formJson),
        price_fen: opened.form.price_fen,
        signer_cert_sha256: header.bidderCertSha256,
        files: await Promise.all(
          (opened.files ?? []).map(async (f) => ({ name: f.name, size: f.size, sha256: await sha256Hex(f.data) })),
        ),
      }),
    )
  })
})
