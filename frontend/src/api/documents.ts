/** A project's published tender documents (招标文件): public, read by the agent, bidder and audit pages alike. */
import { apiRequest } from './client'

/** One published version of a project's tender documents. */
export interface TenderDocument {
  id: string
  version: number
  filename: string
  content_type: string
  size: number
  sha256: string
  published_at: string | null
}

export function listProjectDocuments(projectId: string, signal?: AbortSignal): Promise<TenderDocument[]> {
  return apiRequest<TenderDocument[]>(`/api/public/projects/${encodeURIComponent(projectId)}/documents`, { signal })
}

/** The public download address of a published document version. */
export function documentUrl(documentId: string): string {
  return `/api/public/documents/${encodeURIComponent(documentId)}`
}
