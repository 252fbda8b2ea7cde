/**
 * The bidder's deposit endpoints (docs/deposits.md "Basic accounts", "Electronic guarantees",
 * "Status at the opening"): its deposit for a lot, its organisation's basic account, its guarantees.
 */
import { apiRequest } from './client'
import type { DepositForm } from './agent'
import type { RefundView } from './finance'

export interface BasicAccountView {
  organization_id: string
  organization_name: string
  credit_code: string
  bank_name: string
  account_number: string
  account_name: string
  registered_at: string
  updated_at: string
}

export interface BasicAccountInput {
  bank_name: string
  account_number: string
  account_name: string
}

export interface GuaranteeView {
  id: string
  lot_id: string
  guarantee_no: string
  issuer: string
  beneficiary: string
  amount_fen: number
  valid_from: string
  valid_until: string
  sha256: string
  size: number
  signer: string
  signed_at: string | null
  attached_at: string
}

export interface GuaranteeInput {
  guarantee_no: string
  issuer: string
  beneficiary: string
  amount_fen: number
  valid_from: string
  valid_until: string
  pdf_base64: string
}

export interface MyPayment {
  amount_fen: number
  value_date: string
  booked_at: string | null
  payer_account: string | null
  payer_name: string | null
}

export interface MyStatus {
  /** bidding.deposits.matching.DepositStatus (see DEPOSIT_STATUSES in room/state.ts). */
  status: string
  counted_fen: number
  received_fen: number
  reasons: string[]
  reasons_zh: string[]
  reasons_en: string[]
  /** The status the opening took (the record's), or as of now before the extraction. */
  final: boolean
}

export interface MyDeposit {
  lot_id: string
  lot_code: string
  lot_name: string
  project_code: string
  project_name: string
  tenderer: string
  required_fen: number
  forms: DepositForm[]
  basic_account_required: boolean
  bid_deadline: string | null
  bid_validity_days: number
  bid_validity_end: string | null
  virtual_account: string | null
  basic_account: BasicAccountView | null
  guarantees: GuaranteeView[]
  payments: MyPayment[]
  status: MyStatus | null
}

const lotPath = (lotId: string, tail = ''): string => `/api/bidder/lots/${encodeURIComponent(lotId)}/deposit${tail}`

/** My deposit for a lot; the first call while the lot takes transfers issues my virtual sub-account. */
export function getMyDeposit(lotId: string, signal?: AbortSignal): Promise<MyDeposit> {
  return apiRequest<MyDeposit>(lotPath(lotId), { signal })
}

/** My organisation's deposit refunds (条例 35, 57), every lot; the card shows one lot's. */
export function getMyRefunds(signal?: AbortSignal): Promise<RefundView[]> {
  return apiRequest<RefundView[]>('/api/bidder/refunds', { signal })
}

export function putBasicAccount(body: BasicAccountInput): Promise<BasicAccountView> {
  return apiRequest<BasicAccountView>('/api/bidder/basic-account', { method: 'PUT', body })
}

export function attachGuarantee(lotId: string, body: GuaranteeInput): Promise<GuaranteeView> {
  return apiRequest<GuaranteeView>(lotPath(lotId, '/guarantees'), { method: 'POST', body })
}
