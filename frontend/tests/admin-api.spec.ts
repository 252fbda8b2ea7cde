/** The administrator's console API module: the requests it sends (paths, queries, bodies), the
 * reason check the dialogs share with the API, the roles offered for re-issue, and both languages'
 * texts for every status, code state and RFC 5280 reason the API returns. */
import { afterEach, describe, expect, it } from 'vitest'
import {
  ORG_STATUSES,
  REVOCATION_REASONS,
  approveRegistration,
  getOrganisation,
  listAgents,
  listRegistrations,
  listSettings,
  listTrustAnchors,
  reasonProblem,
  refuseRegistration,
  reinstateOrganisation,
  reissueCode,
  revokeCertificate,
  rolesOfKind,
  suspendOrganisation,
} from '@/api/admin'
import { ApiError } from '@/api/client'
import en from '@/i18n/admin.en'
import zh from '@/i18n/admin.zh-CN'
import { canAct, statusTag, tabOf } from '@/views/admin/admin'
import { recordFetch, restoreApiClient } from './fetch-helpers'

afterEach(() => restoreApiClient())

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

describe('admin API requests', () => {
  it('lists registrations with the filters, sort and page; empty filters left out', async () => {
    const seen = recordFetch(() => json({ total: 0, offset: 20, limit: 20, items: [] }))
    await listRegistrations({ status: 'pending', kind: null, q: '  南京 ', sort: 'name', order: 'asc', offset: 20, limit: 20 })
    const url = new URL(seen[0]!.url, 'http://x')
    expect(url.pathname).toBe('/api/admin/registrations')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      status: 'pending',
      q: '南京',
      sort: 'name',
      order: 'asc',
      offset: '20',
      limit: '20',
    })
  })

  it('posts the decisions and actions to their paths with their bodies', async () => {
    const seen = recordFetch(() => json({}))
    await approveRegistration('o 1')
    await refuseRegistration('o1', '资料不全')
    await reissueCode('o1', 'auditor')
    await revokeCertificate('o1', 'ab12', 'key_compromise')
    await suspendOrganisation('o1', '资质过期')
    await reinstateOrganisation('o1', '资质已更新')
    await getOrganisation('o1')
    await listAgents()
    await listSettings()
    await listTrustAnchors()
    expect(seen.map((s) => [s.init.method ?? 'GET', s.url, s.init.body ?? null])).toEqual([
      ['POST', '/api/admin/organisations/o%201/approve', null],
      ['POST', '/api/admin/registrations/o1/refuse', JSON.stringify({ reason: '资料不全' })],
      ['POST', '/api/admin/organisations/o1/enrolment-codes/reissue', JSON.stringify({ role: 'auditor' })],
      ['POST', '/api/admin/organisations/o1/certificates/ab12/revoke', JSON.stringify({ reason: 'key_compromise' })],
      ['POST', '/api/admin/organisations/o1/suspend', JSON.stringify({ reason: '资质过期' })],
      ['POST', '/api/admin/organisations/o1/reinstate', JSON.stringify({ reason: '资质已更新' })],
      ['GET', '/api/admin/organisations/o1', null],
      ['GET', '/api/admin/agents?limit=500', null],
      ['GET', '/api/admin/settings', null],
      ['GET', '/pki/trust', null],
    ])
  })

  it('turns a 409 registration_decided into an ApiError with its code', async () => {
    recordFetch(() =>
      json({ error: { code: 'registration_decided', message: 'x', message_zh: '已处理', message_en: 'decided', request_id: 'r' } }, 409),
    )
    const error = await approveRegistration('o1').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('registration_decided')
    expect((error as ApiError).status).toBe(409)
  })
})

describe('console rules', () => {
  it('asks for a reason, as the API does', () => {
    expect(reasonProblem('')).toBe('admin.reason.required')
    expect(reasonProblem('   ')).toBe('admin.reason.required')
    expect(reasonProblem('x'.repeat(501))).toBe('admin.reason.tooLong')
    expect(reasonProblem(` ${'x'.repeat(500)} `)).toBeNull()
    expect(reasonProblem('资料不全')).toBeNull()
  })

  it('offers the roles a kind may hold, and only the administrator acts', () => {
    expect(rolesOfKind('trading_centre')).toEqual(['admin', 'auditor', 'expert', 'finance'])
    expect(rolesOfKind('agent')).toEqual(['agent'])
    expect(rolesOfKind('unknown')).toEqual([])
    expect(canAct('admin')).toBe(true)
    expect(canAct('auditor')).toBe(false)
    expect(canAct(undefined)).toBe(false)
    expect(tabOf('settings')).toBe('settings')
    expect(tabOf('nonsense')).toBe('registrations')
    expect(statusTag('refused')).toBe('danger')
    expect(statusTag('pending')).toBe('warning')
  })

  it('has both languages for every status, code state and revocation reason', () => {
    for (const messages of [zh, en]) {
      for (const s of ORG_STATUSES) expect(messages.admin.status[s]).toBeTruthy()
      for (const r of REVOCATION_REASONS) expect(messages.admin.revocationReasons[r]).toBeTruthy()
      for (const c of ['issued', 'used', 'expired', 'withdrawn'] as const) expect(messages.admin.codeState[c]).toBeTruthy()
    }
    expect(zh.admin.title).toBe('管理控制台')
    expect(en.admin.title).toBe('Administration console')
  })
})
