import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '@/api/audit'
import auditEn from '@/i18n/audit.en'
import auditZh from '@/i18n/audit.zh-CN'
import {
  KNOWN_ACTIONS,
  actionKey,
  actorLabel,
  csvCell,
  eventsToCsv,
  familyFilter,
  shanghaiStamp,
} from '@/views/audit/events'
import { leaves, type Tree } from './i18n-helpers'

function text(tree: Tree, key: string): string | undefined {
  let node: string | Tree | undefined = tree
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined
  return typeof node === 'string' ? node : undefined
}

const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
  id: 7,
  occurred_at: '2026-03-01T01:30:05.123456+00:00',
  actor: 'system:demo',
  client_address: '10.0.0.1',
  request_id: 'req-1',
  action: 'project.created',
  object_type: 'project',
  object_id: 'p-1',
  content_sha256: null,
  details: { code: 'NJ-1', note: 'a "quoted", text' },
  ...over,
})

describe('audit action texts', () => {
  it('has a zh-CN and an English text for every known action, and nothing else is known', () => {
    for (const action of KNOWN_ACTIONS) {
      const key = actionKey(action)
      expect(key).toBe(`audit.actions.${action}`)
      expect(text(auditZh as unknown as Tree, key!), action).toMatch(/\S/)
      expect(text(auditEn as unknown as Tree, key!), action).toMatch(/\S/)
    }
    expect(actionKey('storage.object_verified')).toBeNull()
    expect(actionKey('project')).toBeNull()
    expect(actionKey('opening.unknown_command')).toBeNull()
  })

  it('covers what the backend writes for a project', () => {
    for (const a of ['project.created', 'bid.submitted', 'bid_upload.started', 'opening.remark', 'announcement.notified']) {
      expect(KNOWN_ACTIONS).toContain(a)
    }
  })

  it('the zh-CN and English audit texts have the same keys', () => {
    expect([...leaves(auditEn as unknown as Tree).keys()].sort()).toEqual([...leaves(auditZh as unknown as Tree).keys()].sort())
  })

  it('asks for a family by its prefix', () => {
    expect(familyFilter('bid')).toBe('bid.')
  })
})

describe('audit formatting', () => {
  it('shows Shanghai wall time with its offset', () => {
    expect(shanghaiStamp('2026-03-01T17:30:05Z')).toBe('2026-03-02 01:30:05 +08:00')
    expect(shanghaiStamp('not a time')).toBe('not a time')
  })

  it('shortens certificate fingerprints only', () => {
    expect(actorLabel('a'.repeat(64))).toBe(`${'a'.repeat(12)}…`)
    expect(actorLabel(`cert:${'0f'.repeat(32)}`)).toBe(`cert:${'0f'.repeat(6)}…`)
    expect(actorLabel('cert:short')).toBe('cert:short')
    expect(actorLabel('system:worker')).toBe('system:worker')
  })
})

describe('CSV export', () => {
  it('quotes, neutralises formulas and writes one line per event after a BOM and the header', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell(null)).toBe('')
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"')

    const csv = eventsToCsv([event(), event({ id: 8, action: 'x.y', client_address: null })], (a) =>
      a === 'project.created' ? '创建项目' : a,
    )
    expect(csv.startsWith('\ufeffid,occurred_at_shanghai,occurred_at_utc,actor,action,action_text,')).toBe(true)
    const lines = csv.slice(1).trimEnd().split('\r\n')
    expect(lines).toHaveLength(3)
    expect(lines[1]).toBe(
      '7,2026-03-01 09:30:05 +08:00,2026-03-01T01:30:05.123456+00:00,system:demo,project.created,创建项目,project,p-1,10.0.0.1,req-1,,' +
        '"{""code"":""NJ-1"",""note"":""a \\""quoted\\"", text""}"',
    )
    expect(lines[2]?.split(',').slice(0, 10)).toEqual([
      '8',
      '2026-03-01 09:30:05 +08:00',
      '2026-03-01T01:30:05.123456+00:00',
      'system:demo',
      'x.y',
      'x.y',
      'project',
      'p-1',
      '',
      'req-1',
    ])
  })
})
