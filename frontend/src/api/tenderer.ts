/**
 * The tenderer's (招标人) pages (docs/frontend-tenderer.md): its project registrations (项目登记)
 * with the agent appointed, its projects' progress, and the approval of the tender documents before
 * publication; plus the agent's side of an appointment (its list, and the project created from it).
 */
import type { AgentProject } from './agent'
import { apiBlob, apiRequest } from './client'

export const CATEGORIES = ['works', 'goods', 'services'] as const
export type Category = (typeof CATEGORIES)[number]
export const REGISTRATION_STATUSES = ['registered', 'appointed', 'taken_up'] as const
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number]
/** `not_required`: an agent's own project (no registration); otherwise the current version's state. */
export const APPROVAL_STATES = ['not_required', 'no_documents', 'pending', 'approved', 'returned'] as const
export type ApprovalState = (typeof APPROVAL_STATES)[number]
export type Decision = 'approved' | 'returned'

/** The bounds the API checks (bidding/tendering/registrations.py). */
export const LIMITS = { name: 300, approvalNumber: 100, fundingSource: 200, region: 100, note: 2000, comments: 2000 } as const

export interface RegistrationPayload {
  name: string
  approval_number: string
  funding_source: string
  estimate_fen: number
  category: Category
  region?: string | null
  note?: string | null
}

export interface Registration {
  id: string
  name: string
  approval_number: string
  funding_source: string
  estimate_fen: number
  category: Category
  region: string | null
  note: string | null
  status: RegistrationStatus
  tenderer: string
  tenderer_credit_code: string
  agent: string | null
  agent_credit_code: string | null
  appointed_at: string | null
  project_id: string | null
  created_at: string
  updated_at: string
}

export interface DocumentVersion {
  id: string
  version: number
  filename: string
  content_type: string
  size: number
  sha256: string
  uploaded_at: string
  published_at: string | null
}

export interface LotProgress {
  id: string
  code: string
  name: string
  estimated_price_fen: number
  bid_deadline: string | null
  opening_state: string | null
  opening_done: boolean
  evaluation_state: string | null
  evaluation_final: boolean
  award_id: string | null
  award_state: string | null
}

export interface TendererProject {
  id: string
  code: string
  name: string
  category: Category
  status: string
  phase: string
  agent: string
  agent_credit_code: string
  region: string | null
  registration_id: string | null
  published_at: string | null
  tender_start_at: string | null
  estimated_price_fen: number
  lots: LotProgress[]
  documents_approval: ApprovalState
  current_document: DocumentVersion | null
}

export interface DecisionRecord {
  document_id: string
  version: number
  decision: Decision
  comments: string | null
  decided_at: string
}

export interface TendererDocuments {
  project_id: string
  documents_approval: ApprovalState
  current_document: DocumentVersion | null
  documents: DocumentVersion[]
  decisions: DecisionRecord[]
}

const BASE = '/api/tenderer'
const enc = encodeURIComponent

export function listRegistrations(signal?: AbortSignal): Promise<Registration[]> {
  return apiRequest<Registration[]>(`${BASE}/registrations`, { signal })
}

export function createRegistration(payload: RegistrationPayload): Promise<Registration> {
  return apiRequest<Registration>(`${BASE}/registrations`, { method: 'POST', body: payload })
}

export function updateRegistration(id: string, payload: RegistrationPayload): Promise<Registration> {
  return apiRequest<Registration>(`${BASE}/registrations/${enc(id)}`, { method: 'PUT', body: payload })
}

/** Appoints (or changes) the agent by its unified social credit code. */
export function appointAgent(id: string, agentCreditCode: string): Promise<Registration> {
  return apiRequest<Registration>(`${BASE}/registrations/${enc(id)}/agent`, {
    method: 'PUT',
    body: { agent_credit_code: agentCreditCode },
  })
}

export function withdrawAppointment(id: string): Promise<Registration> {
  return apiRequest<Registration>(`${BASE}/registrations/${enc(id)}/agent`, { method: 'DELETE' })
}

export function listTendererProjects(signal?: AbortSignal): Promise<TendererProject[]> {
  return apiRequest<TendererProject[]>(`${BASE}/projects`, { signal })
}

export function getTendererProject(id: string, signal?: AbortSignal): Promise<TendererProject> {
  return apiRequest<TendererProject>(`${BASE}/projects/${enc(id)}`, { signal })
}

export function getDocuments(id: string, signal?: AbortSignal): Promise<TendererDocuments> {
  return apiRequest<TendererDocuments>(`${BASE}/projects/${enc(id)}/documents`, { signal })
}

/** The decision names the version read: a newer upload meanwhile is `document_superseded` (409). */
export function decideDocuments(
  projectId: string,
  documentId: string,
  decision: Decision,
  comments?: string,
): Promise<TendererDocuments> {
  return apiRequest<TendererDocuments>(`${BASE}/projects/${enc(projectId)}/documents/decision`, {
    method: 'POST',
    body: comments ? { document_id: documentId, decision, comments } : { document_id: documentId, decision },
  })
}

export function downloadDocument(projectId: string, documentId: string): Promise<Blob> {
  return apiBlob(`${BASE}/projects/${enc(projectId)}/documents/${enc(documentId)}`)
}

// ------------------------------------------------------------------ the agent's side

/** The registrations the calling agent is appointed to (taken up ones included). */
export function listAppointments(signal?: AbortSignal): Promise<Registration[]> {
  return apiRequest<Registration[]>('/api/agent/projects/appointments', { signal })
}

/** The appointed agent creates the draft project from the registration (its code given here). */
export function takeUpAppointment(id: string, code: string): Promise<AgentProject> {
  return apiRequest<AgentProject>(`/api/agent/projects/appointments/${enc(id)}/project`, {
    method: 'POST',
    body: { code },
  })
}
