/// <reference types="node" />
/** frontend/src/tlog/verify.ts on the vectors crypto.tlog wrote (tests/vectors/tlog/make_vectors.py). */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  b64decode,
  b64encode,
  checkConsistency,
  hex,
  keyId,
  openCheckpoint,
  parseNote,
  parseVkey,
  TlogError,
  verifyConsistency,
  type TlogFailure,
} from '@/tlog/verify'

interface Vectors {
  vkey: string
  witness_vkey: string
  checkpoints: { size: number; root: string; note: string }[]
  consistency: { first: number; second: number; proof: string[] }[]
}

const V = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../tests/vectors/tlog/browser.json', import.meta.url)), 'utf8'),
) as Vectors
const checkpoint = (size: number) => V.checkpoints.find((c) => c.size === size)!
const root = (size: number) => b64decode(checkpoint(size).root)

function failure(fn: () => unknown): TlogFailure {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(TlogError)
    return (e as TlogError).reason
  }
  throw new Error('expected a TlogError')
}

async function failureOf(promise: Promise<unknown>): Promise<TlogFailure> {
  try {
    await promise
  } catch (e) {
    expect(e).toBeInstanceOf(TlogError)
    return (e as TlogError).reason
  }
  throw new Error('expected a TlogError')
}

function flipped(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice()
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7))
  return copy
}

describe('signed-note keys', () => {
  it('reads the vkey and computes its key id as SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]', async () => {
    const log = await parseVkey(V.vkey + '\n')
    expect(log.name).toBe('ggzy.example.cn/log')
    expect(hex(log.keyId)).toBe(V.vkey.split('+')[1])
    expect(hex(keyId(log.name, 1, log.publicKey))).toBe(V.vkey.split('+')[1])
  })

  it('refuses a vkey whose key id does not match, or of another type', async () => {
    const [name, id, key] = V.vkey.split('+') as [string, string, string]
    const wrongId = (parseInt(id, 16) ^ 1).toString(16).padStart(8, '0')
    expect(await failureOf(parseVkey(`${name}+${wrongId}+${key}`))).toBe('malformed_vkey')
    expect(await failureOf(parseVkey(`other.example/log+${id}+${key}`))).toBe('malformed_vkey')
    expect(await failureOf(parseVkey(V.witness_vkey))).toBe('malformed_vkey') // cosignature/v1 is type 0x04
    expect(await failureOf(parseVkey('not a vkey'))).toBe('malformed_vkey')
  })
})

describe('checkpoint notes', () => {
  it('opens every checkpoint the log signed, with the size and root it lists', async () => {
    const log = await parseVkey(V.vkey)
    for (const c of V.checkpoints) {
      const opened = await openCheckpoint(c.note, log, c.size)
      expect(opened.origin).toBe(log.name)
      expect(b64encode(opened.root)).toBe(c.root)
      expect(opened.witnesses).toEqual(c.size === 13 ? ['witness.example.org'] : [])
    }
  })

  it('refuses a changed text, a flipped signature bit, an unknown key and a wrong size', async () => {
    const log = await parseVkey(V.vkey)
    const note = checkpoint(7).note
    expect(await failureOf(openCheckpoint(note.replace('\n7\n', '\n8\n'), log))).toBe('bad_signature')
    const sig = parseNote(note).signatures[0]!
    const raw = new Uint8Array([...sig.keyId, ...sig.signature])
    for (const bit of [32, 100, 511, 543]) {
      const line = `— ${sig.name} ${b64encode(flipped(raw, bit))}\n`
      const tampered = note.slice(0, note.lastIndexOf('\n\n') + 2) + line
      expect(await failureOf(openCheckpoint(tampered, log))).toBe('bad_signature')
    }
    // A key id bit flipped: the line is no longer the log's — nothing the log signed.
    const otherId = `— ${sig.name} ${b64encode(flipped(raw, 0))}\n`
    expect(await failureOf(openCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 2) + otherId, log))).toBe('unsigned')
    expect(await failureOf(openCheckpoint(note, log, 8))).toBe('wrong_size')
    expect(await failureOf(openCheckpoint('no blank line\n', log))).toBe('malformed_note')
  })
})

describe('RFC 9162 consistency proofs', () => {
  it('verifies every proof crypto.tlog made', () => {
    expect(V.consistency.length).toBeGreaterThan(40)
    for (const p of V.consistency) {
      verifyConsistency(p.first, p.second, p.proof.map((h) => b64decode(h)), root(p.first), root(p.second))
    }
    verifyConsistency(7, 7, [], root(7), root(7))
  })

  it('fails on any single bit flipped in a proof, and on swapped roots or sizes', () => {
    for (const p of V.consistency.filter((c) => c.second <= 300)) {
      const proof = p.proof.map((h) => b64decode(h))
      for (let i = 0; i < proof.length; i++) {
        for (const bit of [0, 7, 128, 255]) {
          const bad = proof.map((h, j) => (j === i ? flipped(h, bit) : h))
          const reason = failure(() => verifyConsistency(p.first, p.second, bad, root(p.first), root(p.second)))
          expect(['old_root_mismatch', 'new_root_mismatch']).toContain(reason)
        }
      }
      expect(failure(() => verifyConsistency(p.first, p.second, proof, root(p.second), root(p.first)))).toMatch(
        /root_mismatch/,
      )
      expect(failure(() => verifyConsistency(p.first, p.second, proof.slice(0, -1), root(p.first), root(p.second)))).toMatch(
        /proof_too_short|root_mismatch|empty_proof/,
      )
      expect(
        failure(() => verifyConsistency(p.first, p.second, [...proof, proof[0]!], root(p.first), root(p.second))),
      ).toMatch(/proof_too_long|root_mismatch/)
    }
    const p = V.consistency.find((c) => c.first === 7 && c.second === 13)!
    const proof = p.proof.map((h) => b64decode(h))
    expect(failure(() => verifyConsistency(13, 7, proof, root(13), root(7)))).toBe('bad_sizes')
    expect(failure(() => verifyConsistency(0, 7, proof, root(7), root(7)))).toBe('bad_sizes')
    expect(failure(() => verifyConsistency(7, 13, [], root(7), root(13)))).toBe('empty_proof')
    expect(failure(() => verifyConsistency(7, 7, proof, root(7), root(7)))).toBe('proof_too_long')
    expect(failure(() => verifyConsistency(7, 13, [proof[0]!.slice(1)], root(7), root(13)))).toBe('bad_hash')
  })

  it('checks two signed checkpoints together, the roots taken from the notes', async () => {
    const log = await parseVkey(V.vkey)
    const p = V.consistency.find((c) => c.first === 256 && c.second === 1000)!
    const { first, second } = await checkConsistency(log, checkpoint(256).note, checkpoint(1000).note, p.proof)
    expect([first.size, second.size]).toEqual([256, 1000])
    const bad = [...p.proof]
    const h = b64decode(bad[1]!)
    bad[1] = b64encode(flipped(h, 9))
    expect(await failureOf(checkConsistency(log, checkpoint(256).note, checkpoint(1000).note, bad))).toMatch(
      /root_mismatch/,
    )
    expect(await failureOf(checkConsistency(log, checkpoint(300).note, checkpoint(1000).note, p.proof))).toMatch(
      /root_mismatch|proof_too/,
    )
  })
})
