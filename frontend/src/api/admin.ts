/**
 * The centre administrator's console (docs/frontend-admin.md): registrations (list, approve with the
 * one-time code, refuse with a reason), an organisation's certificates, open sessions and enrolment
 * codes (re-issue, revoke with an RFC 5280 reason), the agents' roster with suspension, the trust
 * list and the settings that are safe to show. Reading: admin and auditor; changing: admin.
 */
import { apiRequest } from './client'
import type { Organisation } from './identity'

export const ORG_STATUSES = ['pending', 'approved', 'refused', 'suspended'] as const
export type OrgStatus = (typeof ORG_STATUSES)[number]
export const ORG_KINDS = ['bidder', 'agent', 'tenderer', 'supervisor', 'trading_centre'] as const
export type OrgKindName = (typeof ORG_KINDS)[number]
export const SORT_KEYS = ['created_at', 'name', 'status', 'kind', 'decided_at'] as const
export type SortKey = (typeof SORT_KEYS)[number]
/** RFC 5280 §5.3.1 reasons, by the names the API takes. */
export const REVOCATION_REASONS = [
  'unspecified',
  'key_compromise',
  'affiliation_changed',
  'superseded',
  'cessation_of_operation',
  'certificate_hold',
  'privilege_withdrawn',
] as const
export type RevocationReason = (typeof REVOCATION_REASONS)[number]
/** The longest reason the API takes (a refusal, a suspension). */
export const REASON_MAX = 500

export interface AdminOrganisation extends Organisation {
  contact_email: string | null
}

export interface Registration {
  organisation: AdminOrganisation
  decided_at: string | null
  decided_by: string | null
  decision_reason: string | null
}

export interface RegistrationPage {
  total: number
  offset: number
  limit: number
  items: Registration[]
}

export interface RegistrationQuery {
  status?: OrgStatus | null
  kind?: OrgKindName | null
  q?: string
  sort?: SortKey
  order?: 'asc' | 'desc'
  offset?: number
  limit?: number
}

export interface IssuedCode {
  organization_id: string
  enrolment_code: string
  role: string
  expires_at: string
}

export interface Approval {
  organisation: AdminOrganisation
  enrolment: IssuedCode
}

export type CodeState = 'issued' | 'used' | 'expired' | 'withdrawn'

export interface CodeRow {
  id: string
  role: string
  state: CodeState
  created_at: string
  created_by: string
  expires_at: string
  used_at: string | null
}

export interface Reissue {
  enrolment: IssuedCode
  withdrawn: number
}

export interface UserCertificate {
  serial: string
  fingerprint: string
  common_name: string
  role: string
  key_type: string
  not_before: string
  not_after: string
  issued_at: string
  status: 'valid' | 'expired' | 'revoked'
  revoked_at: string | null
  revocation_reason: string | null
  open_sessions: number
}

export interface OrganisationDetail {
  registration: Registration
  certificates: UserCertificate[]
  codes: CodeRow[]
  open_sessions: number
}

export interface Revocation {
  certificate: { serial: string; revoked_at: string | null; revocation_reason: string | null }
  sessions_closed: number
}

export interface AgentRow {
  organisation: AdminOrganisation
  projects_total: number
  projects_in_progress: number
  last_activity: string | null
}

export interface StatusChange {
  registration: Registration
  sessions_closed: number
}

export interface SettingRow {
  name: string
  variable: string
  shown: boolean
  value: string | null
  doc: string
}

export interface TrustAnchor {
  subject: string
  fingerprint: string
  not_after: string
  platform_ca: boolean
}

const base = '/api/admin'
const org = (id: string): string => `${base}/organisations/${encodeURIComponent(id)}`

export function listRegistrations(query: RegistrationQuery, signal?: AbortSignal): Promise<RegistrationPage> {
  return apiRequest<RegistrationPage>(`${base}/registrations`, {
    query: {
      status: query.status,
      kind: query.kind,
      q: query.q?.trim(),
      sort: query.sort,
      order: query.order,
      offset: query.offset,
      limit: query.limit,
    },
    signal,
  })
}

export function approveRegistration(id: string): Promise<Approval> {
  return apiRequest<Approval>(`${org(id)}/approve`, { method: 'POST' })
}

export function refuseRegistration(id: string, reason: string): Promise<Registration> {
  return apiRequest<Registration>(`${base}/registrations/${encodeURIComponent(id)}/refuse`, {
    method: 'POST',
    body: { reason },
  })
}

export function getOrganisation(id: string, signal?: AbortSignal): Promise<OrganisationDetail> {
  return apiRequest<OrganisationDetail>(org(id), { signal })
}

export function reissueCode(id: string, role: string): Promise<Reissue> {
  return apiRequest<Reissue>(`${org(id)}/enrolment-codes/reissue`, { method: 'POST', body: { role } })
}

export function revokeCertificate(id: string, serial: string, reason: RevocationReason): Promise<Revocation> {
  return apiRequest<Revocation>(`${org(id)}/certificates/${encodeURIComponent(serial)}/revoke`, {
    method: 'POST',
    body: { reason },
  })
}

export function suspendOrganisation(id: string, reason: string): Promise<StatusChange> {
  return apiRequest<StatusChange>(`${org(id)}/suspend`, { method: 'POST', body: { reason } })
}

export function reinstateOrganisation(id: string, reason: string): Promise<StatusChange> {
  return apiRequest<StatusChange>(`${org(id)}/reinstate`, { method: 'POST', body: { reason } })
}

export function listAgents(signal?: AbortSignal): Promise<AgentRow[]> {
  return apiRequest<AgentRow[]>(`${base}/agents`, { query: { limit: 500 }, signal })
}

export function listSettings(signal?: AbortSignal): Promise<SettingRow[]> {
  return apiRequest<SettingRow[]>(`${base}/settings`, { signal })
}

export function listTrustAnchors(signal?: AbortSignal): Promise<TrustAnchor[]> {
  return apiRequest<TrustAnchor[]>('/pki/trust', { signal })
}

/** The roles an organisation of `kind` may hold (as `bidding/core/roles.py`). */
export function rolesOfKind(kind: string): string[] {
  switch (kind) {
    case 'trading_centre':
      return ['admin', 'auditor', 'expert', 'finance']
    case 'agent':
    case 'tenderer':
    case 'bidder':
    case 'supervisor':
      return [kind]
    default:
      return []
  }
}

/** A reason as the API takes it: trimmed, not empty, at most REASON_MAX characters; the problem's i18n key or null. */
export function reasonProblem(reason: string): 'admin.reason.required' | 'admin.reason.tooLong' | null {
  const text = reason.trim()
  if (!text) return 'admin.reason.required'
  if (text.length > REASON_MAX) return 'admin.reason.tooLong'
  return null
}
