/**
 * Supervision (监督, issue 24; `bidding/supervision/`, `docs/supervision.md`): the statutory clocks and
 * their alerts, the orders (督办单) a red alert opens for the party that answers for it, complaints
 * across awards, the collusion report per lot and the statistics the dashboard charts.
 *
 * The supervisor and the auditor read everything; only the supervisor acts (closes an order). The
 * responsible organisation's users (agent, tenderer, bidder) read and answer their own orders. The
 * server decides; the pages only hide what a role cannot do. Live alerts come over the WebSocket
 * `/ws/supervision` (`views/supervision/live.ts`).
 */
import { apiRequest } from './client'

/** `clocks.Level`. */
export const LEVELS = ['none', 'yellow', 'red'] as const
export type Level = (typeof LEVELS)[number]

/** `clocks.Party`: who answers for a clock (the order of a red alert goes to them). */
export const PARTIES = ['agent', 'purchaser', 'bidder', 'supervisor', 'platform'] as const
export type Party = (typeof PARTIES)[number]

/** `orders.OrderState`. */
export const ORDER_STATES = ['open', 'answered', 'closed'] as const
export type OrderState = (typeof ORDER_STATES)[number]

/** The complaint statuses (`bidding.awards.states.ComplaintStatus`). */
export const SUPERVISION_COMPLAINT_STATUSES = ['received', 'accepted', 'refused', 'decided'] as const
export type SupervisionComplaintStatus = (typeof SUPERVISION_COMPLAINT_STATUSES)[number]

/** Who the clock, alert or order is about, and who answers for it. */
interface Responsible {
  project_id: string | null
  project_code: string | null
  project_name: string | null
  responsible: Party | string
  responsible_org_id: string | null
  responsible_org_name: string | null
  responsible_person: string | null
}

/** `GET /api/supervision/clocks`: a running (or ended) statutory clock. */
export interface ClockView extends Responsible {
  id: string | number
  kind: string
  article: string
  duty_zh: string
  duty_en: string
  subject_type: string
  subject_id: string
  lot_id: string | null
  started_at: string
  due_at: string
  done_at: string | null
  cancelled_at: string | null
  level: Level
  /** The lead reached (seconds before the limit) for a yellow level; null otherwise. */
  lead_seconds: number | null
  level_at: string | null
  order_id: string | null
}

/** `GET /api/supervision/alerts` and the WebSocket's `alert`: a level a clock reached. */
export interface AlertView extends Responsible {
  id: number
  clock_id: string | number
  kind: string
  article: string
  duty_zh: string
  duty_en: string
  level: Level
  lead_seconds: number | null
  due_at: string
  raised_at: string
  order_id: string | null
}

/** `GET /api/supervision/orders`: an order (督办单) to the party responsible for a red clock. */
export interface OrderView extends Responsible {
  id: string
  /** `DB-<China year>-<6-digit sequence>`. */
  number: string
  kind: string
  article: string
  duty_zh: string
  duty_en: string
  lot_id: string | null
  state: OrderState
  opened_at: string
  opened_by: string | null
  reply_due_at: string
  /** Open past its reply limit. */
  overdue: boolean
  answer: string | null
  answered_at: string | null
  answered_by: string | null
  closed_at: string | null
  closed_by: string | null
  close_reason: string | null
  escalations: number
  escalated_at: string | null
  /** The clock's limit that was missed. */
  due_at: string | null
  alert_id: number | null
}

/** `GET /api/supervision/stats`. */
export interface SupervisionStats {
  since: string
  per_agency: { organization_id: string | null; name: string | null; yellow: number; red: number; orders: number; open_orders: number; escalated: number }[]
  per_person: { person: string; organization_id: string | null; name: string | null; red: number; orders: number; open_orders: number }[]
  per_kind: { kind: string; yellow: number; red: number; orders: number }[]
  /** One row per China date. */
  daily: { day: string; yellow: number; red: number; orders_opened: number; orders_closed: number }[]
}

/** `GET /api/supervision/complaints`: a complaint (投诉) of any award, with its project and clocks. */
export interface SupervisionComplaint {
  id: string
  award_id?: string | null
  project_id?: string | null
  project_code?: string | null
  project_name?: string | null
  lot_id?: string | null
  lot_code?: string | null
  lot_name?: string | null
  /** The complainant's name (`bidder` in the award's own view). */
  complainant?: string | null
  bidder?: string | null
  status: SupervisionComplaintStatus | string
  received_at: string
  acceptance_due_on: string | null
  decision_due_on: string | null
  overdue?: boolean
  acceptance_overdue?: boolean
  decision_overdue?: boolean
}

/** `GET /api/supervision/collusion`: an opened lot and the counts of its last collusion report. */
export interface CollusionLotRow {
  lot_id: string
  lot_code: string
  lot_name: string
  project_id: string
  project_code: string
  project_name: string
  opened_at: string | null
  /** Null: never computed. */
  signals: number | null
  blocking: number | null
}

/** One collusion signal (条例 40): its rule, article, bids and evidence. */
export interface CollusionSignal {
  rule: string
  article: string
  bid_ids: string[]
  evidence: Record<string, unknown>
  /** A ground for the committee to decide (e.g. the same legal representative), never an automatic rejection. */
  blocking: boolean
  at: string | null
  reported_at: string | null
  summary_zh: string
  summary_en: string
}

/** `GET /api/supervision/lots/{lot_id}/collusion`. */
export interface CollusionReport {
  lot_id: string
  project_id: string
  project_code: string
  project_name: string
  lot_code: string
  lot_name: string
  computed_at: string
  signals: CollusionSignal[]
}

const BASE = '/api/supervision'
const enc = encodeURIComponent

export function listClocks(
  filter: { level?: Level | null; running?: boolean | null; project?: string | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<ClockView[]> {
  return apiRequest<ClockView[]>(`${BASE}/clocks`, {
    query: { level: filter.level, running: filter.running, project: filter.project, limit: filter.limit ?? 100 },
    signal,
  })
}

/** Alerts newest first; `after`: only those with a greater id. */
export function listAlerts(after: number | null = null, limit = 100, signal?: AbortSignal): Promise<AlertView[]> {
  return apiRequest<AlertView[]>(`${BASE}/alerts`, { query: { after, limit }, signal })
}

export function listOrders(
  filter: { state?: OrderState | null; overdue?: boolean | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<OrderView[]> {
  return apiRequest<OrderView[]>(`${BASE}/orders`, {
    query: { state: filter.state, overdue: filter.overdue || null, limit: filter.limit },
    signal,
  })
}

export function getOrder(id: string, signal?: AbortSignal): Promise<OrderView> {
  return apiRequest<OrderView>(`${BASE}/orders/${enc(id)}`, { signal })
}

/** The responsible organisation answers an open order (1–4000 characters). */
export function answerOrder(id: string, answer: string): Promise<OrderView> {
  return apiRequest<OrderView>(`${BASE}/orders/${enc(id)}/answer`, { method: 'POST', body: { answer } })
}

/** The supervisor closes an open or answered order; the reason is mandatory (2–2000 characters). */
export function closeOrder(id: string, reason: string): Promise<OrderView> {
  return apiRequest<OrderView>(`${BASE}/orders/${enc(id)}/close`, { method: 'POST', body: { reason } })
}

export function getStats(days = 90, signal?: AbortSignal): Promise<SupervisionStats> {
  return apiRequest<SupervisionStats>(`${BASE}/stats`, { query: { days }, signal })
}

export function listComplaints(status: SupervisionComplaintStatus | null = null, signal?: AbortSignal): Promise<SupervisionComplaint[]> {
  return apiRequest<SupervisionComplaint[]>(`${BASE}/complaints`, { query: { status }, signal })
}

export function listCollusion(limit = 50, signal?: AbortSignal): Promise<CollusionLotRow[]> {
  return apiRequest<CollusionLotRow[]>(`${BASE}/collusion`, { query: { limit }, signal })
}

export function lotCollusion(lotId: string, signal?: AbortSignal): Promise<CollusionReport> {
  return apiRequest<CollusionReport>(`${BASE}/lots/${enc(lotId)}/collusion`, { signal })
}

/** The limits of the order texts (the server checks them too). */
export const ANSWER_MAX = 4000
export const REASON_MIN = 2
export const REASON_MAX = 2000
