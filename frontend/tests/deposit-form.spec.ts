/** The workspace's deposit card: its forms checked as the server checks them, the PDF read, the texts. */
import { afterEach, describe, expect, it } from 'vitest'
import { configureApiClient } from '@/api/client'
import { attachGuarantee, getMyDeposit, putBasicAccount } from '@/api/deposits'
import { clearSession, sessionToken, setSession } from '@/auth/session'
import en from '@/i18n/deposits.en'
import zh from '@/i18n/deposits.zh-CN'
import { ACCOUNT_NUMBER, buildBasicAccount, buildGuarantee, pdfBase64, shanghaiDay, toBase64 } from '@/views/workspace/deposit'
import { leaves, placeholders, type Tree } from './i18n-helpers'

const LOT = { required_fen: 8_000_000, tenderer: '南京市城南水务有限公司', bid_validity_end: '2027-03-20', deadline_day: '2026-12-20' }

afterEach(() => {
  clearSession()
  configureApiClient({ fetch: (input, init) => globalThis.fetch(input, init) })
})

describe('basic account form', () => {
  it.each(['12345678', '6222 0202 0001 2345 678', '4301-0155-0900', '1'.repeat(32)])('takes %s', (n) => {
    expect(ACCOUNT_NUMBER.test(n)).toBe(true)
  })
  it.each(['1234567', '1'.repeat(33), '12ab5678', '1234--5678', ' 12345678', ''])('refuses %j', (n) => {
    expect(ACCOUNT_NUMBER.test(n)).toBe(false)
  })
  it('sends the organisation’s name as the account name', () => {
    expect(buildBasicAccount({ bankName: ' 工行 ', accountNumber: '6222 0202' }, '某公司')).toEqual({
      ok: true,
      payload: { bank_name: '工行', account_number: '6222 0202', account_name: '某公司' },
    })
    expect(buildBasicAccount({ bankName: '', accountNumber: 'x' }, '某公司')).toEqual({
      ok: false,
      issues: ['deposit.check.bank', 'deposit.check.accountNumber'],
    })
  })
})

describe('guarantee form', () => {
  const good = { number: 'BH-1', issuer: '某银行', amountYuan: '80,000.00', validFrom: '2026-12-01', validUntil: '2027-03-20' }

  it('builds the body at the boundaries: the amount due, the bid validity’s last day', () => {
    const built = buildGuarantee(good, 'JVBERi0=', LOT)
    expect(built).toEqual({
      ok: true,
      payload: {
        guarantee_no: 'BH-1',
        issuer: '某银行',
        beneficiary: LOT.tenderer,
        amount_fen: 8_000_000,
        valid_from: '2026-12-01',
        valid_until: '2027-03-20',
        pdf_base64: 'JVBERi0=',
      },
    })
  })

  it('names what the server would refuse', () => {
    const issues = (draft: Partial<typeof good>, pdf: string | null = 'x'): string[] => {
      const built = buildGuarantee({ ...good, ...draft }, pdf, LOT)
      return built.ok ? [] : built.issues
    }
    expect(issues({ amountYuan: '79,999.99' })).toEqual(['deposit.check.amountShort'])
    expect(issues({ validUntil: '2027-03-19' })).toEqual(['deposit.check.validityShort'])
    expect(issues({ validFrom: '2026-12-21' })).toEqual(['deposit.check.notYetValid'])
    expect(issues({ number: ' ', issuer: '' }, null)).toEqual(['deposit.check.number', 'deposit.check.issuer', 'deposit.check.pdf'])
    expect(issues({ validFrom: 'soon' })).toEqual(['deposit.check.dates'])
  })

  it('reads a PDF as base64 and refuses anything else', async () => {
    const pdf = new Blob([new TextEncoder().encode('%PDF-1.7\n')])
    expect(await pdfBase64(pdf)).toEqual({ base64: toBase64(new TextEncoder().encode('%PDF-1.7\n')) })
    expect(await pdfBase64(new Blob(['GIF89a']))).toEqual({ issue: 'deposit.check.pdf' })
    expect(toBase64(new Uint8Array([0, 255, 1]))).toBe('AP8B')
  })

  it('takes the deadline’s day in Beijing time', () => {
    expect(shanghaiDay('2026-12-20T16:30:00Z')).toBe('2026-12-21')
    expect(shanghaiDay(null)).toBeNull()
  })
})

describe('deposit API', () => {
  it('calls the bidder’s endpoints with the token', async () => {
    const seen: { url: string; method: string; body: unknown }[] = []
    configureApiClient({
      fetch: (async (url: string, init: RequestInit) => {
        seen.push({ url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : null })
        expect((init.headers as Record<string, string>).Authorization).toBe('Bearer t')
        return new Response('{}', { headers: { 'Content-Type': 'application/json' } })
      }) as unknown as typeof fetch,
      token: sessionToken,
    })
    setSession({ token: 't', token_type: 'bearer', expires_at: '2999-01-01T00:00:00Z', session: { role: 'bidder', expires_at: '2999-01-01T00:00:00Z' } } as never)
    await getMyDeposit('l 1')
    await putBasicAccount({ bank_name: 'b', account_number: '12345678', account_name: 'n' })
    await attachGuarantee('l1', { guarantee_no: 'n' } as never)
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/bidder/lots/l%201/deposit',
      'PUT /api/bidder/basic-account',
      'POST /api/bidder/lots/l1/deposit/guarantees',
    ])
  })
})

describe('deposit texts', () => {
  it('have the same keys and placeholders in both languages, none empty', () => {
    const z = leaves(zh as Tree)
    const e = leaves(en as Tree)
    expect([...z.keys()].sort()).toEqual([...e.keys()].sort())
    for (const [key, message] of z) {
      expect(message.trim(), key).not.toBe('')
      expect(placeholders(e.get(key) ?? ''), key).toBe(placeholders(message))
      expect(/[@$|]/.test(message + (e.get(key) ?? '')), key).toBe(false)
    }
  })
})
