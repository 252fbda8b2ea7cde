/// <reference types="node" />
/** Shared fixtures of the sealed-*.spec.ts tests: committed vector keys, throwaway identities. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { x509 } from '@/crypto/x509'
import { pemDecodeAll, toArrayBuffer } from '@/crypto/encoding'
import { generateIdentityKeys, identityKeyParams, importIdentityKeys, type KeyHandles, type KeyKind } from '@/crypto/keys'
import { subjectName } from '@/crypto/subject'
import { concat } from '@/sealed/bytes'

export const VECTOR_DIR = fileURLToPath(new URL('../../tests/vectors/sealed/', import.meta.url))
export const vectorText = (name: string): string => readFileSync(VECTOR_DIR + name, 'utf8')
export const vectorBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(VECTOR_DIR + name))

/** Import a committed PKCS#8 PEM key as the identity handles (what a PKCS#12 import gives). */
export async function vectorKeys(name: string, kind: KeyKind): Promise<Required<KeyHandles>> {
  const der = pemDecodeAll(vectorText(name), 'PRIVATE KEY')[0] as Uint8Array
  return (await importIdentityKeys(toArrayBuffer(der), kind)).handles
}

export interface TestIdentity {
  certPem: string
  handles: Required<KeyHandles>
  /** Only for handing the key to Python in the interop test. */
  pkcs8Pem: string
}

let serial = 1

/** A self-signed platform certificate (organizationIdentifier NTRCN-…) with a fresh key. */
export async function makeIdentity(
  kind: KeyKind,
  creditCode = '91350100M000100Y43',
  commonName = '张三',
): Promise<TestIdentity> {
  // Extractable only so the interop test can hand the key to Python; the app never exports keys.
  const pair = await crypto.subtle.generateKey(identityKeyParams(kind), true, ['sign', 'verify'])
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey)
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0') + '1a2b3c',
    name: new x509.Name(subjectName({ organisation: '福州示例建设有限公司', creditCode, commonName, role: 'bidder' })),
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2028-01-01T00:00:00Z'),
    keys: pair,
    signingAlgorithm:
      kind === 'ecdsa-p256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  })
  const { handles } = await importIdentityKeys(pkcs8, kind)
  const b64 =
    Buffer.from(pkcs8)
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n') ?? ''
  return {
    certPem: cert.toString('pem'),
    handles,
    pkcs8Pem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`,
  }
}

export { generateIdentityKeys }

/** Collects a package from `seal`'s sink into one Blob. */
export function memorySink(): { sink: (b: Uint8Array) => Promise<void>; blob: () => Blob; bytes: () => Uint8Array } {
  const parts: Uint8Array[] = []
  return {
    sink: async (b) => {
      parts.push(b.slice())
    },
    blob: () => new Blob(parts as BlobPart[]),
    bytes: () => concat(...parts),
  }
}
