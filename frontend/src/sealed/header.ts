/**
 * The header block (§2): "BIDSEAL1" || uint32(len) || canonical JSON. Readers hash and bind the
 * bytes as stored; they refuse duplicate keys, unknown or missing fields and wrong types, with
 * the same checks, in the same order, as Python's `crypto/sealed/header.py`.
 */
import { isValidCreditCode } from '@/crypto/subject'
import { ascii, base64Decode, base64Encode, buf, concat, u32, utf8, utf8Strict } from './bytes'
import { MalformedPackageError, NotAPackageError, UnsupportedVersionError } from './errors'
import { canonicalJson, JsonError, parseJsonStrict, type JsonValue } from './json'

export const MAGIC_PREFIX = ascii('BIDSEAL')
export const VERSION = 1
export const MAGIC = ascii('BIDSEAL1')
export const SUITE = 'AES-256-GCM-STREAM/HKDF-SHA256/CMS'
export const MAX_HEADER_SIZE = 4 * 1024 * 1024
export const MIN_SEGMENT_SIZE = 64
export const MAX_SEGMENT_SIZE = 16 * 1024 * 1024
export const DEFAULT_SEGMENT_SIZE = 1024 * 1024
export const MAX_ID_LENGTH = 200

const FIELDS = [
  'version',
  'suite',
  'project_id',
  'lot_id',
  'bidder_credit_code',
  'bidder_cert_sha256',
  'segment_size',
  'created_at',
  'kdf_salt',
  'key_commitment',
  'recipients',
] as const
const HEX64 = /^[0-9a-f]{64}$/
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
// Python's str.isprintable(): no character of the categories C* or Z* except the ASCII space.
const PRINTABLE = /^(?:[^\p{C}\p{Z}]| )+$/u

export interface Recipient {
  /** Lowercase hex SHA-256 of the recipient certificate's DER. */
  certSha256: string
  /** DER ContentInfo(EnvelopedData) holding the data key for that certificate (§5). */
  cms: Uint8Array
}

export interface Header {
  version: 1
  suite: string
  projectId: string
  lotId: string
  bidderCreditCode: string
  bidderCertSha256: string
  segmentSize: number
  /** `YYYY-MM-DDTHH:MM:SSZ` as stored. */
  createdAt: string
  kdfSalt: Uint8Array
  keyCommitment: Uint8Array
  recipients: Recipient[]
  /** The header JSON bytes exactly as stored (what is hashed and signed). */
  raw: Uint8Array
  /** SHA-256(raw). */
  sha256: Uint8Array
  /** Bytes of the header block on the wire: magic, length, JSON. */
  blockSize: number
}

export function formatTime(when: Date): string {
  if (Number.isNaN(when.getTime())) throw new RangeError('invalid date')
  return when.toISOString().slice(0, 19) + 'Z'
}

/** 1..200 printable characters (code points), like Python's `check_id`. */
export function isValidId(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length > 0 && Array.from(value).length <= MAX_ID_LENGTH && PRINTABLE.test(value)
  )
}

function checkId(value: unknown, field: string): string {
  if (!isValidId(value))
    throw new MalformedPackageError(`header field ${field} must be 1..${MAX_ID_LENGTH} printable characters`)
  return value
}

function unb64(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new MalformedPackageError(`header field ${field} is not valid base64`)
  }
  return base64Decode(value)
}

function int(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MalformedPackageError(`header field ${field} must be an integer`)
  }
  return value
}

export interface HeaderFields {
  projectId: string
  lotId: string
  bidderCreditCode: string
  bidderCertSha256: string
  segmentSize: number
  createdAt: Date
  kdfSalt: Uint8Array
  keyCommitment: Uint8Array
  recipients: Recipient[]
}

/** The canonical header JSON bytes (Python `encode_header`); checked by the reader before use. */
export async function encodeHeader(f: HeaderFields): Promise<Uint8Array> {
  const obj = {
    version: VERSION,
    suite: SUITE,
    project_id: f.projectId,
    lot_id: f.lotId,
    bidder_credit_code: f.bidderCreditCode,
    bidder_cert_sha256: f.bidderCertSha256,
    segment_size: f.segmentSize,
    created_at: formatTime(f.createdAt),
    kdf_salt: base64Encode(f.kdfSalt),
    key_commitment: base64Encode(f.keyCommitment),
    recipients: f.recipients.map((r) => ({ cert_sha256: r.certSha256, cms: base64Encode(r.cms) })),
  }
  const raw = utf8.encode(canonicalJson(obj))
  await decodeHeader(raw) // the writer never emits a header its reader refuses
  return raw
}

export function headerBlock(raw: Uint8Array): Uint8Array {
  return concat(MAGIC, u32(raw.length), raw)
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(typeof v === 'bigint')
}

/** Parse and validate header JSON bytes (Python `decode_header`). */
export async function decodeHeader(raw: Uint8Array): Promise<Header> {
  let obj: JsonValue
  try {
    obj = parseJsonStrict(utf8Strict.decode(raw))
  } catch (cause) {
    if (cause instanceof JsonError && cause.message.startsWith('duplicate key')) {
      throw new MalformedPackageError(`${cause.message} in the header`)
    }
    throw new MalformedPackageError('the header is not UTF-8 JSON', { cause })
  }
  if (!isObject(obj)) throw new MalformedPackageError('the header is not a JSON object')
  if (int(obj.version, 'version') !== VERSION) {
    throw new UnsupportedVersionError(
      `header version ${String(obj.version)} is not supported (this reader: ${VERSION})`,
    )
  }
  const keys = Object.keys(obj)
  if (keys.length !== FIELDS.length || !FIELDS.every((k) => k in obj)) {
    throw new MalformedPackageError(`header fields wrong: ${keys.sort().join(',')}`)
  }
  if (obj.suite !== SUITE) throw new UnsupportedVersionError(`cipher suite ${String(obj.suite)} is not supported`)
  const code = checkId(obj.bidder_credit_code, 'bidder_credit_code')
  if (!isValidCreditCode(code)) throw new MalformedPackageError('header bidder_credit_code: invalid credit code')
  const fingerprint = obj.bidder_cert_sha256
  if (typeof fingerprint !== 'string' || !HEX64.test(fingerprint)) {
    throw new MalformedPackageError('header field bidder_cert_sha256 must be 64 lowercase hex digits')
  }
  const segmentSize = int(obj.segment_size, 'segment_size')
  if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
    throw new MalformedPackageError(`segment_size must be in ${MIN_SEGMENT_SIZE}..${MAX_SEGMENT_SIZE}`)
  }
  const created = obj.created_at
  if (typeof created !== 'string' || !TIME.test(created)) {
    throw new MalformedPackageError('header field created_at must be YYYY-MM-DDTHH:MM:SSZ')
  }
  const when = new Date(created)
  if (Number.isNaN(when.getTime()) || formatTime(when) !== created) {
    throw new MalformedPackageError('header field created_at is not a valid time')
  }
  const kdfSalt = unb64(obj.kdf_salt, 'kdf_salt')
  const keyCommitment = unb64(obj.key_commitment, 'key_commitment')
  if (kdfSalt.length !== 32 || keyCommitment.length !== 32) {
    throw new MalformedPackageError('kdf_salt and key_commitment must be 32 bytes each')
  }
  const entries = obj.recipients
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new MalformedPackageError('header field recipients must be a non-empty list')
  }
  const recipients: Recipient[] = entries.map((entry, i) => {
    if (!isObject(entry) || Object.keys(entry).length !== 2 || !('cert_sha256' in entry) || !('cms' in entry)) {
      throw new MalformedPackageError(`recipient ${i} must have exactly cert_sha256 and cms`)
    }
    const fp = entry.cert_sha256
    if (typeof fp !== 'string' || !HEX64.test(fp)) {
      throw new MalformedPackageError(`recipient ${i} cert_sha256 must be 64 lowercase hex digits`)
    }
    return { certSha256: fp, cms: unb64(entry.cms, `recipients[${i}].cms`) }
  })
  if (new Set(recipients.map((r) => r.certSha256)).size !== recipients.length) {
    throw new MalformedPackageError('a recipient certificate is listed twice')
  }
  return {
    version: VERSION,
    suite: SUITE,
    projectId: checkId(obj.project_id, 'project_id'),
    lotId: checkId(obj.lot_id, 'lot_id'),
    bidderCreditCode: code,
    bidderCertSha256: fingerprint,
    segmentSize,
    createdAt: created,
    kdfSalt,
    keyCommitment,
    recipients,
    raw,
    sha256: new Uint8Array(await crypto.subtle.digest('SHA-256', buf(raw))),
    blockSize: MAGIC.length + 4 + raw.length,
  }
}

/** The first 8 bytes: `BIDSEAL` (else `not_a_package`) and version `1` (else `unsupported_version`). */
export function checkMagic(magic: Uint8Array): void {
  if (magic.length < MAGIC.length || !MAGIC_PREFIX.every((b, i) => magic[i] === b)) {
    throw new NotAPackageError('not a sealed bid package (no BIDSEAL magic)')
  }
  if (magic[7] !== MAGIC[7]) throw new UnsupportedVersionError('sealed bid format version is not supported')
}

export function checkHeaderLength(length: number): void {
  if (length < 2 || length > MAX_HEADER_SIZE) throw new MalformedPackageError(`header length ${length} out of range`)
}
