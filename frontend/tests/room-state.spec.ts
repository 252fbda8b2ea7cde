import { describe, expect, it } from 'vitest'
import type { RoomEvent, WelcomeMessage } from '@/room/client'
import { countdown, fieldLabel, foldRoom, formatClock, formatDuration, formatFieldValue, hostMay } from '@/room/state'
import recorded from './fixtures/room-events.json'

const welcome = recorded.welcome as WelcomeMessage
const events = recorded.events as RoomEvent[]
const upTo = (seq: number): RoomEvent[] => events.filter((e) => e.seq <= seq)

describe('foldRoom over a recorded opening', () => {
  const m = foldRoom(events, welcome)

  it('ends closed, with the announcement of the record', () => {
    expect(m.state).toBe('closed')
    expect(m.final).toEqual({ state: 'closed', reason: null, by: null, announcement: 'a1b2c3d4-0000-4000-8000-000000000001' })
    expect(m.lot?.project).toBe('江北新区市民中心二期施工总承包')
    expect(m.deadline).toBe('2026-11-23T01:30:00+00:00')
    expect(m.decryptEndsAt).toBeNull()
  })

  it('lists the bidders in order with credit code, deposit and sign-in', () => {
    expect(m.bidders.map((b) => [b.order, b.name, b.creditCode, b.deposit, b.signedIn])).toEqual([
      [1, '南京建工集团有限公司', '91320100MA1XXXXX01', 'not_checked', true],
      [2, '江苏华诚建设有限公司', '91320100MA1XXXXX02', 'not_checked', true],
      [3, '苏州恒远工程有限公司', '91320500MA1XXXXX03', 'not_checked', false],
    ])
    expect(m.extractedCount).toBe(3)
  })

  it('keeps each bidder’s decryption: attempts, success, failure with reason, platform fault', () => {
    const [b1, b2, b3] = m.bidders
    expect(b1?.decryption).toMatchObject({ status: 'decrypted', attempts: 1, reason: null, outcome: null })
    expect(b2?.decryption).toMatchObject({ status: 'decrypted', attempts: 2, reason: null })
    expect(b3?.decryption).toMatchObject({
      status: 'failed',
      outcome: 'withdrawn',
      fault: { reason: '平台存储故障', remedy: '退还投标保证金' },
    })
    expect(m.bidders.map((b) => b.signedRecord)).toEqual([true, true, false])
  })

  it('announces prices and fields, sorted by order', () => {
    const a = m.announcement
    expect(a?.rows.map((r) => [r.order, r.priceFen])).toEqual([
      [1, 8433000000],
      [2, 8512345678],
      [3, null],
    ])
    expect(a?.otherFields.map((f) => f.key)).toEqual(['duration_days', 'quality'])
    expect(a?.fields[0]?.key).toBe('price_fen')
    const price = a?.fields[0]
    if (!price) throw new Error('no price field')
    expect(formatFieldValue(price, a?.rows[1]?.priceFen)).toBe('¥85,123,456.78')
    expect(formatFieldValue(price, null)).toBe('—')
    // Amounts are shown in yuan: the unit of the declared label goes.
    expect(fieldLabel(price, 'zh-CN')).toBe('投标报价')
    expect(fieldLabel(price, 'en')).toBe('Bid price')
    const duration = a?.otherFields[0]
    if (!duration) throw new Error('no field')
    expect(fieldLabel(duration, 'zh-CN')).toBe('工期（日历天）')
    expect(fieldLabel(duration, 'en')).toBe('Duration (calendar days)')
    expect(formatFieldValue(duration, a?.rows[0]?.form.duration_days)).toBe('520')
    expect(a?.rows[2]?.outcome).toBe('withdrawn')
  })

  it('pairs objections with their answers and keeps remarks', () => {
    expect(m.objections).toHaveLength(1)
    expect(m.objections[0]).toMatchObject({ seq: 15, by: '江苏华诚建设有限公司' })
    expect(m.objections[0]?.answers.map((x) => x.text)).toEqual(['存储节点故障已记录，依招标文件退还保证金。'])
    expect(m.remarks.map((r) => r.text)).toEqual(['开标程序符合规定。'])
  })

  it('links the record PDF and JSON', () => {
    expect(m.record).toMatchObject({
      pdf: `/api/public/openings/${recorded.lot_id}/record.pdf`,
      json: `/api/public/openings/${recorded.lot_id}/record.json`,
      signers: [1, 2],
    })
    expect(m.record?.signed.map((s) => s.order)).toEqual([1, 2])
  })

  it('logs the course of the opening', () => {
    expect(m.log.map((e) => e.name)).toContain('decryption.paused')
    expect(m.log.map((e) => e.name)).not.toContain('objection.raised')
    expect(m.log.at(-1)?.name).toBe('session.closed')
  })
})

describe('foldRoom step by step', () => {
  const serverNow = Date.parse('2026-11-23T01:35:00Z')

  it('starts from the welcome when there are no events', () => {
    const waiting = { ...welcome, state: 'waiting' as const }
    const m = foldRoom([], waiting)
    expect(m.state).toBe('waiting')
    expect(m.bidders).toEqual([])
    const c = countdown(m, Date.parse('2026-11-23T01:29:00Z'))
    expect(c).toEqual({ kind: 'deadline', remainingMs: 60_000, target: '2026-11-23T01:30:00+00:00' })
  })

  it('counts down the decryption window, marks a failed attempt with its reason', () => {
    const m = foldRoom(upTo(5), welcome)
    expect(m.state).toBe('decrypting')
    expect(m.decryptEndsAt).toBe('2026-11-23T02:01:00+00:00')
    expect(countdown(m, serverNow)).toMatchObject({ kind: 'decryption', remainingMs: 26 * 60_000 })
    expect(m.bidders[1]?.decryption).toMatchObject({ status: 'pending', attempts: 1, left: 4, reason: 'wrong_key' })
  })

  it('freezes the clock while paused and adds an extension to the remainder', () => {
    const paused = foldRoom(upTo(7), welcome)
    expect(paused.state).toBe('paused')
    expect(countdown(paused, serverNow)).toEqual({ kind: 'paused', remainingMs: 1_260_000, target: null })
    const extended = foldRoom(upTo(8), welcome)
    expect(extended.pausedRemainingS).toBe(1_860)
    const resumed = foldRoom(upTo(9), welcome)
    expect(resumed.state).toBe('decrypting')
    expect(resumed.decryptEndsAt).toBe('2026-11-23T02:16:00+00:00')
    expect(resumed.pausedRemainingS).toBeNull()
  })

  it('counts down the objection period, then stops counting', () => {
    const m = foldRoom(upTo(14), welcome)
    expect(m.state).toBe('objections')
    expect(countdown(m, Date.parse('2026-11-23T02:05:00Z'))).toMatchObject({ kind: 'objections', remainingMs: 300_000 })
    expect(countdown(foldRoom(upTo(18), welcome), serverNow)).toBeNull()
    expect(foldRoom(upTo(18), welcome).state).toBe('signing')
  })

  it('asks the host to decide with fewer than 3 bids, and fails when stopped', () => {
    const few: RoomEvent[] = [
      { type: 'event', seq: 1, name: 'session.opened', at: 'x', data: {} },
      { type: 'event', seq: 2, name: 'bids.extracted', at: 'x', data: { count: 2 } },
      { type: 'event', seq: 3, name: 'decision.required', at: 'x', data: { count: 2, minimum: 3 } },
    ]
    const m = foldRoom(few, welcome)
    expect(m.state).toBe('extracted')
    expect(m.decision).toEqual({ count: 2, minimum: 3 })
    const stopped = foldRoom([...few, { type: 'event', seq: 4, name: 'session.failed', at: 'x', data: { reason: '投标人不足', by: 'host' } }])
    expect(stopped.state).toBe('failed')
    expect(stopped.final).toMatchObject({ state: 'failed', reason: '投标人不足', by: 'host' })
    const continued = foldRoom([
      ...few,
      { type: 'event', seq: 4, name: 'host.continued', at: 'x', data: { reason: '经监督同意' } },
      { type: 'event', seq: 5, name: 'bidders.published', at: 'x', data: { bidders: [{ order: 1, name: 'A', credit_code: 'c', deposit: 'exempt', signed_in: false }] } },
    ])
    expect(continued.state).toBe('bidders_published')
    expect(continued.decision).toBeNull()
  })

  it('shows a bidder its own private facts: its sign-in from its welcome or answer, its form from its event', () => {
    const events: RoomEvent[] = [
      { type: 'event', seq: 1, name: 'session.opened', at: 'x', data: {} },
      { type: 'event', seq: 5, name: 'decryption.form', at: 'x', data: { order: 2, form: { price_fen: 100 } } },
    ]
    const welcomed = foldRoom(events, { ...welcome, role: 'bidder', signed_in_at: '2026-11-23T01:00:00Z' })
    expect(welcomed.ownSignIn).toEqual({ name: '', at: '2026-11-23T01:00:00Z' })
    expect(welcomed.bidders).toEqual([]) // a private sign-in does not reveal the list
    expect(welcomed.ownForm).toEqual({ order: 2, form: { price_fen: 100 } })
    // The answer to its sign_in in this tab, before any new welcome.
    const answered = foldRoom(events, { ...welcome, role: 'bidder', signed_in_at: null }, '2026-11-23T01:00:07Z')
    expect(answered.ownSignIn).toEqual({ name: '', at: '2026-11-23T01:00:07Z' })
    expect(foldRoom(events, { ...welcome, role: 'bidder', signed_in_at: null }).ownSignIn).toBeNull()
    // A private event numbered by an older server still reads.
    const older = foldRoom([
      { type: 'event', seq: 1, name: 'bidder.signed_in', at: '2026-11-23T01:00:00Z', data: { name: 'A', at: '2026-11-23T01:00:00Z' } },
    ])
    expect(older.ownSignIn).toEqual({ name: 'A', at: '2026-11-23T01:00:00Z' })
  })

  it('marks a bid failed when no attempt is left', () => {
    const m = foldRoom([
      { type: 'event', seq: 1, name: 'decryption.failed', at: 'x', data: { order: 1, name: 'A', attempts: 5, left: 0, reason: 'wrong_key' } },
    ])
    expect(m.bidders[0]?.decryption).toMatchObject({ status: 'failed', attempts: 5, left: 0 })
  })

  it('marks an adjournment as final', () => {
    const m = foldRoom([...upTo(4), { type: 'event', seq: 5, name: 'session.adjourned', at: 'x', data: { reason: '停电' } }], welcome)
    expect(m.state).toBe('adjourned')
    expect(m.final?.reason).toBe('停电')
    expect(countdown(m, serverNow)).toBeNull()
  })
})

describe('helpers', () => {
  it('shows the server clock in Beijing time', () => {
    expect(formatClock(Date.parse('2026-11-23T11:36:05Z'), 'zh-CN')).toBe('19:36:05')
  })

  it('formats durations', () => {
    expect(formatDuration(0)).toBe('00:00')
    expect(formatDuration(1)).toBe('00:01')
    expect(formatDuration(61_000)).toBe('01:01')
    expect(formatDuration(3_723_000)).toBe('1:02:03')
    expect(formatDuration(-5)).toBe('00:00')
  })

  it('knows which host commands a state allows', () => {
    expect(hostMay('start_decryption', 'bidders_published')).toBe(true)
    expect(hostMay('start_decryption', 'decrypting')).toBe(false)
    expect(hostMay('extend', 'paused')).toBe(true)
    expect(hostMay('adjourn', 'closed')).toBe(false)
    expect(hostMay('adjourn', 'waiting')).toBe(true)
    expect(hostMay('nonsense', 'waiting')).toBe(false)
  })
})
