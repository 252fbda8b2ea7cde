/**
 * Detached CMS SignedData (§6, RFC 5652 §5) over a SHA-256 digest: sign with a WebCrypto key,
 * verify with the embedded certificate. Same profile, and the same strictness on reading, as
 * Python's `crypto/sealed/signature.py`: version 1, digestAlgorithms {sha256}, detached id-data,
 * exactly the signer's certificate, one SignerInfo v1 (issuerAndSerialNumber) with signed
 * attributes contentType, signingTime, messageDigest in DER SET OF order, no unsigned attributes.
 */
import { buf, concat, equalBytes } from './bytes'
import { loadCert, type Cert } from './cert'
import {
  children,
  ctx,
  DerError,
  expect,
  intValue,
  NULL,
  octets,
  oid,
  OID,
  oidText,
  parseOne,
  seq,
  setOf,
  SHA256_ALG,
  smallInt,
  TAG,
  time,
  tlv,
  uintBytes,
  type Node,
} from './der'
import { SignatureInvalidError } from './errors'

export const MAX_SIGNATURE_SIZE = 1024 * 1024

export interface VerifiedSignature {
  signerCert: Cert
  signingTime: Date | null
}

function attribute(type: string, value: Uint8Array): Uint8Array {
  return seq(oid(type), setOf(TAG.SET, [value]))
}

/** ECDSA: WebCrypto gives raw r‖s (IEEE P1363); CMS wants DER Ecdsa-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2
  return seq(uintBytes(raw.subarray(0, half)), uintBytes(raw.subarray(half)))
}

export function ecdsaDerToRaw(der: Uint8Array, size = 32): Uint8Array {
  const [r, s] = children(expect(parseOne(der), TAG.SEQUENCE, 'Ecdsa-Sig-Value'))
  const out = new Uint8Array(2 * size)
  for (const [i, node] of [r, s].entries()) {
    let v = expect(node, TAG.INTEGER, 'an INTEGER').content
    while (v.length > size && v[0] === 0) v = v.subarray(1)
    if (v.length > size) throw new DerError('ECDSA value too large')
    out.set(v, (i + 1) * size - v.length)
  }
  return out
}

/**
 * A DER ContentInfo(SignedData) over content whose SHA-256 is `digest`, signed with `key`:
 * ECDSA P-256 or RSASSA-PKCS1-v1_5 (written as rsaEncryption, as OpenSSL does).
 */
export async function signDetached(
  digest: Uint8Array,
  key: CryptoKey,
  cert: Cert,
  signingTime: Date,
): Promise<Uint8Array> {
  if (digest.length !== 32) throw new TypeError('digest must be a SHA-256 value')
  const when = new Date(Math.floor(signingTime.getTime() / 1000) * 1000)
  const attrs = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.signingTime, time(when)),
    attribute(OID.messageDigest, octets(digest)),
  ]
  const signedSet = setOf(TAG.SET, attrs) // signed as SET OF (RFC 5652 §5.4)
  let signature: Uint8Array
  let algorithm: Uint8Array
  if (key.algorithm.name === 'ECDSA') {
    const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, buf(signedSet)))
    signature = ecdsaRawToDer(raw)
    algorithm = seq(oid(OID.ecdsaWithSha256))
  } else if (key.algorithm.name === 'RSASSA-PKCS1-v1_5') {
    signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, buf(signedSet)))
    algorithm = seq(oid(OID.rsaEncryption), NULL)
  } else {
    throw new TypeError(`a CMS signing key must be ECDSA or RSASSA-PKCS1-v1_5, not ${key.algorithm.name}`)
  }
  const signedAttrs = concat(Uint8Array.of(ctx(0)), signedSet.subarray(1)) // [0] IMPLICIT
  const signerInfo = seq(smallInt(1), cert.issuerAndSerial, SHA256_ALG, signedAttrs, algorithm, octets(signature))
  const signedData = seq(
    smallInt(1),
    tlv(TAG.SET, SHA256_ALG),
    seq(oid(OID.data)),
    tlv(ctx(0), cert.der),
    tlv(TAG.SET, signerInfo),
  )
  return seq(oid(OID.signedData), tlv(ctx(0), signedData))
}

function fail(message: string, cause?: unknown): SignatureInvalidError {
  return new SignatureInvalidError(message, cause === undefined ? undefined : { cause })
}

function parseTime(node: Node): Date | null {
  const text = new TextDecoder().decode(node.content)
  let m: RegExpExecArray | null
  if (node.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(m[1])
    return new Date(
      Date.UTC(
        yy < 50 ? 2000 + yy : 1900 + yy,
        Number(m[2]) - 1,
        Number(m[3]),
        Number(m[4]),
        Number(m[5]),
        Number(m[6]),
      ),
    )
  }
  if (node.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])))
  }
  return null
}

interface Parsed {
  cert: Cert
  algorithm: Node[]
  signature: Uint8Array
  toVerify: Uint8Array
  signingTime: Date | null
}

async function parseSignedData(der: Uint8Array, digest: Uint8Array): Promise<Parsed> {
  const info = children(expect(parseOne(der), TAG.SEQUENCE, 'ContentInfo'))
  if (info.length !== 2 || oidText(info[0]) !== OID.signedData) throw fail('not a CMS SignedData')
  const wrapped = children(expect(info[1], ctx(0), '[0] content'))
  if (wrapped.length !== 1) throw fail('not a CMS SignedData')
  const sd = children(expect(wrapped[0], TAG.SEQUENCE, 'SignedData'))
  // version, digestAlgorithms, encapContentInfo, [0] certificates, signerInfos: nothing else
  // (no CRLs): the trailer is outside the signed digest, so only one encoding is accepted.
  if (sd.length !== 5) throw fail('the signature must embed exactly the signer certificate and no CRLs')
  if (intValue(sd[0]) !== 1) throw fail('SignedData version must be 1')
  const digestAlgs = children(expect(sd[1], TAG.SET, 'digestAlgorithms'))
  if (digestAlgs.length !== 1 || !isSha256(digestAlgs[0] as Node))
    throw fail('digestAlgorithms must be exactly SHA-256')
  const encap = children(expect(sd[2], TAG.SEQUENCE, 'encapContentInfo'))
  if (oidText(encap[0]) !== OID.data) throw fail('the signed content type must be id-data')
  if (encap.length !== 1) throw fail('the signature must be detached')
  const certs = children(expect(sd[3], ctx(0), 'certificates'))
  if (certs.length !== 1 || certs[0]?.tag !== TAG.SEQUENCE) {
    throw fail('the signature must embed exactly the signer certificate and no CRLs')
  }
  const signerInfos = children(expect(sd[4], TAG.SET, 'signerInfos'))
  if (signerInfos.length !== 1) throw fail('exactly one signer is expected')
  const si = children(expect(signerInfos[0], TAG.SEQUENCE, 'SignerInfo'))
  if (si.length !== 6 || intValue(si[0]) !== 1)
    throw fail('the SignerInfo must be version 1 without unsigned attributes')
  const sid = expect(si[1], TAG.SEQUENCE, 'issuerAndSerialNumber')
  if (!isSha256(si[2] as Node)) throw fail('the digest algorithm must be SHA-256')
  const attrsNode = expect(si[3], ctx(0), 'signed attributes')
  const values = new Map<string, Node>()
  for (const attr of children(attrsNode)) {
    const [type, set] = children(expect(attr, TAG.SEQUENCE, 'Attribute'))
    const name = oidText(type)
    const vals = children(expect(set, TAG.SET, 'attribute values'))
    if (values.has(name) || vals.length !== 1) throw fail(`signed attribute ${name} must occur once with one value`)
    values.set(name, vals[0] as Node)
  }
  if (values.size === 0) throw fail('signed attributes are required')
  const contentType = values.get(OID.contentType)
  if (!contentType || contentType.tag !== TAG.OID || oidText(contentType) !== OID.data) {
    throw fail('the contentType attribute must be id-data')
  }
  const md = values.get(OID.messageDigest)
  if (!md || md.tag !== TAG.OCTET_STRING || !equalBytes(md.content, digest)) {
    throw fail('the signed digest does not match the content (content altered)')
  }
  const st = values.get(OID.signingTime)
  const certNode = certs[0] as Node
  const cert = await loadCert(certNode.raw.slice())
  if (!equalBytes(sid.raw, cert.issuerAndSerial))
    throw fail("the signer's certificate is not embedded in the signature")
  return {
    cert,
    algorithm: children(expect(si[4], TAG.SEQUENCE, 'signatureAlgorithm')),
    signature: expect(si[5], TAG.OCTET_STRING, 'signature').content,
    toVerify: concat(Uint8Array.of(TAG.SET), attrsNode.raw.subarray(1)),
    signingTime: st ? parseTime(st) : null,
  }
}

function isSha256(alg: Node): boolean {
  const parts = children(expect(alg, TAG.SEQUENCE, 'AlgorithmIdentifier'))
  return oidText(parts[0]) === OID.sha256 && (parts.length === 1 || (parts.length === 2 && parts[1]?.tag === TAG.NULL))
}

function pssSaltLength(params: Node | undefined): number {
  // RSASSA-PSS-params: [0] hash, [1] mgf, [2] saltLength, [3] trailer; hash must be SHA-256.
  let salt = 20
  let hashOk = false
  for (const field of children(expect(params, TAG.SEQUENCE, 'RSASSA-PSS-params'))) {
    const inner = children(field)[0]
    if (field.tag === ctx(0) && inner) hashOk = isSha256(inner)
    if (field.tag === ctx(2)) salt = intValue(inner)
  }
  if (!hashOk) throw fail('RSASSA-PSS signatures must use SHA-256')
  return salt
}

async function verifyRaw(p: Parsed): Promise<void> {
  const name = oidText(p.algorithm[0])
  const spki = buf(p.cert.spki)
  let ok: boolean
  if (p.cert.keyType === 'rsa' && (name === OID.rsaEncryption || name === OID.sha256WithRsa)) {
    const key = await crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
      'verify',
    ])
    ok = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, buf(p.signature), buf(p.toVerify))
  } else if (p.cert.keyType === 'rsa' && name === OID.rsassaPss) {
    const saltLength = pssSaltLength(p.algorithm[1])
    const key = await crypto.subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify'])
    ok = await crypto.subtle.verify({ name: 'RSA-PSS', saltLength }, key, buf(p.signature), buf(p.toVerify))
  } else if (p.cert.keyType === 'ec-p256' && name === OID.ecdsaWithSha256) {
    const key = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
    ok = await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      buf(ecdsaDerToRaw(p.signature)),
      buf(p.toVerify),
    )
  } else {
    throw fail(`signature algorithm ${name} is not accepted for this key`)
  }
  if (!ok) throw fail('the signature does not verify')
}

/** Verify a detached SignedData over content whose SHA-256 is `digest`; returns the embedded signer certificate. */
export async function verifyDetached(der: Uint8Array, digest: Uint8Array): Promise<VerifiedSignature> {
  if (der.length > MAX_SIGNATURE_SIZE) throw fail('signature too large')
  let parsed: Parsed
  try {
    parsed = await parseSignedData(der, digest)
    await verifyRaw(parsed)
  } catch (error) {
    if (error instanceof SignatureInvalidError) throw error
    throw fail('the signature is not valid DER CMS SignedData', error)
  }
  return { signerCert: parsed.cert, signingTime: parsed.signingTime }
}
