/**
 * The digital envelope (§5): the 32-byte data key in a CMS EnvelopedData per recipient
 * certificate, with WebCrypto. Content: the data key under AES-256-CBC (random IV, PKCS#7
 * padding) with a random CEK. RSA: KeyTransRecipientInfo v0, RSAES-OAEP (SHA-256, MGF1-SHA-256,
 * empty label). EC P-256: KeyAgreeRecipientInfo v3, ephemeral-static ECDH, originatorKey without
 * parameters, dhSinglePass-stdDH-sha256kdf-scheme + id-aes256-wrap, X9.63 KDF over Z and the
 * ECC-CMS-SharedInfo. `openssl cms -decrypt` prints exactly the data key.
 */
import { buf, concat, equalBytes, u32 } from './bytes'
import type { Cert } from './cert'
import {
  bitString,
  children,
  ctx,
  DerError,
  expect,
  intValue,
  octets,
  oid,
  OID,
  oidText,
  parseOne,
  seq,
  SHA256_ALG,
  smallInt,
  TAG,
  tlv,
  type Node,
} from './der'
import { MalformedEnvelopeError, NotARecipientError, UnsupportedRecipientError } from './errors'
import { DATA_KEY_SIZE } from './keyschedule'

export const MIN_RSA_BITS = 2048
export const MAX_ENVELOPE_SIZE = 64 * 1024
export type EnvelopeKind = 'rsa-oaep' | 'ecdh-p256'

const OAEP_ALG = seq(oid(OID.rsaesOaep), seq(tlv(ctx(0), SHA256_ALG), tlv(ctx(1), seq(oid(OID.mgf1), SHA256_ALG))))
const WRAP_ALG = seq(oid(OID.aes256Wrap))
const KARI_ALG = seq(oid(OID.ecdhSha256Kdf), WRAP_ALG)
/** ECC-CMS-SharedInfo (RFC 5753 §7.2): keyInfo = id-aes256-wrap, entityUInfo [0] = ukm if any,
 * suppPubInfo [2] = 256 bits. We write no ukm; a ukm from another tool is honoured, as in Python. */
function sharedInfo(ukm?: Uint8Array): Uint8Array {
  const entity = ukm ? [tlv(ctx(0), octets(ukm))] : []
  return seq(WRAP_ALG, ...entity, tlv(ctx(2), octets(u32(256))))
}

/** ANSI X9.63 KDF with SHA-256 for a 32-byte KEK: one hash of Z || 00000001 || SharedInfo. */
async function x963Kek(z: Uint8Array, ukm?: Uint8Array): Promise<CryptoKey> {
  const kek = await crypto.subtle.digest('SHA-256', buf(concat(z, u32(1), sharedInfo(ukm))))
  return crypto.subtle.importKey('raw', kek, 'AES-KW', false, ['wrapKey', 'unwrapKey'])
}

/** Wrap `dataKey` for `cert` in a DER ContentInfo(EnvelopedData). */
export async function buildEnvelope(dataKey: Uint8Array, cert: Cert): Promise<Uint8Array> {
  if (dataKey.length !== DATA_KEY_SIZE) throw new TypeError('the data key must be 32 bytes')
  const subtle = crypto.subtle
  const cekBytes = crypto.getRandomValues(new Uint8Array(32))
  const iv = crypto.getRandomValues(new Uint8Array(16))
  const cek = await subtle.importKey('raw', cekBytes, 'AES-CBC', true, ['encrypt'])
  let recipient: Uint8Array
  let version: number
  if (cert.keyType === 'rsa') {
    const pub = await subtle.importKey('spki', buf(cert.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, [
      'encrypt',
    ])
    if ((pub.algorithm as RsaHashedKeyAlgorithm).modulusLength < MIN_RSA_BITS) {
      throw new UnsupportedRecipientError(`RSA recipient keys need at least ${MIN_RSA_BITS} bits`)
    }
    const encryptedKey = new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, pub, cekBytes))
    recipient = seq(smallInt(0), cert.issuerAndSerial, OAEP_ALG, octets(encryptedKey))
    version = 0
  } else if (cert.keyType === 'ec-p256') {
    const pub = await subtle.importKey('spki', buf(cert.spki), { name: 'ECDH', namedCurve: 'P-256' }, false, [])
    const eph = (await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, [
      'deriveBits',
    ])) as CryptoKeyPair
    const z = new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: pub }, eph.privateKey, 256))
    const wrapped = new Uint8Array(await subtle.wrapKey('raw', cek, await x963Kek(z), 'AES-KW'))
    z.fill(0)
    const point = new Uint8Array(await subtle.exportKey('raw', eph.publicKey))
    const originator = tlv(ctx(0), tlv(ctx(1), seq(oid(OID.ecPublicKey)), bitString(point)))
    const rek = seq(cert.issuerAndSerial, octets(wrapped))
    recipient = tlv(ctx(1), smallInt(3), originator, KARI_ALG, seq(rek))
    version = 2
  } else {
    throw new UnsupportedRecipientError('recipient certificates must hold an RSA (>= 2048 bits) or EC P-256 key')
  }
  const content = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, cek, buf(dataKey)))
  cekBytes.fill(0)
  const eci = seq(oid(OID.data), seq(oid(OID.aes256Cbc), octets(iv)), tlv(ctx(0, false), content))
  const enveloped = seq(smallInt(version), tlv(TAG.SET, recipient), eci)
  return seq(oid(OID.envelopedData), tlv(ctx(0), enveloped))
}

interface ParsedEnvelope {
  kind: EnvelopeKind
  recipient: Node[]
  /** The IssuerAndSerialNumber the blob is addressed to. */
  rid: Node
  /** EncryptedContentInfo fields: checked against the profile when unwrapping (like Python). */
  eci: Node[]
}

function parseEnvelope(blob: Uint8Array): ParsedEnvelope {
  if (blob.length > MAX_ENVELOPE_SIZE) throw new MalformedEnvelopeError('recipient envelope too large')
  try {
    const info = children(expect(parseOne(blob), TAG.SEQUENCE, 'ContentInfo'))
    if (info.length !== 2 || oidText(info[0]) !== OID.envelopedData) {
      throw new MalformedEnvelopeError('the recipient blob is not a CMS EnvelopedData')
    }
    const inner = children(expect(info[1], ctx(0), '[0] content'))
    const ed = children(expect(inner[0], TAG.SEQUENCE, 'EnvelopedData'))
    const hasOriginatorInfo = ed[1]?.tag === ctx(0)
    const recipients = children(expect(ed[hasOriginatorInfo ? 2 : 1], TAG.SET, 'recipientInfos'))
    if (recipients.length !== 1)
      throw new MalformedEnvelopeError('a recipient blob must hold exactly one RecipientInfo')
    const ri = recipients[0] as Node
    const eci = children(expect(ed[hasOriginatorInfo ? 3 : 2], TAG.SEQUENCE, 'EncryptedContentInfo'))
    expect(eci[1], TAG.SEQUENCE, 'contentEncryptionAlgorithm')
    if (ri.tag === TAG.SEQUENCE) {
      const ktri = children(ri)
      const rid = ktri[1] as Node
      if (rid.tag !== TAG.SEQUENCE)
        throw new MalformedEnvelopeError('only issuerAndSerialNumber recipient identifiers are used')
      return { kind: 'rsa-oaep', recipient: ktri, rid, eci }
    }
    if (ri.tag === ctx(1)) {
      const kari = children(ri)
      const reks = children(expect(kari.at(-1), TAG.SEQUENCE, 'recipientEncryptedKeys'))
      const rek = children(expect(reks[0], TAG.SEQUENCE, 'RecipientEncryptedKey'))
      if (reks.length !== 1 || rek[0]?.tag !== TAG.SEQUENCE) {
        throw new MalformedEnvelopeError('a key agreement envelope must hold one issuerAndSerialNumber recipient')
      }
      return { kind: 'ecdh-p256', recipient: kari, rid: rek[0], eci }
    }
    throw new MalformedEnvelopeError('this recipient type is not used by this format')
  } catch (error) {
    if (error instanceof MalformedEnvelopeError) throw error
    throw new MalformedEnvelopeError('the recipient blob is not valid DER CMS', { cause: error })
  }
}

/** What a blob says about its recipient without any key (`inspect`). */
export function envelopeInfo(blob: Uint8Array): { kind: EnvelopeKind } {
  return { kind: parseEnvelope(blob).kind }
}

async function unwrapKtri(ktri: Node[], key: CryptoKey): Promise<CryptoKey> {
  // version 0, rid, keyEncryptionAlgorithm, encryptedKey
  if (intValue(ktri[0]) !== 0 || ktri.length !== 4) throw new MalformedEnvelopeError('bad KeyTransRecipientInfo')
  const alg = expect(ktri[2], TAG.SEQUENCE, 'keyEncryptionAlgorithm')
  if (oidText(children(alg)[0]) !== OID.rsaesOaep) throw new MalformedEnvelopeError('RSA envelopes must use RSAES-OAEP')
  if (!equalBytes(alg.raw, OAEP_ALG)) {
    throw new MalformedEnvelopeError('RSAES-OAEP parameters must be SHA-256, MGF1-SHA-256 and an empty label')
  }
  if (key.algorithm.name !== 'RSA-OAEP') {
    throw new NotARecipientError('this envelope is for an RSA key; the key given is not an RSA-OAEP decryption key')
  }
  let cek: ArrayBuffer
  try {
    cek = await crypto.subtle.decrypt(
      { name: 'RSA-OAEP' },
      key,
      buf(expect(ktri[3], TAG.OCTET_STRING, 'encryptedKey').content),
    )
  } catch (cause) {
    throw new NotARecipientError('the private key does not open this envelope', { cause })
  }
  if (cek.byteLength !== 32) throw new MalformedEnvelopeError('the content must be encrypted with AES-256-CBC')
  const handle = await crypto.subtle.importKey('raw', cek, 'AES-CBC', false, ['decrypt'])
  new Uint8Array(cek).fill(0)
  return handle
}

async function unwrapKari(kari: Node[], key: CryptoKey): Promise<CryptoKey> {
  // version 3, [0] originator, ([1] ukm), keyEncryptionAlgorithm, recipientEncryptedKeys
  if (intValue(kari[0]) !== 3) throw new MalformedEnvelopeError('bad KeyAgreeRecipientInfo version')
  const hasUkm = kari[2]?.tag === ctx(1)
  const ukm = hasUkm ? expect(children(kari[2] as Node)[0], TAG.OCTET_STRING, 'ukm').content : undefined
  const at = hasUkm ? 3 : 2
  const alg = expect(kari[at], TAG.SEQUENCE, 'keyEncryptionAlgorithm')
  const algParts = children(alg)
  if (oidText(algParts[0]) !== OID.ecdhSha256Kdf) {
    throw new MalformedEnvelopeError('EC envelopes must use dhSinglePass-stdDH-sha256kdf-scheme')
  }
  if (!algParts[1] || !equalBytes(algParts[1].raw, WRAP_ALG))
    throw new MalformedEnvelopeError('EC envelopes must wrap with id-aes256-wrap')
  const originator = children(expect(kari[1], ctx(0), 'originator'))[0]
  if (originator?.tag !== ctx(1)) {
    throw new MalformedEnvelopeError('the originator must be an ephemeral originatorKey (RFC 5753 §3.1.1)')
  }
  const [origAlg, origKey] = children(originator)
  if (oidText(children(expect(origAlg, TAG.SEQUENCE, 'originator algorithm'))[0]) !== OID.ecPublicKey) {
    throw new MalformedEnvelopeError('the originator key must be id-ecPublicKey')
  }
  const bits = expect(origKey, TAG.BIT_STRING, 'originator public key').content
  if (bits[0] !== 0) throw new MalformedEnvelopeError('the originator key is not a P-256 point')
  if (key.algorithm.name !== 'ECDH') {
    throw new NotARecipientError('this envelope is for an EC P-256 key; the key given is not an ECDH key')
  }
  let peer: CryptoKey
  try {
    peer = await crypto.subtle.importKey('raw', buf(bits.subarray(1)), { name: 'ECDH', namedCurve: 'P-256' }, false, [])
  } catch (cause) {
    throw new MalformedEnvelopeError('the originator key is not a P-256 point', { cause })
  }
  const rek = children(children(expect(kari[at + 1], TAG.SEQUENCE, 'recipientEncryptedKeys'))[0] as Node)
  const wrapped = expect(rek[1], TAG.OCTET_STRING, 'encryptedKey').content
  let z: Uint8Array
  try {
    z = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, key, 256))
  } catch (cause) {
    throw new NotARecipientError('the private key does not open this envelope', { cause })
  }
  const kek = await x963Kek(z, ukm)
  z.fill(0)
  try {
    return await crypto.subtle.unwrapKey('raw', buf(wrapped), kek, 'AES-KW', 'AES-CBC', false, ['decrypt'])
  } catch (cause) {
    throw new NotARecipientError('the private key does not open this envelope', { cause })
  }
}

/**
 * Open a recipient blob with the recipient's decryption handle (RSA-OAEP-SHA256 or ECDH P-256,
 * see `decryptionKey(identity)`) and return the 32-byte data key. With `cert`, first check that
 * the blob is addressed to that certificate (issuer and serial).
 */
export async function unwrapEnvelope(blob: Uint8Array, key: CryptoKey, cert?: Cert): Promise<Uint8Array> {
  const env = parseEnvelope(blob)
  if (cert && !equalBytes(env.rid.raw, cert.issuerAndSerial)) {
    throw new NotARecipientError('this envelope is addressed to another certificate')
  }
  let iv: Uint8Array
  let content: Uint8Array
  let cek: CryptoKey
  try {
    cek = env.kind === 'rsa-oaep' ? await unwrapKtri(env.recipient, key) : await unwrapKari(env.recipient, key)
    const cea = children(env.eci[1] as Node)
    if (oidText(cea[0]) !== OID.aes256Cbc) {
      throw new MalformedEnvelopeError('the content must be encrypted with AES-256-CBC')
    }
    iv = expect(cea[1], TAG.OCTET_STRING, 'IV').content
    content = expect(env.eci[2], ctx(0, false), 'encryptedContent').content
    if (iv.length !== 16 || content.length !== 48) {
      throw new MalformedEnvelopeError('the encrypted content must be a 32-byte key in AES-256-CBC (48 bytes)')
    }
  } catch (error) {
    if (error instanceof DerError)
      throw new MalformedEnvelopeError('the recipient blob is not valid DER CMS', { cause: error })
    throw error
  }
  let dataKey: Uint8Array
  try {
    dataKey = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: buf(iv) }, cek, buf(content)))
  } catch (cause) {
    throw new NotARecipientError('the envelope content does not decrypt (wrong key)', { cause })
  }
  if (dataKey.length !== DATA_KEY_SIZE)
    throw new MalformedEnvelopeError('the envelope does not hold a 32-byte data key')
  return dataKey
}
