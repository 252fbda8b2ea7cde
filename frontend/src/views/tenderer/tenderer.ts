/**
 * The tenderer's pages as plain data: the registration form and its rules (the API's bounds, so the
 * form refuses what the server would), the tables' filtering, sorting and paging (the API answers
 * whole lists; the pages page them), and the tags of each state.
 */
import {
  LIMITS,
  type ApprovalState,
  type Category,
  type Registration,
  type RegistrationPayload,
  type RegistrationStatus,
  type TendererProject,
} from '@/api/tenderer'
import { yuanToFen } from '@/views/agent/projectForm'

export const PAGE_SIZE = 10

/** Who the tenderer's pages are for (the server decides access; this only spares a refused request). */
export const TENDERER_ROLES: readonly string[] = ['tenderer']

export interface RegistrationForm {
  name: string
  approvalNumber: string
  fundingSource: string
  /** As typed, in 元: "38,000,000.00". */
  estimateYuan: string
  category: Category
  region: string
  note: string
}

export function emptyForm(): RegistrationForm {
  return { name: '', approvalNumber: '', fundingSource: '', estimateYuan: '', category: 'works', region: '', note: '' }
}

/** 123456789 fen → "1234567.89": the form's text for an existing registration. */
export function fenToYuanText(fen: number): string {
  const digits = String(fen).padStart(3, '0')
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`
}

export function formOf(r: Registration): RegistrationForm {
  return {
    name: r.name,
    approvalNumber: r.approval_number,
    fundingSource: r.funding_source,
    estimateYuan: fenToYuanText(r.estimate_fen),
    category: r.category,
    region: r.region ?? '',
    note: r.note ?? '',
  }
}

/** The request body; null when the estimate is not an amount of more than 0 fen. */
export function payloadOf(form: RegistrationForm): RegistrationPayload | null {
  const fen = yuanToFen(form.estimateYuan)
  if (fen === null || fen <= 0) return null
  return {
    name: form.name.trim(),
    approval_number: form.approvalNumber.trim(),
    funding_source: form.fundingSource.trim(),
    estimate_fen: fen,
    category: form.category,
    region: form.region.trim() || null,
    note: form.note.trim() || null,
  }
}

/** What is wrong with one field of the form (a message key under `tenderer.form.errors`), or null. */
export function fieldProblem(field: keyof RegistrationForm, form: RegistrationForm): string | null {
  const value = form[field].trim()
  switch (field) {
    case 'name':
      return !value ? 'required' : value.length > LIMITS.name ? 'tooLong' : null
    case 'approvalNumber':
      return !value ? 'required' : value.length > LIMITS.approvalNumber ? 'tooLong' : null
    case 'fundingSource':
      return !value ? 'required' : value.length > LIMITS.fundingSource ? 'tooLong' : null
    case 'estimateYuan': {
      if (!value) return 'required'
      const fen = yuanToFen(value)
      return fen === null || fen <= 0 ? 'amount' : null
    }
    case 'region':
      return value.length > LIMITS.region ? 'tooLong' : null
    case 'note':
      return value.length > LIMITS.note ? 'tooLong' : null
    default:
      return null
  }
}

/** A unified social credit code as the API takes it: 18 letters or digits. */
export function creditCodeProblem(code: string): string | null {
  const value = code.trim()
  if (!value) return 'required'
  return /^[0-9A-Za-z]{18}$/.test(value) ? null : 'creditCode'
}

/** The tenderer may edit a registration and change its agent until the agent takes it up. */
export function isOpen(r: Pick<Registration, 'status'>): boolean {
  return r.status !== 'taken_up'
}

type Tag = 'primary' | 'success' | 'warning' | 'info' | 'danger'

export function registrationTag(status: RegistrationStatus): Tag {
  return status === 'registered' ? 'info' : status === 'appointed' ? 'warning' : 'success'
}

export function approvalTag(state: ApprovalState): Tag {
  return ({ not_required: 'info', no_documents: 'info', pending: 'warning', approved: 'success', returned: 'danger' } as const)[state]
}

/** The earliest bid deadline of a project's lots (ISO), or null. */
export function nextDeadline(p: Pick<TendererProject, 'lots'>): string | null {
  const times = p.lots.map((l) => l.bid_deadline).filter((d): d is string => d !== null)
  return times.length ? times.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : null
}

export type SortOrder = 'ascending' | 'descending' | null

/** Rows sorted by `key` (numbers, else strings by the locale's collation: ISO times sort too), stable,
 * empty cells last; no order: as given. */
export function sortRows<T>(rows: readonly T[], key: keyof T | null, order: SortOrder, locale = 'zh-CN'): T[] {
  if (!key || !order) return [...rows]
  const sign = order === 'ascending' ? 1 : -1
  const collator = new Intl.Collator(locale)
  return [...rows]
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const x = a.row[key]
      const y = b.row[key]
      const xNone = x === null || x === undefined
      const yNone = y === null || y === undefined
      if (xNone || yNone) return xNone === yNone ? a.index - b.index : xNone ? 1 : -1 // empty cells last
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y))
      return c !== 0 ? c * sign : a.index - b.index
    })
    .map(({ row }) => row)
}

/** One page (1-based) of `rows`. */
export function pageOf<T>(rows: readonly T[], page: number, size = PAGE_SIZE): T[] {
  return rows.slice((page - 1) * size, page * size)
}

/** Registrations whose name, approval number or agent contain `q`, in one of `statuses` (all when empty). */
export function filterRegistrations(rows: readonly Registration[], q: string, statuses: readonly string[]): Registration[] {
  const needle = q.trim().toLowerCase()
  return rows.filter(
    (r) =>
      (statuses.length === 0 || statuses.includes(r.status)) &&
      (!needle || [r.name, r.approval_number, r.agent ?? ''].some((s) => s.toLowerCase().includes(needle))),
  )
}

/** Projects whose code or name contain `q`, in one of `phases` (all when empty). */
export function filterProjects(rows: readonly TendererProject[], q: string, phases: readonly string[]): TendererProject[] {
  const needle = q.trim().toLowerCase()
  return rows.filter(
    (p) =>
      (phases.length === 0 || phases.includes(p.phase)) &&
      (!needle || [p.code, p.name, p.agent].some((s) => s.toLowerCase().includes(needle))),
  )
}
