import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createProject,
  documentContentType,
  listProjectAnnouncements,
  postClarification,
  terminateProject,
  uploadDocument,
} from '@/api/agent'
import { ApiError, configureApiClient } from '@/api/client'
import { documentUrl } from '@/api/documents'
import { clearSession, sessionToken, setSession } from '@/auth/session'

const login = {
  token: 'tok-agent',
  token_type: 'bearer',
  expires_at: '2999-01-01T00:00:00Z',
  session: {
    fingerprint: 'f'.repeat(64),
    organization_id: 'org-agent',
    organization_name: '江苏正信工程招标代理有限公司',
    credit_code: '91320100MA1AGENT1X',
    common_name: '开标主持人',
    role: 'agent',
    issued_at: '2026-11-23T10:00:00Z',
    expires_at: '2999-01-01T00:00:00Z',
  },
}

function reply(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

afterEach(() => clearSession())

describe('uploadDocument', () => {
  it('sends the raw file with its type, the URL-encoded name and the bearer token', async () => {
    setSession(login)
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) => reply({ id: 'd1', version: 2 }, 201))
    const file = new Blob([new Uint8Array([0x25, 0x50, 0x44, 0x46])])
    const doc = await uploadDocument('p 1', file, '招标文件 v2.PDF', fetchMock as unknown as typeof fetch)
    expect(doc).toEqual({ id: 'd1', version: 2 })
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/agent/projects/p%201/documents')
    expect(init.method).toBe('POST')
    expect(init.body).toBe(file)
    const headers = init.headers as Record<string, string>
    expect(headers['Content-Type']).toBe('application/pdf')
    expect(headers['X-Filename']).toBe('%E6%8B%9B%E6%A0%87%E6%96%87%E4%BB%B6%20v2.PDF')
    expect(decodeURIComponent(headers['X-Filename']!)).toBe('招标文件 v2.PDF')
    expect(headers.Authorization).toBe('Bearer tok-agent')
  })

  it('turns the platform error into an ApiError with code and both messages', async () => {
    const body = {
      error: { code: 'wrong_phase', message: 'x', message_zh: '项目当前阶段不允许此操作', message_en: 'Not allowed', request_id: 'r1' },
    }
    const fetchMock = vi.fn(async () => reply(body, 409))
    const error = await uploadDocument('p1', new Blob(['x']), 'a.zip', fetchMock as unknown as typeof fetch).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('wrong_phase')
    expect((error as ApiError).status).toBe(409)
    expect((error as ApiError).messageFor('zh-CN')).toBe('项目当前阶段不允许此操作')
    expect((error as ApiError).requestId).toBe('r1')
    expect((fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1].headers).not.toHaveProperty('Authorization')
  })

  it('reports a network failure as such', async () => {
    const fetchMock = vi.fn(async () => {
      throw new TypeError('offline')
    })
    const error = await uploadDocument('p1', new Blob(['x']), 'a.pdf', fetchMock as unknown as typeof fetch).catch((e: unknown) => e)
    expect((error as ApiError).kind).toBe('network')
  })
})

describe('documentContentType', () => {
  it('knows PDF and ZIP by extension only', () => {
    expect(documentContentType('a.pdf')).toBe('application/pdf')
    expect(documentContentType('A.ZIP')).toBe('application/zip')
    expect(documentContentType('a.docx')).toBeNull()
    expect(documentContentType('pdf')).toBeNull()
  })
})

describe('JSON endpoints', () => {
  it('posts the draft and the clarification as JSON to the agent API', async () => {
    const calls: Array<[string, RequestInit]> = []
    configureApiClient({
      fetch: (async (url: string, init: RequestInit) => {
        calls.push([url, init])
        return reply({ id: 'x' }, 201)
      }) as unknown as typeof fetch,
      token: sessionToken,
    })
    setSession(login)
    await createProject({ code: 'C', name: 'N', category: 'works', tenderer_credit_code: 'T', region: null, lots: [] })
    await postClarification('p1', { kind: 'amendment', title: 't', body: 'b', new_deadlines: { '01': '2026-12-31T09:00:00+08:00' } })
    await listProjectAnnouncements('p1')
    await terminateProject('p1', { title: '终止公告', body: '规划调整' })
    expect(calls.map(([u, i]) => `${i.method} ${u}`)).toEqual([
      'POST /api/agent/projects/',
      'POST /api/agent/projects/p1/clarifications',
      'GET /api/public/announcements?project_id=p1&page_size=100',
      'POST /api/agent/projects/p1/terminate',
    ])
    // The terminate endpoint validates the notice shape, whose kind is required.
    expect(JSON.parse(calls[3]![1].body as string)).toEqual({ kind: 'termination', title: '终止公告', body: '规划调整' })
    expect(JSON.parse(calls[1]![1].body as string)).toEqual({
      kind: 'amendment',
      title: 't',
      body: 'b',
      new_deadlines: { '01': '2026-12-31T09:00:00+08:00' },
    })
    expect((calls[0]![1].headers as Record<string, string>).Authorization).toBe('Bearer tok-agent')
    expect(documentUrl('d/1')).toBe('/api/public/documents/d%2F1')
  })
})
