/**
 * A bidder's own steps in the opening room, UI free (docs/opening-room-protocol.md, "Decryption"
 * and "The opening record"): decrypt its bid and confirm the record, with the private key used only
 * in this browser. The room client, the key handles and the CMS unwrapping are passed in, so the
 * flows run the same against a fake room in the unit tests.
 */
import { ApiError } from '@/api/client'
import { base64Decode, base64Encode, toArrayBuffer } from '@/crypto/encoding'
import type { RoomStateName } from './client'
import type { BidderRow, RoomModel } from './state'

/** Sends one room command (`RoomClient.command`: idempotent ids, resent after a reconnect). */
export type SendCommand = <T extends Record<string, unknown> = Record<string, unknown>>(
  name: string,
  args?: Record<string, unknown>,
) => Promise<T>

/** Opens a CMS EnvelopedData for this key and returns the 32-byte data key (`sealed.unwrapDataKey`). */
export type UnwrapDataKey = (cmsDer: Uint8Array, decryptKey: CryptoKey, cert?: string) => Promise<Uint8Array>

/** The logged-in bidder's key material in this browser (see `keyring.ts`). */
export interface BidderKeys {
  /** PEM of the certificate the session logged in with (the one the bid was sealed for). */
  certificatePem: string
  /** A key able to unwrap (RSA-OAEP-SHA256 or ECDH P-256) for that certificate. */
  decryptionKey(): Promise<CryptoKey>
  /** A key able to sign the record (ECDSA P-256, or RSASSA-PKCS1-v1_5) for that certificate. */
  recordSigningKey(): Promise<CryptoKey>
}

/** Problems found in the browser, before or instead of an answer from the server. */
export type BidderProblem =
  /** No identity in this browser matches the session's certificate. */
  | 'no_identity'
  /** The identity cannot decrypt (no decryption key for it in this browser). */
  | 'no_decryption_key'
  /** The server says this certificate is not a recipient of the package. */
  | 'not_recipient'
  /** The key here does not open the envelope (another key, a damaged envelope). */
  | 'unwrap_failed'
  /** The identity cannot sign the record here. */
  | 'no_signing_key'
  /** The server asks for another algorithm than this key's. */
  | 'algorithm_mismatch'
  /** Other bidders kept signing in between, every attempt was stale. */
  | 'record_changed'

export class BidderFlowError extends Error {
  override readonly name = 'BidderFlowError'
  constructor(
    readonly problem: BidderProblem,
    options?: { cause?: unknown },
  ) {
    super(`opening room: ${problem}`, options)
  }
}

export type DecryptOutcome =
  | { status: 'decrypted'; form: Record<string, unknown> | null; already: boolean }
  /** A failed attempt counted by the server (`wrong_key`, `invalid_form`, …). */
  | { status: 'failed'; reason: string; attemptsLeft: number | null; detail: string | null }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The server's error code of a refused command, if it is one. */
export function commandCode(error: unknown): string | null {
  return error instanceof ApiError && typeof error.code === 'string' ? error.code : null
}

/**
 * `get_envelope` → unwrap the data key here → `decrypt {data_key}`. A key that does not fit is a
 * failed attempt the server counts (`status: failed`), never an exception; problems found here
 * (no key, not a recipient) throw `BidderFlowError` and send nothing.
 */
export async function decryptBid(send: SendCommand, keys: BidderKeys | null, unwrap: UnwrapDataKey): Promise<DecryptOutcome> {
  if (!keys) throw new BidderFlowError('no_identity')
  let key: CryptoKey
  try {
    key = await keys.decryptionKey()
  } catch (cause) {
    throw new BidderFlowError('no_decryption_key', { cause })
  }
  let envelope: Record<string, unknown>
  try {
    envelope = await send('get_envelope')
  } catch (error) {
    if (commandCode(error) === 'forbidden') throw new BidderFlowError('not_recipient', { cause: error })
    throw error
  }
  if (typeof envelope.envelope !== 'string') throw new BidderFlowError('unwrap_failed')
  let dataKey: Uint8Array
  try {
    dataKey = await unwrap(base64Decode(envelope.envelope), key, keys.certificatePem)
  } catch (cause) {
    throw new BidderFlowError('unwrap_failed', { cause })
  }
  return sendDataKey(send, dataKey)
}

/** `decrypt {data_key}` and its answer, normalised. */
export async function sendDataKey(send: SendCommand, dataKey: Uint8Array): Promise<DecryptOutcome> {
  const answer = await send('decrypt', { data_key: base64Encode(dataKey) })
  if (answer.status === 'decrypted') {
    return { status: 'decrypted', form: isRecord(answer.form) ? answer.form : null, already: answer.already === true }
  }
  return {
    status: 'failed',
    reason: typeof answer.reason === 'string' ? answer.reason : 'unknown',
    attemptsLeft: typeof answer.attempts_left === 'number' ? answer.attempts_left : null,
    detail: typeof answer.detail === 'string' ? answer.detail : null,
  }
}

/** The server's algorithm names (crypto/pdf/remote.py) for a WebCrypto signing key. */
export function recordAlgorithmOf(key: CryptoKey): string | null {
  switch (key.algorithm.name) {
    case 'ECDSA':
      return 'ECDSA-P256-SHA256'
    case 'RSASSA-PKCS1-v1_5':
      return 'RSASSA-PKCS1-v1_5-SHA256'
    default:
      return null
  }
}

/** Signs the DER of the CMS signed attributes: ECDSA gives raw r‖s, which the server accepts. */
export async function signToBeSigned(key: CryptoKey, toBeSigned: Uint8Array): Promise<Uint8Array> {
  const params: EcdsaParams | Algorithm =
    key.algorithm.name === 'ECDSA' ? ({ name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams) : { name: key.algorithm.name }
  return new Uint8Array(await crypto.subtle.sign(params, key, toArrayBuffer(toBeSigned)))
}

export interface SignRecordResult {
  version: number | null
  /** How many prepare → sign rounds it took (more than 1 when others signed in between). */
  rounds: number
}

/** True for the refusal that means "the record changed since you prepared: prepare again". */
export function isStaleRecord(error: unknown): boolean {
  return error instanceof ApiError && commandCode(error) === 'record_changed'
}

/**
 * Confirms the opening record: `prepare_record_signature` → sign `to_be_signed` here →
 * `sign_record`; when another bidder signed in between, prepares again (up to `rounds` times).
 */
export async function confirmRecord(send: SendCommand, keys: BidderKeys | null, rounds = 5): Promise<SignRecordResult> {
  if (!keys) throw new BidderFlowError('no_identity')
  let key: CryptoKey
  try {
    key = await keys.recordSigningKey()
  } catch (cause) {
    throw new BidderFlowError('no_signing_key', { cause })
  }
  for (let round = 1; round <= rounds; round++) {
    const request = await send('prepare_record_signature')
    if (typeof request.to_be_signed !== 'string') throw new BidderFlowError('algorithm_mismatch')
    if (typeof request.algorithm === 'string' && request.algorithm !== recordAlgorithmOf(key)) {
      throw new BidderFlowError('algorithm_mismatch')
    }
    const signature = await signToBeSigned(key, base64Decode(request.to_be_signed))
    try {
      const done = await send('sign_record', { signature: base64Encode(signature) })
      return { version: typeof done.version === 'number' ? done.version : null, rounds: round }
    } catch (error) {
      if (!isStaleRecord(error)) throw error
    }
  }
  throw new BidderFlowError('record_changed')
}

// ------------------------------------------------------------------ what the bidder may do now

/** States in which `sign_in` is allowed (opening_room/states.py). */
export const SIGN_IN_STATES: readonly RoomStateName[] = ['waiting', 'extracted', 'bidders_published', 'decrypting', 'paused']

export interface BidderView {
  /** This bidder's row (once the bidders are published). */
  me: BidderRow | null
  /** Bidders are published and this organisation is not among them. */
  noBid: boolean
  signedIn: boolean
  maySignIn: boolean
  /** The decryption part is shown (window open or paused, and this bidder has a row). */
  showDecryption: boolean
  mayDecrypt: boolean
  mayObject: boolean
  /** The record is ready, this bidder is one of its signers and has not signed yet. */
  maySignRecord: boolean
  recordSigned: boolean
}

/**
 * What the logged-in bidder sees and may do in `model`. It finds its row by the order the server
 * told it (its sign-in answer, its own form), else by its organisation's name.
 */
export function bidderView(model: RoomModel, who: { organisation: string | null; order: number | null }): BidderView {
  const order = model.ownForm?.order ?? who.order
  const byOrder = order !== null ? model.bidders.find((b) => b.order === order) : undefined
  const me = byOrder ?? (who.organisation ? model.bidders.find((b) => b.name === who.organisation) : undefined) ?? null
  const s = model.state
  const noBid = model.bidders.length > 0 && me === null
  const signedIn = !!model.ownSignIn || who.order !== null || (me?.signedIn ?? false)
  const d = me?.decryption
  const record = model.record
  return {
    me,
    noBid,
    signedIn,
    maySignIn: SIGN_IN_STATES.includes(s) && !signedIn && !noBid,
    showDecryption: (s === 'decrypting' || s === 'paused') && me !== null,
    mayDecrypt: s === 'decrypting' && d?.status === 'pending' && (d.left ?? 1) > 0,
    mayObject: (s === 'announced' || s === 'objections') && !noBid,
    maySignRecord: s === 'signing' && record !== null && me !== null && record.signers.includes(me.order) && !me.signedRecord,
    recordSigned: record !== null && (me?.signedRecord ?? false),
  }
}
