import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { configureApiClient } from '@/api/client'
import { ANNOUNCEMENT_KINDS, getAnnouncement, isAnnouncementKind, listAnnouncements } from '@/api/public'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import {
  detailEntries,
  filtersFromQuery,
  filtersToQuery,
  hasFilters,
  isPublicApiPath,
  isUuid,
  kindLabelKey,
} from '@/views/announcements/query'

const read = (path: string): string => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8')

describe('announcement kinds', () => {
  it('are exactly the server enum’s values, in its order', () => {
    const source = read('../../bidding/tendering/rules/announcements.py')
    const values = [...source.matchAll(/^\s+[A-Z_]+ = "([a-z_]+)"/gm)].map((m) => m[1])
    expect(values).toEqual([...ANNOUNCEMENT_KINDS])
  })

  it('have a label in both languages', () => {
    for (const kind of ANNOUNCEMENT_KINDS) {
      const key = kindLabelKey(kind)
      expect(key).toBe(`announcements.kinds.${kind}`)
      expect(zhCN.announcements.kinds[kind]).toBeTruthy()
      expect(en.announcements.kinds[kind]).toBeTruthy()
    }
    expect(zhCN.announcements.kinds.tender).toBe('招标公告')
    expect(zhCN.announcements.kinds.opening_record).toBe('开标记录')
  })

  it('recognises only known kinds', () => {
    expect(isAnnouncementKind('award')).toBe(true)
    expect(isAnnouncementKind('Award')).toBe(false)
    expect(isAnnouncementKind('')).toBe(false)
    expect(isAnnouncementKind(undefined)).toBe(false)
  })
})

describe('the search in the URL', () => {
  it('reads q, kind and page', () => {
    expect(filtersFromQuery({ q: ' 道路 ', kind: 'clarification', page: '3' })).toEqual({
      q: '道路',
      kind: 'clarification',
      page: 3,
    })
  })

  it('falls back to defaults for missing or bad values', () => {
    expect(filtersFromQuery({})).toEqual({ q: '', kind: null, page: 1 })
    expect(filtersFromQuery({ kind: 'bogus', page: '-2' })).toEqual({ q: '', kind: null, page: 1 })
    expect(filtersFromQuery({ page: 'x' }).page).toBe(1)
    // A repeated parameter: the first one counts.
    expect(filtersFromQuery({ q: ['a', 'b'], kind: ['award', 'tender'] })).toEqual({ q: 'a', kind: 'award', page: 1 })
    // Cut to what the API accepts.
    expect(filtersFromQuery({ q: 'x'.repeat(150) }).q).toHaveLength(100)
  })

  it('writes only what differs from the defaults', () => {
    expect(filtersToQuery({ q: '', kind: null, page: 1 })).toEqual({})
    expect(filtersToQuery({ q: ' 医院 ', kind: 'tender', page: 2 })).toEqual({ q: '医院', kind: 'tender', page: '2' })
  })

  it('survives a round trip', () => {
    const filters = { q: '秦淮河 生态', kind: 'opening_record' as const, page: 4 }
    expect(filtersFromQuery(filtersToQuery(filters) as Record<string, string>)).toEqual(filters)
  })

  it('knows when a filter is set', () => {
    expect(hasFilters({ q: '', kind: null, page: 3 })).toBe(false)
    expect(hasFilters({ q: 'a', kind: null, page: 1 })).toBe(true)
    expect(hasFilters({ q: '', kind: 'award', page: 1 })).toBe(true)
  })
})

describe('announcement details', () => {
  const lot = '0b6a3f0e-9a55-4c5e-8d0b-1f2d3c4b5a69'

  it('shows a tender announcement’s dates, deadlines and documents', () => {
    const entries = detailEntries({
      documents: [1, 2],
      deadlines: { '02': '2026-12-20T01:00:00+00:00', '01': '2026-12-20T02:00:00+00:00' },
      documents_available_at: '2026-11-23T06:30:00+00:00',
    })
    expect(entries).toEqual([
      { type: 'time', key: 'documents_available_at', at: '2026-11-23T06:30:00+00:00' },
      {
        type: 'deadlines',
        key: 'deadlines',
        items: [
          { lot: '01', at: '2026-12-20T02:00:00+00:00' },
          { lot: '02', at: '2026-12-20T01:00:00+00:00' },
        ],
      },
      { type: 'documents', key: 'documents', versions: [1, 2] },
    ])
  })

  it('shows moved deadlines of a clarification and leaves empty values out', () => {
    const entries = detailEntries({
      moved_deadlines: { '01': { from: '2026-12-20T02:00:00+00:00', to: '2026-12-27T02:00:00+00:00' } },
      documents: [],
    })
    expect(entries).toEqual([
      {
        type: 'moved',
        key: 'moved_deadlines',
        items: [{ lot: '01', from: '2026-12-20T02:00:00+00:00', to: '2026-12-27T02:00:00+00:00' }],
      },
    ])
    expect(detailEntries({ moved_deadlines: {}, documents: [] })).toEqual([])
    expect(detailEntries(null)).toEqual([])
  })

  it('links an opening record’s PDF and JSON, its lot and digest', () => {
    const digest = 'AB'.repeat(32)
    const entries = detailEntries({
      record_json: `/api/public/openings/${lot}/record.json`,
      lot,
      record_pdf: `/api/public/openings/${lot}/record.pdf`,
      record_sha256: digest,
    })
    expect(entries).toEqual([
      { type: 'lot', key: 'lot', lotId: lot },
      { type: 'hash', key: 'record_sha256', value: digest.toLowerCase() },
      { type: 'link', key: 'record_pdf', href: `/api/public/openings/${lot}/record.pdf` },
      { type: 'link', key: 'record_json', href: `/api/public/openings/${lot}/record.json` },
    ])
  })

  it('never turns a foreign or script address into a link', () => {
    expect(isPublicApiPath('/api/public/documents/x')).toBe(true)
    expect(isPublicApiPath('javascript:alert(1)')).toBe(false)
    expect(isPublicApiPath('https://evil.example/api/public/x')).toBe(false)
    expect(isPublicApiPath('//evil.example/api/public/x')).toBe(false)
    expect(isPublicApiPath('/api/public/../agent/projects')).toBe(false)
    expect(detailEntries({ record_pdf: 'javascript:alert(1)' })).toEqual([
      { type: 'text', key: 'record_pdf', value: 'javascript:alert(1)' },
    ])
  })

  it('shows unknown keys after the known ones, as text', () => {
    expect(detailEntries({ zeta: 3, alpha: { a: 1 }, lot })).toEqual([
      { type: 'lot', key: 'lot', lotId: lot },
      { type: 'text', key: 'alpha', value: '{"a":1}' },
      { type: 'text', key: 'zeta', value: '3' },
    ])
  })

  it('checks ids before asking the server', () => {
    expect(isUuid(lot)).toBe(true)
    expect(isUuid('nope')).toBe(false)
  })
})

describe('the public announcements API', () => {
  afterEach(() => vi.restoreAllMocks())

  it('sends only the filters that are set', async () => {
    const calls: string[] = []
    configureApiClient({
      fetch: (async (url: string) => {
        calls.push(url)
        return new Response(JSON.stringify({ items: [], total: 0, page: 1, page_size: 20 }), {
          headers: { 'Content-Type': 'application/json' },
        })
      }) as unknown as typeof fetch,
    })
    await listAnnouncements({ q: '  ', kind: null, page: 1 })
    await listAnnouncements({ q: '道路', kind: 'tender', project_id: 'p-1', page: 2, page_size: 10 })
    await getAnnouncement('a/1').catch(() => undefined)
    expect(calls[0]).toBe('/api/public/announcements?page=1')
    const second = new URL(calls[1] ?? '', 'http://x')
    expect(second.pathname).toBe('/api/public/announcements')
    expect(Object.fromEntries(second.searchParams)).toEqual({
      q: '道路',
      kind: 'tender',
      project_id: 'p-1',
      page: '2',
      page_size: '10',
    })
    expect(calls[2]).toBe('/api/public/announcements/a%2F1')
  })
})
