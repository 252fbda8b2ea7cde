/**
 * A lot's evaluation criteria (评标办法), part of the tender (规定 29, 条例 49): the agent sets them until
 * the lot's bid deadline (`PUT /api/agent/lots/{lot}/criteria`), the project's agent, tenderer and the
 * supervisor read them (`GET` the same), anyone reads them once the project is published
 * (`GET /api/public/lots/{lot}/criteria`). See docs/evaluation.md, "Criteria with the tender".
 * Shapes: bidding/evaluation/criteria_wire.py; maxima travel as decimal strings ("30", "27.50").
 */
import { ApiError, apiRequest } from './client'
import type { Category } from './types'

export const METHODS = ['lowest_evaluated_price', 'comprehensive', 'comprehensive_scoring'] as const
export type Method = (typeof METHODS)[number]
export const NATURES = ['objective', 'subjective'] as const
export type Nature = (typeof NATURES)[number]
export const SCORERS = ['each_expert', 'system'] as const
export type Scorer = (typeof SCORERS)[number]
export const CHECK_STAGES = ['formal', 'qualification', 'responsiveness'] as const
export type CheckStage = (typeof CHECK_STAGES)[number]

/** One scoring item (评分项); `name_zh` is its key in the evaluation. */
export interface ScoringItem {
  name_zh: string
  name_en: string
  /** Points as a decimal string, at most two decimals. */
  maximum: string
  nature: Nature
  scorer: Scorer
  is_price: boolean
}

/** One pass/fail item of the preliminary review (初步评审) with the clause a rejection cites. */
export interface ChecklistItem {
  name_zh: string
  name_en: string
  stage: CheckStage
  clause: string
}

export interface Criteria {
  method: Method
  category: Category
  government_procurement: boolean
  scoring_items: ScoringItem[]
  checklist: ChecklistItem[]
  price_formula: 'lowest_over_bid'
}

/** The criteria as stored: canonical (maxima with two decimals), with their SHA-256. */
export interface CriteriaView {
  lot_id: string
  lot_code: string
  project_id: string
  criteria: Criteria
  sha256: string
  set_at: string
  bid_deadline: string | null
  /** From the bid deadline on the criteria can no longer change. */
  frozen: boolean
}

/** One problem of refused criteria (422 `criteria_invalid`), as the server names it. */
export interface CriteriaProblem {
  reason: string
  message_zh: string
  message_en: string
  article: string
  item?: string
  value?: string
}

function agentPath(lotId: string): string {
  return `/api/agent/lots/${encodeURIComponent(lotId)}/criteria`
}

/** Null when the lot has none yet (404 `criteria_not_found`, or any 404: the page shows "not set"); other errors are thrown. */
async function orNone(request: Promise<CriteriaView>): Promise<CriteriaView | null> {
  try {
    return await request
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

export function getLotCriteria(lotId: string, signal?: AbortSignal): Promise<CriteriaView | null> {
  return orNone(apiRequest<CriteriaView>(agentPath(lotId), { signal }))
}

export function putLotCriteria(lotId: string, criteria: Criteria): Promise<CriteriaView> {
  return apiRequest<CriteriaView>(agentPath(lotId), { method: 'PUT', body: criteria })
}

/** A published project's lot criteria; null when the lot has none (or the project is not published). */
export function getPublicCriteria(lotId: string, signal?: AbortSignal): Promise<CriteriaView | null> {
  return orNone(
    apiRequest<CriteriaView>(`/api/public/lots/${encodeURIComponent(lotId)}/criteria`, { signal, anonymous: true }),
  )
}

function isProblem(value: unknown): value is CriteriaProblem {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.reason === 'string' && typeof v.message_zh === 'string' && typeof v.message_en === 'string'
}

/** The problems a refusal lists (`criteria_invalid`), else none. */
export function criteriaProblems(error: unknown): CriteriaProblem[] {
  if (!(error instanceof ApiError) || error.code !== 'criteria_invalid') return []
  return error.details.filter(isProblem)
}
