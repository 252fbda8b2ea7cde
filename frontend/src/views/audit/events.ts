/**
 * Pure helpers of the audit pages: which actions have a text, how an event's object and actor read,
 * and the CSV export of the events on screen. No Vue, so they are unit-tested directly.
 */
import type { AuditEvent } from '@/api/audit'

/**
 * Actions the platform writes for a project (see the `record(...)` calls in `bidding/` and
 * `opening_room/`), grouped by family; each has a text `audit.actions.<family>.<name>`.
 */
export const ACTION_FAMILIES = {
  project: ['created', 'published'],
  tender_document: ['uploaded', 'downloaded'],
  announcement: [
    'tender',
    'clarification',
    'amendment',
    'termination',
    'opening_record',
    'candidate_publicity',
    'award',
    'notified',
  ],
  bid_upload: ['started'],
  bid: ['submitted', 'withdrawn', 'body_opened', 'body_digest_mismatch', 'body_failed'],
  opening: [
    'sign_in',
    'continue',
    'stop',
    'start_decryption',
    'pause',
    'resume',
    'extend',
    'get_envelope',
    'decrypt',
    'close_decryption',
    'platform_fault',
    'raise_objection',
    'answer_objection',
    'close_objections',
    'prepare_record_signature',
    'sign_record',
    'close',
    'adjourn',
    'remark',
  ],
} as const satisfies Record<string, readonly string[]>

export type ActionFamily = keyof typeof ACTION_FAMILIES

export const FAMILIES = Object.keys(ACTION_FAMILIES) as ActionFamily[]

/** Every known action code, "family.name". */
export const KNOWN_ACTIONS: readonly string[] = FAMILIES.flatMap((f) => ACTION_FAMILIES[f].map((n) => `${f}.${n}`))

/** i18n key of an action's text, or null for an action the UI does not know (shown raw). */
export function actionKey(action: string): string | null {
  return KNOWN_ACTIONS.includes(action) ? `audit.actions.${action}` : null
}

/** The action filter's value for the API: a family is asked for by its prefix ("bid."). */
export function familyFilter(family: ActionFamily): string {
  return `${family}.`
}

/**
 * System actors (`system:<component>`) and operators are shown as they are; a certificate
 * (`cert:<SHA-256 fingerprint>`) by the start of its fingerprint (the full one is in the details).
 */
export function actorLabel(actor: string): string {
  const cert = /^(cert:)?([0-9a-f]{64})$/i.exec(actor)
  return cert ? `${cert[1] ?? ''}${cert[2]?.slice(0, 12)}…` : actor
}

/** Shanghai wall time of an instant as "YYYY-MM-DD HH:MM:SS +08:00" (fixed offset, no DST since 1991). */
export function shanghaiStamp(iso: string): string {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')} +08:00`
}

/** One CSV cell (RFC 4180 quoting); a leading = + - @ is neutralised so spreadsheets do not run it. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export const CSV_COLUMNS = [
  'id',
  'occurred_at_shanghai',
  'occurred_at_utc',
  'actor',
  'action',
  'action_text',
  'object_type',
  'object_id',
  'client_address',
  'request_id',
  'content_sha256',
  'details',
] as const

/**
 * The events as CSV (UTF-8 with a BOM so spreadsheet programs read the Chinese texts, CRLF lines).
 * `actionText` gives the shown text of an action (the current language).
 */
export function eventsToCsv(events: readonly AuditEvent[], actionText: (action: string) => string): string {
  const rows = events.map((e) =>
    [
      e.id,
      shanghaiStamp(e.occurred_at),
      e.occurred_at,
      e.actor,
      e.action,
      actionText(e.action),
      e.object_type,
      e.object_id,
      e.client_address,
      e.request_id,
      e.content_sha256,
      e.details,
    ]
      .map((v) => csvCell(typeof v === 'number' ? String(v) : v))
      .join(','),
  )
  return `\ufeff${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`
}
