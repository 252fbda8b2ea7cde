/** The award pages' components rendered on the server (no browser): what a tenderer sees in the choice
 * form (a withdrawn winner not offered again, its reason carried), the candidates and clocks, the
 * public lot's publicity and result — in both languages. */
import { createSSRApp, h, type Component } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { afterEach, describe, expect, it } from 'vitest'
import type { AwardView, PublicCandidate } from '@/api/awards'
import { i18n } from '@/i18n'
import AwardClocks from '@/views/awards/AwardClocks.vue'
import CandidatesTable from '@/views/awards/CandidatesTable.vue'
import ChoiceForm from '@/views/awards/ChoiceForm.vue'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

async function render(component: Component, props: Record<string, unknown>, locale: 'zh-CN' | 'en' = 'zh-CN'): Promise<string> {
  i18n.global.locale.value = locale
  const app = createSSRApp({ render: () => h(component, props) })
  app.use(i18n)
  return renderToString(app)
}

const candidate = (rank: number, bidder: string, price: number) => ({
  rank,
  bid_id: `b${rank}`,
  organization_id: `o${rank}`,
  bidder,
  credit_code: `9111000000000000${rank}X`,
  price_fen: price,
  total: '92.50',
  duration_days: '180',
  quality: '合格',
  project_manager: '张三',
  project_manager_certificate: '京1112020202012345',
})

const award: AwardView = {
  id: 'a1',
  role: 'tenderer',
  project_id: 'p1',
  project_code: 'ZB-2026-001',
  project_name: '道路工程',
  lot_id: 'l1',
  lot_code: '01',
  lot_name: '一标段',
  state: 'awaiting_choice',
  state_at: '2026-03-09T00:00:00Z',
  government_procurement: false,
  state_controlled: true,
  candidates: [candidate(1, '甲建设公司', 100_000_000), candidate(2, '乙建设公司', 101_000_000), candidate(3, '丙建设公司', 102_000_000)],
  publicity: { number: 'GS-1', published_at: '2026-03-05T02:00:00Z', closes_at: '2026-03-08T16:00:00Z' },
  choice: {
    rank: null,
    winner: null,
    reasons: null,
    note: null,
    deemed: false,
    at: null,
    withdrawn: [{ rank: 1, bidder: '甲建设公司', reason: 'no_performance_security', note: null, at: '2026-03-20T02:00:00Z', batch: 1 }],
  },
  choice_due_on: null,
  notice_batch: 1,
  notices_sent_at: '2026-03-10T02:00:00Z',
  contract_due_on: null,
  report_due_on: null,
  contracted_at: null,
  report_filed_at: null,
  closed_at: null,
  ended: null,
  retender_required: false,
  objections_open: 0,
  complaints_open: 0,
}

describe('the choice form', () => {
  it('offers the candidates, not the withdrawn winner, and says why a state-controlled project needs reasons', async () => {
    const html = await render(ChoiceForm, { award })
    expect(html).toContain('第 2 名：乙建设公司')
    expect(html).toMatch(/<option value="1" disabled[^>]*>\s*第 1 名：甲建设公司/)
    expect(html).toContain('国有资金占控股或者主导地位的项目')
    expect(html).toContain('data-testid="choice-submit"')
  })

  it('reads in English too', async () => {
    const html = await render(ChoiceForm, { award }, 'en')
    expect(html).toContain('Rank 2: 乙建设公司')
    expect(html).toContain('Choose the winner')
  })
})

describe('the candidates and the clocks', () => {
  it('lists the candidates in rank order with the price in yuan and the winner marked', async () => {
    const html = await render(CandidatesTable, { candidates: [award.candidates[2], award.candidates[0], award.candidates[1]], winnerRank: 2 })
    const order = [...html.matchAll(/data-rank="(\d)"/g)].map((m) => m[1])
    expect(order).toEqual(['1', '2', '3'])
    expect(html).toContain('¥1,000,000.00')
    expect(html).toContain('京1112020202012345')
    expect(html.match(/data-testid="candidate-winner"/g)?.length).toBe(1)
  })

  it('shows a public candidate’s price in words', async () => {
    const pub: PublicCandidate = {
      rank: 1,
      bidder: '甲建设公司',
      credit_code: '911100000000000001',
      price_fen: 100_000_000,
      price_uppercase: '壹佰万元整',
      total: null,
      duration_days: null,
      quality: null,
      project_manager: null,
      project_manager_certificate: null,
    }
    const html = await render(CandidatesTable, { candidates: [pub] })
    expect(html).toContain('壹佰万元整')
  })

  it('marks a clock late once its day is over in China', async () => {
    const html = await render(AwardClocks, { award: { state: 'awarded', contract_due_on: '2000-01-31', report_due_on: '2999-01-15' } })
    expect(html).toMatch(/class="late"[^>]*data-clock="contract"/)
    expect(html).toMatch(/data-clock="report"/)
    expect(html).not.toMatch(/class="late"[^>]*data-clock="report"/)
  })
})
