/**
 * The deposit card's forms as plain data (tests/deposit-form.spec.ts): a basic account and an
 * electronic guarantee, checked as the server checks them (bidding/deposits/basic_accounts.py,
 * guarantees.py) before anything is sent, and a PDF file read into base64.
 */
import type { BasicAccountInput, GuaranteeInput } from '@/api/deposits'
import { yuanToFen } from '@/views/agent/projectForm'

/** 8 to 32 digits, single spaces or hyphens between them (as the server's ACCOUNT_NUMBER_PATTERN). */
export const ACCOUNT_NUMBER = /^(?:[0-9][ -]?){7,31}[0-9]$/
export const MAX_GUARANTEE_BYTES = 10 * 1024 * 1024

export interface BasicAccountDraft {
  bankName: string
  accountNumber: string
}

export interface GuaranteeDraft {
  number: string
  issuer: string
  amountYuan: string
  validFrom: string
  validUntil: string
}

export type Built<T> = { ok: true; payload: T } | { ok: false; issues: string[] }

/** The PUT body for the caller's organisation (`accountName` is its registered name). */
export function buildBasicAccount(draft: BasicAccountDraft, accountName: string): Built<BasicAccountInput> {
  const issues: string[] = []
  if (!draft.bankName.trim()) issues.push('deposit.check.bank')
  if (!ACCOUNT_NUMBER.test(draft.accountNumber.trim())) issues.push('deposit.check.accountNumber')
  if (issues.length) return { ok: false, issues }
  return {
    ok: true,
    payload: { bank_name: draft.bankName.trim(), account_number: draft.accountNumber.trim(), account_name: accountName },
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/**
 * The POST body of a guarantee: amount ≥ the deposit, valid until at least the bid validity's last
 * day, in force by the deadline's day (条例 26); the beneficiary is the tenderer.
 */
export function buildGuarantee(
  draft: GuaranteeDraft,
  pdfBase64: string | null,
  lot: { required_fen: number; tenderer: string; bid_validity_end: string | null; deadline_day: string | null },
): Built<GuaranteeInput> {
  const issues: string[] = []
  const amount = yuanToFen(draft.amountYuan)
  if (!draft.number.trim()) issues.push('deposit.check.number')
  if (!draft.issuer.trim()) issues.push('deposit.check.issuer')
  if (amount === null || amount <= 0) issues.push('deposit.check.amount')
  else if (amount < lot.required_fen) issues.push('deposit.check.amountShort')
  if (!DAY.test(draft.validFrom) || !DAY.test(draft.validUntil)) issues.push('deposit.check.dates')
  else {
    if (lot.bid_validity_end && draft.validUntil < lot.bid_validity_end) issues.push('deposit.check.validityShort')
    if (lot.deadline_day && draft.validFrom > lot.deadline_day) issues.push('deposit.check.notYetValid')
    if (draft.validFrom > draft.validUntil) issues.push('deposit.check.dates')
  }
  if (!pdfBase64) issues.push('deposit.check.pdf')
  if (issues.length || amount === null || !pdfBase64) return { ok: false, issues: [...new Set(issues)] }
  return {
    ok: true,
    payload: {
      guarantee_no: draft.number.trim(),
      issuer: draft.issuer.trim(),
      beneficiary: lot.tenderer,
      amount_fen: amount,
      valid_from: draft.validFrom,
      valid_until: draft.validUntil,
      pdf_base64: pdfBase64,
    },
  }
}

/** Base64 (RFC 4648 §4) of bytes, in chunks (no call-stack limit on large files). */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** A chosen file as base64 if it is a PDF of at most 10 MiB; otherwise the i18n key of the problem. */
export async function pdfBase64(file: Blob): Promise<{ base64: string } | { issue: string }> {
  if (file.size > MAX_GUARANTEE_BYTES) return { issue: 'deposit.check.pdfTooLarge' }
  const bytes = new Uint8Array(await file.arrayBuffer())
  if (new TextDecoder().decode(bytes.subarray(0, 5)) !== '%PDF-') return { issue: 'deposit.check.pdf' }
  return { base64: toBase64(bytes) }
}

/** The day (YYYY-MM-DD) of an instant in Beijing time. */
export function shanghaiDay(iso: string | null): string | null {
  if (!iso) return null
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return null
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}
