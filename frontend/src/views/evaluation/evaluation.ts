/**
 * The evaluation room's pages, pure (no Vue, no network): the statement bytes a member signs
 * (`bidding/evaluation/statements.py` canonical JSON), score entry checked as the server keeps
 * scores (decimals to 0.01, between 0 and the item's maximum; 87号令 62 (二): a score outside the
 * item's range is an error), keyboard moves in the score grid, the checklist draft (a failed item
 * needs its reason: 条例 51 — a rejection states the clause and the committee's reason), which panels a
 * state shows (`states.COMMANDS`), and the report's signing loop (prepare → sign here → post, again
 * when another member signed in between).
 */
import { ApiError, type Translate } from '@/api/client'
import {
  EVALUATION_COMMANDS,
  EVALUATION_STATES,
  type ChecklistItem,
  type Criteria,
  type EvaluationCommand,
  type EvaluationState,
  type Judgement,
  type ReportSignatureRequest,
  type RoomView,
  type Score,
  type ScoringItem,
} from '@/api/evaluation'
import { base64Decode, base64Encode } from '@/crypto/encoding'
import type { Locale } from '@/i18n'

export const EXPERT_ROLE = 'expert'
export const SUPERVISOR_ROLE = 'supervisor'
/** Seconds between two reads of the room. */
export const POLL_SECONDS = 5

// ------------------------------------------------------------------------------ statements

/**
 * JSON with keys sorted at every level and no blanks, as Python's
 * `json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))` writes it (both leave
 * non-ASCII as it is and escape the same control characters).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** The bytes signed for a statement handed out by the server (UTF-8 of its canonical JSON). */
export function statementBytes(statement: object): Uint8Array {
  return new TextEncoder().encode(canonicalJson(statement))
}

// ------------------------------------------------------------------------------ scores

/** Scores are kept to 0.01 of a point: a decimal string with at most two decimals → hundredths. */
export function toHundredths(text: string | number): bigint | null {
  const s = String(text).trim()
  const m = /^(\d{1,6})(?:\.(\d{1,2}))?$/.exec(s) ?? /^()\.(\d{1,2})$/.exec(s)
  if (!m) return null
  const whole = BigInt(m[1] || '0')
  const frac = BigInt((m[2] ?? '').padEnd(2, '0') || '0')
  return whole * 100n + frac
}

/** Hundredths → "12.50". */
export function formatHundredths(value: bigint): string {
  const negative = value < 0n
  const v = negative ? -value : value
  const frac = (v % 100n).toString().padStart(2, '0')
  return `${negative ? '-' : ''}${v / 100n}.${frac}`
}

/** The maximum of an item ("30.00", "27.5") in hundredths; a maximum that cannot be read is 0. */
export function maximumOf(item: Pick<ScoringItem, 'maximum'>): bigint {
  const s = String(item.maximum).trim()
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s)
  if (!m) return 0n
  return BigInt(m[1] ?? '0') * 100n + BigInt((m[2] ?? '').padEnd(2, '0').slice(0, 2) || '0')
}

export type ScoreProblem = 'not_number' | 'negative' | 'too_precise' | 'above_max'

export type ScoreCheck =
  | { kind: 'empty' }
  | { kind: 'ok'; hundredths: bigint; text: string }
  | { kind: 'invalid'; problem: ScoreProblem }

/**
 * Checks one typed score against its item's maximum: blank is "not yet"; otherwise a number from 0
 * to the maximum with at most two decimals (87号令 62 (二): a score outside the item's range).
 * `text` is the value to send, with two decimals.
 */
export function checkScore(text: string, maximumHundredths: bigint): ScoreCheck {
  const s = text.trim()
  if (s === '') return { kind: 'empty' }
  if (/^-/.test(s)) return /^-\d*\.?\d+$/.test(s) ? { kind: 'invalid', problem: 'negative' } : { kind: 'invalid', problem: 'not_number' }
  if (/^\d*\.\d{3,}$/.test(s)) return { kind: 'invalid', problem: 'too_precise' }
  const h = toHundredths(s)
  if (h === null) return { kind: 'invalid', problem: 'not_number' }
  if (h > maximumHundredths) return { kind: 'invalid', problem: 'above_max' }
  return { kind: 'ok', hundredths: h, text: formatHundredths(h) }
}

/** Sum of the scores given (blank or invalid cells count as nothing), as "12.50". */
export function sumScores(texts: readonly string[], maxima: readonly bigint[]): string {
  let total = 0n
  texts.forEach((t, i) => {
    const c = checkScore(t, maxima[i] ?? 0n)
    if (c.kind === 'ok') total += c.hundredths
  })
  return formatHundredths(total)
}

/** Key of one cell of a bids × items grid. */
export function cellKey(bidId: string, item: string): string {
  return `${bidId}\u0000${item}`
}

/** The items each member scores (the others are computed once by the system, price included). */
export function expertItems(criteria: Pick<Criteria, 'scoring_items'>): ScoringItem[] {
  return (criteria.scoring_items ?? []).filter((i) => i.scorer !== 'system' && !i.is_price)
}

export function systemItems(criteria: Pick<Criteria, 'scoring_items'>): ScoringItem[] {
  return (criteria.scoring_items ?? []).filter((i) => i.scorer === 'system' || i.is_price)
}

export interface SheetDraft {
  /** Typed text per cell (`cellKey(bid, item.name_zh)`). */
  cells: Record<string, string>
}

/** The draft's scores to save (valid cells only) and the count of invalid and empty cells. */
export function sheetToSave(
  bids: readonly string[],
  items: readonly Pick<ScoringItem, 'name_zh' | 'maximum'>[],
  draft: SheetDraft,
): { scores: Score[]; invalid: number; empty: number } {
  const scores: Score[] = []
  let invalid = 0
  let empty = 0
  for (const bid of bids) {
    for (const item of items) {
      const check = checkScore(draft.cells[cellKey(bid, item.name_zh)] ?? '', maximumOf(item))
      if (check.kind === 'ok') scores.push({ bid_id: bid, item: item.name_zh, score: check.text })
      else if (check.kind === 'invalid') invalid++
      else empty++
    }
  }
  return { scores, invalid, empty }
}

/** A draft filled from the scores the server keeps. */
export function sheetFromScores(scores: readonly Score[]): SheetDraft {
  const cells: Record<string, string> = {}
  for (const s of scores) cells[cellKey(s.bid_id, s.item)] = String(s.score)
  return { cells }
}

// ------------------------------------------------------------------------------ the grid's keys

export interface Cell {
  row: number
  col: number
}

/**
 * Where a key moves the focus in a `rows` × `cols` grid (rows = bids, columns = items): Tab and Enter
 * to the next cell (row by row), Shift+Tab / Shift+Enter back; the arrows one cell in their direction
 * (staying put at an edge). `null`: the key is not the grid's (Tab past the last cell leaves the
 * grid, as the browser does), so the caller lets the browser handle it.
 */
export function moveInGrid(at: Cell, key: string, shift: boolean, rows: number, cols: number): Cell | null {
  if (rows <= 0 || cols <= 0) return null
  const index = at.row * cols + at.col
  const last = rows * cols - 1
  const toIndex = (i: number): Cell => ({ row: Math.floor(i / cols), col: i % cols })
  switch (key) {
    case 'Tab':
    case 'Enter': {
      const next = shift ? index - 1 : index + 1
      return next < 0 || next > last ? null : toIndex(next)
    }
    case 'ArrowRight':
      return { row: at.row, col: Math.min(at.col + 1, cols - 1) }
    case 'ArrowLeft':
      return { row: at.row, col: Math.max(at.col - 1, 0) }
    case 'ArrowDown':
      return { row: Math.min(at.row + 1, rows - 1), col: at.col }
    case 'ArrowUp':
      return { row: Math.max(at.row - 1, 0), col: at.col }
    default:
      return null
  }
}

// ------------------------------------------------------------------------------ checklist

export interface JudgementCell {
  /** null: not judged yet. */
  passed: boolean | null
  reason: string
}

export type ChecklistDraft = Record<string, JudgementCell>

/** A draft from the judgements the server keeps. */
export function checklistFromJudgements(judgements: readonly Judgement[]): ChecklistDraft {
  const draft: ChecklistDraft = {}
  for (const j of judgements) draft[cellKey(j.bid_id, j.item)] = { passed: j.passed, reason: j.reason ?? '' }
  return draft
}

export interface ChecklistState {
  /** What can be saved now: judged cells, a failed one only with its reason. */
  judgements: Judgement[]
  /** Cells not judged yet. */
  open: number
  /** Failed cells without a reason (条例 51: a rejection states the reason). */
  reasonsMissing: string[]
  complete: boolean
}

export function checklistState(bids: readonly string[], items: readonly ChecklistItem[], draft: ChecklistDraft): ChecklistState {
  const judgements: Judgement[] = []
  const reasonsMissing: string[] = []
  let open = 0
  for (const bid of bids) {
    for (const item of items) {
      const key = cellKey(bid, item.name_zh)
      const cell = draft[key]
      if (!cell || cell.passed === null) {
        open++
        continue
      }
      const reason = cell.reason.trim()
      if (!cell.passed && !reason) {
        reasonsMissing.push(key)
        continue
      }
      judgements.push({ bid_id: bid, item: item.name_zh, passed: cell.passed, reason: reason || null })
    }
  }
  return { judgements, open, reasonsMissing, complete: open === 0 && reasonsMissing.length === 0 }
}

// ------------------------------------------------------------------------------ what the room shows

export function isEvaluationState(value: unknown): value is EvaluationState {
  return typeof value === 'string' && (EVALUATION_STATES as readonly string[]).includes(value)
}

/** The caller's role in the room, as `states.EvaluationRole` names it. */
export function roomRole(room: Pick<RoomView, 'me'>): 'chair' | 'member' | 'declarant' | 'none' {
  if (room.me.status === 'sitting') return room.me.is_chair ? 'chair' : 'member'
  if (room.me.status === 'signed_in') return 'declarant'
  return 'none'
}

/** Whether `states.COMMANDS` lets the caller send `command` now (the server decides anyway). */
export function may(room: Pick<RoomView, 'me' | 'state'>, command: EvaluationCommand): boolean {
  const [roles, states] = EVALUATION_COMMANDS[command] as readonly [readonly string[], readonly string[]]
  const role = roomRole(room)
  const roleOk = roles.includes(role) || (role === 'chair' && roles.includes('member'))
  return roleOk && states.includes(room.state)
}

export interface Panels {
  declaration: boolean
  chairVote: boolean
  bids: boolean
  checklist: boolean
  sheet: boolean
  clarifications: boolean
  signals: boolean
  overview: boolean
  report: boolean
}

/** Which panels of the room to show the caller. */
export function panelsFor(room: Pick<RoomView, 'me' | 'state' | 'chair_id'>): Panels {
  const role = roomRole(room)
  const sitting = role === 'member' || role === 'chair'
  const s = room.state
  return {
    declaration: role === 'declarant' && may(room, 'declare'),
    chairVote: sitting && s === 'convening' && room.chair_id === null,
    bids: sitting && s !== 'final',
    checklist: sitting && s === 'preliminary',
    sheet: sitting && s === 'detailed',
    clarifications: sitting && (s === 'preliminary' || s === 'detailed' || s === 'reporting'),
    signals: sitting && s !== 'final',
    overview: role === 'chair' && s !== 'final',
    report: sitting && (s === 'reporting' || s === 'final'),
  }
}

/** Whether to keep polling the room (a final evaluation no longer moves). */
export function shouldPoll(state: string | null | undefined): boolean {
  return state !== 'final'
}

/** An item's or a thing's name in the page's language. */
export function nameIn(thing: { name_zh: string; name_en: string }, locale: Locale): string {
  return locale === 'zh-CN' ? thing.name_zh : thing.name_en || thing.name_zh
}

/** A scoring item's name in the page's language, found by `name_zh` (how scores name items); else `name` as it is. */
export function itemNameIn(items: readonly ScoringItem[], name: string, locale: Locale): string {
  const item = items.find((i) => i.name_zh === name)
  return item ? nameIn(item, locale) : name
}

/** The bidder's name of a bid, found by the bid's id; else the id. */
export function bidderNameOf(bids: readonly { bid_id: string; bidder_name: string }[], bidId: string): string {
  return bids.find((b) => b.bid_id === bidId)?.bidder_name ?? bidId
}

/** The bids in their order of opening (a sorted copy). */
export function inOrder<T extends { order_no: number }>(bids: readonly T[]): T[] {
  return [...bids].sort((a, b) => a.order_no - b.order_no)
}

/** A member's answer to the report (`SignatureOutcome`, or pending while none) in words; an unknown one as it is. */
export function outcomeText(t: Translate, outcome: string | null): string {
  const o = outcome ?? 'pending'
  return o === 'signed' || o === 'dissent' || o === 'deemed_agreement' || o === 'pending' ? t(`evaluation.report.outcomes.${o}`) : o
}

/** A clarification's status in words; an unknown one as it is. */
export function clarificationStatusText(t: Translate, status: string): string {
  return status === 'open' || status === 'answered' || status === 'expired' || status === 'withdrawn' ? t(`evaluation.clarifications.statuses.${status}`) : status
}

/** The text of the watermark laid over the viewer: the reader's name and the day. */
export function watermarkText(name: string, at: Date = new Date()): string {
  return `${name} ${at.toISOString().slice(0, 10)}`
}

/** A clarification's answer time in minutes: a whole number between 10 minutes and 3 days. */
export const DUE_MINUTES = { min: 10, max: 4320, default: 60 } as const
export function dueMinutesValid(value: unknown): boolean {
  const n = typeof value === 'number' ? value : Number(String(value).trim())
  return Number.isInteger(n) && n >= DUE_MINUTES.min && n <= DUE_MINUTES.max
}

// ------------------------------------------------------------------------------ refusals

/** One line of a refusal's details (e.g. the 409 blockers of the report's draft). */
export interface ProblemLine {
  code: string | null
  text: string
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The details of a refusal as lines in `locale` (each detail's message, else its reason and fields). */
export function problemLines(error: unknown, locale: Locale): ProblemLine[] {
  if (!(error instanceof ApiError)) return []
  return error.details.map((d) => {
    if (!isRecord(d)) return { code: null, text: String(d) }
    const code = typeof d.reason === 'string' ? d.reason : typeof d.code === 'string' ? d.code : null
    const localized = locale === 'zh-CN' ? d.message_zh : d.message_en
    const message = typeof localized === 'string' ? localized : typeof d.message === 'string' ? d.message : null
    if (message) return { code, text: message }
    const rest = Object.entries(d)
      .filter(([k]) => k !== 'reason' && k !== 'code')
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join('; ')
    return { code, text: rest || (code ?? '') }
  })
}

export function errorCode(error: unknown): string | null {
  return error instanceof ApiError ? error.code : null
}

// ------------------------------------------------------------------------------ signing the report

export interface ReportSigningSteps<T> {
  prepare(): Promise<ReportSignatureRequest>
  /** Signs the DER of the signed attributes with the member's record-signing key (`signToBeSigned`). */
  sign(toBeSigned: Uint8Array): Promise<Uint8Array>
  /** The key's algorithm as the server names it (`recordAlgorithmOf`); null when unknown. */
  algorithm: string | null
  post(signatureB64: string): Promise<T>
}

export class ReportSigningError extends Error {
  override readonly name = 'ReportSigningError'
  constructor(
    readonly problem: 'algorithm_mismatch' | 'report_changed' | 'bad_request',
    options?: { cause?: unknown },
  ) {
    super(`evaluation report: ${problem}`, options)
  }
}

/** The refusal that means "another member signed since you prepared: prepare again" (`report.ReportChanged`). */
export function isReportChanged(error: unknown): boolean {
  return errorCode(error) === 'report_changed'
}

/**
 * prepare → sign `to_be_signed` here → post the signature; when another member signed in between
 * (`report_changed`), prepares again, up to `rounds` times. Returns what the last post answered.
 */
export async function signReportLoop<T>(steps: ReportSigningSteps<T>, rounds = 6): Promise<T> {
  for (let round = 1; round <= rounds; round++) {
    const request = await steps.prepare()
    if (typeof request.to_be_signed !== 'string') throw new ReportSigningError('bad_request')
    if (steps.algorithm && typeof request.algorithm === 'string' && request.algorithm !== steps.algorithm) {
      throw new ReportSigningError('algorithm_mismatch')
    }
    const signature = await steps.sign(base64Decode(request.to_be_signed))
    try {
      return await steps.post(base64Encode(signature))
    } catch (error) {
      if (!isReportChanged(error)) throw error
    }
  }
  throw new ReportSigningError('report_changed')
}

// ------------------------------------------------------------------------------ money typed in yuan

/** An amount typed in yuan ("1,234.5", "100") → integer fen; null if it is not one (at most 2 decimals). */
export function yuanToFen(text: string): number | null {
  const s = text.trim().replace(/[,，\s]/g, '').replace(/^[¥￥]/, '')
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(s)
  if (!m) return null
  const fen = BigInt(m[1] ?? '0') * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0')
  return fen <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(fen) : null
}
