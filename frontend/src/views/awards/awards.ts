/**
 * The award pages, pure (no Vue, no network): which buttons a role sees in which state (a copy of
 * `bidding/awards/states.py` COMMANDS: the server decides), the winner's choice checked as
 * `rules.check_choice` does (条例 55), the clocks to show, the forms' limits.
 */
import {
  SKIP_REASONS,
  type AwardCandidate,
  type AwardRole,
  type AwardState,
  type AwardView,
  type ChoiceBody,
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
export function roleIn(view: { role?: AwardRole | null }, sessionRole: string | null | undefined): AwardRole | null {
  if (view.role) return view.role
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

/** What keeps a choice from being sent; the same refusals as `rules.check_choice`. */
export type ChoiceProblem =
  | { code: 'rank_out_of_range' }
  | { code: 'skip_reason_missing'; ranks: number[] }

/**
 * The problems of a choice before it is sent: a rank among the (at most 3) candidates, and, for a
 * state-controlled project (国有资金控股或主导, the default), a reason of 条例 55 for every better
 * rank passed over. Reasons given for ranks not skipped are dropped by `choiceBody`.
 */
export function choiceProblems(
  rank: number | null,
  reasons: Partial<Record<number, SkipReason | '' | null>>,
  candidates: readonly Pick<AwardCandidate, 'rank'>[],
  stateControlled: boolean,
): ChoiceProblem[] {
  const count = Math.min(candidates.length, 3)
  if (rank === null || !Number.isInteger(rank) || rank < 1 || rank > count) return [{ code: 'rank_out_of_range' }]
  if (!stateControlled) return []
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
  Partial<
    Pick<
      AwardView,
      'publicity_closes_at' | 'objection_answer_due_at' | 'choice_due_on' | 'contract_due_on' | 'report_due_on' | 'report_filed_at'
    >
  >

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
      instant('publicityCloses', view.publicity_closes_at)
      break
    case 'suspended':
      instant('publicityCloses', view.publicity_closes_at)
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
/** The shortest reason for 流标 or a termination: a few words, not a click. */
export const MIN_REASON = 4
/** The largest attachment (the server's limit is its own; this stops an obvious mistake early). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

export type TextProblem = 'empty' | 'too_short' | 'too_long'

/** The problem of a text to send, or null; `min` characters after trimming. */
export function textProblem(text: string, min = 1): TextProblem | null {
  const s = text.trim()
  if (!s) return 'empty'
  if (s.length < min) return 'too_short'
  if (s.length > MAX_TEXT) return 'too_long'
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

/** A candidate's rank label: the candidate itself for the choice form's select. */
export function candidateOf(candidates: readonly AwardCandidate[], rank: number | null | undefined): AwardCandidate | null {
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
