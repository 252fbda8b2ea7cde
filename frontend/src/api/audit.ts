/**
 * What the supervision and audit pages read: the audit trail of a project
 * (`GET /api/admin/audit-events?project_id=…`, roles admin / auditor / supervisor) and its lots'
 * opening records (public), fetched as PDFs to validate them (the published documents: ./documents).
 */
import { ApiError, apiRequest } from './client'

export interface AuditEvent {
  id: number
  occurred_at: string
  actor: string
  client_address: string | null
  request_id: string | null
  action: string
  object_type: string
  object_id: string | null
  content_sha256: string | null
  details: Record<string, unknown>
}

export interface AuditQuery {
  projectId: string
  /** An exact action, or a family by its prefix ending in "." ("bid."). */
  action?: string | null
  /** Only events with a larger id (the id of the last event of the previous page). */
  afterId?: number
  limit?: number
}

/** Oldest first; events still under the bidding embargo are not returned to anyone. */
export function listProjectEvents(query: AuditQuery, signal?: AbortSignal): Promise<AuditEvent[]> {
  return apiRequest<AuditEvent[]>('/api/admin/audit-events', {
    query: {
      project_id: query.projectId,
      action: query.action,
      after_id: query.afterId || undefined,
      limit: query.limit,
    },
    signal,
  })
}


export function openingRecordPdfUrl(lotId: string): string {
  return `/api/public/openings/${encodeURIComponent(lotId)}/record.pdf`
}

/** Whether the lot's opening has a record yet (its JSON answers 404 until then). */
export async function hasOpeningRecord(lotId: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await apiRequest<unknown>(`/api/public/openings/${encodeURIComponent(lotId)}/record.json`, { signal })
    return true
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return false
    throw e
  }
}

