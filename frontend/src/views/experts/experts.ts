/**
 * The expert pool pages' logic without Vue (tests/experts.spec.ts): who sees what (as the API's
 * guards decide), the list's filters in the URL, the specialty tree as the pickers show it, and the
 * forms checked as the server checks them (`bidding/experts/pool_rules.py`, `pool.py`) before
 * anything is sent. Each problem is an i18n key (`experts.check.*`) with the field it belongs to.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { ApiError } from '@/api/client'
import {
  EXPERT_TITLES,
  isExpertStatus,
  type ConflictInput,
  type ExpertChanges,
  type ExpertQuery,
  type ExpertStatus,
  type ExpertTitle,
  type ExpertView,
  type NewExpert,
  type PeriodInput,
  type PeriodView,
  type SpecialtyItem,
  type SuspendInput,
} from '@/api/experts'
import { isValidCreditCode } from '@/crypto/subject'
import type { Locale } from '@/i18n/locales'
import { queryString } from '@/utils/route'
import { shanghaiDayKey } from '@/utils/time'

// --- who ------------------------------------------------------------------------------------------

/** `pool.READERS`: the centre's administrator and the supervisor (not the auditor: RULES b8). */
export const POOL_READERS: readonly string[] = ['admin', 'supervisor']
/** `pool.WRITERS`: the administrator alone. */
export const POOL_WRITERS: readonly string[] = ['admin']
/** The role of `/expert` (`ExpertSelfController`). */
export const EXPERT_ROLE = 'expert'

export interface PoolAccess {
  /** Sees the list and the records. */
  read: boolean
  /** Gets the buttons and forms. */
  write: boolean
}

export function poolAccess(role: string | null | undefined): PoolAccess {
  return { read: !!role && POOL_READERS.includes(role), write: !!role && POOL_WRITERS.includes(role) }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Whether `/experts/:id` names an expert the way the API's path takes it (a UUID); else the page says "no such expert". */
export function isExpertId(text: string): boolean {
  return UUID.test(text)
}

// --- the list's filters in the URL ----------------------------------------------------------------

export interface PoolFilters {
  q: string
  specialty: string
  status: ExpertStatus | ''
  region: string
}

export const EMPTY_FILTERS: PoolFilters = { q: '', specialty: '', status: '', region: '' }
/** How many experts one page of the list asks for (the API takes up to 500). */
export const PAGE_SIZE = 50
const SPECIALTY_CODE = /^[A-Za-z0-9]{1,8}$/
const REGION_PREFIX = /^[0-9]{2,6}$/

/** `/experts?q=&specialty=&status=&region=`; values the API would refuse are dropped. */
export function filtersFromQuery(query: LocationQuery): PoolFilters {
  const status = queryString(query, 'status')
  const specialty = queryString(query, 'specialty').trim().toUpperCase()
  const region = queryString(query, 'region').trim()
  return {
    q: cleanSearch(queryString(query, 'q')),
    specialty: SPECIALTY_CODE.test(specialty) ? specialty : '',
    status: isExpertStatus(status) ? status : '',
    region: REGION_PREFIX.test(region) ? region : '',
  }
}

export function filtersToQuery(filters: PoolFilters): LocationQueryRaw {
  const out: LocationQueryRaw = {}
  const q = cleanSearch(filters.q)
  if (q) out.q = q
  if (filters.specialty) out.specialty = filters.specialty
  if (filters.status) out.status = filters.status
  if (filters.region) out.region = filters.region
  return out
}

/** The API's query for `filters` and the page after registry number `after`. */
export function listQuery(filters: PoolFilters, after: string | null = null, limit = PAGE_SIZE): ExpertQuery {
  return {
    q: filters.q || null,
    specialty: filters.specialty || null,
    status: filters.status || null,
    region: filters.region || null,
    after,
    limit,
  }
}

export function hasFilters(filters: PoolFilters): boolean {
  return !!(filters.q || filters.specialty || filters.status || filters.region)
}

/** A search text as the API takes it (one line, 100 characters). */
export function cleanSearch(text: string): string {
  return text.replace(NAME_FORBIDDEN_G, ' ').trim().slice(0, 100)
}

/** The region filter as typed is a prefix of 2–6 digits (a province, a city, a county), or the key of why not. */
export function regionFilterIssue(text: string): string | null {
  const value = text.trim()
  if (!value || REGION_PREFIX.test(value)) return null
  return 'experts.check.regionFilter'
}

// --- the specialty tree ---------------------------------------------------------------------------

export interface SpecialtyGroup {
  code: string
  label: string
  /** The sub-specialties an expert can be registered under. */
  leaves: { code: string; label: string }[]
}

/** A node's name in `locale`. */
export function specialtyName(item: Pick<SpecialtyItem, 'name_zh' | 'name_en'>, locale: Locale): string {
  return locale === 'zh-CN' ? item.name_zh : item.name_en
}

/** "A0101 房屋建筑工程", or the bare code when the tree does not know it. */
export function specialtyLabel(code: string, tree: readonly SpecialtyItem[], locale: Locale): string {
  const node = tree.find((n) => n.code === code)
  return node ? `${code} ${specialtyName(node, locale)}` : code
}

/**
 * The leaves under their parents, for a picker's optgroups ("A01 建筑工程" → A0101, A0102 …), in
 * code order; the category is named in the group's label.
 */
export function leafGroups(tree: readonly SpecialtyItem[], locale: Locale): SpecialtyGroup[] {
  const byCode = new Map(tree.map((n) => [n.code, n]))
  const groups = new Map<string, SpecialtyGroup>()
  for (const node of [...tree].sort((a, b) => a.code.localeCompare(b.code))) {
    if (!node.leaf) continue
    const parentCode = node.parent ?? node.code
    let group = groups.get(parentCode)
    if (!group) {
      const parent = byCode.get(parentCode)
      const category = parent?.parent ? byCode.get(parent.parent) : undefined
      const name = parent ? specialtyName(parent, locale) : parentCode
      const prefix = category ? `${specialtyName(category, locale)} · ` : ''
      group = { code: parentCode, label: `${prefix}${parentCode} ${name}`, leaves: [] }
      groups.set(parentCode, group)
    }
    group.leaves.push({ code: node.code, label: `${node.code} ${specialtyName(node, locale)}` })
  }
  return [...groups.values()]
}

/** Every node for the list's filter, indented by level (a group takes its sub-specialties). */
export function filterOptions(tree: readonly SpecialtyItem[], locale: Locale): { code: string; label: string }[] {
  return [...tree]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((n) => ({ code: n.code, label: `${'\u3000'.repeat(Math.max(0, n.level - 1))}${n.code} ${specialtyName(n, locale)}` }))
}

/** `specialties.MAX_PER_EXPERT`. */
export const MAX_SPECIALTIES = 5

/** The chosen list with `code` added at the end (no repeats, at most five). */
export function addSpecialty(chosen: readonly string[], code: string): string[] {
  const c = code.trim().toUpperCase()
  if (!c || chosen.includes(c) || chosen.length >= MAX_SPECIALTIES) return [...chosen]
  return [...chosen, c]
}

/** The chosen list with `code` first: the primary specialty. */
export function makePrimary(chosen: readonly string[], code: string): string[] {
  return chosen.includes(code) ? [code, ...chosen.filter((c) => c !== code)] : [...chosen]
}

// --- the rules of the pool, as pool_rules.py writes them ------------------------------------------

/** 规定 11: at least eight years in the field (`pool_rules.MIN_YEARS`). */
export const MIN_YEARS = 8
/** `pool_rules.MAX_YEARS`: a typing slip rather than a rule of law. */
export const MAX_YEARS = 70
/** `pool_rules.PROVINCES`: province-level codes of GB/T 2260. */
export const PROVINCES: readonly string[] = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82',
]
/** `pool_rules.FIRST_DAY`, `LAST_DAY`. */
export const FIRST_DAY = '2000-01-01'
export const LAST_DAY = '2099-12-31'

const REGISTRY_NO = /^[A-Z0-9][A-Z0-9-]{0,31}$/
const MOBILE = /^1[3-9][0-9]{9}$/
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/
const ID_NUMBER = /^[0-9]{17}[0-9X]$/
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'
const DAY = /^\d{4}-\d{2}-\d{2}$/
/** `bidding.core.fields.NAME_PATTERN`: no C0/C1 control characters, no bidirectional controls. */
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/
const NAME_FORBIDDEN_G = new RegExp(NAME_FORBIDDEN.source, 'g')

/** One problem found in the page: the field it belongs to and the i18n key of the message. */
export interface Issue {
  field: string
  key: string
  params?: Record<string, string | number>
}

export type Built<T> = { ok: true; payload: T } | { ok: false; issues: Issue[] }

/** `pool_rules.check_text`: the key of what is wrong with one line of text, or null. */
export function textIssue(value: string, maxLength: number, required: boolean): string | null {
  const text = value.trim()
  if (!text) return required ? 'experts.check.required' : null
  if (text.length > maxLength) return 'experts.check.tooLong'
  if (NAME_FORBIDDEN.test(text)) return 'experts.check.oneLine'
  return null
}

/** `pool_rules.check_mobile`: 11 digits starting 13–19, with +86, spaces and dashes dropped; null if not one. */
export function normaliseMobile(value: string): string | null {
  const text = value.replace(/[\s-]/g, '').replace(/^\+86/, '').replace(/^0086/, '')
  return MOBILE.test(text) ? text : null
}

/** `pool_rules.check_email`: '' means none; null when it is not an address. */
export function normaliseEmail(value: string): string | null {
  const text = value.trim()
  if (!text) return ''
  if (text.length > 254 || !EMAIL.test(text)) return null
  const at = text.lastIndexOf('@')
  return `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}`
}

/** `pool_rules.check_region`: the key of what is wrong with a GB/T 2260 code, or null. */
export function regionIssue(value: string): string | null {
  const text = value.trim()
  if (!/^[0-9]{6}$/.test(text) || !PROVINCES.includes(text.slice(0, 2))) return 'experts.check.region'
  if (text.slice(2, 4) === '00' && text.slice(4) !== '00') return 'experts.check.regionCity'
  return null
}

/** `pool_rules.check_id_number` (GB 11643-1999, ISO 7064 MOD 11-2): the key of the problem, or null. */
export function idNumberIssue(value: string): string | null {
  const text = value.trim().toUpperCase()
  if (!ID_NUMBER.test(text)) return 'experts.check.idNumber'
  let total = 0
  for (let i = 0; i < 17; i++) total += Number(text[i]) * (ID_WEIGHTS[i] ?? 0)
  if (ID_CHECK[total % 11] !== text[17]) return 'experts.check.idNumberCheck'
  return null
}

/** `pool_rules.check_years`: whole years between 8 and 70. */
export function yearsIssue(value: string): string | null {
  const text = value.trim()
  if (!text) return 'experts.check.yearsMissing'
  if (!/^[0-9]{1,3}$/.test(text)) return 'experts.check.yearsNumber'
  const years = Number(text)
  if (years < MIN_YEARS) return 'experts.check.yearsFew'
  if (years > MAX_YEARS) return 'experts.check.yearsMany'
  return null
}

/** `specialties.check_specialties`: 1–5 distinct sub-specialties of the tree. */
export function specialtiesIssue(codes: readonly string[], tree: readonly SpecialtyItem[] | null): string | null {
  if (codes.length === 0) return 'experts.check.specialtiesMissing'
  if (codes.length > MAX_SPECIALTIES) return 'experts.check.specialtiesMany'
  if (new Set(codes).size !== codes.length) return 'experts.check.specialtiesTwice'
  if (tree) {
    for (const code of codes) {
      const node = tree.find((n) => n.code === code)
      if (!node) return 'experts.check.specialtyUnknown'
      if (!node.leaf) return 'experts.check.specialtyGroup'
    }
  }
  return null
}

export interface ExpertDraft {
  registryNo: string
  name: string
  idNumber: string
  mobile: string
  email: string
  employerCreditCode: string
  employerName: string
  title: ExpertTitle | ''
  titleName: string
  years: string
  regionCode: string
  specialties: string[]
}

export function emptyDraft(): ExpertDraft {
  return {
    registryNo: '',
    name: '',
    idNumber: '',
    mobile: '',
    email: '',
    employerCreditCode: '',
    employerName: '',
    title: '',
    titleName: '',
    years: '',
    regionCode: '',
    specialties: [],
  }
}

/** The edit form filled from a record (the identity card number is never sent back: typed again to change it). */
export function draftFromExpert(expert: ExpertView): ExpertDraft {
  return {
    registryNo: expert.registry_no,
    name: expert.name,
    idNumber: '',
    mobile: expert.mobile,
    email: expert.email ?? '',
    employerCreditCode: expert.employer_credit_code,
    employerName: expert.employer_name,
    title: (EXPERT_TITLES as readonly string[]).includes(expert.title) ? (expert.title as ExpertTitle) : '',
    titleName: expert.title_name ?? '',
    years: String(expert.years_experience),
    regionCode: expert.region_code,
    specialties: expert.specialties.map((s) => s.code),
  }
}

/**
 * An expert's particulars checked as `pool_rules.validate_expert` checks them, every problem at
 * once; `tree` (when loaded) checks the specialties are leaves. The payload is what the server takes,
 * normalised (upper-cased codes, the mobile's 11 digits).
 */
export function buildChanges(draft: ExpertDraft, tree: readonly SpecialtyItem[] | null): Built<ExpertChanges> {
  const issues: Issue[] = []
  const add = (field: string, key: string | null, params?: Record<string, string | number>): void => {
    if (key) issues.push(params ? { field, key, params } : { field, key })
  }
  add('name', textIssue(draft.name, 100, true))
  const mobile = normaliseMobile(draft.mobile)
  if (mobile === null) add('mobile', 'experts.check.mobile')
  const email = normaliseEmail(draft.email)
  if (email === null) add('email', 'experts.check.email')
  const credit = draft.employerCreditCode.trim().toUpperCase()
  if (!isValidCreditCode(credit)) add('employer_credit_code', 'experts.check.creditCode')
  add('employer_name', textIssue(draft.employerName, 200, true))
  const title = EXPERT_TITLES.find((x) => x === draft.title)
  if (!title) add('title', 'experts.check.title')
  add('title_name', textIssue(draft.titleName, 100, false))
  add('years_experience', yearsIssue(draft.years), { min: MIN_YEARS, max: MAX_YEARS })
  add('region_code', regionIssue(draft.regionCode))
  const specialties = draft.specialties.map((c) => c.trim().toUpperCase()).filter(Boolean)
  add('specialties', specialtiesIssue(specialties, tree), { max: MAX_SPECIALTIES })
  const idNumber = draft.idNumber.trim().toUpperCase()
  if (idNumber) add('id_number', idNumberIssue(idNumber))
  if (issues.length || !title || mobile === null || email === null) return { ok: false, issues }
  const payload: ExpertChanges = {
    name: draft.name.trim(),
    mobile,
    employer_credit_code: credit,
    employer_name: draft.employerName.trim(),
    title,
    years_experience: Number(draft.years.trim()),
    region_code: draft.regionCode.trim(),
    specialties,
    email: email || null,
    title_name: draft.titleName.trim() || null,
  }
  if (idNumber) payload.id_number = idNumber
  return { ok: true, payload }
}

/** A new expert: the particulars and the pool's number for them (专家编号). */
export function buildNewExpert(draft: ExpertDraft, tree: readonly SpecialtyItem[] | null): Built<NewExpert> {
  const number = draft.registryNo.trim().toUpperCase()
  const numberIssue: Issue[] = REGISTRY_NO.test(number) ? [] : [{ field: 'registry_no', key: 'experts.check.registryNo' }]
  const changes = buildChanges(draft, tree)
  if (!changes.ok || numberIssue.length) {
    return { ok: false, issues: [...numberIssue, ...(changes.ok ? [] : changes.issues)] }
  }
  return { ok: true, payload: { registry_no: number, ...changes.payload } }
}

/** Today in Beijing, "YYYY-MM-DD" (the server's `china_today`). */
export function beijingToday(now: Date = new Date()): string {
  return shanghaiDayKey(now)
}

/** Whether "YYYY-MM-DD" is a day of the calendar (not 2026-02-30). */
function realDay(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number)
  const date = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1))
  return date.toISOString().slice(0, 10) === text
}

/** `pool_rules.check_day`: a day between 2000-01-01 and 2099-12-31. */
export function dayIssue(value: string): string | null {
  const text = value.trim()
  if (!DAY.test(text)) return 'experts.check.day'
  if (text < FIRST_DAY || text > LAST_DAY) return 'experts.check.dayRange'
  if (!realDay(text)) return 'experts.check.day'
  return null
}

/** `pool.Reason`: a mandatory line of at most 500 characters. */
function reasonIssue(value: string, maxLength = 500): string | null {
  const key = textIssue(value, maxLength, true)
  return key === 'experts.check.required' ? 'experts.check.reasonMissing' : key
}

export interface SuspendDraft {
  reason: string
  until: string
}

/** A suspension: the reason and its last day, both mandatory, the day not before today (Beijing). */
export function buildSuspend(draft: SuspendDraft, today: string): Built<SuspendInput> {
  const issues: Issue[] = []
  const reason = reasonIssue(draft.reason)
  if (reason) issues.push({ field: 'reason', key: reason })
  const until = draft.until.trim()
  if (!until) issues.push({ field: 'until', key: 'experts.check.untilMissing' })
  else {
    const day = dayIssue(until)
    if (day) issues.push({ field: 'until', key: day })
    else if (until < today) issues.push({ field: 'until', key: 'experts.check.untilPast' })
  }
  if (issues.length) return { ok: false, issues }
  return { ok: true, payload: { reason: draft.reason.trim(), until } }
}

/** Retirement: the reason is mandatory. */
export function buildRetire(reason: string): Built<{ reason: string }> {
  const key = reasonIssue(reason)
  if (key) return { ok: false, issues: [{ field: 'reason', key }] }
  return { ok: true, payload: { reason: reason.trim() } }
}

export interface ConflictDraft {
  creditCode: string
  organisationName: string
  reason: string
  declaredOn: string
}

export function emptyConflict(): ConflictDraft {
  return { creditCode: '', organisationName: '', reason: '', declaredOn: '' }
}

/** A declared conflict (规定 12, 198号 §16): a valid credit code and a reason; the day not after today. */
export function buildConflict(draft: ConflictDraft, today: string): Built<ConflictInput> {
  const issues: Issue[] = []
  const code = draft.creditCode.trim().toUpperCase()
  if (!isValidCreditCode(code)) issues.push({ field: 'credit_code', key: 'experts.check.creditCode' })
  const name = textIssue(draft.organisationName, 200, false)
  if (name) issues.push({ field: 'organisation_name', key: name })
  const reason = reasonIssue(draft.reason)
  if (reason) issues.push({ field: 'reason', key: reason })
  const declared = draft.declaredOn.trim()
  if (declared) {
    const day = dayIssue(declared)
    if (day) issues.push({ field: 'declared_on', key: day })
    else if (declared > today) issues.push({ field: 'declared_on', key: 'experts.check.declaredFuture' })
  }
  if (issues.length) return { ok: false, issues }
  const payload: ConflictInput = { credit_code: code, reason: draft.reason.trim() }
  if (draft.organisationName.trim()) payload.organisation_name = draft.organisationName.trim()
  if (declared) payload.declared_on = declared
  return { ok: true, payload }
}

export interface PeriodDraft {
  startsOn: string
  endsOn: string
  reason: string
}

/** `pool.MAX_PERIODS`. */
export const MAX_PERIODS = 100

export function periodDrafts(periods: readonly PeriodView[]): PeriodDraft[] {
  return periods.map((p) => ({ startsOn: p.starts_on, endsOn: p.ends_on, reason: p.reason ?? '' }))
}

/**
 * The unavailable periods (whole days, both ends included) as the server takes them: each day
 * within 2000–2099, the end not before the start, a reason of at most 200 characters; blank rows are
 * left out. Issues name the row: `periods[2].ends_on`.
 */
export function buildPeriods(drafts: readonly PeriodDraft[]): Built<PeriodInput[]> {
  const issues: Issue[] = []
  const out: PeriodInput[] = []
  drafts.forEach((draft, i) => {
    const start = draft.startsOn.trim()
    const end = draft.endsOn.trim()
    if (!start && !end && !draft.reason.trim()) return
    const row = { row: i + 1 }
    const startIssue = start ? dayIssue(start) : 'experts.check.dayMissing'
    const endIssue = end ? dayIssue(end) : 'experts.check.dayMissing'
    if (startIssue) issues.push({ field: `periods[${i}].starts_on`, key: startIssue, params: row })
    if (endIssue) issues.push({ field: `periods[${i}].ends_on`, key: endIssue, params: row })
    if (!startIssue && !endIssue && end < start) issues.push({ field: `periods[${i}].ends_on`, key: 'experts.check.periodOrder', params: row })
    const reason = textIssue(draft.reason, 200, false)
    if (reason) issues.push({ field: `periods[${i}].reason`, key: reason, params: row })
    const period: PeriodInput = { starts_on: start, ends_on: end }
    if (draft.reason.trim()) period.reason = draft.reason.trim()
    out.push(period)
  })
  if (out.length > MAX_PERIODS) issues.push({ field: 'periods', key: 'experts.check.periodsMany', params: { max: MAX_PERIODS } })
  if (issues.length) return { ok: false, issues }
  return { ok: true, payload: out.sort((a, b) => (a.starts_on + a.ends_on).localeCompare(b.starts_on + b.ends_on)) }
}

/** The issues of one field (for the message under its input). */
export function issuesOf(issues: readonly Issue[], field: string): Issue[] {
  return issues.filter((i) => i.field === field)
}

// --- the server's refusals, in the user's language ------------------------------------------------

export interface FieldRefusal {
  field: string
  message: string
}

export interface RowRefusal {
  /** The spreadsheet's row (1 is the header, 0 the file as a whole). */
  row: number
  field: string
  registryNo: string | null
  message: string
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

function message(detail: Record<string, unknown>, locale: Locale): string {
  const zh = typeof detail.message_zh === 'string' ? detail.message_zh : ''
  const en = typeof detail.message_en === 'string' ? detail.message_en : ''
  return (locale === 'zh-CN' ? zh || en : en || zh) || ''
}

/** `expert_invalid`'s details: each refused field with its reason in `locale`. */
export function fieldRefusals(error: unknown, locale: Locale): FieldRefusal[] {
  if (!(error instanceof ApiError)) return []
  const out: FieldRefusal[] = []
  for (const raw of error.details) {
    const d = record(raw)
    if (!d || typeof d.field !== 'string' || 'row' in d) continue
    out.push({ field: d.field, message: message(d, locale) })
  }
  return out
}

/** `pool_import_refused`'s details: each refused row with its field and reason in `locale`. */
export function rowRefusals(error: unknown, locale: Locale): RowRefusal[] {
  if (!(error instanceof ApiError) || error.code !== 'pool_import_refused') return []
  const out: RowRefusal[] = []
  for (const raw of error.details) {
    const d = record(raw)
    if (!d || typeof d.row !== 'number') continue
    out.push({
      row: d.row,
      field: typeof d.field === 'string' ? d.field : '',
      registryNo: typeof d.registry_no === 'string' ? d.registry_no : null,
      message: message(d, locale),
    })
  }
  return out
}

/** The i18n key of a field's label (`experts.field.<name>`), for fields the page knows; else null. */
export const FIELD_NAMES = [
  'registry_no',
  'name',
  'id_number',
  'mobile',
  'email',
  'employer_credit_code',
  'employer_name',
  'title',
  'title_name',
  'years_experience',
  'region_code',
  'specialties',
  'reason',
  'until',
  'credit_code',
  'organisation_name',
  'declared_on',
  'starts_on',
  'ends_on',
  'file',
] as const

export function fieldLabelKey(field: string): string | null {
  const last = field.replace(/^.*\./, '')
  return (FIELD_NAMES as readonly string[]).includes(last) ? `experts.field.${last}` : null
}

// --- files ------------------------------------------------------------------------------------------

/** A file name as the import's `filename` query takes it (one line, no bidirectional controls, 200 characters). */
export function cleanFileName(name: string): string {
  return name.replace(NAME_FORBIDDEN_G, '').trim().slice(0, 200)
}

/** Whether a file may be an import: .csv or .xlsx, not empty, at most 5 MiB; else the key of why not. */
export function importFileIssue(file: { name: string; size: number } | null, maxBytes: number): string | null {
  if (!file) return 'experts.check.file'
  const lower = file.name.toLowerCase()
  if (!lower.endsWith('.csv') && !lower.endsWith('.xlsx')) return 'experts.check.fileType'
  if (file.size === 0) return 'experts.check.fileEmpty'
  if (file.size > maxBytes) return 'experts.check.fileLarge'
  return null
}

/** A status's tone for its badge. */
export function statusTone(status: string): 'ok' | 'warn' | 'neutral' {
  if (status === 'active') return 'ok'
  if (status === 'suspended') return 'warn'
  return 'neutral'
}

// --- the import file's columns (`pool_import.COLUMNS`) ---------------------------------------------

export interface ImportColumn {
  field: string
  /** The name the docs and the template use (the first of the server's names). */
  zh: string
  /** The English name the server also takes (its last). */
  en: string
  required: boolean
}

/** The columns an import file may have, in the server's order; names in Chinese or English. */
export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  { field: 'registry_no', zh: '专家编号', en: 'registry_no', required: true },
  { field: 'name', zh: '姓名', en: 'name', required: true },
  { field: 'id_number', zh: '身份证号码', en: 'id_number', required: false },
  { field: 'mobile', zh: '手机号码', en: 'mobile', required: true },
  { field: 'email', zh: '电子邮箱', en: 'email', required: false },
  { field: 'employer_credit_code', zh: '工作单位统一社会信用代码', en: 'employer_credit_code', required: true },
  { field: 'employer_name', zh: '工作单位', en: 'employer_name', required: true },
  { field: 'title', zh: '职称级别', en: 'title', required: true },
  { field: 'title_name', zh: '职称名称', en: 'title_name', required: false },
  { field: 'years_experience', zh: '从业年限', en: 'years_experience', required: true },
  { field: 'region_code', zh: '地区代码', en: 'region_code', required: true },
  { field: 'specialties', zh: '评标专业', en: 'specialties', required: true },
]

/** A CSV template: the header row in `locale`'s names, UTF-8 with a BOM (so Excel reads the Chinese). */
export function templateCsv(locale: Locale): string {
  return `\ufeff${IMPORT_COLUMNS.map((c) => (locale === 'zh-CN' ? c.zh : c.en)).join(',')}\r\n`
}
