import { describe, expect, it } from 'vitest'
import en from '@/i18n/statistics.en'
import zh from '@/i18n/statistics.zh-CN'
import { CHART_NAMES, csvName, type StatChart } from '@/api/statistics'
import { cellText, chartOption, columnText, defaultPeriod, isEmpty, valueKey, yearsOffered } from '@/views/statistics/statistics'
import { leaves, placeholders, type Tree } from './i18n-helpers'

const zhLeaves = leaves(zh as Tree)
const label = (key: string): string => zhLeaves.get(key) ?? key

describe('statistics texts', () => {
  const enLeaves = leaves(en as Tree)
  it('have the same keys and placeholders in both languages, none empty, no vue-i18n syntax', () => {
    expect([...zhLeaves.keys()].sort()).toEqual([...enLeaves.keys()].sort())
    for (const [key, message] of zhLeaves) {
      expect(message.trim(), key).not.toBe('')
      expect(placeholders(enLeaves.get(key) ?? ''), key).toBe(placeholders(message))
    }
    for (const [key, message] of [...zhLeaves, ...enLeaves]) expect(/[@$|]/.test(message), key).toBe(false)
  })
  it('name and define every chart', () => {
    for (const name of [...CHART_NAMES, 'openings_per_month']) {
      expect(zhLeaves.has(`statistics.charts.${name}`), name).toBe(true)
      expect(zhLeaves.has(`statistics.notes.${name}`), name).toBe(true)
    }
  })
})

describe('table view cells', () => {
  it('show money as yuan from fen, percentages, words translated, none as a dash', () => {
    expect(cellText('amount_fen', 8001234, label)).toBe('¥80,012.34')
    expect(cellText('opened_discount_pct', '7.00', label)).toBe('7.00%')
    expect(cellText('category', 'works', label)).toBe('工程')
    expect(cellText('delay_days', '16+', label)).toBe('16 天以上')
    expect(cellText('delay_days', '2-3', label)).toBe('2–3 天')
    expect(cellText('count', null, label)).toBe('—')
    expect(cellText('kind', 'contract', label)).toBe('contract')
    expect(columnText('amount_fen', label)).toBe('金额')
    expect(columnText('unknown_column', label)).toBe('unknown_column')
    expect(valueKey('on_time')).toBe('on_time')
    expect(valueKey('8-15')).toBe('late_8_15')
  })
})

describe('chart options', () => {
  const openings: StatChart = { name: 'openings', columns: ['day', 'openings'], rows: [['2026-12-01', 0], ['2026-12-02', 3]] }
  it('openings per day: days as MM-DD, counts as bars', () => {
    const option = chartOption(openings, label) as { xAxis: { data: string[] }; series: { data: number[]; type: string }[] }
    expect(option.xAxis.data).toEqual(['12-01', '12-02'])
    expect(option.series[0]?.data).toEqual([0, 3])
    expect(option.series[0]?.type).toBe('bar')
  })
  it('projects: categories across, one stacked series per phase', () => {
    const chart: StatChart = {
      name: 'projects',
      columns: ['category', 'phase', 'projects'],
      rows: [['works', 'opening', 2], ['works', 'awarded', 1], ['goods', 'opening', 4]],
    }
    const option = chartOption(chart, label) as { xAxis: { data: string[] }; series: { name: string; data: number[]; stack: string }[] }
    expect(option.xAxis.data).toEqual(['工程', '货物'])
    expect(option.series.map((s) => [s.name, s.data, s.stack])).toEqual([
      ['开标', [2, 4], 'phase'],
      ['已定标', [1, 0], 'phase'],
    ])
  })
  it('deposits drawn in yuan, discounts as numbers, alerts stacked by level', () => {
    const deposits: StatChart = {
      name: 'deposits',
      columns: ['measure', 'amount_fen', 'count'],
      rows: [['received', 16000000, 2], ['held_at_end', 8000000, null]],
    }
    const d = chartOption(deposits, label) as { yAxis: { data: string[] }; series: { data: number[] }[] }
    expect(d.yAxis.data).toEqual(['到账', '期末在账'])
    expect(d.series[0]?.data).toEqual([160000, 80000])
    const discount: StatChart = {
      name: 'discount',
      columns: ['category', 'priced_bids', 'opened_discount_pct', 'awards', 'awarded_discount_pct'],
      rows: [['works', 3, '7.00', 1, '10.00']],
    }
    const s = (chartOption(discount, label) as { series: { data: number[] }[] }).series
    expect(s.map((x) => x.data)).toEqual([[7], [10]])
    const alerts: StatChart = { name: 'alerts', columns: ['kind', 'yellow', 'red'], rows: [['contract', 1, 2]] }
    const a = chartOption(alerts, label) as { series: { data: number[]; stack: string }[] }
    expect(a.series.map((x) => [x.data, x.stack])).toEqual([[[1], 'level'], [[2], 'level']])
  })
  it('an empty chart is one without a non-zero number', () => {
    expect(isEmpty(openings)).toBe(false)
    expect(isEmpty({ ...openings, rows: [['2026-12-01', 0]] })).toBe(true)
    expect(isEmpty({ ...openings, rows: [] })).toBe(true)
  })
})

describe('periods and files', () => {
  it('the default period is the last 90 China days, today included', () => {
    // 2026-12-06T17:00Z is already the 7th in Beijing
    expect(defaultPeriod(new Date('2026-12-06T17:00:00Z'))).toEqual(['2026-09-09', '2026-12-07'])
    expect(yearsOffered(new Date('2026-12-31T16:30:00Z'), 3)).toEqual([2027, 2026, 2025])
  })
  it('the CSV file name is the server’s', () => {
    expect(csvName('bids', '2026-11-01', '2026-11-30')).toBe('statistics-bids-2026-11-01-2026-11-30.csv')
  })
})

describe('axes', () => {
  it('counts have whole ticks, amounts and percentages not', () => {
    const openings: StatChart = { name: 'openings', columns: ['day', 'openings'], rows: [['2026-12-01', 1]] }
    expect((chartOption(openings, label) as { yAxis: { minInterval?: number } }).yAxis.minInterval).toBe(1)
    const discount: StatChart = {
      name: 'discount',
      columns: ['category', 'priced_bids', 'opened_discount_pct', 'awards', 'awarded_discount_pct'],
      rows: [['works', 3, '7.00', 0, null]],
    }
    const d = chartOption(discount, label) as { yAxis: { minInterval?: number }; series: { data: (number | null)[] }[] }
    expect(d.yAxis.minInterval).toBeUndefined()
    expect(d.series[1]?.data).toEqual([null]) // no average: no bar, not a zero
  })
})
