/**
 * The expert draw's pages, pure (no Vue): the request built and checked as
 * `bidding/experts/committee.py` and `draws.request_draw` check it, which buttons a draw's state
 * allows (`draw_states.COMMANDS`), when to poll, the server's refusals in the user's language.
 */
import { ApiError } from '@/api/client'
import {
  DRAW_COMMANDS,
  DRAW_FINAL,
  DRAW_STATUSES,
  EXCLUSION_REASONS,
  SEAT_STATUSES,
  type DrawCommand,
  type DrawProgress,
  type DrawRequest,
} from '@/api/draws'
import type { SpecialtyItem } from '@/api/experts'
import type { Locale } from '@/i18n'
import { shanghaiLocalToIso } from '@/views/agent/projectForm'
import type { Built, Issue } from '@/views/experts/experts'

export type { Built, Issue }
export { issuesOf } from '@/views/experts/experts'

/** `draws.REQUESTERS`: who asks for a committee and follows its counts. */
export const REQUESTER_ROLES: readonly string[] = ['agent', 'tenderer']
export const SUPERVISOR_ROLE = 'supervisor'

/** `committee.MAX_COMMITTEE_SIZE`, `MAX_BACKUPS_PER_SPECIALTY`, `MAX_SPECIALTIES`. */
export const MAX_COMMITTEE_SIZE = 49
export const MAX_BACKUPS_PER_SPECIALTY = 50
export const MAX_SPECIALTIES = 20
/** `committee.DEFAULT_MIN_SIZE_7_THRESHOLD_FEN` (¥10,000,000; `BIDDING_EXPERT_SEVEN_THRESHOLD_YUAN`). */
export const SEVEN_THRESHOLD_FEN = 1_000_000_000
/** `draws.DrawRequestInput`: lots, regions, place. */
export const MAX_LOTS = 20
export const MAX_REGIONS = 50
export const MAX_PLACE = 200
/** Seconds between two reads of a draw's counts while it is moving. */
export const POLL_SECONDS = 4

/** A lot the request may name, with its estimated price where the page knows it. */
export interface LotChoice {
  id: string
  code: string
  name: string
  estimated_price_fen: number | null
}

/** One specialty line of the request: seats and backups, as typed. */
export interface SpecialtyLine {
  code: string
  seats: string
  backups: string
}

export interface RequestDraft {
  lotIds: string[]
  /** `datetime-local` in Beijing time. */
  evaluationAt: string
  evaluationEnd: string
  place: string
  remote: boolean
  size: string
  representatives: string
  specialties: SpecialtyLine[]
  /** Region codes separated by spaces or commas. */
  regionsIncluded: string
  regionsExcluded: string
  governmentProcurement: boolean
  complexOrHighImpact: boolean
}

export function emptyRequest(): RequestDraft {
  return {
    lotIds: [],
    evaluationAt: '',
    evaluationEnd: '',
    place: '',
    remote: false,
    size: '5',
    representatives: '0',
    specialties: [],
    regionsIncluded: '',
    regionsExcluded: '',
    governmentProcurement: false,
    complexOrHighImpact: false,
  }
}

export interface RequestContext {
  projectId: string
  /** Estimated price of each lot in fen, where known (the budget of government procurement). */
  lotPrices: Record<string, number | null>
  tree: readonly SpecialtyItem[] | null
  thresholdFen?: number
}

const COUNT = /^[0-9]{1,2}$/
const REGION = /^[0-9]{2,6}$/
const SPECIALTY_KEY = /^[A-Z][0-9]{0,6}$/
const LINE_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/

function count(value: string): number | null {
  const text = value.trim()
  return COUNT.test(text) ? Number(text) : null
}

/** Region codes from the typed text (spaces, commas, 、 and ， separate them). */
export function splitRegions(text: string): string[] {
  return [...new Set(text.split(/[\s,，、;；]+/).filter(Boolean))]
}

/** The budget (sum of the chosen lots' estimated prices), or null when one is unknown. */
export function budgetOf(lotIds: readonly string[], prices: Record<string, number | null>): number | null {
  let total = 0
  for (const id of lotIds) {
    const p = prices[id]
    if (p === null || p === undefined) return null
    total += p
  }
  return total
}

/**
 * `committee.committee_problems` on the draft's numbers: each rule broken, in the server's order
 * (its codes), so the page refuses what the server would refuse before anything is sent.
 */
export function committeeProblems(input: {
  size: number
  representatives: number
  seats: Record<string, number>
  backups: Record<string, number>
  governmentProcurement: boolean
  complexOrHighImpact: boolean
  budgetFen: number | null
  thresholdFen?: number
}): string[] {
  const found: string[] = []
  const { size, representatives, seats, backups } = input
  const experts = size - representatives
  if (size % 2 === 0) found.push('committee_size_even')
  if (size < 5) found.push('committee_too_small')
  if (size > MAX_COMMITTEE_SIZE) found.push('committee_too_large')
  if (representatives < 0) found.push('representatives_negative')
  else if (3 * experts < 2 * size) found.push('experts_below_two_thirds')
  if (input.governmentProcurement && input.budgetFen !== null && input.budgetFen < 0) found.push('budget_negative')
  const needsSeven =
    input.governmentProcurement &&
    (input.complexOrHighImpact || (input.budgetFen !== null && input.budgetFen >= (input.thresholdFen ?? SEVEN_THRESHOLD_FEN)))
  if (needsSeven && size < 7) found.push('committee_below_seven')
  const codes = Object.keys(seats)
  if (codes.length === 0) found.push('no_specialty')
  if (codes.length > MAX_SPECIALTIES) found.push('too_many_specialties')
  if ([...codes, ...Object.keys(backups)].some((c) => !/^[A-Za-z0-9._:-]{1,64}$/.test(c))) found.push('specialty_code_invalid')
  const values = Object.values(seats)
  if (values.some((n) => n < 1)) found.push('seats_not_positive')
  else if (codes.length > 0 && values.reduce((a, b) => a + b, 0) !== experts) found.push('seats_mismatch')
  if (Object.values(backups).some((n) => n < 0)) found.push('backups_negative')
  if (Object.values(backups).some((n) => n > MAX_BACKUPS_PER_SPECIALTY)) found.push('backups_too_many')
  if (Object.keys(backups).some((c) => !(c in seats))) found.push('backups_unknown_specialty')
  return found
}

/** The request as `POST /api/expert-draws` takes it, or every problem found (keys `draws.check.*`). */
export function buildDrawRequest(draft: RequestDraft, ctx: RequestContext): Built<DrawRequest> {
  const issues: Issue[] = []
  const add = (field: string, key: string, params?: Record<string, string | number>): void => {
    issues.push(params ? { field, key, params } : { field, key })
  }
  if (draft.lotIds.length === 0) add('lots', 'draws.check.lots')
  if (draft.lotIds.length > MAX_LOTS) add('lots', 'draws.check.lotsMany', { max: MAX_LOTS })

  const at = draft.evaluationAt.trim() ? shanghaiLocalToIso(draft.evaluationAt) : null
  if (!draft.evaluationAt.trim()) add('evaluationAt', 'draws.check.required')
  else if (!at) add('evaluationAt', 'draws.check.time')
  let end: string | null = null
  if (draft.evaluationEnd.trim()) {
    end = shanghaiLocalToIso(draft.evaluationEnd)
    if (!end) add('evaluationEnd', 'draws.check.time')
    else if (at && new Date(end).getTime() < new Date(at).getTime()) add('evaluationEnd', 'draws.check.endBeforeStart')
  }

  const place = draft.place.trim()
  if (!draft.remote && !place) add('place', 'draws.check.place')
  if (place.length > MAX_PLACE) add('place', 'draws.check.tooLong', { max: MAX_PLACE })
  if (LINE_FORBIDDEN.test(place)) add('place', 'draws.check.oneLine')

  const size = count(draft.size)
  if (size === null) add('size', 'draws.check.count')
  const representatives = count(draft.representatives)
  if (representatives === null) add('representatives', 'draws.check.count')

  const seats: Record<string, number> = {}
  const backups: Record<string, number> = {}
  let linesOk = true
  for (const line of draft.specialties) {
    const node = ctx.tree?.find((n) => n.code === line.code)
    if (!SPECIALTY_KEY.test(line.code) || (ctx.tree && !node)) {
      add('specialties', 'draws.check.specialtyUnknown', { code: line.code })
      linesOk = false
      continue
    }
    if (line.code in seats) {
      add('specialties', 'draws.check.specialtyTwice', { code: line.code })
      linesOk = false
      continue
    }
    const s = count(line.seats)
    const b = line.backups.trim() === '' ? 0 : count(line.backups)
    if (s === null || b === null) {
      add('specialties', 'draws.check.specialtyCounts', { code: line.code })
      linesOk = false
      continue
    }
    seats[line.code] = s
    if (b > 0) backups[line.code] = b
  }

  const included = splitRegions(draft.regionsIncluded)
  const excluded = splitRegions(draft.regionsExcluded)
  for (const [field, list] of [
    ['regionsIncluded', included],
    ['regionsExcluded', excluded],
  ] as const) {
    const bad = list.filter((r) => !REGION.test(r))
    if (bad.length) add(field, 'draws.check.region', { codes: bad.join(' ') })
    if (list.length > MAX_REGIONS) add(field, 'draws.check.regionsMany', { max: MAX_REGIONS })
  }

  const budgetFen = budgetOf(draft.lotIds, ctx.lotPrices)
  if (size !== null && representatives !== null && linesOk) {
    for (const code of committeeProblems({
      size,
      representatives,
      seats,
      backups,
      governmentProcurement: draft.governmentProcurement,
      complexOrHighImpact: draft.complexOrHighImpact,
      budgetFen,
      thresholdFen: ctx.thresholdFen,
    })) {
      add(code === 'seats_mismatch' || code.includes('specialt') || code.startsWith('backups') || code.startsWith('seats') ? 'specialties' : 'committee', `draws.problem.${code}`)
    }
  }
  if (issues.length > 0 || at === null || size === null || representatives === null) return { ok: false, issues }
  return {
    ok: true,
    payload: {
      project_id: ctx.projectId,
      lot_ids: [...draft.lotIds],
      evaluation_at: at,
      evaluation_end: end,
      place: place || null,
      remote: draft.remote,
      size,
      representatives,
      seats,
      backups,
      government_procurement: draft.governmentProcurement,
      complex_or_high_impact: draft.complexOrHighImpact,
      regions_included: included,
      regions_excluded: excluded,
    },
  }
}

/** Add a specialty line (a leaf of the tree, once). */
export function addSpecialtyLine(lines: readonly SpecialtyLine[], code: string): SpecialtyLine[] {
  if (!code || lines.some((l) => l.code === code)) return [...lines]
  return [...lines, { code, seats: '1', backups: '1' }]
}

/** The experts to draw (size − representatives) and what the seats add up to, for the form's hint. */
export function seatTotals(draft: RequestDraft): { experts: number | null; seats: number } {
  const size = count(draft.size)
  const reps = count(draft.representatives)
  const seats = draft.specialties.reduce((sum, l) => sum + (count(l.seats) ?? 0), 0)
  return { experts: size !== null && reps !== null ? size - reps : null, seats }
}

// --- states and buttons ---------------------------------------------------------------------------

export function isDrawStatus(value: unknown): value is (typeof DRAW_STATUSES)[number] {
  return typeof value === 'string' && (DRAW_STATUSES as readonly string[]).includes(value)
}

/** Whether `command` is allowed in `status` (`draw_states.COMMANDS`). */
export function allowed(command: DrawCommand, status: string): boolean {
  return (DRAW_COMMANDS[command] as readonly string[]).includes(status)
}

/** The requester's buttons for a draw in `status`, in the order shown. */
export function requesterButtons(status: string): ('draw_now' | 'top_up' | 'cancel')[] {
  return (['draw_now', 'top_up', 'cancel'] as const).filter((c) => allowed(c, status))
}

/** Whether the draw is moving (invitations out, a draw about to happen): the page reads it again. */
export function shouldPoll(status: string): boolean {
  return status === 'committed' || status === 'inviting'
}

export function isFinished(status: string): boolean {
  return (DRAW_FINAL as readonly string[]).includes(status)
}

/** Whether the requester may ask for the names: once final (条例 46); otherwise the sealed notice. */
export function mayAskCommittee(status: string): boolean {
  return status === 'final'
}

export function statusTone(status: string): 'ok' | 'warn' | 'error' | 'neutral' {
  if (status === 'complete' || status === 'final') return 'ok'
  if (status === 'short' || status === 'failed') return 'error'
  if (status === 'inviting' || status === 'committed') return 'warn'
  return 'neutral'
}

/** The counts line: seated/needed, pending, declined, timed out (never a name). */
export function progressCounts(p: Pick<DrawProgress, 'seated' | 'experts' | 'pending' | 'declined' | 'timed_out'>): {
  seated: number
  needed: number
  pending: number
  declined: number
  timedOut: number
} {
  return { seated: p.seated, needed: p.experts, pending: p.pending, declined: p.declined, timedOut: p.timed_out }
}

export function isSeatStatus(value: unknown): boolean {
  return typeof value === 'string' && (SEAT_STATUSES as readonly string[]).includes(value)
}

export function isExclusionReason(value: unknown): boolean {
  return typeof value === 'string' && (EXCLUSION_REASONS as readonly string[]).includes(value)
}

// --- the server's refusals -------------------------------------------------------------------------

export interface Refusal {
  reason: string
  message: string
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

/** A 422's details (`committee_invalid`, `expert_draw_invalid`): each reason with its message in `locale`. */
export function requestRefusals(error: unknown, locale: Locale): Refusal[] {
  if (!(error instanceof ApiError)) return []
  const out: Refusal[] = []
  for (const raw of error.details) {
    const d = asRecord(raw)
    if (!d) continue
    const zh = typeof d.message_zh === 'string' ? d.message_zh : ''
    const en = typeof d.message_en === 'string' ? d.message_en : ''
    const message = (locale === 'zh-CN' ? zh || en : en || zh) || ''
    const reason = typeof d.reason === 'string' ? d.reason : typeof d.field === 'string' ? d.field : ''
    if (message || reason) out.push({ reason, message })
  }
  return out
}

// --- invitations -----------------------------------------------------------------------------------

/** What the answer page shows for an invitation in `status` at `now`. */
export function invitationState(
  inv: { status: string; answer_due_at: string | null },
  now: Date = new Date(),
): 'open' | 'accepted' | 'declined' | 'expired' | 'closed' {
  if (inv.status === 'accepted') return 'accepted'
  if (inv.status === 'declined') return 'declined'
  if (inv.status === 'timed_out') return 'expired'
  if (inv.status === 'invited') {
    if (inv.answer_due_at && new Date(inv.answer_due_at).getTime() <= now.getTime()) return 'expired'
    return 'open'
  }
  return 'closed'
}

/** The verify command line for a round's record. */
export const VERIFY_COMMAND = 'bidding experts verify DRAW.json'
export const VERIFY_SCRIPT = 'python3 docs/expert_draw_verify.py DRAW.json'
