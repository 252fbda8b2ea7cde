/**
 * The platform's certificate subject profile, as `crypto/subject.py` defines it:
 * C=CN, O=<organisation>, organizationIdentifier (2.5.4.97)=NTRCN-<credit code>, OU=<role>,
 * CN=<person>. One attribute per RDN, in that order; C is a PrintableString and every other value
 * a UTF8String, exactly what Python's `PlatformSubject.to_name()` produces with `cryptography`.
 */
import type { JsonNameParams } from './x509'

export const OID = {
  country: '2.5.4.6',
  organisation: '2.5.4.10',
  organizationIdentifier: '2.5.4.97',
  organisationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
} as const

export const ROLES = ['bidder', 'agent', 'tenderer', 'supervisor', 'expert', 'auditor', 'admin', 'finance'] as const
export type PlatformRole = (typeof ROLES)[number]

export const ORG_KINDS = ['bidder', 'agent', 'tenderer', 'supervisor', 'trading_centre'] as const
export type OrgKind = (typeof ORG_KINDS)[number]

/** The roles a user of an organisation of `kind` may hold (bidding/core/roles.py). */
export const ROLES_BY_KIND: Record<OrgKind, readonly PlatformRole[]> = {
  trading_centre: ['admin', 'auditor', 'expert', 'finance'],
  agent: ['agent'],
  tenderer: ['tenderer'],
  bidder: ['bidder'],
  supervisor: ['supervisor', 'auditor'],
}

export const COUNTRY = 'CN'
export const ORG_ID_PREFIX = 'NTRCN-'

const CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'

/** GB 32100-2015 check character for the first 17 characters of a credit code; null if invalid. */
export function creditCodeCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null
  let total = 0
  let weight = 1
  for (const char of first17) {
    const value = CODE_ALPHABET.indexOf(char)
    if (value < 0) return null
    total += value * weight
    weight = (weight * 3) % 31
  }
  return CODE_ALPHABET[(31 - (total % 31)) % 31] ?? null
}

export function isValidCreditCode(code: string): boolean {
  return code.length === 18 && creditCodeCheckChar(code.slice(0, 17)) === code[17]
}

export function isRole(value: unknown): value is PlatformRole {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

export interface PlatformSubject {
  organisation: string
  creditCode: string
  commonName: string
  role: PlatformRole
}

export class InvalidSubjectError extends Error {
  override readonly name = 'InvalidSubjectError'
  constructor(readonly field: 'organisation' | 'creditCode' | 'commonName' | 'role') {
    super(`invalid subject attribute: ${field}`)
  }
}

/** Throws InvalidSubjectError for what the server's `PlatformSubject` would refuse. */
export function validateSubject(subject: PlatformSubject): void {
  if (!subject.organisation.trim()) throw new InvalidSubjectError('organisation')
  if (!isValidCreditCode(subject.creditCode)) throw new InvalidSubjectError('creditCode')
  if (!subject.commonName.trim()) throw new InvalidSubjectError('commonName')
  if (!isRole(subject.role)) throw new InvalidSubjectError('role')
}

/** The distinguished name in @peculiar/x509's JSON form, with explicit string types. */
export function subjectName(subject: PlatformSubject): JsonNameParams {
  validateSubject(subject)
  return [
    { [OID.country]: [{ printableString: COUNTRY }] },
    { [OID.organisation]: [{ utf8String: subject.organisation }] },
    { [OID.organizationIdentifier]: [{ utf8String: ORG_ID_PREFIX + subject.creditCode }] },
    { [OID.organisationalUnit]: [{ utf8String: subject.role }] },
    { [OID.commonName]: [{ utf8String: subject.commonName }] },
  ]
}
