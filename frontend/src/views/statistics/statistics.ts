/**
 * The statistics pages' pure helpers: each chart's ECharts option built from its table (drawn by
 * `components/StatChart.vue`, tested without a canvas), the table view's cells, and the default
 * period. The tables are the server's (`bidding/statistics/figures.py`); nothing is recomputed here
 * but what a bar needs (fen drawn as yuan, a percentage string drawn as a number).
 */
import type { StatChartOption } from '@/components/statChart'
import type { Cell, StatChart } from '@/api/statistics'
import { formatFen } from '@/utils/money'

export type Label = (key: string) => string

const COLORS = ['#2f6fd6', '#e0a100', '#c0392b', '#2e9d5b', '#8e44ad', '#7f8c8d', '#16a085', '#d35400']
const tooltip = { trigger: 'axis', axisPointer: { type: 'shadow' } } as const
const grid = { left: 8, right: 16, top: 40, bottom: 8, containLabel: true }

/** Columns whose values are words the page translates (`statistics.values.*`). */
const WORD_COLUMNS = new Set(['category', 'phase', 'result', 'measure', 'delay_days'])

/** The index of `column` in `chart`; -1 if it has none. */
function at(chart: StatChart, column: string): number {
  return chart.columns.indexOf(column)
}

/** A column's numbers for the bars; a cell with no value (an average of nothing) draws no bar. */
function numbers(chart: StatChart, column: string, scale: (value: Cell) => number = Number): (number | null)[] {
  const i = at(chart, column)
  return chart.rows.map((row) => {
    const value = row[i] ?? null
    return value === null ? null : scale(value)
  })
}

/** The message key of a word value: the delay buckets ("2-3", "16+") are keys vue-i18n can read. */
export function valueKey(value: string): string {
  return /^\d/.test(value) ? `late_${value.replace('+', '_plus').replace(/-/g, '_')}` : value
}

/** A cell as the table view shows it: money as yuan, words translated, none as a dash. */
export function cellText(column: string, value: Cell, label: Label): string {
  if (value === null || value === '') return '—'
  if (column.endsWith('_fen')) return formatFen(value)
  if (column.endsWith('_pct')) return `${value}%`
  if (WORD_COLUMNS.has(column) && typeof value === 'string') {
    const key = `statistics.values.${valueKey(value)}`
    const text = label(key)
    return text === key ? value : text
  }
  return String(value)
}

/** A column's heading (`statistics.columns.*`). */
export function columnText(column: string, label: Label): string {
  const key = `statistics.columns.${column}`
  const text = label(key)
  return text === key ? column : text
}

function bars(
  categories: string[],
  series: { name: string; data: (number | null)[]; stack?: string }[],
  horizontal = false,
  counts = true,
): StatChartOption {
  const category = { type: 'category' as const, data: categories, axisLabel: { hideOverlap: true } }
  // counts have whole ticks; amounts and percentages do not
  const value = counts ? { type: 'value' as const, minInterval: 1 } : { type: 'value' as const }
  return {
    tooltip,
    grid,
    legend: { top: 0 },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? category : value,
    series: series.map((s, i) => ({ type: 'bar' as const, color: COLORS[i % COLORS.length], ...s })),
  }
}

function words(chart: StatChart, column: string, label: Label): string[] {
  const i = at(chart, column)
  return chart.rows.map((row) => cellText(column, row[i] ?? null, label))
}

/** The ECharts option of one chart of the centre's page, or of the public page's months. */
export function chartOption(chart: StatChart, label: Label): StatChartOption {
  const name = (column: string): string => columnText(column, label)
  switch (chart.name) {
    case 'openings':
    case 'openings_per_month':
      return bars(
        chart.rows.map((row) => String(row[0]).slice(5)),
        [{ name: name('openings'), data: numbers(chart, 'openings') }],
      )
    case 'projects': {
      const categories = [...new Set(chart.rows.map((row) => String(row[0])))]
      const phases = [...new Set(chart.rows.map((row) => String(row[1])))]
      const count = (category: string, phase: string): number =>
        Number(chart.rows.find((row) => row[0] === category && row[1] === phase)?.[2] ?? 0)
      return bars(
        categories.map((c) => cellText('category', c, label)),
        phases.map((p) => ({ name: cellText('phase', p, label), stack: 'phase', data: categories.map((c) => count(c, p)) })),
      )
    }
    case 'bids':
      return bars(
        chart.rows.map((row) => String(row[0])),
        [{ name: name('lots'), data: numbers(chart, 'lots') }],
      )
    case 'discount':
      return bars(words(chart, 'category', label), [
        { name: name('opened_discount_pct'), data: numbers(chart, 'opened_discount_pct', (v) => Number(v)) },
        { name: name('awarded_discount_pct'), data: numbers(chart, 'awarded_discount_pct', (v) => Number(v)) },
      ], false, false)
    case 'decryption':
      return bars(words(chart, 'result', label), [{ name: name('bids'), data: numbers(chart, 'bids') }], true)
    case 'deposits':
      // drawn in yuan (a bar's height); the table view shows the exact fen as yuan
      return bars(
        words(chart, 'measure', label),
        [{ name: name('amount_yuan'), data: numbers(chart, 'amount_fen', (v) => Number(v) / 100) }],
        true,
        false,
      )
    case 'refund_delays':
      return bars(words(chart, 'delay_days', label), [{ name: name('refunds'), data: numbers(chart, 'refunds') }])
    case 'alerts':
      return bars(
        chart.rows.map((row) => String(row[0])),
        [
          { name: name('yellow'), stack: 'level', data: numbers(chart, 'yellow') },
          { name: name('red'), stack: 'level', data: numbers(chart, 'red') },
        ],
        true,
      )
    default: {
      const [first = '', ...rest] = chart.columns
      return bars(
        words(chart, first, label),
        rest.map((column) => ({ name: name(column), data: numbers(chart, column) })),
      )
    }
  }
}

/** True when a chart has nothing to draw (no rows, or every number zero). */
export function isEmpty(chart: StatChart): boolean {
  return chart.rows.every((row) => row.every((cell) => typeof cell !== 'number' || cell === 0))
}

/** A China calendar day as YYYY-MM-DD, `days` before `today`'s. */
export function chinaDay(now: Date, daysBefore = 0): string {
  const china = new Date(now.getTime() + 8 * 3600_000 - daysBefore * 86_400_000)
  return china.toISOString().slice(0, 10)
}

/** The centre page's default period: the last 90 China days, today included (the server's default). */
export function defaultPeriod(now: Date): [string, string] {
  return [chinaDay(now, 89), chinaDay(now)]
}

/** The years the public page offers: this China year back to `first`, newest first. */
export function yearsOffered(now: Date, count = 6): number[] {
  const year = Number(chinaDay(now).slice(0, 4))
  return Array.from({ length: count }, (_, i) => year - i)
}
