/**
 * Folds the opening room's event list into what the views show (docs/opening-room-protocol.md,
 * "Events"). Pure functions, no Vue: `foldRoom(events, welcome)` gives a `RoomModel`.
 */
import type { Locale } from '@/i18n/locales'
import { formatFenOr } from '@/utils/money'
import { PLATFORM_TIME_ZONE } from '@/utils/time'
import { FINAL_STATES, ROOM_STATES, type RoomEvent, type RoomLot, type RoomStateName, type WelcomeMessage } from './client'

export type DecryptionStatus = 'pending' | 'decrypted' | 'failed'
/** revoked: not decrypted through the bidder (视为撤销); withdrawn: platform fault (视为撤回). */
export type Outcome = 'revoked' | 'withdrawn' | string

export interface Decryption {
  status: DecryptionStatus
  attempts: number
  /** Attempts left after the last failure (of 5). */
  left: number | null
  /** Reason code of the last failed attempt (`wrong_key`, `invalid_form`, …). */
  reason: string | null
  outcome: Outcome | null
  /** A platform fault declared by the host. */
  fault: { reason: string; remedy: string } | null
}

/**
 * A bidder's deposit as the opening took it at extraction: bidding.deposits.matching.DepositStatus
 * (pinned by tests/unit/deposits/test_frontend_statuses.py); `exempt` for a lot without a deposit.
 */
export const DEPOSIT_STATUSES = ['paid', 'short', 'late', 'wrong_payer', 'guarantee', 'exempt', 'none', 'not_checked'] as const
export type DepositStatus = (typeof DEPOSIT_STATUSES)[number]

export interface BidderRow {
  order: number
  name: string
  creditCode: string
  /** One of DEPOSIT_STATUSES (a newer server may send another: shown as it is). */
  deposit: string
  signedIn: boolean
  decryption: Decryption
  /** Signed the opening record. */
  signedRecord: boolean
}

export interface FormField {
  key: string
  label_zh: string
  label_en: string
  type: string
}

export interface AnnouncedRow {
  order: number
  name: string
  creditCode: string
  status: string
  outcome: string | null
  priceFen: number | string | null
  form: Record<string, unknown>
}

export interface Announcement {
  at: string
  /** The declared fields, price first. */
  fields: FormField[]
  /** The fields other than the price, in declared order (the announcement table's extra columns). */
  otherFields: FormField[]
  rows: AnnouncedRow[]
}

export interface Answer {
  seq: number
  at: string
  by: string
  text: string
}

export interface Objection {
  /** Its event seq: the number `answer_objection` takes. */
  seq: number
  at: string
  by: string
  text: string
  answers: Answer[]
}

export interface Remark {
  seq: number
  at: string
  by: string
  text: string
}

export interface RecordInfo {
  sha256: string
  pdf: string
  json: string
  /** Orders of the bidders expected to sign. */
  signers: number[]
  signed: { order: number; name: string }[]
}

/** Notable happenings for the log: pauses, extensions, the host's decisions… */
export interface LogEntry {
  seq: number
  at: string
  name: string
  data: Record<string, unknown>
}

export interface RoomModel {
  lot: RoomLot | null
  state: RoomStateName
  deadline: string | null
  /** End of the decryption window while decrypting. */
  decryptEndsAt: string | null
  /** Seconds left in the window while paused. */
  pausedRemainingS: number | null
  decryptMinutes: number | null
  objectionsEndAt: string | null
  extractedCount: number | null
  /** Fewer than the minimum of bids: the host decides. */
  decision: { count: number; minimum: number } | null
  bidders: BidderRow[]
  /** The viewer's own sign-in before the deadline (private: from its welcome or its `sign_in` answer). */
  ownSignIn: { name: string; at: string } | null
  /** The viewer's own decrypted form (private event). */
  ownForm: { order: number; form: Record<string, unknown> } | null
  announcement: Announcement | null
  objections: Objection[]
  remarks: Remark[]
  record: RecordInfo | null
  log: LogEntry[]
  final: { state: 'closed' | 'failed' | 'adjourned'; reason: string | null; by: string | null; announcement: string | null } | null
}

const LOGGED = new Set([
  'session.opened',
  'bids.extracted',
  'decision.required',
  'host.continued',
  'bidders.published',
  'decryption.started',
  'decryption.paused',
  'decryption.resumed',
  'decryption.extended',
  'decryption.platform_fault',
  'decryption.closed',
  'announcement',
  'objections.opened',
  'record.ready',
  'session.closed',
  'session.failed',
  'session.adjourned',
])

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback
}
function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}
function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : []
}
function isState(value: unknown): value is RoomStateName {
  return typeof value === 'string' && (ROOM_STATES as readonly string[]).includes(value)
}

function newDecryption(): Decryption {
  return { status: 'pending', attempts: 0, left: null, reason: null, outcome: null, fault: null }
}

/** The record's JSON link next to its PDF link (or built from the lot). */
export function recordJsonUrl(pdf: string, lotId: string | null): string {
  if (pdf.endsWith('.pdf')) return `${pdf.slice(0, -4)}.json`
  return `/api/public/openings/${lotId ?? ''}/record.json`
}

export function emptyModel(welcome: WelcomeMessage | null = null): RoomModel {
  return {
    lot: welcome?.lot ?? null,
    state: welcome && isState(welcome.state) ? welcome.state : 'waiting',
    deadline: welcome?.deadline ?? null,
    decryptEndsAt: welcome?.decrypt_ends_at ?? null,
    pausedRemainingS: null,
    decryptMinutes: null,
    objectionsEndAt: null,
    extractedCount: null,
    decision: null,
    bidders: [],
    ownSignIn: null,
    ownForm: null,
    announcement: null,
    objections: [],
    remarks: [],
    record: null,
    log: [],
    final: null,
  }
}

/**
 * The view model after `events` (in seq order). `welcome` gives the lot and the state before any
 * event is known; the events, replayed from the start, then decide. `ownSignInAt` is a bidder's own
 * sign-in before the deadline, which no event carries (办法 21): its welcome's, or its `sign_in` answer's.
 */
export function foldRoom(
  events: readonly RoomEvent[],
  welcome: WelcomeMessage | null = null,
  ownSignInAt: string | null = welcome?.signed_in_at ?? null,
): RoomModel {
  const m = emptyModel(welcome)
  if (ownSignInAt) m.ownSignIn = { name: '', at: ownSignInAt }
  const bidder = (order: number, name = ''): BidderRow => {
    let row = m.bidders.find((b) => b.order === order)
    if (!row) {
      row = { order, name, creditCode: '', deposit: '', signedIn: false, decryption: newDecryption(), signedRecord: false }
      m.bidders.push(row)
      m.bidders.sort((a, b) => a.order - b.order)
    }
    if (name && !row.name) row.name = name
    return row
  }
  let stateFromEvents: RoomStateName | null = null
  const setState = (s: RoomStateName): void => {
    stateFromEvents = s
  }

  for (const e of events) {
    const d = e.data
    if (LOGGED.has(e.name)) m.log.push({ seq: e.seq, at: e.at, name: e.name, data: d })
    switch (e.name) {
      case 'session.opened':
        setState('waiting')
        if (typeof d.deadline === 'string') m.deadline = d.deadline
        break
      case 'bidder.signed_in': {
        const order = num(d.order)
        // (without an order: a private event of a session numbered by an older server)
        if (order === null) m.ownSignIn = { name: str(d.name), at: str(d.at, e.at) }
        else bidder(order, str(d.name)).signedIn = true
        break
      }
      case 'bids.extracted':
        setState('extracted')
        m.extractedCount = num(d.count)
        break
      case 'decision.required':
        setState('extracted')
        m.decision = { count: num(d.count) ?? 0, minimum: num(d.minimum) ?? 3 }
        break
      case 'host.continued':
        break
      case 'bidders.published':
        setState('bidders_published')
        m.decision = null
        for (const b of list(d.bidders)) {
          const order = num(b.order)
          if (order === null) continue
          const row = bidder(order, str(b.name))
          row.name = str(b.name, row.name)
          row.creditCode = str(b.credit_code)
          row.deposit = str(b.deposit)
          row.signedIn = row.signedIn || b.signed_in === true
        }
        break
      case 'decryption.started':
        setState('decrypting')
        m.decryptEndsAt = str(d.ends_at) || null
        m.decryptMinutes = num(d.minutes)
        m.pausedRemainingS = null
        break
      case 'decryption.paused':
        setState('paused')
        m.decryptEndsAt = null
        m.pausedRemainingS = num(d.remaining_s)
        break
      case 'decryption.resumed':
        setState('decrypting')
        m.decryptEndsAt = str(d.ends_at) || null
        m.pausedRemainingS = null
        break
      case 'decryption.extended': {
        const ends = str(d.ends_at)
        if (ends) m.decryptEndsAt = ends
        else if (m.pausedRemainingS !== null) m.pausedRemainingS += (num(d.minutes) ?? 0) * 60
        break
      }
      case 'decryption.succeeded': {
        const order = num(d.order)
        if (order === null) break
        const row = bidder(order, str(d.name))
        row.decryption.status = 'decrypted'
        row.decryption.attempts = num(d.attempts) ?? row.decryption.attempts
        row.decryption.reason = null
        break
      }
      case 'decryption.failed': {
        const order = num(d.order)
        if (order === null) break
        const row = bidder(order, str(d.name))
        row.decryption.attempts = num(d.attempts) ?? row.decryption.attempts
        row.decryption.left = num(d.left)
        row.decryption.reason = str(d.reason) || null
        // Failed attempts leave the bid pending until no attempt is left (or the window closes).
        if (row.decryption.left === 0) row.decryption.status = 'failed'
        break
      }
      case 'decryption.form': {
        const order = num(d.order)
        if (order !== null && typeof d.form === 'object' && d.form !== null) {
          m.ownForm = { order, form: d.form as Record<string, unknown> }
        }
        break
      }
      case 'decryption.platform_fault': {
        const order = num(d.order)
        if (order === null) break
        const row = bidder(order)
        row.decryption.status = 'failed'
        row.decryption.outcome = 'withdrawn'
        row.decryption.fault = { reason: str(d.reason), remedy: str(d.remedy) }
        break
      }
      case 'decryption.closed':
        m.decryptEndsAt = null
        m.pausedRemainingS = null
        for (const r of list(d.results)) {
          const order = num(r.order)
          if (order === null) continue
          const row = bidder(order, str(r.name))
          const status = str(r.status)
          if (status === 'pending' || status === 'decrypted' || status === 'failed') row.decryption.status = status
          row.decryption.outcome = typeof r.outcome === 'string' ? r.outcome : row.decryption.outcome
        }
        break
      case 'announcement': {
        setState('announced')
        const fields: FormField[] = list(d.fields).map((f) => ({
          key: str(f.key),
          label_zh: str(f.label_zh, str(f.key)),
          label_en: str(f.label_en, str(f.key)),
          type: str(f.type, 'text'),
        }))
        const rows: AnnouncedRow[] = list(d.bidders)
          .map((b) => ({
            order: num(b.order) ?? 0,
            name: str(b.name),
            creditCode: str(b.credit_code),
            status: str(b.status),
            outcome: typeof b.outcome === 'string' ? b.outcome : null,
            priceFen: typeof b.price_fen === 'number' || typeof b.price_fen === 'string' ? b.price_fen : null,
            form: typeof b.form === 'object' && b.form !== null ? (b.form as Record<string, unknown>) : {},
          }))
          .sort((a, b) => a.order - b.order)
        m.announcement = { at: e.at, fields, otherFields: fields.filter((f) => f.key !== 'price_fen'), rows }
        for (const r of rows) {
          const row = bidder(r.order, r.name)
          if (!row.creditCode) row.creditCode = r.creditCode
        }
        break
      }
      case 'objections.opened':
        setState('objections')
        m.objectionsEndAt = str(d.ends_at) || null
        break
      case 'objection.raised':
        m.objections.push({ seq: num(d.objection) ?? e.seq, at: e.at, by: str(d.by), text: str(d.text), answers: [] })
        break
      case 'objection.answered': {
        const target = m.objections.find((o) => o.seq === num(d.objection))
        const answer = { seq: e.seq, at: e.at, by: str(d.by), text: str(d.text) }
        if (target) target.answers.push(answer)
        break
      }
      case 'supervisor.remark':
        m.remarks.push({ seq: e.seq, at: e.at, by: str(d.by), text: str(d.text) })
        break
      case 'record.ready': {
        setState('signing')
        const pdf = str(d.pdf) || `/api/public/openings/${m.lot?.id ?? ''}/record.pdf`
        m.record = {
          sha256: str(d.record_sha256),
          pdf,
          json: recordJsonUrl(pdf, m.lot?.id ?? null),
          signers: Array.isArray(d.signers) ? d.signers.filter((x): x is number => typeof x === 'number') : [],
          signed: m.record?.signed ?? [],
        }
        break
      }
      case 'record.signed': {
        const order = num(d.order)
        if (order === null) break
        const entry = { order, name: str(d.name) }
        if (m.record) m.record.signed.push(entry)
        bidder(order, entry.name).signedRecord = true
        break
      }
      case 'session.closed':
        setState('closed')
        m.final = { state: 'closed', reason: null, by: null, announcement: str(d.announcement) || null }
        break
      case 'session.failed':
        setState('failed')
        m.final = { state: 'failed', reason: str(d.reason) || null, by: str(d.by) || null, announcement: null }
        break
      case 'session.adjourned':
        setState('adjourned')
        m.final = { state: 'adjourned', reason: str(d.reason) || null, by: null, announcement: null }
        break
    }
  }
  if (stateFromEvents !== null) m.state = stateFromEvents
  if (FINAL_STATES.includes(m.state)) {
    m.decryptEndsAt = null
    m.pausedRemainingS = null
  }
  return m
}

// ------------------------------------------------------------------ countdown

export type CountdownKind = 'deadline' | 'decryption' | 'paused' | 'objections'

export interface Countdown {
  kind: CountdownKind
  /** ms left (never negative); for `paused`, the frozen remainder of the window. */
  remainingMs: number
  /** The instant counted down to (null when paused). */
  target: string | null
}

/** What the room counts down to at `serverNow` (the server's clock), if anything. */
export function countdown(m: RoomModel, serverNow: number): Countdown | null {
  const until = (target: string | null, kind: CountdownKind): Countdown | null => {
    if (!target) return null
    const t = Date.parse(target)
    if (Number.isNaN(t)) return null
    return { kind, remainingMs: Math.max(0, t - serverNow), target }
  }
  switch (m.state) {
    case 'waiting':
      return until(m.deadline, 'deadline')
    case 'decrypting':
      return until(m.decryptEndsAt, 'decryption')
    case 'paused':
      return m.pausedRemainingS === null ? null : { kind: 'paused', remainingMs: m.pausedRemainingS * 1000, target: null }
    case 'objections':
      return until(m.objectionsEndAt, 'objections')
    default:
      return null
  }
}

/** "1:02:03" / "02:03" from ms (rounded up to the second, so 0 shows only when it is over). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const h = Math.floor(total / 3600)
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, '0')
  const ss = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

// ------------------------------------------------------------------ fields

/** A field's label in `locale`; for money fields without the unit "（分）"/"(fen)", as amounts are shown in yuan. */
export function fieldLabel(field: FormField, locale: Locale): string {
  const label = (locale === 'zh-CN' ? field.label_zh : field.label_en) || field.key
  return field.type === 'money' ? label.replace(/\s*[（(]\s*(分|fen)\s*[)）]\s*$/i, '') || label : label
}

const clockFormats = new Map<string, Intl.DateTimeFormat>()

/** "19:36:05" in Beijing time, for the server clock. */
export function formatClock(ms: number, locale: Locale): string {
  let f = clockFormats.get(locale)
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZone: PLATFORM_TIME_ZONE,
    })
    clockFormats.set(locale, f)
  }
  return f.format(new Date(ms))
}

/** A form value as shown: money (integer fen) as yuan, the rest as text. */
export function formatFieldValue(field: Pick<FormField, 'type'>, value: unknown, none = '—'): string {
  if (value === null || value === undefined || value === '') return none
  if (field.type === 'money') {
    return typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint'
      ? formatFenOr(value, String(value))
      : none
  }
  if (typeof value === 'boolean') return value ? '✓' : '✗'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** The commands the host may send in `state` (mirrors `opening_room/states.py`). */
export const HOST_COMMANDS: Record<string, readonly RoomStateName[]> = {
  continue: ['extracted'],
  stop: ['extracted'],
  start_decryption: ['bidders_published'],
  pause: ['decrypting'],
  resume: ['paused'],
  extend: ['decrypting', 'paused'],
  platform_fault: ['decrypting', 'paused'],
  close_decryption: ['decrypting', 'paused'],
  answer_objection: ['announced', 'objections'],
  close_objections: ['announced', 'objections'],
  close: ['signing'],
  adjourn: ROOM_STATES.filter((s) => !FINAL_STATES.includes(s)),
}

export function hostMay(command: string, state: RoomStateName): boolean {
  return HOST_COMMANDS[command]?.includes(state) ?? false
}
