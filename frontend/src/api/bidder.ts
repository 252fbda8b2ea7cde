/**
 * The bidder's endpoints (docs/tendering.md "Submitting a bid", "Receipts") and the logged-in
 * organisation's own notifications and downloads (`/api/me`).
 *
 * Upload calls go through `bidderFetch` rather than `apiRequest`: a chunk is a raw binary body, and
 * the workspace needs the server's `Date` header to count down to the deadline by the server's clock.
 */
import { sessionToken } from '@/auth/session'
import { currentLocale } from '@/i18n'
import { ApiError, apiRequest, errorFromResponse } from './client'

export interface BidView {
  id: string
  lot_id: string
  version: number
  /** active | replaced | withdrawn */
  status: string
  size: number
  sha256: string
  package_digest: string
  submitted_at: string
  withdrawn_at: string | null
  receipt_number: string
}

export interface UploadView {
  id: string
  lot_id: string
  mode: string
  size: number
  chunk_size: number
  received: number
  next_chunk: number
  /** open | completed | rejected */
  status: string
  upload_url?: string | null
  bid?: BidView | null
  receipt?: Record<string, unknown> | null
}

export interface NotificationView {
  id: number
  project_id: string
  project_code: string
  announcement_id: string
  kind: string
  title: string
  created_at: string
  read_at: string | null
}

export interface DownloadView {
  document_id: string
  project_id: string
  project_code: string
  version: number
  filename: string
  downloaded_at: string
}


/** An answer plus the server's clock (from its `Date` header) when it was sent. */
export interface Timed<T> {
  body: T
  serverDate: Date | null
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

let fetcher: FetchLike = (input, init) => globalThis.fetch(input, init)

/** Tests replace the network. */
export function setBidderFetch(f: FetchLike): void {
  fetcher = f
}

function serverDateOf(response: Response): Date | null {
  const raw = response.headers.get('date')
  if (!raw) return null
  const d = new Date(raw)
  return Number.isNaN(d.getTime()) ? null : d
}

/** A request with the session token; JSON answer, `ApiError` on failure (same shape as `apiRequest`). */
export async function bidderFetch<T>(
  path: string,
  init: { method?: string; json?: unknown; raw?: Blob | ArrayBuffer; signal?: AbortSignal } = {},
): Promise<Timed<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': currentLocale() }
  const token = sessionToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let body: BodyInit | undefined
  if (init.raw !== undefined) {
    headers['Content-Type'] = 'application/octet-stream'
    body = init.raw
  } else if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(init.json)
  }
  let response: Response
  try {
    response = await fetcher(path, {
      method: init.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
      signal: init.signal,
    })
  } catch (cause) {
    const aborted = init.signal?.aborted === true || (cause instanceof DOMException && cause.name === 'AbortError')
    throw new ApiError(aborted ? 'aborted' : 'network', { cause })
  }
  if (!response.ok) throw await errorFromResponse(response)
  let parsed: T
  try {
    parsed = JSON.parse(await response.text()) as T
  } catch (cause) {
    throw new ApiError('invalid_response', { status: response.status, cause })
  }
  return { body: parsed, serverDate: serverDateOf(response) }
}

const lotPath = (lotId: string): string => `/api/bidder/lots/${encodeURIComponent(lotId)}`
const uploadPath = (uploadId: string): string => `/api/bidder/uploads/${encodeURIComponent(uploadId)}`

export function startUpload(lotId: string, size: number, signal?: AbortSignal): Promise<Timed<UploadView>> {
  return bidderFetch(`${lotPath(lotId)}/uploads`, { method: 'POST', json: { size, mode: 'chunked' }, signal })
}

export function uploadState(uploadId: string, signal?: AbortSignal): Promise<Timed<UploadView>> {
  return bidderFetch(uploadPath(uploadId), { signal })
}

export function putChunk(uploadId: string, index: number, data: Blob, signal?: AbortSignal): Promise<Timed<UploadView>> {
  return bidderFetch(`${uploadPath(uploadId)}/chunks/${index}`, { method: 'PUT', raw: data, signal })
}

export function listBids(lotId: string, signal?: AbortSignal): Promise<Timed<BidView[]>> {
  return bidderFetch(`${lotPath(lotId)}/bids`, { signal })
}

export function withdrawBid(lotId: string): Promise<Timed<BidView>> {
  return bidderFetch(`${lotPath(lotId)}/withdraw`, { method: 'POST' })
}

export const receiptJsonUrl = (bidId: string): string => `/api/bidder/bids/${encodeURIComponent(bidId)}/receipt.json`
export const receiptPdfUrl = (bidId: string): string => `/api/bidder/bids/${encodeURIComponent(bidId)}/receipt.pdf`

/** Any authenticated GET as a Blob (receipts, documents): the token is a header, so no plain link. */
export async function fetchBlob(path: string): Promise<Blob> {
  const headers: Record<string, string> = { 'Accept-Language': currentLocale() }
  const token = sessionToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetcher(path, { headers, credentials: 'same-origin' })
  } catch (cause) {
    throw new ApiError('network', { cause })
  }
  if (!response.ok) throw await errorFromResponse(response)
  return response.blob()
}

export function listNotifications(signal?: AbortSignal): Promise<NotificationView[]> {
  return apiRequest<NotificationView[]>('/api/me/notifications', { signal })
}

export function markNotificationRead(id: number): Promise<{ read: boolean }> {
  return apiRequest<{ read: boolean }>(`/api/me/notifications/${id}/read`, { method: 'POST' })
}

export function listDownloads(signal?: AbortSignal): Promise<DownloadView[]> {
  return apiRequest<DownloadView[]>('/api/me/downloads', { signal })
}

