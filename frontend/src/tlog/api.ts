/**
 * What the transparency log's page reads: the log's verifier key (`/log/vkey`, text), its signed
 * checkpoints (`/api/log/checkpoints`, public, newest first, paged by `next_cursor`), consistency
 * proofs (`/api/log/proof/consistency`, public), and the audits of the log (`/api/audit/log/runs`,
 * auditors, supervisors and administrators).
 */
import { apiFetch, apiRequest, ApiError } from '@/api/client'

export interface LogCheckpoint {
  size: number
  /** base64; the page uses the root inside the signed note, not this one. */
  root: string
  signed_at: string
  /** The signed note as published (with witnesses' cosignatures, if any). */
  note: string
  witnesses: string[]
}

export interface CheckpointPage {
  checkpoints: LogCheckpoint[]
  next_cursor: number | null
}

export interface ConsistencyProof {
  first: number
  second: number
  /** base64 hashes (RFC 9162 §2.1.4). */
  proof: string[]
  checkpoint: string
}

export type AuditRunStatus = 'pending' | 'finished' | 'failed' | 'abandoned'

export interface AuditFinding {
  kind: string
  index?: number
  source?: string
  source_id?: number
  detail?: string
}

export interface AuditRun {
  id: string
  requested_by: string
  requested_at: string
  finished_at: string | null
  status: AuditRunStatus
  size: number | null
  checkpoints: number | null
  intact: boolean | null
  findings_count: number
  /** Filled when one run is read; empty in the list. */
  findings: AuditFinding[]
}

export async function fetchVkey(signal?: AbortSignal): Promise<string> {
  const response = await apiFetch('/log/vkey', { anonymous: true, signal }, 'text/plain')
  try {
    return (await response.text()).trim()
  } catch (cause) {
    throw new ApiError('network', { status: response.status, cause })
  }
}

export function listCheckpoints(cursor: number, limit: number, signal?: AbortSignal): Promise<CheckpointPage> {
  return apiRequest<CheckpointPage>('/api/log/checkpoints', {
    query: { cursor: cursor || undefined, limit },
    anonymous: true,
    signal,
  })
}

export function consistencyProof(first: number, second: number, signal?: AbortSignal): Promise<ConsistencyProof> {
  return apiRequest<ConsistencyProof>('/api/log/proof/consistency', { query: { first, second }, anonymous: true, signal })
}

export function listAuditRuns(signal?: AbortSignal): Promise<AuditRun[]> {
  return apiRequest<AuditRun[]>('/api/audit/log/runs', { query: { limit: 10 }, signal })
}

export function getAuditRun(id: string, signal?: AbortSignal): Promise<AuditRun> {
  return apiRequest<AuditRun>(`/api/audit/log/runs/${encodeURIComponent(id)}`, { signal })
}

export function requestAuditRun(): Promise<AuditRun> {
  return apiRequest<AuditRun>('/api/audit/log/runs', { method: 'POST' })
}
