/**
 * Electronic evaluation (电子评标, issue 20; `bidding/evaluation/`, `docs/evaluation.md`): the
 * committee's room (sign-in for a lot, the recusal declaration, the chair's election, the bodies, the
 * checklist of the preliminary review, the score sheets, re-checks, clarifications, corrections, low
 * prices, signals, the report and its signatures), the supervisor's read-only view with remarks, and
 * the project's progress counts (the bidder's answers to clarifications: `api/clarifications.ts`).
 *
 * Every call keeps to the URL layout of the shared design; the server decides who may do
 * what in which state (`bidding/evaluation/states.py` COMMANDS, copied below for the buttons).
 */
import { apiBlob, apiRequest } from './client'

/** `states.EvaluationState`, in the order an evaluation goes through them. */
export const EVALUATION_STATES = ['convening', 'preliminary', 'detailed', 'reporting', 'final'] as const
export type EvaluationState = (typeof EVALUATION_STATES)[number]
/** `states.MemberStatus`. */
export const MEMBER_STATUSES = ['seated', 'signed_in', 'sitting', 'recused'] as const
export type MemberStatus = (typeof MEMBER_STATUSES)[number]
/** `states.BidReview`. */
export const BID_REVIEWS = ['in_review', 'passed', 'rejected'] as const
export type BidReview = (typeof BID_REVIEWS)[number]
/** `states.ClarificationKind`. */
export const CLARIFICATION_KINDS = ['question', 'abnormally_low', 'correction'] as const
/** `states.ClarificationStatus`. */
export const CLARIFICATION_STATUSES = ['open', 'answered', 'expired', 'withdrawn'] as const
/** `states.SignatureOutcome`. */
export const SIGNATURE_OUTCOMES = ['signed', 'dissent', 'deemed_agreement'] as const
export type SignatureOutcome = (typeof SIGNATURE_OUTCOMES)[number]
/** `scoring.RecheckReason`: the only four reasons of 87号令 62 a score may change for. */
export const RECHECK_REASONS = ['sum_error', 'out_of_range', 'objective_inconsistent', 'abnormal_subjective'] as const
export type RecheckReason = (typeof RECHECK_REASONS)[number]
/** `criteria.CheckStage`. */
export const CHECK_STAGES = ['formal', 'qualification', 'responsiveness'] as const
/** `criteria.Method`. */
export const METHODS = ['lowest_evaluated_price', 'comprehensive', 'comprehensive_scoring'] as const
/** `collusion.signals.Rule` (the report's order: the blocking one first). */
export const SIGNAL_RULES = [
  'same_legal_representative',
  'same_upload_ip',
  'same_decryption_ip',
  'same_machine',
  'same_signing_certificate',
  'same_key',
  'same_payer_account',
  'same_document_metadata',
  'identical_prices',
  'price_pattern',
  'simultaneous_withdrawals',
] as const
export type SignalRule = (typeof SIGNAL_RULES)[number]

type Roles = 'member' | 'chair' | 'declarant' | 'supervisor' | 'bidder' | 'project'
const WORKING = ['convening', 'preliminary', 'detailed'] as const
const READABLE = ['convening', 'preliminary', 'detailed', 'reporting'] as const
const MEMBERS = ['member', 'chair'] as const

/** `states.COMMANDS` (command → roles, states): a copy for the buttons; the server decides. */
export const EVALUATION_COMMANDS = {
  declare: [['declarant'], WORKING],
  recuse: [MEMBERS, WORKING],
  vote_chair: [MEMBERS, ['convening']],
  read_body: [MEMBERS, READABLE],
  judge: [MEMBERS, ['preliminary']],
  submit_judgements: [MEMBERS, ['preliminary']],
  score: [MEMBERS, ['detailed']],
  submit_sheet: [MEMBERS, ['detailed']],
  ask_clarification: [MEMBERS, ['preliminary', 'detailed']],
  correct_price: [['chair'], ['preliminary', 'detailed']],
  decide_low_price: [['chair'], ['detailed']],
  ask_recheck: [['chair'], ['detailed']],
  draft_report: [['chair'], ['detailed']],
  sign_report: [MEMBERS, ['reporting']],
  record_refusal: [['chair'], ['reporting']],
  read_scores: [MEMBERS, READABLE],
  remark: [['supervisor'], EVALUATION_STATES],
} as const satisfies Record<string, readonly [readonly Roles[], readonly EvaluationState[]]>
export type EvaluationCommand = keyof typeof EVALUATION_COMMANDS

// ------------------------------------------------------------------------------ criteria

/** `criteria_wire.ScoringItemWire`: maxima are decimal strings ("30.00"). */
export interface ScoringItem {
  name_zh: string
  name_en: string
  maximum: string
  nature: 'objective' | 'subjective' | string
  scorer: 'each_expert' | 'system' | string
  is_price: boolean
}

/** `criteria_wire.ChecklistItemWire`. */
export interface ChecklistItem {
  name_zh: string
  name_en: string
  stage: 'formal' | 'qualification' | 'responsiveness' | string
  clause: string
}

/** `criteria_wire.CriteriaWire`: the lot's criteria as published (and snapshotted by the evaluation). */
export interface Criteria {
  method: string
  category: string
  government_procurement: boolean
  scoring_items: ScoringItem[]
  checklist: ChecklistItem[]
  price_formula?: string
}

// ------------------------------------------------------------------------------ the room

/** `room.MeView`. */
export interface RoomMe {
  member_id: string
  name: string
  status: MemberStatus | string
  is_chair: boolean
  chair_vote: string | null
  declared_at: string | null
  judgements_submitted_at: string | null
  sheet_submitted_at: string | null
}

/** `room.MemberItem`. */
export interface RoomMember {
  id: string
  name: string
  specialty: string
  status: MemberStatus | string
  is_chair: boolean
  declared: boolean
  votes: number
  judgements_submitted: boolean
  sheet_submitted: boolean
  replaces: string | null
}

/** `room.BidItem`. */
export interface RoomBid {
  bid_id: string
  order_no: number
  bidder_name: string
  price_fen: number | null
  evaluated_price_fen: number | null
  review: BidReview | string
  rejection: Record<string, unknown> | null
  low_price: Record<string, unknown> | null
}

export interface Remark {
  author: string
  text: string
  at: string
}

/** `room.RoomView`: what a member sees of their evaluation. */
export interface RoomView {
  id: string
  state: EvaluationState | string
  project_code: string
  project_name: string
  lot_id: string
  lot_code: string
  lot_name: string
  size: number
  criteria: Criteria
  criteria_sha256: string
  opening_record_sha256: string | null
  chair_id: string | null
  me: RoomMe
  members: RoomMember[]
  bids: RoomBid[]
  remarks: Remark[]
}

/** `statements.Statement.to_dict()`: what the client signs (as canonical JSON) and posts back. */
export interface Statement {
  kind: string
  text: string
  object: string
  signer: string
  at: string
}

export interface SignedStatement {
  statement: Statement
  signature: string
  algorithm: string
}

// ------------------------------------------------------------------------------ bodies

/** One file of a bid's package. */
export interface BidFile {
  index: number
  name: string
  size: number
  media_type: string
}

// ------------------------------------------------------------------------------ review and scores

/** One pass/fail judgement of the preliminary review (`item` is the checklist item's `name_zh`). */
export interface Judgement {
  bid_id: string
  item: string
  passed: boolean
  reason: string | null
}

/** `review.ReviewBid`. */
export interface ReviewBid {
  bid_id: string
  order_no: number
  bidder_name: string
  price_fen: number | null
  review: BidReview | string
}

/** `review.ItemConclusion`: the committee's conclusion on one item of one bid (majority). */
export interface ItemConclusion {
  item: string
  item_en: string
  stage: string
  clause: string
  passed: boolean
  fails: number
  of: number
  reasons: string[]
}

/** `review.BidConclusion`. */
export interface BidConclusion {
  bid_id: string
  order_no: number
  bidder_name: string
  review: BidReview | string
  rejection: Record<string, unknown> | null
  items: ItemConclusion[]
}

/** `review.ChecklistView`: the items, the bids to judge, my judgements, the submissions, the conclusion. */
export interface ChecklistView {
  evaluation_id: string
  state: string
  items: ChecklistItem[]
  bids: ReviewBid[]
  judgements: (Judgement & { at?: string })[]
  submitted_at: string | null
  submitted: number
  sitting: number
  size: number
  conclusion: BidConclusion[] | null
}

/** One score (`item` is the scoring item's `name_zh`; `score` a decimal string). */
export interface Score {
  bid_id: string
  item: string
  score: string
}

/** `sheets.ItemEntry`: an item each member scores. */
export interface SheetItem {
  name_zh: string
  name_en: string
  maximum: string
  nature: string
}

/** `sheets.SystemItem`: scored once by the system; `scores` (bid → score) is a provisional preview. */
export interface SystemItem {
  name_zh: string
  name_en: string
  maximum: string
  is_price: boolean
  provisional: boolean
  scores: Record<string, string | null>
}

/** `sheets.SheetBid`: a bid that passed the preliminary review. */
export interface SheetBid {
  bid_id: string
  order_no: number
  bidder_name: string
  evaluated_price_fen: number | null
  low_price: Record<string, unknown> | null
}

/** `sheets.ComparisonRow` (标价比较表, the lowest evaluated price method). */
export interface ComparisonRow {
  bid_id: string
  bidder_name: string
  evaluated_price_fen: number
  rank: number
}

/** `sheets.RecheckView`. */
export interface Recheck {
  id: string
  member_id: string
  member_name: string
  bid_id: string
  bidder_name: string
  item: string
  reason: RecheckReason | string
  article: string
  note: string
  asked_at: string
  old_score: string | null
  new_score: string | null
  answered_at: string | null
}

/** `sheets.SheetView`: the caller's own sheet. */
export interface SheetView {
  evaluation_id: string
  state: string
  method: string
  items: SheetItem[]
  system_items: SystemItem[]
  bids: SheetBid[]
  scores: Score[]
  submitted_at: string | null
  rechecks: Recheck[]
  comparison: ComparisonRow[]
}

export interface MemberRef {
  member_id: string
  name: string
}

/** `sheets.DivergenceView`: members' scores of one item of one bid further apart than the threshold. */
export interface Divergence {
  bid_id: string
  bidder_name: string
  item: string
  low: string
  high: string
  spread: string
  threshold_percent: string
  low_members: MemberRef[]
  high_members: MemberRef[]
  reason: RecheckReason | string
  article: string
}

/** `sheets.MemberSheet`: a member's submitted sheet. */
export interface MemberSheet {
  member_id: string
  name: string
  is_chair: boolean
  submitted_at: string | null
  scores: Score[]
}

/** `sheets.ScoresView`: every sitting member's submitted sheet (once one's own is in). */
export interface ScoresView {
  evaluation_id: string
  members: MemberSheet[]
  system_items: SystemItem[]
  divergences: Divergence[]
  rechecks: Recheck[]
}

export interface RecheckRequest {
  member_id: string
  bid_id: string
  item: string
  reason: RecheckReason
  note: string
}

// ------------------------------------------------------------------------------ signals, clarifications

/** `signal_facts.SignalBid`: `order_no` is null for a withdrawn bid (not opened). */
export interface SignalBid {
  bid_id: string
  order_no: number | null
  bidder_name: string
}

/** `signal_facts.SignalItem`: `blocking` only for 条例 34 (a ground for the committee to decide,
 * never a rejection by itself); `at` the latest moment in the evidence. */
export interface SignalItem {
  rule: SignalRule | string
  article: string
  bids: SignalBid[]
  evidence: Record<string, unknown>
  at: string | null
  blocking?: boolean
  summary_zh?: string
  summary_en?: string
}

/** `signal_facts.SignalsView`: the signals and the note that they never reject. */
export interface SignalsView {
  evaluation_id: string
  note_zh: string
  note_en: string
  signals: SignalItem[]
}

/** `clarifications.AskInput`: a question, or the standard request to explain a low price. */
export interface ClarificationRequest {
  bid_id: string
  kind?: 'question' | 'abnormally_low'
  question?: string
  due_minutes?: number
}

/** `clarifications.ClarificationView`. */
export interface Clarification {
  id: string
  evaluation_id: string
  bid_id: string
  order_no: number
  bidder_name: string
  kind: string
  status: string
  question: string
  correction: Record<string, unknown> | null
  asked_by: string
  asked_by_name: string
  asked_at: string
  due_at: string
  answer: string | null
  accepted: boolean | null
  answered_at: string | null
  answer_signature?: Record<string, unknown> | null
}

/** `clarifications.UnitLineInput`. */
export interface UnitLine {
  unit_price_fen: number
  /** Decimal string. */
  quantity: string
  line_total_fen: number
}

/** `clarifications.ReadingsInput`: what the committee read of the bid's price (fen). */
export interface Readings {
  figures_fen: number
  words_fen?: number | null
  unit_lines?: UnitLine[] | null
  body_total_fen?: number | null
}

export type LowPriceDecision = 'accept' | 'reject'

/** `clarifications.BidLowPriceView`. */
export interface BidLowPriceView {
  bid_id: string
  order_no: number
  review: string
  evaluated_price_fen: number | null
  low_price: Record<string, unknown> | null
  rejection: Record<string, unknown> | null
}

// ------------------------------------------------------------------------------ report

/** `report.PreparedView`: the CMS signed attributes to sign in the browser. */
export interface ReportSignatureRequest {
  to_be_signed: string
  algorithm: string
  field: string
  base_version?: number
}

/** `report.SignatureItem`: a member's answer to the report (outcome null: not yet). */
export interface SignatureItem {
  member_id: string
  seat: number
  name: string
  role: string
  outcome: SignatureOutcome | string | null
  dissent: string | null
  note: string | null
  pdf_version: number | null
  at: string | null
}

export interface ReportLinks {
  report_json: string
  report_pdf: string
  signing_sheet_pdf: string | null
}

/** `report.ReportStatusView`: the report and who answered it. */
export interface ReportStatus {
  evaluation_id: string
  state: string
  report_sha256: string | null
  version: number | null
  drafted_at: string | null
  finalised_at: string | null
  signatures: SignatureItem[]
  waiting_for: number
  links: ReportLinks | null
}

/** The report's data (`report.json`); open, the server shapes it. */
export type ReportJson = Record<string, unknown>

// ------------------------------------------------------------------------------ supervision, progress

/** `supervise.SupervisedItem`: one evaluation in the supervisor's list. */
export interface SupervisionItem {
  id: string
  project_code: string
  project_name: string
  lot_id: string
  lot_code: string
  lot_name: string
  state: EvaluationState | string
  size: number
  sitting: number
  bids: number
  passed: number
  rejected: number
  remarks: number
  opened_at: string
  state_at: string
  finalised_at: string | null
}

/** `supervise.MemberRow`. */
export interface SupervisedMember {
  id: string
  name: string
  specialty: string
  status: MemberStatus | string
  is_chair: boolean
  signed_in_at: string | null
  declared_at: string | null
  conflict: string | null
  replaces: string | null
  judgements_submitted_at: string | null
  sheet_submitted_at: string | null
}

/** `supervise.SubmittedSheet`: scores as bid → item → score. */
export interface SubmittedSheet {
  member_id: string
  name: string
  submitted_at: string | null
  scores: Record<string, Record<string, string>>
}

/** `supervise.ClarificationRow`. */
export interface SupervisedClarification {
  id: string
  bid_id: string
  kind: string
  status: string
  question: string
  correction: Record<string, unknown> | null
  asked_at: string
  due_at: string
  answer: string | null
  accepted: boolean | null
  answered_at: string | null
}

/** `supervise.RecheckRow`. */
export interface SupervisedRecheck {
  id: string
  member_id: string
  bid_id: string
  item: string
  reason: string
  note: string
  asked_at: string
  old_score: string | null
  new_score: string | null
  answered_at: string | null
}

export interface RemarkView {
  id: string
  author: string
  text: string
  at: string
}

/** `supervise.SupervisionView`: everything but a body. */
export interface SupervisionView {
  id: string
  state: EvaluationState | string
  state_at: string
  project_code: string
  project_name: string
  lot_id: string
  lot_code: string
  lot_name: string
  size: number
  criteria: Criteria
  criteria_sha256: string
  opening_record_sha256: string | null
  chair_id: string | null
  members: SupervisedMember[]
  bids: RoomBid[]
  judgements: BidConclusion[]
  sheets: SubmittedSheet[]
  system_scores: Record<string, Record<string, string>> | null
  ranking: Record<string, unknown>[] | null
  clarifications: SupervisedClarification[]
  rechecks: SupervisedRecheck[]
  signals: Record<string, unknown>[]
  remarks: RemarkView[]
  report: ReportStatus | null
}

/** `supervise.ProgressView`: the project's agent or tenderer: counts, and the report's links once final. */
export interface ProgressView {
  lot_id: string
  evaluation_id: string | null
  state: string
  size: number
  sitting: number
  bids: number
  in_review: number
  passed: number
  rejected: number
  finalised_at: string | null
  report_sha256: string | null
  report: ReportLinks | null
}

const enc = encodeURIComponent
const base = (id: string): string => `/api/evaluations/${enc(id)}`

/** GETs one of an evaluation's resources (`path` below `/api/evaluations/{id}`). */
function read<T>(id: string, path: string, signal?: AbortSignal): Promise<T> {
  return apiRequest<T>(`${base(id)}${path}`, { signal })
}

/** POSTs (or PUTs) to one of an evaluation's resources, with a JSON body if one is given. */
function send<T>(id: string, path: string, body?: unknown, method: 'POST' | 'PUT' = 'POST'): Promise<T> {
  return apiRequest<T>(`${base(id)}${path}`, { method, body })
}

// ------------------------------------------------------------------------------ committee

/** The expert signs in for one lot of today's assignment (creates the evaluation on first entry). */
export function enterEvaluation(seatId: string, lotId: string): Promise<RoomView> {
  return apiRequest<RoomView>('/api/evaluations/enter', { method: 'POST', body: { seat_id: seatId, lot_id: lotId } })
}

export function getRoom(id: string, signal?: AbortSignal): Promise<RoomView> {
  return read<RoomView>(id, '', signal)
}

/** The declaration to sign: the standard commitment, or the conflict in the member's words. */
export function declarationStatement(id: string, conflict: boolean, text?: string): Promise<Statement> {
  const body: Record<string, unknown> = { conflict }
  if (conflict) body.text = text ?? ''
  return send<Statement>(id, '/declaration/statement', body)
}

export function declare(id: string, signed: SignedStatement): Promise<RoomView> {
  return send<RoomView>(id, '/declaration', signed)
}

export function voteChair(id: string, memberId: string): Promise<RoomView> {
  return send<RoomView>(id, '/chair-votes', { member_id: memberId })
}

export function listBidFiles(id: string, bidId: string, signal?: AbortSignal): Promise<BidFile[]> {
  return read<BidFile[]>(id, `/bids/${enc(bidId)}/files`, signal)
}

/** The URL of one file (PDFs watermarked with the reader's name; every access audited). */
export function bidFileUrl(id: string, bidId: string, index: number, download = false): string {
  return `${base(id)}/bids/${enc(bidId)}/files/${index}?download=${download ? 'true' : 'false'}`
}

/** The file itself (with the session's token: an `<iframe>` cannot send it, so the page shows a blob). */
export function fetchBidFile(id: string, bidId: string, index: number, download = false, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(bidFileUrl(id, bidId, index, download), { signal })
}

export function getChecklist(id: string, signal?: AbortSignal): Promise<ChecklistView> {
  return read<ChecklistView>(id, '/checklist', signal)
}

export function putJudgements(id: string, judgements: Judgement[]): Promise<ChecklistView> {
  return send<ChecklistView>(id, '/judgements', judgements, 'PUT')
}

export function submitJudgements(id: string): Promise<ChecklistView> {
  return send<ChecklistView>(id, '/judgements/submit')
}

export function getSheet(id: string, signal?: AbortSignal): Promise<SheetView> {
  return read<SheetView>(id, '/sheet', signal)
}

export function putScores(id: string, scores: Score[]): Promise<SheetView> {
  return send<SheetView>(id, '/scores', scores, 'PUT')
}

export function submitSheet(id: string): Promise<SheetView> {
  return send<SheetView>(id, '/sheet/submit')
}

/** Everyone's scores: only once the caller's own sheet is in (403 before). */
export function getScores(id: string, signal?: AbortSignal): Promise<ScoresView> {
  return read<ScoresView>(id, '/scores', signal)
}

/** The chair's: where members' scores lie apart beyond the threshold. */
export function getDivergences(id: string, signal?: AbortSignal): Promise<Divergence[]> {
  return read<Divergence[]>(id, '/divergences', signal)
}

export function askRecheck(id: string, request: RecheckRequest): Promise<Recheck> {
  return send<Recheck>(id, '/rechecks', request)
}

export function answerRecheck(id: string, recheckId: string, score: string): Promise<Recheck> {
  return send<Recheck>(id, `/rechecks/${enc(recheckId)}/answer`, { score })
}

/** Collusion signals (条例 40): shown, never rejecting. Committee and supervisor. */
export function getSignals(id: string, signal?: AbortSignal): Promise<SignalsView> {
  return read<SignalsView>(id, '/signals', signal)
}

export function askClarification(id: string, request: ClarificationRequest): Promise<Clarification> {
  return send<Clarification>(id, '/clarifications', request)
}

export function listClarifications(id: string, signal?: AbortSignal): Promise<Clarification[]> {
  return read<Clarification[]>(id, '/clarifications', signal)
}

/** The chair records an arithmetic correction (规定 19; 87号令 59); the bidder confirms it. */
export function correctPrice(id: string, bidId: string, readings: Readings, dueMinutes?: number): Promise<Clarification> {
  const body: Record<string, unknown> = { bid_id: bidId, readings }
  if (dueMinutes !== undefined) body.due_minutes = dueMinutes
  return send<Clarification>(id, '/corrections', body)
}

/** The chair decides a flagged abnormally low price (规定 21; 87号令 60). */
export function decideLowPrice(id: string, bidId: string, decision: LowPriceDecision, note: string): Promise<BidLowPriceView> {
  return send<BidLowPriceView>(id, `/bids/${enc(bidId)}/low-price`, { decision, note })
}

/** The chair drafts the report (409 with the blockers while something is missing). */
export function draftReport(id: string): Promise<ReportStatus> {
  return send<ReportStatus>(id, '/report')
}

/** The report and who answered it (members, the supervisor). */
export function getReportStatus(id: string, signal?: AbortSignal): Promise<ReportStatus> {
  return read<ReportStatus>(id, '/report', signal)
}

export function getReportJson(id: string, signal?: AbortSignal): Promise<ReportJson> {
  return read<ReportJson>(id, '/report.json', signal)
}

export function reportPdfUrl(id: string): string {
  return `${base(id)}/report.pdf`
}

export function fetchReportPdf(id: string, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(reportPdfUrl(id), { signal })
}

/** `dissent`: the member will send a written dissent with the signature (the signature's reason says so). */
export function prepareReportSignature(id: string, dissent = false): Promise<ReportSignatureRequest> {
  return send<ReportSignatureRequest>(id, '/report/signature/prepare', { dissent })
}

/** Posts the member's signature (base64) of `to_be_signed`, with a written dissent if any. */
export function signReport(id: string, signature: string, dissent?: string | null): Promise<ReportStatus> {
  const body: Record<string, unknown> = { signature }
  if (dissent) body.dissent = dissent
  return send<ReportStatus>(id, '/report/signature', body)
}

/** The chair records a member who refuses to sign without reasons (视为同意, 条例 53). */
export function recordRefusal(id: string, memberId: string, note: string): Promise<ReportStatus> {
  return send<ReportStatus>(id, '/report/refusals', { member_id: memberId, note })
}

export function signingSheetUrl(id: string): string {
  return `${base(id)}/signing-sheet.pdf`
}

export function fetchSigningSheet(id: string, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(signingSheetUrl(id), { signal })
}

// The bidder's side of clarifications (list, statement, signed answer) is `api/clarifications.ts`.

// ------------------------------------------------------------------------------ supervisor

export function listSupervisedEvaluations(signal?: AbortSignal): Promise<SupervisionItem[]> {
  return apiRequest<SupervisionItem[]>('/api/supervision/evaluations', { signal })
}

export function getSupervisedEvaluation(id: string, signal?: AbortSignal): Promise<SupervisionView> {
  return apiRequest<SupervisionView>(`/api/supervision/evaluations/${enc(id)}`, { signal })
}

export function addRemark(id: string, text: string): Promise<RemarkView> {
  return apiRequest<RemarkView>(`/api/supervision/evaluations/${enc(id)}/remarks`, { method: 'POST', body: { text } })
}

// ------------------------------------------------------------------------------ agent, tenderer, public

export function lotEvaluationProgress(lotId: string, signal?: AbortSignal): Promise<ProgressView> {
  return apiRequest<ProgressView>(`/api/agent/lots/${enc(lotId)}/evaluation`, { signal })
}

export function getLotCriteria(lotId: string, signal?: AbortSignal): Promise<Criteria> {
  return apiRequest<Criteria>(`/api/agent/lots/${enc(lotId)}/criteria`, { signal })
}

export function putLotCriteria(lotId: string, criteria: Criteria): Promise<Criteria> {
  return apiRequest<Criteria>(`/api/agent/lots/${enc(lotId)}/criteria`, { method: 'PUT', body: criteria })
}

export function publicLotCriteria(lotId: string, signal?: AbortSignal): Promise<Criteria> {
  return apiRequest<Criteria>(`/api/public/lots/${enc(lotId)}/criteria`, { signal, anonymous: true })
}
