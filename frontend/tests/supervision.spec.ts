/** Supervision (issue 24): the API calls, the live feed (hello with the token and `since`, a new red
 * alert first and fresh, resume after a drop from the last alert id, no retry when refused), the
 * helpers and the charts' options, and the two catalogues. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { answerOrder, closeOrder, getStats, listAlerts, listClocks, listOrders, lotCollusion, type AlertView, type ClockView } from '@/api/supervision'
import en from '@/i18n/supervision.en'
import zh from '@/i18n/supervision.zh-CN'
import type { WebSocketLike } from '@/room/client'
import { mergeAlerts, SupervisionLive, supervisionUrl } from '@/views/supervision/live'
import {
  actorText,
  agencyOption,
  canAnswer,
  canClose,
  complaintOverdue,
  dailyOption,
  durationText,
  kindOption,
  upsertOrder,
  urgentClocks,
} from '@/views/supervision/supervision'
import { recordFetch, restoreApiClient } from './fetch-helpers'
import { leaves, placeholders, type Tree } from './i18n-helpers'

afterEach(restoreApiClient)

describe('the supervision API', () => {
  it('asks for what the contract names', async () => {
    const seen = recordFetch(() => new Response('[]'))
    await listClocks({ running: true })
    await listAlerts(12)
    await listOrders({ state: 'open' })
    await listOrders({ overdue: false })
    await getStats(30)
    expect(seen.map((s) => s.url)).toEqual([
      '/api/supervision/clocks?running=true&limit=100',
      '/api/supervision/alerts?after=12&limit=100',
      '/api/supervision/orders?state=open',
      '/api/supervision/orders',
      '/api/supervision/stats?days=30',
    ])
  })

  it('answers and closes with a JSON body', async () => {
    const seen = recordFetch(() => new Response('{}'))
    await answerOrder('o/1', '已整改')
    await closeOrder('o1', '已核实')
    await lotCollusion('l1')
    expect(seen[0]?.url).toBe('/api/supervision/orders/o%2F1/answer')
    expect(seen[0]?.init.method).toBe('POST')
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual({ answer: '已整改' })
    expect(seen[1]?.url).toBe('/api/supervision/orders/o1/close')
    expect(JSON.parse(String(seen[1]?.init.body))).toEqual({ reason: '已核实' })
    expect(seen[2]?.url).toBe('/api/supervision/lots/l1/collusion')
  })
})

class FakeSocket implements WebSocketLike {
  readyState = 0
  sent: Record<string, unknown>[] = []
  closedWith: number | null = null
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  constructor(readonly url: string) {
    sockets.push(this)
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>)
  }
  close(code = 1000): void {
    this.closedWith = code
    this.readyState = 3
  }
  accept(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  push(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  drop(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code })
  }
}

let sockets: FakeSocket[] = []
let timers: { fn: () => void; ms: number }[] = []

function alert(id: number, level: 'yellow' | 'red' = 'red'): AlertView {
  return {
    id,
    clock_id: 1,
    kind: 'candidate_publicity',
    article: '条例54',
    duty_zh: '自收到评标报告之日起3日内公示中标候选人',
    duty_en: 'Publish the candidates within 3 days of the report',
    level,
    lead_seconds: null,
    project_id: 'p',
    project_code: 'NJ-1',
    project_name: '道路',
    responsible: 'agent',
    responsible_org_id: 'o',
    responsible_org_name: '代理公司',
    responsible_person: null,
    due_at: '2026-03-05T15:59:59Z',
    raised_at: '2026-03-05T16:00:00Z',
    order_id: null,
  }
}

function feed(orders: unknown[] = []) {
  return new SupervisionLive({
    token: () => 'tok',
    url: 'ws://test/ws/supervision',
    WebSocket: FakeSocket,
    onOrder: (o) => orders.push(o),
    setTimer: (fn, ms) => {
      const t = { fn, ms }
      timers.push(t)
      return t
    },
    clearTimer: (h) => {
      timers = timers.filter((t) => t !== h)
    },
  })
}

describe('the live feed', () => {
  beforeEach(() => {
    sockets = []
    timers = []
  })

  it('says hello with the token and the last alert loaded; a new alert is first and fresh', () => {
    const live = feed()
    live.seed([alert(3, 'yellow'), alert(2)])
    live.start()
    expect(live.state.status).toBe('connecting')
    sockets[0]?.accept()
    expect(sockets[0]?.sent).toEqual([{ type: 'hello', token: 'tok', since: 3 }])
    sockets[0]?.push({ type: 'welcome', last_alert_id: 3 })
    expect(live.state.status).toBe('open')
    sockets[0]?.push({ type: 'alert', alert: alert(4) })
    expect(live.state.alerts.map((a) => a.id)).toEqual([4, 3, 2])
    expect(live.state.fresh).toEqual([4])
    sockets[0]?.push({ type: 'alert', alert: alert(4) }) // again: once
    expect(live.state.alerts).toHaveLength(3)
    expect(live.state.fresh).toEqual([4])
    live.markSeen()
    expect(live.state.fresh).toEqual([])
  })

  it('resumes after a drop from the last alert id, and passes order changes on', () => {
    const orders: unknown[] = []
    const live = feed(orders)
    live.start()
    sockets[0]?.accept()
    sockets[0]?.push({ type: 'welcome', last_alert_id: 0 })
    sockets[0]?.push({ type: 'alert', alert: alert(7) })
    sockets[0]?.drop()
    expect(live.state.status).toBe('reconnecting')
    const retry = timers.find((t) => t.ms === 500)
    expect(retry).toBeDefined()
    retry?.fn()
    sockets[1]?.accept()
    expect(sockets[1]?.sent[0]).toEqual({ type: 'hello', token: 'tok', since: 7 })
    sockets[1]?.push({ type: 'welcome', last_alert_id: 8 })
    sockets[1]?.push({ type: 'alert', alert: alert(8) })
    sockets[1]?.push({ type: 'order', order: { id: 'o1', state: 'open' } })
    expect(live.state.fresh).toEqual([8, 7])
    expect(orders).toEqual([{ id: 'o1', state: 'open' }])
    expect(live.state.retries).toBe(0)
  })

  it('does not retry when the server refuses', () => {
    const live = feed()
    live.start()
    sockets[0]?.accept()
    sockets[0]?.push({ type: 'error', error: { code: 'forbidden', message_zh: '无权', message_en: 'Not allowed' } })
    sockets[0]?.drop(4001)
    expect(live.state.status).toBe('refused')
    expect(live.state.error?.code).toBe('forbidden')
    expect(timers).toEqual([])
  })

  it('keeps the server clock offset from the pings', () => {
    const live = new SupervisionLive({ token: () => 'tok', url: 'ws://x', WebSocket: FakeSocket, now: () => Date.parse('2026-03-01T00:00:00Z'), setTimer: () => 0, clearTimer: () => undefined })
    live.start()
    sockets[0]?.accept()
    sockets[0]?.push({ type: 'ping', at: '2026-03-04T00:00:00+00:00' })
    expect(live.state.offsetMs).toBe(3 * 86_400_000)
  })

  it('replaces a silent connection', () => {
    const live = feed()
    live.start()
    sockets[0]?.accept()
    const silence = timers.find((t) => t.ms === 45_000)
    silence?.fn()
    expect(sockets[0]?.closedWith).toBe(4002)
    expect(live.state.status).toBe('reconnecting')
    live.stop()
    expect(live.state.status).toBe('closed')
  })

  it('builds the URL on the page host', () => {
    expect(supervisionUrl({ protocol: 'https:', host: 'ggzy.example.cn' })).toBe('wss://ggzy.example.cn/ws/supervision')
    expect(mergeAlerts([alert(1)], [alert(5), alert(3)]).map((a) => a.id)).toEqual([5, 3, 1])
  })
})

describe('the helpers', () => {
  const t = (key: string, named: Record<string, unknown> = {}): string => `${key.split('.').pop()}:${String(named.n ?? '')}`

  it('only the supervisor closes, only the responsible party answers an open order', () => {
    expect(canClose('supervisor', { state: 'answered' })).toBe(true)
    expect(canClose('supervisor', { state: 'closed' })).toBe(false)
    expect(canClose('auditor', { state: 'open' })).toBe(false)
    expect(canAnswer('agent', { state: 'open' })).toBe(true)
    expect(canAnswer('agent', { state: 'answered' })).toBe(false)
    expect(canAnswer('auditor', { state: 'open' })).toBe(false)
  })

  it('orders the clocks red first then by limit, without the done ones', () => {
    const c = (id: number, level: ClockView['level'], due: string, done: string | null = null) =>
      ({ id, level, due_at: due, done_at: done, cancelled_at: null }) as ClockView
    const shown = urgentClocks([
      c(1, 'yellow', '2026-03-01T00:00:00Z'),
      c(2, 'red', '2026-03-05T00:00:00Z'),
      c(3, 'none', '2026-02-01T00:00:00Z'),
      c(4, 'red', '2026-03-02T00:00:00Z'),
      c(5, 'red', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'),
    ])
    expect(shown.map((x) => x.id)).toEqual([4, 2, 1])
  })

  it('shortens a certificate fingerprint, keeps a name', () => {
    expect(actorText('cert:bfe7b37fd61b4fb9351f8af540425')).toBe('cert:bfe7b37fd61b…')
    expect(actorText('王五')).toBe('王五')
    expect(actorText(null)).toBe('')
  })

  it('says durations in two units', () => {
    expect(durationText((2 * 24 + 3) * 3_600_000 + 5 * 60_000, t)).toBe('days:2 hours:3')
    expect(durationText(-(3 * 60 + 7) * 60_000, t)).toBe('hours:3 minutes:7')
    expect(durationText(42 * 60_000, t)).toBe('minutes:42')
  })

  it('flags overdue complaints and updates orders in place', () => {
    expect(complaintOverdue({ id: 'c', status: 'received', received_at: '', acceptance_due_on: null, decision_due_on: null, acceptance_overdue: true })).toBe(true)
    expect(complaintOverdue({ id: 'c', status: 'accepted', received_at: '', acceptance_due_on: null, decision_due_on: null, overdue: false, decision_overdue: true })).toBe(false)
    const a = { id: 'a', state: 'open' } as never
    const b = { id: 'b', state: 'open' } as never
    expect(upsertOrder([a, b], { id: 'b', state: 'closed' } as never)).toEqual([a, { id: 'b', state: 'closed' }])
    expect(upsertOrder([a], b).map((o: { id: string }) => o.id)).toEqual(['b', 'a'])
  })

  it('builds the charts: daily stacked, per agency, per kind', () => {
    const label = (k: string) => k.split('.').pop() ?? k
    const daily = dailyOption([{ day: '2026-03-05', yellow: 2, red: 1, orders_opened: 1, orders_closed: 0 }], label)
    expect(daily.xAxis).toMatchObject({ data: ['03-05'] })
    expect(daily.series).toMatchObject([
      { name: 'yellow', stack: 'alerts', data: [2] },
      { name: 'red', stack: 'alerts', data: [1] },
    ])
    const agency = agencyOption(
      [
        { organization_id: 'a', name: '甲代理', yellow: 0, red: 1, orders: 1, open_orders: 1, escalated: 0 },
        { organization_id: 'b', name: '乙代理', yellow: 3, red: 4, orders: 4, open_orders: 0, escalated: 1 },
      ],
      label,
    )
    // The most red at the top: last on ECharts' category axis.
    expect(agency.yAxis).toMatchObject({ data: ['甲代理', '乙代理'] })
    expect(agency.series).toMatchObject([{ name: 'red', data: [1, 4] }, { name: 'orders' }, { name: 'openOrders', data: [1, 0] }])
    const kinds = kindOption([{ kind: 'contract', yellow: 1, red: 0, orders: 0 }], label, (k) => `<${k}>`)
    expect(kinds.yAxis).toMatchObject({ data: ['<contract>'] })
  })
})

describe('the supervision catalogues', () => {
  const zhLeaves = leaves(zh as unknown as Tree)
  const enLeaves = leaves(en as unknown as Tree)
  it('have the same keys, no empty message and the same placeholders', () => {
    expect([...zhLeaves.keys()].filter((k) => !enLeaves.has(k))).toEqual([])
    expect([...enLeaves.keys()].filter((k) => !zhLeaves.has(k))).toEqual([])
    expect([...zhLeaves, ...enLeaves].filter(([, v]) => v.trim() === '')).toEqual([])
    expect([...zhLeaves.keys()].filter((k) => placeholders(zhLeaves.get(k) ?? '') !== placeholders(enLeaves.get(k) ?? ''))).toEqual([])
  })
  it('name every kind of clock', () => {
    expect(Object.keys(zh.supervision.kinds)).toHaveLength(26)
  })
})
