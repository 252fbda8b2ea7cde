import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { base64Decode, base64Encode, pemEncode, toArrayBuffer } from '@/crypto/encoding'
import { importPkcs12 } from '@/crypto/pkcs12'
import { commandError, type RoomEvent } from '@/room/client'
import { foldRoom } from '@/room/state'
import {
  BidderFlowError,
  bidderView,
  confirmRecord,
  decryptBid,
  isStaleRecord,
  recordAlgorithmOf,
  type BidderKeys,
  type SendCommand,
} from '@/room/bidder'
import { identityKeys, keysOf } from '@/room/keyring'
import { loadCert } from '@/sealed/cert'
import { buildEnvelope } from '@/sealed/envelope'
import type { StoredIdentity } from '@/crypto/store'
import { EC_P256_P12, PASSPHRASE, RSA_2048_P12 } from './fixtures/pkcs12'

/** A scripted room: each command name answers from a queue (a value, or an error to throw). */
function fakeRoom(script: Record<string, (Record<string, unknown> | Error)[]>) {
  const sent: { name: string; args: Record<string, unknown> }[] = []
  const send = (async (name: string, args: Record<string, unknown> = {}) => {
    sent.push({ name, args })
    const next = script[name]?.shift()
    if (next === undefined) throw new Error(`unexpected command ${name}`)
    if (next instanceof Error) throw next
    return next
  }) as SendCommand
  return { send, sent }
}

const refused = (code: string, message_en: string): ApiError => commandError({ code, message_en, message_zh: message_en })
const STALE = 'the record was signed by someone else meanwhile: prepare again'

const ENVELOPE = new Uint8Array([0x30, 0x80, 1, 2, 3, 4])
const DATA_KEY = new Uint8Array(32).map((_, i) => i + 1)

function keysWith(over: Partial<BidderKeys> = {}): BidderKeys {
  return {
    certificatePem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    decryptionKey: async () => ({ algorithm: { name: 'ECDH' } }) as CryptoKey,
    recordSigningKey: async () => {
      throw new Error('not in this test')
    },
    ...over,
  }
}

describe('decryptBid', () => {
  it('unwraps the envelope here and sends only the 32-byte data key', async () => {
    const room = fakeRoom({
      get_envelope: [{ envelope: base64Encode(ENVELOPE), bid_sha256: 'ab' }],
      decrypt: [{ status: 'decrypted', form: { price_fen: 123 } }],
    })
    const keys = keysWith()
    const unwrap = vi.fn(async (cms: Uint8Array, key: CryptoKey, cert?: string) => {
      expect(Array.from(cms)).toEqual(Array.from(ENVELOPE))
      expect(key.algorithm.name).toBe('ECDH')
      expect(cert).toBe(keys.certificatePem)
      return DATA_KEY
    })
    const outcome = await decryptBid(room.send, keys, unwrap)
    expect(outcome).toEqual({ status: 'decrypted', form: { price_fen: 123 }, already: false })
    expect(room.sent.map((c) => c.name)).toEqual(['get_envelope', 'decrypt'])
    expect(Array.from(base64Decode(room.sent[1]!.args.data_key as string))).toEqual(Array.from(DATA_KEY))
    expect(unwrap).toHaveBeenCalledOnce()
  })

  it('reports a wrong key as a counted failed attempt, not an exception', async () => {
    const room = fakeRoom({
      get_envelope: [{ envelope: base64Encode(ENVELOPE) }],
      decrypt: [{ status: 'failed', reason: 'wrong_key', detail: 'the data key does not fit', attempts_left: 4 }],
    })
    const outcome = await decryptBid(room.send, keysWith(), async () => new Uint8Array(32))
    expect(outcome).toEqual({ status: 'failed', reason: 'wrong_key', attemptsLeft: 4, detail: 'the data key does not fit' })
  })

  it('sends nothing when this browser has no key for the certificate', async () => {
    const room = fakeRoom({})
    await expect(decryptBid(room.send, null, async () => DATA_KEY)).rejects.toMatchObject({ problem: 'no_identity' })
    const noHandle = keysWith({
      decryptionKey: async () => {
        throw new Error('ECDSA key cannot derive')
      },
    })
    await expect(decryptBid(room.send, noHandle, async () => DATA_KEY)).rejects.toMatchObject({
      problem: 'no_decryption_key',
    })
    expect(room.sent).toEqual([])
  })

  it('turns "not a recipient" into a friendly problem', async () => {
    const room = fakeRoom({
      get_envelope: [refused('forbidden', 'your certificate is not a recipient of this package')],
    })
    const error = await decryptBid(room.send, keysWith(), async () => DATA_KEY).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BidderFlowError)
    expect((error as BidderFlowError).problem).toBe('not_recipient')
  })

  it('does not spend an attempt when the local key cannot open the envelope', async () => {
    const room = fakeRoom({ get_envelope: [{ envelope: base64Encode(ENVELOPE) }] })
    const unwrap = async (): Promise<Uint8Array> => {
      throw new DOMException('The operation failed for an operation-specific reason', 'OperationError')
    }
    await expect(decryptBid(room.send, keysWith(), unwrap)).rejects.toMatchObject({ problem: 'unwrap_failed' })
    expect(room.sent.map((c) => c.name)).toEqual(['get_envelope'])
  })

  it('passes the server refusals on (outside the window, no attempts left)', async () => {
    const room = fakeRoom({ get_envelope: [refused('command_refused', 'not in this state')] })
    const error = await decryptBid(room.send, keysWith(), async () => DATA_KEY).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('command_refused')
  })
})

async function ecdsaKeys(): Promise<{ keys: BidderKeys; publicKey: CryptoKey }> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  return { keys: keysWith({ recordSigningKey: async () => pair.privateKey }), publicKey: pair.publicKey }
}

describe('confirmRecord', () => {
  const tbs = new TextEncoder().encode('DER of the CMS signed attributes')

  it('signs exactly to_be_signed with ECDSA P-256 / SHA-256 (raw r‖s)', async () => {
    const { keys, publicKey } = await ecdsaKeys()
    const room = fakeRoom({
      prepare_record_signature: [{ to_be_signed: base64Encode(tbs), algorithm: 'ECDSA-P256-SHA256', field: 'bidder-1' }],
      sign_record: [{ signed: true, version: 2 }],
    })
    const done = await confirmRecord(room.send, keys)
    expect(done).toEqual({ version: 2, rounds: 1 })
    const signature = base64Decode(room.sent[1]!.args.signature as string)
    expect(signature.length).toBe(64)
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, toArrayBuffer(signature), toArrayBuffer(tbs))).toBe(true)
  })

  it('signs with RSASSA-PKCS1-v1_5 for an RSA certificate', async () => {
    const pair = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )
    const room = fakeRoom({
      prepare_record_signature: [{ to_be_signed: base64Encode(tbs), algorithm: 'RSASSA-PKCS1-v1_5-SHA256' }],
      sign_record: [{ signed: true, version: 3 }],
    })
    await confirmRecord(room.send, keysWith({ recordSigningKey: async () => pair.privateKey }))
    const signature = base64Decode(room.sent[1]!.args.signature as string)
    expect(await crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, pair.publicKey, toArrayBuffer(signature), toArrayBuffer(tbs))).toBe(true)
  })

  it('prepares again when another bidder signed in between', async () => {
    const { keys } = await ecdsaKeys()
    const room = fakeRoom({
      prepare_record_signature: [
        { to_be_signed: base64Encode(tbs), algorithm: 'ECDSA-P256-SHA256' },
        { to_be_signed: base64Encode(new Uint8Array([9, 9])), algorithm: 'ECDSA-P256-SHA256' },
      ],
      sign_record: [refused('record_changed', STALE), { signed: true, version: 4 }],
    })
    expect(await confirmRecord(room.send, keys)).toEqual({ version: 4, rounds: 2 })
    expect(room.sent.map((c) => c.name)).toEqual([
      'prepare_record_signature',
      'sign_record',
      'prepare_record_signature',
      'sign_record',
    ])
  })

  it('gives up after the allowed rounds, and passes other refusals on at once', async () => {
    const { keys } = await ecdsaKeys()
    const prep = () => ({ to_be_signed: base64Encode(tbs), algorithm: 'ECDSA-P256-SHA256' })
    const stale = fakeRoom({
      prepare_record_signature: [prep(), prep()],
      sign_record: [refused('record_changed', STALE), refused('record_changed', STALE)],
    })
    await expect(confirmRecord(stale.send, keys, 2)).rejects.toMatchObject({ problem: 'record_changed' })

    const invalid = fakeRoom({
      prepare_record_signature: [prep()],
      sign_record: [refused('invalid_input', 'remote_signature_invalid: the signature does not verify')],
    })
    await expect(confirmRecord(invalid.send, keys)).rejects.toMatchObject({ code: 'invalid_input' })
    expect(invalid.sent).toHaveLength(2)
  })

  it('refuses to sign with a key of another algorithm than the server asks for', async () => {
    const { keys } = await ecdsaKeys()
    const room = fakeRoom({
      prepare_record_signature: [{ to_be_signed: base64Encode(tbs), algorithm: 'RSASSA-PKCS1-v1_5-SHA256' }],
    })
    await expect(confirmRecord(room.send, keys)).rejects.toMatchObject({ problem: 'algorithm_mismatch' })
    expect(room.sent.map((c) => c.name)).toEqual(['prepare_record_signature'])
  })

  it('needs a signing key in this browser', async () => {
    const room = fakeRoom({})
    await expect(confirmRecord(room.send, null)).rejects.toMatchObject({ problem: 'no_identity' })
    await expect(confirmRecord(room.send, keysWith())).rejects.toMatchObject({ problem: 'no_signing_key' })
    expect(room.sent).toEqual([])
  })
})

describe('helpers', () => {
  it('names the server algorithms and recognises the stale-record refusal only', () => {
    expect(recordAlgorithmOf({ algorithm: { name: 'ECDSA' } } as CryptoKey)).toBe('ECDSA-P256-SHA256')
    expect(recordAlgorithmOf({ algorithm: { name: 'RSASSA-PKCS1-v1_5' } } as CryptoKey)).toBe('RSASSA-PKCS1-v1_5-SHA256')
    expect(recordAlgorithmOf({ algorithm: { name: 'RSA-PSS' } } as CryptoKey)).toBeNull()
    expect(isStaleRecord(refused('record_changed', STALE))).toBe(true)
    expect(isStaleRecord(refused('command_refused', STALE))).toBe(false) // the code decides, not the text
    expect(isStaleRecord(refused('command_refused', 'prepare the signature first'))).toBe(false)
    expect(isStaleRecord(refused('forbidden', STALE))).toBe(false)
    expect(isStaleRecord(new Error(STALE))).toBe(false)
  })
})

/** A PKCS#12 fixture as the browser stores it after an import (handles per job, no extractable key). */
async function storedFrom(p12: string): Promise<StoredIdentity> {
  const imported = await importPkcs12(base64Decode(p12), PASSPHRASE)
  return {
    id: 'test',
    privateKey: imported.privateKey,
    keys: imported.keys,
    keyKind: imported.privateKey.algorithm.name === 'ECDSA' ? 'ecdsa-p256' : 'rsa-2048',
    certificatePem: pemEncode(imported.certificate, 'CERTIFICATE'),
    chainPem: [],
    info: null,
    source: 'pkcs12',
    createdAt: new Date(0).toISOString(),
  }
}

describe('decryptBid with real CMS envelopes and the identity key handles', () => {
  for (const [kind, p12] of [
    ['ECDH P-256', EC_P256_P12],
    ['RSA-OAEP', RSA_2048_P12],
  ] as const) {
    it(`opens a ${kind} envelope with the imported identity and sends its data key`, async () => {
      const identity = await storedFrom(p12)
      const blob = await buildEnvelope(DATA_KEY, await loadCert(identity.certificatePem!))
      const room = fakeRoom({
        get_envelope: [{ envelope: base64Encode(blob) }],
        decrypt: [{ status: 'decrypted', form: {} }],
      })
      await decryptBid(room.send, keysOf(identity, identityKeys), identityKeys.unwrap)
      expect(Array.from(base64Decode(room.sent[1]!.args.data_key as string))).toEqual(Array.from(DATA_KEY))
    })
  }

  it('reports an envelope for another certificate without sending a key', async () => {
    const ec = await storedFrom(EC_P256_P12)
    const rsa = await storedFrom(RSA_2048_P12)
    const forRsa = await buildEnvelope(DATA_KEY, await loadCert(rsa.certificatePem!))
    const room = fakeRoom({ get_envelope: [{ envelope: base64Encode(forRsa) }] })
    const error = await decryptBid(room.send, keysOf(ec, identityKeys), identityKeys.unwrap).catch((e: unknown) => e)
    expect((error as BidderFlowError).problem).toBe('unwrap_failed')
    expect(room.sent.map((c) => c.name)).toEqual(['get_envelope'])
  })

  it('asks for a new import when a stored identity has no decryption handle (older versions)', async () => {
    const identity = await storedFrom(EC_P256_P12)
    delete identity.keys
    const room = fakeRoom({})
    await expect(decryptBid(room.send, keysOf(identity, identityKeys), identityKeys.unwrap)).rejects.toMatchObject({
      problem: 'no_decryption_key',
    })
    expect(room.sent).toEqual([])
  })

  it('signs the record with the identity record-signing handle (ECDSA for EC, PKCS#1 v1.5 for RSA)', async () => {
    for (const p12 of [EC_P256_P12, RSA_2048_P12]) {
      const identity = await storedFrom(p12)
      const key = await keysOf(identity, identityKeys).recordSigningKey()
      expect(['ECDSA', 'RSASSA-PKCS1-v1_5']).toContain(key.algorithm.name)
      expect(recordAlgorithmOf(key)).not.toBeNull()
    }
  })
})

describe('bidderView', () => {
  const ev = (seq: number, name: string, data: Record<string, unknown>): RoomEvent => ({
    type: 'event',
    seq,
    name,
    at: '2026-11-23T10:00:00Z',
    data,
  })
  const published = ev(3, 'bidders.published', {
    bidders: [
      { order: 1, name: '甲公司', credit_code: 'A', deposit: 'exempt', signed_in: true },
      { order: 2, name: '乙公司', credit_code: 'B', deposit: 'exempt', signed_in: false },
    ],
  })
  const opened = ev(1, 'session.opened', { deadline: '2026-11-23T10:00:00Z' })
  const who = (organisation: string | null, order: number | null = null) => ({ organisation, order })

  it('offers the sign-in before the deadline until it is signed in (a private fact, not an event)', () => {
    expect(bidderView(foldRoom([opened]), who('乙公司')).maySignIn).toBe(true)
    const after = foldRoom([opened], null, '2026-11-23T09:59:00Z')
    expect(bidderView(after, who('乙公司'))).toMatchObject({ maySignIn: false, signedIn: true })
  })

  it('finds its row by name, then decrypts only while the window is open and attempts are left', () => {
    const base = [opened, ev(2, 'bids.extracted', { count: 2 }), published]
    let v = bidderView(foldRoom(base), who('乙公司'))
    expect(v.me?.order).toBe(2)
    expect(v).toMatchObject({ maySignIn: true, showDecryption: false, mayDecrypt: false })
    const decrypting = [...base, ev(4, 'decryption.started', { ends_at: '2026-11-23T10:10:00Z', minutes: 10 })]
    expect(bidderView(foldRoom(decrypting), who('乙公司'))).toMatchObject({ showDecryption: true, mayDecrypt: true })
    const failed = ev(5, 'decryption.failed', { order: 2, name: '乙公司', attempts: 5, left: 0, reason: 'wrong_key' })
    expect(bidderView(foldRoom([...decrypting, failed]), who('乙公司')).mayDecrypt).toBe(false)
    const paused = ev(5, 'decryption.paused', { remaining_s: 300, reason: '网络' })
    v = bidderView(foldRoom([...decrypting, paused]), who('乙公司'))
    expect(v).toMatchObject({ showDecryption: true, mayDecrypt: false })
    const done = ev(5, 'decryption.succeeded', { order: 2, name: '乙公司', attempts: 1 })
    expect(bidderView(foldRoom([...decrypting, done]), who('乙公司')).mayDecrypt).toBe(false)
  })

  it('knows when the organisation has no bid in this lot', () => {
    const v = bidderView(foldRoom([opened, published]), who('丙公司'))
    expect(v).toMatchObject({ noBid: true, maySignIn: false, me: null })
    expect(bidderView(foldRoom([opened, published, ev(4, 'announcement', { bidders: [], fields: [] })]), who('丙公司')).mayObject).toBe(false)
  })

  it('offers the record to its signers until they signed', () => {
    const ready = ev(9, 'record.ready', { record_sha256: 'ab', pdf: '/api/public/openings/L/record.pdf', signers: [1, 2] })
    const events = [opened, published, ev(8, 'record.preparing', {}), ready]
    expect(bidderView(foldRoom(events), who('甲公司'))).toMatchObject({ maySignRecord: true, recordSigned: false })
    const signed = [...events, ev(10, 'record.signed', { order: 1, name: '甲公司' })]
    expect(bidderView(foldRoom(signed), who('甲公司'))).toMatchObject({ maySignRecord: false, recordSigned: true })
    expect(bidderView(foldRoom(signed), who('乙公司')).maySignRecord).toBe(true)
    const notSigner = ev(9, 'record.ready', { record_sha256: 'ab', pdf: '/x.pdf', signers: [1] })
    expect(bidderView(foldRoom([opened, published, notSigner]), who('乙公司')).maySignRecord).toBe(false)
  })
})
