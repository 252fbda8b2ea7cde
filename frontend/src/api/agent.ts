/**
 * The tender agent's console API (`/api/agent/projects`, role `agent`, own projects only) and the
 * two public reads the console shows next to it (a project's announcements and published documents).
 * See docs/tendering.md, "The agent's side".
 */
import { sessionToken } from '@/auth/session'
import { apiRequest, type Fetcher } from './client'
import type { TenderDocument } from './documents'
import type { Category, FormField, Phase } from './types'

export type { FieldType, FormField } from './types'

/** How a bidder may provide its deposit (bidding/tendering/rules/deposit_requirements.py). */
export type DepositForm = 'bank_transfer' | 'e_guarantee' | 'cash'
export const DEPOSIT_FORMS: readonly DepositForm[] = ['bank_transfer', 'e_guarantee', 'cash']

export interface NewLotPayload {
  code: string
  name: string
  estimated_price_fen: number
  deposit_fen: number
  /** ISO 8601 with an offset (the server refuses a naive time). */
  bid_deadline: string
  decrypt_window_minutes: number
  objection_window_minutes: number
  form_fields: FormField[]
  /** The deposit's accepted forms; publication refuses cash alone and a deposit without guarantees. */
  deposit_forms: DepositForm[]
  /** 条例 26: transfers from the basic account only; null: the category's default (works: yes). */
  basic_account_required: boolean | null
  /** 勘察设计: the lower absolute cap of the deposit applies. */
  design_survey: boolean
  /** 投标有效期 in days from the deadline (1 to 365). */
  bid_validity_days: number
}

export interface NewProjectPayload {
  code: string
  name: string
  category: Category
  tenderer_credit_code: string
  region: string | null
  lots: NewLotPayload[]
}

export interface AgentLot {
  id: string
  code: string
  name: string
  estimated_price_fen: number
  deposit_fen: number
  bid_deadline: string | null
  decrypt_window_minutes: number
  objection_window_minutes: number
  form_fields: FormField[]
  deposit_forms: DepositForm[]
  basic_account_required: boolean
  design_survey: boolean
  bid_validity_days: number
}

/** A version as the agent sees it: `published_at` is null while pending (published with the next announcement). */
export interface AgentDocument extends TenderDocument {
  uploaded_at: string
}

export interface AgentProject {
  id: string
  code: string
  name: string
  category: Category
  status: string
  phase: Phase
  tenderer: string
  tenderer_credit_code: string
  region: string | null
  published_at: string | null
  tender_start_at: string | null
  clarification_deadline: string | null
  lots: AgentLot[]
  documents: AgentDocument[]
}

export type AnnouncementKind =
  | 'tender'
  | 'clarification'
  | 'amendment'
  | 'termination'
  | 'opening_record'
  | 'candidate_publicity'
  | 'award'

export interface AnnouncementRef {
  id: string
  kind: AnnouncementKind
  title: string
  published_at: string
  content_sha256: string
  details: Record<string, unknown>
}

export interface Announcement extends AnnouncementRef {
  project_id: string
  project_code: string
  project_name: string
  body: string
}

export interface AnnouncementPage {
  items: Announcement[]
  total: number
  page: number
  page_size: number
}

export interface PublishPayload {
  title: string
  body: string
  documents_available_at?: string
}

export interface ClarificationPayload {
  kind: 'clarification' | 'amendment'
  title: string
  body: string
  /** Lot code → new bid deadline (ISO with offset); later only. */
  new_deadlines: Record<string, string>
}

export interface NoticePayload {
  kind: 'candidate_publicity' | 'award' | 'termination'
  title: string
  body: string
}

const BASE = '/api/agent/projects'

function projectPath(id: string, rest = ''): string {
  return `${BASE}/${encodeURIComponent(id)}${rest}`
}

/** The projects this agent runs, newest first (the API answers a plain list, at most 200). */
export function listAgentProjects(signal?: AbortSignal): Promise<AgentProject[]> {
  return apiRequest<AgentProject[]>(`${BASE}/`, { signal })
}

export function getAgentProject(id: string, signal?: AbortSignal): Promise<AgentProject> {
  return apiRequest<AgentProject>(projectPath(id), { signal })
}

export function createProject(payload: NewProjectPayload): Promise<AgentProject> {
  return apiRequest<AgentProject>(`${BASE}/`, { method: 'POST', body: payload })
}

/** Replaces what a draft says (the same payload as creation); refused once it is published. */
export function updateProject(id: string, payload: NewProjectPayload): Promise<AgentProject> {
  return apiRequest<AgentProject>(projectPath(id), { method: 'PUT', body: payload })
}

export function publishProject(id: string, payload: PublishPayload): Promise<AnnouncementRef> {
  return apiRequest<AnnouncementRef>(projectPath(id, '/publish'), { method: 'POST', body: payload })
}

export function postClarification(id: string, payload: ClarificationPayload): Promise<AnnouncementRef> {
  return apiRequest<AnnouncementRef>(projectPath(id, '/clarifications'), { method: 'POST', body: payload })
}

/** The endpoint reads the notice shape, whose `kind` is required: always `termination` here. */
export function terminateProject(id: string, payload: { title: string; body: string }): Promise<AnnouncementRef> {
  return apiRequest<AnnouncementRef>(projectPath(id, '/terminate'), {
    method: 'POST',
    body: { kind: 'termination', ...payload },
  })
}

export function postNotice(id: string, payload: NoticePayload): Promise<AnnouncementRef> {
  return apiRequest<AnnouncementRef>(projectPath(id, '/notices'), { method: 'POST', body: payload })
}

/** The project's published announcements (public search filtered by project), newest first. */
export function listProjectAnnouncements(projectId: string, signal?: AbortSignal): Promise<AnnouncementPage> {
  return apiRequest<AnnouncementPage>('/api/public/announcements', {
    query: { project_id: projectId, page_size: 100 },
    signal,
  })
}

/** Content types the server takes for tender documents. */
export const DOCUMENT_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  zip: 'application/zip',
}

/** `application/pdf` / `application/zip` from the file name (the browser's `File.type` varies). */
export function documentContentType(filename: string): string | null {
  const dot = filename.lastIndexOf('.')
  if (dot < 0) return null
  return DOCUMENT_TYPES[filename.slice(dot + 1).toLowerCase()] ?? null
}

/**
 * Uploads a new version of the tender documents: the raw file as the body (not multipart), its
 * name URL-encoded in `X-Filename` (headers are ASCII; Chinese names are common).
 */
export function uploadDocument(
  projectId: string,
  file: Blob,
  filename: string,
  fetchImpl: Fetcher = (...args) => globalThis.fetch(...args),
): Promise<AgentDocument> {
  return apiRequest<AgentDocument>(projectPath(projectId, '/documents'), {
    method: 'POST',
    raw: file,
    contentType: documentContentType(filename) ?? (file.type || 'application/octet-stream'),
    headers: { 'X-Filename': encodeURIComponent(filename) },
    fetch: fetchImpl,
    token: sessionToken,
  })
}
