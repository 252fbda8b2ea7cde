/**
 * The bidder's endpoints (docs/tendering.md "Submitting a bid", "Receipts") and the logged-in
 * organisation's own notifications and downloads (`/api/me`).
 *
 * Upload calls go through `bidderFetch`, which adds to `apiFetch` the server's `Date` header: the
 * workspace counts down to the deadline by the server's clock.
 */
import { sessionToken } from '@/auth/session'
import { apiBlob, apiFetch, apiRequest, readJson, type Fetcher } from './client'

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

/**
 * How to send a `direct` upload's package (the web app uploads in chunks; docs/tendering.md):
 * `PUT` the bytes to `url` with `headers`, or `POST` to `url` a multipart form of every one of
 * `fields` and then the package as the field `file`, last. Valid until `expires_at`.
 */
export interface DirectUploadView {
  method: 'PUT' | 'POST'
  url: string
  fields: Record<string, string>
  headers: Record<string, string>
  expires_at: string
}

export interface UploadView {
  id: string
  lot_id: string
  mode: string
  size: number
  chunk_size: number
  received: number
  next_chunk: number
  /** open | completing | completed | rejected */
  status: string
  direct_upload?: DirectUploadView | null
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

let fetcher: Fetcher = (input, init) => globalThis.fetch(input, init)

/** Tests replace the network. */
export function setBidderFetch(f: Fetcher): void {
  fetcher = f
}

function serverDateOf(response: Response): Date | null {
  const raw = response.headers.get('date')
  if (!raw) return null
  const d = new Date(raw)
  return Number.isNaN(d.getTime()) ? null : d
}

/** A request with the session token; JSON answer with the server's clock, `ApiError` on failure. */
export async function bidderFetch<T>(
  path: string,
  init: { method?: 'GET' | 'POST' | 'PUT'; json?: unknown; raw?: Blob | ArrayBuffer; signal?: AbortSignal } = {},
): Promise<Timed<T>> {
  const response = await apiFetch(path, {
    method: init.method,
    body: init.json,
    raw: init.raw,
    signal: init.signal,
    fetch: fetcher,
    token: sessionToken,
  })
  return { body: await readJson<T>(response, init.signal), serverDate: serverDateOf(response) }
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
/** The receipt's inclusion proof in the transparency log (C2SP tlog-proof@v1); 404 until a checkpoint covers the bid. */
export const receiptLogProofUrl = (bidId: string): string =>
  `/api/bidder/bids/${encodeURIComponent(bidId)}/receipt.tlog-proof`

/** Any authenticated GET as a Blob (receipts, documents): the token is a header, so no plain link. */
export function fetchBlob(path: string): Promise<Blob> {
  return apiBlob(path, { fetch: fetcher, token: sessionToken })
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

