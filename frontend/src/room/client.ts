/**
 * Typed client of the opening room protocol (docs/opening-room-protocol.md): one WebSocket per lot,
 * `hello` → `welcome` + events after `since`, live events, `ping`, commands answered by id.
 *
 * - keeps the event list in order, without gaps from reconnects and without duplicates (by `seq`);
 * - reconnects with exponential backoff (and jitter) and resumes from the last `seq` it saw;
 * - estimates the offset between the server's clock and ours (`welcome.server_time`, `ping`);
 * - commands get generated ids; a command without an answer when the socket drops is sent again,
 *   with the same id, after the next `welcome` (the server answers a repeated id once, from storage);
 * - `state` is reactive (Vue), for the views.
 *
 * No Vue component code here; see `useRoom.ts` for the composable.
 */
import { reactive } from 'vue'
import { ApiError, type ApiErrorPayload } from '@/api/client'

export type RoomRole = 'public' | 'bidder' | 'host' | 'supervisor'

export const ROOM_STATES = [
  'waiting',
  'extracted',
  'bidders_published',
  'decrypting',
  'paused',
  'announced',
  'objections',
  'signing',
  'closed',
  'failed',
  'adjourned',
] as const
export type RoomStateName = (typeof ROOM_STATES)[number]
export const FINAL_STATES: readonly RoomStateName[] = ['closed', 'failed', 'adjourned']

export interface RoomLot {
  id: string
  code: string
  name: string
  project: string
  project_code: string
}

export interface WelcomeMessage {
  type: 'welcome'
  role: RoomRole
  lot: RoomLot
  deadline: string | null
  state: RoomStateName
  last_seq: number
  decrypt_ends_at: string | null
  server_time: string
  /**
   * Bidders only: when this bidder signed in before the deadline, or null. Private (办法 21), so it
   * is no numbered event — whose number everyone could count — but part of its own welcome.
   */
  signed_in_at?: string | null
}

export interface RoomEvent {
  type: 'event'
  seq: number
  name: string
  at: string
  data: Record<string, unknown>
}

/**
 * The `error` of an `error` message or a failed `result`: the fields of the platform's HTTP error body
 * (`message` in the language of the connection, the connection's `request_id`, any `details`).
 */
export interface ProtocolError {
  code: string
  message_zh: string
  message_en: string
  message?: string
  request_id?: string
  details?: unknown[]
}

interface ResultMessage {
  type: 'result'
  id: string
  ok: boolean
  data?: Record<string, unknown>
  error?: ProtocolError
}

/** The subset of the browser's WebSocket the client uses (a test double implements it). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}
export type WebSocketFactory = new (url: string) => WebSocketLike

export type ConnectionStatus =
  | 'idle' // not started
  | 'connecting' // first connection
  | 'open' // welcomed: events flow, commands are sent
  | 'reconnecting' // lost; waiting to retry or retrying
  | 'refused' // the server refused us (bad token 4001, unknown lot 4004): no retry
  | 'closed' // closed by us

export interface RoomClientState {
  status: ConnectionStatus
  role: RoomRole | null
  welcome: WelcomeMessage | null
  /** Every event seen, in `seq` order, each once. */
  events: RoomEvent[]
  /** The highest `seq` seen (sent as `since` when resuming). */
  lastSeq: number
  /** This bidder's own sign-in before the deadline: from the welcome, then from the `sign_in` answer. */
  ownSignInAt: string | null
  /** server clock − local clock, in ms. */
  offsetMs: number
  /** Reconnections since the last `welcome`. */
  retries: number
  /** When the next reconnection is due (local ms), while reconnecting. */
  nextRetryAt: number | null
  /** The last `error` message the server sent (refused hello, unknown message…). */
  error: ProtocolError | null
  /** Commands sent and not answered yet. */
  pending: number
}

export interface BackoffOptions {
  initialMs: number
  maxMs: number
  factor: number
  /** 0–1: the delay is reduced by up to this share at random, so clients do not reconnect in step. */
  jitter: number
}

export interface RoomClientOptions {
  lotId: string
  /** The session token (bidder, host, supervisor), or null for the public view. Read at each hello. */
  token?: () => string | null
  /** Default: ws(s)://<location.host>/ws/openings/{lotId}. */
  url?: string
  WebSocket?: WebSocketFactory
  now?: () => number
  random?: () => number
  backoff?: Partial<BackoffOptions>
  /** Without any message for this long the connection is deemed dead and replaced (server pings every 15 s). */
  silenceMs?: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.3 }
const DEFAULT_SILENCE_MS = 45_000
/** How far a live event's time may run ahead of the estimated server clock before we follow it. */
const CLOCK_SLACK_MS = 2_000
/** Close codes after which retrying cannot help. */
const NO_RETRY_CODES = new Set([4001, 4004])
const OPEN = 1

/** The WebSocket URL of a lot's room on the page's own host. */
export function roomUrl(lotId: string, location: { protocol: string; host: string } = globalThis.location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/ws/openings/${encodeURIComponent(lotId)}`
}

/** The delay before reconnection number `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** attempt)
  return Math.round(base * (1 - options.jitter * random()))
}

/** A refused command, or a command that can no longer be answered; an `ApiError` so views show it like any API error. */
export function commandError(error: ProtocolError): ApiError {
  const payload: ApiErrorPayload = {
    code: error.code,
    message: error.message ?? error.message_en,
    message_en: error.message_en,
    message_zh: error.message_zh,
  }
  if (error.request_id !== undefined) payload.request_id = error.request_id
  if (error.details !== undefined) payload.details = error.details
  return new ApiError('http', { payload })
}

interface Pending {
  id: string
  name: string
  frame: string
  resolve: (data: Record<string, unknown>) => void
  reject: (error: unknown) => void
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isProtocolError(value: unknown): value is ProtocolError {
  return isRecord(value) && typeof value.code === 'string'
}

function protocolError(value: unknown): ProtocolError {
  if (!isProtocolError(value)) return { code: 'unknown', message_zh: '未知错误', message_en: 'unknown error' }
  const error: ProtocolError = {
    code: value.code,
    message_zh: typeof value.message_zh === 'string' ? value.message_zh : value.code,
    message_en: typeof value.message_en === 'string' ? value.message_en : value.code,
  }
  if (typeof value.message === 'string') error.message = value.message
  if (typeof value.request_id === 'string') error.request_id = value.request_id
  if (Array.isArray(value.details)) error.details = value.details
  return error
}

export class RoomClient {
  readonly state: RoomClientState
  readonly lotId: string
  private readonly url: string
  private readonly token: () => string | null
  private readonly Socket: WebSocketFactory
  private readonly now: () => number
  private readonly random: () => number
  private readonly backoff: BackoffOptions
  private readonly silenceMs: number
  private socket: WebSocketLike | null = null
  private readonly pending = new Map<string, Pending>()
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private silenceTimer: ReturnType<typeof setTimeout> | null = null
  private helloSentAt = 0
  private counter = 0
  private readonly idPrefix: string
  private stopped = false

  constructor(options: RoomClientOptions) {
    this.lotId = options.lotId
    this.url = options.url ?? roomUrl(options.lotId)
    this.token = options.token ?? (() => null)
    const Socket = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketFactory | undefined)
    if (!Socket) throw new Error('WebSocket is not available')
    this.Socket = Socket
    this.now = options.now ?? (() => Date.now())
    this.random = options.random ?? Math.random
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
    this.silenceMs = options.silenceMs ?? DEFAULT_SILENCE_MS
    this.idPrefix = `c${Math.floor(this.random() * 36 ** 6).toString(36)}${this.now().toString(36)}`
    this.state = reactive<RoomClientState>({
      status: 'idle',
      role: null,
      welcome: null,
      events: [],
      lastSeq: 0,
      ownSignInAt: null,
      offsetMs: 0,
      retries: 0,
      nextRetryAt: null,
      error: null,
      pending: 0,
    })
  }

  /** Opens the connection (no-op if already started). */
  connect(): void {
    if (this.socket || this.reconnectTimer || this.stopped) return
    this.open()
  }

  /** Closes for good; unanswered commands are rejected. */
  close(): void {
    this.stopped = true
    this.clearTimers()
    const socket = this.socket
    this.socket = null
    if (socket) {
      this.detach(socket)
      try {
        socket.close(1000, 'bye')
      } catch {
        // already closed
      }
    }
    this.state.status = 'closed'
    this.state.nextRetryAt = null
    this.rejectAll(new ApiError('aborted'))
  }

  /** The server's clock now, in ms since the epoch. */
  serverNow(): number {
    return this.now() + this.state.offsetMs
  }

  /**
   * Sends a command; resolves with the result's `data`, rejects with an `ApiError` carrying the
   * server's error (`forbidden`, `command_refused`, `invalid_input`, `not_found`, …).
   * Survives reconnections: it is sent again with the same id until answered.
   */
  command<T extends Record<string, unknown> = Record<string, unknown>>(
    name: string,
    args: Record<string, unknown> = {},
  ): Promise<T> {
    if (this.stopped) return Promise.reject(new ApiError('aborted'))
    if (this.state.status === 'refused') {
      return Promise.reject(commandError(this.state.error ?? { code: 'refused', message_zh: '连接被拒绝', message_en: 'connection refused' }))
    }
    const id = `${this.idPrefix}-${++this.counter}`
    const frame = JSON.stringify({ type: 'command', id, name, args })
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { id, name, frame, resolve: resolve as (d: Record<string, unknown>) => void, reject })
      this.state.pending = this.pending.size
      if (this.state.status === 'open') this.sendRaw(frame)
    })
  }

  // ------------------------------------------------------------------ connection

  private open(): void {
    this.reconnectTimer = null
    this.state.nextRetryAt = null
    if (this.state.status !== 'reconnecting') this.state.status = 'connecting'
    let socket: WebSocketLike
    try {
      socket = new this.Socket(this.url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      if (socket !== this.socket) return
      this.helloSentAt = this.now()
      this.sendRaw(JSON.stringify({ type: 'hello', token: this.token() ?? null, since: this.state.lastSeq }))
      this.armSilence()
    }
    socket.onmessage = (ev) => {
      if (socket !== this.socket) return
      this.armSilence()
      this.receive(ev.data)
    }
    socket.onclose = (ev) => {
      if (socket !== this.socket) return
      this.lost(ev.code)
    }
    socket.onerror = () => {
      // A close event follows; nothing to do here.
    }
  }

  private detach(socket: WebSocketLike): void {
    socket.onopen = null
    socket.onmessage = null
    socket.onclose = null
    socket.onerror = null
  }

  private lost(code: number): void {
    const socket = this.socket
    this.socket = null
    if (socket) this.detach(socket)
    this.clearSilence()
    if (this.stopped) return
    if (NO_RETRY_CODES.has(code)) {
      this.state.status = 'refused'
      const error = this.state.error ?? { code: `closed_${code}`, message_zh: '连接被拒绝', message_en: 'connection refused' }
      this.rejectAll(commandError(error))
      return
    }
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.stopped) return
    const delay = backoffDelay(this.state.retries, this.backoff, this.random)
    this.state.retries += 1
    this.state.status = 'reconnecting'
    this.state.nextRetryAt = this.now() + delay
    this.reconnectTimer = setTimeout(() => this.open(), delay)
  }

  private armSilence(): void {
    this.clearSilence()
    this.silenceTimer = setTimeout(() => {
      // No message (not even a ping) for too long: the connection is dead without having said so.
      const socket = this.socket
      if (!socket) return
      this.lost(1006)
      try {
        socket.close(4000, 'silent')
      } catch {
        // ignore
      }
    }, this.silenceMs)
  }

  private clearSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer)
    this.silenceTimer = null
  }

  private clearTimers(): void {
    this.clearSilence()
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
  }

  private sendRaw(frame: string): void {
    const socket = this.socket
    if (!socket || socket.readyState !== OPEN) return
    try {
      socket.send(frame)
    } catch {
      // The close event will follow; pending commands are sent again after the next welcome.
    }
  }

  private rejectAll(error: unknown): void {
    const all = [...this.pending.values()]
    this.pending.clear()
    this.state.pending = 0
    for (const p of all) p.reject(error)
  }

  // ------------------------------------------------------------------ messages

  private receive(raw: unknown): void {
    let message: unknown
    try {
      message = JSON.parse(String(raw))
    } catch {
      return
    }
    if (!isRecord(message)) return
    switch (message.type) {
      case 'welcome':
        this.onWelcome(message as unknown as WelcomeMessage)
        break
      case 'event':
        this.onEvent(message as unknown as RoomEvent)
        break
      case 'ping':
        this.onPing(message)
        break
      case 'result':
        this.onResult(message as unknown as ResultMessage)
        break
      case 'error':
        this.state.error = protocolError(message.error)
        break
    }
  }

  private onWelcome(welcome: WelcomeMessage): void {
    const received = this.now()
    const server = Date.parse(welcome.server_time)
    // The server read its clock between our hello and its welcome: take the middle of the round trip.
    if (!Number.isNaN(server)) this.state.offsetMs = Math.round(server - (this.helloSentAt + received) / 2)
    this.state.welcome = welcome
    this.state.role = welcome.role
    this.state.ownSignInAt = typeof welcome.signed_in_at === 'string' ? welcome.signed_in_at : null
    this.state.status = 'open'
    this.state.retries = 0
    this.state.error = null
    for (const p of this.pending.values()) this.sendRaw(p.frame)
  }

  private onEvent(event: RoomEvent): void {
    if (typeof event.seq !== 'number' || event.seq <= this.state.lastSeq) return
    if (!isRecord(event.data)) event.data = {}
    this.followEventTime(event)
    this.state.events.push(event)
    this.state.lastSeq = event.seq
  }

  /**
   * A live event happened on the server no later than now: if its time is clearly ahead of our
   * estimate of the server's clock (the server's clock moved, pings are rare while events flow),
   * catch up. Replayed events (up to the welcome's `last_seq`) are old and say nothing.
   */
  private followEventTime(event: RoomEvent): void {
    const welcome = this.state.welcome
    if (!welcome || event.seq <= welcome.last_seq) return
    const at = Date.parse(event.at)
    if (Number.isNaN(at)) return
    const atLeast = at - this.now()
    if (atLeast > this.state.offsetMs + CLOCK_SLACK_MS) this.state.offsetMs = Math.round(atLeast)
  }

  private onPing(message: Record<string, unknown>): void {
    const server = typeof message.server_time === 'string' ? Date.parse(message.server_time) : NaN
    // A ping's time is a little older than its arrival; good enough to follow a drifting clock.
    if (!Number.isNaN(server)) this.state.offsetMs = Math.round(server - this.now())
    this.sendRaw(JSON.stringify({ type: 'pong' }))
  }

  private onResult(result: ResultMessage): void {
    const p = this.pending.get(result.id)
    if (!p) return
    this.pending.delete(result.id)
    this.state.pending = this.pending.size
    const data = isRecord(result.data) ? result.data : {}
    // A sign-in before the deadline is answered, not announced: the answer is all this tab learns.
    if (result.ok && p.name === 'sign_in' && typeof data.at === 'string') this.state.ownSignInAt = data.at
    if (result.ok) p.resolve(data)
    else p.reject(commandError(protocolError(result.error)))
  }
}
