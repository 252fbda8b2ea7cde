/**
 * The finance page's logic without Vue: who sees which section and may do what (as the API's guards
 * decide), the section in the URL, the red marks, the forms checked as the server checks them.
 */
import type { LocationQuery } from 'vue-router'
import { ApiError } from '@/api/client'
import {
  FORFEIT_REASONS,
  REFUND_FILTERS,
  type AccountBalance,
  type ForfeitReason,
  type ImportResult,
  type RefundFilter,
  type RefundView,
  type ResolveInput,
} from '@/api/finance'
import { formatFen } from '@/utils/money'
import { shanghaiDayKey } from '@/utils/time'

/** The page's sections, in their order (`/finance?tab=…`). */
export const FINANCE_TABS = ['statements', 'unmatched', 'alerts', 'refunds', 'lots', 'balance'] as const
export type FinanceTab = (typeof FINANCE_TABS)[number]

/**
 * Roles the API lets read the page's lists (`refunds.READERS`, `finance.READERS`). The book is written
 * by the finance officer and the administrator (`finance.WRITERS`: statements, the unmatched queue);
 * refunds, payment files and forfeits are the finance officer's alone (`refunds.FINANCE`).
 */
export const REFUND_READERS: readonly string[] = ['finance', 'supervisor', 'auditor', 'admin']
export const BOOK_WRITERS: readonly string[] = ['finance', 'admin']
/** Roles that open the page at all: the header shows them its link. */
export const FINANCE_PAGE_ROLES: readonly string[] = REFUND_READERS

export interface Capabilities {
  /** Sections the role can read. */
  tabs: FinanceTab[]
  /** Make, download and cancel payment files, upload pain.002, redirect, forfeit. */
  refundActions: boolean
  /** Download a payment file (finance only on the server). */
  downloadFiles: boolean
  /** Upload a bank statement (the finance officer, the administrator). */
  importStatements: boolean
  /** Resolve an unmatched entry (the finance officer, the administrator). */
  resolveEntries: boolean
}

/** What `role` may see and do on the page, as the API's guards allow it. */
export function capabilitiesOf(role: string | null | undefined): Capabilities {
  const finance = role === 'finance'
  const reader = !!role && REFUND_READERS.includes(role)
  const writer = !!role && BOOK_WRITERS.includes(role)
  return {
    tabs: reader ? [...FINANCE_TABS] : [],
    refundActions: finance,
    downloadFiles: finance,
    importStatements: writer,
    resolveEntries: writer,
  }
}

/** The section named in the URL if the role has it, else its first. */
export function tabFromQuery(query: LocationQuery, allowed: readonly FinanceTab[]): FinanceTab | null {
  const raw = Array.isArray(query.tab) ? query.tab[0] : query.tab
  const wanted = FINANCE_TABS.find((tab) => tab === raw)
  if (wanted && allowed.includes(wanted)) return wanted
  return allowed[0] ?? null
}

/** The refund filter named in the URL (`?refunds=`), `open` by default; `all` lists every status. */
export function refundFilterFromQuery(query: LocationQuery): RefundFilter | 'all' {
  const raw = Array.isArray(query.refunds) ? query.refunds[0] : query.refunds
  if (raw === 'all') return 'all'
  return REFUND_FILTERS.find((f) => f === raw) ?? 'open'
}

export type Tone = 'danger' | 'warn' | 'ok' | 'neutral'

/** A refund's mark: red when open past its due date, amber when it was paid late, green when paid. */
export function refundTone(refund: Pick<RefundView, 'overdue' | 'late' | 'status'>): Tone {
  if (refund.overdue) return 'danger'
  if (refund.late) return 'warn'
  if (refund.status === 'paid' || refund.status === 'closed') return 'ok'
  return 'neutral'
}

export interface RefundTotals {
  count: number
  overdue: number
  amountFen: number
}

/** How many refunds, how many red, and what they come to (integer fen, no floating point). */
export function refundTotals(refunds: readonly Pick<RefundView, 'overdue' | 'amount_fen'>[]): RefundTotals {
  let amount = 0n
  let overdue = 0
  for (const r of refunds) {
    amount += BigInt(r.amount_fen)
    if (r.overdue) overdue++
  }
  return { count: refunds.length, overdue, amountFen: Number(amount) }
}

/** The lot a refund is for — or null while it is sealed (办法 21). */
export function refundLot(refund: Pick<RefundView, 'sealed' | 'project_code' | 'lot_code'>): string | null {
  if (refund.sealed || !refund.lot_code) return null
  return refund.project_code ? `${refund.project_code} / ${refund.lot_code}` : refund.lot_code
}

// --- forms ----------------------------------------------------------------------------------------

/** `bidding.core.fields.LINE_PATTERN`: one line, no control characters (C0, DEL, C1). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const MULTILINE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** A UUID as the server's path parameters take it. */
export function isUuid(text: string): boolean {
  return UUID.test(text.trim())
}
/** `refunds.AccountNumber`: 8–34 letters and digits, single spaces or hyphens between them. */
export const ACCOUNT_NUMBER = /^(?:[0-9A-Za-z][ -]?){7,33}[0-9A-Za-z]$/
/** `refunds.BatchInput.account`. */
const COLLECTION_ACCOUNT = /^[0-9A-Za-z]{1,40}$/
const DAY = /^\d{4}-\d{2}-\d{2}$/
export const MAX_REASON = 2000

/** The i18n key of what is wrong with a mandatory one-line reason, or null. */
export function reasonIssue(text: string): string | null {
  const reason = text.trim()
  if (!reason) return 'finance.check.reasonMissing'
  if (reason.length > MAX_REASON) return 'finance.check.reasonLong'
  if (CONTROL.test(reason)) return 'finance.check.reasonOneLine'
  return null
}

export type Built<T> = { ok: true; payload: T } | { ok: false; issues: string[] }

export interface BatchDraft {
  account: string
  executionDate: string
}

/** The payment file's body; the execution date may not be before `today` (Beijing). */
export function buildBatch(
  draft: BatchDraft,
  key: string,
  today: string,
): Built<{ account?: string; execution_date?: string; idempotency_key: string }> {
  const issues: string[] = []
  const account = draft.account.replace(/[\s-]/g, '')
  if (account && !COLLECTION_ACCOUNT.test(account)) issues.push('finance.check.collectionAccount')
  const day = draft.executionDate.trim()
  if (day && !DAY.test(day)) issues.push('finance.check.executionDate')
  else if (day && day < today) issues.push('finance.check.executionPast')
  if (issues.length) return { ok: false, issues }
  const payload: { account?: string; execution_date?: string; idempotency_key: string } = { idempotency_key: key }
  if (account) payload.account = account
  if (day) payload.execution_date = day
  return { ok: true, payload }
}

export interface ForfeitDraft {
  lotId: string
  organizationId: string
  reason: ForfeitReason | ''
  note: string
}

export function buildForfeit(
  draft: ForfeitDraft,
): Built<{ lotId: string; organizationId: string; body: { reason: ForfeitReason; note: string } }> {
  const issues: string[] = []
  const lotId = draft.lotId.trim()
  const organizationId = draft.organizationId.trim()
  if (!UUID.test(lotId)) issues.push('finance.check.lotId')
  if (!UUID.test(organizationId)) issues.push('finance.check.organizationId')
  const reason = FORFEIT_REASONS.find((r) => r === draft.reason)
  if (!reason) issues.push('finance.check.forfeitReason')
  const note = draft.note.trim()
  if (!note) issues.push('finance.check.noteMissing')
  else if (MULTILINE_CONTROL.test(note)) issues.push('finance.check.noteControl')
  if (issues.length || !reason) return { ok: false, issues }
  return { ok: true, payload: { lotId, organizationId, body: { reason, note } } }
}

export interface RedirectDraft {
  account: string
  name: string
  reason: string
}

export function buildRedirect(draft: RedirectDraft): Built<{ creditor_account: string; creditor_name: string; reason: string }> {
  const issues: string[] = []
  const account = draft.account.trim()
  const name = draft.name.trim()
  if (!ACCOUNT_NUMBER.test(account)) issues.push('finance.check.accountNumber')
  if (!name || name.length > 200 || CONTROL.test(name)) issues.push('finance.check.accountName')
  const reasonProblem = reasonIssue(draft.reason)
  if (reasonProblem) issues.push(reasonProblem)
  if (issues.length) return { ok: false, issues }
  return { ok: true, payload: { creditor_account: account, creditor_name: name, reason: draft.reason.trim() } }
}

export interface ResolveDraft {
  action: 'assign' | 'return' | ''
  lotId: string
  organizationId: string
  reason: string
}

/** An unmatched entry's resolution: to a bidder's sub-account for a lot, or back to the payer; always with a reason. */
export function buildResolve(draft: ResolveDraft): Built<ResolveInput> {
  const issues: string[] = []
  if (draft.action !== 'assign' && draft.action !== 'return') issues.push('finance.check.action')
  const lotId = draft.lotId.trim()
  const organizationId = draft.organizationId.trim()
  if (draft.action === 'assign') {
    if (!UUID.test(lotId)) issues.push('finance.check.lotId')
    if (!UUID.test(organizationId)) issues.push('finance.check.organizationId')
  }
  const reasonProblem = reasonIssue(draft.reason)
  if (reasonProblem) issues.push(reasonProblem)
  if (issues.length) return { ok: false, issues }
  const reason = draft.reason.trim()
  return draft.action === 'assign'
    ? { ok: true, payload: { action: 'assign', reason, lot_id: lotId, organization_id: organizationId } }
    : { ok: true, payload: { action: 'return', reason } }
}

// --- statements, alerts, the balance check -------------------------------------------------------

/** The counts of an upload's result, in the order shown. */
export const IMPORT_COUNTS = ['booked', 'duplicates', 'pending', 'unmatched', 'alerts'] as const

/** Whether an upload changed nothing: every statement in it had been imported whole before. */
export function importedBefore(result: Pick<ImportResult, 'statements'>): boolean {
  return result.statements.length > 0 && result.statements.every((s) => s.already_imported)
}

/** A statement kind's label key (`camt.053`, `camt.052`, `csv`), or null for one the page does not know. */
export function statementKindKey(kind: string): string | null {
  const known: Record<string, string> = { 'camt.053': 'camt053', 'camt.052': 'camt052', csv: 'csv' }
  const key = known[kind]
  return key ? `finance.statements.kind.${key}` : null
}

export interface Fact {
  /** i18n key of the label (`finance.alerts.fact.<name>`), or the raw name when the page has none. */
  label: string
  known: boolean
  value: string
}

const FACT_NAMES = [
  'missing',
  'ledger_fen',
  'bank_fen',
  'refund',
  'batch',
  'status',
  'reason',
  'creditor_account',
  'refund_status',
  'current_batch',
  'due_on',
  'days_late',
  'amount_fen',
  'trigger',
  'original',
  'reversal',
  'key',
  'first',
] as const

function factValue(name: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (name.endsWith('_fen') && (typeof value === 'number' || typeof value === 'string')) {
    try {
      return formatFen(value)
    } catch {
      return String(value)
    }
  }
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** An alert's facts as label/value rows: money in yuan, lists joined, unknown names kept as they are. */
export function alertFacts(details: Record<string, unknown>): Fact[] {
  return Object.entries(details).map(([name, value]) => {
    const known = (FACT_NAMES as readonly string[]).includes(name)
    return { label: known ? `finance.alerts.fact.${name}` : name, known, value: factValue(name, value) }
  })
}

/** An alert's colour: red for what loses or double-counts money, amber for what wants a look. */
export function alertTone(kind: string): Tone {
  switch (kind) {
    case 'balance_mismatch':
    case 'booking_key_conflict':
    case 'refund_overdue':
    case 'refund_report_conflict':
    case 'sequence_gap':
      return 'danger'
    default:
      return 'warn'
  }
}

/** A balance row's colour: green when the ledger equals the bank, red otherwise, grey before any statement. */
export function balanceTone(row: Pick<AccountBalance, 'ok' | 'bank_fen'>): Tone {
  if (row.bank_fen === null) return row.ok ? 'neutral' : 'danger'
  return row.ok ? 'ok' : 'danger'
}

/** Structural problems the book reports (non-zero counts only). */
export function integrityProblems(integrity: Record<string, number>): [string, number][] {
  return Object.entries(integrity).filter(([, count]) => count !== 0)
}

/** Today in Beijing, "YYYY-MM-DD" (the server's `china_day`). */
export function beijingToday(now: Date = new Date()): string {
  return shanghaiDayKey(now)
}

/**
 * An idempotency key for one payment file (`refunds.IdempotencyKey`: 8–64 of `A-Za-z0-9._:-`). The
 * page keeps it until the server answers, so a retry after a lost answer gets the same batch back.
 */
export function newIdempotencyKey(random: () => string = () => globalThis.crypto.randomUUID()): string {
  return `web-${random().replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 64)
}

/**
 * The key for the next payment file after an attempt: the same one when the answer was lost (a
 * network failure, an unreadable answer — the file may exist), a new one once the server answered.
 */
export function keyAfterAttempt(key: string, error: unknown, fresh: () => string = newIdempotencyKey): string {
  if (error instanceof ApiError && (error.kind === 'network' || error.kind === 'invalid_response')) return key
  return fresh()
}

/** Percent of an upload sent, 0–100 (0 before the size is known). */
export function percent(loaded: number, total: number): number {
  if (!(total > 0)) return 0
  return Math.min(100, Math.max(0, Math.round((loaded / total) * 100)))
}

/** The section's label key for the i18n. */
export const tabLabel = (tab: FinanceTab): `finance.tabs.${FinanceTab}` => `finance.tabs.${tab}`
