/**
 * Sends a stored package to the server in chunks (docs/tendering.md, "Chunked, resumable"):
 * start the upload once (its id is saved at once so a reload continues it), then PUT chunk
 * `next_chunk`, `next_chunk + 1`, … ; the server's answer to the last one carries the bid and the
 * receipt. After any doubt (reload, `chunk_duplicate`, `chunk_out_of_order`, a lost answer) the
 * server's own `GET /uploads/{id}` says where to go on, never a local counter.
 */
import { ApiError } from '@/api/client'
import type { Timed, UploadView } from '@/api/bidder'
import { readRange, type PendingUpload, type UploadStore } from './store'

export interface UploadTransport {
  start(lotId: string, size: number): Promise<Timed<UploadView>>
  state(uploadId: string): Promise<Timed<UploadView>>
  putChunk(uploadId: string, index: number, data: Blob): Promise<Timed<UploadView>>
}

export interface UploadProgress {
  /** Bytes the server has. */
  received: number
  size: number
  serverDate: Date | null
}

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void
  signal?: AbortSignal
  /** Network failures retried per chunk before giving up (the record stays, to resume later). */
  retries?: number
  /** Wait before a retry, ms (tests use 0). */
  retryDelayMs?: number
}

/** The server's answer that ended the upload: `completed` (with bid and receipt, when it came with
 * the last chunk) or `already_completed` (found completed on resume: look the bid up in the list). */
export interface UploadOutcome {
  view: UploadView
  alreadyCompleted: boolean
}

/** The upload cannot go on; the view shows `code` (an API code, or one of ours). */
export class UploadStopped extends Error {
  override readonly name = 'UploadStopped'
  constructor(
    readonly code: 'rejected' | 'not_sealed' | 'size_changed',
    readonly view?: UploadView,
  ) {
    super(`upload stopped: ${code}`)
  }
}

/** Chunk `index` covers bytes [index·chunkSize, min(size, (index+1)·chunkSize)). */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize))
}

export function chunkRange(index: number, size: number, chunkSize: number): [number, number] {
  const start = index * chunkSize
  return [start, Math.min(size, start + chunkSize)]
}

/** Errors after which asking the server for the upload's state and going on is the right answer
 * (`upload_closed`: the answer to the last chunk was lost, the upload completed or was rejected). */
const RESYNC = new Set(['chunk_duplicate', 'chunk_out_of_order', 'upload_closed'])

function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.kind === 'network' || (error.status !== null && error.status >= 502))
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve()
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new ApiError('aborted'))
    })
  })
}

/**
 * Uploads `record` (a fully sealed, stored package) to the end. Returns the final server view; the
 * caller deletes the stored package then. Throws `ApiError` for refusals (deadline_passed,
 * package_invalid, upload_not_yours, …) and `UploadStopped` for a rejected or unusable upload.
 */
export async function runUpload(
  record: PendingUpload,
  store: UploadStore,
  transport: UploadTransport,
  options: UploadOptions = {},
): Promise<UploadOutcome> {
  if (!record.sealed || record.size <= 0) throw new UploadStopped('not_sealed')
  const retries = options.retries ?? 4
  const delay = options.retryDelayMs ?? 1500
  const report = (view: UploadView, serverDate: Date | null): void =>
    options.onProgress?.({ received: view.received, size: view.size, serverDate })

  async function withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call()
      } catch (error) {
        if (!isTransient(error) || attempt >= retries || options.signal?.aborted) throw error
        await sleep(delay * (attempt + 1), options.signal)
      }
    }
  }

  let current: Timed<UploadView>
  if (record.uploadId === null) {
    current = await withRetry(() => transport.start(record.lotId, record.size))
    record.uploadId = current.body.id
    record.chunkSize = current.body.chunk_size
    await store.put(record) // from now on a reload resumes this upload instead of starting another
  } else {
    current = await withRetry(() => transport.state(record.uploadId as string))
  }
  const uploadId = record.uploadId
  let view = current.body
  report(view, current.serverDate)
  if (view.size !== record.size) throw new UploadStopped('size_changed', view)

  let resyncs = 0
  for (;;) {
    if (view.status === 'completed') return { view, alreadyCompleted: view.bid == null }
    if (view.status !== 'open') throw new UploadStopped('rejected', view)
    const index = view.next_chunk
    const [start, end] = chunkRange(index, record.size, view.chunk_size)
    const bytes = await readRange(store, record.id, start, end)
    options.signal?.throwIfAborted()
    try {
      current = await withRetry(() => transport.putChunk(uploadId, index, new Blob([bytes as BlobPart])))
    } catch (error) {
      // Another tab, or an answer lost after the server stored the chunk: ask where we are.
      if (error instanceof ApiError && error.code !== null && RESYNC.has(error.code) && resyncs < 5) {
        resyncs += 1
        current = await withRetry(() => transport.state(uploadId))
        view = current.body
        report(view, current.serverDate)
        continue
      }
      throw error
    }
    view = current.body
    report(view, current.serverDate)
    if (view.status === 'open' && view.received >= view.size) {
      // Everything is in but the answer did not say completed (e.g. a proxy replayed an old one):
      // the server's state decides; an open upload with nothing left to send cannot go on.
      current = await withRetry(() => transport.state(uploadId))
      view = current.body
      if (view.status === 'open') throw new UploadStopped('rejected', view)
    }
  }
}
