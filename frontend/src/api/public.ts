/** The public (no login) endpoints. */
import { apiBlob, apiRequest } from './client'
import type { OpeningList, Page, Project, ProjectQuery, Readiness } from './types'

export function listProjects(query: ProjectQuery, signal?: AbortSignal): Promise<Page<Project>> {
  return apiRequest<Page<Project>>('/api/public/projects', {
    query: {
      phase: query.phase,
      q: query.q?.trim(),
      page: query.page,
      page_size: query.page_size,
    },
    signal,
  })
}

export function getProject(id: string, signal?: AbortSignal): Promise<Project> {
  return apiRequest<Project>(`/api/public/projects/${encodeURIComponent(id)}`, { signal })
}

/** Openings with `from <= opening_at < to`; both bounds are instants. */
export function listOpenings(from: Date, to: Date, signal?: AbortSignal): Promise<OpeningList> {
  return apiRequest<OpeningList>('/api/public/openings', {
    query: { from: from.toISOString(), to: to.toISOString() },
    signal,
  })
}

/** `/ready` answers 503 with the same body when a check fails. */
export function getReadiness(signal?: AbortSignal): Promise<Readiness> {
  return apiRequest<Readiness>('/ready', { acceptStatuses: [503], signal })
}

/** Kinds of public notices (公告), as in `bidding/tendering/rules/announcements.py::AnnouncementKind`. */
export const ANNOUNCEMENT_KINDS = [
  'tender',
  'clarification',
  'amendment',
  'termination',
  'opening_record',
  'candidate_publicity',
  'award',
] as const
export type AnnouncementKind = (typeof ANNOUNCEMENT_KINDS)[number]

export function isAnnouncementKind(value: unknown): value is AnnouncementKind {
  return typeof value === 'string' && (ANNOUNCEMENT_KINDS as readonly string[]).includes(value)
}

/** One published notice (`AnnouncementView`); immutable once published. */
export interface PublicAnnouncement {
  id: string
  project_id: string
  project_code: string
  project_name: string
  kind: AnnouncementKind
  title: string
  body: string
  published_at: string
  /** SHA-256 over kind, title, body and details, as recorded in the audit trail. */
  content_sha256: string
  /** Kind-specific facts: deadlines, document versions, the opening record's links… */
  details: Record<string, unknown>
}

export interface AnnouncementQuery {
  q?: string | null
  kind?: AnnouncementKind | null
  project_id?: string | null
  page?: number
  page_size?: number
}

/** Newest first; `q` searches title, text, project name and code. */
export function listAnnouncements(query: AnnouncementQuery, signal?: AbortSignal): Promise<Page<PublicAnnouncement>> {
  return apiRequest<Page<PublicAnnouncement>>('/api/public/announcements', {
    query: {
      q: query.q?.trim() || undefined,
      kind: query.kind ?? undefined,
      project_id: query.project_id ?? undefined,
      page: query.page,
      page_size: query.page_size,
    },
    signal,
  })
}

export function getAnnouncement(id: string, signal?: AbortSignal): Promise<PublicAnnouncement> {
  return apiRequest<PublicAnnouncement>(`/api/public/announcements/${encodeURIComponent(id)}`, { signal })
}

/**
 * A public file as a Blob, to send it on to `POST /api/verify/pdf`. Sent without the session's
 * token on purpose: the supervisor checks exactly what the public gets.
 */
export function fetchPublicFile(url: string, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(url, { anonymous: true, signal })
}
