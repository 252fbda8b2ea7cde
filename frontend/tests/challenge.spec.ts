import { describe, expect, it } from 'vitest'
import { ChallengeMismatchError, checkChallenge, LOGIN_CONTEXT } from '@/crypto/challenge'
import { signMessage, generateKeyPair } from '@/crypto/keys'
import { base64Decode } from '@/crypto/encoding'

const FP = 'a'.repeat(64)
const AUDIENCE = 'https://bidding.example.cn'

function message(lines: Partial<Record<number, string>> = {}, count = 7): Uint8Array {
  const base = [
    LOGIN_CONTEXT,
    AUDIENCE,
    'ch_123',
    'bm9uY2Vub25jZW5vbmNl',
    '2026-11-23T10:00:00Z',
    '2026-11-23T10:02:00Z',
    FP,
  ]
  for (const [i, v] of Object.entries(lines)) base[Number(i)] = v as string
  return new TextEncoder().encode(base.slice(0, count).join('\n'))
}

function problemOf(fn: () => unknown): string | null {
  try {
    fn()
    return null
  } catch (e) {
    expect(e).toBeInstanceOf(ChallengeMismatchError)
    return (e as ChallengeMismatchError).problem
  }
}

describe('checkChallenge (as bidding/client/session.py::check_challenge)', () => {
  it('accepts our own challenge and returns its fields', () => {
    const parsed = checkChallenge(message(), AUDIENCE, FP)
    expect(parsed.challengeId).toBe('ch_123')
    expect(parsed.expiresAt).toBe('2026-11-23T10:02:00Z')
  })

  it('ignores trailing slashes on either side of the audience', () => {
    expect(() => checkChallenge(message({ 1: `${AUDIENCE}/` }), AUDIENCE, FP)).not.toThrow()
    expect(() => checkChallenge(message(), `${AUDIENCE}//`, FP)).not.toThrow()
  })

  it('refuses another context or line count', () => {
    expect(problemOf(() => checkChallenge(message({ 0: 'bidding-platform-login-v2' }), AUDIENCE, FP))).toBe(
      'not_login',
    )
    expect(problemOf(() => checkChallenge(message({}, 6), AUDIENCE, FP))).toBe('not_login')
    const trailing = new TextEncoder().encode(new TextDecoder().decode(message()) + '\n')
    expect(problemOf(() => checkChallenge(trailing, AUDIENCE, FP))).toBe('not_login')
  })

  it('refuses a challenge for another platform (relay)', () => {
    expect(problemOf(() => checkChallenge(message({ 1: 'https://evil.example' }), AUDIENCE, FP))).toBe('audience')
    expect(problemOf(() => checkChallenge(message({ 1: 'http://bidding.example.cn' }), AUDIENCE, FP))).toBe(
      'audience',
    )
    const error = (() => {
      try {
        checkChallenge(message({ 1: 'https://evil.example' }), AUDIENCE, FP)
      } catch (e) {
        return e as ChallengeMismatchError
      }
      return null
    })()
    expect(error?.found).toBe('https://evil.example')
    expect(error?.expected).toBe(AUDIENCE)
  })

  it('refuses a challenge for another certificate', () => {
    expect(problemOf(() => checkChallenge(message({ 6: 'b'.repeat(64) }), AUDIENCE, FP))).toBe('fingerprint')
    expect(problemOf(() => checkChallenge(message({ 6: FP.toUpperCase() }), AUDIENCE, FP))).toBe('fingerprint')
  })
})

describe('signMessage', () => {
  it('signs with ECDSA P-256 as raw r‖s (64 bytes) that verifies', async () => {
    const keys = await generateKeyPair('ecdsa-p256')
    const msg = message()
    const { signature, algorithm } = await signMessage(keys.privateKey, msg)
    expect(algorithm).toBe('ecdsa-p256-sha256')
    const raw = base64Decode(signature)
    expect(raw).toHaveLength(64)
    const ok = await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      keys.publicKey,
      raw.slice().buffer as ArrayBuffer,
      msg.slice().buffer as ArrayBuffer,
    )
    expect(ok).toBe(true)
  })

  it('signs with RSA-PSS (salt 32) under rsa-pss-sha256', async () => {
    const keys = await generateKeyPair('rsa-2048')
    const msg = message()
    const { signature, algorithm } = await signMessage(keys.privateKey, msg)
    expect(algorithm).toBe('rsa-pss-sha256')
    const ok = await crypto.subtle.verify(
      { name: 'RSA-PSS', saltLength: 32 },
      keys.publicKey,
      base64Decode(signature).slice().buffer as ArrayBuffer,
      msg.slice().buffer as ArrayBuffer,
    )
    expect(ok).toBe(true)
  })
})
