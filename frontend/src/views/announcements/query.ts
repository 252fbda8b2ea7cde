/**
 * Pure helpers of the announcements pages: the search in the URL (so it can be shared and
 * reloaded), the kinds' label keys, and the `details` of an announcement turned into display rows.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { isAnnouncementKind, type AnnouncementKind } from '@/api/public'
import { queryInt, queryString } from '@/utils/route'

export interface AnnouncementFilters {
  q: string
  kind: AnnouncementKind | null
  page: number
}

export const EMPTY_FILTERS: AnnouncementFilters = { q: '', kind: null, page: 1 }

/** Longest search the API accepts (`max_length=100`). */
export const MAX_QUERY = 100

/** The filters in `/announcements?q=&kind=&page=`; unknown kinds and bad pages fall back to defaults. */
export function filtersFromQuery(query: LocationQuery): AnnouncementFilters {
  const kind = queryString(query, 'kind')
  return {
    q: queryString(query, 'q').trim().slice(0, MAX_QUERY),
    kind: isAnnouncementKind(kind) ? kind : null,
    page: queryInt(query, 'page', 1),
  }
}

/** The URL query for `filters`, leaving out defaults (no `page=1`, no empty `q`). */
export function filtersToQuery(filters: Partial<AnnouncementFilters>): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  const q = (filters.q ?? '').trim().slice(0, MAX_QUERY)
  if (q) query.q = q
  if (filters.kind) query.kind = filters.kind
  if (filters.page && filters.page > 1) query.page = String(filters.page)
  return query
}

export function hasFilters(filters: AnnouncementFilters): boolean {
  return filters.q !== '' || filters.kind !== null
}

/** i18n key of a kind's label (招标公告, 开标记录, …). */
export function kindLabelKey(kind: AnnouncementKind): `announcements.kinds.${AnnouncementKind}` {
  return `announcements.kinds.${kind}`
}

/** Keys of `details` that have their own label (`announcements.details.<key>`). */
export const DETAIL_KEYS = [
  'documents_available_at',
  'deadlines',
  'moved_deadlines',
  'documents',
  'lot',
  'record_sha256',
  'record_pdf',
  'record_json',
] as const
export type DetailKey = (typeof DETAIL_KEYS)[number]

export function isDetailKey(key: string): key is DetailKey {
  return (DETAIL_KEYS as readonly string[]).includes(key)
}

/** One row of an announcement's details, ready to show. */
export type DetailEntry =
  /** A file on the public API (the opening record's PDF / JSON). */
  | { type: 'link'; key: string; href: string }
  | { type: 'time'; key: string; at: string }
  | { type: 'hash'; key: string; value: string }
  /** Tender-document versions published with the notice. */
  | { type: 'documents'; key: string; versions: number[] }
  /** Lot code → bid deadline. */
  | { type: 'deadlines'; key: string; items: { lot: string; at: string }[] }
  /** Lot code → deadline moved from → to. */
  | { type: 'moved'; key: string; items: { lot: string; from: string | null; to: string }[] }
  /** The lot of an opening record (its live room). */
  | { type: 'lot'; key: string; lotId: string }
  | { type: 'text'; key: string; value: string }

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/
const SHA256 = /^[0-9a-f]{64}$/i
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(value: string): boolean {
  return UUID.test(value)
}

/** Only the platform's own public files become links (never a `javascript:` or foreign URL). */
export function isPublicApiPath(value: string): boolean {
  return /^\/api\/public\/[\w\-./]+$/.test(value) && !value.includes('..')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

function entry(key: string, value: unknown): DetailEntry | null {
  if (value === null || value === undefined) return null
  if (key === 'documents' && Array.isArray(value)) {
    const versions = value.filter((v): v is number => Number.isSafeInteger(v))
    return versions.length ? { type: 'documents', key, versions } : null
  }
  if (key === 'deadlines' && isRecord(value)) {
    const items = Object.entries(value)
      .filter((kv): kv is [string, string] => typeof kv[1] === 'string')
      .map(([lot, at]) => ({ lot, at }))
      .sort((a, b) => a.lot.localeCompare(b.lot))
    return items.length ? { type: 'deadlines', key, items } : null
  }
  if (key === 'moved_deadlines' && isRecord(value)) {
    const items = Object.entries(value)
      .filter((kv): kv is [string, Record<string, unknown>] => isRecord(kv[1]) && typeof kv[1].to === 'string')
      .map(([lot, m]) => ({ lot, from: typeof m.from === 'string' ? m.from : null, to: String(m.to) }))
      .sort((a, b) => a.lot.localeCompare(b.lot))
    return items.length ? { type: 'moved', key, items } : null
  }
  if (key === 'lot' && typeof value === 'string' && isUuid(value)) return { type: 'lot', key, lotId: value }
  if (typeof value === 'string') {
    if (isPublicApiPath(value)) return { type: 'link', key, href: value }
    if (ISO_INSTANT.test(value)) return { type: 'time', key, at: value }
    if (SHA256.test(value)) return { type: 'hash', key, value: value.toLowerCase() }
  }
  if (Array.isArray(value) && value.length === 0) return null
  if (isRecord(value) && Object.keys(value).length === 0) return null
  return { type: 'text', key, value: asText(value) }
}

/** `details` as display rows: known keys first in a fixed order, then any others by name. */
export function detailEntries(details: Record<string, unknown> | null | undefined): DetailEntry[] {
  if (!details) return []
  const keys = Object.keys(details)
  const known = DETAIL_KEYS.filter((k) => keys.includes(k))
  const others = keys.filter((k) => !isDetailKey(k)).sort()
  return [...known, ...others].map((k) => entry(k, details[k])).filter((e): e is DetailEntry => e !== null)
}
