import { describe, expect, it, vi } from 'vitest'
import { apiRequest, configureApiClient } from '@/api/client'
import { clearSession, currentSession, sessionToken, setSession } from '@/auth/session'

const session = {
  fingerprint: 'f'.repeat(64),
  organization_id: 'org-1',
  organization_name: '某某建设有限公司',
  credit_code: '91320100134900001R',
  common_name: '张伟',
  role: 'bidder',
  issued_at: '2026-11-23T10:00:00Z',
  expires_at: '2999-01-01T00:00:00Z',
}

function capture(): { calls: Array<[string, RequestInit]> } {
  const calls: Array<[string, RequestInit]> = []
  const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
    calls.push([url, init])
    return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  configureApiClient({ fetch: fetchMock as unknown as typeof fetch, token: sessionToken })
  return { calls }
}

describe('session and API client', () => {
  it('sends the bearer token on every request while logged in, and none after logout', async () => {
    const { calls } = capture()
    await apiRequest('/api/projects')
    expect((calls[0]?.[1].headers as Record<string, string>).Authorization).toBeUndefined()

    setSession({ token: 'tok-123', token_type: 'Bearer', expires_at: '2999-01-01T00:00:00Z', session })
    expect(currentSession.value?.session.organization_name).toBe('某某建设有限公司')
    await apiRequest('/api/auth/me')
    expect((calls[1]?.[1].headers as Record<string, string>).Authorization).toBe('Bearer tok-123')

    clearSession()
    expect(currentSession.value).toBeNull()
    await apiRequest('/api/projects')
    expect((calls[2]?.[1].headers as Record<string, string>).Authorization).toBeUndefined()
  })

  it('forgets an expired session', () => {
    setSession({ token: 'old', token_type: 'Bearer', expires_at: '2000-01-01T00:00:00Z', session })
    expect(sessionToken()).toBeNull()
    expect(currentSession.value).toBeNull()
  })

  it('sends forms as multipart without a JSON content type', async () => {
    const { calls } = capture()
    const form = new FormData()
    form.append('file', new Blob(['%PDF-1.7']), 'a.pdf')
    await apiRequest('/api/verify/pdf', { method: 'POST', form })
    const init = calls[0]?.[1]
    expect(init?.body).toBe(form)
    expect((init?.headers as Record<string, string>)['Content-Type']).toBeUndefined()
  })
})
