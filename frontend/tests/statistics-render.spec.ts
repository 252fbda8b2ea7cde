/** The statistics chart card rendered on the server (no browser, no canvas), in both languages: the
 * title and definition, the CSV button only when a download is given, and the table view whose cells
 * carry the raw values (fen, percentages) next to their words. */
import { createSSRApp, h, type Component } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { afterEach, describe, expect, it } from 'vitest'
import type { StatChart } from '@/api/statistics'
import { i18n } from '@/i18n'
import ChartCard from '@/views/statistics/ChartCard.vue'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

async function render(props: Record<string, unknown>, locale: 'zh-CN' | 'en' = 'zh-CN'): Promise<string> {
  i18n.global.locale.value = locale
  const app = createSSRApp({ render: () => h(ChartCard as Component, props) })
  app.use(i18n)
  return renderToString(app)
}

const deposits: StatChart = {
  name: 'deposits',
  columns: ['measure', 'amount_fen', 'count'],
  rows: [
    ['received', 16000000, 2],
    ['held_at_end', 8001234, null],
  ],
}

describe('ChartCard', () => {
  it('shows the title, the definition and a table of the raw values with their words', async () => {
    const html = await render({ chart: deposits, title: '投标保证金收退', note: '期间内到账', csv: async () => {} })
    expect(html).toContain('data-testid="stat-chart-deposits"')
    expect(html).toContain('投标保证金收退')
    expect(html).toContain('期间内到账')
    expect(html).toContain('data-testid="stat-csv-deposits"')
    expect(html).toContain('下载 CSV')
    expect(html).toMatch(/data-column="amount_fen" data-value="8001234"[^>]*>\s*¥80,012.34/)
    expect(html).toMatch(/data-column="measure" data-value="held_at_end"[^>]*>\s*期末在账/)
    expect(html).toMatch(/data-column="count" data-value=""[^>]*>\s*—/)
    expect(html).toMatch(/<th scope="col" data-column="amount_fen"[^>]*>金额<\/th>/)
  })

  it('has no CSV button without a download, says when nothing is in the period, and speaks English', async () => {
    const empty: StatChart = { name: 'alerts', columns: ['kind', 'yellow', 'red'], rows: [] }
    const html = await render({ chart: empty, title: 'Alerts', note: 'raised in the period' }, 'en')
    expect(html).not.toContain('stat-csv-alerts')
    expect(html).toContain('data-testid="stat-empty-alerts"')
    expect(html).toContain('Nothing in the period')
    expect(html).toContain('Table')
    expect(html).toMatch(/data-column="yellow"[^>]*>Yellow<\/th>/)
  })
})
