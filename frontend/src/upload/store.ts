/**
 * Where a sealed package waits until the server has all of it: IndexedDB database
 * `bidding-uploads`, object stores `uploads` (one record per package) and `pieces` (its bytes).
 *
 * Sealing is randomised (fresh data key, nonces, timestamp), so a package cannot be re-made after
 * a reload: the exact bytes must be kept. They are written as they come out of `seal()`, in pieces
 * of `PIECE_SIZE` bytes, because the server's chunk size is only known once the upload is started,
 * and starting needs the final size. A chunk is then any byte range read back over the pieces.
 *
 * Nothing here is secret beyond what the server also receives: the package is encrypted. The
 * record keeps the opening form typed (for showing it again); it is deleted with the pieces when
 * the upload completes or the bidder discards it.
 */

/** 1 MiB: divides every server chunk size (whole MiB), and keeps each IndexedDB write small. */
export const PIECE_SIZE = 1024 * 1024

export interface PendingUpload {
  /** Local id (the server's upload id is only known after `start`). */
  id: string
  lotId: string
  projectId: string
  /** Fingerprint of the certificate that sealed and must upload (the server refuses another one). */
  certFingerprint: string
  /** Package size in bytes; 0 while sealing. */
  size: number
  /** Pieces written so far. */
  pieces: number
  /** True once the whole package is stored. */
  sealed: boolean
  digest: string
  fileSha256: string
  /** Server upload id and chunk size, once started. */
  uploadId: string | null
  chunkSize: number | null
  fileNames: string[]
  createdAt: string
}

/** What the uploader needs from storage; `IdbUploadStore` in the browser, `MemoryUploadStore` in tests. */
export interface UploadStore {
  put(record: PendingUpload): Promise<void>
  get(id: string): Promise<PendingUpload | null>
  list(): Promise<PendingUpload[]>
  putPiece(id: string, index: number, data: Uint8Array): Promise<void>
  getPiece(id: string, index: number): Promise<Uint8Array>
  /** Removes the record and all its pieces. */
  remove(id: string): Promise<void>
}

export class StoredPieceMissing extends Error {
  override readonly name = 'StoredPieceMissing'
  constructor(
    readonly uploadId: string,
    readonly index: number,
  ) {
    super(`piece ${index} of pending upload ${uploadId} is missing`)
  }
}

/** Bytes [start, end) of a stored package, read from its pieces. */
export async function readRange(store: UploadStore, id: string, start: number, end: number): Promise<Uint8Array> {
  const out = new Uint8Array(end - start)
  let offset = start
  while (offset < end) {
    const index = Math.floor(offset / PIECE_SIZE)
    const piece = await store.getPiece(id, index)
    const from = offset - index * PIECE_SIZE
    const take = Math.min(piece.length - from, end - offset)
    if (take <= 0) throw new StoredPieceMissing(id, index)
    out.set(piece.subarray(from, from + take), offset - start)
    offset += take
  }
  return out
}

/**
 * A sink for `seal()`: buffers what it is given and stores full pieces as they fill, so a package
 * of any size never sits whole in memory. `finish()` stores the last, shorter piece.
 */
export class PieceWriter {
  private buffer = new Uint8Array(PIECE_SIZE)
  private filled = 0
  private index = 0
  written = 0

  constructor(
    private readonly store: UploadStore,
    private readonly id: string,
  ) {}

  readonly sink = async (bytes: Uint8Array): Promise<void> => {
    let offset = 0
    while (offset < bytes.length) {
      const take = Math.min(PIECE_SIZE - this.filled, bytes.length - offset)
      this.buffer.set(bytes.subarray(offset, offset + take), this.filled)
      this.filled += take
      offset += take
      if (this.filled === PIECE_SIZE) await this.flush()
    }
    this.written += bytes.length
  }

  private async flush(): Promise<void> {
    if (this.filled === 0) return
    await this.store.putPiece(this.id, this.index, this.buffer.slice(0, this.filled))
    this.index += 1
    this.filled = 0
  }

  /** Stores the rest; returns the number of pieces. */
  async finish(): Promise<number> {
    await this.flush()
    return this.index
  }
}

/** The whole stored package as a Blob (for "save a copy"). */
export async function packageBlob(store: UploadStore, record: PendingUpload): Promise<Blob> {
  const parts: Uint8Array[] = []
  for (let i = 0; i < record.pieces; i++) parts.push(await store.getPiece(record.id, i))
  return new Blob(parts as BlobPart[], { type: 'application/octet-stream' })
}

export class MemoryUploadStore implements UploadStore {
  readonly records = new Map<string, PendingUpload>()
  readonly pieceMap = new Map<string, Uint8Array>()

  async put(record: PendingUpload): Promise<void> {
    this.records.set(record.id, { ...record })
  }
  async get(id: string): Promise<PendingUpload | null> {
    const r = this.records.get(id)
    return r ? { ...r } : null
  }
  async list(): Promise<PendingUpload[]> {
    return [...this.records.values()].map((r) => ({ ...r }))
  }
  async putPiece(id: string, index: number, data: Uint8Array): Promise<void> {
    this.pieceMap.set(`${id}/${index}`, data.slice())
  }
  async getPiece(id: string, index: number): Promise<Uint8Array> {
    const p = this.pieceMap.get(`${id}/${index}`)
    if (!p) throw new StoredPieceMissing(id, index)
    return p
  }
  async remove(id: string): Promise<void> {
    this.records.delete(id)
    for (const key of [...this.pieceMap.keys()]) if (key.startsWith(`${id}/`)) this.pieceMap.delete(key)
  }
}

export const DB_NAME = 'bidding-uploads'
const UPLOADS = 'uploads'
const PIECES = 'pieces'

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

interface PieceRecord {
  upload: string
  index: number
  data: Uint8Array
}

export class IdbUploadStore implements UploadStore {
  private opening: Promise<IDBDatabase> | null = null

  private open(): Promise<IDBDatabase> {
    if (!this.opening) {
      this.opening = new Promise<IDBDatabase>((resolve, reject) => {
        if (typeof indexedDB === 'undefined') {
          reject(new Error('IndexedDB is not available in this browser'))
          return
        }
        const req = indexedDB.open(DB_NAME, 1)
        req.onupgradeneeded = () => {
          const db = req.result
          if (!db.objectStoreNames.contains(UPLOADS)) db.createObjectStore(UPLOADS, { keyPath: 'id' })
          if (!db.objectStoreNames.contains(PIECES)) db.createObjectStore(PIECES, { keyPath: ['upload', 'index'] })
        }
        req.onsuccess = () => resolve(req.result)
        req.onerror = () => reject(req.error ?? new Error('IndexedDB cannot be opened'))
      }).catch((error: unknown) => {
        this.opening = null
        throw error
      })
    }
    return this.opening
  }

  private async run<T>(
    stores: string[],
    mode: IDBTransactionMode,
    body: (tx: IDBTransaction) => IDBRequest<T> | null,
  ): Promise<T | undefined> {
    const db = await this.open()
    const tx = db.transaction(stores, mode)
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
    })
    const req = body(tx)
    const [result] = await Promise.all([req ? request(req) : Promise.resolve(undefined), done])
    return result
  }

  async put(record: PendingUpload): Promise<void> {
    await this.run([UPLOADS], 'readwrite', (tx) => tx.objectStore(UPLOADS).put(record))
  }
  async get(id: string): Promise<PendingUpload | null> {
    return ((await this.run([UPLOADS], 'readonly', (tx) => tx.objectStore(UPLOADS).get(id))) as PendingUpload) ?? null
  }
  async list(): Promise<PendingUpload[]> {
    const all = (await this.run([UPLOADS], 'readonly', (tx) => tx.objectStore(UPLOADS).getAll())) as PendingUpload[]
    return (all ?? []).sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }
  async putPiece(id: string, index: number, data: Uint8Array): Promise<void> {
    const record: PieceRecord = { upload: id, index, data }
    await this.run([PIECES], 'readwrite', (tx) => tx.objectStore(PIECES).put(record))
  }
  async getPiece(id: string, index: number): Promise<Uint8Array> {
    const r = (await this.run([PIECES], 'readonly', (tx) => tx.objectStore(PIECES).get([id, index]))) as
      | PieceRecord
      | undefined
    if (!r) throw new StoredPieceMissing(id, index)
    return r.data
  }
  async remove(id: string): Promise<void> {
    await this.run([UPLOADS, PIECES], 'readwrite', (tx) => {
      tx.objectStore(UPLOADS).delete(id)
      tx.objectStore(PIECES).delete(IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]))
      return null
    })
  }
}

let shared: IdbUploadStore | null = null

/** The browser's store (one per page). */
export function uploadStore(): UploadStore {
  shared ??= new IdbUploadStore()
  return shared
}
