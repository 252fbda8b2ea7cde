/**
 * The expert draw (评标专家抽取, issue 19; `bidding/experts/controllers/draws.py`,
 * `docs/expert-draws.md`): the project's agent or tenderer asks for a committee and follows the
 * counts (never a name), draws at once, cancels, tops up; the supervisor reads the request, the
 * commitments, the exclusions with their reasons, the seats by pseudonym and the verification, and
 * finalises; the logged-in expert answers their invitations and signs in on the day; the e-mail's
 * one-time link answers without logging in.
 */
import { apiRequest } from './client'

/** `bidding.experts.draw_states.DrawStatus`, in the server's order. */
export const DRAW_STATUSES = ['requested', 'committed', 'inviting', 'complete', 'short', 'final', 'cancelled', 'failed'] as const
export type DrawStatus = (typeof DRAW_STATUSES)[number]
/** `draw_states.DRAW_FINAL`: nothing happens to these any more. */
export const DRAW_FINAL = ['final', 'cancelled', 'failed'] as const
/** `draw_states.SeatStatus`. */
export const SEAT_STATUSES = ['reserve', 'invited', 'accepted', 'declined', 'timed_out', 'released', 'recused'] as const
export type SeatStatus = (typeof SEAT_STATUSES)[number]
/** `draw_states.SeatKind`. */
export const SEAT_KINDS = ['seat', 'backup'] as const
/** `bidding.experts.eligibility.Exclusion`: why an expert was not drawn (the supervisor's view). */
export const EXCLUSION_REASONS = [
  'employer_is_tenderer',
  'employer_is_bidder',
  'employer_is_agent',
  'employer_is_supervisor',
  'conflict_tenderer',
  'conflict_bidder',
  'conflict_agent',
  'conflict_supervisor',
  'past_penalty',
  'suspended',
  'retired',
  'unavailable',
  'draw_limit',
  'region_excluded',
  'region_not_included',
  'no_specialty',
] as const
/** `bidding.experts.committee.CommitteeProblem`: the details of a 422 `committee_invalid`. */
export const COMMITTEE_PROBLEMS = [
  'committee_size_even',
  'committee_too_small',
  'committee_too_large',
  'experts_below_two_thirds',
  'committee_below_seven',
  'budget_missing',
  'budget_negative',
  'representatives_negative',
  'no_specialty',
  'too_many_specialties',
  'specialty_code_invalid',
  'seats_not_positive',
  'seats_mismatch',
  'backups_negative',
  'backups_too_many',
  'backups_unknown_specialty',
] as const
export type CommitteeProblem = (typeof COMMITTEE_PROBLEMS)[number]

/**
 * `draw_states.COMMANDS` for the requester's buttons and the supervisor's finalisation: command →
 * the states it is allowed in (a copy, pinned to the server's table by the browser test).
 */
export const DRAW_COMMANDS = {
  cancel: ['requested', 'short'],
  draw_now: ['requested'],
  top_up: ['short'],
  finalise: ['complete'],
} as const satisfies Record<string, readonly DrawStatus[]>
export type DrawCommand = keyof typeof DRAW_COMMANDS

/** `draws.DrawRequestInput`. */
export interface DrawRequest {
  project_id: string
  lot_ids: string[]
  evaluation_at: string
  evaluation_end: string | null
  place: string | null
  remote: boolean
  size: number
  representatives: number
  seats: Record<string, number>
  backups: Record<string, number>
  government_procurement: boolean
  complex_or_high_impact: boolean
  regions_included: string[]
  regions_excluded: string[]
}

/** `draws.SpecialtyCounts`. */
export interface SpecialtyCounts {
  specialty: string
  seats: number
  accepted: number
  pending: number
  declined: number
  timed_out: number
  backups_left: number
}

/** `draws.ProgressView`: counts only, never a name. */
export interface DrawProgress {
  id: string
  project_id: string
  lot_ids: string[]
  status: DrawStatus | string
  evaluation_at: string
  evaluation_end: string | null
  place: string | null
  remote: boolean
  size: number
  representatives: number
  experts: number
  draw_at: string
  requested_at: string
  seated: number
  pending: number
  declined: number
  timed_out: number
  rounds: number
  specialties: SpecialtyCounts[]
  shortfall: Record<string, unknown>[] | null
  finalised_at: string | null
}

export interface CheckView {
  name: string
  status: string
  detail: string | null
}

export interface RoundView {
  number: number
  round_id: string
  committed_at: string
  pool_commitment: string
  server_seed_commitment: string
  eligible: Record<string, number>
  drawn_at: string | null
  public_inputs: Record<string, string> | null
  timestamp_token: string | null
  record: Record<string, unknown>
  final: boolean
}

export interface ExclusionView {
  round: number
  expert_id: string
  registry_no: string
  reasons: string[]
}

export interface SeatView {
  round: number
  specialty: string
  kind: string
  position: number
  pseudonym: string
  status: SeatStatus | string
  invited_at: string | null
  answered_at: string | null
  answered_via: string | null
}

/** `draws.SupervisionView`. */
export interface SupervisionView {
  progress: DrawProgress
  requested_by: string
  regions_included: string[]
  regions_excluded: string[]
  seats_requested: Record<string, number>
  backups_requested: Record<string, number>
  government_procurement: boolean
  complex_or_high_impact: boolean
  budget_fen: number | null
  rounds: RoundView[]
  exclusions: ExclusionView[]
  seats: SeatView[]
  verification: CheckView[][]
  verified: boolean
}

export interface MemberView {
  name: string
  specialty: string
  employer: string
  registry_no: string
}

/** `draws.CommitteeView`. */
export interface CommitteeView {
  draw_id: string
  audience: string
  members: MemberView[]
}

/** `invitations.InvitationView`: when, where, which specialty — not the project. */
export interface InvitationView {
  seat_id: string
  specialty: string
  specialty_name: string
  evaluation_at: string
  evaluation_end: string | null
  place: string | null
  remote: boolean
  status: SeatStatus | string
  invited_at: string | null
  answer_due_at: string | null
  answered_at: string | null
}

export interface LotItem {
  id: string
  code: string
  name: string
}

/** `draws.EvaluationView`: an accepted assignment on its day. */
export interface EvaluationView {
  seat_id: string
  draw_id: string
  project_code: string
  project_name: string
  lots: LotItem[]
  specialty: string
  evaluation_at: string
  evaluation_end: string | null
  place: string | null
  remote: boolean
  signed_in_at: string | null
  committee: MemberView[] | null
}

export type Answer = 'accept' | 'decline'

const enc = encodeURIComponent

// The requester (agent, tenderer of the project); progress is the supervisor's too.
export function requestDraw(body: DrawRequest): Promise<DrawProgress> {
  return apiRequest<DrawProgress>('/api/expert-draws', { method: 'POST', body })
}

export function listProjectDraws(projectId: string, signal?: AbortSignal): Promise<DrawProgress[]> {
  return apiRequest<DrawProgress[]>('/api/expert-draws', { query: { project_id: projectId }, signal })
}

export function getDraw(id: string, signal?: AbortSignal): Promise<DrawProgress> {
  return apiRequest<DrawProgress>(`/api/expert-draws/${enc(id)}`, { signal })
}

const COMMAND_PATHS: Record<'cancel' | 'draw_now' | 'top_up', string> = {
  cancel: 'cancel',
  draw_now: 'draw-now',
  top_up: 'top-up',
}

export function drawCommand(id: string, command: 'cancel' | 'draw_now' | 'top_up'): Promise<DrawProgress> {
  return apiRequest<DrawProgress>(`/api/expert-draws/${enc(id)}/${COMMAND_PATHS[command]}`, { method: 'POST' })
}

/** The names, when the rules open them (403 `committee_sealed` otherwise); each reveal is audited. */
export function getCommittee(id: string, signal?: AbortSignal): Promise<CommitteeView> {
  return apiRequest<CommitteeView>(`/api/expert-draws/${enc(id)}/committee`, { signal })
}

// The supervisor.
export function listSupervisedDraws(status: string | null = null, signal?: AbortSignal): Promise<DrawProgress[]> {
  return apiRequest<DrawProgress[]>('/api/supervision/expert-draws', { query: { status: status || undefined }, signal })
}

export function getSupervisedDraw(id: string, signal?: AbortSignal): Promise<SupervisionView> {
  return apiRequest<SupervisionView>(`/api/supervision/expert-draws/${enc(id)}`, { signal })
}

export function finaliseDraw(id: string): Promise<DrawProgress> {
  return apiRequest<DrawProgress>(`/api/supervision/expert-draws/${enc(id)}/finalise`, { method: 'POST' })
}

/** Where a final round's DRAW.json is published (anyone may download it). */
export function drawRecordUrl(id: string, round: number): string {
  return `/api/public/expert-draws/${enc(id)}/rounds/${round}/DRAW.json`
}

// The logged-in expert.
export function myInvitations(signal?: AbortSignal): Promise<InvitationView[]> {
  return apiRequest<InvitationView[]>('/api/expert/invitations', { signal })
}

export function answerInvitation(seatId: string, answer: Answer): Promise<InvitationView> {
  return apiRequest<InvitationView>(`/api/expert/invitations/${enc(seatId)}/answer`, { method: 'POST', body: { answer } })
}

export function myEvaluations(signal?: AbortSignal): Promise<EvaluationView[]> {
  return apiRequest<EvaluationView[]>('/api/expert/evaluations', { signal })
}

export function signIn(seatId: string): Promise<EvaluationView> {
  return apiRequest<EvaluationView>(`/api/expert/evaluations/${enc(seatId)}/sign-in`, { method: 'POST' })
}

// The e-mail's one-time link (no login: the token is the credential).
export function invitationByToken(token: string, signal?: AbortSignal): Promise<InvitationView> {
  return apiRequest<InvitationView>(`/api/expert-invitations/${enc(token)}`, { signal })
}

export function answerByToken(token: string, answer: Answer): Promise<InvitationView> {
  return apiRequest<InvitationView>(`/api/expert-invitations/${enc(token)}/answer`, { method: 'POST', body: { answer } })
}
