/** Helpers to show a PDF validation report (docs/pdf-signatures.md) in the UI. */
import type { Locale } from '@/i18n/locales'
import type { Indication, PdfReport, SignatureEntry, SignerIdentity, Verdict } from '@/api/verify'

export type Tone = 'ok' | 'warn' | 'fail' | 'none'

export function verdictTone(verdict: Verdict | Indication | string): Tone {
  switch (verdict) {
    case 'TOTAL_PASSED':
      return 'ok'
    case 'INDETERMINATE':
      return 'warn'
    case 'TOTAL_FAILED':
      return 'fail'
    default:
      return 'none'
  }
}

const VERDICTS = ['TOTAL_PASSED', 'INDETERMINATE', 'TOTAL_FAILED', 'NO_SIGNATURES'] as const

/** i18n key of a verdict or indication; unknown values fall back to `report.verdict.unknown`. */
export function verdictKey(verdict: string): string {
  return (VERDICTS as readonly string[]).includes(verdict) ? `report.verdict.${verdict}` : 'report.verdict.unknown'
}

/** The report's own plain-language summary in `locale` (it carries zh-CN and en). */
export function summaryFor(report: Pick<PdfReport, 'summary'>, locale: Locale): string {
  const s = report.summary ?? {}
  return s[locale] ?? s[locale === 'zh-CN' ? 'zh' : 'en'] ?? s['zh-CN'] ?? s.en ?? ''
}

/** "张伟 · 某某公司 · 投标人 role" style label; the RFC 4514 subject if the profile fields are absent. */
export function signerLabel(signer: SignerIdentity | null | undefined): string {
  if (!signer) return ''
  const parts = [signer.common_name, signer.organisation].filter((p): p is string => !!p)
  return parts.length ? parts.join(' · ') : (signer.subject ?? '')
}

/** A short name of the TSA of a time-stamp (its CN, else its subject). */
export function tsaLabel(entry: SignatureEntry): string {
  const tsa = entry.timestamp?.tsa
  return tsa?.common_name || tsa?.subject || ''
}

export const REVOCATION_STATES = ['good', 'revoked', 'unknown'] as const

export function revocationKey(status: string): string {
  return (REVOCATION_STATES as readonly string[]).includes(status)
    ? `report.revocation.${status}`
    : 'report.revocation.unknown'
}

export const REASONS = ['modified_after_signing', 'coverage_incomplete', 'timestamp_invalid'] as const

/** i18n key of a platform reason code, or null for a code the UI does not know (shown raw). */
export function reasonKey(reason: string): string | null {
  return (REASONS as readonly string[]).includes(reason) ? `report.reasons.${reason}` : null
}

/** Tri-state (true / false / unknown) as an i18n key. */
export function yesNoKey(value: boolean | null | undefined): string {
  return value === true ? 'report.yes' : value === false ? 'report.no' : 'report.unknownValue'
}

