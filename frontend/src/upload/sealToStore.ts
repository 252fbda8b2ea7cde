/**
 * Seals a bid straight into the upload store: the bytes `seal()` produces go to IndexedDB piece by
 * piece, and the record is marked `sealed` only when the last piece is written, so a reload in the
 * middle of sealing leaves an unusable record that `dropUnfinished` clears (sealing cannot resume:
 * its keys and nonces are gone with the page).
 */
import type { SealInput, SealResult } from '@/sealed'
import { PieceWriter, type PendingUpload, type UploadStore } from './store'

export type SealFunction = (
  input: SealInput,
  sink: (bytes: Uint8Array) => Promise<void>,
  onProgress?: (done: number, total: number) => void,
) => Promise<SealResult>

export interface SealMeta {
  lotId: string
  projectId: string
  certFingerprint: string
}

export async function sealToStore(
  store: UploadStore,
  seal: SealFunction,
  input: SealInput,
  meta: SealMeta,
  onProgress?: (done: number, total: number) => void,
): Promise<PendingUpload> {
  const record: PendingUpload = {
    id: crypto.randomUUID(),
    ...meta,
    size: 0,
    pieces: 0,
    sealed: false,
    digest: '',
    fileSha256: '',
    uploadId: null,
    chunkSize: null,
    fileNames: input.files.map((f) => f.name),
    createdAt: new Date().toISOString(),
  }
  await store.put(record)
  const writer = new PieceWriter(store, record.id)
  try {
    const result = await seal(input, writer.sink, onProgress)
    record.pieces = await writer.finish()
    record.size = writer.written
    if (result.size !== record.size) throw new Error(`sealed ${result.size} bytes but stored ${record.size}`)
    record.digest = result.digest
    record.fileSha256 = result.fileSha256
    record.sealed = true
    await store.put(record)
    return record
  } catch (error) {
    await store.remove(record.id)
    throw error
  }
}

/** Removes records whose sealing never finished (the page went away while sealing); a record
 * younger than `minAgeMs` may still be being sealed by another tab, so it stays. */
export async function dropUnfinished(store: UploadStore, now = Date.now(), minAgeMs = 10 * 60_000): Promise<number> {
  let dropped = 0
  for (const r of await store.list()) {
    if (!r.sealed && now - Date.parse(r.createdAt) >= minAgeMs) {
      await store.remove(r.id)
      dropped += 1
    }
  }
  return dropped
}

/** Pending (sealed, not yet completed) uploads of a lot, newest first. */
export async function pendingFor(store: UploadStore, lotId: string): Promise<PendingUpload[]> {
  return (await store.list()).filter((r) => r.sealed && r.lotId === lotId)
}
