/**
 * The supervisor's live feed (WebSocket `/ws/supervision`, docs/supervision.md §Live push): `hello`
 * with the session token and `since` = the last alert id seen → `welcome`, then every alert after
 * `since` and each new one, order changes, a `ping` every 15 s (with the server's time: the
 * page counts the clocks' time left on the platform's clock, not the browser's).
 *
 * - alerts are kept newest first, each once (by id), whatever the order they come in;
 * - an alert that arrives after the page's first load is *fresh* (highlighted, counted in the badge)
 *   until the reader marks them seen;
 * - on a lost connection it reconnects with exponential backoff and `since` = the last alert id, so
 *   nothing raised meanwhile is missed; a refusal (4001 not allowed, 4000 bad hello) is not retried;
 * - `state` is reactive for the views; no component code here.
 */
import { reactive } from 'vue'
import type { AlertView, OrderView } from '@/api/supervision'
import type { ProtocolError, WebSocketFactory, WebSocketLike } from '@/room/client'

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'refused' | 'closed'

export interface LiveState {
  status: LiveStatus
  /** Newest first, each alert once. */
  alerts: AlertView[]
  /** Ids of the alerts that came live and were not marked seen yet (the badge). */
  fresh: number[]
  /** The greatest alert id seen (the `since` of the next hello). */
  lastAlertId: number
  /** Reconnections since the last welcome. */
  retries: number
  /** The server's clock minus ours, in ms, from the last ping (the platform's clock may differ). */
  offsetMs: number
  error: ProtocolError | null
}

export interface LiveOptions {
  /** The session token, read at each hello. */
  token: () => string | null
  url?: string
  WebSocket?: WebSocketFactory
  /** Called for each order change (`{"type":"order","order":…}`). */
  onOrder?: (order: OrderView) => void
  /** Called for each alert that arrives (after it is in `state.alerts`). */
  onAlert?: (alert: AlertView) => void
  backoff?: { initialMs: number; maxMs: number }
  /** No message (the server pings every 15 s) for this long: the connection is replaced. */
  silenceMs?: number
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

/** Alerts kept in memory (the server sends at most 200 on a resume). */
export const KEEP_ALERTS = 300
const NO_RETRY = new Set([4000, 4001])
const OPEN = 1

/** The feed's URL on the page's own host. */
export function supervisionUrl(location: { protocol: string; host: string } = globalThis.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/supervision`
}

/** `alerts` with `incoming` merged in: newest first by id, each id once (the newer copy kept). */
export function mergeAlerts(alerts: readonly AlertView[], incoming: readonly AlertView[], keep = KEEP_ALERTS): AlertView[] {
  const byId = new Map<number, AlertView>()
  for (const a of alerts) byId.set(a.id, a)
  for (const a of incoming) byId.set(a.id, a)
  return [...byId.values()].sort((x, y) => y.id - x.id).slice(0, keep)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export class SupervisionLive {
  readonly state: LiveState
  private socket: WebSocketLike | null = null
  private retryTimer: unknown = null
  private silenceTimer: unknown = null
  private stopped = true
  private readonly opts: Required<Pick<LiveOptions, 'silenceMs' | 'setTimer' | 'clearTimer'>> & LiveOptions

  constructor(options: LiveOptions) {
    this.opts = {
      silenceMs: 45_000,
      setTimer: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimer: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
      ...options,
    }
    this.state = reactive<LiveState>({ status: 'idle', alerts: [], fresh: [], lastAlertId: 0, retries: 0, offsetMs: 0, error: null })
  }

  /** Alerts already loaded over HTTP (not fresh); the feed resumes after the greatest id. */
  seed(alerts: readonly AlertView[]): void {
    this.state.alerts = mergeAlerts(this.state.alerts, alerts)
    for (const a of alerts) this.state.lastAlertId = Math.max(this.state.lastAlertId, a.id)
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.state.status = 'connecting'
    this.connect()
  }

  stop(): void {
    this.stopped = true
    this.clear()
    const s = this.socket
    this.socket = null
    if (s) {
      s.onclose = null
      s.close(1000)
    }
    this.state.status = 'closed'
  }

  /** The reader has seen the fresh alerts: the badge empties, the highlight goes. */
  markSeen(): void {
    this.state.fresh = []
  }

  private clear(): void {
    if (this.retryTimer !== null) this.opts.clearTimer(this.retryTimer)
    if (this.silenceTimer !== null) this.opts.clearTimer(this.silenceTimer)
    this.retryTimer = null
    this.silenceTimer = null
  }

  private connect(): void {
    const Factory = this.opts.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketFactory)
    let socket: WebSocketLike
    try {
      socket = new Factory(this.opts.url ?? supervisionUrl())
    } catch {
      this.lost()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'hello', token: this.opts.token() ?? '', since: this.state.lastAlertId }))
      this.heard()
    }
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return
      this.heard()
      let message: unknown
      try {
        message = JSON.parse(String(ev.data))
      } catch {
        return
      }
      if (isRecord(message)) this.handle(message)
    }
    socket.onerror = () => {
      // onclose follows and decides.
    }
    socket.onclose = (ev) => {
      if (this.socket !== socket) return
      this.socket = null
      if (NO_RETRY.has(ev.code)) {
        this.clear()
        this.state.status = 'refused'
        return
      }
      this.lost()
    }
  }

  private handle(message: Record<string, unknown>): void {
    switch (message.type) {
      case 'welcome':
        this.state.status = 'open'
        this.state.retries = 0
        this.state.error = null
        return
      case 'alert': {
        const alert = message.alert as AlertView | undefined
        if (!isRecord(alert) || typeof alert.id !== 'number') return
        const known = this.state.alerts.some((a) => a.id === alert.id)
        this.state.alerts = mergeAlerts(this.state.alerts, [alert])
        this.state.lastAlertId = Math.max(this.state.lastAlertId, alert.id)
        if (!known && !this.state.fresh.includes(alert.id)) this.state.fresh = [alert.id, ...this.state.fresh]
        this.opts.onAlert?.(alert)
        return
      }
      case 'order': {
        const order = message.order as OrderView | undefined
        if (isRecord(order) && typeof order.id === 'string') this.opts.onOrder?.(order)
        return
      }
      case 'ping': {
        const at = typeof message.at === 'string' ? Date.parse(message.at) : Number.NaN
        if (!Number.isNaN(at)) this.state.offsetMs = at - (this.opts.now ?? Date.now)()
        return
      }
      case 'error':
        if (isRecord(message.error) && typeof message.error.code === 'string') {
          this.state.error = message.error as unknown as ProtocolError
        }
        return
      default:
        return // anything newer
    }
  }

  /** Any message: the connection lives; silence for `silenceMs` replaces it. */
  private heard(): void {
    if (this.silenceTimer !== null) this.opts.clearTimer(this.silenceTimer)
    this.silenceTimer = this.opts.setTimer(() => {
      this.silenceTimer = null
      const s = this.socket
      if (s && s.readyState === OPEN) {
        this.socket = null
        s.onclose = null
        s.close(4002)
        this.lost()
      }
    }, this.opts.silenceMs)
  }

  private lost(): void {
    this.clear()
    if (this.stopped) return
    this.state.status = 'reconnecting'
    const { initialMs, maxMs } = this.opts.backoff ?? { initialMs: 500, maxMs: 30_000 }
    const delay = Math.min(maxMs, initialMs * 2 ** this.state.retries)
    this.state.retries += 1
    this.retryTimer = this.opts.setTimer(() => {
      this.retryTimer = null
      if (!this.stopped) this.connect()
    }, delay)
  }
}
