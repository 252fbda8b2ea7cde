import { describe, expect, it } from 'vitest'
import type { SignatureEntry } from '@/api/verify'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { formatBytes } from '@/utils/files'
import {
  reasonKey,
  REASONS,
  revocationKey,
  signerLabel,
  summaryFor,
  tsaLabel,
  verdictKey,
  verdictTone,
  yesNoKey,
} from '@/utils/report'
import { localErrorText } from '@/utils/localError'
import { ChallengeMismatchError } from '@/crypto/challenge'
import { Pkcs12Error } from '@/crypto/errors'

type Tree = { [key: string]: string | Tree }
function has(tree: Tree, key: string): boolean {
  let node: string | Tree | undefined = tree
  for (const part of key.split('.')) {
    if (typeof node !== 'object') return false
    node = node[part]
  }
  return typeof node === 'string'
}
const bothHave = (key: string): boolean => has(zhCN as Tree, key) && has(en as Tree, key)

const entry = (over: Partial<SignatureEntry> = {}): SignatureEntry => ({
  field_name: 'Signature1',
  kind: 'signature',
  revision: 0,
  indication: 'TOTAL_PASSED',
  sub_indication: null,
  reasons: [],
  signer: { common_name: '张伟', organisation: '某某建设有限公司', subject: 'CN=张伟' },
  signing_time: '2026-11-23T02:00:00Z',
  timestamp: { time: '2026-11-23T02:00:01Z', tsa: { common_name: '平台时间戳服务', subject: 'CN=TSA' }, valid: true },
  revocation: { status: 'good', revoked_at: null },
  coverage: 'ENTIRE_FILE',
  modification: { level: 'NONE', permitted: true },
  intact: true,
  signature_valid: true,
  subfilter: '/ETSI.CAdES.detached',
  reason: null,
  location: null,
  detail: null,
  ...over,
})

describe('report helpers', () => {
  it('maps verdicts to tones and to existing i18n keys', () => {
    expect(verdictTone('TOTAL_PASSED')).toBe('ok')
    expect(verdictTone('INDETERMINATE')).toBe('warn')
    expect(verdictTone('TOTAL_FAILED')).toBe('fail')
    expect(verdictTone('NO_SIGNATURES')).toBe('none')
    for (const v of ['TOTAL_PASSED', 'INDETERMINATE', 'TOTAL_FAILED', 'NO_SIGNATURES', 'SOMETHING_NEW']) {
      expect(bothHave(verdictKey(v))).toBe(true)
    }
    expect(verdictKey('SOMETHING_NEW')).toBe('report.verdict.unknown')
  })

  it('picks the summary in the current language', () => {
    const report = { summary: { 'zh-CN': '全部 1 个签名验证通过。', en: 'All 1 signature passed.' } }
    expect(summaryFor(report, 'zh-CN')).toBe('全部 1 个签名验证通过。')
    expect(summaryFor(report, 'en')).toBe('All 1 signature passed.')
    expect(summaryFor({ summary: { 'zh-CN': '仅中文' } }, 'en')).toBe('仅中文')
  })

  it('labels signer and TSA', () => {
    expect(signerLabel(entry().signer)).toBe('张伟 · 某某建设有限公司')
    expect(signerLabel({ subject: 'CN=Someone,O=Else' })).toBe('CN=Someone,O=Else')
    expect(signerLabel(null)).toBe('')
    expect(tsaLabel(entry())).toBe('平台时间戳服务')
    expect(tsaLabel(entry({ timestamp: null }))).toBe('')
  })

  it('has texts for revocation states, reasons and tri-state values', () => {
    for (const s of ['good', 'revoked', 'unknown', 'weird']) expect(bothHave(revocationKey(s))).toBe(true)
    for (const r of REASONS) expect(bothHave(reasonKey(r) ?? '')).toBe(true)
    expect(reasonKey('new_reason')).toBeNull()
    expect([true, false, null].map(yesNoKey)).toEqual(['report.yes', 'report.no', 'report.unknownValue'])
  })

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(64 * 1024 * 1024)).toBe('64 MiB')
  })
})

describe('localErrorText', () => {
  it('has texts in both languages for every browser-side error', () => {
    for (const problem of ['not_login', 'audience', 'fingerprint'] as const) {
      const text = localErrorText(new ChallengeMismatchError(problem, 'https://a', 'https://b'))
      expect(text && bothHave(text.key)).toBe(true)
    }
    for (const problem of ['not_pkcs12', 'wrong_passphrase', 'no_key', 'no_certificate', 'unsupported_key'] as const) {
      const text = localErrorText(new Pkcs12Error(problem))
      expect(text && bothHave(text.key)).toBe(true)
    }
    expect(localErrorText(new Error('other'))).toBeNull()
  })
})
