/** TypeScript seal → TypeScript open, for RSA and EC signers and recipients, and the refusals. */
import { beforeAll, describe, expect, it } from 'vitest'
import { hexEncode } from '@/crypto/encoding'
import { canonicalJson, inspectPackage, openPackage, readHeader, seal, unwrapDataKey, type SealInput } from '@/sealed'
import { loadCert } from '@/sealed/cert'
import { parseJsonStrict } from '@/sealed/json'
import { ascii, concat, hexDecode, u32 } from '@/sealed/bytes'
import { signDetached } from '@/sealed/signature'
import { makeIdentity, memorySink, type TestIdentity } from './sealed-helpers'

let rsa: TestIdentity
let ec: TestIdentity
let ec2: TestIdentity

beforeAll(async () => {
  ;[rsa, ec, ec2] = await Promise.all([
    makeIdentity('rsa-2048'),
    makeIdentity('ecdsa-p256', '91350100M000100Y43', '李四'),
    makeIdentity('ecdsa-p256', '91320100134900001R', '王五'),
  ])
})

function bodyBytes(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 7 + 3) % 251
  return out
}

async function sealWith(signer: TestIdentity, recipients: TestIdentity[], extra: Partial<SealInput> = {}) {
  const out = memorySink()
  const progress: number[] = []
  const result = await seal(
    {
      form: { price_fen: 98765432, bidder: '福州示例建设有限公司', period_days: 180 },
      files: [
        { name: '投标文件/商务标.pdf', data: new Blob([bodyBytes(5000) as BlobPart]) },
        { name: 'tech.txt', data: new Blob(['技术标 text']) },
        { name: 'empty.bin', data: new Blob([]) },
      ],
      projectId: '福州-2026-工程-0001',
      lotId: '第01标段',
      recipients: [signer, ...recipients].map((r) => r.certPem),
      signerCert: signer.certPem,
      signerKey: signer.handles.cms,
      segmentSize: 256,
      now: new Date('2026-11-23T02:00:00Z'),
      ...extra,
    },
    out.sink,
    (done) => progress.push(done),
  )
  return { result, out, progress }
}

describe('seal → open', () => {
  for (const kind of ['rsa', 'ec'] as const) {
    it(`round-trips with a ${kind.toUpperCase()} signer, both recipient kinds, multi-segment body`, async () => {
      const signer = kind === 'rsa' ? rsa : ec
      const other = kind === 'rsa' ? ec : rsa
      const { result, out, progress } = await sealWith(signer, [other])
      const pkg = out.blob()
      expect(result.size).toBe(pkg.size)
      expect(result.header.recipients).toHaveLength(2)
      expect(result.header.projectId).toBe('福州-2026-工程-0001')
      expect(result.header.bidderCertSha256).toBe((await loadCert(signer.certPem)).sha256)
      expect(progress.at(-1)).toBeGreaterThan(5000)
      const fileHash = hexEncode(await crypto.subtle.digest('SHA-256', out.bytes() as Uint8Array<ArrayBuffer>))
      expect(result.fileSha256).toBe(fileHash)

      for (const [who, cert] of [
        [signer, signer.certPem],
        [other, other.certPem],
      ] as const) {
        const blob = await recipientFor(pkg, cert)
        const key = await unwrapDataKey(blob, who.handles.decrypt, cert)
        const opened = await openPackage(pkg, key)
        expect(opened.form).toMatchObject({ price_fen: 98765432, bidder: '福州示例建设有限公司' })
        expect(opened.digest).toBe(result.digest)
        expect(opened.fileSha256).toBe(result.fileSha256)
        expect(opened.files?.map((f) => [f.name, f.size])).toEqual([
          ['投标文件/商务标.pdf', 5000],
          ['tech.txt', '技术标 text'.length + 6],
          ['empty.bin', 0],
        ])
        const pdf = new Uint8Array(await (opened.files?.[0]?.data as Blob).arrayBuffer())
        expect(hexEncode(pdf)).toBe(hexEncode(bodyBytes(5000)))
        expect(await opened.files?.[1]?.data.text()).toBe('技术标 text')
      }
      const info = await inspectPackage(pkg)
      expect(info.digest).toBe(result.digest)
      expect(info.bodySegments).toBeGreaterThan(20)
      expect(info.signature.signerSha256).toBe(result.header.bidderCertSha256)
    })
  }

  it('refuses a wrong data key before decrypting (key_commitment_mismatch)', async () => {
    const { out } = await sealWith(ec, [])
    await expect(openPackage(out.blob(), crypto.getRandomValues(new Uint8Array(32)))).rejects.toMatchObject({
      code: 'key_commitment_mismatch',
    })
  })

  it('names the fault of a flipped bit, a truncation and trailing data', async () => {
    const { result, out } = await sealWith(ec, [rsa])
    const bytes = out.bytes()
    const pkg = out.blob()
    const key = await unwrapDataKey(await recipientFor(pkg, ec.certPem), ec.handles.decrypt)
    const flip = (at: number) => {
      const copy = bytes.slice()
      copy[at] = (copy[at] as number) ^ 0x01
      return new Blob([copy as BlobPart])
    }
    const body = result.bodyOffset
    // In a body segment's ciphertext: the tag fails.
    await expect(openPackage(flip(body + 36 + 5 + 10), key)).rejects.toMatchObject({
      code: 'segment_authentication_failed',
    })
    // Keyless inspection cannot see inside a segment but the package signature fails.
    await expect(inspectPackage(flip(body + 36 + 5 + 10))).rejects.toMatchObject({ code: 'signature_invalid' })
    // The binding tag of the body part.
    await expect(openPackage(flip(body + 4), key)).rejects.toMatchObject({ code: 'header_mismatch' })
    // The magic.
    await expect(openPackage(flip(0), key)).rejects.toMatchObject({ code: 'not_a_package' })
    await expect(openPackage(flip(7), key)).rejects.toMatchObject({ code: 'unsupported_version' })
    // A segment length.
    await expect(inspectPackage(flip(body + 36 + 4))).rejects.toMatchObject({ code: 'malformed_package' })
    // The last byte of the trailer signature.
    await expect(inspectPackage(flip(bytes.length - 1))).rejects.toMatchObject({ code: 'signature_invalid' })
    for (const cut of [bytes.length - 1, body + 100, result.header.blockSize + 10, 20]) {
      await expect(openPackage(new Blob([bytes.slice(0, cut) as BlobPart]), key)).rejects.toMatchObject({
        code: 'truncated',
      })
      await expect(inspectPackage(new Blob([bytes.slice(0, cut) as BlobPart]))).rejects.toMatchObject({
        code: 'truncated',
      })
    }
    await expect(inspectPackage(new Blob([bytes as BlobPart, new Uint8Array(1)]))).rejects.toMatchObject({
      code: 'trailing_data',
    })
    await expect(inspectPackage(new Blob(['hello world, not a package']))).rejects.toMatchObject({
      code: 'not_a_package',
    })
  })

  it('refuses a package whose trailer is signed by another certificate (signer_mismatch)', async () => {
    const { result, out } = await sealWith(ec, [])
    const bytes = out.bytes()
    const info = await inspectPackage(out.blob())
    // A valid signature over the right digest, but by ec2, while the header names ec.
    const foreign = await signDetached(
      hexDecode(result.digest),
      ec2.handles.cms,
      await loadCert(ec2.certPem),
      new Date(),
    )
    const forged = new Blob([
      bytes.slice(0, info.trailerOffset) as BlobPart,
      concat(ascii('SIGN'), u32(foreign.length), foreign) as BlobPart,
    ])
    await expect(inspectPackage(forged)).rejects.toMatchObject({ code: 'signer_mismatch' })
    // The same with the right signer verifies: the test above fails only for the signer.
    const own = await signDetached(hexDecode(result.digest), ec.handles.cms, await loadCert(ec.certPem), new Date())
    const resigned = new Blob([
      bytes.slice(0, info.trailerOffset) as BlobPart,
      concat(ascii('SIGN'), u32(own.length), own) as BlobPart,
    ])
    expect((await inspectPackage(resigned)).digest).toBe(result.digest)
  })

  it('validates the form like Python (invalid_form) and the inputs', async () => {
    for (const form of [
      { price_fen: 1.5 },
      { price_fen: -1 },
      { price: 1 },
      { price_fen: 1, rate: 0.3 },
      { price_fen: '100' },
    ]) {
      await expect(sealWith(ec, [], { form })).rejects.toMatchObject({ code: 'invalid_form' })
    }
    await expect(sealWith(ec, [], { signerKey: ec.handles.decrypt })).rejects.toThrow(/CMS signing handle/)
    await expect(sealWith(ec, [], { signerKey: ec2.handles.cms })).rejects.toThrow(/does not belong/)
    await expect(sealWith(ec, [], { projectId: '' })).rejects.toThrow(/projectId/)
    await expect(sealWith(ec, [], { files: [{ name: '../x', data: new Blob([]) }] })).rejects.toThrow(/not allowed/)
  })

  for (const segmentSize of [1_000_003, 5 * 1024 * 1024]) {
    it(`reads across the 4 MiB read window (segment size ${segmentSize})`, async () => {
      const big = new Uint8Array(9 * 1024 * 1024 + 17)
      for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536))
      const { result, out } = await sealWith(ec, [], {
        files: [{ name: 'big.bin', data: new Blob([big as BlobPart]) }],
        segmentSize,
      })
      const info = await inspectPackage(out.blob())
      expect(info.bodySegments).toBe(Math.ceil(result.bodySize / segmentSize))
      const key = await unwrapDataKey(await recipientFor(out.blob(), ec.certPem), ec.handles.decrypt)
      const opened = await openPackage(out.blob(), key)
      const got = new Uint8Array(await (opened.files?.[0]?.data as Blob).arrayBuffer())
      expect(got.length).toBe(big.length)
      expect(hexEncode(await crypto.subtle.digest('SHA-256', got))).toBe(
        hexEncode(await crypto.subtle.digest('SHA-256', big)),
      )
    }, 60_000)
  }

  it('accepts an empty body and a 64-byte segment size', async () => {
    const { result, out } = await sealWith(rsa, [], { files: [], segmentSize: 64 })
    const key = await unwrapDataKey(await recipientFor(out.blob(), rsa.certPem), rsa.handles.decrypt)
    const opened = await openPackage(out.blob(), key)
    expect(opened.files).toEqual([])
    expect(result.bodySize).toBe(1024)
  })
})

describe('canonical header JSON', () => {
  it('matches Python json.dumps(sort_keys=True, separators=(",",":"), ensure_ascii=False)', () => {
    // Expected text produced by Python 3 for the same object (code-point key order, raw non-ASCII,
    // lower-case \u escapes for control characters, astral characters sorted after U+FFFF).
    const obj = {
      项目: '福州 "工程"\n\t\u0001',
      b: 1,
      a: [true, null, -5],
      '\u{1F600}': 'x',
      '\uFF01': 'y',
      Z: { y: 2, x: 'é' },
    }
    expect(canonicalJson(obj)).toBe(
      '{"Z":{"x":"é","y":2},"a":[true,null,-5],"b":1,"项目":"福州 \\"工程\\"\\n\\t\\u0001","！":"y","😀":"x"}',
    )
    expect(() => canonicalJson({ a: 0.5 })).toThrow()
    expect(() => canonicalJson({ a: '\ud800' })).toThrow()
  })

  it('round-trips a sealed header with Chinese text byte for byte', async () => {
    const { out } = await sealWith(ec, [])
    const header = await readHeader(out.blob())
    const text = new TextDecoder().decode(header.raw)
    expect(text).toContain('"project_id":"福州-2026-工程-0001"')
    expect(canonicalJson(parseJsonStrict(text))).toBe(text)
  })

  it('refuses duplicate keys in a header', () => {
    expect(() => parseJsonStrict('{"a":1,"a":2}')).toThrow(/duplicate/)
  })
})

async function recipientFor(pkg: Blob, certPem: string): Promise<Uint8Array> {
  const header = await readHeader(pkg)
  const { sha256 } = await loadCert(certPem)
  const found = header.recipients.find((r) => r.certSha256 === sha256)
  if (!found) throw new Error('not a recipient')
  return found.cms
}
