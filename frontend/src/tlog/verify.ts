/**
 * Checking the transparency log in the browser with only its verifier key (`/log/vkey`), the way
 * `crypto/tlog` does it on the server (docs/transparency-log.md):
 *
 * - C2SP signed-note: the vkey `<name>+<hex key id>+base64(0x01 ‖ Ed25519 public key)`, whose key id
 *   is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]; a note is its text, a blank line, and signature lines
 *   `— <name> base64(key id ‖ signature)`; the log's Ed25519 signature (RFC 8032, WebCrypto) is over
 *   the text. Other lines (witnesses' cosignatures, C2SP tlog-cosignature) are named, not verified.
 * - C2SP tlog-checkpoint: the text is `origin\nsize\nbase64(root)\n` and any extension lines.
 * - RFC 9162 §2.1.4.2: verifying a consistency proof between two tree sizes (a port of
 *   `crypto.tlog.merkle.verify_consistency`, itself after transparency-dev/merkle's proof/verify.go).
 *
 * Every failure is a `TlogError` with a `reason` the page translates, and an English message.
 */
import { sha256 } from '@noble/hashes/sha2.js'

export type TlogFailure =
  | 'malformed_vkey'
  | 'malformed_note'
  | 'malformed_checkpoint'
  | 'unsigned'
  | 'bad_signature'
  | 'wrong_origin'
  | 'wrong_size'
  | 'bad_hash'
  | 'bad_sizes'
  | 'empty_proof'
  | 'proof_too_long'
  | 'proof_too_short'
  | 'old_root_mismatch'
  | 'new_root_mismatch'

export class TlogError extends Error {
  override readonly name = 'TlogError'
  constructor(
    readonly reason: TlogFailure,
    message: string,
  ) {
    super(message)
  }
}

const HASH_SIZE = 32
const KEY_ID_SIZE = 4
const ALG_ED25519 = 0x01
const SIGNATURE_PREFIX = '\u2014 ' // em dash and a space (signed-note §Format)
const MAX_SIGNATURES = 100
const encoder = new TextEncoder()

// ----------------------------------------------------------------------------- bytes

/** Strict standard base64 (padding required, canonical), as the C2SP formats use it. */
export function b64decode(text: string, what = 'base64'): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new TlogError('malformed_note', `${what} is not standard base64`)
  }
  const binary = atob(text)
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  if (b64encode(bytes) !== text) throw new TlogError('malformed_note', `${what} is not canonical base64`)
  return bytes
}

export function b64encode(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Compares without stopping at the first difference (the server's hmac.compare_digest). */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** A view the WebCrypto typings accept (an ArrayBuffer-backed copy). */
function buf(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer
}

// ----------------------------------------------------------------------------- signed-note keys

/** The signed-note key id: SHA-256(name ‖ 0x0A ‖ alg ‖ key)[:4]. */
export function keyId(name: string, alg: number, publicKey: Uint8Array): Uint8Array {
  return sha256(concat(encoder.encode(name), new Uint8Array([0x0a, alg]), publicKey)).slice(0, KEY_ID_SIZE)
}

export interface VerifierKey {
  name: string
  keyId: Uint8Array
  publicKey: Uint8Array
  key: CryptoKey
  vkey: string
}

function checkKeyName(name: string): void {
  // signed-note §Format: a key name is non-empty, with no Unicode spaces and no plus.
  if (!name || /[\s+]/u.test(name)) throw new TlogError('malformed_vkey', 'a key name is non-empty, without spaces or +')
}

/** Parses and imports a vkey `<name>+<8 hex>+base64(0x01 ‖ 32-byte Ed25519 key)`; the key id must
 * match the name and key. */
export async function parseVkey(vkey: string): Promise<VerifierKey> {
  const text = vkey.trim()
  // name + 8 hex digits + base64 (which may itself hold "+")
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(text)
  if (!match) throw new TlogError('malformed_vkey', 'a vkey is name+keyid+key')
  const [, name, idHex, key64] = match as unknown as [string, string, string, string]
  checkKeyName(name)
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new TlogError('malformed_vkey', 'the key id is 8 lowercase hex digits')
  let typed: Uint8Array
  try {
    typed = b64decode(key64, 'the key')
  } catch {
    throw new TlogError('malformed_vkey', 'the key is not standard base64')
  }
  if (typed.length !== 33 || typed[0] !== ALG_ED25519) {
    throw new TlogError('malformed_vkey', 'an Ed25519 vkey holds 0x01 and a 32-byte key')
  }
  const publicKey = typed.slice(1)
  const id = keyId(name, ALG_ED25519, publicKey)
  if (hex(id) !== idHex) throw new TlogError('malformed_vkey', "the key id does not match the vkey's name and key")
  const key = await crypto.subtle.importKey('raw', buf(publicKey), { name: 'Ed25519' }, false, ['verify'])
  return { name, keyId: id, publicKey, key, vkey: text }
}

// ----------------------------------------------------------------------------- notes

export interface NoteSignature {
  name: string
  keyId: Uint8Array
  signature: Uint8Array
}

export interface ParsedNote {
  /** The signed text, its final newline included. */
  text: string
  signatures: NoteSignature[]
}

/** Splits a signed note at its last blank line (signed-note §Format); signatures are not checked. */
export function parseNote(note: string): ParsedNote {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) {
    throw new TlogError('malformed_note', 'a note holds no control characters other than newline')
  }
  const split = note.lastIndexOf('\n\n')
  if (split < 0) throw new TlogError('malformed_note', 'a signed note has a blank line before its signatures')
  const text = note.slice(0, split + 1)
  const block = note.slice(split + 2)
  if (!block.endsWith('\n')) throw new TlogError('malformed_note', 'signature lines end with a newline')
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_SIGNATURES) throw new TlogError('malformed_note', 'too many signature lines')
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new TlogError('malformed_note', 'a signature line starts with "— "')
    const rest = line.slice(SIGNATURE_PREFIX.length)
    const space = rest.indexOf(' ')
    if (space <= 0) throw new TlogError('malformed_note', 'a signature line is "— <name> <base64>"')
    const name = rest.slice(0, space)
    const raw = b64decode(rest.slice(space + 1), `the signature of ${name}`)
    if (raw.length <= KEY_ID_SIZE) throw new TlogError('malformed_note', `the signature of ${name} is too short`)
    return { name, keyId: raw.slice(0, KEY_ID_SIZE), signature: raw.slice(KEY_ID_SIZE) }
  })
  return { text, signatures }
}

export interface Checkpoint {
  origin: string
  size: number
  root: Uint8Array
  extensions: string[]
}

/** C2SP tlog-checkpoint note text: origin, decimal size (no leading zeroes), base64 root, extensions. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new TlogError('malformed_checkpoint', 'a checkpoint ends with a newline')
  const lines = text.slice(0, -1).split('\n')
  if (lines.length < 3) throw new TlogError('malformed_checkpoint', 'a checkpoint has origin, size and root lines')
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]]
  if (!origin) throw new TlogError('malformed_checkpoint', 'the origin is not empty')
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new TlogError('malformed_checkpoint', 'the size is decimal without leading zeroes')
  }
  let root: Uint8Array
  try {
    root = b64decode(rootText, 'the root')
  } catch {
    throw new TlogError('malformed_checkpoint', 'the root is not standard base64')
  }
  if (root.length !== HASH_SIZE) throw new TlogError('malformed_checkpoint', 'the root is 32 bytes')
  return { origin, size: Number(sizeText), root, extensions }
}

export interface OpenedCheckpoint extends Checkpoint {
  /** Names on the note's other signature lines (witnesses' cosignatures), not verified here. */
  witnesses: string[]
}

/**
 * Opens a checkpoint note signed by the log: the log key's line must be there and verify over the
 * text (a second line of the log's key that does not verify refuses the note too), the origin must
 * be the key's name (C2SP tlog-checkpoint) and, when given, the size the one expected.
 */
export async function openCheckpoint(note: string, log: VerifierKey, expectedSize?: number): Promise<OpenedCheckpoint> {
  const parsed = parseNote(note)
  const message = encoder.encode(parsed.text)
  let signed = false
  const witnesses: string[] = []
  for (const sig of parsed.signatures) {
    if (sig.name === log.name && equalBytes(sig.keyId, log.keyId)) {
      const ok =
        sig.signature.length === 64 &&
        (await crypto.subtle.verify({ name: 'Ed25519' }, log.key, buf(sig.signature), buf(message)))
      if (!ok) throw new TlogError('bad_signature', "the log's signature on the checkpoint does not verify")
      signed = true
    } else if (!witnesses.includes(sig.name)) {
      witnesses.push(sig.name)
    }
  }
  if (!signed) throw new TlogError('unsigned', "the checkpoint carries no signature of the log's key")
  const checkpoint = parseCheckpoint(parsed.text)
  if (checkpoint.origin !== log.name) {
    throw new TlogError('wrong_origin', `the checkpoint's origin ${checkpoint.origin} is not the log's ${log.name}`)
  }
  if (expectedSize !== undefined && checkpoint.size !== expectedSize) {
    throw new TlogError('wrong_size', `the checkpoint says size ${checkpoint.size}, not ${expectedSize}`)
  }
  return { ...checkpoint, witnesses }
}

// ----------------------------------------------------------------------------- RFC 9162 §2.1.4.2

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concat(new Uint8Array([0x01]), left, right))
}

const EMPTY_ROOT = sha256(new Uint8Array())

/**
 * Checks that the tree of `size2` leaves with `root2` extends the tree of `size1` with `root1`
 * (RFC 9162 §2.1.4.2, the steps numbered as there). Equal sizes need an empty proof and equal roots;
 * a proof from the empty tree proves nothing and is refused. Throws a `TlogError` saying why.
 * Sizes are below 2^53 (JavaScript's safe integers); the bit steps use BigInt.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  for (const h of [root1, root2, ...proof]) {
    if (h.length !== HASH_SIZE) throw new TlogError('bad_hash', 'every hash is 32 bytes')
  }
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) {
    throw new TlogError('bad_sizes', `no consistency proof from size ${size1} to size ${size2}`)
  }
  if (size1 === size2) {
    if (proof.length) throw new TlogError('proof_too_long', `the proof between equal sizes (${size1}) must be empty`)
    if (size1 === 0 && !equalBytes(root1, EMPTY_ROOT)) {
      throw new TlogError('old_root_mismatch', 'the root of the empty tree is SHA-256 of nothing')
    }
    if (!equalBytes(root1, root2)) throw new TlogError('new_root_mismatch', `two different roots for size ${size1}`)
    return
  }
  if (size1 === 0) throw new TlogError('bad_sizes', 'a consistency proof from the empty tree proves nothing')
  if (!proof.length) throw new TlogError('empty_proof', `an empty proof from size ${size1} to size ${size2}`) // step 1
  const m = BigInt(size1)
  const path = [...proof]
  if ((m & (m - 1n)) === 0n) path.unshift(root1) // step 2: the old tree is one perfect subtree
  let fn = m - 1n // step 3
  let sn = BigInt(size2) - 1n
  while (fn & 1n) {
    // step 4
    fn >>= 1n
    sn >>= 1n
  }
  let fr = path[0] as Uint8Array // step 5
  let sr = fr
  for (const c of path.slice(1)) {
    // step 6
    if (sn === 0n) throw new TlogError('proof_too_long', `the proof is longer than a proof from ${size1} to ${size2}`)
    if (fn & 1n || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if (!(fn & 1n)) {
        while (!(fn & 1n) && fn !== 0n) {
          fn >>= 1n
          sn >>= 1n
        }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn >>= 1n
    sn >>= 1n
  }
  if (sn !== 0n) throw new TlogError('proof_too_short', `the proof is shorter than a proof from ${size1} to ${size2}`) // step 7
  if (!equalBytes(fr, root1)) throw new TlogError('old_root_mismatch', `the proof does not lead to the root of size ${size1}`)
  if (!equalBytes(sr, root2)) throw new TlogError('new_root_mismatch', `the proof does not lead to the root of size ${size2}`)
}

// ----------------------------------------------------------------------------- the two together

/**
 * The page's check between two signed checkpoints: both notes verify with the log's key, and the
 * proof (base64 hashes, from `/api/log/proof/consistency`) takes the smaller tree to the larger.
 * The roots come from the signed notes, never from anything unsigned beside them.
 */
export async function checkConsistency(
  log: VerifierKey,
  firstNote: string,
  secondNote: string,
  proof: readonly string[],
): Promise<{ first: OpenedCheckpoint; second: OpenedCheckpoint }> {
  const first = await openCheckpoint(firstNote, log)
  const second = await openCheckpoint(secondNote, log)
  let hashes: Uint8Array[]
  try {
    hashes = proof.map((p) => b64decode(p, 'a proof hash'))
  } catch {
    throw new TlogError('bad_hash', 'a proof hash is not standard base64')
  }
  verifyConsistency(first.size, second.size, hashes, first.root, second.root)
  return { first, second }
}
