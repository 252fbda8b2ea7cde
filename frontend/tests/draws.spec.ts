/** The expert draw pages: the API calls, the request built and checked as `committee.py` checks it,
 * the buttons each state allows, polling, invitation states, refusals, and both languages' texts. */
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import {
  COMMITTEE_PROBLEMS,
  DRAW_STATUSES,
  EXCLUSION_REASONS,
  SEAT_STATUSES,
  answerByToken,
  answerInvitation,
  drawCommand,
  drawRecordUrl,
  finaliseDraw,
  invitationByToken,
  listProjectDraws,
  listSupervisedDraws,
  requestDraw,
  signIn,
} from '@/api/draws'
import type { SpecialtyItem } from '@/api/experts'
import en from '@/i18n/draws.en'
import zh from '@/i18n/draws.zh-CN'
import {
  addSpecialtyLine,
  allowed,
  budgetOf,
  buildDrawRequest,
  committeeProblems,
  emptyRequest,
  invitationState,
  requestRefusals,
  requesterButtons,
  seatTotals,
  shouldPoll,
  splitRegions,
  type RequestDraft,
} from '@/views/draws/draws'
import { leaves, placeholders, type Tree } from './i18n-helpers'
import { recordFetch, restoreApiClient } from './fetch-helpers'

afterEach(restoreApiClient)

const TREE: SpecialtyItem[] = [
  { code: 'C', name_zh: '服务类', name_en: 'Services', level: 1, parent: null, leaf: false },
  { code: 'C02', name_zh: '监理', name_en: 'Supervision', level: 2, parent: 'C', leaf: false },
  { code: 'C0201', name_zh: '工程监理', name_en: 'Works supervision', level: 3, parent: 'C02', leaf: true },
  { code: 'A0701', name_zh: '造价', name_en: 'Cost', level: 3, parent: 'A07', leaf: true },
]

function draft(change: Partial<RequestDraft> = {}): RequestDraft {
  return {
    ...emptyRequest(),
    lotIds: ['lot-1'],
    evaluationAt: '2027-01-02T09:00',
    place: '第3评标室',
    specialties: [{ code: 'C0201', seats: '5', backups: '2' }],
    ...change,
  }
}
const ctx = { projectId: 'p-1', lotPrices: { 'lot-1': 640_000_000 }, tree: TREE }

describe('the API calls', () => {
  it('sends each request to its path', async () => {
    const seen = recordFetch()
    const built = buildDrawRequest(draft(), ctx)
    if (!built.ok) throw new Error('not built')
    await requestDraw(built.payload)
    await listProjectDraws('p 1')
    await drawCommand('d1', 'draw_now')
    await drawCommand('d1', 'top_up')
    await drawCommand('d1', 'cancel')
    await listSupervisedDraws('inviting')
    await listSupervisedDraws()
    await finaliseDraw('d1')
    await answerInvitation('s1', 'accept')
    await signIn('s1')
    await invitationByToken('t'.repeat(43))
    await answerByToken('t'.repeat(43), 'decline')
    expect(seen.map((s) => `${s.init.method ?? 'GET'} ${s.url}`)).toEqual([
      'POST /api/expert-draws',
      'GET /api/expert-draws?project_id=p+1',
      'POST /api/expert-draws/d1/draw-now',
      'POST /api/expert-draws/d1/top-up',
      'POST /api/expert-draws/d1/cancel',
      'GET /api/supervision/expert-draws?status=inviting',
      'GET /api/supervision/expert-draws',
      'POST /api/supervision/expert-draws/d1/finalise',
      'POST /api/expert/invitations/s1/answer',
      'POST /api/expert/evaluations/s1/sign-in',
      `GET /api/expert-invitations/${'t'.repeat(43)}`,
      `POST /api/expert-invitations/${'t'.repeat(43)}/answer`,
    ])
    expect(JSON.parse(String(seen[0]?.init.body))).toMatchObject({ project_id: 'p-1', size: 5, seats: { C0201: 5 }, backups: { C0201: 2 } })
    expect(JSON.parse(String(seen[11]?.init.body))).toEqual({ answer: 'decline' })
    expect(drawRecordUrl('d1', 2)).toBe('/api/public/expert-draws/d1/rounds/2/DRAW.json')
  })
})

describe('the request, checked as committee.py checks it', () => {
  it('builds the body the server takes (Beijing time to UTC, regions split)', () => {
    const built = buildDrawRequest(draft({ regionsIncluded: '32, 3201 3201', regionsExcluded: '320102' }), ctx)
    expect(built.ok).toBe(true)
    if (!built.ok) return
    expect(built.payload).toEqual({
      project_id: 'p-1',
      lot_ids: ['lot-1'],
      evaluation_at: '2027-01-02T09:00:00+08:00',
      evaluation_end: null,
      place: '第3评标室',
      remote: false,
      size: 5,
      representatives: 0,
      seats: { C0201: 5 },
      backups: { C0201: 2 },
      government_procurement: false,
      complex_or_high_impact: false,
      regions_included: ['32', '3201'],
      regions_excluded: ['320102'],
    })
  })

  it('refuses each bad committee with the server codes', () => {
    const codes = (d: RequestDraft, c = ctx): string[] => {
      const b = buildDrawRequest(d, c)
      return b.ok ? [] : b.issues.map((i) => i.key)
    }
    expect(codes(draft({ size: '6', specialties: [{ code: 'C0201', seats: '6', backups: '' }] }))).toEqual(['draws.problem.committee_size_even'])
    expect(codes(draft({ size: '3', specialties: [{ code: 'C0201', seats: '3', backups: '' }] }))).toEqual(['draws.problem.committee_too_small'])
    expect(codes(draft({ size: '5', representatives: '2', specialties: [{ code: 'C0201', seats: '3', backups: '' }] }))).toEqual([
      'draws.problem.experts_below_two_thirds',
    ])
    expect(codes(draft({ size: '5', specialties: [{ code: 'C0201', seats: '4', backups: '' }] }))).toEqual(['draws.problem.seats_mismatch'])
    expect(codes(draft({ specialties: [] }))).toEqual(['draws.problem.no_specialty'])
    // Government procurement of ¥10M or more needs 7; ¥6.4M does not; complex always does.
    expect(codes(draft({ governmentProcurement: true }), { ...ctx, lotPrices: { 'lot-1': 1_000_000_000 } })).toEqual([
      'draws.problem.committee_below_seven',
    ])
    expect(codes(draft({ governmentProcurement: true }))).toEqual([])
    expect(codes(draft({ governmentProcurement: true, complexOrHighImpact: true }))).toEqual(['draws.problem.committee_below_seven'])
    // 7 with one representative: 6 experts ≥ 2/3 of 7.
    expect(codes(draft({ size: '7', representatives: '1', specialties: [{ code: 'C0201', seats: '4', backups: '1' }, { code: 'A0701', seats: '2', backups: '0' }] }))).toEqual([])
  })

  it('refuses the form fields before any rule', () => {
    const b = buildDrawRequest(
      draft({ lotIds: [], evaluationAt: '2027-02-30T09:00', place: '', size: 'x', regionsIncluded: '3a', specialties: [{ code: 'Z9', seats: '1', backups: '' }] }),
      ctx,
    )
    expect(b.ok).toBe(false)
    if (b.ok) return
    expect(b.issues.map((i) => `${i.field}:${i.key}`)).toEqual([
      'lots:draws.check.lots',
      'evaluationAt:draws.check.time',
      'place:draws.check.place',
      'size:draws.check.count',
      'specialties:draws.check.specialtyUnknown',
      'regionsIncluded:draws.check.region',
    ])
    const remote = buildDrawRequest(draft({ place: '', remote: true, evaluationEnd: '2027-01-02T08:00' }), ctx)
    expect(remote.ok ? [] : remote.issues.map((i) => i.key)).toEqual(['draws.check.endBeforeStart'])
  })

  it('mirrors committee_problems on numbers', () => {
    const base = { representatives: 0, seats: { A: 5 }, backups: {}, governmentProcurement: false, complexOrHighImpact: false, budgetFen: null }
    expect(committeeProblems({ ...base, size: 5 })).toEqual([])
    expect(committeeProblems({ ...base, size: 4, seats: { A: 4 } })).toEqual(['committee_size_even', 'committee_too_small'])
    expect(committeeProblems({ ...base, size: 5, backups: { B: 1 } })).toEqual(['backups_unknown_specialty'])
    expect(committeeProblems({ ...base, size: 5, seats: { A: 0, B: 5 } })).toEqual(['seats_not_positive'])
    expect(committeeProblems({ ...base, size: 51, seats: { A: 51 } })).toEqual(['committee_too_large'])
    expect(committeeProblems({ ...base, size: 5, backups: { A: 51 } })).toEqual(['backups_too_many'])
  })

  it('helps the form', () => {
    expect(splitRegions(' 32，3201、3201 ')).toEqual(['32', '3201'])
    expect(budgetOf(['a', 'b'], { a: 1, b: 2 })).toBe(3)
    expect(budgetOf(['a', 'c'], { a: 1, c: null })).toBeNull()
    expect(addSpecialtyLine([{ code: 'A', seats: '1', backups: '1' }], 'A')).toHaveLength(1)
    expect(addSpecialtyLine([], 'B')).toEqual([{ code: 'B', seats: '1', backups: '1' }])
    expect(seatTotals(draft({ size: '7', representatives: '2' }))).toEqual({ experts: 5, seats: 5 })
  })
})

describe('states and buttons (draw_states.COMMANDS)', () => {
  it('offers what each state allows', () => {
    const table = Object.fromEntries(DRAW_STATUSES.map((s) => [s, requesterButtons(s)]))
    expect(table).toEqual({
      requested: ['draw_now', 'cancel'],
      committed: [],
      inviting: [],
      complete: [],
      short: ['top_up', 'cancel'],
      final: [],
      cancelled: [],
      failed: [],
    })
    expect(DRAW_STATUSES.filter((s) => allowed('finalise', s))).toEqual(['complete'])
    expect(DRAW_STATUSES.filter(shouldPoll)).toEqual(['committed', 'inviting'])
  })

  it('tells an invitation open, answered or expired', () => {
    const now = new Date('2027-01-01T00:00:00Z')
    expect(invitationState({ status: 'invited', answer_due_at: '2027-01-01T00:30:00Z' }, now)).toBe('open')
    expect(invitationState({ status: 'invited', answer_due_at: '2026-12-31T23:59:00Z' }, now)).toBe('expired')
    expect(invitationState({ status: 'timed_out', answer_due_at: null }, now)).toBe('expired')
    expect(invitationState({ status: 'accepted', answer_due_at: null }, now)).toBe('accepted')
    expect(invitationState({ status: 'declined', answer_due_at: null }, now)).toBe('declined')
    expect(invitationState({ status: 'released', answer_due_at: null }, now)).toBe('closed')
  })

  it('shows the server refusal details in the language shown', () => {
    const error = new ApiError('http', {
      status: 422,
      payload: {
        code: 'committee_invalid',
        message: 'The committee breaks the rules',
        details: [{ reason: 'committee_size_even', message_zh: '应为单数', message_en: 'odd' }],
      },
    })
    expect(requestRefusals(error, 'zh-CN')).toEqual([{ reason: 'committee_size_even', message: '应为单数' }])
    expect(requestRefusals(error, 'en')).toEqual([{ reason: 'committee_size_even', message: 'odd' }])
    expect(requestRefusals(new Error('x'), 'en')).toEqual([])
  })
})

describe('the texts', () => {
  const zhLeaves = leaves(zh as unknown as Tree)
  const enLeaves = leaves(en as unknown as Tree)
  it('has the same keys and placeholders in both languages, without vue-i18n syntax', () => {
    expect([...enLeaves.keys()]).toEqual([...zhLeaves.keys()])
    for (const [key, message] of zhLeaves) {
      expect(placeholders(enLeaves.get(key) ?? ''), key).toBe(placeholders(message))
      for (const m of [message, enLeaves.get(key) ?? '']) expect(m, key).not.toMatch(/[@|$]/)
    }
  })
  it('names every status, seat status, exclusion and committee problem', () => {
    for (const s of DRAW_STATUSES) expect(zhLeaves.has(`draws.status.${s}`) && enLeaves.has(`draws.status.${s}`), s).toBe(true)
    for (const s of SEAT_STATUSES) expect(zhLeaves.has(`draws.seatStatus.${s}`), s).toBe(true)
    for (const r of EXCLUSION_REASONS) expect(zhLeaves.has(`draws.exclusion.${r}`) && enLeaves.has(`draws.exclusion.${r}`), r).toBe(true)
    for (const p of COMMITTEE_PROBLEMS) expect(zhLeaves.has(`draws.problem.${p}`) && enLeaves.has(`draws.problem.${p}`), p).toBe(true)
  })
})
