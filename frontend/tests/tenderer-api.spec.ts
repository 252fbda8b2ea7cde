/** The tenderer's pages (docs/frontend-tenderer.md): the requests the API module sends, the
 * registration form's rules (the API's bounds) and payload (yuan → integer fen), the tables'
 * filtering, sorting and paging, and both languages' texts for every state the API returns. */
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import {
  APPROVAL_STATES,
  REGISTRATION_STATUSES,
  appointAgent,
  createRegistration,
  decideDocuments,
  downloadDocument,
  getDocuments,
  listAppointments,
  listRegistrations,
  listTendererProjects,
  takeUpAppointment,
  updateRegistration,
  withdrawAppointment,
  type Registration,
  type TendererProject,
} from '@/api/tenderer'
import en from '@/i18n/tenderer.en'
import zh from '@/i18n/tenderer.zh-CN'
import {
  creditCodeProblem,
  emptyForm,
  fenToYuanText,
  fieldProblem,
  filterProjects,
  filterRegistrations,
  formOf,
  nextDeadline,
  pageOf,
  payloadOf,
  sortRows,
} from '@/views/tenderer/tenderer'
import { recordFetch, restoreApiClient } from './fetch-helpers'
import { leaves, placeholders, type Tree } from './i18n-helpers'

afterEach(() => restoreApiClient())

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

const registration = (over: Partial<Registration> = {}): Registration => ({
  id: 'r1',
  name: '城东小学教学楼新建工程',
  approval_number: '宁发改投资〔2026〕118号',
  funding_source: '财政资金',
  estimate_fen: 3_800_000_000,
  category: 'works',
  region: null,
  note: null,
  status: 'registered',
  tenderer: '南京市教育局',
  tenderer_credit_code: '11320100MB0000000X',
  agent: null,
  agent_credit_code: null,
  appointed_at: null,
  project_id: null,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  ...over,
})

describe('tenderer API requests', () => {
  it('sends each call to its path with its method and body', async () => {
    const seen = recordFetch(() => json({}))
    await listRegistrations()
    await createRegistration({ name: 'n', approval_number: 'a', funding_source: 'f', estimate_fen: 1, category: 'goods' })
    await updateRegistration('r 1', { name: 'n', approval_number: 'a', funding_source: 'f', estimate_fen: 2, category: 'goods' })
    await appointAgent('r1', '91320100MA1AAAAA0A')
    await withdrawAppointment('r1')
    await listTendererProjects()
    await getDocuments('p1')
    await decideDocuments('p1', 'd1', 'approved')
    await decideDocuments('p1', 'd1', 'returned', '请修改')
    await listAppointments()
    await takeUpAppointment('r1', 'R-1')
    const calls = seen.map((s) => [s.init.method, s.url, s.init.body ? JSON.parse(String(s.init.body)) : null])
    expect(calls).toEqual([
      ['GET', '/api/tenderer/registrations', null],
      ['POST', '/api/tenderer/registrations', { name: 'n', approval_number: 'a', funding_source: 'f', estimate_fen: 1, category: 'goods' }],
      ['PUT', '/api/tenderer/registrations/r%201', { name: 'n', approval_number: 'a', funding_source: 'f', estimate_fen: 2, category: 'goods' }],
      ['PUT', '/api/tenderer/registrations/r1/agent', { agent_credit_code: '91320100MA1AAAAA0A' }],
      ['DELETE', '/api/tenderer/registrations/r1/agent', null],
      ['GET', '/api/tenderer/projects', null],
      ['GET', '/api/tenderer/projects/p1/documents', null],
      ['POST', '/api/tenderer/projects/p1/documents/decision', { document_id: 'd1', decision: 'approved' }],
      ['POST', '/api/tenderer/projects/p1/documents/decision', { document_id: 'd1', decision: 'returned', comments: '请修改' }],
      ['GET', '/api/agent/projects/appointments', null],
      ['POST', '/api/agent/projects/appointments/r1/project', { code: 'R-1' }],
    ])
  })

  it('downloads a version as a blob, and a refusal is an ApiError with its code', async () => {
    recordFetch(() => new Response(new Blob(['%PDF-1.7']), { status: 200 }))
    expect(await (await downloadDocument('p1', 'd1')).text()).toBe('%PDF-1.7')
    recordFetch(() => json({ error: { code: 'document_superseded', message: 'newer' } }, 409))
    const error = await decideDocuments('p1', 'd1', 'approved').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('document_superseded')
  })
})

describe('the registration form', () => {
  it('refuses what the API refuses, field by field', () => {
    const form = emptyForm()
    expect(fieldProblem('name', form)).toBe('required')
    expect(fieldProblem('estimateYuan', form)).toBe('required')
    form.name = 'x'.repeat(301)
    expect(fieldProblem('name', form)).toBe('tooLong')
    for (const bad of ['0', '-1', '1.234', 'abc', '0.00']) {
      form.estimateYuan = bad
      expect(fieldProblem('estimateYuan', form), bad).toBe('amount')
    }
    form.estimateYuan = '38,000,000.5'
    expect(fieldProblem('estimateYuan', form)).toBeNull()
    expect(fieldProblem('region', form)).toBeNull()
    expect(creditCodeProblem('')).toBe('required')
    expect(creditCodeProblem('123')).toBe('creditCode')
    expect(creditCodeProblem(' 91320100MA1AAAAA0A ')).toBeNull()
  })

  it('sends the estimate in integer fen, blanks left out, and reads a registration back', () => {
    const form = { ...emptyForm(), name: ' 工程 ', approvalNumber: 'A', fundingSource: 'F', estimateYuan: '¥38,000,000.05', note: '  ' }
    expect(payloadOf(form)).toEqual({
      name: '工程',
      approval_number: 'A',
      funding_source: 'F',
      estimate_fen: 3_800_000_005,
      category: 'works',
      region: null,
      note: null,
    })
    expect(payloadOf({ ...form, estimateYuan: '0' })).toBeNull()
    expect(fenToYuanText(5)).toBe('0.05')
    expect(formOf(registration()).estimateYuan).toBe('38000000.00')
    expect(payloadOf(formOf(registration()))?.estimate_fen).toBe(3_800_000_000)
  })
})

describe('the tables', () => {
  const rows = [
    registration({ id: 'a', name: '乙', estimate_fen: 300, status: 'appointed', agent: '代理甲' }),
    registration({ id: 'b', name: '甲', estimate_fen: 100 }),
    registration({ id: 'c', name: '丙', estimate_fen: 200, status: 'taken_up', agent: '代理乙' }),
  ]

  it('filters by text and status, sorts stably with empty cells last, and pages', () => {
    expect(filterRegistrations(rows, '代理', []).map((r) => r.id)).toEqual(['a', 'c'])
    expect(filterRegistrations(rows, '', ['registered']).map((r) => r.id)).toEqual(['b'])
    expect(sortRows(rows, 'estimate_fen', 'ascending').map((r) => r.id)).toEqual(['b', 'c', 'a'])
    expect(sortRows(rows, 'estimate_fen', 'descending').map((r) => r.id)).toEqual(['a', 'c', 'b'])
    expect(sortRows(rows, 'agent', 'descending').map((r) => r.id)).toEqual(['c', 'a', 'b'])
    expect(sortRows(rows, 'agent', 'ascending').map((r) => r.id)).toEqual(['a', 'c', 'b'])
    expect(sortRows(rows, null, null)).toEqual(rows)
    expect(pageOf([1, 2, 3, 4, 5], 2, 2)).toEqual([3, 4])
  })

  it('finds the next deadline and filters projects by phase', () => {
    const lot = (d: string | null) => ({ bid_deadline: d }) as TendererProject['lots'][number]
    expect(nextDeadline({ lots: [lot('2026-12-30T02:00:00Z'), lot(null), lot('2026-12-29T02:00:00Z')] })).toBe('2026-12-29T02:00:00Z')
    expect(nextDeadline({ lots: [lot(null)] })).toBeNull()
    const p = (code: string, phase: string) => ({ code, name: code, agent: '', phase }) as TendererProject
    expect(filterProjects([p('A', 'draft'), p('B', 'tendering')], '', ['tendering']).map((x) => x.code)).toEqual(['B'])
  })
})

describe('texts', () => {
  it('has the same keys and placeholders in both languages', () => {
    const z = leaves(zh as unknown as Tree)
    const e = leaves(en as unknown as Tree)
    expect([...e.keys()].sort()).toEqual([...z.keys()].sort())
    for (const [key, message] of z) expect(placeholders(e.get(key) ?? ''), key).toBe(placeholders(message))
  })

  it('names every state the API returns', () => {
    for (const s of REGISTRATION_STATUSES) expect(zh.tenderer.status[s]).toBeTruthy()
    for (const s of APPROVAL_STATES) expect(en.tenderer.approval[s]).toBeTruthy()
    const awardStates = ['reported', 'publicity', 'suspended', 'awaiting_choice', 'awarded', 'contracted', 'closed', 'failed', 'terminated']
    for (const s of awardStates) expect((zh.tenderer.awardStates as Record<string, string>)[s], s).toBeTruthy()
  })
})
