/**
 * The award pages, pure (no Vue, no network): which buttons a role sees in which state (a copy of
 * `bidding/awards/states.py` COMMANDS: the server decides), the winner's choice checked as
 * `rules.check_choice` does (条例 55), the clocks to show, the forms' limits.
 */
import {
  AWARD_ROLES,
  FAILURE_REASONS,
  SKIP_REASONS,
  type AwardCandidate,
  type AwardEnded,
  type AwardRole,
  type AwardState,
  type AwardView,
  type ChoiceBody,
  type FailureBody,
  type FailureReason,
  type SkipReason,
} from '@/api/awards'

// ------------------------------------------------------------------------------ who may do what

const PROJECT: readonly AwardRole[] = ['tenderer', 'agent']
const BEFORE_CONTRACT: readonly AwardState[] = ['reported', 'publicity', 'suspended', 'awaiting_choice', 'awarded']
const PUBLISHED: readonly AwardState[] = [
  'publicity',
  'suspended',
  'awaiting_choice',
  'awarded',
  'contracted',
  'closed',
  'failed',
  'terminated',
]
const NOTIFIED: readonly AwardState[] = ['awarded', 'contracted', 'closed']

/** The commands the pages offer, with (roles, states) as in `states.COMMANDS`. */
export const COMMANDS = {
  publish_publicity: [['agent'], ['reported']],
  raise_objection: [['bidder'], ['publicity', 'suspended']],
  answer_objection: [PROJECT, ['suspended']],
  choose_winner: [['tenderer'], ['awaiting_choice']],
  send_notices: [PROJECT, ['awaiting_choice']],
  read_own_notice: [['bidder'], NOTIFIED],
  winner_withdraws: [PROJECT, ['awarded']],
  upload_contract: [PROJECT, ['awarded']],
  file_report: [PROJECT, ['awarded', 'contracted']],
  declare_failed: [PROJECT, BEFORE_CONTRACT],
  terminate: [['tenderer'], BEFORE_CONTRACT],
  file_complaint: [['bidder'], PUBLISHED],
} as const satisfies Record<string, readonly [readonly AwardRole[], readonly AwardState[]]>
export type AwardCommand = keyof typeof COMMANDS

/** Whether `role` may send `command` to an award in `state` (the button is shown; the server checks). */
export function may(command: AwardCommand, role: AwardRole | null | undefined, state: AwardState): boolean {
  if (!role) return false
  const [roles, states] = COMMANDS[command] as readonly [readonly AwardRole[], readonly AwardState[]]
  return roles.includes(role) && states.includes(state)
}

/**
 * The caller's role in an award: the view's own `role` when the server sends it, else from the
 * session's platform role (a tenderer or agent sees only its own projects' awards in the list).
 */
export function roleIn(view: { role?: AwardRole | string | null }, sessionRole: string | null | undefined): AwardRole | null {
  if (view.role && (AWARD_ROLES as readonly string[]).includes(view.role)) return view.role as AwardRole
  switch (sessionRole) {
    case 'tenderer':
    case 'agent':
    case 'bidder':
    case 'supervisor':
      return sessionRole
    case 'auditor':
      return 'supervisor'
    default:
      return null
  }
}

/** Who opens the project's award pages (`/awards`): the project's parties and the readers. */
export const PROJECT_PAGE_ROLES: readonly string[] = ['tenderer', 'agent', 'supervisor', 'auditor']

/** Who opens the bidder's award pages (`/workspace/awards`). */
export const BIDDER_ROLES: readonly string[] = ['bidder']

/** The states with no way out. */
export const FINAL_STATES: readonly AwardState[] = ['closed', 'failed', 'terminated']

/** A state's tone for its badge. */
export function stateTone(state: AwardState | string): 'info' | 'warn' | 'ok' | 'muted' | 'error' {
  switch (state) {
    case 'suspended':
      return 'warn'
    case 'awarded':
    case 'contracted':
    case 'closed':
      return 'ok'
    case 'failed':
    case 'terminated':
      return 'error'
    case 'reported':
      return 'muted'
    default:
      return 'info'
  }
}

// ------------------------------------------------------------------------------ the choice (条例 55)

/** The ranks passed over when `rank` is chosen: 1 … rank − 1. */
export function skippedRanks(rank: number): number[] {
  return Array.from({ length: Math.max(0, rank - 1) }, (_, i) => i + 1)
}

export function isSkipReason(value: unknown): value is SkipReason {
  return typeof value === 'string' && (SKIP_REASONS as readonly string[]).includes(value)
}

/** What keeps a choice from being sent; the same refusals as `rules.check_choice` and `choice.choose`. */
export type ChoiceProblem =
  | { code: 'rank_out_of_range' }
  | { code: 'candidate_withdrawn' }
  | { code: 'skip_reason_missing'; ranks: number[] }

/**
 * Whether every better rank passed over needs its reason (`choice.choose`): a state-controlled project
 * (国有资金控股或主导, the default), government procurement, or once a winner has withdrawn.
 */
export function choiceIsStrict(view: Pick<AwardView, 'state_controlled' | 'government_procurement' | 'choice'>): boolean {
  return view.state_controlled !== false || view.government_procurement === true || (view.choice?.withdrawn.length ?? 0) > 0
}

/** The ranks whose winner withdrew after its notice (条例 55), with the reason: they cannot be chosen again. */
export function withdrawnRanks(view: Pick<AwardView, 'choice'>): Record<number, SkipReason> {
  const out: Record<number, SkipReason> = {}
  for (const w of view.choice?.withdrawn ?? []) if (isSkipReason(w.reason)) out[w.rank] = w.reason
  return out
}

/**
 * The problems of a choice before it is sent: a rank among the (at most 3) candidates that has not
 * withdrawn, and, when the choice is strict, a reason of 条例 55 for every better rank passed over.
 * Reasons given for ranks not skipped are dropped by `choiceBody`.
 */
export function choiceProblems(
  rank: number | null,
  reasons: Partial<Record<number, SkipReason | '' | null>>,
  candidates: readonly Pick<AwardCandidate, 'rank'>[],
  strict: boolean,
  withdrawn: Partial<Record<number, SkipReason>> = {},
): ChoiceProblem[] {
  const count = Math.min(candidates.length, 3)
  if (rank === null || !Number.isInteger(rank) || rank < 1 || rank > count) return [{ code: 'rank_out_of_range' }]
  if (withdrawn[rank]) return [{ code: 'candidate_withdrawn' }]
  if (!strict) return []
  const missing = skippedRanks(rank).filter((r) => !isSkipReason(reasons[r]))
  return missing.length ? [{ code: 'skip_reason_missing', ranks: missing }] : []
}

/** The body of `POST /{id}/choice`: the rank and a reason for each skipped rank only (keys are ranks). */
export function choiceBody(rank: number, reasons: Partial<Record<number, SkipReason | '' | null>>, note = ''): ChoiceBody {
  const out: Record<string, SkipReason> = {}
  for (const r of skippedRanks(rank)) {
    const reason = reasons[r]
    if (isSkipReason(reason)) out[String(r)] = reason
  }
  const body: ChoiceBody = { rank, reasons: out }
  if (note.trim()) body.note = note.trim()
  return body
}

// ------------------------------------------------------------------------------ clocks

export type ClockKey = 'publicityCloses' | 'objectionAnswer' | 'choice' | 'contract' | 'report'

export interface Clock {
  key: ClockKey
  /** An ISO instant, or a "YYYY-MM-DD" day (the whole China day is allowed). */
  at: string
  kind: 'instant' | 'day'
  /** The moment it is late from (an instant, or 00:00 China time of the day after a day). */
  lateFrom: Date
}

/** The instant a day's period is late from: 00:00 China time (UTC+8) of the next day. */
export function dayEnds(day: string): Date {
  const start = new Date(`${day}T00:00:00+08:00`)
  return new Date(start.getTime() + 24 * 3600 * 1000)
}

/** What the clocks are read from: a row of the list or the full view. */
export type ClockFields = Pick<AwardView, 'state'> &
  Partial<Pick<AwardView, 'choice_due_on' | 'contract_due_on' | 'report_due_on' | 'report_filed_at'>> & {
    publicity?: { closes_at: string | null } | null
    /** The earliest unanswered objection's due time (from the objections' list). */
    objection_answer_due_at?: string | null
  }

/** The clocks still running for an award in its state (the ones that matter now, in order). */
export function clocksOf(view: ClockFields): Clock[] {
  const out: Clock[] = []
  const instant = (key: ClockKey, at: string | null | undefined): void => {
    if (at) out.push({ key, at, kind: 'instant', lateFrom: new Date(at) })
  }
  const day = (key: ClockKey, at: string | null | undefined): void => {
    if (at) out.push({ key, at, kind: 'day', lateFrom: dayEnds(at) })
  }
  switch (view.state) {
    case 'publicity':
      instant('publicityCloses', view.publicity?.closes_at)
      break
    case 'suspended':
      instant('publicityCloses', view.publicity?.closes_at)
      instant('objectionAnswer', view.objection_answer_due_at)
      break
    case 'awaiting_choice':
      day('choice', view.choice_due_on)
      break
    case 'awarded':
      day('contract', view.contract_due_on)
      if (!view.report_filed_at) day('report', view.report_due_on)
      break
    case 'contracted':
      if (!view.report_filed_at) day('report', view.report_due_on)
      break
  }
  return out
}

/** The first clock still to run out (or the first late one): the list's "next deadline". */
export function nextClock(view: ClockFields): Clock | null {
  return clocksOf(view).sort((a, b) => a.lateFrom.getTime() - b.lateFrom.getTime())[0] ?? null
}

/** Whether a clock has run out at `now`. */
export function isLate(clock: Pick<Clock, 'lateFrom'>, now: Date): boolean {
  return now.getTime() >= clock.lateFrom.getTime()
}

// ------------------------------------------------------------------------------ forms

/** The longest objection, complaint, answer, report or reason the pages send. */
export const MAX_TEXT = 5000
/** The shortest reason for a termination: a few words, not a click. */
export const MIN_REASON = 4
/** The longest note (the choice's, 流标's, a termination's reason: `Note` of the server, 2000). */
export const MAX_NOTE = 2000
/** The largest attachment (the server's limit is its own; this stops an obvious mistake early). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

export type TextProblem = 'empty' | 'too_short' | 'too_long'

/** The problem of a text to send, or null; `min` characters after trimming. */
export function textProblem(text: string, min = 1, max = MAX_TEXT): TextProblem | null {
  const s = text.trim()
  if (!s) return 'empty'
  if (s.length < min) return 'too_short'
  if (s.length > max) return 'too_long'
  return null
}

/** A "YYYY-MM-DD" day that exists and is not after `today` (a contract is not signed in the future). */
export function signedOnProblem(day: string, today: string): 'empty' | 'invalid' | 'future' | null {
  if (!day) return 'empty'
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return 'invalid'
  const d = new Date(`${day}T00:00:00Z`)
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== day) return 'invalid'
  return day > today ? 'future' : null
}

/** The earliest answer due time of the unanswered objections (the award's objection clock), or null. */
export function earliestAnswerDue(objections: readonly { answered_at: string | null; answer_due_at: string }[]): string | null {
  const due = objections.filter((o) => !o.answered_at).map((o) => o.answer_due_at)
  return due.sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null
}

/** The candidate of a rank (for the choice form's labels). */
export function candidateOf<T extends Pick<AwardCandidate, 'rank'>>(candidates: readonly T[], rank: number | null | undefined): T | null {
  return candidates.find((c) => c.rank === rank) ?? null
}

/** The candidates in rank order (at most 3, 条例 53). */
export function ranked<T extends Pick<AwardCandidate, 'rank'>>(candidates: readonly T[]): T[] {
  return [...candidates].sort((a, b) => a.rank - b.rank).slice(0, 3)
}

/** A score as shown: the committee's total (decimal string or number), or null. */
export function formatTotal(total: string | number | null | undefined): string | null {
  if (total === null || total === undefined || total === '') return null
  return typeof total === 'number' ? total.toFixed(2) : total
}

/** The i18n key of an ended award's reason (流标's closed list), or null for a termination's own words. */
export function endedReasonKey(ended: Pick<AwardEnded, 'reason'>): string | null {
  return (FAILURE_REASON_KEYS as readonly string[]).includes(ended.reason) ? `awards.failureReason.${ended.reason}` : null
}

/** Every `endings.FailureReason`, the platform's own `no_candidates` included (for showing one). */
export const FAILURE_REASON_KEYS = [...FAILURE_REASONS, 'no_candidates'] as const

/** The reasons for 流标 a person may give, and what `other` needs (`endings.ReasonNeedsArticle`). */
export interface FailureDraft {
  reason: FailureReason | ''
  article: string
  note: string
}

export type FailureProblem = 'reason_missing' | 'article_missing' | 'note_missing' | 'too_long'

/** The problem of a 流标 before it is sent: a reason; `other` needs its article and a note. */
export function failureProblem(draft: FailureDraft): FailureProblem | null {
  if (!draft.reason) return 'reason_missing'
  if (draft.note.trim().length > MAX_NOTE || draft.article.trim().length > 100) return 'too_long'
  if (draft.reason === 'other') {
    if (!draft.article.trim()) return 'article_missing'
    if (!draft.note.trim()) return 'note_missing'
  }
  return null
}

/** The body of `POST /{id}/failure`: empty article and note left out. */
export function failureBody(draft: FailureDraft & { reason: FailureReason }): FailureBody {
  const body: FailureBody = { reason: draft.reason }
  if (draft.article.trim()) body.article = draft.article.trim()
  if (draft.note.trim()) body.note = draft.note.trim()
  return body
}
