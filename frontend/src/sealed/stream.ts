/**
 * STREAM segments (§4) and the byte plumbing around them.
 *
 *   part   = magic ("FORM" | "BODY") || binding_tag (32) || record*      (exactly one final)
 *   record = flag (0x00 | 0x01 final) || uint32(len(ct)) || ct
 *   ct_i   = AES-256-GCM(part key, prefix (7) || uint32(i) || last (1), plaintext_i, aad = "")
 *
 * `Source` reads a Blob through `Blob.slice` a window at a time (memory stays bounded whatever
 * the package size) and keeps the running SHA-256 of the package (incremental, @noble/hashes:
 * WebCrypto has no streaming digest) and of the whole file.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ascii, buf, concat, readU32, u32 } from './bytes'
import { MalformedPackageError, SegmentAuthenticationError, TruncatedError } from './errors'
import { checkBinding, type PartKeys, type PartLabel } from './keyschedule'

export const TAG_SIZE = 16
export const RECORD_HEADER_SIZE = 5
export const FLAG_MORE = 0x00
export const FLAG_FINAL = 0x01
export const BINDING_TAG_SIZE = 32
export const MAX_SEGMENTS = 2 ** 32
export const PART_MAGIC: Record<PartLabel, Uint8Array> = { form: ascii('FORM'), body: ascii('BODY') }
export const TRAILER_MAGIC = ascii('SIGN')
const NEXT_MAGIC_FIRST_BYTES = new Set([0x42, 0x53]) // "B", "S": the next part or the trailer

export type Hasher = ReturnType<typeof sha256.create>
export const newHasher = (): Hasher => sha256.create()

export function segmentNonce(prefix: Uint8Array, counter: number, final: boolean): Uint8Array<ArrayBuffer> {
  return buf(concat(prefix, u32(counter), Uint8Array.of(final ? 1 : 0)))
}

// -- reading ------------------------------------------------------------------------------------

const WINDOW = 4 * 1024 * 1024

/** Sequential reader over a Blob with exact reads (`truncated`), offset and running hashes. */
export class Source {
  offset = 0
  /** Package digest: every byte before the trailer (see {@link stopPackageHash}). */
  readonly hasher = newHasher()
  /** Whole-file SHA-256: a copy of the package hash taken at the trailer, then the trailer bytes
   * (hashing every byte twice would halve the speed: SHA-256 in JS is the bottleneck). */
  private fileHasher: Hasher | null = null
  private window: Uint8Array = new Uint8Array(0)
  private pos = 0
  private blobPos = 0

  constructor(private readonly blob: Blob) {}

  get size(): number {
    return this.blob.size
  }

  private async fill(n: number): Promise<void> {
    const have = this.window.length - this.pos
    if (have >= n || this.blobPos >= this.blob.size) return
    const want = Math.max(n - have, WINDOW)
    const end = Math.min(this.blob.size, this.blobPos + want)
    const more = new Uint8Array(await this.blob.slice(this.blobPos, end).arrayBuffer())
    this.blobPos = end
    this.window = have ? concat(this.window.subarray(this.pos), more) : more
    this.pos = 0
  }

  /** Up to `n` bytes; fewer only at the end of the Blob. The view is valid until the next read. */
  async readUpto(n: number): Promise<Uint8Array> {
    await this.fill(n)
    const out = this.window.subarray(this.pos, this.pos + n)
    this.pos += out.length
    this.offset += out.length
    ;(this.fileHasher ?? this.hasher).update(out)
    return out
  }

  /** At the trailer: returns the package digest; later bytes only go into the file hash. */
  stopPackageHash(): Uint8Array {
    if (this.fileHasher) throw new Error('package hash already stopped')
    this.fileHasher = this.hasher.clone()
    return this.hasher.digest()
  }

  /** SHA-256 of every byte read so far (call after the end). */
  fileDigest(): Uint8Array {
    return (this.fileHasher ?? this.hasher).clone().digest()
  }

  async readExact(n: number, what: string): Promise<Uint8Array> {
    const data = await this.readUpto(n)
    if (data.length !== n) throw new TruncatedError(`the package ends inside ${what} (at byte ${this.offset})`)
    return data
  }
}

export function checkFlag(flag: number, label: string, offset: number): boolean {
  if (flag !== FLAG_MORE && flag !== FLAG_FINAL) {
    if (NEXT_MAGIC_FIRST_BYTES.has(flag)) throw new TruncatedError(`the ${label} part ends without its final segment`)
    throw new MalformedPackageError(
      `bad segment flag 0x${flag.toString(16).padStart(2, '0')} in the ${label} part at byte ${offset}`,
    )
  }
  return flag === FLAG_FINAL
}

export function checkRecord(final: boolean, ctLen: number, counter: number, segmentSize: number, label: string): void {
  const ok = final
    ? (ctLen > TAG_SIZE && ctLen <= segmentSize + TAG_SIZE) || (ctLen === TAG_SIZE && counter === 0)
    : ctLen === segmentSize + TAG_SIZE
  if (!ok) throw new MalformedPackageError(`${label} segment ${counter} has an invalid length ${ctLen}`)
  if (counter >= MAX_SEGMENTS) throw new MalformedPackageError(`the ${label} part has more than 2**32 segments`)
}

export interface PartStats {
  plaintextSize: number
  segments: number
  startOffset: number
  endOffset: number
}

/**
 * Reads one part; with `keys` decrypts and yields each authenticated segment (a fresh array),
 * without only checks the layout. A segment's plaintext is yielded only after its tag verified.
 */
export async function* readPart(
  src: Source,
  label: PartLabel,
  segmentSize: number,
  keys: PartKeys | null,
  stats: PartStats,
): AsyncGenerator<Uint8Array> {
  stats.startOffset = src.offset
  const magic = await src.readUpto(4)
  if (magic.length < 4) throw new TruncatedError(`the package ends before its ${label} part`)
  if (!PART_MAGIC[label].every((b, i) => magic[i] === b)) {
    throw new MalformedPackageError(`expected the ${label} part at byte ${src.offset - 4}`)
  }
  const tag = await src.readExact(BINDING_TAG_SIZE, `the ${label} part's binding tag`)
  if (keys) checkBinding(keys, tag)
  for (let counter = 0; ; counter++) {
    const flagByte = await src.readUpto(1)
    if (flagByte.length === 0) throw new TruncatedError(`the package ends inside the ${label} part (no final segment)`)
    const final = checkFlag(flagByte[0] as number, label, src.offset - 1)
    const ctLen = readU32(await src.readExact(4, `a ${label} segment header`))
    checkRecord(final, ctLen, counter, segmentSize, label)
    const ct = await src.readExact(ctLen, `${label} segment ${counter}`)
    stats.plaintextSize += ctLen - TAG_SIZE
    stats.segments = counter + 1
    if (keys) {
      let plain: ArrayBuffer
      try {
        plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: segmentNonce(keys.noncePrefix, counter, final), tagLength: 128 },
          keys.key,
          buf(ct),
        )
      } catch (cause) {
        throw new SegmentAuthenticationError(
          `${label} segment ${counter} does not authenticate (altered, reordered, dropped or foreign)`,
          { cause },
        )
      }
      yield new Uint8Array(plain)
    }
    if (final) {
      stats.endOffset = src.offset
      return
    }
  }
}

// -- writing ------------------------------------------------------------------------------------

/** Where the writer puts bytes: the caller's sink, with the running package SHA-256 and offset. */
export class Sink {
  offset = 0
  readonly hasher = newHasher()
  hashing = true

  constructor(private readonly out: (bytes: Uint8Array) => Promise<void>) {}

  async write(data: Uint8Array): Promise<void> {
    if (this.hashing) this.hasher.update(data)
    this.offset += data.length
    await this.out(data)
  }
}

/**
 * Writes one part: magic, binding tag, then STREAM segments of what is written to it. A full
 * segment is only encrypted once more data arrives, so the last one can carry the final flag.
 */
export class SegmentEncryptor {
  plaintextSize = 0
  private counter = 0
  private readonly segBuf: Uint8Array
  private fillLen = 0
  private closed = false

  private constructor(
    private readonly sink: Sink,
    private readonly keys: PartKeys,
    private readonly segmentSize: number,
  ) {
    this.segBuf = new Uint8Array(segmentSize)
  }

  static async open(sink: Sink, keys: PartKeys, segmentSize: number): Promise<SegmentEncryptor> {
    await sink.write(concat(PART_MAGIC[keys.label], keys.bindingTag))
    return new SegmentEncryptor(sink, keys, segmentSize)
  }

  get segments(): number {
    return this.counter
  }

  private async flush(final: boolean): Promise<void> {
    if (this.counter >= MAX_SEGMENTS) throw new MalformedPackageError('a part may hold at most 2**32 segments')
    const n = this.fillLen
    const ct = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: segmentNonce(this.keys.noncePrefix, this.counter, final), tagLength: 128 },
        this.keys.key,
        this.segBuf.subarray(0, n) as Uint8Array<ArrayBuffer>,
      ),
    )
    const record = new Uint8Array(RECORD_HEADER_SIZE + ct.length)
    record[0] = final ? FLAG_FINAL : FLAG_MORE
    record.set(u32(ct.length), 1)
    record.set(ct, RECORD_HEADER_SIZE)
    await this.sink.write(record)
    this.counter++
    this.plaintextSize += n
    this.fillLen = 0
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('write to a closed part')
    let pos = 0
    while (pos < data.length) {
      if (this.fillLen === this.segmentSize) await this.flush(false)
      const k = Math.min(this.segmentSize - this.fillLen, data.length - pos)
      this.segBuf.set(data.subarray(pos, pos + k), this.fillLen)
      this.fillLen += k
      pos += k
    }
  }

  /** Writes the final segment (empty only when nothing was written). */
  async close(): Promise<void> {
    if (this.closed) return
    await this.flush(true)
    this.closed = true
    this.segBuf.fill(0)
  }
}
