/** The supervision components rendered on the server (no browser), in both languages: a new red
 * alert highlighted and counted, the connection state, a running clock late or not, an order with its
 * answer and closing reason, and the close button only in the supervisor's slot. */
import { createSSRApp, h, type Component } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { afterEach, describe, expect, it } from 'vitest'
import type { AlertView, ClockView, OrderView } from '@/api/supervision'
import { i18n } from '@/i18n'
import AlertsPanel from '@/views/supervision/AlertsPanel.vue'
import ClocksPanel from '@/views/supervision/ClocksPanel.vue'
import OrderItem from '@/views/supervision/OrderItem.vue'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

async function render(component: Component, props: Record<string, unknown>, locale: 'zh-CN' | 'en' = 'zh-CN', slot?: () => unknown): Promise<string> {
  i18n.global.locale.value = locale
  const app = createSSRApp({ render: () => h(component, props, slot ? { default: slot } : undefined) })
  app.use(i18n)
  return renderToString(app)
}

const who = {
  project_id: 'p1',
  project_code: 'NJ-2026-GC-0105',
  project_name: '道路工程',
  responsible: 'agent',
  responsible_org_id: 'o1',
  responsible_org_name: '江苏招标代理有限公司',
  responsible_person: '王五',
}

const red: AlertView = {
  ...who,
  id: 9,
  clock_id: 3,
  kind: 'candidate_publicity',
  article: '条例54',
  duty_zh: '自收到评标报告之日起3日内公示中标候选人',
  duty_en: 'Publish the candidates within 3 days of receiving the report',
  level: 'red',
  lead_seconds: null,
  due_at: '2026-03-05T15:59:59Z',
  raised_at: '2026-03-05T16:00:01Z',
  order_id: 'ord1',
}

const order: OrderView = {
  ...who,
  id: 'ord1',
  number: 'DB-2026-000001',
  kind: 'candidate_publicity',
  article: '条例54',
  duty_zh: red.duty_zh,
  duty_en: red.duty_en,
  lot_id: 'l1',
  state: 'closed',
  opened_at: '2026-03-05T16:00:01Z',
  opened_by: null,
  reply_due_at: '2026-03-10T15:59:59Z',
  overdue: false,
  answer: '因系统维护延误，已于次日发布公示。',
  answered_at: '2026-03-06T02:00:00Z',
  answered_by: '王五',
  closed_at: '2026-03-06T03:00:00Z',
  closed_by: '监督员',
  close_reason: '已核实公示已发布，予以办结。',
  escalations: 1,
  escalated_at: null,
  due_at: '2026-03-05T15:59:59Z',
  alert_id: 9,
}

describe('the alerts panel', () => {
  it('puts a fresh red alert first, highlighted, with the badge and the connection state', async () => {
    const yellow = { ...red, id: 8, level: 'yellow' as const, lead_seconds: 86_400, order_id: null }
    const html = await render(AlertsPanel, { alerts: [red, yellow], fresh: [9], status: 'open' })
    expect(html).toContain('data-testid="alerts-badge" data-count="1"')
    expect(html).toContain('1 条新告警')
    expect(html).toContain('实时连接正常')
    expect(html.indexOf('data-alert-id="9"')).toBeLessThan(html.indexOf('data-alert-id="8"'))
    expect(html).toMatch(/class="alert--red alert--fresh alert"[^>]*data-alert-id="9"[^>]*data-fresh="true"/)
    expect(html).toContain('红色告警')
    expect(html).toContain('2026/03/06 00:00') // raised, China time
    expect(html).toContain('data-testid="alert-order"')
    expect(html).toContain('距期限 1 天 0 小时')
  })

  it('speaks English', async () => {
    const html = await render(AlertsPanel, { alerts: [red], fresh: [], status: 'reconnecting' }, 'en')
    expect(html).toContain('Connection lost, reconnecting…')
    expect(html).toContain('Publish the candidates within 3 days')
    expect(html).not.toContain('alerts-badge')
  })
})

describe('the clocks panel', () => {
  it('shows red clocks late and yellow ones with the time left', async () => {
    const clock = (id: number, level: 'red' | 'yellow', due: string): ClockView => ({
      ...who,
      id,
      kind: 'contract',
      article: '法46',
      duty_zh: '自中标通知书发出之日起30日内订立书面合同',
      duty_en: 'Sign the contract within 30 days of the award notice',
      subject_type: 'award',
      subject_id: 'a1',
      lot_id: 'l1',
      started_at: '2026-02-01T00:00:00Z',
      due_at: due,
      done_at: null,
      cancelled_at: null,
      level,
      lead_seconds: null,
      level_at: null,
      order_id: null,
    })
    const now = Date.parse('2026-03-05T00:00:00Z')
    const html = await render(ClocksPanel, { clocks: [clock(1, 'yellow', '2026-03-06T02:00:00Z'), clock(2, 'red', '2026-03-04T21:00:00Z')], now })
    expect(html.indexOf('data-clock-id="2"')).toBeLessThan(html.indexOf('data-clock-id="1"'))
    expect(html).toContain('超时 3 小时 0 分钟')
    expect(html).toContain('剩余 1 天 2 小时')
  })

  it('calls a red clock late even when this browser\'s clock is behind the platform\'s', async () => {
    const html = await render(ClocksPanel, {
      clocks: [{ ...who, id: 3, kind: 'contract', article: '法46', duty_zh: '签订合同', duty_en: 'Sign', subject_type: 'award', subject_id: 'a', lot_id: null, started_at: '2026-02-01T00:00:00Z', due_at: '2026-03-06T00:00:00Z', done_at: null, cancelled_at: null, level: 'red', lead_seconds: null, level_at: null, order_id: null }],
      now: Date.parse('2026-03-05T00:00:00Z'),
    })
    expect(html).toContain('已逾期')
    expect(html).not.toContain('剩余')
  })
})

describe('an order', () => {
  it('shows its answer and closing reason, its escalations, in both languages', async () => {
    const zh = await render(OrderItem, { order })
    expect(zh).toContain('DB-2026-000001')
    expect(zh).toContain('已办结')
    expect(zh).toContain('已升级 1 次')
    expect(zh).toContain(order.close_reason)
    expect(zh).toContain(order.answer)
    const en = await render(OrderItem, { order: { ...order, state: 'open', answer: null, close_reason: null, closed_at: null, overdue: true } }, 'en')
    expect(en).toContain('Not answered yet')
    expect(en).toContain('Overdue')
    expect(en).not.toContain('order-close-reason')
  })
})
