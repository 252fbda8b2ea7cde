/** Small pure helpers of the agent's project pages (which actions a phase allows, deadlines). */
import type { AgentProject } from '@/api/agent'
import { ApiError } from '@/api/client'
import type { Phase } from '@/api/types'
import type { Locale } from '@/i18n'
import { formatDateTime } from '@/utils/time'

export type AgentAction = 'documents' | 'publish' | 'clarify' | 'terminate' | 'notices'

/** What the console offers in each phase; mirrors the checks in bidding/tendering/service.py. */
const ACTIONS: Record<Phase, readonly AgentAction[]> = {
  draft: ['documents', 'publish'],
  published: ['documents', 'clarify', 'terminate'],
  tendering: ['documents', 'clarify', 'terminate'],
  opening: [],
  evaluation: ['notices'],
  awarded: [],
  failed: [],
  cancelled: [],
}

export function actionsFor(phase: Phase): readonly AgentAction[] {
  return ACTIONS[phase]
}

/** The earliest lot deadline still ahead of `now`, else the latest one; null if none is set. */
export function nextDeadline(project: Pick<AgentProject, 'lots'>, now: Date = new Date()): string | null {
  const times = project.lots
    .map((l) => l.bid_deadline)
    .filter((d): d is string => d !== null)
    .sort((a, b) => Date.parse(a) - Date.parse(b))
  return times.find((d) => Date.parse(d) > now.getTime()) ?? times.at(-1) ?? null
}

/** "1.2 MB" style size for the documents table. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/**
 * The earliest allowed deadline named by a `schedule_refused` refusal (bidding/tendering/rules/schedule.py
 * words it "the earliest allowed is <ISO>" or "to <ISO> or later"), so the page can show it in
 * Beijing time; null if the message does not name one.
 */
export function earliestAllowed(message: string | null | undefined): string | null {
  if (!message) return null
  const m = /(?:earliest allowed is|最早可为|to|顺延至) (\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d))/.exec(message)
  return m?.[1] ?? null
}

/** For a `schedule_refused` error: that earliest deadline in Beijing time (agents plan in it), else null. */
export function refusedEarliest(error: unknown, locale: Locale): string | null {
  if (!(error instanceof ApiError) || error.code !== 'schedule_refused') return null
  const at = earliestAllowed(error.payload?.message_en ?? error.payload?.message)
  return at ? formatDateTime(at, locale) : null
}
