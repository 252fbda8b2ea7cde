/**
 * The supervision pages' pure helpers: who sees which page and button, the running clocks in order
 * of urgency, durations in words, and the charts' ECharts options (built here, drawn by
 * `components/StatChart.vue`, so they are tested without a canvas).
 */
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { ClockView, OrderView, SupervisionComplaint, SupervisionStats } from '@/api/supervision'

export type ChartOption = ComposeOption<BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>

/** Read the dashboard: everything supervision shows (RULES: the auditor acts on nothing). */
export const DASHBOARD_ROLES: readonly string[] = ['supervisor', 'auditor']
/** Close an order. */
export const ACTING_ROLE = 'supervisor'
/** The responsible organisations' users: read and answer their own orders. */
export const RESPONSIBLE_ROLES: readonly string[] = ['agent', 'tenderer', 'bidder']
/** The orders page: the responsible parties, and the supervisor and auditor who read every order. */
export const ORDERS_PAGE_ROLES: readonly string[] = [...RESPONSIBLE_ROLES, ...DASHBOARD_ROLES]

export const canClose = (role: string | null, order: Pick<OrderView, 'state'>): boolean =>
  role === ACTING_ROLE && order.state !== 'closed'
export const canAnswer = (role: string | null, order: Pick<OrderView, 'state'>): boolean =>
  role !== null && RESPONSIBLE_ROLES.includes(role) && order.state === 'open'

export const COLORS = { yellow: '#e0a100', red: '#c62828', orders: '#3b6fb6', open: '#8a5cc2' } as const

/** The clocks in yellow or red, not done or cancelled: red first, then the earliest limit. */
export function urgentClocks(clocks: readonly ClockView[]): ClockView[] {
  const rank = (c: ClockView): number => (c.level === 'red' ? 0 : 1)
  return clocks
    .filter((c) => (c.level === 'red' || c.level === 'yellow') && !c.done_at && !c.cancelled_at)
    .sort((a, b) => rank(a) - rank(b) || Date.parse(a.due_at) - Date.parse(b.due_at))
}

/** A duration as its two largest units: {days, hours} or {hours, minutes} or {minutes}. */
export function splitDuration(ms: number): { days: number; hours: number; minutes: number } {
  const minutes = Math.floor(Math.abs(ms) / 60_000)
  return { days: Math.floor(minutes / 1440), hours: Math.floor((minutes % 1440) / 60), minutes: minutes % 60 }
}

/** "2 天 3 小时" / "2 d 3 h" with the page's `t`. */
export function durationText(ms: number, t: (key: string, named: Record<string, unknown>) => string): string {
  const { days, hours, minutes } = splitDuration(ms)
  const parts: string[] = []
  if (days) parts.push(t('supervision.clocks.days', { n: days }))
  if (hours || days) parts.push(t('supervision.clocks.hours', { n: hours }))
  if (!days) parts.push(t('supervision.clocks.minutes', { n: minutes }))
  return parts.join(' ')
}

/** A complaint past a limit: the server's flag, or either of the award view's two flags. */
export function complaintOverdue(c: SupervisionComplaint): boolean {
  return Boolean(c.overdue ?? (c.acceptance_overdue || c.decision_overdue))
}

/** The orders kept on a list after `changed`: replaced in place, or added first if it is new. */
export function upsertOrder(orders: readonly OrderView[], changed: OrderView): OrderView[] {
  const at = orders.findIndex((o) => o.id === changed.id)
  if (at < 0) return [changed, ...orders]
  const next = [...orders]
  next[at] = changed
  return next
}

/** An actor as recorded ("cert:<fingerprint>", "system:demo", a name): a fingerprint shortened. */
export function actorText(actor: string | null | undefined): string {
  if (!actor) return ''
  const cert = /^cert:([0-9a-f]{12})[0-9a-f]+$/i.exec(actor)
  return cert ? `cert:${cert[1]}…` : actor
}

type Label = (key: string) => string

const tooltip: TooltipComponentOption = { trigger: 'axis', axisPointer: { type: 'shadow' } }
const grid: GridComponentOption = { left: 8, right: 16, top: 40, bottom: 8, containLabel: true }

/** Alerts per China day, yellow and red stacked. */
export function dailyOption(daily: SupervisionStats['daily'], label: Label): ChartOption {
  return {
    tooltip,
    grid,
    legend: { top: 0 },
    xAxis: { type: 'category', data: daily.map((d) => d.day.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: label('supervision.stats.yellow'), type: 'bar', stack: 'alerts', color: COLORS.yellow, data: daily.map((d) => d.yellow) },
      { name: label('supervision.stats.red'), type: 'bar', stack: 'alerts', color: COLORS.red, data: daily.map((d) => d.red) },
    ],
  }
}

/** Per responsible organisation: red alerts, orders, open orders (most red first, at most 12). */
export function agencyOption(rows: SupervisionStats['per_agency'], label: Label): ChartOption {
  const top = [...rows].sort((a, b) => b.red - a.red || b.orders - a.orders).slice(0, 12).reverse()
  return {
    tooltip,
    grid,
    legend: { top: 0 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: top.map((r) => r.name ?? '—'), axisLabel: { width: 160, overflow: 'truncate' } },
    series: [
      { name: label('supervision.stats.red'), type: 'bar', color: COLORS.red, data: top.map((r) => r.red) },
      { name: label('supervision.stats.orders'), type: 'bar', color: COLORS.orders, data: top.map((r) => r.orders) },
      { name: label('supervision.stats.openOrders'), type: 'bar', color: COLORS.open, data: top.map((r) => r.open_orders) },
    ],
  }
}

/** Per kind of clock: yellow and red stacked (`kindLabel` names a kind in the page's language). */
export function kindOption(rows: SupervisionStats['per_kind'], label: Label, kindLabel: (kind: string) => string): ChartOption {
  const sorted = [...rows].sort((a, b) => a.red + a.yellow - (b.red + b.yellow))
  return {
    tooltip,
    grid,
    legend: { top: 0 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: sorted.map((r) => kindLabel(r.kind)), axisLabel: { width: 160, overflow: 'truncate' } },
    series: [
      { name: label('supervision.stats.yellow'), type: 'bar', stack: 'kind', color: COLORS.yellow, data: sorted.map((r) => r.yellow) },
      { name: label('supervision.stats.red'), type: 'bar', stack: 'kind', color: COLORS.red, data: sorted.map((r) => r.red) },
    ],
  }
}
