/** Identity endpoints (docs/login.md): registration, enrolment, certificate login, sessions. */
import { apiRequest } from './client'
import type { OrgKind } from '@/crypto/subject'

export interface RegistrationRequest {
  name: string
  credit_code: string
  kind: OrgKind
  contact_name: string
  contact_phone: string
}

export interface Organisation {
  id: string
  name: string
  credit_code: string
  kind: string
  status: string
  contact_name: string | null
  contact_phone: string | null
  created_at: string
}

export interface IssuedCertificate {
  serial: string
  fingerprint: string
  role: string
  common_name: string
  organization_id: string
  not_before: string
  not_after: string
  revoked_at: string | null
  revocation_reason: string | null
  certificate_pem: string
  chain_pem: string
}

export interface Challenge {
  challenge_id: string
  /** The exact bytes to sign, base64. */
  message: string
  message_text: string
  expires_at: string
  algorithms: string[]
}

export interface SessionInfo {
  fingerprint: string
  organization_id: string
  organization_name: string
  credit_code: string
  common_name: string
  role: string
  issued_at: string
  expires_at: string
}

export interface LoginResult {
  token: string
  token_type: string
  expires_at: string
  session: SessionInfo
}

export interface LoginRequest {
  challenge_id: string
  certificate: string
  signature: string
  algorithm: string
  chain: string[]
}

export function registerOrganisation(data: RegistrationRequest): Promise<Organisation> {
  return apiRequest<Organisation>('/api/enrolment/organisations', { method: 'POST', body: data })
}

export function enrolCertificate(enrolmentCode: string, csr: string): Promise<IssuedCertificate> {
  return apiRequest<IssuedCertificate>('/api/enrolment/certificates', {
    method: 'POST',
    body: { enrolment_code: enrolmentCode, csr },
  })
}

export function requestChallenge(certificate: string): Promise<Challenge> {
  return apiRequest<Challenge>('/api/auth/challenge', { method: 'POST', body: { certificate } })
}

export function login(data: LoginRequest): Promise<LoginResult> {
  return apiRequest<LoginResult>('/api/auth/login', { method: 'POST', body: data })
}

export function me(signal?: AbortSignal): Promise<SessionInfo> {
  return apiRequest<SessionInfo>('/api/auth/me', signal ? { signal } : {})
}

export function logout(): Promise<{ closed: boolean }> {
  return apiRequest<{ closed: boolean }>('/api/auth/logout', { method: 'POST' })
}
