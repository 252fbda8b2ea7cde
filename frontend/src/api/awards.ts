/**
 * The award (定标, issue 21; `bidding/awards/`, `docs/awards.md`): from the final evaluation report
 * to the contract. The project's side (the tenderer and its agent: the publicity, objections to
 * answer, the winner's choice of 条例 55, the notices, the contract, the 15-day report, 流标 and the
 * termination), the bidder's side (objections and complaints signed in the browser, its own notices)
 * and the public's (the publicity and the result of a lot).
 *
 * Every call keeps to the URL layout of the shared design; the server decides who may do what
 * in which state (`bidding/awards/states.py` COMMANDS, copied in `views/awards/awards.ts` for the
 * buttons). Fields marked "assumed" were written before the route landed: see the report of issue 21.
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

/** One ranked candidate as published (`Award.candidates`, RULES c12). */
export interface AwardCandidate {
  rank: number
  bid_id: string
  organization_id: string
  bidder: string
  credit_code: string | null
  price_fen: number
  /** The committee's total score (a decimal string), null for the lowest evaluated price method. */
  total: string | number | null
  duration_days: number | null
  quality: string | null
  project_manager: string | null
  project_manager_certificate: string | null
}

/** `Award.choice`: the reasons for each skipped rank, a note, whether rank 1 was deemed chosen. */
export interface AwardChoice {
  reasons?: Record<string, SkipReason | string>
  note?: string | null
  deemed?: boolean
  withdrawn?: unknown[]
}

/** `Award.ended`: 流标 or the termination. */
export interface AwardEnded {
  reason: string
  article?: string | null
  announcement_id?: string | null
}

/** One row of `GET /api/awards` (assumed: the award's own fields and the project's names). */
export interface AwardRow {
  id: string
  project_id: string
  project_code: string
  project_name: string
  lot_id: string
  lot_code: string
  lot_name: string
  state: AwardState
  /** The caller's role in this award (assumed). */
  role?: AwardRole
  government_procurement?: boolean
  publicity_closes_at?: string | null
  choice_due_on?: string | null
  contract_due_on?: string | null
  report_due_on?: string | null
  state_at?: string | null
}

/** `GET /api/awards/{id}`: the award as the caller's role may see it (assumed field names: the model's). */
export interface AwardView extends AwardRow {
  state_controlled?: boolean
  candidates: AwardCandidate[]
  publicity_number?: string | null
  publicity_published_at?: string | null
  /** Earliest unanswered objection's answer due time (条例 54: 3 days), if any (assumed). */
  objection_answer_due_at?: string | null
  chosen_rank?: number | null
  winner_bid_id?: string | null
  choice?: AwardChoice | null
  chosen_at?: string | null
  notice_batch?: number
  notices_sent_at?: string | null
  contracted_at?: string | null
  report_filed_at?: string | null
  closed_at?: string | null
  ended?: AwardEnded | null
}

/** A file sent with an objection, a complaint or an answer (`PUT /{id}/attachments`). */
export interface AttachmentDescriptor {
  filename: string
  content_type?: string
  size: number
  sha256: string
  object_key?: string
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

/** An objection (异议, 条例 54), to the objector, the project and the supervisor only. */
export interface ObjectionView {
  id: string
  award_id: string
  organization_id?: string
  /** The objector's name (the project's and the supervisor's view; assumed). */
  bidder?: string | null
  text: string
  attachments: AttachmentDescriptor[]
  received_at: string
  answer_due_at: string
  answer: string | null
  answer_attachments?: AttachmentDescriptor[]
  answered_at: string | null
  overdue_at?: string | null
}

/** A complaint (投诉) to the supervisor (条例 60–61). */
export interface ComplaintView {
  id: string
  award_id: string
  organization_id?: string
  bidder?: string | null
  objection_id: string | null
  text: string
  attachments: AttachmentDescriptor[]
  known_on: string
  last_day: string
  received_at: string
  status: ComplaintStatus
  acceptance_due_on: string
  accepted_at: string | null
  decision_due_on: string | null
  decision: string | null
  decided_at: string | null
}

/** One notice of a batch (the project's view, `GET /{id}/notices`). */
export interface NoticeView {
  id: string
  award_id: string
  batch: number
  organization_id?: string
  bidder?: string | null
  kind: NoticeKind
  number: string
  rank: number | null
  score: string | null
  sha256: string
  sent_at: string
  read_at: string | null
}

/** One of the bidder's own notices (`GET /api/me/award-notices`; the project's names assumed). */
export interface MyNoticeView extends NoticeView {
  project_code?: string
  project_name?: string
  lot_code?: string
  lot_name?: string
}

/** `GET /{id}/contract`: the uploaded contract and what was checked in it. */
export interface ContractView {
  filename: string
  content_type?: string
  size: number
  sha256: string
  signed_on: string
  price_fen: number
  checks?: Record<string, unknown>
  uploaded_at: string
}

/** The public's view of a lot's award once published (`GET /api/public/awards/lots/{lot_id}`, assumed). */
export interface PublicAwardView {
  award_id: string
  lot_id: string
  state: AwardState
  project_code?: string
  project_name?: string
  lot_code?: string
  lot_name?: string
  publicity_number?: string | null
  published_at?: string | null
  closes_at?: string | null
  candidates: Partial<AwardCandidate>[]
  /** How to object (where, until when), in Chinese as published. */
  how_to_object?: string | null
  /** The result once the notices are sent. */
  result?: { winner: string; price_fen: number; notices_sent_at?: string | null } | null
  ended?: AwardEnded | null
}

/** The winner's choice (`POST /{id}/choice`): the rank and, per skipped rank, a reason of 条例 55. */
export interface ChoiceBody {
  rank: number
  reasons: Record<string, SkipReason>
  note?: string
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

/** A JSON list, or a `{items}` page (the list's shape is checked when the route lands). */
function itemsOf<T>(answer: T[] | { items: T[] }): T[] {
  return Array.isArray(answer) ? answer : answer.items
}

// ------------------------------------------------------------------------------ the award

/** The caller's awards: the tenderer's and agent's projects', a bidder's lots, every one for the supervisor. */
export async function listAwards(state?: AwardState | null, signal?: AbortSignal): Promise<AwardRow[]> {
  return itemsOf(await apiRequest<AwardRow[] | { items: AwardRow[] }>(base, { query: { state }, signal }))
}

export function getAward(id: string, signal?: AbortSignal): Promise<AwardView> {
  return read<AwardView>(id, '', signal)
}

/** The agent publishes the candidates before the platform's clock does (条例 54: within 3 days). */
export function publishPublicity(id: string): Promise<AwardView> {
  return send<AwardView>(id, '/publicity')
}

/** The tenderer chooses the winner (条例 55). */
export function chooseWinner(id: string, body: ChoiceBody): Promise<AwardView> {
  return send<AwardView>(id, '/choice', body)
}

/** Sends the award notice and every result notice in one batch. */
export function sendNotices(id: string): Promise<NoticeView[]> {
  return send<NoticeView[]>(id, '/notices')
}

export async function listNotices(id: string, signal?: AbortSignal): Promise<NoticeView[]> {
  return itemsOf(await read<NoticeView[] | { items: NoticeView[] }>(id, '/notices', signal))
}

export function noticePdfUrl(id: string, noticeId: string): string {
  return `${one(id)}/notices/${enc(noticeId)}.pdf`
}

export function fetchNoticePdf(id: string, noticeId: string, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(noticePdfUrl(id, noticeId), { signal })
}

/** The winner refused or gave no performance security (条例 55): back to the choice. */
export function winnerWithdrawal(id: string, reason: SkipReason, note?: string): Promise<AwardView> {
  return send<AwardView>(id, '/winner-withdrawal', note ? { reason, note } : { reason })
}

// ------------------------------------------------------------------------------ objections and complaints

/** Stores one file for a later objection, complaint or answer; the descriptor is sent with it. */
export function uploadAttachment(id: string, file: Blob, filename: string): Promise<AttachmentDescriptor> {
  return apiRequest<AttachmentDescriptor>(`${one(id)}/attachments`, {
    method: 'PUT',
    query: { filename },
    raw: file,
    contentType: file.type || 'application/octet-stream',
  })
}

/** The objection's statement to sign (its text and the attachments' digests). */
export function objectionStatement(id: string, text: string, attachments: AttachmentDescriptor[]): Promise<Statement> {
  return send<Statement>(id, '/objections/statement', { text, attachments })
}

export function raiseObjection(id: string, signed: SignedStatement, attachments: AttachmentDescriptor[]): Promise<ObjectionView> {
  return send<ObjectionView>(id, '/objections', { ...signed, attachments })
}

export async function listObjections(id: string, signal?: AbortSignal): Promise<ObjectionView[]> {
  return itemsOf(await read<ObjectionView[] | { items: ObjectionView[] }>(id, '/objections', signal))
}

/** The tenderer's or agent's answer (条例 54: within 3 days of receipt). */
export function answerObjection(
  id: string,
  objectionId: string,
  answer: string,
  attachments: AttachmentDescriptor[] = [],
): Promise<ObjectionView> {
  return send<ObjectionView>(id, `/objections/${enc(objectionId)}/answer`, { answer, attachments })
}

/** The complaint's statement to sign; `objectionId` when it follows an objection (条例 60). */
export function complaintStatement(
  id: string,
  text: string,
  knownOn: string,
  objectionId: string | null,
  attachments: AttachmentDescriptor[],
): Promise<Statement> {
  return send<Statement>(id, '/complaints/statement', { text, known_on: knownOn, objection_id: objectionId, attachments })
}

export function fileComplaint(
  id: string,
  signed: SignedStatement,
  knownOn: string,
  objectionId: string | null,
  attachments: AttachmentDescriptor[],
): Promise<ComplaintView> {
  return send<ComplaintView>(id, '/complaints', { ...signed, known_on: knownOn, objection_id: objectionId, attachments })
}

export async function listComplaints(id: string, signal?: AbortSignal): Promise<ComplaintView[]> {
  return itemsOf(await read<ComplaintView[] | { items: ComplaintView[] }>(id, '/complaints', signal))
}

// ------------------------------------------------------------------------------ the bidder's notices

const mine = '/api/me/award-notices'

export async function listMyNotices(signal?: AbortSignal): Promise<MyNoticeView[]> {
  return itemsOf(await apiRequest<MyNoticeView[] | { items: MyNoticeView[] }>(mine, { signal }))
}

export function myNoticePdfUrl(noticeId: string): string {
  return `${mine}/${enc(noticeId)}.pdf`
}

/** The notice's PDF (reading it marks it read). */
export function fetchMyNoticePdf(noticeId: string, signal?: AbortSignal): Promise<Blob> {
  return apiBlob(myNoticePdfUrl(noticeId), { signal })
}

// ------------------------------------------------------------------------------ contract, report, the end

/** The signed contract (法 46: within 30 days of the notice), its raw bytes with the signing day. */
export function uploadContract(id: string, file: Blob, filename: string, signedOn: string): Promise<ContractView> {
  return apiRequest<ContractView>(`${one(id)}/contract`, {
    method: 'PUT',
    query: { signed_on: signedOn, filename },
    raw: file,
    contentType: file.type || 'application/pdf',
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

/** The written report to the supervisor (法 47: within 15 days of the notice). */
export function fileReport(id: string, text: string): Promise<AwardView> {
  return send<AwardView>(id, '/report', { text })
}

/** 流标: no winner, the lot is tendered again. */
export function declareFailure(id: string, reason: string): Promise<AwardView> {
  return send<AwardView>(id, '/failure', { reason })
}

/** The tenderer ends the tender (条例 31). */
export function terminateAward(id: string, reason: string): Promise<AwardView> {
  return send<AwardView>(id, '/termination', { reason })
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
