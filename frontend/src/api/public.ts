/** The public (no login) endpoints. */
import { apiRequest } from './client'
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
