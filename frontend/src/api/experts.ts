/**
 * The expert pool (专家库, issue 19; `bidding/experts/controllers/pool.py`): the centre's
 * administrator registers, changes, suspends, reinstates and retires experts, declares conflicts and
 * unavailable days, imports CSV/XLSX files and issues an expert's enrolment code; the supervisor
 * reads. Everyone else gets 401/403: pool data is confidential (RULES b8). A logged-in expert reads
 * their own record and declares unavailable days (`/api/expert/me`). The specialty tree is public.
 */
import { apiRequest } from './client'

/** `bidding.experts.pool_rules.ExpertStatus` (as of today: a suspension past its last day reads `active`). */
export const EXPERT_STATUSES = ['active', 'suspended', 'retired'] as const
export type ExpertStatus = (typeof EXPERT_STATUSES)[number]
/** `bidding.experts.pool_rules.ExpertTitle` (规定 11: a senior title or an equivalent level). */
export const EXPERT_TITLES = ['full_senior', 'deputy_senior', 'equivalent'] as const
export type ExpertTitle = (typeof EXPERT_TITLES)[number]
/** What an import did to one row (`bidding.experts.pool_import.ImportedRow.outcome`). */
export const IMPORT_OUTCOMES = ['registered', 'updated', 'unchanged'] as const
/** `bidding.experts.pool_import.XLSX_TYPE`. */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** `bidding.experts.pool_import.MAX_BYTES`: the largest file the server takes. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024

export function isExpertStatus(value: unknown): value is ExpertStatus {
  return typeof value === 'string' && (EXPERT_STATUSES as readonly string[]).includes(value)
}

export interface SpecialtyItem {
  code: string
  name_zh: string
  name_en: string
  /** 1 category (A), 2 specialty (A01), 3 sub-specialty (A0101). */
  level: number
  parent: string | null
  /** Experts are registered under leaves only. */
  leaf: boolean
}

export interface SpecialtyTree {
  version: string
  specialties: SpecialtyItem[]
}

/** One line of the pool's list (`pool.ExpertSummary`). */
export interface ExpertSummary {
  id: string
  registry_no: string
  name: string
  employer_name: string
  title: ExpertTitle | string
  years_experience: number
  region_code: string
  status: ExpertStatus | string
  suspended_until: string | null
  /** Sub-specialty codes, the primary one first. */
  specialties: string[]
}

export interface SpecialtyView {
  code: string
  name_zh: string
  name_en: string
  primary: boolean
}

export interface PeriodView {
  starts_on: string
  ends_on: string
  reason: string | null
}

export interface ConflictView {
  credit_code: string
  organisation_name: string | null
  reason: string
  declared_on: string
}

/** An expert's whole record (`pool.ExpertView`), for the administrator and the supervisor. */
export interface ExpertView {
  id: string
  registry_no: string
  name: string
  id_number_last4: string | null
  mobile: string
  email: string | null
  employer_credit_code: string
  employer_name: string
  title: ExpertTitle | string
  title_name: string | null
  years_experience: number
  region_code: string
  status: ExpertStatus | string
  suspended_reason: string | null
  suspended_until: string | null
  retired_reason: string | null
  retired_at: string | null
  specialties: SpecialtyView[]
  conflicts: ConflictView[]
  unavailability: PeriodView[]
  /** Valid certificates that log in as this expert. */
  certificates: number
  created_at: string
  updated_at: string
}

/** What an expert sees of their own record (`pool.ExpertSelfView`). */
export interface ExpertSelfView {
  id: string
  registry_no: string
  name: string
  status: ExpertStatus | string
  suspended_until: string | null
  specialties: SpecialtyView[]
  unavailability: PeriodView[]
}

/** `pool.ExpertChanges`: an expert's particulars (the registry number and status stay on update). */
export interface ExpertChanges {
  name: string
  mobile: string
  employer_credit_code: string
  employer_name: string
  title: ExpertTitle
  years_experience: number
  region_code: string
  specialties: string[]
  email?: string | null
  title_name?: string | null
  /** Left out on an update: the one on file stays. */
  id_number?: string | null
}

/** `pool.NewExpert`. */
export interface NewExpert extends ExpertChanges {
  registry_no: string
}

export interface SuspendInput {
  reason: string
  /** The suspension's last day (inclusive), YYYY-MM-DD in China. */
  until: string
}

export interface ConflictInput {
  credit_code: string
  reason: string
  organisation_name?: string | null
  declared_on?: string | null
}

export interface PeriodInput {
  starts_on: string
  ends_on: string
  reason?: string | null
}

/** A one-time enrolment code for the expert's certificate and the subject its CSR must carry. */
export interface ExpertEnrolmentView {
  expert_id: string
  enrolment_code: string
  role: string
  expires_at: string
  organization_id: string
  organisation: string
  credit_code: string
  common_name: string
}

export interface ImportedRow {
  row: number
  registry_no: string
  outcome: string
}

/** What an import did (`pool_import.ImportResult`). */
export interface ImportResult {
  file_sha256: string
  format: string
  rows: number
  registered: number
  updated: number
  unchanged: number
  experts: ImportedRow[]
}

export interface ExpertQuery {
  q?: string | null
  specialty?: string | null
  status?: ExpertStatus | null
  region?: string | null
  employer_credit_code?: string | null
  /** The last registry number seen: the next page starts after it. */
  after?: string | null
  limit?: number
}

const enc = encodeURIComponent

/** The specialty code tree (reference data, public). */
export function getSpecialtyTree(signal?: AbortSignal): Promise<SpecialtyTree> {
  return apiRequest<SpecialtyTree>('/api/expert-specialties', { signal })
}

/** The pool by registry number, filtered; page on with `after` = the last registry number. */
export function listExperts(query: ExpertQuery = {}, signal?: AbortSignal): Promise<ExpertSummary[]> {
  return apiRequest<ExpertSummary[]>('/api/experts', {
    query: {
      q: query.q,
      specialty: query.specialty,
      status: query.status,
      region: query.region,
      employer_credit_code: query.employer_credit_code,
      after: query.after,
      limit: query.limit,
    },
    signal,
  })
}

export function getExpert(id: string, signal?: AbortSignal): Promise<ExpertView> {
  return apiRequest<ExpertView>(`/api/experts/${enc(id)}`, { signal })
}

export function registerExpert(body: NewExpert): Promise<ExpertView> {
  return apiRequest<ExpertView>('/api/experts', { method: 'POST', body })
}

export function updateExpert(id: string, body: ExpertChanges): Promise<ExpertView> {
  return apiRequest<ExpertView>(`/api/experts/${enc(id)}`, { method: 'PUT', body })
}

export function suspendExpert(id: string, body: SuspendInput): Promise<ExpertView> {
  return apiRequest<ExpertView>(`/api/experts/${enc(id)}/suspend`, { method: 'POST', body })
}

export function reinstateExpert(id: string): Promise<ExpertView> {
  return apiRequest<ExpertView>(`/api/experts/${enc(id)}/reinstate`, { method: 'POST' })
}

/** Out of the pool for good: the expert's certificates are revoked. */
export function retireExpert(id: string, reason: string): Promise<ExpertView> {
  return apiRequest<ExpertView>(`/api/experts/${enc(id)}/retire`, { method: 'POST', body: { reason } })
}

/** Organisations the expert must never evaluate; the list only grows. */
export function declareConflicts(id: string, conflicts: ConflictInput[]): Promise<ExpertView> {
  return apiRequest<ExpertView>(`/api/experts/${enc(id)}/conflicts`, { method: 'POST', body: { conflicts } })
}

/** Replace the days the expert cannot serve. */
export function setUnavailability(id: string, periods: PeriodInput[]): Promise<ExpertView> {
  return apiRequest<ExpertView>(`/api/experts/${enc(id)}/unavailability`, { method: 'PUT', body: { periods } })
}

/** A one-time enrolment code (role `expert`) under the caller's trading centre unless one is named. */
export function issueEnrolmentCode(id: string, organizationId?: string | null): Promise<ExpertEnrolmentView> {
  const body = organizationId ? { organization_id: organizationId } : {}
  return apiRequest<ExpertEnrolmentView>(`/api/experts/${enc(id)}/enrolment-codes`, { method: 'POST', body })
}

/** The media type an import file is sent as: text/csv, the XLSX type, else bytes the server sniffs. */
export function importContentType(name: string): string {
  const lower = name.toLowerCase()
  if (lower.endsWith('.csv')) return 'text/csv'
  if (lower.endsWith('.xlsx')) return XLSX_TYPE
  return 'application/octet-stream'
}

/** Import a CSV or XLSX file: every row or none (400 `pool_import_refused` lists each refused row). */
export function importExperts(file: Blob, name: string): Promise<ImportResult> {
  const lower = name.toLowerCase()
  const format = lower.endsWith('.csv') ? 'csv' : lower.endsWith('.xlsx') ? 'xlsx' : undefined
  return apiRequest<ImportResult>('/api/experts/import', {
    method: 'POST',
    raw: file,
    contentType: importContentType(name),
    query: { format, filename: name.slice(0, 200) || undefined },
  })
}

/** The logged-in expert's own record (403 `not_an_expert` for anyone else). */
export function getMyRecord(signal?: AbortSignal): Promise<ExpertSelfView> {
  return apiRequest<ExpertSelfView>('/api/expert/me', { signal })
}

/** The logged-in expert declares the days they cannot serve (the list replaces the one on file). */
export function setMyUnavailability(periods: PeriodInput[]): Promise<ExpertSelfView> {
  return apiRequest<ExpertSelfView>('/api/expert/me/unavailability', { method: 'PUT', body: { periods } })
}
