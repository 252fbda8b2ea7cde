/**
 * Package writer and readers (§1, §7): header block || form part || body part || trailer.
 * Every reader checks in the order of §7 and stops at the first failure: magic and version,
 * header, (with a key) key commitment, per part binding tag and segments, form signature, trailer
 * signature over the running SHA-256, end of stream. Nothing is decrypted before the key
 * commitment matched; no plaintext is handed out before everything verified.
 */
import { isValidCreditCode } from '@/crypto/subject'
import { buf, concat, hexEncode, readU32, u32, utf8Strict } from './bytes'
import { creditCodeOf, loadCert, type Cert } from './cert'
import { buildEnvelope, envelopeInfo, unwrapEnvelope, type EnvelopeKind } from './envelope'
import {
  InvalidFormError,
  MalformedPackageError,
  NotARecipientError,
  SignerMismatchError,
  TrailingDataError,
  TruncatedError,
} from './errors'
import { encodeForm, validateFormBytes } from './form'
import {
  checkHeaderLength,
  checkMagic,
  decodeHeader,
  DEFAULT_SEGMENT_SIZE,
  encodeHeader,
  headerBlock,
  isValidId,
  MAGIC,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
  type Header,
  type Recipient,
} from './header'
import { checkCommitment, DATA_KEY_SIZE, keyCommitment, partKeys } from './keyschedule'
import { signDetached, verifyDetached, type VerifiedSignature } from './signature'
import { readPart, SegmentEncryptor, Sink, Source, TRAILER_MAGIC, type PartStats } from './stream'
import { listTar, tarSize, tarStream, TarError } from './tar'

export const MAX_FORM_PLAINTEXT = 2 * 1024 * 1024 + 8
export const MAX_TRAILER_SIZE = 1024 * 1024

export interface SealInput {
  /** Opening form: JSON object, integer `price_fen` ≥ 0, no decimals (validated like Python `validate_form`). */
  form: Record<string, unknown>
  /** Become the pax tar body. */
  files: { name: string; data: Blob }[]
  projectId: string
  lotId: string
  /** PEM certificates: the bidder's own first (the server requires the uploader among recipients). */
  recipients: string[]
  /** PEM. */
  signerCert: string
  /** The CMS signing handle (ECDSA or RSASSA-PKCS1-v1_5): `cmsSigningKey(identity)`. */
  signerKey: CryptoKey
  /** Default: from the certificate's organizationIdentifier NTRCN-…. */
  bidderCreditCode?: string
  /** Default 1 MiB. */
  segmentSize?: number
  now?: Date
}

export interface SealResult {
  /** Package size in bytes. */
  size: number
  /** Hex package digest: SHA-256 of every byte before the trailer (what the bidder signed). */
  digest: string
  /** Hex SHA-256 of the whole file (what storage and receipts name). */
  fileSha256: string
  header: Header
  formSize: number
  bodySize: number
  bodyOffset: number
}

export interface BodyFile {
  name: string
  size: number
  data: Blob
}

export interface OpenedPackage {
  header: Header
  /** The opening form as parsed (integers beyond 2^53 as bigint). */
  form: Record<string, unknown>
  /** The form JSON exactly as signed. */
  formJson: Uint8Array
  /** PEM of the certificate that signed form and package (fingerprint = header.bidderCertSha256). */
  signerCert: string
  signingTime: Date | null
  /** The whole body plaintext (normally a tar). */
  body: Blob
  /** The body's files when it is a tar (slices of `body`); null when the body is not a tar. */
  files: BodyFile[] | null
  digest: string
  fileSha256: string
  bodyOffset: number
}

export interface RecipientInfo {
  certSha256: string
  kind: EnvelopeKind
}

export interface PackageInfo {
  header: Header
  recipients: RecipientInfo[]
  formOffset: number
  formPlaintextSize: number
  bodyOffset: number
  bodySize: number
  bodySegments: number
  trailerOffset: number
  size: number
  digest: string
  fileSha256: string
  /** The package signature verified (else inspectPackage throws); signer fingerprint = header's. */
  signature: { valid: true; signerCert: string; signerSha256: string; signingTime: Date | null }
}

/** Receives the package bytes in order; awaited before the next chunk (back-pressure). */
export type PackageSink = (bytes: Uint8Array) => Promise<void>
export type Progress = (done: number, total: number) => void

function pem(der: Uint8Array): string {
  let b = ''
  for (let i = 0; i < der.length; i += 0x8000) b += String.fromCharCode(...der.subarray(i, i + 0x8000))
  const lines = btoa(b).match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

async function keyMatchesCert(key: CryptoKey, cert: Cert): Promise<boolean> {
  // Sign a probe and verify it with the certificate's public key.
  const probe = crypto.getRandomValues(new Uint8Array(32))
  const ec = key.algorithm.name === 'ECDSA'
  if (ec ? cert.keyType !== 'ec-p256' : cert.keyType !== 'rsa') return false
  const params = ec ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' }
  const signature = await crypto.subtle.sign(params, key, probe)
  const pub = await crypto.subtle.importKey(
    'spki',
    buf(cert.spki),
    ec ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['verify'],
  )
  return crypto.subtle.verify(params, pub, signature, probe)
}

/**
 * Seal `input` into a package, streamed in order through `sink` (awaited: back-pressure).
 * `onProgress(done, total)` counts plaintext body bytes (the tar). Memory: one segment buffer
 * plus one file read window, whatever the file sizes.
 */
export async function seal(input: SealInput, sink: PackageSink, onProgress?: Progress): Promise<SealResult> {
  const form = encodeForm(input.form)
  if (!isValidId(input.projectId)) throw new TypeError('projectId must be 1..200 printable characters')
  if (!isValidId(input.lotId)) throw new TypeError('lotId must be 1..200 printable characters')
  const segmentSize = input.segmentSize ?? DEFAULT_SEGMENT_SIZE
  if (!Number.isInteger(segmentSize) || segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
    throw new TypeError(`segmentSize must be in ${MIN_SEGMENT_SIZE}..${MAX_SEGMENT_SIZE}`)
  }
  if (input.recipients.length === 0) throw new TypeError('at least one recipient certificate is needed')
  const signer = await loadCert(input.signerCert)
  const key = input.signerKey
  if (key.algorithm.name !== 'ECDSA' && key.algorithm.name !== 'RSASSA-PKCS1-v1_5') {
    throw new TypeError(
      'signerKey must be the CMS signing handle (ECDSA or RSASSA-PKCS1-v1_5): use cmsSigningKey(identity)',
    )
  }
  if (!(await keyMatchesCert(key, signer)))
    throw new TypeError('the signer key does not belong to the signer certificate')
  const creditCode = input.bidderCreditCode ?? creditCodeOf(signer.der)
  if (!creditCode || !isValidCreditCode(creditCode)) {
    throw new TypeError(
      'no valid bidder credit code: the certificate has no NTRCN- organizationIdentifier; pass bidderCreditCode',
    )
  }
  const now = input.now ?? new Date()
  const mtime = Math.floor(now.getTime() / 1000)
  const total = tarSize(input.files, mtime)

  const dataKey = crypto.getRandomValues(new Uint8Array(DATA_KEY_SIZE))
  try {
    const salt = crypto.getRandomValues(new Uint8Array(32))
    const recipients: Recipient[] = []
    for (const pemText of input.recipients) {
      const cert = await loadCert(pemText)
      if (recipients.some((r) => r.certSha256 === cert.sha256)) continue
      recipients.push({ certSha256: cert.sha256, cms: await buildEnvelope(dataKey, cert) })
    }
    const raw = await encodeHeader({
      projectId: input.projectId,
      lotId: input.lotId,
      bidderCreditCode: creditCode,
      bidderCertSha256: signer.sha256,
      segmentSize,
      createdAt: now,
      kdfSalt: salt,
      keyCommitment: await keyCommitment(dataKey, salt),
      recipients,
    })
    const header = await decodeHeader(raw)
    const out = new Sink(sink)
    await out.write(headerBlock(raw))
    const formDigest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf(form)))
    const formSig = await signDetached(formDigest, key, signer, now)
    const formPart = await SegmentEncryptor.open(out, await partKeys(dataKey, salt, header.sha256, 'form'), segmentSize)
    await formPart.write(concat(u32(form.length), form, u32(formSig.length), formSig))
    await formPart.close()
    const bodyOffset = out.offset
    const body = await SegmentEncryptor.open(out, await partKeys(dataKey, salt, header.sha256, 'body'), segmentSize)
    dataKey.fill(0)
    let done = 0
    onProgress?.(0, total)
    try {
      for await (const chunk of tarStream(input.files, mtime)) {
        await body.write(chunk)
        done += chunk.length
        onProgress?.(done, total)
      }
    } catch (error) {
      if (error instanceof TarError) throw new TypeError(error.message, { cause: error })
      throw error
    }
    await body.close()
    const digest = out.hasher.clone().digest()
    const signature = await signDetached(digest, key, signer, now)
    const trailer = concat(TRAILER_MAGIC, u32(signature.length), signature)
    const fileHasher = out.hasher.clone()
    fileHasher.update(trailer)
    out.hashing = false
    await out.write(trailer)
    return {
      size: out.offset,
      digest: hexEncode(digest),
      fileSha256: hexEncode(fileHasher.digest()),
      header,
      formSize: form.length,
      bodySize: body.plaintextSize,
      bodyOffset,
    }
  } finally {
    dataKey.fill(0)
  }
}

// -- readers ------------------------------------------------------------------------------------

async function readHeaderFrom(src: Source): Promise<Header> {
  checkMagic((await src.readUpto(MAGIC.length)).slice())
  const length = readU32(await src.readExact(4, 'the header length'))
  checkHeaderLength(length)
  return decodeHeader((await src.readExact(length, 'the header')).slice())
}

/** Read and validate the header block of a package (reads only the header bytes). */
export async function readHeader(pkg: Blob): Promise<Header> {
  return readHeaderFrom(new Source(pkg))
}

/** The CMS EnvelopedData blob for a certificate (PEM or DER): what the opening room sends to that key holder. */
export async function recipientBlob(header: Header, cert: string | Uint8Array): Promise<Uint8Array> {
  const { sha256 } = await loadCert(cert)
  const found = header.recipients.find((r) => r.certSha256 === sha256)
  if (!found) throw new NotARecipientError(`certificate ${sha256.slice(0, 16)}… is not a recipient of this package`)
  return found.cms
}

/**
 * Open a recipient blob (CMS EnvelopedData DER) with the recipient's decryption handle
 * (`decryptionKey(identity)`: RSA-OAEP-SHA256 or ECDH P-256); returns the 32-byte data key.
 * With `cert` (PEM), first checks that the blob is addressed to it (`not_a_recipient`).
 */
export async function unwrapDataKey(cmsDer: Uint8Array, decryptKey: CryptoKey, cert?: string): Promise<Uint8Array> {
  return unwrapEnvelope(cmsDer, decryptKey, cert === undefined ? undefined : await loadCert(cert))
}

function checkSigner(header: Header, verified: VerifiedSignature, what: string): void {
  if (verified.signerCert.sha256 !== header.bidderCertSha256) {
    throw new SignerMismatchError(`the ${what} is signed with another certificate than the header's bidder certificate`)
  }
}

async function readTrailer(src: Source, header: Header): Promise<{ digest: Uint8Array; verified: VerifiedSignature }> {
  const digest = src.stopPackageHash()
  const magic = await src.readUpto(4)
  if (magic.length < 4) throw new TruncatedError('the package ends before its signature trailer')
  if (!TRAILER_MAGIC.every((b, i) => magic[i] === b)) {
    throw new MalformedPackageError(`expected the signature trailer at byte ${src.offset - 4}`)
  }
  const length = readU32(await src.readExact(4, 'the trailer length'))
  if (length === 0 || length > MAX_TRAILER_SIZE)
    throw new MalformedPackageError(`trailer length ${length} out of range`)
  const signature = (await src.readExact(length, 'the signature trailer')).slice()
  if ((await src.readUpto(1)).length)
    throw new TrailingDataError(`data follows the signature trailer at byte ${src.offset - 1}`)
  const verified = await verifyDetached(signature, digest)
  checkSigner(header, verified, 'package')
  return { digest, verified }
}

function splitFormPlaintext(plain: Uint8Array): { form: Uint8Array; signature: Uint8Array } {
  const bad = () => new MalformedPackageError('the decrypted form part is not json and signature')
  if (plain.length < 4) throw bad()
  const n = readU32(plain, 0)
  if (4 + n + 4 > plain.length) throw bad()
  const m = readU32(plain, 4 + n)
  if (8 + n + m !== plain.length) throw bad()
  return { form: plain.slice(4, 4 + n), signature: plain.slice(8 + n) }
}

const newStats = (): PartStats => ({ plaintextSize: 0, segments: 0, startOffset: 0, endOffset: 0 })

/** Collects decrypted chunks into a Blob, folding them in every few MiB so JS memory stays bounded. */
class BlobBuilder {
  private blob = new Blob([])
  private parts: Uint8Array<ArrayBuffer>[] = []
  private pending = 0

  add(chunk: Uint8Array<ArrayBuffer>): void {
    this.parts.push(chunk)
    this.pending += chunk.length
    if (this.pending >= 16 * 1024 * 1024) this.fold()
  }

  private fold(): void {
    this.blob = new Blob([this.blob, ...this.parts])
    this.parts = []
    this.pending = 0
  }

  finish(): Blob {
    this.fold()
    return this.blob
  }
}

/**
 * Decrypt and verify a whole package with its data key (§7 steps 1–7): header, key commitment,
 * form part and form signature, body part, package signature, end of file. Returns the form, the
 * body (and its tar files) only when everything passed.
 */
export async function openPackage(pkg: Blob, dataKey: Uint8Array): Promise<OpenedPackage> {
  const src = new Source(pkg)
  const header = await readHeaderFrom(src)
  await checkCommitment(dataKey, header.kdfSalt, header.keyCommitment)
  const formKeys = await partKeys(dataKey, header.kdfSalt, header.sha256, 'form')
  const chunks: Uint8Array[] = []
  let formSize = 0
  for await (const seg of readPart(src, 'form', header.segmentSize, formKeys, newStats())) {
    formSize += seg.length
    if (formSize > MAX_FORM_PLAINTEXT) throw new MalformedPackageError('the form part is larger than the format allows')
    chunks.push(seg)
  }
  const { form, signature } = splitFormPlaintext(concat(...chunks))
  const formVerified = await verifyDetached(signature, new Uint8Array(await crypto.subtle.digest('SHA-256', buf(form))))
  checkSigner(header, formVerified, 'opening form')
  let data: Record<string, unknown>
  try {
    data = validateFormBytes(form)
  } catch (error) {
    if (error instanceof InvalidFormError)
      throw new MalformedPackageError(`the signed opening form is invalid: ${error.message}`)
    throw error
  }
  const bodyOffset = src.offset
  const bodyKeys = await partKeys(dataKey, header.kdfSalt, header.sha256, 'body')
  const builder = new BlobBuilder()
  for await (const seg of readPart(src, 'body', header.segmentSize, bodyKeys, newStats())) {
    builder.add(seg as Uint8Array<ArrayBuffer>)
  }
  const { digest } = await readTrailer(src, header)
  const body = builder.finish()
  let files: BodyFile[] | null
  try {
    files = (await listTar(body)).map((e) => ({
      name: e.name,
      size: e.size,
      data: body.slice(e.offset, e.offset + e.size),
    }))
  } catch {
    files = null
  }
  return {
    header,
    form: data,
    formJson: form,
    signerCert: pem(formVerified.signerCert.der),
    signingTime: formVerified.signingTime,
    body,
    files,
    digest: hexEncode(digest),
    fileSha256: hexEncode(src.fileDigest()),
    bodyOffset,
  }
}

/**
 * Verify a package without any key (what the server runs on upload): layout, header, recipient
 * envelopes parse, every segment record, the bidder's signature over the package digest, end of
 * file. Throws the specific error; returns sizes, digests and the signer.
 */
export async function inspectPackage(pkg: Blob): Promise<PackageInfo> {
  const src = new Source(pkg)
  const header = await readHeaderFrom(src)
  const recipients = header.recipients.map((r) => ({ certSha256: r.certSha256, kind: envelopeInfo(r.cms).kind }))
  const form = newStats()
  for await (const _ of readPart(src, 'form', header.segmentSize, null, form)) void _
  if (form.plaintextSize > MAX_FORM_PLAINTEXT)
    throw new MalformedPackageError('the form part is larger than the format allows')
  const body = newStats()
  for await (const _ of readPart(src, 'body', header.segmentSize, null, body)) void _
  const trailerOffset = src.offset
  const { digest, verified } = await readTrailer(src, header)
  return {
    header,
    recipients,
    formOffset: form.startOffset,
    formPlaintextSize: form.plaintextSize,
    bodyOffset: body.startOffset,
    bodySize: body.plaintextSize,
    bodySegments: body.segments,
    trailerOffset,
    size: src.offset,
    digest: hexEncode(digest),
    fileSha256: hexEncode(src.fileDigest()),
    signature: {
      valid: true,
      signerCert: pem(verified.signerCert.der),
      signerSha256: verified.signerCert.sha256,
      signingTime: verified.signingTime,
    },
  }
}

/** Decode the bytes of the form JSON as text (for display). */
export function formText(formJson: Uint8Array): string {
  return utf8Strict.decode(formJson)
}
