/**
 * Times are stored in UTC and shown in Asia/Shanghai (UTC+8, no daylight saving time since 1991).
 * Formatting uses Intl.DateTimeFormat with an explicit timeZone, never the browser's zone.
 */
import type { Locale } from '@/i18n/locales'

export const PLATFORM_TIME_ZONE = 'Asia/Shanghai'
/** Shanghai's fixed offset, used only to turn a calendar day into an instant. */
const SHANGHAI_OFFSET = '+08:00'

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`
  let f = formatters.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone: PLATFORM_TIME_ZONE })
    formatters.set(key, f)
  }
  return f
}

/** A Date for an ISO 8601 string, or null if missing or unparsable. */
export function parseInstant(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined) return null
  const d = value instanceof Date ? value : new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

const DATE_TIME: Record<Locale, Intl.DateTimeFormatOptions> = {
  'zh-CN': { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  en: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
}

/** "2025/03/01 09:30" (zh-CN) / "Mar 1, 2025, 09:30" (en), in Shanghai time; `fallback` if invalid. */
export function formatDateTime(value: string | Date | null | undefined, locale: Locale, fallback = '—'): string {
  const d = parseInstant(value)
  return d ? formatter(locale, DATE_TIME[locale]).format(d) : fallback
}

/** "09:30" in Shanghai time. */
export function formatTime(value: string | Date | null | undefined, locale: Locale, fallback = '—'): string {
  const d = parseInstant(value)
  return d ? formatter(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d) : fallback
}

/** The Shanghai calendar day of an instant, as "YYYY-MM-DD". */
export function shanghaiDayKey(value: string | Date): string {
  const d = parseInstant(value)
  if (!d) throw new RangeError(`invalid instant: ${String(value)}`)
  const parts = formatter('en-US', { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d)
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

/** The instant at which Shanghai day "YYYY-MM-DD" starts. */
export function shanghaiDayStart(dayKey: string): Date {
  return new Date(`${dayKey}T00:00:00${SHANGHAI_OFFSET}`)
}

/** "YYYY-MM-DD" plus `days` calendar days. */
export function addDays(dayKey: string, days: number): string {
  const [y, m, d] = dayKey.split('-').map(Number)
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10)
}

/** Heading for a Shanghai day: "3月1日 星期六" / "Saturday, March 1". */
export function formatDayHeading(dayKey: string, locale: Locale): string {
  const options: Intl.DateTimeFormatOptions = { month: 'long', day: 'numeric', weekday: 'long' }
  return formatter(locale, options).format(shanghaiDayStart(dayKey))
}
