/** The award pages (issue 21), pure parts: the API calls (URLs, methods, bodies), the winner's choice
 * checked as `rules.check_choice` does (条例 55), who sees which button (`states.COMMANDS`), the clocks,
 * the forms' checks, the signed objection (a real key, the canonical JSON verified), and both
 * languages' texts. */
import { readdirSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AWARD_ROLES,
  AWARD_STATES,
  COMPLAINT_STATUSES,
  NOTICE_KINDS,
  SKIP_REASONS,
  acceptComplaint,
  chooseWinner,
  decideComplaint,
  getReport,
  refuseComplaint,
  declareFailure,
  fetchMyNoticePdf,
  fetchNoticePdf,
  fileReport,
  getAward,
  getContract,
  getPublicLotAward,
  listAwards,
  listComplaints,
  listMyNotices,
  listNotices,
  listObjections,
  publicityPdfUrl,
  publishPublicity,
  sendNotices,
  terminateAward,
  uploadAttachment,
  uploadContract,
  answerObjection,
  winnerWithdrawal,
  type Statement,
} from '@/api/awards'
import { configureApiClient } from '@/api/client'
import { base64Decode, toArrayBuffer } from '@/crypto/encoding'
import { generateKeyPair } from '@/crypto/keys'
import en from '@/i18n/awards.en'
import zh from '@/i18n/awards.zh-CN'
import {
  COMMANDS,
  choiceBody,
  choiceIsStrict,
  choiceProblems,
  clocksOf,
  dayEnds,
  earliestAnswerDue,
  endedReasonKey,
  failureBody,
  failureProblem,
  isLate,
  may,
  nextClock,
  ranked,
  roleIn,
  signedOnProblem,
  skippedRanks,
  textProblem,
  withdrawnRanks,
} from '@/views/awards/awards'
import { signComplaint, signObjection } from '@/views/awards/signing'
import { canonicalJson } from '@/views/evaluation/evaluation'
import { leaves, placeholders, type Tree } from './i18n-helpers'
import { recordFetch, restoreApiClient } from './fetch-helpers'

afterEach(restoreApiClient)

const three = [{ rank: 1 }, { rank: 2 }, { rank: 3 }]

describe('the choice of the winner (条例 55)', () => {
  it('passes over the ranks before the chosen one', () => {
    expect(skippedRanks(1)).toEqual([])
    expect(skippedRanks(3)).toEqual([1, 2])
  })

  it('takes rank 1 without a reason, and refuses a rank that is not a candidate', () => {
    expect(choiceProblems(1, {}, three, true)).toEqual([])
    expect(choiceProblems(null, {}, three, true)).toEqual([{ code: 'rank_out_of_range' }])
    expect(choiceProblems(3, {}, three.slice(0, 2), true)).toEqual([{ code: 'rank_out_of_range' }])
    expect(choiceProblems(0, {}, three, true)).toEqual([{ code: 'rank_out_of_range' }])
  })

  it('needs a reason for every better rank of a state-controlled project, naming the missing ranks', () => {
    expect(choiceProblems(2, {}, three, true)).toEqual([{ code: 'skip_reason_missing', ranks: [1] }])
    expect(choiceProblems(2, { 1: 'declined' }, three, true)).toEqual([])
    // the worked example of rules.check_choice: rank 3 with only rank 1's reason names rank 2
    expect(choiceProblems(3, { 1: 'declined' }, three, true)).toEqual([{ code: 'skip_reason_missing', ranks: [2] }])
    expect(choiceProblems(3, { 1: 'declined', 2: 'no_performance_security' }, three, true)).toEqual([])
    // an empty select is no reason
    expect(choiceProblems(2, { 1: '' }, three, true)).toEqual([{ code: 'skip_reason_missing', ranks: [1] }])
  })

  it('lets another project choose any candidate without reasons', () => {
    expect(choiceProblems(3, {}, three, false)).toEqual([])
  })

  it('is strict for state-controlled funds, government procurement, or once a winner withdrew (choice.choose)', () => {
    const none = { state_controlled: false, government_procurement: false, choice: null }
    expect(choiceIsStrict(none)).toBe(false)
    expect(choiceIsStrict({ ...none, state_controlled: true })).toBe(true)
    expect(choiceIsStrict({ ...none, government_procurement: true })).toBe(true)
    const withdrew = {
      ...none,
      choice: {
        rank: null,
        winner: null,
        reasons: null,
        note: null,
        deemed: false,
        at: null,
        withdrawn: [{ rank: 1, bidder: '甲公司', reason: 'no_performance_security', note: null, at: '2026-03-20T02:00:00Z', batch: 1 }],
      },
    }
    expect(choiceIsStrict(withdrew)).toBe(true)
    const out = withdrawnRanks(withdrew)
    expect(out).toEqual({ 1: 'no_performance_security' })
    // the withdrawn winner cannot be chosen again; the next one carries its reason
    expect(choiceProblems(1, out, three, true, out)).toEqual([{ code: 'candidate_withdrawn' }])
    expect(choiceProblems(2, out, three, true, out)).toEqual([])
    expect(choiceBody(2, out)).toEqual({ rank: 2, reasons: { '1': 'no_performance_security' } })
  })

  it('sends a reason only for the skipped ranks (the server refuses others: skip_reason_unexpected)', () => {
    expect(choiceBody(2, { 1: 'cannot_perform', 2: 'declined', 3: 'broke_the_law' })).toEqual({
      rank: 2,
      reasons: { '1': 'cannot_perform' },
    })
    expect(choiceBody(1, { 1: 'declined' }, '  ')).toEqual({ rank: 1, reasons: {} })
    expect(choiceBody(3, { 1: 'declined', 2: 'no_performance_security' }, ' 见会议纪要 ')).toEqual({
      rank: 3,
      reasons: { '1': 'declined', '2': 'no_performance_security' },
      note: '见会议纪要',
    })
  })

  it('keeps the closed list of rules.SkipReason', () => {
    expect([...SKIP_REASONS]).toEqual(['declined', 'cannot_perform', 'no_performance_security', 'broke_the_law'])
  })

  it('orders candidates by rank and shows at most three', () => {
    expect(ranked([{ rank: 3 }, { rank: 1 }, { rank: 4 }, { rank: 2 }]).map((c) => c.rank)).toEqual([1, 2, 3])
  })
})

describe('who sees which button (states.COMMANDS)', () => {
  it('lets only the tenderer choose and terminate, the project send and answer', () => {
    expect(may('choose_winner', 'tenderer', 'awaiting_choice')).toBe(true)
    expect(may('choose_winner', 'agent', 'awaiting_choice')).toBe(false)
    expect(may('terminate', 'agent', 'publicity')).toBe(false)
    expect(may('terminate', 'tenderer', 'awarded')).toBe(true)
    expect(may('terminate', 'tenderer', 'contracted')).toBe(false)
    expect(may('send_notices', 'agent', 'awaiting_choice')).toBe(true)
    expect(may('answer_objection', 'agent', 'publicity')).toBe(false)
    expect(may('answer_objection', 'tenderer', 'suspended')).toBe(true)
    expect(may('publish_publicity', 'agent', 'reported')).toBe(true)
    expect(may('publish_publicity', 'tenderer', 'reported')).toBe(false)
  })

  it('lets a bidder object during the publicity only, and complain once published', () => {
    expect(may('raise_objection', 'bidder', 'publicity')).toBe(true)
    expect(may('raise_objection', 'bidder', 'suspended')).toBe(true)
    expect(may('raise_objection', 'bidder', 'awaiting_choice')).toBe(false)
    expect(may('file_complaint', 'bidder', 'reported')).toBe(false)
    expect(may('file_complaint', 'bidder', 'closed')).toBe(true)
    expect(may('upload_contract', 'bidder', 'awarded')).toBe(false)
  })

  it('offers nothing to a reader or to no one', () => {
    for (const command of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) {
      for (const state of AWARD_STATES) {
        expect(may(command, 'supervisor', state)).toBe(false)
        expect(may(command, null, state)).toBe(false)
      }
    }
  })

  it('reads the role from the view, else from the session (the auditor reads as the supervisor)', () => {
    expect(roleIn({ role: 'agent' }, 'tenderer')).toBe('agent')
    expect(roleIn({}, 'tenderer')).toBe('tenderer')
    expect(roleIn({}, 'auditor')).toBe('supervisor')
    expect(roleIn({}, 'expert')).toBe(null)
  })
})

describe('the clocks', () => {
  const base = { state: 'reported' as const }

  it('shows the publicity close and, while suspended, the earliest unanswered objection answer', () => {
    const objections = [
      { answered_at: null, answer_due_at: '2026-03-10T16:00:00Z' },
      { answered_at: '2026-03-07T01:00:00Z', answer_due_at: '2026-03-08T16:00:00Z' },
      { answered_at: null, answer_due_at: '2026-03-09T16:00:00Z' },
    ]
    expect(earliestAnswerDue(objections)).toBe('2026-03-09T16:00:00Z')
    expect(earliestAnswerDue([])).toBe(null)
    const view = {
      state: 'suspended' as const,
      publicity: { number: 'GS-1', published_at: '2026-03-05T02:00:00Z', closes_at: '2026-03-08T16:00:00Z' },
      objection_answer_due_at: earliestAnswerDue(objections),
    }
    expect(clocksOf(view).map((c) => [c.key, c.at])).toEqual([
      ['publicityCloses', '2026-03-08T16:00:00Z'],
      ['objectionAnswer', '2026-03-09T16:00:00Z'],
    ])
    expect(clocksOf({ ...view, state: 'publicity' }).map((c) => c.key)).toEqual(['publicityCloses'])
  })

  it('counts a day period to the end of its China day (00:00 UTC+8 of the next day)', () => {
    expect(dayEnds('2026-04-15').toISOString()).toBe('2026-04-15T16:00:00.000Z')
    const [contract, report] = clocksOf({ ...base, state: 'awarded', contract_due_on: '2026-04-15', report_due_on: '2026-03-31' })
    expect(contract?.key).toBe('contract')
    expect(report?.key).toBe('report')
    expect(isLate(contract!, new Date('2026-04-15T15:59:59Z'))).toBe(false)
    expect(isLate(contract!, new Date('2026-04-15T16:00:00Z'))).toBe(true)
  })

  it('drops the report clock once filed, and picks the nearest as the next deadline', () => {
    const awarded = { ...base, state: 'awarded' as const, contract_due_on: '2026-04-15', report_due_on: '2026-03-31' }
    expect(nextClock(awarded)?.key).toBe('report')
    expect(clocksOf({ ...awarded, report_filed_at: '2026-03-20T02:00:00Z' }).map((c) => c.key)).toEqual(['contract'])
    expect(clocksOf({ ...base, state: 'closed' })).toEqual([])
  })
})

describe('the forms', () => {
  it('checks texts and reasons', () => {
    expect(textProblem('  ')).toBe('empty')
    expect(textProblem('流标', 4)).toBe('too_short')
    expect(textProblem('x'.repeat(5001))).toBe('too_long')
    expect(textProblem('无合格投标人')).toBe(null)
  })

  it('checks a 流标: a reason of the list; another reason with its article and a note', () => {
    expect(failureProblem({ reason: '', article: '', note: '' })).toBe('reason_missing')
    expect(failureProblem({ reason: 'too_few_bids', article: '', note: '' })).toBe(null)
    expect(failureProblem({ reason: 'other', article: '', note: '资金' })).toBe('article_missing')
    expect(failureProblem({ reason: 'other', article: '条例31', note: ' ' })).toBe('note_missing')
    expect(failureProblem({ reason: 'other', article: '条例31', note: 'x'.repeat(2001) })).toBe('too_long')
    expect(failureBody({ reason: 'all_rejected', article: ' ', note: '' })).toEqual({ reason: 'all_rejected' })
    expect(endedReasonKey({ reason: 'no_candidates' })).toBe('awards.failureReason.no_candidates')
    expect(endedReasonKey({ reason: '项目取消' })).toBe(null)
  })

  it('checks the signing day of the contract', () => {
    expect(signedOnProblem('', '2026-03-20')).toBe('empty')
    expect(signedOnProblem('2026-02-30', '2026-03-20')).toBe('invalid')
    expect(signedOnProblem('2026-03-21', '2026-03-20')).toBe('future')
    expect(signedOnProblem('2026-03-20', '2026-03-20')).toBe(null)
  })
})

describe('the award API', () => {
  it('reads the list, one award, its objections, notices, complaints and contract', async () => {
    const seen = recordFetch(() => new Response('[]'))
    expect(await listAwards('awarded')).toEqual([])
    await getAward('a 1')
    await listObjections('a1')
    await listNotices('a1')
    await listComplaints('a1')
    await getContract('a1')
    await listMyNotices()
    expect(seen.map((s) => [s.init.method, s.url])).toEqual([
      ['GET', '/api/awards?state=awarded'],
      ['GET', '/api/awards/a%201'],
      ['GET', '/api/awards/a1/objections'],
      ['GET', '/api/awards/a1/notices'],
      ['GET', '/api/awards/a1/complaints'],
      ['GET', '/api/awards/a1/contract'],
      ['GET', '/api/me/award-notices'],
    ])
  })

  it('posts the project’s commands with their bodies', async () => {
    const seen = recordFetch()
    await publishPublicity('a1')
    await chooseWinner('a1', { rank: 2, reasons: { '1': 'declined' } })
    await sendNotices('a1')
    await winnerWithdrawal('a1', 'no_performance_security')
    await answerObjection('a1', 'o1', '经核查，异议不成立。')
    await fileReport('a1', '招标投标情况')
    await declareFailure('a1', { reason: 'no_candidate_left' })
    await declareFailure('a1', failureBody({ reason: 'other', article: ' 条例31 ', note: ' 项目资金未落实 ' }))
    await terminateAward('a1', '项目取消')
    expect(seen.map((s) => [s.init.method, s.url, s.init.body ? JSON.parse(String(s.init.body)) : undefined])).toEqual([
      ['POST', '/api/awards/a1/publicity', undefined],
      ['POST', '/api/awards/a1/choice', { rank: 2, reasons: { '1': 'declined' } }],
      ['POST', '/api/awards/a1/notices', undefined],
      ['POST', '/api/awards/a1/winner-withdrawal', { reason: 'no_performance_security' }],
      ['POST', '/api/awards/a1/objections/o1/answer', { answer: '经核查，异议不成立。', attachments: [] }],
      ['POST', '/api/awards/a1/report', { text: '招标投标情况' }],
      ['POST', '/api/awards/a1/failure', { reason: 'no_candidate_left' }],
      ['POST', '/api/awards/a1/failure', { reason: 'other', article: '条例31', note: '项目资金未落实' }],
      ['POST', '/api/awards/a1/termination', { reason: '项目取消' }],
    ])
  })

  it('posts the supervisor’s handling of a complaint and reads the filed report', async () => {
    const seen = recordFetch()
    await acceptComplaint('a1', 'c1')
    await refuseComplaint('a1', 'c2', '超过投诉期限')
    await decideComplaint('a1', 'c1', '投诉不成立，驳回。')
    await getReport('a1')
    expect(seen.map((s) => [s.init.method, s.url, s.init.body ? JSON.parse(String(s.init.body)) : undefined])).toEqual([
      ['POST', '/api/awards/a1/complaints/c1/accept', undefined],
      ['POST', '/api/awards/a1/complaints/c2/refuse', { reason: '超过投诉期限' }],
      ['POST', '/api/awards/a1/complaints/c1/decide', { decision: '投诉不成立，驳回。' }],
      ['GET', '/api/awards/a1/report', undefined],
    ])
  })

  it('puts the contract and attachments as raw bodies with their query', async () => {
    const seen = recordFetch()
    const pdf = new Blob([new Uint8Array([0x25, 0x50, 0x44, 0x46])], { type: 'application/pdf' })
    await uploadContract('a1', pdf, '合同 1.pdf', '2026-03-20')
    await uploadAttachment('a1', new Blob(['x']), 'evidence.png')
    expect(seen[0]?.init.method).toBe('PUT')
    expect(seen[0]?.url).toBe(`/api/awards/a1/contract?signed_on=2026-03-20&filename=${encodeURIComponent('合同 1.pdf').replace(/%20/g, '+')}`)
    expect((seen[0]?.init.headers as Record<string, string>)['Content-Type']).toBe('application/pdf')
    expect(seen[0]?.init.body).toBeInstanceOf(Blob)
    expect(seen[1]?.url).toBe('/api/awards/a1/attachments?filename=evidence.png')
    expect((seen[1]?.init.headers as Record<string, string>)['Content-Type']).toBe('application/octet-stream')
  })

  it('fetches the notices’ PDFs with the token, and the public award without it', async () => {
    configureApiClient({ token: () => 'tok' })
    const seen = recordFetch(() => new Response(new Blob(['%PDF'])))
    await fetchNoticePdf('a1', 'n1')
    await fetchMyNoticePdf('n2')
    await getPublicLotAward('l1').catch(() => null)
    expect(seen.map((s) => s.url)).toEqual([
      '/api/awards/a1/notices/n1.pdf',
      '/api/me/award-notices/n2.pdf',
      '/api/public/awards/lots/l1',
    ])
    expect((seen[0]?.init.headers as Record<string, string>).Authorization).toBe('Bearer tok')
    expect((seen[2]?.init.headers as Record<string, string>).Authorization).toBeUndefined()
    expect(publicityPdfUrl('a1')).toBe('/api/public/awards/a1/publicity.pdf')
  })
})

describe('the signed objection and complaint', () => {
  const statement: Statement = {
    kind: 'award.objection',
    text: '第一中标候选人项目负责人证书已过期。',
    object: 'award:a1',
    signer: 'fp',
    at: '2026-03-06T07:00:00+00:00',
  }
  const attachments = [{ filename: '证书.pdf', content_type: 'application/pdf', size: 3, sha256: 'ab'.repeat(32) }]

  it('asks for the statement, signs its canonical JSON with the login key and posts it with the attachments', async () => {
    const keys = await generateKeyPair('ecdsa-p256')
    const seen = recordFetch(() => new Response(JSON.stringify(seen.length === 1 ? statement : { id: 'o1' })))
    await signObjection('a1', statement.text, attachments, async () => ({ privateKey: keys.privateKey }))
    expect(seen.map((s) => [s.init.method, s.url])).toEqual([
      ['POST', '/api/awards/a1/objections/statement'],
      ['POST', '/api/awards/a1/objections'],
    ])
    // the attachments are named by their digests (objections.ObjectionStatementInput, ObjectionInput)
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual({ text: statement.text, attachments: ['ab'.repeat(32)] })
    const posted = JSON.parse(String(seen[1]?.init.body)) as Record<string, unknown> & { statement: Statement; signature: string }
    expect(Object.keys(posted).sort()).toEqual(['algorithm', 'attachments', 'signature', 'statement', 'text'])
    expect(posted.text).toBe(statement.text)
    expect(posted.statement).toEqual(statement)
    expect(posted.algorithm).toBe('ecdsa-p256-sha256')
    expect(posted.attachments).toEqual(['ab'.repeat(32)])
    const message = new TextEncoder().encode(canonicalJson(statement))
    const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, keys.publicKey, toArrayBuffer(base64Decode(posted.signature)), toArrayBuffer(message))
    expect(ok).toBe(true)
    // a changed statement does not verify
    const other = new TextEncoder().encode(canonicalJson({ ...statement, text: '无' }))
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, keys.publicKey, toArrayBuffer(base64Decode(posted.signature)), toArrayBuffer(other))).toBe(false)
  })

  it('files a complaint the same way, with the objection it follows', async () => {
    const keys = await generateKeyPair('ecdsa-p256')
    const seen = recordFetch(() => new Response(JSON.stringify(seen.length === 1 ? { ...statement, kind: 'award.complaint' } : { id: 'c1' })))
    const fields = { text: '异议答复不成立', objection_id: 'o1', attachments }
    await signComplaint('a1', fields, async () => ({ privateKey: keys.privateKey }))
    expect(seen.map((s) => s.url)).toEqual(['/api/awards/a1/complaints/statement', '/api/awards/a1/complaints'])
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual({
      text: '异议答复不成立',
      objection_id: 'o1',
      attachments: ['ab'.repeat(32)],
    })
    const posted = JSON.parse(String(seen[1]?.init.body)) as Record<string, unknown>
    expect(Object.keys(posted).sort()).toEqual(['algorithm', 'attachments', 'objection_id', 'signature', 'statement', 'text'])
    expect(posted.objection_id).toBe('o1')
    expect(typeof posted.signature).toBe('string')
  })
})

describe('award messages', () => {
  it('have the same keys and placeholders in both languages, none empty', () => {
    const zhLeaves = leaves(zh as unknown as Tree)
    const enLeaves = leaves(en as unknown as Tree)
    expect([...enLeaves.keys()].sort()).toEqual([...zhLeaves.keys()].sort())
    for (const [key, message] of zhLeaves) {
      expect(placeholders(enLeaves.get(key) ?? ''), key).toBe(placeholders(message))
      expect(message.trim(), key).not.toBe('')
    }
  })

  it('name every state, role, skip reason, complaint status, notice kind and clock', () => {
    for (const m of [zh.awards, en.awards]) {
      for (const s of AWARD_STATES) expect(m.state[s], s).toBeTruthy()
      for (const r of AWARD_ROLES) expect(m.role[r], r).toBeTruthy()
      for (const r of SKIP_REASONS) expect(m.skipReason[r], r).toBeTruthy()
      for (const s of COMPLAINT_STATUSES) expect(m.complaintStatus[s], s).toBeTruthy()
      for (const k of NOTICE_KINDS) expect(m.notices.kindName[k], k).toBeTruthy()
      for (const k of ['publicityCloses', 'objectionAnswer', 'choice', 'contract', 'report'] as const) expect(m.clock[k], k).toBeTruthy()
    }
  })

  it('have every literal awards.* key the pages use', () => {
    const known = new Set(leaves(zh as unknown as Tree).keys())
    const dir = new URL('../src/views/awards/', import.meta.url)
    const used = new Set<string>()
    for (const name of readdirSync(dir)) {
      const text = readFileSync(new URL(name, dir), 'utf8')
      for (const m of text.matchAll(/['`](awards\.[A-Za-z_.]+[A-Za-z_])['`]/g)) used.add(m[1] ?? '')
    }
    expect(used.size).toBeGreaterThan(50)
    expect([...used].filter((k) => !known.has(k))).toEqual([])
  })
})
