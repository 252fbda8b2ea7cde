import { describe, expect, it } from 'vitest'
import type { AgentProject } from '@/api/agent'
import {
  basicAccountRequired,
  buildProjectPayload,
  defaultCapFen,
  depositAllowed,
  depositFormIssues,
  depositLimitFen,
  draftFromProject,
  emptyDraft,
  emptyLot,
  fieldIssues,
  isoToShanghaiLocal,
  priceField,
  shanghaiLocalToIso,
  yuanToFen,
  type ProjectDraft,
} from '@/views/agent/projectForm'
import { actionsFor, earliestAllowed, formatSize, nextDeadline } from '@/views/agent/projectView'

// The demo tenderer's credit code (valid GB 32100 check character), see bidding/demo/seed.py.
const TENDERER = '91320100134915000'
const NOW = new Date('2026-11-23T06:00:00Z')

function validCreditCode(): string {
  // Compute the check character the same way the app does, so the fixture is a real code.
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const sum = [...TENDERER].reduce((acc, c, i) => acc + chars.indexOf(c) * (weights[i] ?? 0), 0)
  return TENDERER + chars[(31 - (sum % 31)) % 31]
}

function goodDraft(): ProjectDraft {
  const draft = emptyDraft()
  draft.code = ' NJ-2026-001 '
  draft.name = '道路改造工程'
  draft.tendererCreditCode = validCreditCode().toLowerCase()
  const lot = draft.lots[0]!
  lot.code = '01'
  lot.name = '一标段'
  lot.estimateYuan = '1,234,567.89'
  lot.depositYuan = '24,691.35'
  lot.deadlineLocal = '2026-12-15T09:30'
  lot.fields.push({ key: 'duration_days', label_zh: '工期', label_en: 'Duration', type: 'integer' })
  return draft
}

describe('yuanToFen', () => {
  it.each([
    ['1', 100],
    ['0.5', 50],
    ['0.05', 5],
    ['1,234,567.89', 123456789],
    ['¥ 1 000.1', 100010],
    ['12.', 1200],
    ['0', 0],
    ['90071992547409.91', 9007199254740991],
  ])('%s yuan is %d fen', (text, fen) => {
    expect(yuanToFen(text)).toBe(fen)
  })

  it.each(['', '-1', '1.234', 'abc', '1e5', '1.2.3', '90071992547409.92'])('refuses %j', (text) => {
    expect(yuanToFen(text)).toBeNull()
  })

  it('never goes through floats (0.29 yuan is exactly 29 fen)', () => {
    expect(yuanToFen('0.29')).toBe(29)
    expect(yuanToFen('1.15')).toBe(115)
  })
})

describe('deposit rule (2 %)', () => {
  it('limit is floor(estimate × 2 / 100)', () => {
    expect(depositLimitFen(123456789)).toBe(2469135)
    expect(depositLimitFen(49)).toBe(0)
    expect(depositLimitFen(50)).toBe(1)
  })

  it('allows exactly 2 %, refuses one fen more, refuses negative', () => {
    expect(depositAllowed(2469135, 123456789)).toBe(true)
    expect(depositAllowed(2469136, 123456789)).toBe(false)
    expect(depositAllowed(0, 100)).toBe(true)
    expect(depositAllowed(-1, 100)).toBe(false)
  })
})

describe('Shanghai local time ↔ ISO', () => {
  it('reads a datetime-local value as UTC+8', () => {
    const iso = shanghaiLocalToIso('2026-12-15T09:30')
    expect(iso).toBe('2026-12-15T09:30:00+08:00')
    expect(new Date(iso!).toISOString()).toBe('2026-12-15T01:30:00.000Z')
  })

  it('keeps seconds when given and crosses midnight correctly', () => {
    expect(shanghaiLocalToIso('2027-01-01T00:15:30')).toBe('2027-01-01T00:15:30+08:00')
    expect(new Date(shanghaiLocalToIso('2027-01-01T07:59')!).toISOString()).toBe('2026-12-31T23:59:00.000Z')
  })

  it.each(['', '2026-02-30T10:00', '2026-12-15T25:00', '2026-12-15 09:30', '15/12/2026 09:30', '2026-13-01T00:00'])(
    'refuses %j',
    (text) => {
      expect(shanghaiLocalToIso(text)).toBeNull()
    },
  )

  it('turns an instant back into the Shanghai wall clock', () => {
    expect(isoToShanghaiLocal('2026-12-15T01:30:00Z')).toBe('2026-12-15T09:30')
    expect(isoToShanghaiLocal('2026-12-31T20:00:00-05:00')).toBe('2027-01-01T09:00')
    expect(isoToShanghaiLocal('nonsense')).toBe('')
  })
})

describe('opening-form fields', () => {
  it('a new lot starts with the price field only', () => {
    expect(emptyLot(0).fields).toEqual([priceField()])
    expect(fieldIssues([priceField()])).toEqual([])
  })

  it('finds bad keys, duplicates, missing labels, a non-money price and a missing price', () => {
    const keys = (fields: Parameters<typeof fieldIssues>[0]) => fieldIssues(fields).map((i) => i.key)
    expect(keys([priceField(), { key: 'Bad Key', label_zh: '甲', label_en: 'A', type: 'text' }])).toEqual(['agent.check.fieldKey'])
    expect(keys([priceField(), { key: '1abc', label_zh: '甲', label_en: 'A', type: 'text' }])).toEqual(['agent.check.fieldKey'])
    expect(
      keys([priceField(), { key: 'note', label_zh: '甲', label_en: 'A', type: 'text' }, { key: 'note', label_zh: '乙', label_en: 'B', type: 'text' }]),
    ).toEqual(['agent.check.fieldDuplicate'])
    expect(keys([priceField(), { key: 'note', label_zh: ' ', label_en: 'A', type: 'text' }])).toEqual(['agent.check.fieldLabels'])
    expect(keys([{ ...priceField(), type: 'integer' }])).toEqual(['agent.check.priceMoney'])
    expect(keys([{ key: 'note', label_zh: '甲', label_en: 'A', type: 'text' }])).toEqual(['agent.check.priceMissing'])
    const many = Array.from({ length: 20 }, (_, i) => ({ key: `f${i}`, label_zh: '甲', label_en: 'A', type: 'text' as const }))
    expect(keys([priceField(), ...many])).toEqual(['agent.check.tooManyFields'])
  })
})

describe('buildProjectPayload', () => {
  it('builds the API body: trimmed texts, upper-case credit code, fen, ISO deadline, fields', () => {
    const result = buildProjectPayload(goodDraft(), NOW)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.payload).toEqual({
      code: 'NJ-2026-001',
      name: '道路改造工程',
      category: 'works',
      tenderer_credit_code: validCreditCode(),
      region: null,
      lots: [
        {
          code: '01',
          name: '一标段',
          estimated_price_fen: 123456789,
          deposit_fen: 2469135,
          bid_deadline: '2026-12-15T09:30:00+08:00',
          decrypt_window_minutes: 30,
          objection_window_minutes: 15,
          form_fields: [
            { key: 'price_fen', label_zh: '投标报价（元）', label_en: 'Bid price', type: 'money' },
            { key: 'duration_days', label_zh: '工期', label_en: 'Duration', type: 'integer' },
          ],
          deposit_forms: ['bank_transfer', 'e_guarantee'],
          basic_account_required: null,
          design_survey: false,
          bid_validity_days: 90,
        },
      ],
    })
  })

  it('refuses a deposit above 2 % and names the limit in fen', () => {
    const draft = goodDraft()
    draft.lots[0]!.depositYuan = '24691.36'
    const result = buildProjectPayload(draft, NOW)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues).toEqual([{ lot: 0, field: 'deposit', key: 'agent.check.depositRule', params: { max: 2469135 } }])
  })

  it('collects every problem at once, per lot', () => {
    const draft = goodDraft()
    draft.code = ''
    draft.tendererCreditCode = validCreditCode().slice(0, 17) + 'X'
    const second = emptyLot(1)
    second.code = '01' // duplicate
    second.estimateYuan = '0'
    second.depositYuan = 'x'
    second.deadlineLocal = '2026-11-01T10:00' // in the past
    second.decryptMinutes = 0
    second.objectionMinutes = '1441'
    draft.lots.push(second)
    const result = buildProjectPayload(draft, NOW)
    expect(result.ok).toBe(false)
    if (result.ok) return
    const found = result.issues.map((i) => `${i.lot ?? '-'}:${i.field}:${i.key}`)
    expect(found).toEqual([
      '-:code:agent.check.required',
      '-:tenderer:agent.check.creditCode',
      '1:code:agent.check.lotDuplicate',
      '1:name:agent.check.required',
      '1:estimate:agent.check.positive',
      '1:deposit:agent.check.money',
      '1:deadline:agent.check.deadlinePast',
      '1:decrypt:agent.check.window',
      '1:objection:agent.check.window',
    ])
  })

  it('needs at least one lot', () => {
    const draft = goodDraft()
    draft.lots = []
    const result = buildProjectPayload(draft, NOW)
    expect(result.ok ? [] : result.issues.map((i) => i.key)).toEqual(['agent.check.noLots'])
  })
})

const project: AgentProject = {
  id: 'p1',
  code: 'NJ-1',
  name: '工程',
  category: 'goods',
  status: 'draft',
  phase: 'draft',
  tenderer: '招标人',
  tenderer_credit_code: validCreditCode(),
  region: '南京',
  published_at: null,
  tender_start_at: null,
  clarification_deadline: null,
  documents: [],
  lots: [
    {
      id: 'l1',
      code: '01',
      name: '一标段',
      estimated_price_fen: 100000,
      deposit_fen: 2000,
      bid_deadline: '2026-12-15T01:30:00Z',
      decrypt_window_minutes: 5,
      objection_window_minutes: 10,
      form_fields: [priceField()],
      deposit_forms: ['bank_transfer', 'cash', 'e_guarantee'],
      basic_account_required: true,
      design_survey: true,
      bid_validity_days: 120,
    },
    {
      id: 'l2',
      code: '02',
      name: '二标段',
      estimated_price_fen: 5,
      deposit_fen: 0,
      bid_deadline: '2026-12-01T01:30:00Z',
      decrypt_window_minutes: 30,
      objection_window_minutes: 15,
      form_fields: [priceField()],
      deposit_forms: ['bank_transfer', 'e_guarantee'],
      basic_account_required: false,
      design_survey: false,
      bid_validity_days: 90,
    },
  ],
}

describe('draftFromProject', () => {
  it('prefills a new draft (new code, yuan, Shanghai time) that builds to the same lots', () => {
    const draft = draftFromProject(project)
    expect(draft.code).toBe('NJ-1-2')
    expect(draft.tendererCreditCode).toBe(validCreditCode())
    expect(draftFromProject(project, '').code).toBe('NJ-1') // editing keeps the code
    expect(draft.lots[0]).toMatchObject({ estimateYuan: '1000.00', depositYuan: '20.00', deadlineLocal: '2026-12-15T09:30' })
    expect(draft.lots[1]).toMatchObject({ estimateYuan: '0.05', depositYuan: '0.00' })
    const result = buildProjectPayload(draft, NOW)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.payload.lots.map((l) => [l.estimated_price_fen, l.deposit_fen, Date.parse(l.bid_deadline)])).toEqual([
      [100000, 2000, Date.parse('2026-12-15T01:30:00Z')],
      [5, 0, Date.parse('2026-12-01T01:30:00Z')],
    ])
    // The deposit requirement comes back as it was stored (goods: the basic account is the agent's choice).
    expect(draft.lots.map((l) => [l.depositForms, l.basicAccount, l.designSurvey, l.validityDays])).toEqual([
      [['bank_transfer', 'cash', 'e_guarantee'], 'yes', true, 120],
      [['bank_transfer', 'e_guarantee'], 'auto', false, 90],
    ])
    expect(result.payload.lots.map((l) => [l.basic_account_required, l.bid_validity_days])).toEqual([
      [true, 120],
      [null, 90],
    ])
  })
})

describe('the deposit requirement (as bidding/tendering/rules/deposit_requirements.py)', () => {
  it('defaults to transfer and guarantee, the basic account by category, 90 days', () => {
    const lot = emptyLot(0)
    expect([lot.depositForms, lot.basicAccount, lot.designSurvey, lot.validityDays]).toEqual([
      ['bank_transfer', 'e_guarantee'],
      'auto',
      false,
      90,
    ])
    expect(basicAccountRequired('auto', 'works')).toBe(true)
    expect(basicAccountRequired('auto', 'goods')).toBe(false)
    expect(basicAccountRequired('no', 'works')).toBe(false)
  })

  it('names the rules the server applies at publication', () => {
    expect(depositFormIssues(['bank_transfer', 'e_guarantee'], 'auto', 'works', 100)).toEqual([])
    expect(depositFormIssues([], 'auto', 'works', 100)).toEqual(['agent.check.formsEmpty'])
    expect(depositFormIssues(['cash'], 'auto', 'goods', 100)).toEqual(['agent.check.cashOnly', 'agent.check.guaranteeAccepted'])
    expect(depositFormIssues(['bank_transfer'], 'yes', 'works', 100)).toEqual(['agent.check.guaranteeAccepted'])
    expect(depositFormIssues(['bank_transfer', 'e_guarantee'], 'no', 'works', 100)).toEqual(['agent.check.basicAccount'])
    expect(depositFormIssues(['e_guarantee'], 'no', 'works', 100)).toEqual([]) // no money paid in
    expect(depositFormIssues(['bank_transfer', 'e_guarantee'], 'no', 'goods', 100)).toEqual([])
    expect(depositFormIssues(['cash'], 'no', 'works', 0)).toEqual([]) // no deposit, nothing to check
  })

  it('checks the forms and the bid validity when building, per lot', () => {
    const draft = goodDraft()
    const lot = draft.lots[0]!
    lot.depositForms = ['cash']
    lot.basicAccount = 'no'
    lot.validityDays = '366'
    const result = buildProjectPayload(draft, NOW)
    expect(result.ok ? [] : result.issues.map((i) => `${i.field}:${i.key}`)).toEqual([
      'depositForms:agent.check.cashOnly',
      'depositForms:agent.check.guaranteeAccepted',
      'depositForms:agent.check.basicAccount',
      'validity:agent.check.validity',
    ])
  })

  it('shows the default absolute cap (RULES a3)', () => {
    expect(defaultCapFen('works', false)).toBe(80_000_000)
    expect(defaultCapFen('services', true)).toBe(10_000_000)
  })
})

describe('project page helpers', () => {
  it('offers the actions the phase allows', () => {
    expect(actionsFor('draft')).toEqual(['documents', 'publish'])
    expect(actionsFor('tendering')).toContain('clarify')
    expect(actionsFor('opening')).toEqual([])
    expect(actionsFor('evaluation')).toEqual(['notices'])
  })

  it('the next deadline is the earliest still ahead, else the last', () => {
    expect(nextDeadline(project, NOW)).toBe('2026-12-01T01:30:00Z')
    expect(nextDeadline(project, new Date('2026-12-05T00:00:00Z'))).toBe('2026-12-15T01:30:00Z')
    expect(nextDeadline(project, new Date('2027-01-01T00:00:00Z'))).toBe('2026-12-15T01:30:00Z')
    expect(nextDeadline({ lots: [] })).toBeNull()
  })
})

describe('earliestAllowed', () => {
  it('reads the earliest deadline out of both schedule refusals (as bidding/tendering/rules/schedule.py words them)', () => {
    const bidPeriod =
      'the bid deadline 2026-12-03T13:51:00+00:00 is less than 20 days after the documents are available; ' +
      'the earliest allowed is 2026-12-13T13:50:56.001370+00:00 (Tendering Law art. 24)'
    const clarification =
      'a clarification or amendment less than 15 days before the bid deadline must move it to ' +
      '2026-12-08T10:00:00+00:00 or later (Tendering Law art. 23)'
    expect(earliestAllowed(bidPeriod)).toBe('2026-12-13T13:50:56.001370+00:00')
    expect(earliestAllowed(clarification)).toBe('2026-12-08T10:00:00+00:00')
    expect(earliestAllowed('投标截止时间 2026-12-03T13:51:00+00:00 距招标文件开始发出之日不足 20 日，最早可为 2026-12-13T13:50:56+00:00（招标投标法第二十四条）')).toBe(
      '2026-12-13T13:50:56+00:00',
    )
    expect(earliestAllowed('upload the tender documents before publishing')).toBeNull()
    expect(earliestAllowed(null)).toBeNull()
  })

  it('formats sizes', () => {
    expect(formatSize(512)).toBe('512 B')
    expect(formatSize(1536)).toBe('1.5 KB')
    expect(formatSize(5 * 1024 * 1024)).toBe('5.0 MB')
  })
})
