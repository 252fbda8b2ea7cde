/** `POST /api/verify/pdf`: the signature-validation report of a PDF (docs/pdf-signatures.md). */
import { apiRequest } from './client'

export type Indication = 'TOTAL_PASSED' | 'INDETERMINATE' | 'TOTAL_FAILED'
export type Verdict = Indication | 'NO_SIGNATURES'

export interface SignerIdentity {
  subject?: string | null
  common_name?: string | null
  organisation?: string | null
  credit_code?: string | null
  role?: string | null
  issuer?: string | null
  serial_number?: string | null
  sha256_fingerprint?: string | null
  platform_profile?: boolean | null
}

export interface SignatureEntry {
  field_name: string
  kind: 'signature' | 'document_timestamp' | string
  revision: number
  indication: Indication
  sub_indication: string | null
  reasons: string[]
  signer: SignerIdentity | null
  signing_time: string | null
  timestamp: { time: string | null; tsa: SignerIdentity | null; valid: boolean | null } | null
  revocation: { status: 'good' | 'revoked' | 'unknown' | string; revoked_at: string | null }
  coverage: string | null
  modification: { level: string | null; permitted: boolean | null }
  intact: boolean | null
  signature_valid: boolean | null
  subfilter: string | null
  reason: string | null
  location: string | null
  detail: string | null
}

export interface PdfReport {
  verdict: Verdict
  sha256: string
  size: number
  revisions: number
  validated_at: string
  signatures: SignatureEntry[]
  summary: Record<string, string>
}

export function verifyPdf(file: Blob, filename = 'document.pdf', signal?: AbortSignal): Promise<PdfReport> {
  const form = new FormData()
  form.append('file', file, filename)
  return apiRequest<PdfReport>('/api/verify/pdf', signal ? { method: 'POST', form, signal } : { method: 'POST', form })
}
