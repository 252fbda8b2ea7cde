/// <reference types="node" />
/**
 * Sealing throughput in Node (docs/frontend-sealing.md "Performance"). Opt-in, it takes seconds:
 *   SEALED_BENCH=64 npx vitest run tests/sealed-bench.spec.ts      (body size in MiB)
 */
import { describe, expect, it } from 'vitest'
import { inspectPackage, openPackage, recipientBlob, seal, unwrapDataKey } from '@/sealed'
import { makeIdentity } from './sealed-helpers'

const MIB = 1024 * 1024
const SIZE = Number(process.env.SEALED_BENCH ?? 0)

describe.skipIf(!SIZE)('sealing throughput', () => {
  it(`seals and opens a ${SIZE} MiB body`, async () => {
    const id = await makeIdentity('ecdsa-p256')
    const chunk = crypto.getRandomValues(new Uint8Array(MIB / 16))
    const parts: Uint8Array[] = []
    for (let i = 0; i < SIZE * 16; i++) parts.push(chunk)
    const body = new Blob(parts as BlobPart[])
    const out: Uint8Array[] = []
    const t0 = performance.now()
    const result = await seal(
      {
        form: { price_fen: 1 },
        files: [{ name: 'big.bin', data: body }],
        projectId: 'P',
        lotId: 'L',
        recipients: [id.certPem],
        signerCert: id.certPem,
        signerKey: id.handles.cms,
      },
      async (b) => {
        out.push(b)
      },
    )
    const sealS = (performance.now() - t0) / 1000
    const pkg = new Blob(out as BlobPart[])
    const t1 = performance.now()
    await inspectPackage(pkg)
    const inspectS = (performance.now() - t1) / 1000
    const t2 = performance.now()
    const opened = await openPackage(
      pkg,
      await unwrapDataKey(await recipientBlob(result.header, id.certPem), id.handles.decrypt),
    )
    const openS = (performance.now() - t2) / 1000
    expect(opened.files?.[0]?.size).toBe(SIZE * MIB)
    console.log(
      `${SIZE} MiB: seal ${(SIZE / sealS).toFixed(0)} MiB/s (${sealS.toFixed(2)} s), ` +
        `inspect ${(SIZE / inspectS).toFixed(0)} MiB/s, open ${(SIZE / openS).toFixed(0)} MiB/s`,
    )
  }, 300_000)
})
