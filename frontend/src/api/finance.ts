/**
 * The finance officer's (财务) deposit endpoints (docs/deposits.md "Refunds", "Finance API"):
 * refunds by status, payment files (pain.001, CSV) made, downloaded and cancelled, the bank's
 * pain.002 uploaded, a refund paid to another account, a deposit kept (条例 35, 74) —
 * `bidding/deposits/controllers/refunds.py`; bank statements uploaded and listed with their entries,
 * the unmatched queue resolved with a reason, alerts, the daily balance check, a lot's deposits after
 * the opening — `bidding/deposits/controllers/finance.py`. The supervisor, the auditor and the
 * administrator read the lists.
 *
 * Files the officer uploads go through `sendFile` (an XMLHttpRequest, for its upload progress) with
 * the session's token and the platform's error format, like `apiRequest`.
 */
import { sessionToken } from '@/auth/session'
import { loadStoredLocale } from '@/i18n/locales'
import { ApiError, apiBlob, apiRequest, parseApiErrorPayload } from './client'

// --- refunds ---------------------------------------------------------------------------------------

/** `bidding.deposits.refund_rules.RefundStatus`. */
export const REFUND_STATUSES = ['due', 'exported', 'paid', 'closed'] as const
export type RefundStatus = (typeof REFUND_STATUSES)[number]
/** `bidding.deposits.refunds.RefundFilter`: a status, `open` (due or exported), `overdue` (open past its due date). */
export const REFUND_FILTERS = ['open', 'overdue', 'due', 'exported', 'paid', 'closed'] as const
export type RefundFilter = (typeof REFUND_FILTERS)[number]
/** `bidding.deposits.refund_rules.RefundTrigger`. */
export const REFUND_TRIGGERS = ['withdrawal', 'termination', 'contract_signed', 'award_notice'] as const
/** `bidding.deposits.refund_rules.ForfeitReason` (RULES a7): 条例 35 for the first, 条例 74 for the others. */
export const FORFEIT_REASONS = [
  'revoked_after_deadline',
  'winner_refused_contract',
  'winner_added_conditions',
  'no_performance_security',
] as const
export type ForfeitReason = (typeof FORFEIT_REASONS)[number]

export interface RefundView {
  id: string
  status: RefundStatus | string
  /** Open and past its due date: the red mark. */
  overdue: boolean
  /** Paid after its due date, or unpaid and past it. */
  late: boolean
  days_late: number
  trigger: string
  article: string
  triggered_on: string
  due_on: string
  working_days: boolean
  principal_fen: number
  interest_fen: number
  charge_fen: number
  amount_fen: number
  interest_to: string
  organization_id: string
  organization_name: string
  creditor_name: string
  creditor_account: string
  to_basic_account: boolean
  collection_account: string
  batch_id: string | null
  paid_on: string | null
  closed_at: string | null
  bank_status: string | null
  bank_reason: string | null
  rejections: number
  created_at: string
  /** Before the lot's bids are extracted (办法 21) a refund names no lot. */
  sealed: boolean
  lot_id: string | null
  lot_code: string | null
  project_code: string | null
}

export interface BatchView {
  id: string
  status: string
  debtor_account: string
  execution_date: string
  refunds: number
  total_fen: number
  pain001_sha256: string
  csv_sha256: string
  created_at: string
  created_by: string
  cancelled_at: string | null
  cancel_reason: string | null
  refund_ids: string[]
  /** Due refunds left out: no account to pay them to is known (set one: redirect). */
  skipped: string[]
}

export interface BatchInput {
  /** The collection account to pay from (default: the first configured). */
  account?: string
  /** YYYY-MM-DD, the day the bank is asked to pay (default today). */
  execution_date?: string
  /** The same key gives the same batch back (a retry after a lost answer). */
  idempotency_key?: string
}

export interface ReportView {
  report_id: number
  batch_id: string
  message_id: string | null
  sha256: string
  paid: string[]
  rejected: string[]
  pending: string[]
  conflicts: string[]
  unknown: string[]
  already_imported: boolean
}

export interface ForfeitInput {
  reason: ForfeitReason
  note: string
}

export interface ForfeitView {
  id: number
  lot_id: string
  organization_id: string
  reason: string
  article: string
  note: string
  amount_fen: number
  decided_at: string
  decided_by: string
}

export interface RedirectInput {
  creditor_account: string
  creditor_name: string
  reason: string
}

export interface RefundQuery {
  status?: RefundFilter | null
  lotId?: string | null
  limit?: number
}

const enc = encodeURIComponent

/** Refunds, most urgent first (due date): by status, `open`, `overdue`, or all (no status). */
export function listRefunds(query: RefundQuery = {}, signal?: AbortSignal): Promise<RefundView[]> {
  return apiRequest<RefundView[]>('/api/finance/refunds', {
    query: { status: query.status, lot_id: query.lotId, limit: query.limit },
    signal,
  })
}

/** Payment files made, newest first. */
export function listBatches(limit?: number, signal?: AbortSignal): Promise<BatchView[]> {
  return apiRequest<BatchView[]>('/api/finance/refund-batches', { query: { limit }, signal })
}

/** A payment file of the due refunds of a collection account (the finance officer's). */
export function createBatch(body: BatchInput): Promise<BatchView> {
  const sent: BatchInput = {}
  if (body.account) sent.account = body.account
  if (body.execution_date) sent.execution_date = body.execution_date
  if (body.idempotency_key) sent.idempotency_key = body.idempotency_key
  return apiRequest<BatchView>('/api/finance/refund-batches', { method: 'POST', body: sent })
}

export type BatchFileFormat = 'pain001' | 'csv'

export function batchFilePath(batchId: string, format: BatchFileFormat): string {
  return `/api/finance/refund-batches/${enc(batchId)}/file${format === 'csv' ? '?format=csv' : ''}`
}

/** The file's name as the server gives it (`<batch>.xml`, `<batch>.csv`). */
export function batchFileName(batchId: string, format: BatchFileFormat): string {
  return `${batchId}.${format === 'csv' ? 'csv' : 'xml'}`
}

/** A payment file as it was made (pain.001.001.09 XML or the CSV). */
export function downloadBatchFile(batchId: string, format: BatchFileFormat): Promise<Blob> {
  return apiBlob(batchFilePath(batchId, format))
}

/** Cancel a payment file the bank has not run: its refunds are due again. */
export function cancelBatch(batchId: string, reason: string): Promise<BatchView> {
  return apiRequest<BatchView>(`/api/finance/refund-batches/${enc(batchId)}/cancel`, {
    method: 'POST',
    body: { reason },
  })
}

/** Pay a due refund to another account, with the reason. */
export function redirectRefund(refundId: string, body: RedirectInput): Promise<RefundView> {
  return apiRequest<RefundView>(`/api/finance/refunds/${enc(refundId)}/redirect`, { method: 'POST', body })
}

/** Keep a bidder's deposit for a lot (条例 35, 74), with the facts. */
export function forfeitDeposit(lotId: string, organizationId: string, body: ForfeitInput): Promise<ForfeitView> {
  return apiRequest<ForfeitView>(`/api/finance/lots/${enc(lotId)}/forfeits/${enc(organizationId)}`, {
    method: 'POST',
    body,
  })
}

/** The bank's pain.002 report, sent raw as `application/xml` (once per file; again: `already_imported`). */
export function uploadPaymentReport(file: Blob, options: SendFileOptions = {}): Promise<ReportView> {
  return sendFile<ReportView>('/api/finance/payment-reports', file, { contentType: 'application/xml', ...options })
}

// --- the deposit book: statements, unmatched money, alerts, the balance check ----------------------
// (`bidding/deposits/controllers/finance.py`; read by the finance officer, the administrator, the
// auditor and the supervisor; written by the finance officer and the administrator.)

/** What one statement of an uploaded file did (`bidding.deposits.importer.StatementView`). */
export interface ImportedStatement {
  account: string
  kind: string
  statement_id: string
  sequence: number | null
  entries: number
  booked: number
  duplicates: number
  /** Lines not booked (PDNG, INFO): booked when the bank books them. */
  pending: number
  reversals: number
  unmatched: number
  /** Alert kinds raised (`sequence_gap`, `reversal`…). */
  alerts: string[]
  /** The same statement was imported whole before: nothing was done. */
  already_imported: boolean
}

/** What importing one file did (`bidding.deposits.importer.ImportView`). */
export interface ImportResult {
  sha256: string
  format: string
  statements: ImportedStatement[]
  booked: number
  duplicates: number
  pending: number
  unmatched: number
  alerts: number
}

/** An imported statement (`bidding.deposits.finance.StatementView`). */
export interface StatementRow {
  id: number
  account: string
  kind: string
  statement_id: string
  sequence: number | null
  currency: string
  opening_fen: number | null
  closing_fen: number | null
  created_at: string | null
  entries: number
  source_name: string | null
  source_sha256: string
  imported_at: string
  imported_by: string
}

/**
 * A booked bank entry (`bidding.deposits.finance.EntryView`). `sealed`: it concerns a lot whose bids
 * are not extracted yet, and the payer, the addressed account, the texts, lot and bidder are withheld.
 */
export interface EntryRow {
  id: number
  statement_row_id: number
  statement_id: string
  index: number
  amount_fen: number
  currency: string
  direction: 'CRDT' | 'DBIT' | string
  reversal: boolean
  booking_date: string | null
  value_date: string
  booked_at: string | null
  bank_ref: string | null
  /** `sub_account`, `unmatched`, `refunds_payable`… (null: a zero amount). */
  routed_to: string | null
  unmatched_reason: string | null
  queue_state: string | null
  resolution: string | null
  resolution_reason: string | null
  resolved_by: string | null
  resolved_at: string | null
  sealed: boolean
  end_to_end_id?: string | null
  counterparty_name?: string | null
  counterparty_account?: string | null
  addressed_account?: string | null
  remittance?: string | null
  lot_id?: string | null
  organization_id?: string | null
  return_refund_id?: string | null
}

/** `bidding.deposits.models.QueueState`. */
export const QUEUE_STATES = ['open', 'resolved', 'cleared'] as const
export type QueueState = (typeof QUEUE_STATES)[number]

/** `bidding.deposits.ledger.UnmatchedReason`. */
export const UNMATCHED_REASONS = [
  'no_suffix',
  'other_account',
  'malformed',
  'bad_check_digits',
  'unknown_sub_account',
  'unknown_debit',
  'refund_amount_differs',
  'reversal_without_original',
  'no_router',
] as const

/** `bidding.deposits.ledger.AlertKind`. */
export const ALERT_KINDS = [
  'sequence_gap',
  'reversal',
  'reversal_without_original',
  'original_after_reversal',
  'booking_key_conflict',
  'balance_mismatch',
  'refund_overdue',
  'refund_rejected',
  'refund_report_conflict',
] as const

export type ResolveInput =
  | { action: 'assign'; reason: string; lot_id: string; organization_id: string }
  | { action: 'return'; reason: string }

export interface AlertRow {
  id: number
  kind: string
  account: string
  statement_id: string | null
  entry_index: number | null
  details: Record<string, unknown>
  created_at: string
}

export interface AccountBalance {
  account: string
  ledger_fen: number
  /** The last end-of-day statement's closing balance (null: none imported yet). */
  bank_fen: number | null
  statement_id: string | null
  ok: boolean
  difference_fen: number
}

export interface BalanceReport {
  checked_at: string
  ok: boolean
  accounts: AccountBalance[]
  /** Structural problems counted (`unbalanced_postings`…), all zero when the book is sound. */
  integrity: Record<string, number>
}

export interface LotPayment {
  amount_fen: number
  value_date: string
  booked_at: string | null
  payer_name: string | null
  payer_account: string | null
}

export interface LotBidderDeposits {
  organization_id: string
  organization_name: string
  virtual_account: string | null
  received_fen: number
  payments: LotPayment[]
}

export interface LotDeposits {
  lot_id: string
  bids_extracted_at: string
  bidders: LotBidderDeposits[]
}

/** `format` of the upload as the server names it; unset: the server sniffs it. */
export type StatementFormat = 'camt053' | 'camt052' | 'csv'

/** The media type a statement file is sent as: XML for camt, text/csv for the CSV, else bytes to sniff. */
export function statementContentType(file: { name?: string; type?: string }, format?: StatementFormat | null): string {
  const name = (file.name ?? '').toLowerCase()
  if (format === 'csv' || name.endsWith('.csv')) return 'text/csv'
  if (format === 'camt053' || format === 'camt052' || name.endsWith('.xml')) return 'application/xml'
  return 'application/octet-stream'
}

/** Upload a bank statement file (camt.053, camt.052 or the bank's CSV), sent raw with its name. */
export function uploadStatement(
  file: File | Blob,
  options: SendFileOptions & { format?: StatementFormat | null } = {},
): Promise<ImportResult> {
  const name = file instanceof File ? file.name : undefined
  const { format, ...rest } = options
  return sendFile<ImportResult>('/api/finance/statements', file, {
    ...rest,
    contentType: statementContentType({ name, type: file.type }, format),
    query: { format: format ?? undefined, filename: name ? name.slice(0, 200) : undefined },
  })
}

/** Imported statements, newest first; `beforeId` pages back. */
export function listStatements(
  query: { beforeId?: number; limit?: number } = {},
  signal?: AbortSignal,
): Promise<StatementRow[]> {
  return apiRequest<StatementRow[]>('/api/finance/statements', {
    query: { before_id: query.beforeId, limit: query.limit },
    signal,
  })
}

/** The entries a statement booked, in booking order; `afterId` pages on. */
export function listStatementEntries(
  statementId: number,
  query: { afterId?: number; limit?: number } = {},
  signal?: AbortSignal,
): Promise<EntryRow[]> {
  return apiRequest<EntryRow[]>(`/api/finance/statements/${enc(String(statementId))}/entries`, {
    query: { after_id: query.afterId || undefined, limit: query.limit },
    signal,
  })
}

/** The unmatched queue (open by default), oldest first. */
export function listUnmatched(
  query: { state?: QueueState; afterId?: number; limit?: number } = {},
  signal?: AbortSignal,
): Promise<EntryRow[]> {
  return apiRequest<EntryRow[]>('/api/finance/unmatched', {
    query: { queue: query.state, after_id: query.afterId || undefined, limit: query.limit },
    signal,
  })
}

/** Assign unmatched money to a bidder's sub-account for a lot, or mark it for return; the reason is required. */
export function resolveEntry(entryId: number, body: ResolveInput): Promise<EntryRow> {
  return apiRequest<EntryRow>(`/api/finance/unmatched/${enc(String(entryId))}/resolve`, { method: 'POST', body })
}

/** Alerts, newest first. */
export function listAlerts(
  query: { kind?: string | null; beforeId?: number; limit?: number } = {},
  signal?: AbortSignal,
): Promise<AlertRow[]> {
  return apiRequest<AlertRow[]>('/api/finance/alerts', {
    query: { kind: query.kind, before_id: query.beforeId, limit: query.limit },
    signal,
  })
}

/** The daily balance check as of now: each collection account's ledger against the bank. */
export function getBalanceCheck(signal?: AbortSignal): Promise<BalanceReport> {
  return apiRequest<BalanceReport>('/api/finance/balance-check', { signal })
}

/** Who paid what for a lot (409 `deposits_sealed` until its bids are extracted, 办法 21). */
export function getLotDeposits(lotId: string, signal?: AbortSignal): Promise<LotDeposits> {
  return apiRequest<LotDeposits>(`/api/finance/lots/${enc(lotId)}/deposits`, { signal })
}

// --- uploads with progress ---------------------------------------------------------------------------

export interface UploadProgress {
  loaded: number
  total: number
}

export interface TransportRequest {
  url: string
  method: 'POST' | 'PUT'
  headers: Record<string, string>
  body: Blob | FormData
  onProgress?: (progress: UploadProgress) => void
  signal?: AbortSignal
}

export interface TransportAnswer {
  status: number
  text: string
  requestId: string | null
}

/** Sends one request and reports the upload's progress; rejects with `ApiError` (network, aborted). */
export type UploadTransport = (request: TransportRequest) => Promise<TransportAnswer>

export interface SendFileOptions {
  /** The body's media type; unset with `field`: multipart/form-data. */
  contentType?: string
  /** Send as multipart/form-data with the file under this field name. */
  field?: string
  /** The file's name in a multipart body. */
  filename?: string
  /** More query parameters. */
  query?: Record<string, string | undefined>
  onProgress?: (progress: UploadProgress) => void
  signal?: AbortSignal
}

/** XMLHttpRequest: the only browser API that reports an upload's progress. */
export const xhrTransport: UploadTransport = (request) =>
  new Promise<TransportAnswer>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(request.method, request.url)
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) request.onProgress?.({ loaded: event.loaded, total: event.total })
    }
    xhr.onload = () =>
      resolve({ status: xhr.status, text: xhr.responseText, requestId: xhr.getResponseHeader('x-request-id') })
    xhr.onerror = () => reject(new ApiError('network'))
    xhr.onabort = () => reject(new ApiError('aborted'))
    if (request.signal) {
      if (request.signal.aborted) {
        reject(new ApiError('aborted'))
        return
      }
      request.signal.addEventListener('abort', () => xhr.abort(), { once: true })
    }
    xhr.send(request.body)
  })

let transport: UploadTransport = xhrTransport

/** Tests replace the network of the uploads; `null` restores XMLHttpRequest. */
export function setUploadTransport(replacement: UploadTransport | null): void {
  transport = replacement ?? xhrTransport
}

/** What the uploads send besides the body: JSON answers, the UI's language, the session's token. */
export function uploadHeaders(token: string | null, locale: string, contentType?: string): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': locale }
  if (token) headers.Authorization = `Bearer ${token}`
  if (contentType) headers['Content-Type'] = contentType
  return headers
}

/** The answer's JSON, or the `ApiError` the platform's error body (or its absence) makes. */
export function readAnswer<T>(answer: TransportAnswer): T {
  const ok = answer.status >= 200 && answer.status < 300
  let body: unknown
  try {
    body = answer.text === '' && ok ? undefined : JSON.parse(answer.text)
  } catch (cause) {
    throw new ApiError(ok ? 'invalid_response' : 'http', {
      status: answer.status,
      requestId: answer.requestId,
      cause,
    })
  }
  if (!ok) {
    throw new ApiError('http', { status: answer.status, payload: parseApiErrorPayload(body), requestId: answer.requestId })
  }
  return body as T
}

/** Uploads `file` to `path` with the session's token, reporting progress; the answer's JSON. */
export async function sendFile<T>(path: string, file: Blob, options: SendFileOptions = {}): Promise<T> {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(options.query ?? {})) if (value) params.append(key, value)
  const qs = params.toString()
  let body: Blob | FormData = file
  let contentType = options.contentType
  if (options.field) {
    const form = new FormData()
    form.append(options.field, file, options.filename ?? (file instanceof File ? file.name : 'upload'))
    body = form
    contentType = undefined // the browser writes the multipart boundary
  }
  const headers = uploadHeaders(sessionToken(), loadStoredLocale(), contentType)
  const answer = await transport({
    url: qs ? `${path}?${qs}` : path,
    method: 'POST',
    headers,
    body,
    onProgress: options.onProgress,
    signal: options.signal,
  })
  return readAnswer<T>(answer)
}
