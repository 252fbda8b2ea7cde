/** Shapes of the public HTTP API (bidding/ package). Money is integer fen; times are ISO 8601. */

export const PHASES = [
  'draft',
  'published',
  'tendering',
  'opening',
  'evaluation',
  'awarded',
  'failed',
  'cancelled',
] as const
export type Phase = (typeof PHASES)[number]

export const CATEGORIES = ['works', 'goods', 'services'] as const
export type Category = (typeof CATEGORIES)[number]

export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value)
}

export type FieldType = 'money' | 'integer' | 'text'

/** One field of a lot's opening form (开标一览表). */
export interface FormField {
  key: string
  label_zh: string
  label_en: string
  type: FieldType
}

export interface Lot {
  id: string
  code: string
  name: string
  bid_deadline: string | null
  /** Bid deposit in fen (分). */
  deposit_fen: number
}

export interface Project {
  id: string
  code: string
  name: string
  category: Category
  phase: Phase
  tenderer: string
  agent: string
  region: string | null
  /** Estimated price in fen (分). */
  estimated_price_fen: number
  published_at: string | null
  bid_deadline: string | null
  lots: Lot[]
}

export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

export interface ProjectQuery {
  phase?: Phase | null
  q?: string | null
  page?: number
  page_size?: number
}

export interface Opening {
  lot_id: string
  lot_code: string
  lot_name: string
  project_id: string
  project_code: string
  project_name: string
  opening_at: string
}

export interface OpeningList {
  items: Opening[]
}

export interface ReadinessCheck {
  ok: boolean
  detail: string
}

export interface Readiness {
  status: 'ok' | 'fail'
  checks: Record<string, ReadinessCheck>
}
