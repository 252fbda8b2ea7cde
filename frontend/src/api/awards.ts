/**
 * The award (定标, issue 21; `bidding/awards/`, `docs/awards.md`): from the final evaluation report
 * to the contract. The project's side (the tenderer and its agent: the publicity, objections to
 * answer, the winner's choice of 条例 55, the notices, the contract, the 15-day report, 流标 and the
 * termination), the bidder's side (objections and complaints signed in the browser, its own notices)
 * and the public's (the publicity and the result of a lot).
 *
 * Every call keeps to the URL layout of the issue's shared design; the server decides who may do what
 * in which state (`bidding/awards/states.py` COMMANDS, copied in `views/awards/awards.ts` for the
 * buttons). The shapes are the landed views' (`bidding/awards/views.py`, `objections.py`, `notices.py`,
 * `contract.py`, `endings.py`, `report_filing.py`, `publicity.py`, `complaints.py`).
 */
import { apiBlob, apiRequest } from './client'

/** `states.AwardState`, in the order an award goes through them (the last two end it early). */
export const AWARD_STATES = [
  'reported',
  'publicity',
  'suspended',
  'awaiting_choice',
  'awarded',
  'contracted',
  'closed',
  'failed',
  'terminated',
] as const
export type AwardState = (typeof AWARD_STATES)[number]

/** `states.AwardRole`: the caller's place in an award. */
export const AWARD_ROLES = ['tenderer', 'agent', 'bidder', 'supervisor', 'system', 'public'] as const
export type AwardRole = (typeof AWARD_ROLES)[number]

/** `states.ComplaintStatus`. */
export const COMPLAINT_STATUSES = ['received', 'accepted', 'refused', 'decided'] as const
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number]

/** `states.NoticeKind`: the award notice (中标通知书) or a result notice (中标结果通知书). */
export const NOTICE_KINDS = ['award', 'result'] as const
export type NoticeKind = (typeof NOTICE_KINDS)[number]

/** `rules.SkipReason`: why a state-controlled project passes over a better-ranked candidate (条例 55). */
export const SKIP_REASONS = ['declined', 'cannot_perform', 'no_performance_security', 'broke_the_law'] as const
export type SkipReason = (typeof SKIP_REASONS)[number]

/** A ranked candidate as the publicity shows it (`views.CandidateView`, RULES c12). */
export interface AwardCandidate {
  rank: number
  bid_id: string
  organization_id: string
  bidder: string
  credit_code: string | null
  price_fen: number | null
  /** The committee's total score (a decimal string), null for the lowest evaluated price method. */
  total: string | null
  duration_days: string | number | null
  quality: string | null
  project_manager: string | null
  project_manager_certificate: string | null
}

/** `views.PublicityView`: the candidate publicity (条例 54); all null before it is published. */
export interface PublicityFacts {
  number: string | null
  published_at: string | null
  closes_at: string | null
}

/** `views.WithdrawnView`: a winner who withdrew after its award notice (条例 55). */
export interface WithdrawnView {
  rank: number
  bidder: string
  reason: SkipReason | string
  note: string | null
  at: string
  batch: number
}

/** `views.ChoiceView`: the tenderer's choice (条例 55), or rank 1 deemed chosen (视同排名第一, 87号令). */
export interface ChoiceView {
  rank: number | null
  winner: AwardCandidate | null
  /** rank → SkipReason; the project and the supervisor only (null for a bidder). */
  reasons: Record<string, SkipReason | string> | null
  note: string | null
  deemed: boolean
  at: string | null
  withdrawn: WithdrawnView[]
}

/** `Award.ended`: 流标 (`reason` one of FAILURE_REASONS) or the termination (`reason` the tenderer's text). */
export interface AwardEnded {
  kind?: 'failed' | 'terminated' | string
  reason: string
  article?: string | null
  note?: string | null
  at?: string | null
  announcement_id?: string | null
}

/** `views.AwardView`: `GET /api/awards/{id}` and each item of `GET /api/awards`, as the caller's role sees it. */
export interface AwardView {
  id: string
  role: AwardRole | string
  project_id: string
  project_code: string
  project_name: string
  lot_id: string
  lot_code: string
  lot_name: string
  state: AwardState
  state_at: string
  government_procurement: boolean
  state_controlled: boolean
  /** A bidder sees them once published (the publicity, or the result in government procurement). */
  candidates: AwardCandidate[]
  publicity: PublicityFacts
  choice: ChoiceView | null
  /** Government procurement: the purchaser's last day to choose (87号令 68), then rank 1 is deemed. */
  choice_due_on: string | null
  notice_batch: number
  notices_sent_at: string | null
  contract_due_on: string | null
  report_due_on: string | null
  contracted_at: string | null
  report_filed_at: string | null
  closed_at: string | null
  ended: AwardEnded | null
  /** Every candidate is out for a reason of 条例 55: no winner can be chosen, re-tender (流标). */
  retender_required: boolean
  /** Unanswered objections and undecided complaints (project and supervisor; null for a bidder). */
  objections_open: number | null
  complaints_open: number | null
  /** A bidder's own rank (null: not ranked) and, in government procurement, its score (87号令 69). */
  my_rank?: number | null
  my_score?: string | null
  /** A bidder's own notices, newest batch first. */
  my_notices?: NoticeView[]
}

/** The list is the same view per award. */
export type AwardRow = AwardView

/** `attachments.AttachmentView`: a stored file, named by its SHA-256 in what is sent with it. */
export interface AttachmentDescriptor {
  sha256: string
  filename: string
  content_type: string
  size: number
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

/** `objections.ObjectionView`: to the objector, the project and the supervisor only. */
export interface ObjectionView {
  id: string
  award_id: string
  organization_id: string
  bidder: string
  text: string
  attachments: AttachmentDescriptor[]
  received_at: string
  answer_due_at: string
  /** The red clock: unanswered at the due time, or answered after it. */
  overdue: boolean
  overdue_at: string | null
  answer: string | null
  answer_attachments: AttachmentDescriptor[]
  answered_at: string | null
  /** The fingerprint of the certificate that signed it. */
  signed_by: string
}

/** `complaints.ComplaintView`: a complaint (投诉) to the supervisor (条例 60–61). */
export interface ComplaintView {
  id: string
  award_id: string
  organization_id: string
  bidder: string
  objection_id: string | null
  text: string
  attachments: AttachmentDescriptor[]
  /** The day the complainant knew (the server's: the publicity, or its objection's answer). */
  known_on: string
  last_day: string
  received_at: string
  status: ComplaintStatus
  acceptance_due_on: string
  /** Neither accepted nor refused past its due day (the red clock), or handled after it. */
  acceptance_overdue: boolean
  accepted_at: string | null
  decision_due_on: string | null
  decision_overdue: boolean
  /** The decision, or the reason of a refusal. */
  decision: string | null
  decided_at: string | null
  signed_by: string
}

/** `views.NoticeView`: one notice of a batch. */
export interface NoticeView {
  id: string
  award_id: string
  batch: number
  /** Of an earlier batch whose winner withdrew (条例 55): kept, no longer current. */
  superseded: boolean
  organization_id: string
  bidder: string
  bid_id: string
  kind: NoticeKind
  number: string
  rank: number | null
  score: string | null
  sha256: string
  sent_at: string
  read_at: string | null
  emailed: boolean
  pdf_url: string
}

/** `notices.NoticeBatchView`: the batch just sent and the award after it. */
export interface NoticeBatchView {
  batch: number
  notices: NoticeView[]
  announcement_id: string
  award: AwardView
}

/** `notices.MyNoticeView`: a bidder's notice in its workspace. */
export interface MyNoticeView {
  notice: NoticeView
  project_id: string
  project_code: string
  project_name: string
  lot_id: string
  lot_code: string
  lot_name: string
  pdf_url: string
}

/** `contract.ContractView`: the uploaded contract and what was checked in it. */
export interface ContractView {
  award_id: string
  state: string
  filename: string
  content_type: string
  size: number
  sha256: string
  signed_on: string
  price_fen: number
  winner: string
  winner_organization_id: string
  contract_due_on: string
  /** Uploaded after the 30 days (法 46): taken and flagged. */
  late: boolean
  checks: Record<string, unknown>
  uploaded_at: string
  uploaded_by: string
  pdf_url: string
}

/** `report_filing.SupervisorReportView`: the written report (法 47) as filed. */
export interface SupervisorReportView {
  award_id: string
  state: string
  text: string
  filed_at: string
  filed_by: string
  due_on: string
  late: boolean
  days_late: number
}

/** `endings.FailureReason` a person may give (`no_candidates` is the platform's own step). */
export const FAILURE_REASONS = ['too_few_bids', 'all_rejected', 'no_candidate_left', 'other'] as const
export type FailureReason = (typeof FAILURE_REASONS)[number] | 'no_candidates'

/** `POST /{id}/failure`: the reason, its article (required with `other`, with a note) and a note. */
export interface FailureBody {
  reason: FailureReason
  article?: string
  note?: string
}

/** `endings.EndingView`: 流标 or the termination, done. */
export interface EndingView {
  award_id: string
  state: string
  kind: string
  reason: string
  article: string
  note: string | null
  announcement_id: string
  refund_trigger: number
  refunds: number
  guarantees_released: number
  project_status: string
  ended_at: string
}

/** `publicity.PublicCandidate`: a candidate as published; a field the opening form did not declare is null. */
export interface PublicCandidate {
  rank: number
  bidder: string
  credit_code: string
  price_fen: number
  price_uppercase: string
  total: string | null
  duration_days: number | null
  quality: string | null
  project_manager: string | null
  project_manager_certificate: string | null
}

/** `publicity.PublicityInfo`. */
export interface PublicityInfo {
  number: string
  published_at: string
  closes_at: string
  /** Objections are still received. */
  open: boolean
  /** An objection is unanswered: the tender is suspended (暂停, 条例 54). */
  suspended: boolean
  announcement_id: string | null
  pdf_url: string
  pdf_sha256: string
  how_to_object_zh: string
  how_to_object_en: string
}

/** `publicity.ResultInfo`: the winner once the notices are sent. */
export interface ResultInfo {
  rank: number | null
  bidder: string | null
  credit_code: string | null
  price_fen: number | null
  notices_sent_at: string | null
  announcement_id: string | null
}

/** `publicity.PublicAwardView`: `GET /api/public/awards/lots/{lot_id}` (404 until something is published). */
export interface PublicAwardView {
  award_id: string
  project_id: string
  project_code: string
  project_name: string
  lot_id: string
  lot_code: string
  lot_name: string
  state: AwardState
  government_procurement: boolean
  candidates: PublicCandidate[]
  publicity: PublicityInfo | null
  result: ResultInfo | null
}

/** The winner's choice (`POST /{id}/choice`): the rank and, per skipped rank, a reason of 条例 55. */
export interface ChoiceBody {
  rank: number
  reasons: Record<string, SkipReason>
  note?: string
}

/** The attachments are named by their SHA-256 in what is sent with them. */
export function digestsOf(attachments: readonly Pick<AttachmentDescriptor, 'sha256'>[]): string[] {
  return attachments.map((a) => a.sha256)
}

const enc = encodeURIComponent
const base = '/api/awards'
const one = (id: string): string => `${base}/${enc(id)}`

function read<T>(id: string, path: string, signal?: AbortSignal): Promise<T> {
  return apiRequest<T>(`${one(id)}${path}`, { signal })
}

function send<T>(id: string, path: string, body?: unknown): Promise<T> {
  return apiRequest<T>(`${one(id)}${path}`, { method: 'POST', body })
}

// ------------------------------------------------------------------------------ the award

/** The caller's awards, newest first: the tenderer's and agent's projects', a bidder's lots, every one for the supervisor. */
export function listAwards(state?: AwardState | null, signal?: AbortSignal): Promise<AwardView[]> {
  return apiRequest<AwardView[]>(base, { query: { state }, signal })
}

export function getAward(id: string, signal?: AbortSignal): Promise<AwardView> {
  return read<AwardView>(id, '', signal)
}

/** The agent publishes the candidates before the platform's clock does (条例 54: within 3 days). */
export function publishPublicity(id: string): Promise<PublicAwardView> {
  return send<PublicAwardView>(id, '/publicity')
}

/** The tenderer chooses the winner (条例 55); again while the notices are not sent. */
export function chooseWinner(id: string, body: ChoiceBody): Promise<AwardView> {
  return send<AwardView>(id, '/choice', body)
}

/** Sends the award notice and every result notice in one batch, with the result announcement. */
export function sendNotices(id: string): Promise<NoticeBatchView> {
  return send<NoticeBatchView>(id, '/notices')
}

/** Every batch's notices (the project, the supervisor); a bidder its own. */
export function listNotices(id: string, signal?: AbortSignal): Promise<NoticeView[]> {
  return read<NoticeView[]>(id, '/notices', signal)
}

export function noticePdfUrl(id: string, noticeId: string): string {
  return `${one(id)}/notices/${enc(noticeId)}.pdf`
}

export function fetchNoticePdf(id: string, noticeId: string, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(noticePdfUrl(id, noticeId), { signal })
}

/** The winner declined, cannot perform, gave no security or broke the law (条例 55): back to the choice. */
export function winnerWithdrawal(id: string, reason: SkipReason, note?: string): Promise<AwardView> {
  return send<AwardView>(id, '/winner-withdrawal', note ? { reason, note } : { reason })
}

// ------------------------------------------------------------------------------ objections and complaints

/** Stores one file (PDF, JPEG, PNG, OFD or ZIP, ≤ 20 MiB) for a later objection, complaint or answer. */
export function uploadAttachment(id: string, file: Blob, filename: string): Promise<AttachmentDescriptor> {
  return apiRequest<AttachmentDescriptor>(`${one(id)}/attachments`, {
    method: 'PUT',
    query: { filename },
    raw: file,
    contentType: file.type || 'application/octet-stream',
  })
}

/** The objection's statement to sign (its text and the attachments' digests). */
export function objectionStatement(id: string, text: string, attachments: readonly AttachmentDescriptor[]): Promise<Statement> {
  return send<Statement>(id, '/objections/statement', { text, attachments: digestsOf(attachments) })
}

/** The signed objection: the same text and digests as the statement, with the statement as received. */
export function raiseObjection(
  id: string,
  text: string,
  attachments: readonly AttachmentDescriptor[],
  signed: SignedStatement,
): Promise<ObjectionView> {
  return send<ObjectionView>(id, '/objections', { text, attachments: digestsOf(attachments), ...signed })
}

/** All of an award's objections for the project and the supervisor; a bidder's own. */
export function listObjections(id: string, signal?: AbortSignal): Promise<ObjectionView[]> {
  return read<ObjectionView[]>(id, '/objections', signal)
}

/** The tenderer's or agent's answer (条例 54: within 3 days); the last answer resumes the award. */
export function answerObjection(
  id: string,
  objectionId: string,
  answer: string,
  attachments: readonly AttachmentDescriptor[] = [],
): Promise<ObjectionView> {
  return send<ObjectionView>(id, `/objections/${enc(objectionId)}/answer`, { answer, attachments: digestsOf(attachments) })
}

/** What a complaint sends besides its signature (`complaints.ComplaintStatementInput`, `ComplaintInput`). */
export interface ComplaintFields {
  text: string
  /** The complainant's own objection it follows (its waiting days are not counted, 条例 60). */
  objection_id: string | null
  attachments: readonly AttachmentDescriptor[]
}

function complaintBody(fields: ComplaintFields): Record<string, unknown> {
  const body: Record<string, unknown> = { text: fields.text, attachments: digestsOf(fields.attachments) }
  if (fields.objection_id) body.objection_id = fields.objection_id
  return body
}

/** The complaint's statement to sign; `objection_id` when it follows an objection (条例 60). */
export function complaintStatement(id: string, fields: ComplaintFields): Promise<Statement> {
  return send<Statement>(id, '/complaints/statement', complaintBody(fields))
}

export function fileComplaint(id: string, fields: ComplaintFields, signed: SignedStatement): Promise<ComplaintView> {
  return send<ComplaintView>(id, '/complaints', { ...complaintBody(fields), ...signed })
}

/** All of an award's complaints for the supervisor and the project; a bidder's own. */
export function listComplaints(id: string, signal?: AbortSignal): Promise<ComplaintView[]> {
  return read<ComplaintView[]>(id, '/complaints', signal)
}

/** The supervisor accepts a complaint (条例 61: within 3 working days); the decision is due in 30. */
export function acceptComplaint(id: string, complaintId: string): Promise<ComplaintView> {
  return send<ComplaintView>(id, `/complaints/${enc(complaintId)}/accept`)
}

/** The supervisor does not accept a complaint, with the reason. */
export function refuseComplaint(id: string, complaintId: string, reason: string): Promise<ComplaintView> {
  return send<ComplaintView>(id, `/complaints/${enc(complaintId)}/refuse`, { reason })
}

/** The supervisor's written decision on an accepted complaint (条例 61). */
export function decideComplaint(id: string, complaintId: string, decision: string): Promise<ComplaintView> {
  return send<ComplaintView>(id, `/complaints/${enc(complaintId)}/decide`, { decision })
}

// ------------------------------------------------------------------------------ the bidder's notices

const mine = '/api/me/award-notices'

/** The bidder's notices across awards, newest first. */
export function listMyNotices(signal?: AbortSignal): Promise<MyNoticeView[]> {
  return apiRequest<MyNoticeView[]>(mine, { signal })
}

export function myNoticePdfUrl(noticeId: string): string {
  return `${mine}/${enc(noticeId)}.pdf`
}

/** The notice's PDF (reading it marks it read). */
export function fetchMyNoticePdf(noticeId: string, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(myNoticePdfUrl(noticeId), { signal })
}

// ------------------------------------------------------------------------------ contract, report, the end

/** The signed contract (法 46: within 30 days of the award notice), its raw PDF with the signing day. */
export function uploadContract(id: string, file: Blob, filename: string, signedOn: string): Promise<ContractView> {
  return apiRequest<ContractView>(`${one(id)}/contract`, {
    method: 'PUT',
    query: { signed_on: signedOn, filename },
    raw: file,
    contentType: 'application/pdf',
  })
}

export function getContract(id: string, signal?: AbortSignal): Promise<ContractView> {
  return read<ContractView>(id, '/contract', signal)
}

export function contractPdfUrl(id: string): string {
  return `${one(id)}/contract.pdf`
}

export function fetchContractPdf(id: string, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(contractPdfUrl(id), { signal })
}

/** The written report to the supervisor (法 47: within 15 days of the notice), once. */
export function fileReport(id: string, text: string): Promise<SupervisorReportView> {
  return send<SupervisorReportView>(id, '/report', { text })
}

export function getReport(id: string, signal?: AbortSignal): Promise<SupervisorReportView> {
  return read<SupervisorReportView>(id, '/report', signal)
}

/** 流标: no winner, the lot is tendered again; every deposit refunded. */
export function declareFailure(id: string, body: FailureBody): Promise<EndingView> {
  return send<EndingView>(id, '/failure', body)
}

/** The tenderer ends the tender (条例 31), with its reason. */
export function terminateAward(id: string, reason: string): Promise<EndingView> {
  return send<EndingView>(id, '/termination', { reason })
}

// ------------------------------------------------------------------------------ public

const publicBase = '/api/public/awards'

/** A lot's award as the public sees it; 404 `award_not_found` until something is published. */
export function getPublicLotAward(lotId: string, signal?: AbortSignal): Promise<PublicAwardView> {
  return apiRequest<PublicAwardView>(`${publicBase}/lots/${enc(lotId)}`, { signal, anonymous: true })
}

/** The publicity's PDF (public: a plain link). */
export function publicityPdfUrl(awardId: string): string {
  return `${publicBase}/${enc(awardId)}/publicity.pdf`
}
