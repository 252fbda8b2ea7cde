/** The piece store behind resumable uploads: writing in pieces, reading byte ranges back, sealing into it. */
import { describe, expect, it } from 'vitest'
import {
  MemoryUploadStore,
  PIECE_SIZE,
  PieceWriter,
  StoredPieceMissing,
  packageBlob,
  readRange,
} from '@/upload/store'
import { dropUnfinished, pendingFor, sealToStore, type SealFunction } from '@/upload/sealToStore'
import type { SealInput, SealResult } from '@/sealed'
import { expectSameBytes } from './bytes-helpers'

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 13 + 1) & 0xff
  return b
}

const input = {
  form: { price_fen: 1 },
  files: [{ name: '技术标.pdf', data: new Blob(['x']) }],
  projectId: 'p',
  lotId: 'lot-1',
  recipients: [],
  signerCert: '',
  signerKey: {} as CryptoKey,
} as unknown as SealInput

/** Stands in for seal(): emits `bytes` in uneven writes, like a real streaming sealer. */
function emitting(bytes: Uint8Array, failAt?: number): SealFunction {
  return async (_input, sink, onProgress) => {
    for (let at = 0; at < bytes.length; at += 300_000) {
      if (failAt !== undefined && at >= failAt) throw Object.assign(new Error('boom'), { code: 'invalid_form' })
      await sink(bytes.subarray(at, Math.min(bytes.length, at + 300_000)))
      onProgress?.(Math.min(bytes.length, at + 300_000), bytes.length)
    }
    return { size: bytes.length, digest: 'dg', fileSha256: 'fs' } as SealResult
  }
}

describe('PieceWriter and readRange', () => {
  it('stores full pieces and a short last one, and reads any range back exactly', async () => {
    const store = new MemoryUploadStore()
    const bytes = pattern(2 * PIECE_SIZE + 777)
    const writer = new PieceWriter(store, 'u')
    await writer.sink(bytes.subarray(0, 10))
    await writer.sink(bytes.subarray(10))
    expect(await writer.finish()).toBe(3)
    expect(writer.written).toBe(bytes.length)
    expect((await store.getPiece('u', 2)).length).toBe(777)
    expectSameBytes(await readRange(store, 'u', 0, bytes.length), bytes)
    expectSameBytes(await readRange(store, 'u', PIECE_SIZE - 5, PIECE_SIZE + 5), bytes.subarray(PIECE_SIZE - 5, PIECE_SIZE + 5))
  })

  it('an exact multiple of the piece size leaves no empty piece', async () => {
    const store = new MemoryUploadStore()
    const writer = new PieceWriter(store, 'u')
    await writer.sink(pattern(PIECE_SIZE))
    expect(await writer.finish()).toBe(1)
    await expect(store.getPiece('u', 1)).rejects.toBeInstanceOf(StoredPieceMissing)
  })

  it('reading past what was stored fails instead of returning zeros', async () => {
    const store = new MemoryUploadStore()
    const writer = new PieceWriter(store, 'u')
    await writer.sink(pattern(100))
    await writer.finish()
    await expect(readRange(store, 'u', 50, 150)).rejects.toBeInstanceOf(StoredPieceMissing)
  })
})

describe('sealToStore', () => {
  it('keeps the sealed bytes, sizes and digests and marks the record sealed', async () => {
    const store = new MemoryUploadStore()
    const bytes = pattern(PIECE_SIZE + 4242)
    const progress: number[] = []
    const record = await sealToStore(
      store,
      emitting(bytes),
      input,
      { lotId: 'lot-1', projectId: 'p', certFingerprint: 'fp' },
      (d) => progress.push(d),
    )
    expect(record).toMatchObject({ sealed: true, size: bytes.length, pieces: 2, digest: 'dg', fileSha256: 'fs' })
    expect(record.fileNames).toEqual(['技术标.pdf'])
    expect((await store.get(record.id))?.sealed).toBe(true)
    expectSameBytes(new Uint8Array(await (await packageBlob(store, record)).arrayBuffer()), bytes)
    expect(progress.at(-1)).toBe(bytes.length)
    expect((await pendingFor(store, 'lot-1')).map((r) => r.id)).toEqual([record.id])
    expect(await pendingFor(store, 'other-lot')).toEqual([])
  })

  it('deletes everything it wrote when sealing fails, and passes the error on', async () => {
    const store = new MemoryUploadStore()
    const error = await sealToStore(store, emitting(pattern(3 * PIECE_SIZE), 2 * PIECE_SIZE), input, {
      lotId: 'lot-1',
      projectId: 'p',
      certFingerprint: 'fp',
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'invalid_form' })
    expect(store.records.size).toBe(0)
    expect(store.pieceMap.size).toBe(0)
  })

  it('refuses a result whose size differs from the bytes it wrote', async () => {
    const store = new MemoryUploadStore()
    const lying: SealFunction = async (i, sink, p) => ({ ...(await emitting(pattern(10))(i, sink, p)), size: 11 })
    await expect(
      sealToStore(store, lying, input, { lotId: 'l', projectId: 'p', certFingerprint: 'fp' }),
    ).rejects.toThrow(/sealed 11 bytes but stored 10/)
    expect(store.records.size).toBe(0)
  })
})

describe('dropUnfinished', () => {
  it('removes old unsealed records (a page that died while sealing) but not fresh ones or sealed ones', async () => {
    const store = new MemoryUploadStore()
    const base = {
      lotId: 'l',
      projectId: 'p',
      certFingerprint: 'fp',
      size: 0,
      pieces: 1,
      digest: '',
      fileSha256: '',
      uploadId: null,
      chunkSize: null,
      fileNames: [],
    }
    const now = Date.parse('2026-11-23T10:00:00Z')
    await store.put({ ...base, id: 'old', sealed: false, createdAt: '2026-11-23T09:00:00Z' })
    await store.putPiece('old', 0, pattern(5))
    await store.put({ ...base, id: 'fresh', sealed: false, createdAt: '2026-11-23T09:59:00Z' })
    await store.put({ ...base, id: 'done', sealed: true, createdAt: '2026-11-23T08:00:00Z' })
    expect(await dropUnfinished(store, now)).toBe(1)
    expect([...store.records.keys()].sort()).toEqual(['done', 'fresh'])
    expect(store.pieceMap.size).toBe(0)
  })
})
