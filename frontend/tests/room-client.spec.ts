import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { backoffDelay, DEFAULT_BACKOFF, RoomClient, roomUrl, type RoomEvent, type WebSocketLike } from '@/room/client'

/** A scripted stand-in for the browser's WebSocket; the test plays the server. */
class FakeSocket implements WebSocketLike {
  readyState = 0
  sent: Record<string, unknown>[] = []
  closedWith: number | null = null
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null

  constructor(readonly url: string) {
    sockets.push(this)
  }
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(JSON.parse(data) as Record<string, unknown>)
  }
  close(code = 1000): void {
    this.closedWith = code
    this.readyState = 3
  }
  // --- the server's side
  accept(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  push(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  drop(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code })
  }
  sentOfType(type: string): Record<string, unknown>[] {
    return this.sent.filter((m) => m.type === type)
  }
}

let sockets: FakeSocket[] = []
let clock = 0

const LOT = '7d6f3c1e-2a4b-4c5d-8e9f-0a1b2c3d4e5f'

function welcome(lastSeq: number, serverTime = new Date(clock).toISOString()) {
  return {
    type: 'welcome',
    role: 'public',
    lot: { id: LOT, code: '01', name: '施工总承包', project: '市民中心', project_code: 'P-1' },
    deadline: '2026-11-23T01:30:00+00:00',
    state: 'waiting',
    last_seq: lastSeq,
    decrypt_ends_at: null,
    server_time: serverTime,
  }
}

function event(seq: number, name = 'supervisor.remark'): RoomEvent {
  return { type: 'event', seq, name, at: new Date(clock).toISOString(), data: { by: 'x', text: `#${seq}` } }
}

function makeClient(token: string | null = null, extra: Partial<ConstructorParameters<typeof RoomClient>[0]> = {}) {
  const client = new RoomClient({
    lotId: LOT,
    url: `ws://test/ws/openings/${LOT}`,
    token: () => token,
    WebSocket: FakeSocket,
    now: () => clock,
    random: () => 0,
    ...extra,
  })
  client.connect()
  return client
}

function last(): FakeSocket {
  const s = sockets.at(-1)
  if (!s) throw new Error('no socket')
  return s
}

beforeEach(() => {
  sockets = []
  clock = Date.parse('2026-11-23T01:00:00Z')
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('RoomClient: connecting and events', () => {
  it('builds the room URL from the page location', () => {
    expect(roomUrl(LOT, { protocol: 'https:', host: 'bid.example.cn' })).toBe(`wss://bid.example.cn/ws/openings/${LOT}`)
    expect(roomUrl(LOT, { protocol: 'http:', host: 'localhost:5173' })).toBe(`ws://localhost:5173/ws/openings/${LOT}`)
  })

  it('says hello with the token and since=0, then keeps replayed and live events once each, in order', () => {
    const client = makeClient('tok-123')
    expect(client.state.status).toBe('connecting')
    const ws = last()
    ws.accept()
    expect(ws.sent[0]).toEqual({ type: 'hello', token: 'tok-123', since: 0 })
    ws.push(welcome(3))
    expect(client.state.status).toBe('open')
    expect(client.state.role).toBe('public')
    for (const seq of [1, 2, 3]) ws.push(event(seq)) // replay
    ws.push(event(3)) // the same event again (a live copy racing the replay)
    ws.push(event(2))
    ws.push(event(4)) // live
    ws.push(event(6)) // a private event (5) this role does not see: gaps are fine
    expect(client.state.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 6])
    expect(client.state.lastSeq).toBe(6)
  })

  it('sends a null token for the public', () => {
    makeClient(null)
    last().accept()
    expect(last().sent[0]).toEqual({ type: 'hello', token: null, since: 0 })
  })

  it('resumes after a disconnect from the last seq, with exponential backoff, without doubles', () => {
    const client = makeClient()
    let ws = last()
    ws.accept()
    ws.push(welcome(4))
    for (const seq of [1, 2, 3, 4]) ws.push(event(seq))

    ws.drop(1006)
    expect(client.state.status).toBe('reconnecting')
    expect(client.state.nextRetryAt).toBe(clock + DEFAULT_BACKOFF.initialMs)
    vi.advanceTimersByTime(DEFAULT_BACKOFF.initialMs - 1)
    expect(sockets).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(sockets).toHaveLength(2)

    // The second try fails before the welcome: the next delay doubles.
    last().drop(1006)
    expect(client.state.nextRetryAt).toBe(clock + DEFAULT_BACKOFF.initialMs * 2)
    vi.advanceTimersByTime(DEFAULT_BACKOFF.initialMs * 2)
    expect(sockets).toHaveLength(3)

    ws = last()
    ws.accept()
    expect(ws.sent[0]).toEqual({ type: 'hello', token: null, since: 4 })
    ws.push(welcome(6))
    ws.push(event(4)) // overlap: ignored
    ws.push(event(5))
    ws.push(event(6))
    expect(client.state.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(client.state.status).toBe('open')
    expect(client.state.retries).toBe(0)

    // After a successful welcome the backoff starts again from the first delay.
    ws.drop(4008)
    expect(client.state.nextRetryAt).toBe(clock + DEFAULT_BACKOFF.initialMs)
  })

  it('caps the backoff and applies jitter', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(500)
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(4000)
    expect(backoffDelay(20, DEFAULT_BACKOFF, () => 0)).toBe(30_000)
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 1)).toBe(350)
  })

  it('ignores messages from a socket it has replaced', () => {
    const client = makeClient()
    const first = last()
    first.accept()
    first.push(welcome(0))
    first.drop()
    vi.advanceTimersByTime(1000)
    first.push(event(1))
    expect(client.state.events).toHaveLength(0)
  })

  it('does not retry when the server refuses the hello (4001) and rejects pending commands', async () => {
    const client = makeClient('expired')
    const ws = last()
    ws.accept()
    const pending = client.command('pause', { reason: 'x' })
    ws.push({ type: 'error', error: { code: 'not_authenticated', message_en: 'the token is not valid', message_zh: '令牌无效' } })
    ws.drop(4001)
    expect(client.state.status).toBe('refused')
    await expect(pending).rejects.toMatchObject({ code: 'not_authenticated' })
    await expect(client.command('pause', { reason: 'y' })).rejects.toMatchObject({ code: 'not_authenticated' })
    vi.advanceTimersByTime(60_000)
    expect(sockets).toHaveLength(1)
  })

  it('replaces a connection that went silent (no ping)', () => {
    const client = makeClient(null, { silenceMs: 45_000 })
    const ws = last()
    ws.accept()
    ws.push(welcome(0))
    vi.advanceTimersByTime(30_000)
    ws.push({ type: 'ping', server_time: new Date(clock).toISOString() })
    vi.advanceTimersByTime(44_999)
    expect(client.state.status).toBe('open')
    vi.advanceTimersByTime(1)
    expect(client.state.status).toBe('reconnecting')
    expect(ws.closedWith).toBe(4000)
    vi.advanceTimersByTime(500)
    expect(sockets).toHaveLength(2)
  })

  it('stops for good on close()', async () => {
    const client = makeClient()
    last().accept()
    last().push(welcome(0))
    const pending = client.command('close')
    client.close()
    expect(client.state.status).toBe('closed')
    await expect(pending).rejects.toBeInstanceOf(ApiError)
    vi.advanceTimersByTime(60_000)
    expect(sockets).toHaveLength(1)
  })
})

describe('RoomClient: commands', () => {
  it('matches results to commands by id, in any order', async () => {
    const client = makeClient('host')
    const ws = last()
    ws.accept()
    ws.push(welcome(0))
    const a = client.command('start_decryption')
    const b = client.command('extend', { minutes: 10, reason: '网络' })
    const [ca, cb] = ws.sentOfType('command')
    expect(ca).toMatchObject({ name: 'start_decryption', args: {} })
    expect(cb).toMatchObject({ name: 'extend', args: { minutes: 10, reason: '网络' } })
    expect(ca?.id).not.toEqual(cb?.id)
    expect(String(ca?.id).length).toBeLessThanOrEqual(64)
    expect(client.state.pending).toBe(2)

    ws.push({ type: 'result', id: 'somebody-else', ok: true, data: {} })
    ws.push({
      type: 'result',
      id: cb?.id,
      ok: false,
      error: {
        code: 'command_refused',
        message: '当前状态不允许此操作',
        message_zh: '当前状态不允许此操作',
        message_en: 'not allowed in this state',
        request_id: 'ws-4f2a9c01',
      },
    })
    ws.push({ type: 'result', id: ca?.id, ok: true, data: { ends_at: '2026-11-23T02:00:00+00:00' } })

    await expect(a).resolves.toEqual({ ends_at: '2026-11-23T02:00:00+00:00' })
    const error = await b.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('command_refused')
    expect((error as ApiError).messageFor('zh-CN')).toBe('当前状态不允许此操作')
    expect((error as ApiError).messageFor('en')).toBe('not allowed in this state')
    expect((error as ApiError).message).toBe('当前状态不允许此操作') // the server's language of the connection
    expect((error as ApiError).requestId).toBe('ws-4f2a9c01') // the connection's id, to quote to support
    expect(client.state.pending).toBe(0)
  })

  it('holds commands until the welcome', () => {
    const client = makeClient('host')
    const ws = last()
    void client.command('start_decryption')
    ws.accept()
    expect(ws.sentOfType('command')).toHaveLength(0)
    ws.push(welcome(0))
    expect(ws.sentOfType('command')).toHaveLength(1)
  })

  it('sends an unanswered command again with the same id after a reconnect', async () => {
    const client = makeClient('host')
    let ws = last()
    ws.accept()
    ws.push(welcome(0))
    const p = client.command('close_objections')
    const sent = ws.sentOfType('command')[0]
    ws.drop(1006) // the answer is lost with the connection

    vi.advanceTimersByTime(500)
    ws = last()
    ws.accept()
    expect(ws.sentOfType('command')).toHaveLength(0) // not before the welcome
    ws.push(welcome(0))
    const again = ws.sentOfType('command')
    expect(again).toHaveLength(1)
    expect(again[0]).toEqual(sent)

    ws.push({ type: 'result', id: sent?.id, ok: true, data: { record_sha256: 'ab' } })
    await expect(p).resolves.toEqual({ record_sha256: 'ab' })
  })

  it("keeps a bidder's own sign-in before the deadline from its answer and its welcome, as no event says it", async () => {
    const client = makeClient('bidder')
    let ws = last()
    ws.accept()
    ws.push({ ...welcome(1), role: 'bidder', signed_in_at: null })
    expect(client.state.ownSignInAt).toBeNull()
    const signing = client.command('sign_in')
    const sent = ws.sentOfType('command')[0]
    ws.push({ type: 'result', id: sent?.id, ok: true, data: { signed_in: true, at: '2026-11-23T01:00:05+00:00' } })
    await expect(signing).resolves.toMatchObject({ signed_in: true })
    expect(client.state.ownSignInAt).toBe('2026-11-23T01:00:05+00:00')
    expect(client.state.lastSeq).toBe(0) // no event came, none was missed

    // After a reconnection the welcome says it again (and only the welcome can: it is no event).
    ws.drop(1006)
    vi.advanceTimersByTime(500)
    ws = last()
    ws.accept()
    ws.push({ ...welcome(1), role: 'bidder', signed_in_at: '2026-11-23T01:00:05+00:00' })
    expect(client.state.ownSignInAt).toBe('2026-11-23T01:00:05+00:00')
    // Other answers leave it alone; another role's welcome has no such field.
    ws.push({ ...welcome(1) })
    expect(client.state.ownSignInAt).toBeNull()
  })
})

describe('RoomClient: server time', () => {
  it('takes the offset from welcome.server_time at the middle of the round trip, then follows pings', () => {
    const client = makeClient()
    const ws = last()
    ws.accept() // hello sent at t0
    const t0 = clock
    clock += 200 // welcome arrives 200 ms later; the server read its clock at about t0 + 100
    ws.push(welcome(0, new Date(t0 + 100 + 5_000).toISOString())) // server 5 s ahead
    expect(client.state.offsetMs).toBe(5_000)
    expect(client.serverNow()).toBe(clock + 5_000)

    clock += 60_000
    ws.push({ type: 'ping', server_time: new Date(clock - 3_000).toISOString() }) // now 3 s behind
    expect(client.state.offsetMs).toBe(-3_000)
    expect(ws.sentOfType('pong')).toHaveLength(1)
  })

  it('catches up with a server clock that jumped ahead, from the time of live events only', () => {
    const client = makeClient()
    const ws = last()
    ws.accept()
    ws.push(welcome(2, new Date(clock).toISOString()))
    expect(client.state.offsetMs).toBe(0)
    // A replayed event (seq ≤ last_seq) is old: it says nothing about the clock.
    ws.push({ type: 'event', seq: 2, name: 'session.opened', at: new Date(clock + 600_000).toISOString(), data: {} })
    expect(client.state.offsetMs).toBe(0)
    // A live event stamped within the slack (network delays, rounding) changes nothing…
    ws.push({ type: 'event', seq: 3, name: 'bids.extracted', at: new Date(clock + 1_000).toISOString(), data: {} })
    expect(client.state.offsetMs).toBe(0)
    // …one stamped 5 minutes ahead means the server's clock is at least that far ahead.
    ws.push({ type: 'event', seq: 4, name: 'decryption.started', at: new Date(clock + 300_000).toISOString(), data: {} })
    expect(client.state.offsetMs).toBe(300_000)
    // An older live event never pulls the estimate back (pings do that).
    ws.push({ type: 'event', seq: 5, name: 'decryption.succeeded', at: new Date(clock).toISOString(), data: {} })
    expect(client.state.offsetMs).toBe(300_000)
  })

  it('ignores an unreadable server time', () => {
    const client = makeClient()
    last().accept()
    last().push(welcome(0, 'not a time'))
    expect(client.state.offsetMs).toBe(0)
  })
})
