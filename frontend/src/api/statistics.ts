/**
 * Statistics (统计, issue 25; `bidding/statistics/`, `docs/frontend-statistics.md`): the figures of a
 * year the centre publishes (anyone, `GET /api/statistics/years/{year}`) and the centre's charts over
 * a period of China days, filtered by category and agency (`GET /api/admin/statistics`; the
 * administrator, the supervisor, the auditor), each chart's table downloadable as CSV.
 *
 * Every chart is a table: its column names and rows, the same in the JSON, the CSV and the page's
 * table view. Money is integer fen; discounts are percentages as decimal strings ("7.00").
 */
import { apiBlob, apiRequest } from './client'

/** The centre's charts, in the page's order (`figures.CHARTS`). */
export const CHART_NAMES = [
  'openings',
  'projects',
  'bids',
  'discount',
  'decryption',
  'deposits',
  'refund_delays',
  'alerts',
] as const
export type ChartName = (typeof CHART_NAMES)[number]

/** The project categories (`tendering.rules.projects.Category`). */
export const CATEGORIES = ['works', 'goods', 'services'] as const
export type Category = (typeof CATEGORIES)[number]

/** Who reads the centre's charts. */
export const CENTRE_READERS: readonly string[] = ['admin', 'supervisor', 'auditor']

export type Cell = string | number | null

/** One chart's numbers as a table. */
export interface StatChart {
  name: string
  columns: string[]
  rows: Cell[][]
}

/** `GET /api/admin/statistics`. */
export interface CentreStatistics {
  first: string
  last: string
  category: Category | null
  agency: string | null
  charts: StatChart[]
  agencies: { id: string; name: string }[]
  /** Always false: the platform records no on-site decryption (every bid is decrypted by its bidder in the room). */
  on_site_recorded: boolean
}

/** `GET /api/statistics/years/{year}`. */
export interface YearFigures {
  year: number
  projects: number
  estimates_fen: number
  openings: number
  bids: number
  awards: number
  awarded_fen: number
  refunds: number
  refunded_fen: number
  openings_per_month: StatChart
}

/** The centre's filters; empty strings are left out of the query. */
export interface CentreFilters {
  from: string
  to: string
  category: string
  agency: string
}

export function getYear(year: number, signal?: AbortSignal): Promise<YearFigures> {
  return apiRequest<YearFigures>(`/api/statistics/years/${year}`, { anonymous: true, signal })
}

export function getCentre(filters: CentreFilters, signal?: AbortSignal): Promise<CentreStatistics> {
  return apiRequest<CentreStatistics>('/api/admin/statistics', { query: { ...filters }, signal })
}

/** One chart's CSV (UTF-8 with BOM) with the same filters. */
export function getChartCsv(chart: ChartName, filters: CentreFilters): Promise<Blob> {
  return apiBlob(`/api/admin/statistics/${chart}/csv`, { query: { ...filters } })
}

/** The file name the server gives a chart's CSV. */
export function csvName(chart: ChartName, first: string, last: string): string {
  return `statistics-${chart}-${first}-${last}.csv`
}
