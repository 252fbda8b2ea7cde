/**
 * The bidder's clarifications (澄清, 条例 52; docs/evaluation.md "Clarifications, corrections and
 * abnormally low prices"): the committee's questions to the logged-in organisation, answered with a
 * statement the server hands out and the browser signs with the login key
 * (`bidding/evaluation/clarifications.py`). There is no call to start a clarification: a bidder only
 * answers what the committee asked of its own bid.
 */
import { apiRequest } from './client'

/** question | abnormally_low | correction */
export type ClarificationKind = 'question' | 'abnormally_low' | 'correction'
/** open | answered | expired | withdrawn */
export type ClarificationStatus = 'open' | 'answered' | 'expired' | 'withdrawn'

export interface CorrectionStep {
  basis: string
  article: string
  field: string
  line: number | null
  before_fen: number
  after_fen: number
}

/** An arithmetic correction the bidder is asked to confirm (规定 19; 87号令 59). */
export interface CorrectionView {
  from_fen: number
  to_fen: number
  basis: string
  article: string
  regime: string
  steps: CorrectionStep[]
}

/** A clarification as the bidder sees it: never who on the committee asked. */
export interface BidderClarificationView {
  id: string
  evaluation_id: string
  bid_id: string
  project_code: string
  project_name: string
  lot_code: string
  lot_name: string
  order_no: number
  kind: ClarificationKind
  status: ClarificationStatus
  question: string
  correction: CorrectionView | null
  asked_at: string
  due_at: string
  answer: string | null
  accepted: boolean | null
  answered_at: string | null
}

/** What the bidder signs: its canonical JSON (`bidding/evaluation/statements.py`). */
export interface Statement {
  kind: string
  text: string
  object: string
  signer: string
  at: string
}

const base = '/api/bidder/clarifications'
const one = (id: string): string => `${base}/${encodeURIComponent(id)}`

export function listClarifications(signal?: AbortSignal): Promise<BidderClarificationView[]> {
  return apiRequest<BidderClarificationView[]>(base, { signal })
}

/** The statement to sign; `accepted` is required for a correction and refused otherwise. */
export function answerStatement(id: string, answer: string, accepted: boolean | null): Promise<Statement> {
  const body = accepted === null ? { answer } : { answer, accepted }
  return apiRequest<Statement>(`${one(id)}/statement`, { method: 'POST', body })
}

export function postAnswer(
  id: string,
  signed: { statement: Statement; signature: string; algorithm: string },
  accepted: boolean | null,
): Promise<BidderClarificationView> {
  const body = accepted === null ? signed : { ...signed, accepted }
  return apiRequest<BidderClarificationView>(`${one(id)}/answer`, { method: 'POST', body })
}
