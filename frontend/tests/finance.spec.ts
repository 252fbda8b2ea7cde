/** The finance page: its API calls' requests, the uploads with progress, the page's rules, its texts. */
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import {
  ALERT_KINDS,
  batchFileName,
  batchFilePath,
  cancelBatch,
  createBatch,
  downloadBatchFile,
  FORFEIT_REASONS,
  forfeitDeposit,
  getBalanceCheck,
  getLotDeposits,
  listAlerts,
  listBatches,
  listRefunds,
  listStatementEntries,
  listStatements,
  listUnmatched,
  QUEUE_STATES,
  readAnswer,
  redirectRefund,
  REFUND_FILTERS,
  REFUND_STATUSES,
  REFUND_TRIGGERS,
  resolveEntry,
  sendFile,
  statementContentType,
  UNMATCHED_REASONS,
  uploadStatement,
  setUploadTransport,
  uploadHeaders,
  uploadPaymentReport,
  type TransportRequest,
} from '@/api/finance'
import { clearSession, setSession } from '@/auth/session'
import en from '@/i18n/finance.en'
import zh from '@/i18n/finance.zh-CN'
import { formatFen } from '@/utils/money'
import {
  alertFacts,
  alertTone,
  balanceTone,
  beijingToday,
  buildBatch,
  buildForfeit,
  buildRedirect,
  buildResolve,
  capabilitiesOf,
  FINANCE_TABS,
  importedBefore,
  integrityProblems,
  isUuid,
  keyAfterAttempt,
  newIdempotencyKey,
  percent,
  reasonIssue,
  refundFilterFromQuery,
  refundLot,
  refundTone,
  refundTotals,
  statementKindKey,
  tabFromQuery,
} from '@/views/finance/finance'
import { leaves, placeholders, type Tree } from './i18n-helpers'
import { recordFetch, restoreApiClient } from './fetch-helpers'

function login(role = 'finance'): void {
  setSession({
    token: 'tok-f',
    token_type: 'bearer',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    session: { role },
  } as never)
}

afterEach(() => {
  clearSession()
  restoreApiClient()
  setUploadTransport(null)
})

describe('refund API calls', () => {
  it('lists refunds by filter and lot, leaving out what is not asked', async () => {
    const seen = recordFetch(() => new Response('[]'))
    await listRefunds({ status: 'overdue', limit: 1000 })
    await listRefunds({ status: null, lotId: 'b6f1c3f2-0000-4000-8000-000000000001' })
    await listRefunds()
    expect(seen.map((s) => s.url)).toEqual([
      '/api/finance/refunds?status=overdue&limit=1000',
      '/api/finance/refunds?lot_id=b6f1c3f2-0000-4000-8000-000000000001',
      '/api/finance/refunds',
    ])
    expect(seen[0]?.init.method).toBe('GET')
  })

  it('makes a payment file with only the fields given', async () => {
    const seen = recordFetch(() => new Response('{}', { status: 201 }))
    await createBatch({ idempotency_key: 'web-abcdef12' })
    await createBatch({ account: '3201', execution_date: '2026-12-01', idempotency_key: 'web-abcdef13' })
    expect(seen.map((s) => [s.url, s.init.method, JSON.parse(String(s.init.body))])).toEqual([
      ['/api/finance/refund-batches', 'POST', { idempotency_key: 'web-abcdef12' }],
      [
        '/api/finance/refund-batches',
        'POST',
        { account: '3201', execution_date: '2026-12-01', idempotency_key: 'web-abcdef13' },
      ],
    ])
    expect((seen[0]?.init.headers as Record<string, string>)['Content-Type']).toBe('application/json')
  })

  it('lists, downloads and cancels payment files', async () => {
    const seen = recordFetch(() => new Response('{}'))
    await listBatches(100)
    const blob = await downloadBatchFile('RB2026/1', 'csv')
    await downloadBatchFile('RB1', 'pain001')
    await cancelBatch('RB1', '银行未执行')
    expect(blob).toBeInstanceOf(Blob)
    expect(seen.map((s) => s.url)).toEqual([
      '/api/finance/refund-batches?limit=100',
      '/api/finance/refund-batches/RB2026%2F1/file?format=csv',
      '/api/finance/refund-batches/RB1/file',
      '/api/finance/refund-batches/RB1/cancel',
    ])
    expect((seen[1]?.init.headers as Record<string, string>).Accept).toBe('*/*')
    expect(JSON.parse(String(seen[3]?.init.body))).toEqual({ reason: '银行未执行' })
    expect(batchFilePath('RB1', 'pain001')).toBe('/api/finance/refund-batches/RB1/file')
    expect([batchFileName('RB1', 'pain001'), batchFileName('RB1', 'csv')]).toEqual(['RB1.xml', 'RB1.csv'])
  })

  it('redirects a refund and keeps a deposit', async () => {
    const seen = recordFetch(() => new Response('{}'))
    await redirectRefund('R123', { creditor_account: '6222 0202', creditor_name: '某公司', reason: '原账户已销户' })
    await forfeitDeposit('lot-1', 'org-1', { reason: 'winner_refused_contract', note: '拒签合同' })
    expect(seen.map((s) => [s.url, s.init.method, JSON.parse(String(s.init.body))])).toEqual([
      [
        '/api/finance/refunds/R123/redirect',
        'POST',
        { creditor_account: '6222 0202', creditor_name: '某公司', reason: '原账户已销户' },
      ],
      ['/api/finance/lots/lot-1/forfeits/org-1', 'POST', { reason: 'winner_refused_contract', note: '拒签合同' }],
    ])
  })

  it('turns a refusal into ApiError with both languages', async () => {
    recordFetch(
      () =>
        new Response(
          JSON.stringify({
            error: { code: 'refund_nothing_to_export', message: 'nothing', message_zh: '没有待导出的退款', message_en: 'nothing due', request_id: 'r-9' },
          }),
          { status: 409 },
        ),
    )
    const error = (await createBatch({}).catch((e: unknown) => e)) as ApiError
    expect([error.status, error.code, error.messageFor('zh-CN'), error.messageFor('en')]).toEqual([
      409,
      'refund_nothing_to_export',
      '没有待导出的退款',
      'nothing due',
    ])
  })
})

describe('deposit book API calls', () => {
  it('uploads a statement raw with its media type, name and format', async () => {
    login()
    const requests: TransportRequest[] = []
    setUploadTransport(async (request) => {
      requests.push(request)
      return { status: 200, text: JSON.stringify({ sha256: 'x', format: 'camt.053', statements: [], booked: 2 }), requestId: null }
    })
    const camt = new File(['<Document/>'], 'day 1.xml', { type: 'text/xml' })
    const result = await uploadStatement(camt)
    await uploadStatement(new File(['a,b'], 'export.CSV'), { format: 'csv' })
    await uploadStatement(new Blob(['?']), { format: 'camt052' })
    await uploadStatement(new Blob(['?']))
    expect(result.booked).toBe(2)
    expect(requests.map((r) => [r.url, r.headers['Content-Type']])).toEqual([
      ['/api/finance/statements?filename=day+1.xml', 'application/xml'],
      ['/api/finance/statements?format=csv&filename=export.CSV', 'text/csv'],
      ['/api/finance/statements?format=camt052', 'application/xml'],
      ['/api/finance/statements', 'application/octet-stream'],
    ])
    expect(requests[0]?.body).toBe(camt)
    expect(requests[0]?.headers.Authorization).toBe('Bearer tok-f')
    expect(statementContentType({ name: 'x.txt' })).toBe('application/octet-stream')
  })

  it('shows a refused statement with the server message in both languages', async () => {
    setUploadTransport(async () => ({
      status: 400,
      text: JSON.stringify({
        error: { code: 'statement_field_missing', message: 'm', message_zh: '第 3 笔缺少金额', message_en: 'entry 3 has no amount', request_id: 'r-2' },
      }),
      requestId: 'r-2',
    }))
    const error = (await uploadStatement(new Blob(['x'])).catch((e: unknown) => e)) as ApiError
    expect([error.status, error.code, error.messageFor('zh-CN'), error.messageFor('en'), error.requestId]).toEqual([
      400,
      'statement_field_missing',
      '第 3 笔缺少金额',
      'entry 3 has no amount',
      'r-2',
    ])
  })

  it('reads statements, entries, the queue, alerts, the balance and a lot with their paging', async () => {
    const seen = recordFetch(() => new Response('[]'))
    await listStatements({ limit: 50 })
    await listStatements({ beforeId: 17, limit: 50 })
    await listStatementEntries(17, { limit: 200 })
    await listStatementEntries(17, { afterId: 900, limit: 200 })
    await listUnmatched({ state: 'open', limit: 200 })
    await listUnmatched({ state: 'resolved', afterId: 5 })
    await listAlerts({ kind: null, limit: 100 })
    await listAlerts({ kind: 'sequence_gap', beforeId: 9 })
    await getBalanceCheck()
    await getLotDeposits('lot/1')
    expect(seen.map((s) => s.url)).toEqual([
      '/api/finance/statements?limit=50',
      '/api/finance/statements?before_id=17&limit=50',
      '/api/finance/statements/17/entries?limit=200',
      '/api/finance/statements/17/entries?after_id=900&limit=200',
      '/api/finance/unmatched?queue=open&limit=200',
      '/api/finance/unmatched?queue=resolved&after_id=5',
      '/api/finance/alerts?limit=100',
      '/api/finance/alerts?kind=sequence_gap&before_id=9',
      '/api/finance/balance-check',
      '/api/finance/lots/lot%2F1/deposits',
    ])
  })

  it('resolves an unmatched entry with the body the server takes', async () => {
    const seen = recordFetch(() => new Response('{}'))
    await resolveEntry(42, { action: 'return', reason: '付款人要求退回' })
    await resolveEntry(43, { action: 'assign', reason: '附言写明项目', lot_id: 'l', organization_id: 'o' })
    expect(seen.map((s) => [s.url, s.init.method, JSON.parse(String(s.init.body))])).toEqual([
      ['/api/finance/unmatched/42/resolve', 'POST', { action: 'return', reason: '付款人要求退回' }],
      ['/api/finance/unmatched/43/resolve', 'POST', { action: 'assign', reason: '附言写明项目', lot_id: 'l', organization_id: 'o' }],
    ])
  })
})

describe('uploads with progress', () => {
  it('sends the pain.002 raw as application/xml with the token, reporting progress', async () => {
    login()
    const requests: TransportRequest[] = []
    setUploadTransport(async (request) => {
      requests.push(request)
      request.onProgress?.({ loaded: 5, total: 10 })
      request.onProgress?.({ loaded: 10, total: 10 })
      return { status: 200, text: JSON.stringify({ batch_id: 'RB1', paid: ['R1'] }), requestId: null }
    })
    const progress: number[] = []
    const file = new Blob(['<Document/>'])
    const report = await uploadPaymentReport(file, { onProgress: (p) => progress.push(percent(p.loaded, p.total)) })
    expect(report).toEqual({ batch_id: 'RB1', paid: ['R1'] })
    expect(progress).toEqual([50, 100])
    expect(requests[0]?.url).toBe('/api/finance/payment-reports')
    expect(requests[0]?.method).toBe('POST')
    expect(requests[0]?.body).toBe(file)
    expect(requests[0]?.headers).toMatchObject({
      Authorization: 'Bearer tok-f',
      'Content-Type': 'application/xml',
      Accept: 'application/json',
    })
  })

  it('sends multipart with the file under its field and no content type of its own', async () => {
    let seen: TransportRequest | null = null
    setUploadTransport(async (request) => {
      seen = request
      return { status: 201, text: '{"booked":1}', requestId: null }
    })
    const answer = await sendFile<{ booked: number }>('/api/x', new Blob(['a']), {
      field: 'file',
      filename: 'st.xml',
      query: { format: 'camt.053', empty: undefined },
    })
    expect(answer.booked).toBe(1)
    const request = seen as unknown as TransportRequest
    expect(request.url).toBe('/api/x?format=camt.053')
    expect(request.body).toBeInstanceOf(FormData)
    expect((request.body as FormData).get('file')).toBeInstanceOf(Blob)
    expect(request.headers['Content-Type']).toBeUndefined()
  })

  it('reads the platform error of a refused upload, and an unreadable answer', () => {
    const refused = () =>
      readAnswer({
        status: 422,
        text: JSON.stringify({ error: { code: 'statement_invalid', message: 'bad', message_zh: '对账单无法读取', message_en: 'unreadable' } }),
        requestId: 'req-1',
      })
    expect(refused).toThrowError(ApiError)
    try {
      refused()
    } catch (e) {
      const error = e as ApiError
      expect([error.kind, error.status, error.code, error.requestId, error.messageFor('zh-CN')]).toEqual([
        'http',
        422,
        'statement_invalid',
        'req-1',
        '对账单无法读取',
      ])
    }
    expect(() => readAnswer({ status: 200, text: '<html>', requestId: null })).toThrowError(
      expect.objectContaining({ kind: 'invalid_response' }) as Error,
    )
    expect(() => readAnswer({ status: 502, text: 'Bad gateway', requestId: null })).toThrowError(
      expect.objectContaining({ kind: 'http', status: 502 }) as Error,
    )
  })

  it('passes a network failure through', async () => {
    setUploadTransport(async () => {
      throw new ApiError('network')
    })
    await expect(uploadPaymentReport(new Blob(['x']))).rejects.toMatchObject({ kind: 'network' })
  })

  it('builds the headers with or without a session', () => {
    expect(uploadHeaders(null, 'en')).toEqual({ Accept: 'application/json', 'Accept-Language': 'en' })
    expect(uploadHeaders('t', 'zh-CN', 'text/csv')).toEqual({
      Accept: 'application/json',
      'Accept-Language': 'zh-CN',
      Authorization: 'Bearer t',
      'Content-Type': 'text/csv',
    })
  })

  it('counts percent without dividing by zero', () => {
    expect([percent(0, 0), percent(1, 3), percent(3, 3), percent(5, 3)]).toEqual([0, 33, 100, 100])
  })
})

describe('who sees and does what', () => {
  it('gives the finance officer every section and every action', () => {
    const can = capabilitiesOf('finance')
    expect(can.tabs).toEqual([...FINANCE_TABS])
    expect([can.refundActions, can.downloadFiles, can.importStatements, can.resolveEntries]).toEqual([true, true, true, true])
  })

  it.each(['supervisor', 'auditor'])('lets the %s read, without the buttons', (role) => {
    const can = capabilitiesOf(role)
    expect(can.tabs).toEqual([...FINANCE_TABS])
    expect([can.refundActions, can.downloadFiles, can.importStatements, can.resolveEntries]).toEqual([false, false, false, false])
  })

  it('lets the administrator write the book but not pay or keep deposits', () => {
    const can = capabilitiesOf('admin')
    expect([can.importStatements, can.resolveEntries]).toEqual([true, true])
    expect([can.refundActions, can.downloadFiles]).toEqual([false, false])
  })

  it.each(['bidder', 'agent', 'tenderer', 'expert', null])('shows %s nothing', (role) => {
    expect(capabilitiesOf(role).tabs).toEqual([])
  })

  it('takes the section from the URL if the role has it', () => {
    const all = [...FINANCE_TABS]
    expect(tabFromQuery({ tab: 'refunds' }, all)).toBe('refunds')
    expect(tabFromQuery({ tab: 'nope' }, all)).toBe('statements')
    expect(tabFromQuery({ tab: ['balance', 'x'] }, all)).toBe('balance')
    expect(tabFromQuery({ tab: 'statements' }, ['refunds'])).toBe('refunds')
    expect(tabFromQuery({}, [])).toBeNull()
    expect([refundFilterFromQuery({}), refundFilterFromQuery({ refunds: 'all' }), refundFilterFromQuery({ refunds: 'paid' }), refundFilterFromQuery({ refunds: 'x' })]).toEqual(['open', 'all', 'paid', 'open'])
  })
})

describe('refund rows', () => {
  it('marks overdue red, paid late amber, paid green', () => {
    expect(refundTone({ overdue: true, late: true, status: 'due' })).toBe('danger')
    expect(refundTone({ overdue: false, late: true, status: 'paid' })).toBe('warn')
    expect(refundTone({ overdue: false, late: false, status: 'closed' })).toBe('ok')
    expect(refundTone({ overdue: false, late: false, status: 'exported' })).toBe('neutral')
  })

  it('adds the amounts in integer fen and counts the red ones', () => {
    const totals = refundTotals([
      { overdue: true, amount_fen: 8_000_012 },
      { overdue: false, amount_fen: 1 },
      { overdue: true, amount_fen: 99 },
    ])
    expect(totals).toEqual({ count: 3, overdue: 2, amountFen: 8_000_112 })
    expect(formatFen(totals.amountFen)).toBe('¥80,001.12')
    expect(refundTotals([])).toEqual({ count: 0, overdue: 0, amountFen: 0 })
  })

  it('names no lot while the refund is sealed', () => {
    expect(refundLot({ sealed: true, project_code: 'P', lot_code: '01' })).toBeNull()
    expect(refundLot({ sealed: false, project_code: 'NJ-1', lot_code: '01' })).toBe('NJ-1 / 01')
    expect(refundLot({ sealed: false, project_code: null, lot_code: null })).toBeNull()
  })
})

describe('forms checked as the server checks them', () => {
  it('wants a one-line reason of at most 2000 characters', () => {
    expect(reasonIssue('  ')).toBe('finance.check.reasonMissing')
    expect(reasonIssue('a\nb')).toBe('finance.check.reasonOneLine')
    expect(reasonIssue('x'.repeat(2001))).toBe('finance.check.reasonLong')
    expect(reasonIssue(' 付款人账户已冻结 ')).toBeNull()
  })

  it('builds a payment file with its key and refuses a past execution date', () => {
    expect(buildBatch({ account: '', executionDate: '' }, 'web-k1234567', '2026-12-01')).toEqual({
      ok: true,
      payload: { idempotency_key: 'web-k1234567' },
    })
    expect(buildBatch({ account: '3201 0000-1111', executionDate: '2026-12-01' }, 'web-k1234567', '2026-12-01')).toEqual({
      ok: true,
      payload: { account: '320100001111', execution_date: '2026-12-01', idempotency_key: 'web-k1234567' },
    })
    expect(buildBatch({ account: '32/01', executionDate: '2026-11-30' }, 'k', '2026-12-01')).toEqual({
      ok: false,
      issues: ['finance.check.collectionAccount', 'finance.check.executionPast'],
    })
  })

  it('keeps the key when the answer was lost and takes a new one once the server answered', () => {
    const fresh = () => 'web-new'
    expect(keyAfterAttempt('web-old', new ApiError('network'), fresh)).toBe('web-old')
    expect(keyAfterAttempt('web-old', new ApiError('invalid_response'), fresh)).toBe('web-old')
    expect(keyAfterAttempt('web-old', new ApiError('http', { status: 409 }), fresh)).toBe('web-new')
    expect(keyAfterAttempt('web-old', null, fresh)).toBe('web-new')
    const key = newIdempotencyKey(() => '1b4e28ba-2fa1-11d2-883f-0016d3cca427')
    expect(key).toBe('web-1b4e28ba2fa111d2883f0016d3cca427')
    expect(key).toMatch(/^[A-Za-z0-9._:-]{8,64}$/)
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey())
  })

  it('wants a lot, a bidder, an article’s case and the facts to keep a deposit', () => {
    const lot = 'b6f1c3f2-1111-4000-8000-000000000001'
    const org = 'b6f1c3f2-2222-4000-8000-000000000002'
    expect(buildForfeit({ lotId: ` ${lot} `, organizationId: org, reason: 'revoked_after_deadline', note: '截止后撤销\n见函件' })).toEqual({
      ok: true,
      payload: { lotId: lot, organizationId: org, body: { reason: 'revoked_after_deadline', note: '截止后撤销\n见函件' } },
    })
    expect(buildForfeit({ lotId: 'x', organizationId: '', reason: '', note: ' ' })).toEqual({
      ok: false,
      issues: ['finance.check.lotId', 'finance.check.organizationId', 'finance.check.forfeitReason', 'finance.check.noteMissing'],
    })
  })

  it('wants an account number, a holder and a reason to pay elsewhere', () => {
    expect(buildRedirect({ account: '6222 0202 0001', name: ' 某公司 ', reason: '原账户已冻结' })).toEqual({
      ok: true,
      payload: { creditor_account: '6222 0202 0001', creditor_name: '某公司', reason: '原账户已冻结' },
    })
    expect(buildRedirect({ account: '1234567', name: '', reason: '' })).toEqual({
      ok: false,
      issues: ['finance.check.accountNumber', 'finance.check.accountName', 'finance.check.reasonMissing'],
    })
  })

  it('wants a lot and a bidder to assign, a reason always, nothing else to return', () => {
    const lot = 'b6f1c3f2-1111-4000-8000-000000000001'
    const org = 'b6f1c3f2-2222-4000-8000-000000000002'
    expect(buildResolve({ action: 'assign', lotId: lot, organizationId: ` ${org}`, reason: ' 附言写明项目编号 ' })).toEqual({
      ok: true,
      payload: { action: 'assign', reason: '附言写明项目编号', lot_id: lot, organization_id: org },
    })
    expect(buildResolve({ action: 'return', lotId: 'ignored', organizationId: '', reason: '无法识别' })).toEqual({
      ok: true,
      payload: { action: 'return', reason: '无法识别' },
    })
    expect(buildResolve({ action: 'assign', lotId: '', organizationId: 'x', reason: '' })).toEqual({
      ok: false,
      issues: ['finance.check.lotId', 'finance.check.organizationId', 'finance.check.reasonMissing'],
    })
    expect(buildResolve({ action: '', lotId: '', organizationId: '', reason: 'r' })).toEqual({ ok: false, issues: ['finance.check.action'] })
    expect([isUuid(lot), isUuid('lot')]).toEqual([true, false])
  })

  it('takes today in Beijing time', () => {
    expect(beijingToday(new Date('2026-12-20T16:30:00Z'))).toBe('2026-12-21')
    expect(beijingToday(new Date('2026-12-20T15:59:00Z'))).toBe('2026-12-20')
  })
})

describe('statements, alerts and the balance', () => {
  it('says when a file changed nothing', () => {
    const one = { already_imported: true }
    expect(importedBefore({ statements: [one, one] as never })).toBe(true)
    expect(importedBefore({ statements: [one, { already_imported: false }] as never })).toBe(false)
    expect(importedBefore({ statements: [] })).toBe(false)
    expect([statementKindKey('camt.053'), statementKindKey('csv'), statementKindKey('mt940')]).toEqual([
      'finance.statements.kind.camt053',
      'finance.statements.kind.csv',
      null,
    ])
  })

  it('lists an alert’s facts with money in yuan and unknown names as they are', () => {
    expect(alertFacts({ ledger_fen: 12_345_600, bank_fen: 12_345_700, missing: [3, 4], extra: { a: 1 }, reason: null })).toEqual([
      { label: 'finance.alerts.fact.ledger_fen', known: true, value: '¥123,456.00' },
      { label: 'finance.alerts.fact.bank_fen', known: true, value: '¥123,457.00' },
      { label: 'finance.alerts.fact.missing', known: true, value: '3, 4' },
      { label: 'extra', known: false, value: '{"a":1}' },
      { label: 'finance.alerts.fact.reason', known: true, value: '—' },
    ])
    expect([alertTone('balance_mismatch'), alertTone('sequence_gap'), alertTone('reversal'), alertTone('new_kind')]).toEqual([
      'danger',
      'danger',
      'warn',
      'warn',
    ])
  })

  it('is green when the ledger equals the bank, red otherwise, grey before any statement', () => {
    expect(balanceTone({ ok: true, bank_fen: 100 })).toBe('ok')
    expect(balanceTone({ ok: false, bank_fen: 100 })).toBe('danger')
    expect(balanceTone({ ok: true, bank_fen: null })).toBe('neutral')
    expect(balanceTone({ ok: false, bank_fen: null })).toBe('danger')
    expect(integrityProblems({ unbalanced_postings: 0, entries_without_statement: 2 })).toEqual([['entries_without_statement', 2]])
  })
})

describe('finance texts', () => {
  const zhLeaves = leaves(zh as Tree)
  const enLeaves = leaves(en as Tree)

  it('have the same keys and placeholders in both languages, none empty', () => {
    expect([...zhLeaves.keys()].sort()).toEqual([...enLeaves.keys()].sort())
    for (const [key, message] of zhLeaves) {
      expect(message.trim(), key).not.toBe('')
      expect(placeholders(enLeaves.get(key) ?? ''), key).toBe(placeholders(message))
    }
  })

  it('use no characters vue-i18n would parse as syntax', () => {
    for (const [key, message] of [...zhLeaves, ...enLeaves]) expect(/[@$|]/.test(message), key).toBe(false)
  })

  it('name every status, filter, trigger, forfeit case and section the server and the page use', () => {
    for (const messages of [zh.finance, en.finance]) {
      for (const s of REFUND_STATUSES) expect(messages.refunds.status[s], s).toBeTruthy()
      for (const f of [...REFUND_FILTERS, 'all'] as const) expect(messages.refunds.filter[f], f).toBeTruthy()
      for (const tr of REFUND_TRIGGERS) expect(messages.refunds.trigger[tr], tr).toBeTruthy()
      for (const r of FORFEIT_REASONS) expect(messages.forfeit.reasons[r], r).toBeTruthy()
      for (const tab of FINANCE_TABS) expect(messages.tabs[tab], tab).toBeTruthy()
      for (const q of QUEUE_STATES) expect(messages.unmatched.state[q], q).toBeTruthy()
      for (const r of UNMATCHED_REASONS) expect(messages.unmatched.reason[r], r).toBeTruthy()
      for (const k of ALERT_KINDS) expect(messages.alerts.kind[k], k).toBeTruthy()
      for (const c of ['booked', 'duplicates', 'pending', 'unmatched', 'alerts'] as const) expect(messages.statements.count[c], c).toBeTruthy()
    }
  })
})
