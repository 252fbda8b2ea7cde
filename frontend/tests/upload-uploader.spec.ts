/**
 * The resumable upload against a fake server behind a fake `fetch` (the real API module, the real
 * uploader, an in-memory store): chunking, resume from `next_chunk`, resync after
 * `chunk_duplicate`, lost answers, refusals.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { putChunk, setBidderFetch, startUpload, uploadState, type UploadView } from '@/api/bidder'
import { MemoryUploadStore, PIECE_SIZE, PieceWriter, type PendingUpload } from '@/upload/store'
import { chunkCount, chunkRange, runUpload, UploadStopped, type UploadTransport } from '@/upload/uploader'
import { expectSameBytes } from './bytes-helpers'

const LOT = '11111111-1111-1111-1111-111111111111'
const SERVER_DATE = 'Mon, 23 Nov 2026 06:00:00 GMT'

const transport: UploadTransport = {
  start: (lotId, size) => startUpload(lotId, size),
  state: (id) => uploadState(id),
  putChunk: (id, index, data) => putChunk(id, index, data),
}

function errorResponse(status: number, code: string, details: unknown[] = []): Response {
  return new Response(JSON.stringify({ error: { code, message: code, details } }), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

/** The server's side of the chunk protocol (bidding/submission/service.py), in memory. */
class FakeServer {
  chunkSize: number
  size = 0
  received = 0
  nextChunk = 0
  status = 'open'
  data: Uint8Array[] = []
  starts = 0
  puts: number[] = []
  gets = 0
  /** Hooks run before a PUT of chunk i is handled: return a Response or throw to simulate faults. */
  beforePut: (index: number) => Response | 'drop-answer' | null = () => null
  afterStart: () => void = () => {}

  constructor(chunkSize: number) {
    this.chunkSize = chunkSize
  }

  view(extra: Partial<UploadView> = {}): UploadView {
    return {
      id: 'up-1',
      lot_id: LOT,
      mode: 'chunked',
      size: this.size,
      chunk_size: this.chunkSize,
      received: this.received,
      next_chunk: this.nextChunk,
      status: this.status,
      ...extra,
    }
  }

  ok(body: unknown): Response {
    return new Response(JSON.stringify(body), { status: 200, headers: { Date: SERVER_DATE } })
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.received)
    let at = 0
    for (const d of this.data) {
      out.set(d, at)
      at += d.length
    }
    return out
  }

  readonly fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET'
    if (method === 'POST' && input === `/api/bidder/lots/${LOT}/uploads`) {
      const body = JSON.parse(String(init?.body)) as { size: number; mode: string }
      expect(body.mode).toBe('chunked')
      this.starts += 1
      this.size = body.size
      this.afterStart()
      return this.ok(this.view())
    }
    if (method === 'GET' && input === '/api/bidder/uploads/up-1') {
      this.gets += 1
      return this.ok(this.view())
    }
    const m = /^\/api\/bidder\/uploads\/up-1\/chunks\/(\d+)$/.exec(input)
    if (method === 'PUT' && m) {
      const index = Number(m[1])
      this.puts.push(index)
      const fault = this.beforePut(index)
      if (fault instanceof Response) return fault
      if (this.status !== 'open') return errorResponse(409, 'upload_closed')
      if (index < this.nextChunk) return errorResponse(409, 'chunk_duplicate')
      if (index > this.nextChunk) return errorResponse(409, 'chunk_out_of_order')
      const data = new Uint8Array(await (init?.body as Blob).arrayBuffer())
      const [start, end] = chunkRange(index, this.size, this.chunkSize)
      if (data.length !== end - start) return errorResponse(400, 'chunk_size_mismatch')
      this.data.push(data)
      this.received += data.length
      this.nextChunk += 1
      const complete = this.received === this.size
      if (complete) this.status = 'completed'
      if (fault === 'drop-answer') throw new TypeError('Failed to fetch')
      return this.ok(
        complete
          ? this.view({ bid: { id: 'bid-1', receipt_number: 'R-1' } as UploadView['bid'] })
          : this.view(),
      )
    }
    return errorResponse(404, 'not_found')
  }
}

/** A sealed package of `size` pseudo-random bytes stored as the sealing step stores it. */
async function storedPackage(store: MemoryUploadStore, size: number): Promise<{ record: PendingUpload; bytes: Uint8Array }> {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff
  const record: PendingUpload = {
    id: 'local-1',
    lotId: LOT,
    projectId: 'p',
    certFingerprint: 'ab',
    size,
    pieces: 0,
    sealed: true,
    digest: 'd',
    fileSha256: 'f',
    uploadId: null,
    chunkSize: null,
    fileNames: ['a.pdf'],
    createdAt: new Date().toISOString(),
  }
  const writer = new PieceWriter(store, record.id)
  // Odd-sized writes, as seal() produces them.
  for (let at = 0; at < size; at += 70_001) await writer.sink(bytes.subarray(at, Math.min(size, at + 70_001)))
  record.pieces = await writer.finish()
  await store.put(record)
  return { record, bytes }
}

let server: FakeServer
let store: MemoryUploadStore

beforeEach(() => {
  server = new FakeServer(PIECE_SIZE)
  setBidderFetch(server.fetch)
  store = new MemoryUploadStore()
})

afterEach(() => {
  setBidderFetch((input, init) => globalThis.fetch(input, init))
})

describe('chunk arithmetic', () => {
  it('splits a package into chunk_size pieces with a shorter last one', () => {
    expect(chunkCount(10, 4)).toBe(3)
    expect(chunkRange(2, 10, 4)).toEqual([8, 10])
    expect(chunkCount(8, 4)).toBe(2)
    expect(chunkRange(1, 8, 4)).toEqual([4, 8])
  })
})

describe('runUpload', () => {
  it('starts, sends every chunk in order and returns the bid; the server gets the exact bytes', async () => {
    const { record, bytes } = await storedPackage(store, 3 * PIECE_SIZE + 12_345)
    const progress: number[] = []
    const outcome = await runUpload(record, store, transport, { onProgress: (p) => progress.push(p.received) })
    expect(server.starts).toBe(1)
    expect(server.puts).toEqual([0, 1, 2, 3])
    expectSameBytes(server.bytes(), bytes)
    expect(outcome.view.status).toBe('completed')
    expect(outcome.view.bid?.receipt_number).toBe('R-1')
    expect(outcome.alreadyCompleted).toBe(false)
    expect(progress.at(-1)).toBe(bytes.length)
    // The server's upload id was saved before the first chunk, for a resume after a reload.
    expect((await store.get(record.id))?.uploadId).toBe('up-1')
  })

  it('uses the server chunk size, not the storage piece size', async () => {
    server.chunkSize = 2 * PIECE_SIZE
    const { record, bytes } = await storedPackage(store, 5 * PIECE_SIZE + 1)
    await runUpload(record, store, transport)
    expect(server.puts).toEqual([0, 1, 2])
    expect(server.data.map((d) => d.length)).toEqual([2 * PIECE_SIZE, 2 * PIECE_SIZE, PIECE_SIZE + 1])
    expectSameBytes(server.bytes(), bytes)
  })

  it('resumes after a reload from the next_chunk the server reports, without starting again', async () => {
    const { record, bytes } = await storedPackage(store, 4 * PIECE_SIZE)
    // First page: the connection dies for good at chunk 2.
    server.beforePut = (i) => {
      if (i === 2) throw new TypeError('Failed to fetch')
      return null
    }
    await expect(runUpload(record, store, transport, { retries: 1, retryDelayMs: 0 })).rejects.toMatchObject({
      kind: 'network',
    })
    expect(server.received).toBe(2 * PIECE_SIZE)

    // Reload: only what IndexedDB kept.
    server.beforePut = () => null
    server.puts = []
    const reloaded = (await store.get(record.id)) as PendingUpload
    expect(reloaded.uploadId).toBe('up-1')
    const outcome = await runUpload(reloaded, store, transport)
    expect(server.starts).toBe(1)
    expect(server.gets).toBeGreaterThanOrEqual(1)
    expect(server.puts).toEqual([2, 3])
    expectSameBytes(server.bytes(), bytes)
    expect(outcome.view.status).toBe('completed')
  })

  it('retries a chunk whose answer was lost, then follows the server after chunk_duplicate', async () => {
    const { record, bytes } = await storedPackage(store, 3 * PIECE_SIZE)
    let dropped = false
    server.beforePut = (i) => {
      if (i === 1 && !dropped) {
        dropped = true
        return 'drop-answer' // stored on the server, answer lost on the way back
      }
      return null
    }
    const outcome = await runUpload(record, store, transport, { retryDelayMs: 0 })
    expect(server.puts).toEqual([0, 1, 1, 2])
    expectSameBytes(server.bytes(), bytes)
    expect(outcome.view.status).toBe('completed')
  })

  it('finds the upload completed when the answer to the last chunk was lost', async () => {
    const { record, bytes } = await storedPackage(store, 2 * PIECE_SIZE)
    server.beforePut = (i) => (i === 1 && server.puts.length === 2 ? 'drop-answer' : null)
    const outcome = await runUpload(record, store, transport, { retryDelayMs: 0 })
    expect(server.puts).toEqual([0, 1, 1]) // the retry met upload_closed, then the state said completed
    expect(outcome.view.status).toBe('completed')
    expect(outcome.alreadyCompleted).toBe(true)
    expectSameBytes(server.bytes(), bytes)
  })

  it('asks where to go on after chunk_out_of_order (another tab moved the upload on)', async () => {
    const { record, bytes } = await storedPackage(store, 3 * PIECE_SIZE)
    let once = true
    server.beforePut = (i) => {
      if (i === 1 && once) {
        once = false
        return errorResponse(409, 'chunk_out_of_order')
      }
      return null
    }
    await runUpload(record, store, transport, { retryDelayMs: 0 })
    expect(server.gets).toBe(1)
    expectSameBytes(server.bytes(), bytes)
  })

  it('stops with the API error on a refusal (deadline_passed) and keeps nothing half-done on the server', async () => {
    const { record } = await storedPackage(store, 2 * PIECE_SIZE)
    server.beforePut = (i) => (i === 1 ? errorResponse(409, 'deadline_passed') : null)
    const error = await runUpload(record, store, transport, { retryDelayMs: 0 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('deadline_passed')
    expect(server.puts).toEqual([0, 1]) // not retried: a refusal is final
  })

  it('surfaces package_invalid with the format reason in details', async () => {
    const { record } = await storedPackage(store, 100)
    server.beforePut = () => errorResponse(400, 'package_invalid', [{ reason: 'not_a_package' }])
    const error = (await runUpload(record, store, transport).catch((e: unknown) => e)) as ApiError
    expect(error.code).toBe('package_invalid')
    expect(error.details[0]).toEqual({ reason: 'not_a_package' })
  })

  it('gives up on a rejected upload found on resume', async () => {
    const { record } = await storedPackage(store, 2 * PIECE_SIZE)
    record.uploadId = 'up-1'
    server.size = record.size
    server.status = 'rejected'
    await expect(runUpload(record, store, transport)).rejects.toBeInstanceOf(UploadStopped)
    expect(server.puts).toEqual([])
  })

  it('reports an upload that completed before the reload as already completed', async () => {
    const { record } = await storedPackage(store, PIECE_SIZE)
    record.uploadId = 'up-1'
    server.size = record.size
    server.received = record.size
    server.nextChunk = 1
    server.status = 'completed'
    const outcome = await runUpload(record, store, transport)
    expect(outcome.alreadyCompleted).toBe(true)
    expect(server.puts).toEqual([])
  })

  it('refuses a package whose sealing did not finish, and a size the server does not share', async () => {
    const { record } = await storedPackage(store, 1000)
    await expect(runUpload({ ...record, sealed: false }, store, transport)).rejects.toMatchObject({ code: 'not_sealed' })
    server.afterStart = () => (server.size = 999)
    await expect(runUpload(record, store, transport)).rejects.toMatchObject({ code: 'size_changed' })
  })

  it('fails clearly when a stored piece is gone', async () => {
    const { record } = await storedPackage(store, 2 * PIECE_SIZE + 5)
    store.pieceMap.delete(`${record.id}/1`)
    await expect(runUpload(record, store, transport)).rejects.toMatchObject({ name: 'StoredPieceMissing', index: 1 })
  })
})
