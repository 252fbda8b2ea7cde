/** The evaluation pages (issue 20), pure parts: the signed statement's bytes as the server builds them,
 * score entry checked against an item's maximum, keyboard moves in the score grid, the checklist draft,
 * which panels a state and role show, the report's signing loop, refusals' details, the API calls, and
 * both languages' texts. */
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import {
  bidFileUrl,
  enterEvaluation,
  prepareReportSignature,
  putJudgements,
  putScores,
  recordRefusal,
  signReport,
  type RoomView,
} from '@/api/evaluation'
import en from '@/i18n/evaluation.en'
import zh from '@/i18n/evaluation.zh-CN'
import {
  ReportSigningError,
  bidderNameOf,
  canonicalJson,
  cellKey,
  checkScore,
  checklistState,
  clarificationStatusText,
  dueMinutesValid,
  expertItems,
  formatHundredths,
  inOrder,
  itemNameIn,
  maximumOf,
  may,
  moveInGrid,
  outcomeText,
  panelsFor,
  problemLines,
  sheetToSave,
  signReportLoop,
  statementBytes,
  sumScores,
  systemItems,
  toHundredths,
  yuanToFen,
} from '@/views/evaluation/evaluation'
import { leaves, placeholders, type Tree } from './i18n-helpers'
import { recordFetch, restoreApiClient } from './fetch-helpers'

afterEach(restoreApiClient)

function refusal(code: string, details: unknown[] = []): ApiError {
  return new ApiError('http', { status: 409, payload: { code, message: code, details } })
}

describe('the signed statement', () => {
  it('is the canonical JSON statements.canonical() signs: keys sorted, no blanks, UTF-8 unescaped', () => {
    const statement = {
      text: '本人承诺：与投标人甲、乙不存在利害关系。',
      signer: 'ab12',
      object: 'evaluation:7',
      kind: 'evaluation.no_conflict',
      at: '2026-12-07T02:00:00+00:00',
    }
    // json.dumps(statement, ensure_ascii=False, sort_keys=True, separators=(",", ":")), by hand:
    const expected =
      '{"at":"2026-12-07T02:00:00+00:00","kind":"evaluation.no_conflict","object":"evaluation:7",' +
      '"signer":"ab12","text":"本人承诺：与投标人甲、乙不存在利害关系。"}'
    expect(canonicalJson(statement)).toBe(expected)
    const bytes = statementBytes(statement)
    expect(new TextDecoder().decode(bytes)).toBe(expected)
    // 本 is three bytes in UTF-8 (E6 9C AC): the bytes are UTF-8, not UTF-16 code units.
    expect(bytes.length).toBe(new TextEncoder().encode(expected).length)
    expect(bytes.length).toBeGreaterThan(expected.length)
  })

  it('sorts nested keys and escapes quotes, backslashes and newlines as Python does', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: 'x' }], a: 'say "hi"\\\n' })).toBe('{"a":"say \\"hi\\"\\\\\\n","b":[2,{"c":"x","d":1}]}')
  })
})

describe('score entry', () => {
  const max20 = 2000n

  it('reads decimals to the hundredth', () => {
    expect(toHundredths('12.5')).toBe(1250n)
    expect(toHundredths('0.05')).toBe(5n)
    expect(toHundredths('.5')).toBe(50n)
    expect(toHundredths('7')).toBe(700n)
    expect(toHundredths('1.234')).toBeNull()
    expect(formatHundredths(1250n)).toBe('12.50')
    expect(formatHundredths(5n)).toBe('0.05')
  })

  it('reads an item maximum as the server writes it', () => {
    expect(maximumOf({ maximum: '30.00' })).toBe(3000n)
    expect(maximumOf({ maximum: '27.5' })).toBe(2750n)
    expect(maximumOf({ maximum: 'x' })).toBe(0n)
  })

  it('accepts 0 to the maximum with at most two decimals, and says what is wrong otherwise', () => {
    expect(checkScore('', max20)).toEqual({ kind: 'empty' })
    expect(checkScore('  ', max20)).toEqual({ kind: 'empty' })
    expect(checkScore('12.5', max20)).toEqual({ kind: 'ok', hundredths: 1250n, text: '12.50' })
    expect(checkScore('20', max20)).toEqual({ kind: 'ok', hundredths: 2000n, text: '20.00' })
    expect(checkScore('0', max20)).toEqual({ kind: 'ok', hundredths: 0n, text: '0.00' })
    expect(checkScore('20.01', max20)).toEqual({ kind: 'invalid', problem: 'above_max' })
    expect(checkScore('-1', max20)).toEqual({ kind: 'invalid', problem: 'negative' })
    expect(checkScore('1.234', max20)).toEqual({ kind: 'invalid', problem: 'too_precise' })
    expect(checkScore('abc', max20)).toEqual({ kind: 'invalid', problem: 'not_number' })
    expect(checkScore('1e1', max20)).toEqual({ kind: 'invalid', problem: 'not_number' })
  })

  it('adds a row without floating point: 0.1 + 0.2 + 12.35 = 12.65, invalid cells left out', () => {
    expect(sumScores(['0.1', '0.2', '12.35'], [2000n, 2000n, 2000n])).toBe('12.65')
    expect(sumScores(['10', '25', ''], [2000n, 2000n, 2000n])).toBe('10.00') // 25 > 20 is not counted
  })

  it('splits the criteria into the items each member scores and those the system computes', () => {
    const criteria = {
      scoring_items: [
        { name_zh: '技术方案', name_en: 'Technical', maximum: '40.00', nature: 'subjective', scorer: 'each_expert', is_price: false },
        { name_zh: '业绩', name_en: 'References', maximum: '30.00', nature: 'objective', scorer: 'system', is_price: false },
        { name_zh: '价格', name_en: 'Price', maximum: '30.00', nature: 'objective', scorer: 'system', is_price: true },
      ],
    }
    expect(expertItems(criteria).map((i) => i.name_zh)).toEqual(['技术方案'])
    expect(systemItems(criteria).map((i) => i.name_zh)).toEqual(['业绩', '价格'])
  })

  it('keeps the valid cells to save and counts the invalid and empty ones', () => {
    const items = [
      { name_zh: 'A', maximum: '10.00' },
      { name_zh: 'B', maximum: '5.00' },
    ]
    const cells = { [cellKey('b1', 'A')]: '9.5', [cellKey('b1', 'B')]: '6', [cellKey('b2', 'A')]: '10' }
    const out = sheetToSave(['b1', 'b2'], items, { cells })
    expect(out.scores).toEqual([
      { bid_id: 'b1', item: 'A', score: '9.50' },
      { bid_id: 'b2', item: 'A', score: '10.00' },
    ])
    expect(out.invalid).toBe(1) // b1 B: 6 > 5
    expect(out.empty).toBe(1) // b2 B
  })
})

describe('keyboard moves in the score grid (3 bids × 2 items)', () => {
  const move = (row: number, col: number, key: string, shift = false) => moveInGrid({ row, col }, key, shift, 3, 2)

  it('Tab and Enter go to the next cell, row by row; Shift goes back', () => {
    expect(move(0, 0, 'Tab')).toEqual({ row: 0, col: 1 })
    expect(move(0, 1, 'Tab')).toEqual({ row: 1, col: 0 })
    expect(move(0, 1, 'Enter')).toEqual({ row: 1, col: 0 })
    expect(move(1, 0, 'Tab', true)).toEqual({ row: 0, col: 1 })
    expect(move(2, 0, 'Enter', true)).toEqual({ row: 1, col: 1 })
  })

  it('leaves the grid past the last cell or before the first (the browser moves on)', () => {
    expect(move(2, 1, 'Tab')).toBeNull()
    expect(move(2, 1, 'Enter')).toBeNull()
    expect(move(0, 0, 'Tab', true)).toBeNull()
  })

  it('moves one cell with the arrows and stays put at an edge', () => {
    expect(move(1, 0, 'ArrowRight')).toEqual({ row: 1, col: 1 })
    expect(move(1, 1, 'ArrowRight')).toEqual({ row: 1, col: 1 })
    expect(move(1, 1, 'ArrowLeft')).toEqual({ row: 1, col: 0 })
    expect(move(0, 0, 'ArrowLeft')).toEqual({ row: 0, col: 0 })
    expect(move(0, 1, 'ArrowDown')).toEqual({ row: 1, col: 1 })
    expect(move(2, 1, 'ArrowDown')).toEqual({ row: 2, col: 1 })
    expect(move(2, 1, 'ArrowUp')).toEqual({ row: 1, col: 1 })
    expect(move(0, 1, 'ArrowUp')).toEqual({ row: 0, col: 1 })
  })

  it('ignores other keys and empty grids', () => {
    expect(move(1, 1, 'a')).toBeNull()
    expect(move(1, 1, 'Escape')).toBeNull()
    expect(moveInGrid({ row: 0, col: 0 }, 'Tab', false, 0, 2)).toBeNull()
  })
})

describe('the checklist draft', () => {
  const items = [
    { name_zh: '营业执照', name_en: 'Licence', stage: 'qualification', clause: '第二章 3.1' },
    { name_zh: '投标保证金', name_en: 'Deposit', stage: 'responsiveness', clause: '第二章 3.4' },
  ]

  it('needs every item of every bid judged, and a reason for each fail (条例 51)', () => {
    const draft = {
      [cellKey('b1', '营业执照')]: { passed: true, reason: '' },
      [cellKey('b1', '投标保证金')]: { passed: false, reason: '  ' },
      [cellKey('b2', '营业执照')]: { passed: false, reason: '执照过期' },
    }
    const s = checklistState(['b1', 'b2'], items, draft)
    expect(s.open).toBe(1) // b2 投标保证金
    expect(s.reasonsMissing).toEqual([cellKey('b1', '投标保证金')])
    expect(s.complete).toBe(false)
    expect(s.judgements).toEqual([
      { bid_id: 'b1', item: '营业执照', passed: true, reason: null },
      { bid_id: 'b2', item: '营业执照', passed: false, reason: '执照过期' },
    ])
  })

  it('is complete once all are judged with reasons', () => {
    const draft = {
      [cellKey('b1', '营业执照')]: { passed: true, reason: '' },
      [cellKey('b1', '投标保证金')]: { passed: false, reason: '未缴纳' },
    }
    const s = checklistState(['b1'], items, draft)
    expect(s.complete).toBe(true)
    expect(s.judgements).toHaveLength(2)
  })
})

describe('what the room shows', () => {
  function room(state: string, status: string, isChair = false, chairId: string | null = null): RoomView {
    return {
      state,
      chair_id: chairId,
      me: { member_id: 'm1', name: '张三', status, is_chair: isChair, chair_vote: null, declared_at: null, judgements_submitted_at: null, sheet_submitted_at: null },
    } as unknown as RoomView
  }

  it('asks a member who signed in for the declaration, and nothing else', () => {
    const p = panelsFor(room('convening', 'signed_in'))
    expect(p.declaration).toBe(true)
    expect(p.chairVote || p.bids || p.checklist || p.sheet || p.overview).toBe(false)
  })

  it('lets a sitting member vote while there is no chair', () => {
    expect(panelsFor(room('convening', 'sitting')).chairVote).toBe(true)
    expect(panelsFor(room('convening', 'sitting', false, 'm2')).chairVote).toBe(false)
  })

  it('shows the checklist, then the sheet, then the report; the overview to the chair only', () => {
    expect(panelsFor(room('preliminary', 'sitting')).checklist).toBe(true)
    expect(panelsFor(room('preliminary', 'sitting')).sheet).toBe(false)
    expect(panelsFor(room('detailed', 'sitting')).sheet).toBe(true)
    expect(panelsFor(room('reporting', 'sitting')).report).toBe(true)
    expect(panelsFor(room('detailed', 'sitting')).overview).toBe(false)
    expect(panelsFor(room('detailed', 'sitting', true, 'm1')).overview).toBe(true)
    expect(panelsFor(room('final', 'sitting')).bids).toBe(false) // nobody reads a body once final
  })

  it('shows a recused member nothing to act on', () => {
    const p = panelsFor(room('preliminary', 'recused'))
    expect(Object.values(p).some(Boolean)).toBe(false)
  })

  it('follows states.COMMANDS for the buttons', () => {
    expect(may(room('detailed', 'sitting', true, 'm1'), 'draft_report')).toBe(true)
    expect(may(room('detailed', 'sitting'), 'draft_report')).toBe(false)
    expect(may(room('preliminary', 'sitting', true, 'm1'), 'draft_report')).toBe(false)
    expect(may(room('reporting', 'sitting'), 'sign_report')).toBe(true)
    expect(may(room('reporting', 'sitting', true, 'm1'), 'record_refusal')).toBe(true)
    expect(may(room('convening', 'signed_in'), 'declare')).toBe(true)
    expect(may(room('convening', 'signed_in'), 'vote_chair')).toBe(false)
  })
})

describe('names and words the pages share', () => {
  const items = [
    { name_zh: '技术方案', name_en: 'Technical proposal', maximum: '30', kind: 'subjective' },
    { name_zh: '业绩', name_en: '', maximum: '10', kind: 'objective' },
  ] as never[]
  const bids = [
    { bid_id: 'b3', order_no: 3, bidder_name: '丙公司' },
    { bid_id: 'b1', order_no: 1, bidder_name: '甲公司' },
    { bid_id: 'b2', order_no: 2, bidder_name: '乙公司' },
  ]
  const t = (key: string): string => `«${key}»`

  it('names an item by its Chinese key in the page language, falling back to Chinese, then to the key', () => {
    expect(itemNameIn(items, '技术方案', 'en')).toBe('Technical proposal')
    expect(itemNameIn(items, '技术方案', 'zh-CN')).toBe('技术方案')
    expect(itemNameIn(items, '业绩', 'en')).toBe('业绩')
    expect(itemNameIn(items, '价格', 'en')).toBe('价格')
  })

  it('names a bid by its bidder, else by its id; orders bids by opening order without touching the list', () => {
    expect(bidderNameOf(bids, 'b2')).toBe('乙公司')
    expect(bidderNameOf(bids, 'b9')).toBe('b9')
    expect(inOrder(bids).map((b) => b.bid_id)).toEqual(['b1', 'b2', 'b3'])
    expect(bids.map((b) => b.bid_id)).toEqual(['b3', 'b1', 'b2'])
  })

  it('puts known outcomes and statuses into words and leaves unknown ones as they are', () => {
    expect(outcomeText(t, null)).toBe('«evaluation.report.outcomes.pending»')
    expect(outcomeText(t, 'dissent')).toBe('«evaluation.report.outcomes.dissent»')
    expect(outcomeText(t, 'lost')).toBe('lost')
    expect(clarificationStatusText(t, 'expired')).toBe('«evaluation.clarifications.statuses.expired»')
    expect(clarificationStatusText(t, 'closed')).toBe('closed')
  })
})

describe('signing the report', () => {
  const tbs = btoa('signed-attributes')

  it('prepares, signs the decoded bytes and posts the base64 signature', async () => {
    const signed: string[] = []
    const posted: string[] = []
    const out = await signReportLoop({
      prepare: async () => ({ to_be_signed: tbs, algorithm: 'ECDSA-P256-SHA256', field: 'member-1' }),
      sign: async (bytes) => {
        signed.push(new TextDecoder().decode(bytes))
        return new Uint8Array([1, 2, 3])
      },
      algorithm: 'ECDSA-P256-SHA256',
      post: async (sig) => {
        posted.push(sig)
        return 'done'
      },
    })
    expect(out).toBe('done')
    expect(signed).toEqual(['signed-attributes'])
    expect(posted).toEqual(['AQID'])
  })

  it('prepares again when another member signed in between (report_changed)', async () => {
    let prepares = 0
    let posts = 0
    const out = await signReportLoop({
      prepare: async () => {
        prepares++
        return { to_be_signed: tbs, algorithm: 'X', field: 'f' }
      },
      sign: async () => new Uint8Array([9]),
      algorithm: null,
      post: async () => {
        posts++
        if (posts === 1) throw refusal('report_changed')
        return posts
      },
    })
    expect(out).toBe(2)
    expect(prepares).toBe(2)
  })

  it('gives up after the rounds allowed, and passes other refusals on at once', async () => {
    const stale = signReportLoop(
      {
        prepare: async () => ({ to_be_signed: tbs, algorithm: 'X', field: 'f' }),
        sign: async () => new Uint8Array([9]),
        algorithm: null,
        post: async () => {
          throw refusal('report_changed')
        },
      },
      2,
    )
    await expect(stale).rejects.toBeInstanceOf(ReportSigningError)
    let posts = 0
    const other = signReportLoop({
      prepare: async () => ({ to_be_signed: tbs, algorithm: 'X', field: 'f' }),
      sign: async () => new Uint8Array([9]),
      algorithm: null,
      post: async () => {
        posts++
        throw refusal('report_already_answered')
      },
    })
    await expect(other).rejects.toBeInstanceOf(ApiError)
    expect(posts).toBe(1)
  })

  it('refuses to sign when the server asks for another algorithm than the key has', async () => {
    let signedAny = false
    const run = signReportLoop({
      prepare: async () => ({ to_be_signed: tbs, algorithm: 'RSASSA-PKCS1-v1_5-SHA256', field: 'f' }),
      sign: async () => {
        signedAny = true
        return new Uint8Array([1])
      },
      algorithm: 'ECDSA-P256-SHA256',
      post: async () => 1,
    })
    await expect(run).rejects.toMatchObject({ problem: 'algorithm_mismatch' })
    expect(signedAny).toBe(false)
  })
})

describe('refusals and small inputs', () => {
  it('lists the report blockers in the page language', () => {
    const error = refusal('report_blocked', [
      { reason: 'sheet_missing', message_en: '张三 has not submitted the score sheet', message_zh: '张三 尚未提交评分表', member_id: 'm1' },
      { reason: 'opening_record_missing' },
    ])
    expect(problemLines(error, 'zh-CN')).toEqual([
      { code: 'sheet_missing', text: '张三 尚未提交评分表' },
      { code: 'opening_record_missing', text: 'opening_record_missing' },
    ])
    expect(problemLines(error, 'en')[0]?.text).toBe('张三 has not submitted the score sheet')
    expect(problemLines(new Error('x'), 'en')).toEqual([])
  })

  it('reads yuan as integer fen', () => {
    expect(yuanToFen('1,234.5')).toBe(123450)
    expect(yuanToFen('¥100')).toBe(10000)
    expect(yuanToFen('0.01')).toBe(1)
    expect(yuanToFen('1.001')).toBeNull()
    expect(yuanToFen('-5')).toBeNull()
    expect(yuanToFen('')).toBeNull()
  })

  it('takes a clarification deadline of 10 minutes to 3 days, in whole minutes', () => {
    expect(dueMinutesValid(10)).toBe(true)
    expect(dueMinutesValid('4320')).toBe(true)
    expect(dueMinutesValid(9)).toBe(false)
    expect(dueMinutesValid(4321)).toBe(false)
    expect(dueMinutesValid(30.5)).toBe(false)
    expect(dueMinutesValid('abc')).toBe(false)
  })
})

describe('the API calls', () => {
  it('enters a lot with the seat', async () => {
    const seen = recordFetch()
    await enterEvaluation('seat-1', 'lot-1')
    expect(seen[0]?.url).toBe('/api/evaluations/enter')
    expect(seen[0]?.init.method).toBe('POST')
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual({ seat_id: 'seat-1', lot_id: 'lot-1' })
  })

  it('puts judgements and scores as lists', async () => {
    const seen = recordFetch()
    await putJudgements('e1', [{ bid_id: 'b', item: '营业执照', passed: false, reason: '过期' }])
    await putScores('e1', [{ bid_id: 'b', item: '技术方案', score: '12.50' }])
    expect(seen.map((s) => [s.init.method, s.url])).toEqual([
      ['PUT', '/api/evaluations/e1/judgements'],
      ['PUT', '/api/evaluations/e1/scores'],
    ])
    expect(JSON.parse(String(seen[1]?.init.body))).toEqual([{ bid_id: 'b', item: '技术方案', score: '12.50' }])
  })

  it('prepares a dissenting signature with dissent: true and sends the text with the signature', async () => {
    const seen = recordFetch()
    await prepareReportSignature('e1', true)
    await signReport('e1', 'c2ln', '价格分计算有误')
    await signReport('e1', 'c2ln', null)
    await recordRefusal('e1', 'm2', '拒签且未说明理由')
    expect(seen[0]?.url).toBe('/api/evaluations/e1/report/signature/prepare')
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual({ dissent: true })
    expect(JSON.parse(String(seen[1]?.init.body))).toEqual({ signature: 'c2ln', dissent: '价格分计算有误' })
    expect(JSON.parse(String(seen[2]?.init.body))).toEqual({ signature: 'c2ln' })
    expect(seen[3]?.url).toBe('/api/evaluations/e1/report/refusals')
    expect(JSON.parse(String(seen[3]?.init.body))).toEqual({ member_id: 'm2', note: '拒签且未说明理由' })
  })

  it('builds a file URL inline or as a download', () => {
    expect(bidFileUrl('e1', 'b1', 0)).toBe('/api/evaluations/e1/bids/b1/files/0?download=false')
    expect(bidFileUrl('e1', 'b1', 2, true)).toBe('/api/evaluations/e1/bids/b1/files/2?download=true')
  })
})

describe('the texts', () => {
  it('have the same keys and placeholders in both languages', () => {
    const zhLeaves = leaves(zh as unknown as Tree)
    const enLeaves = leaves(en as unknown as Tree)
    expect([...enLeaves.keys()].sort()).toEqual([...zhLeaves.keys()].sort())
    for (const [key, message] of zhLeaves) {
      expect(placeholders(enLeaves.get(key) ?? ''), key).toBe(placeholders(message))
      expect(message.trim(), key).not.toBe('')
    }
  })
})
